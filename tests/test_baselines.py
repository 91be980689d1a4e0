"""baselines/: the recipes' reference outputs pass their ``ovbench check`` expectation, and the
CLIP baseline's CI configuration (``baselines/clip/ci/run.sh``) reproduces them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, require_module

CLIP = REPO / "baselines" / "clip"


def test_reference_results_pass_their_expectation(run_cli):
    refs = sorted((CLIP / "reference").glob("*.result.json"))
    assert [p.name for p in refs] == ["hico-det.result.json", "ov-swig.result.json"]
    res = run_cli("check", *refs, "--expected", CLIP / "expected-ci.json")
    assert res.exit_code == 0, res.output
    assert "94 numbers" in res.output


def test_recipe_readme_names_the_script_commands():
    readme = (CLIP / "README.md").read_text()
    script = (CLIP / "ci" / "run.sh").read_text()
    assert "bash baselines/clip/ci/run.sh" in readme
    for flag in ("--model ovbench-tiny", "--model-config", "--device cpu", "--batch-size 16"):
        assert flag in script and flag in readme, flag


def test_ci_configuration_reproduces_the_reference(tmp_path):
    for name in ("torch", "open_clip", "PIL"):
        require_module(name)
    env = dict(os.environ, PYTHON=sys.executable)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(["bash", str(CLIP / "ci" / "run.sh"), str(tmp_path)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "within tolerance" in proc.stdout + proc.stderr
    import ovbench

    for name in ("ov-swig", "hico-det"):
        fresh = ovbench.load_result(tmp_path / f"{name}.result.json")
        ref = ovbench.load_result(CLIP / "reference" / f"{name}.result.json")
        assert fresh.metrics == ref.metrics and fresh.counts == ref.counts
