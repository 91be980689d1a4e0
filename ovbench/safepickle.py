"""Reading untrusted pickles without running code, with or without torch installed.

Raw model outputs (CMD-SE/THID ``preds.pkl``, ClipSitu's noun and verb pickles) come from other
people's training code. ``pickle.load`` on such a file can run anything, and so can
``torch.load(..., weights_only=False)``, which is what a pickled tensor calls when it is read
with torch installed (``torch.storage._load_from_bytes``). :func:`load_pickle` never imports
torch and never hands bytes to a full unpickler:

* only data globals are resolved: plain containers and numbers, numpy arrays, dtypes and
  scalars (through wrappers that accept only data arguments), and the three torch names a
  pickled CPU tensor uses;
* a pickled tensor is rebuilt here as a numpy array: ``torch.storage._load_from_bytes`` is
  replaced by a reader of torch's legacy storage format (``torch.save(storage,
  _use_new_zipfile_serialization=False)``, which ``TypedStorage.__reduce__`` writes), whose
  inner pickles are read with the same restrictions (only ``torch.<Type>Storage`` names and
  one storage record), and ``torch._utils._rebuild_tensor_v2`` by a bounds-checked strided
  copy out of that storage;
* everything else (``os.system``, ``builtins.eval``, a zip-format or crafted nested payload)
  is refused with :class:`~ovbench.errors.InputError` naming the file and the global.

Tensors therefore come back as numpy arrays of the same dtype (bfloat16 as float32), shape and
values; adapters accept either.
"""

from __future__ import annotations

import _compat_pickle
import collections
import io
import os
import pickle
import struct
from typing import Any

import numpy as np

from .errors import InputError, clip, shorten
from .jsonio import read_bytes

try:  # numpy 2
    from numpy._core.multiarray import _reconstruct, scalar as _scalar
except ImportError:  # pragma: no cover - numpy 1
    from numpy.core.multiarray import _reconstruct, scalar as _scalar

__all__ = ["load_pickle", "UnsafePickle"]


class UnsafePickle(InputError):
    """A pickle names a global that is not plain data (it could run code)."""


# --------------------------------------------------------------------------------------------
# Data-only constructors


def _codecs_encode(text: Any, encoding: Any = "utf-8") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it for bytes: ``encode(str, 'latin1')``."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickle(f"_codecs.encode called with {shorten(text)}, {shorten(encoding)}")
    return text.encode("latin1")


_FACTORIES = (None, list, dict, set, int, float, str, tuple)


def _defaultdict(factory=None, *args):
    if factory not in _FACTORIES or args:
        raise UnsafePickle(f"collections.defaultdict with factory {shorten(factory)}")
    return collections.defaultdict(factory)


class _NdarrayType:
    """Stands for ``numpy.ndarray``, which a pickle may name only as ``_reconstruct``'s subtype
    (calling it would allocate uninitialised memory of any size)."""


_NDARRAY = _NdarrayType()


def _np_reconstruct(subtype, shape, dtype):
    if subtype is not _NDARRAY or shape != (0,):
        raise UnsafePickle(f"numpy _reconstruct of {shorten(subtype)}, shape {shorten(shape)}")
    return _reconstruct(np.ndarray, (0,), dtype)


def _np_scalar(dtype, data=None):
    if not isinstance(dtype, np.dtype) or not (dtype.hasobject or isinstance(data, (bytes, type(None)))):
        raise UnsafePickle(f"numpy scalar of {shorten(dtype)}")
    return _scalar(dtype, data) if data is not None else _scalar(dtype)


def _bytes(value=b"", *args):
    if not isinstance(value, (bytes, bytearray, str, list)) or (isinstance(value, list) and len(value) > 1 << 26):
        raise UnsafePickle(f"bytes of {shorten(value)}")
    return bytes(value, *args)


def _bytearray(value=b"", *args):
    return bytearray(_bytes(value, *args))


def _np_dtype(spec, align=False, copy=False):
    if not isinstance(spec, (str, np.dtype)):
        raise UnsafePickle(f"numpy dtype {shorten(spec)}")
    return np.dtype(spec, align=bool(align), copy=bool(copy))


def _np_frombuffer(buf, dtype, shape, order):
    if not isinstance(buf, (bytes, bytearray, memoryview, pickle.PickleBuffer)) or not isinstance(dtype, np.dtype):
        raise UnsafePickle("numpy _frombuffer with non-data arguments")
    if dtype.hasobject:
        raise UnsafePickle("numpy _frombuffer of an object array")
    return np.frombuffer(memoryview(buf), dtype=dtype).reshape(shape, order=order).copy()


# --------------------------------------------------------------------------------------------
# Torch tensors, rebuilt without torch

_STORAGE_DTYPES = {
    "FloatStorage": "<f4", "DoubleStorage": "<f8", "HalfStorage": "<f2", "BFloat16Storage": "<u2",
    "LongStorage": "<i8", "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "?", "ComplexFloatStorage": "<c8",
    "ComplexDoubleStorage": "<c16", "UntypedStorage": "u1",
}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


class _StorageType:
    """Stands for ``torch.<Name>Storage`` inside a nested storage pickle."""

    def __init__(self, name: str):
        self.name = name
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


class _Storage:
    """A storage read out of ``_load_from_bytes`` bytes: a 1-D numpy array."""

    def __init__(self, array: np.ndarray, bfloat16: bool):
        self.array = array
        self.bfloat16 = bfloat16


class _DataOnly(pickle.Unpickler):
    """Refuses every global: the magic number, protocol, sys_info and key-list pickles."""

    def find_class(self, module, name):
        raise UnsafePickle(f"refusing to unpickle {module}.{name} inside a pickled torch storage")


class _StorageRecord(pickle.Unpickler):
    """The storage pickle of torch's legacy format: one persistent id, ``torch.*Storage`` only."""

    def __init__(self, fh):
        super().__init__(fh)
        self.records: list[tuple] = []

    def find_class(self, module, name):
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise UnsafePickle(f"refusing to unpickle {module}.{name} inside a pickled torch storage")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
                and isinstance(pid[4], int) and not isinstance(pid[4], bool) and pid[4] >= 0):
            raise UnsafePickle(f"unexpected storage record {shorten(pid)} inside a pickled torch storage")
        view = pid[5] if len(pid) == 6 else None
        if view is not None and not (isinstance(view, tuple) and len(view) == 3
                                     and all(isinstance(v, int) and v >= 0 for v in view[1:])):
            raise UnsafePickle(f"unexpected storage view {shorten(view)} inside a pickled torch storage")
        record = (pid[1], pid[2], pid[4], view)
        self.records.append(record)
        return record


def _load_storage(data: Any) -> _Storage:
    """Replacement of ``torch.storage._load_from_bytes``: parse torch's legacy format."""
    if not isinstance(data, (bytes, bytearray)):
        raise UnsafePickle(f"torch.storage._load_from_bytes of {shorten(data)}")
    fh = io.BytesIO(bytes(data))
    if bytes(data[:2]) == b"PK":
        raise UnsafePickle("a pickled torch storage in the zip format (torch's own pickling writes the "
                           "legacy format; this payload was made by hand)")
    try:
        magic = _DataOnly(fh).load()
        protocol = _DataOnly(fh).load()
        sys_info = _DataOnly(fh).load()
    except UnsafePickle:
        raise
    except Exception:
        raise InputError("a pickled torch storage is not in torch's legacy format") from None
    if magic != _LEGACY_MAGIC or protocol != _LEGACY_PROTOCOL or not isinstance(sys_info, dict):
        raise InputError("a pickled torch storage is not in torch's legacy format (bad magic number)")
    if sys_info.get("little_endian") is not True:
        raise InputError("a pickled torch storage was written on a big-endian machine (not supported)")
    record_reader = _StorageRecord(fh)
    obj = record_reader.load()
    keys = _DataOnly(fh).load()
    if not (isinstance(obj, tuple) and len(record_reader.records) == 1 and obj is record_reader.records[0]):
        raise UnsafePickle("a pickled torch storage holds something other than one storage")
    if not (isinstance(keys, list) and keys == [obj[1]]):
        raise InputError("a pickled torch storage lists unexpected storage keys")
    stype, _, numel, view = obj
    head = fh.read(8)
    if len(head) != 8:
        raise InputError("a pickled torch storage is truncated")
    (count,) = struct.unpack("<q", head)
    size = count * stype.dtype.itemsize
    body = fh.read(size) if 0 <= size <= len(data) else b""
    if count < 0 or len(body) != size or (view is None and count != numel):
        raise InputError("a pickled torch storage is truncated or its element count is wrong")
    array = np.frombuffer(body, dtype=stype.dtype)
    if view is not None:
        _, offset, length = view
        if offset + length > count:
            raise InputError("a pickled torch storage view lies outside its storage")
        array = array[offset:offset + length]
    return _Storage(array, stype.name == "BFloat16Storage")


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**62


def _rebuild_tensor(storage, offset, size, stride, *unused) -> np.ndarray:
    """Replacement of ``torch._utils._rebuild_tensor(_v2)``: a bounds-checked strided copy."""
    if not isinstance(storage, _Storage):
        raise UnsafePickle(f"torch tensor rebuilt from {shorten(storage)}, not a pickled storage")
    if not (_is_index(offset) and isinstance(size, tuple) and isinstance(stride, tuple)
            and len(size) == len(stride) and len(size) <= 32
            and all(map(_is_index, size)) and all(map(_is_index, stride))):
        raise InputError(f"a pickled torch tensor has an invalid layout (offset {shorten(offset)}, "
                         f"size {shorten(size)}, stride {shorten(stride)})")
    array = storage.array
    numel = int(np.prod(size, dtype=object)) if size else 1
    if numel:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= len(array) or numel > max(len(array), 1):
            raise InputError(f"a pickled torch tensor of size {list(size)} does not fit its storage "
                             f"of {len(array)} elements")
        item = array.dtype.itemsize
        out = np.lib.stride_tricks.as_strided(array[offset:], shape=size,
                                              strides=[s * item for s in stride]).copy()
    else:
        out = np.zeros(size, dtype=array.dtype)
    if storage.bfloat16:  # numpy has no bfloat16: the upper half of a float32
        out = (out.astype(np.uint32) << 16).view(np.float32)
    return out


# --------------------------------------------------------------------------------------------
# The unpickler

_NP_CORE = ("numpy.core.multiarray", "numpy._core.multiarray")
_NP_NUMERIC = ("numpy.core.numeric", "numpy._core.numeric")
_ALLOWED: dict[tuple[str, str], Any] = {
    **{("builtins", t.__name__): t for t in (list, dict, tuple, set, frozenset, float, int, str,
                                            complex, bool)},
    ("builtins", "bytes"): _bytes,
    ("builtins", "bytearray"): _bytearray,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "defaultdict"): _defaultdict,
    ("_codecs", "encode"): _codecs_encode,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _np_dtype,
    **{(m, "_reconstruct"): _np_reconstruct for m in _NP_CORE},
    **{(m, "scalar"): _np_scalar for m in _NP_CORE},
    **{(m, "_frombuffer"): _np_frombuffer for m in _NP_NUMERIC},
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch.storage", "_load_from_bytes"): _load_storage,
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:  # Python 2 names, as pickle's own find_class maps them
            module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        found = _ALLOWED.get((module, name))
        if found is None:
            raise UnsafePickle(
                f"refusing to unpickle {clip(module + '.' + name, 100)}: only plain containers, "
                "numbers, strings, numpy arrays and torch tensors are allowed in a raw output pickle"
            )
        return found

    def persistent_load(self, pid):
        raise UnsafePickle(f"refusing a persistent id {shorten(pid)} (not a plain pickle)")


def load_pickle(path: str | os.PathLike, what: str = "pickle file") -> Any:
    """Unpickle ``path`` allowing only data (no code runs; see the module docstring).

    Torch tensors come back as numpy arrays. Every failure is an
    :class:`~ovbench.errors.InputError` naming the file.
    """
    data = read_bytes(path, what)
    try:
        return _SafeUnpickler(io.BytesIO(data)).load()
    except InputError as exc:
        raise type(exc)(f"{path}: {exc}") from None
    except RecursionError:
        raise InputError(f"{path}: not a readable {what} (nested too deeply)") from None
    except MemoryError:
        raise InputError(f"{path}: not a readable {what} (it asks for more memory than there is)") from None
    except Exception as exc:  # truncated or foreign data
        raise InputError(f"{path}: not a readable {what} ({type(exc).__name__}: {clip(str(exc), 200)})") from None
