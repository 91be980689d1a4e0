"""No pickle given to ovbench can run code, with or without torch installed (issue 8).

The exploit: a pickled "tensor" whose storage bytes are not a storage but a pickle that runs
code. ``pickle.load`` of it (with torch installed) calls ``torch.storage._load_from_bytes``, i.e.
``torch.load(..., weights_only=False)``, which executes the payload. The exploit test first
proves the payload really runs under plain ``pickle.load`` (so the test can fail), then checks
that ``ovbench convert`` refuses it with exit 3, writes nothing and runs nothing.
"""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from ovbench.errors import InputError
from ovbench.safepickle import load_pickle

from conftest import require_module

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "safepickle"


class _Global:
    """Pickles as a bare reference to ``module.name`` (no import of the module needed)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name


class _Call:
    def __init__(self, func: _Global, *args):
        self.func, self.args = func, args


def _dumps(obj, protocol=4) -> bytes:
    """Pickle ``obj`` where ``_Call``/``_Global`` become GLOBAL (+ REDUCE) opcodes, without
    importing the named modules (the pure-Python pickler writes a function by its name)."""

    def stand_in(g: _Global):
        f = type(stand_in)((lambda: None).__code__, {}, g.name)
        f.__module__, f.__qualname__ = g.module, g.name
        return f

    class _Reduce:
        def __init__(self, f, args):
            self.f, self.args = f, args

        def __reduce__(self):
            return (self.f, self.args)

    def walk(o):
        if isinstance(o, _Call):
            return _Reduce(stand_in(o.func), tuple(walk(a) for a in o.args))
        if isinstance(o, _Global):
            return stand_in(o)
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return type(o)(walk(v) for v in o)
        return o

    class Pickler(pickle._Pickler):
        def save_global(self, obj, name=None):
            if self.proto >= 4:
                self.save(obj.__module__)
                self.save(obj.__qualname__)
                self.write(pickle.STACK_GLOBAL)
            else:
                self.write(pickle.GLOBAL + f"{obj.__module__}\n{obj.__qualname__}\n".encode())
            self.memoize(obj)

        dispatch = {**pickle._Pickler.dispatch, type(stand_in): save_global}

    out = io.BytesIO()
    Pickler(out, protocol=protocol).dump(walk(obj))
    return out.getvalue()


def _payload(marker: Path) -> bytes:
    """The nested bytes: a pickle that creates ``marker`` when unpickled."""
    code = f"open({str(marker)!r}, 'w').write('pwned')"
    return _dumps(_Call(_Global("builtins", "exec"), code), protocol=2)


def _exploit(marker: Path, protocol: int = 4) -> bytes:
    """A CMD-SE ``preds.pkl`` whose only score is a "tensor" with the payload as storage."""
    storage = _Call(_Global("torch.storage", "_load_from_bytes"), _payload(marker))
    tensor = _Call(_Global("torch._utils", "_rebuild_tensor_v2"), storage, 0, (1,), (1,), False, {})
    return _dumps({"scores": {0: [tensor]}, "boxes": {0: [[0, 0, 1, 1, 0, 0, 1, 1]]}, "keys": {0: [1]}},
                  protocol=protocol)


def _run_ovbench(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ovbench", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_exploit_is_real_under_plain_pickle(tmp_path):
    """With torch installed, plain ``pickle.load`` of the exploit runs its code (the threat)."""
    require_module("torch")
    marker = tmp_path / "marker"
    path = tmp_path / "preds.pkl"
    path.write_bytes(_exploit(marker))
    code = "import pickle, sys, torch\ntry:\n  pickle.load(open(sys.argv[1], 'rb'))\nexcept Exception:\n  pass\n"
    subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, timeout=300)
    assert marker.exists(), "the payload did not run under pickle.load: the exploit test proves nothing"


def test_exploit_refused_by_convert(tmp_path):
    """``ovbench convert`` with torch imported first (a loader that deferred to torch would run
    the payload): exit 3, no marker, no output, the file and the global named. Every adapter that
    reads a pickle, protocols 2 (bytes through ``_codecs.encode``) and 4."""
    require_module("torch")
    marker = tmp_path / "marker"
    (tmp_path / "ann").mkdir()
    for name in ("train.json", "dev.json"):
        (tmp_path / "ann" / name).write_text("{}")
    nouns = tmp_path / "nouns.pkl"
    nouns.write_bytes(pickle.dumps({}))
    cases = []
    for protocol in (2, 4):
        evil = tmp_path / f"evil{protocol}.pkl"
        evil.write_bytes(_exploit(marker, protocol))
        for adapter in ("cmd-se", "thid"):
            cases.append((evil, [adapter, evil]))
        cases.append((evil, ["clipsitu", evil, "--annotations", tmp_path / "ann", "--split", "dev"]))
        cases.append((evil, ["clipsitu", nouns, "--annotations", tmp_path / "ann", "--split", "dev",
                             "--verb-scores", evil]))
    out = tmp_path / "out.json"
    code = ("import json, sys, torch\nfrom click.testing import CliRunner\nfrom ovbench.cli import main\n"
            "res = []\nfor args in json.loads(sys.argv[1]):\n"
            "    r = CliRunner().invoke(main, args)\n"
            "    res.append([r.exit_code, r.output, repr(r.exception)])\n"
            "print(json.dumps(res))\n")
    argv = [["convert", "--from", *map(str, args), "-o", str(out)] for _, args in cases]
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(argv)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists(), "code ran"
    assert not out.exists()
    for (evil, args), (code_, output, exc) in zip(cases, json.loads(proc.stdout)):
        assert code_ == 3, (args, output, exc)
        assert "Traceback" not in output
        assert f"{evil}: refusing to unpickle builtins.exec" in output, (args, output)


def test_exploit_refused_without_torch(tmp_path):
    """The same file through the library in the core install (the loader never imports torch)."""
    marker = tmp_path / "marker"
    path = tmp_path / "preds.pkl"
    path.write_bytes(_exploit(marker))
    code = ("import sys\nsys.modules['torch'] = None  # import torch fails, as without the extra\n"
            "from ovbench.safepickle import load_pickle\nfrom ovbench.errors import InputError\n"
            "try:\n  load_pickle(sys.argv[1])\nexcept InputError as e:\n  print(e)\n")
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300)
    assert not marker.exists()
    assert "refusing to unpickle builtins.exec inside a pickled torch storage" in res.stdout, res.stdout + res.stderr


@pytest.mark.parametrize("target", [("os", "system"), ("builtins", "eval"), ("posix", "system"),
                                    ("subprocess", "Popen"), ("builtins", "getattr"),
                                    ("torch", "load"), ("torch.serialization", "load"),
                                    ("numpy", "load"), ("numpy.lib.npyio", "load"),
                                    ("pickle", "loads"), ("_pickle", "loads"), ("builtins", "__import__"),
                                    ("torch._tensor", "_rebuild_from_type_v2"), ("copyreg", "_reconstructor")])
def test_code_globals_refused(tmp_path, target):
    marker = tmp_path / "marker"
    path = tmp_path / "x.pkl"
    path.write_bytes(_dumps({"a": _Call(_Global(*target), f"open({str(marker)!r}, 'w')")}))
    with pytest.raises(InputError, match=f"x.pkl: refusing to unpickle {target[0]}.{target[1]}"):
        load_pickle(path)
    assert not marker.exists()


def test_nested_zip_storage_refused(tmp_path):
    """A zip-format payload (what torch.load would also accept) is refused outright."""
    torch = require_module("torch")
    buf = io.BytesIO()
    torch.save({"x": 1}, buf)
    storage = _Call(_Global("torch.storage", "_load_from_bytes"), buf.getvalue())
    path = tmp_path / "x.pkl"
    path.write_bytes(_dumps(_Call(_Global("torch._utils", "_rebuild_tensor_v2"), storage, 0, (1,), (1,), False, {})))
    with pytest.raises(InputError, match="zip format"):
        load_pickle(path)


@pytest.mark.parametrize("layout", [(0, (5,), (1,)), (2, (3,), (1,)), (0, (2,), (4,)),
                                    (0, (1 << 30, 1 << 30), (0, 0)), (-1, (1,), (1,)), (0, (1,), (-1,)),
                                    (0, (2, 2), (1,)), (0, "x", (1,))])
def test_layout_outside_storage_refused(tmp_path, layout):
    """A tensor whose offset/size/stride reach past its real 4-element storage is refused
    (no out-of-bounds read, no huge broadcast copy)."""
    torch = require_module("torch")
    buf = io.BytesIO()
    with warnings.catch_warnings():  # TypedStorage is deprecated, but it is what pickling writes
        warnings.simplefilter("ignore")
        torch.save(torch.arange(4.0).storage(), buf, _use_new_zipfile_serialization=False)
    storage = _Call(_Global("torch.storage", "_load_from_bytes"), buf.getvalue())
    path = tmp_path / "t.pkl"
    path.write_bytes(_dumps(_Call(_Global("torch._utils", "_rebuild_tensor_v2"), storage, *layout, False, {})))
    with pytest.raises(InputError, match="does not fit its storage|invalid layout"):
        load_pickle(path)
    path.write_bytes(_dumps(_Call(_Global("torch._utils", "_rebuild_tensor_v2"), storage, 1, (3,), (1,), False, {})))
    assert load_pickle(path).tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_real_tensors_round_trip(tmp_path, protocol):
    """Tensors pickled by real torch read back as numpy arrays with the same values."""
    torch = require_module("torch")
    x = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    values = {"row": x[1], "col": x[:, 2], "t": x.t(), "half": x.half(), "bf16": x.bfloat16()[2],
              "long": torch.arange(5), "bool": torch.tensor([True, False]), "scalar": torch.tensor(3.5),
              "empty": torch.zeros(0, 3), "grad": torch.ones(2, requires_grad=True)}
    path = tmp_path / "t.pkl"
    path.write_bytes(pickle.dumps(values, protocol=protocol))
    got = load_pickle(path)
    for key, tensor in values.items():
        ref = tensor.detach().float().numpy() if key == "bf16" else tensor.detach().numpy()
        assert isinstance(got[key], np.ndarray) and got[key].dtype == ref.dtype, key
        assert got[key].shape == ref.shape and np.array_equal(got[key], ref), key


def test_committed_torch_pickle_reads_without_torch():
    """A pickle written by torch 2.15 (tests/fixtures/safepickle/README.md) reads in the core
    install: tensors become numpy arrays (checked in a process where torch cannot be imported)."""
    code = ("import sys, json\nsys.modules['torch'] = None\nfrom ovbench.safepickle import load_pickle\n"
            "v = load_pickle(sys.argv[1])\n"
            "print(json.dumps({k: [str(a.dtype), list(a.shape), a.tolist()] for k, a in v.items()}))\n")
    res = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "tensors_torch2.pkl")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    expected = json.loads((FIXTURES / "tensors_torch2.json").read_text())
    assert got == expected


def test_numpy_and_python2_pickles(tmp_path):
    arr = np.arange(6.0).reshape(2, 3)
    data = {"a": arr, "f": np.asfortranarray(arr), "o": np.array(["x", 1], dtype=object),
            "s": np.float32(2.5), "i": np.int64(3), "b": b"xy", "ba": bytearray(b"z"), "t": (1, 2), "set": {1}}
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        path = tmp_path / f"p{protocol}.pkl"
        path.write_bytes(pickle.dumps(data, protocol=protocol))
        got = load_pickle(path)
        assert np.array_equal(got["a"], arr) and np.array_equal(got["f"], arr)
        assert got["o"].tolist() == ["x", 1] and got["s"] == np.float32(2.5) and got["i"] == 3
        assert got["b"] == b"xy" and got["ba"] == bytearray(b"z") and got["t"] == (1, 2) and got["set"] == {1}


@pytest.mark.parametrize("data, match", [
    (b"", "not a readable"),
    (b"\x80\x04\x95", "not a readable"),
    (b"garbage that is no pickle", "not a readable"),
    (pickle.dumps(list(range(10)))[:-5], "not a readable"),
])
def test_broken_pickles(tmp_path, data, match):
    path = tmp_path / "b.pkl"
    path.write_bytes(data)
    with pytest.raises(InputError, match=match):
        load_pickle(path)


def test_allocation_bombs_refused(tmp_path):
    """Constructors that would allocate on request are refused, not run."""
    for call in (_Call(_Global("builtins", "bytearray"), 1 << 40),
                 _Call(_Global("builtins", "bytes"), 1 << 40),
                 _Call(_Global("numpy", "ndarray"), (1 << 20, 1 << 20)),
                 _Call(_Global("numpy.core.multiarray", "_reconstruct"), _Global("numpy", "ndarray"),
                       (1 << 40,), b"b")):
        path = tmp_path / "bomb.pkl"
        path.write_bytes(_dumps({"x": call}))
        with pytest.raises(InputError):
            load_pickle(path)
