"""Shared test fixtures.

``shared_dir`` is the read-only ``../shared`` folder beside the repository (real HICO-DET test
annotations, imSitu samples, SWiG vocabularies). A user's clone may not have it: tests that
need it skip with the reason. Under CI (``CI=true``) they fail instead, so a missing folder
can never turn into a silently green run. ``OVBENCH_SHARED`` overrides the location.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _shared_path() -> Path:
    return Path(os.environ.get("OVBENCH_SHARED", REPO.parent / "shared")).resolve()


def require_shared(*relative: str) -> Path:
    """Path of ``../shared/<relative>``; skip (or fail under CI) when it is absent."""
    path = _shared_path().joinpath(*relative)
    if not path.exists():
        reason = f"{path} is not available (the shared data folder beside the repository)"
        if _in_ci():
            pytest.fail(f"{reason}; under CI it must be present")
        pytest.skip(reason)
    return path


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_module(name: str):
    """Import an optional dependency (the ``clip`` extra); skip without it, fail under CI.

    CI installs every extra, so a missing module there is a broken install, not a reason to
    skip the baseline and model-adapter tests.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        reason = f"{name} is not installed ({exc}); install the extra: pip install 'ovbench[clip]'"
        if _in_ci():
            pytest.fail(f"{reason}; under CI every extra must be installed")
        pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return require_shared()


@pytest.fixture
def run_cli():
    """Run ``ovbench`` in-process: ``run_cli("score", ...)`` -> click Result."""
    from click.testing import CliRunner

    from ovbench.cli import main

    def _run(*args: str, input: str | None = None):
        runner = CliRunner()
        return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return _run
