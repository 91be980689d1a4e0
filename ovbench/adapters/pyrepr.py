"""Read a Python ``repr`` of plain data without ``eval``.

GEN-VLKT and HOICLIP dump their predictions as ``json.dumps(str({...}))``: a JSON string holding a
Python repr, in which numbers appear as ``np.float32(0.5)`` / ``np.int64(3)`` under NumPy 2 and
arrays as ``array([...], dtype=float32)``. Upstream reads it back with ``eval``; this module never
executes anything:

* fast path: rewrite the numpy wrappers to bare numbers, single to double quotes, and parse as
  JSON with orjson; it is taken only when that rewrite is exact (no double quote, no ``None``,
  ``True``, ``False``, ``nan``, ``inf`` or tuple in the text);
* otherwise: :mod:`ast` parses the text and a walker accepts only literals, lists, tuples, dicts,
  signed numbers, ``nan``/``inf`` and calls of a whitelist of numpy constructors.

Both give the same value; anything else raises :class:`~ovbench.errors.InputError` with the
position.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import orjson

from ..errors import InputError
from ..jsonio import gc_paused

_NUMPY_CALLS = {f"{p}{n}" for p in ("np.", "numpy.", "") for n in (
    "float16", "float32", "float64", "float_", "int8", "int16", "int32", "int64", "int_",
    "uint8", "uint16", "uint32", "uint64", "bool_", "array")} - {"float_", "int_", "bool_"}
# Most likely first: a dump usually holds only float32 and int64 wrappers.
_WRAPPERS = tuple(f"{p}{n}(".encode() for p in ("np.", "numpy.") for n in (
    "float32", "int64", "float64", "int32", "float16", "int8", "int16", "uint8", "uint16", "uint32", "uint64"))
_ARRAY = re.compile(rb"\b(?:(?:np|numpy)\.)?array\(([^()]*)\)")
_DTYPE = re.compile(rb",\s*dtype=[\w.]+\s*$")
_QUOTES = bytes.maketrans(b"'", b'"')


def _array_body(match: re.Match) -> bytes:
    return _DTYPE.sub(b"", match.group(1))


def _fast(text: bytes) -> Any:
    """JSON-parse the repr after removing numpy wrappers, or None when that would not be exact.

    Plain substring operations on bytes (no regex over hundreds of megabytes): each wrapper
    prefix is removed, then every ``)`` (with the quotes, in one ``translate`` pass); exact only
    if the text holds no other parenthesis, which the counts (from the length changes) check.
    Single quotes become double quotes, which is exact only if no string holds a quote
    character (Python then uses double quotes, so any ``"`` sends us to the AST path).
    ``None``/``True``/``nan``/tuples are not JSON: orjson rejects them -> AST path.
    """
    if b'"' in text:
        return None
    if b"array(" in text:
        text = _ARRAY.sub(_array_body, text)
    opened = 0
    for prefix in _WRAPPERS:
        if b"(" not in text:  # every wrapper has one: none left (one scan also serves the check)
            break
        size = len(text)
        text = text.replace(prefix, b"")  # how many went follows from the length: no count pass
        opened += (size - len(text)) // len(prefix)
    else:
        if b"(" in text:
            return None
    size = len(text)
    text = text.translate(_QUOTES, delete=b")")  # ' -> " and every ) removed, in one pass
    if size - len(text) != opened:
        return None
    try:
        with gc_paused():
            return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return "?"


MAX_DEPTH = 64  # a predictions repr nests ~5 levels; deeper input is refused, never recursed into


def _walk(node: ast.AST, source: str, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise InputError(f"{source}: nested more than {MAX_DEPTH} levels deep at line "
                         f"{getattr(node, 'lineno', '?')}, column {getattr(node, 'col_offset', '?')}; "
                         "not a predictions dump")
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_walk(e, source, depth + 1) for e in node.elts]
    if isinstance(node, ast.Dict) and all(k is not None for k in node.keys):
        return {_walk(k, source, depth + 1): _walk(v, source, depth + 1) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _walk(node.operand, source, depth + 1)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Name) and node.id in ("nan", "inf"):
        return float(node.id)
    if isinstance(node, ast.Call) and _call_name(node.func) in _NUMPY_CALLS and len(node.args) == 1 \
            and all(kw.arg == "dtype" for kw in node.keywords):
        return _walk(node.args[0], source, depth + 1)
    where = f"line {getattr(node, 'lineno', '?')}, column {getattr(node, 'col_offset', '?')}"
    raise InputError(f"{source}: refusing to read {ast.dump(node)[:80]!r} at {where}: only plain "
                     "data and numpy number/array constructors are allowed")


def parse_repr(text: str | bytes, source: str) -> Any:
    """The value of a Python ``repr`` of plain data (see the module docstring)."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    value = _fast(raw)
    if value is not None:
        return value
    text = raw.decode("utf-8")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise InputError(f"{source}: not a Python repr of data: {exc.msg} at line {exc.lineno}, "
                         f"column {exc.offset}") from None
    except (RecursionError, MemoryError):
        raise InputError(f"{source}: not a Python repr of data: nested too deeply to parse") from None
    return _walk(tree.body, source)
