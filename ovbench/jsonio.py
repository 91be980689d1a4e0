"""JSON reading and writing: fast parsing, canonical bytes, hashes, atomic files.

* :func:`load_json` parses with orjson while Python's cyclic garbage collector is paused
  (parsing millions of small containers otherwise triggers many useless collections) and
  turns every failure into an :class:`~ovbench.errors.InputError` naming the file.
* :func:`canonical_bytes` is the byte string hashes are computed over: keys sorted, no
  whitespace, UTF-8. :func:`sha256_hex` hashes it.
* :func:`dump_bytes` is the human-facing form written to disk: keys sorted, 2-space indent,
  trailing newline. Same object, same bytes.
* :func:`atomic_write` writes a temporary file beside the target and renames it, so an
  interrupted or failed run never leaves a half-written output.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from .errors import InputError


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (re-enabled only if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_bytes(path: str | os.PathLike, what: str = "file") -> bytes:
    """Read a whole file, raising :class:`InputError` with the path if it cannot be read."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such {what}") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, expected a {what}") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read {what}: {exc.strerror or exc}") from None


def parse_json(data: bytes | str, source: str) -> Any:
    """Parse JSON text; errors name ``source`` and the line and column."""
    with gc_paused():
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise InputError(
                f"{source}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
                + (" (the file looks truncated)" if exc.pos >= len(data) - 1 else "")
            ) from None


MAX_DEPTH = 32


def check_depth(obj: Any, source: str, where: str, limit: int = MAX_DEPTH) -> None:
    """Refuse a free-form value (a ``meta`` block) nested deeper than ``limit`` levels.

    Such values are copied into results and re-written as JSON, which allows a bounded nesting
    (orjson: 254 levels); an explicit stack keeps the check itself free of recursion.
    """
    stack = [(obj, 0)]
    while stack:
        o, d = stack.pop()
        if d > limit:
            raise InputError(f"{source}: field {where!r}: nested more than {limit} levels deep; "
                             "ovbench copies it into the result and keeps it shallow")
        if isinstance(o, dict):
            stack.extend((v, d + 1) for v in o.values())
        elif isinstance(o, (list, tuple)):
            stack.extend((v, d + 1) for v in o)


def parse_json_lenient(data: bytes | str, source: str) -> Any:
    """Parse JSON that a strict parser refused, to name the field at fault: also accepts
    ``NaN``, ``Infinity`` and out-of-range numbers such as ``1e400`` (as inf), which are not
    JSON but which validation can then report by image and field. Errors name ``source`` with
    the line and column; nesting too deep for the parser is an error, not a crash."""
    import json

    with gc_paused():
        try:
            return json.loads(data)
        except RecursionError:
            raise InputError(f"{source}: not valid JSON: nested too deeply") from None
        except ValueError as exc:
            msg = str(getattr(exc, "msg", exc)).removesuffix(" at")
            where = f" at line {exc.lineno}, column {exc.colno}" if hasattr(exc, "lineno") else ""
            truncated = hasattr(exc, "pos") and (exc.pos >= len(data.rstrip()) - 1 or msg.startswith("Unterminated"))
            raise InputError(f"{source}: not valid JSON: {msg}{where}"
                             + (" (the file looks truncated)" if truncated else "")) from None


def load_json(path: str | os.PathLike, what: str = "JSON file") -> Any:
    """Read and parse a JSON file (see :func:`parse_json`)."""
    return parse_json(read_bytes(path, what), str(path))


def _non_finite_path(obj: Any, where: str = "$") -> str | None:
    """Where the first non-finite number in ``obj`` is (slow; only run to name an error)."""
    if isinstance(obj, (float, np.floating, np.ndarray)):
        arr = np.asarray(obj)
        return where if arr.dtype.kind in "fc" and not np.isfinite(arr).all() else None
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, (list, tuple)) else ()
    for key, value in items:
        found = _non_finite_path(value, f"{where}.{key}" if isinstance(obj, dict) else f"{where}[{key}]")
        if found:
            return found
    return None


def _check_finite(obj: Any) -> None:
    """Refuse NaN/inf anywhere in ``obj`` (orjson would silently write them as ``null``).

    An explicit stack with exact type checks instead of a recursive call per element: the
    walk is cheap enough for million-entry objects, so writers need no bypass.
    """
    stack = [obj]
    pop, push = stack.pop, stack.append
    while stack:
        o = pop()
        t = type(o)
        values = o.values() if t is dict else o if t is list or t is tuple else (o,)
        for v in values:
            tv = type(v)
            if tv is float:
                if v - v != 0.0:  # NaN and +-inf, without a function call
                    break
            elif tv is dict or tv is list or tv is tuple:
                push(v)
            elif tv is np.ndarray or isinstance(v, np.floating):
                if np.asarray(v).dtype.kind in "fc" and not np.isfinite(v).all():
                    break
            elif isinstance(v, float) and not math.isfinite(v):  # float subclasses
                break
        else:
            continue
        raise ValueError(f"non-finite number at {_non_finite_path(obj)} cannot be written as JSON")


_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY


def canonical_bytes(obj: Any) -> bytes:
    """Canonical JSON bytes of ``obj``: sorted keys, no whitespace, UTF-8, finite numbers."""
    _check_finite(obj)
    return orjson.dumps(obj, option=_OPTS)


def sha256_hex(obj: Any) -> str:
    """SHA-256 (hex) of :func:`canonical_bytes` of ``obj``."""
    return hashlib.sha256(canonical_bytes(obj)).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 (hex) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def dump_bytes(obj: Any, indent: bool = True, *, check_finite: bool = True) -> bytes:
    """Deterministic JSON for files and stdout: sorted keys, 2-space indent, final newline.

    ``check_finite=False`` skips the pure-Python walk that rejects NaN/inf (orjson would write
    them as ``null``); only for objects whose numbers were already checked finite, such as
    adapter and baseline outputs (the walk costs ~4 s on a million detections).
    """
    if check_finite:
        _check_finite(obj)
    opts = _OPTS | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(obj, option=opts) + b"\n"


def atomic_write(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    p = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{p}: cannot write, folder {parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual mode
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as deterministic JSON (:func:`dump_bytes`), atomically."""
    atomic_write(path, dump_bytes(obj))
