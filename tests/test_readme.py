"""Every shell and Python block of README.md (and docs/api.md) runs as written, or says why not.

A block is skipped only when the line just before its opening fence is the documented marker
``<!-- readme-test: skip (REASON) -->`` (invisible on GitHub); the reasons are external data,
the network, placeholders and synopses. Every other ``bash``/``sh``/``python`` block, and every
unlabelled block that starts with a command, runs here in a fresh temporary folder holding only
links to the package (``ovbench/``) and the leaderboard folder (``leaderboard/``), as "from a checkout" commands assume. Shell blocks must
leave that folder as they found it: README commands never drop files into a checkout.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO

MARKER = re.compile(r"^<!-- readme-test: skip \((?P<reason>.+)\) -->$")
FENCE = re.compile(r"^```(?P<info>[\w-]*)\s*$")
COMMAND_START = ("ovbench ", "pip ", "python", ".venv/", "bash ")
DOCUMENTS = ("README.md", "docs/api.md")


@dataclass(frozen=True)
class Block:
    document: str
    line: int            # 1-based line of the opening fence
    kind: str            # "shell" or "python"
    code: str
    skip: str | None     # the marker's reason

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}"


def extract(document: str) -> list[Block]:
    lines = (REPO / document).read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, info = i, m.group("info")
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        body = lines[start + 1:j]
        first = next((b for b in body if b.strip() and not b.startswith("#")), "")
        kind = None
        if info in ("bash", "sh", "shell"):
            kind = "shell"
        elif info == "python":
            kind = "python"
        elif info == "" and first.startswith(COMMAND_START):
            kind = "shell"
        if kind:
            marker = MARKER.match(lines[start - 1]) if start else None
            blocks.append(Block(document, start + 1, kind, "\n".join(body) + "\n",
                                marker.group("reason") if marker else None))
        i = j + 1
    return blocks


BLOCKS = [b for doc in DOCUMENTS for b in extract(doc)]


def test_blocks_are_found_and_markers_name_a_reason():
    readme = [b for b in BLOCKS if b.document == "README.md"]
    assert len(readme) >= 12
    runnable = [b for b in readme if b.skip is None]
    assert {b.kind for b in runnable} == {"shell", "python"}  # the demo commands and the Python API
    for doc in DOCUMENTS:  # a marker must sit right above a block this test recognises
        lines = (REPO / doc).read_text(encoding="utf-8").splitlines()
        marked = {i + 2 for i, line in enumerate(lines) if MARKER.match(line)}
        assert marked == {b.line for b in BLOCKS if b.document == doc and b.skip}, doc


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_block_runs(block, tmp_path):
    if block.skip is not None:
        pytest.skip(f"{block.id}: marked: {block.skip}")
    (tmp_path / "ovbench").symlink_to(REPO / "ovbench", target_is_directory=True)
    (tmp_path / "leaderboard").symlink_to(REPO / "leaderboard", target_is_directory=True)  # read only here
    before = sorted(p.name for p in tmp_path.iterdir())
    if block.kind == "shell":
        cmd = ["bash", "-euo", "pipefail", "-c", block.code]
    else:
        cmd = [sys.executable, "-c", block.code]
    proc = subprocess.run(cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{block.id} failed ({proc.returncode}):\n{block.code}\n{proc.stdout}\n{proc.stderr}"
    if block.kind == "shell":
        assert sorted(p.name for p in tmp_path.iterdir()) == before, f"{block.id} left files in the working folder"


def test_demo_workdir_holds_what_its_help_says(run_cli, tmp_path):
    help_text = " ".join(run_cli("demo", "--help").output.split())
    assert "split manifest and the four result files" in help_text
    res = run_cli("demo", "--workdir", tmp_path)
    assert res.exit_code == 0, res.output
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["hico-det/result.json", "ov-swig/manifest.json", "ov-swig/result.json",
                       "swig-hoi/result.json", "v-coco/result.json"]
