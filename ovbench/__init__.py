"""ovbench: exact, fast, reproducible evaluation for open-vocabulary GSR and HOI detection.

Data flows one way through the package:
annotations -> splits -> predictions -> scorers -> results -> (reports, leaderboard).
The command-line interface (``ovbench``) is a thin shell over these modules.

The package's own namespace is the Python API (:mod:`ovbench.api`; ``docs/api.md``)::

    import ovbench
    result = ovbench.score("preds.json", "hico-det", annotations="instances_test2015.json", setting="rf-uc")
    print(result.render())               # the table `ovbench score` prints
    result.save("result.json")           # the bytes `ovbench score ... -o result.json` writes

Its names are imported on first use, so ``import ovbench`` is instant and imports no numpy,
torch, pandas or scipy.
"""

__version__ = "0.1.0"

#: the Python API, resolved lazily from :mod:`ovbench.api` by :func:`__getattr__`
_API = ("Comparison", "DemoData", "Result", "ResultSet", "available_benchmarks", "compare", "demo_data",
        "generate_split", "load_result", "render", "score", "score_settings", "verify_split")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from . import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ovbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
