"""Errors with exit codes.

The library raises; only the CLI turns an error into an exit status:

* 0 success
* 1 unexpected internal error
* 2 usage error (click)
* 3 invalid input or specification (:class:`InputError`, :class:`SpecError`)
* 4 a check failed: regression, leakage (:class:`CheckFailed`)
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable
from typing import Any


MAX_LINE = 500


class OvbenchError(Exception):
    """Base class of every error ovbench raises on purpose.

    Each line of the message is capped at :data:`MAX_LINE` characters (its start is kept and
    the full length is said), so a megabyte-long name in an input never floods the terminal.
    """

    exit_code = 1

    def __init__(self, *args):
        if len(args) == 1 and isinstance(args[0], str):
            args = ("\n".join(clip(line, MAX_LINE) for line in args[0].split("\n")),)
        super().__init__(*args)


class InputError(OvbenchError):
    """A file the user gave (annotations, predictions, results) is missing or invalid."""

    exit_code = 3


class SpecError(OvbenchError):
    """An unknown or tampered split, profile or option."""

    exit_code = 3


class CheckFailed(OvbenchError):
    """A check found what it looks for (a drifted number, leaked unseen classes)."""

    exit_code = 4


def clip(text: str, limit: int = 200) -> str:
    """``text`` cut to its first ``limit`` characters, saying how long it was."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = 60
_REPR.maxlong = 40
_REPR.maxother = 60
for _name in ("maxlist", "maxtuple", "maxdict", "maxset", "maxfrozenset", "maxdeque", "maxarray"):
    setattr(_REPR, _name, 8)


def shorten(value: Any, limit: int = 80) -> str:
    """A ``repr`` of ``value`` for a message: bounded in depth and length whatever ``value`` is
    (a megabyte-long name shows its start; a deeply nested list never recurses far)."""
    if isinstance(value, str):
        text = repr(value[:limit])
        return text if len(value) <= limit else f"{text[:-1]}...{text[-1]} ({len(value)} characters)"
    try:
        text = _REPR.repr(value)
    except Exception:  # a value whose repr fails: name its type
        text = f"<{type(value).__name__}>"
    return clip(text, limit)


def type_name(value: Any) -> str:
    """``"null"``, ``"a list"``, ``"an int"``: how a message names the type of a JSON value."""
    if value is None:
        return "null"
    name = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
            dict: "object", tuple: "list"}.get(type(value), type(value).__name__)
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``."""
    choices = [str(c) for c in choices]
    folded = {c.lower().replace("_", "-"): c for c in choices}
    exact = folded.get(str(name).lower().replace("_", "-"))
    if exact is not None and exact != name:  # 'RF-UC' -> 'rf-uc'
        return f" Did you mean {exact!r}?"
    close = difflib.get_close_matches(str(name), choices, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


class Problems:
    """Collect problems found in one input, then raise them together.

    Validation walks a whole file and reports up to ``limit`` problems plus the total
    count, so a user fixes a file in one pass instead of one error at a time::

        problems = Problems("preds.json")
        problems.add("image 'x.jpg': field 'verbs': expected a list, got int")
        problems.raise_if_any()
    """

    def __init__(self, source: str, limit: int = 20, error: type[OvbenchError] = InputError):
        self.source = str(source)
        self.limit = limit
        self.error = error
        self.messages: list[str] = []
        self.count = 0

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.messages) < self.limit:
            self.messages.append(message)

    def __bool__(self) -> bool:
        return self.count > 0

    def raise_if_any(self, hint: str = "") -> None:
        if not self.count:
            return
        head = f"{self.source}: {self.count} problem{'s' if self.count != 1 else ''}"
        lines = [head + (":" if self.messages else "")]
        lines += [f"  - {m}" for m in self.messages]
        if self.count > len(self.messages):
            lines.append(f"  ... and {self.count - len(self.messages)} more")
        if hint:
            lines.append(hint)
        raise self.error("\n".join(lines))
