"""`scripts/run.sh`: pip runs (with its progress shown) on the first start and whenever
requirements.txt changes, and is skipped when the venv already matches it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from apprunner import REPO

# Stands in for the venv's python: records the pip calls, runs the hash snippet for real.
FAKE_PYTHON = """#!/usr/bin/env bash
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "pip $*" >> calls.log; exit 0; fi
if [ "$1" = "-c" ]; then exec python3 "$@"; fi
echo "app $*" >> calls.log
"""


def run(root: Path) -> list[str]:
    (root / "calls.log").unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDS_")}
    result = subprocess.run(
        ["bash", str(root / "scripts" / "run.sh")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [*result.stdout.splitlines(), *(root / "calls.log").read_text().splitlines()]


def test_pip_only_when_requirements_change(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "run.sh", tmp_path / "scripts" / "run.sh")
    shutil.copy(REPO / "requirements.txt", tmp_path / "requirements.txt")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)

    first = run(tmp_path)
    pip = [line for line in first if line.startswith("pip ")]
    assert len(pip) == 1 and "--progress-bar on" in pip[0] and "-q" not in pip[0].split()
    assert any(line.startswith("app ") for line in first)

    second = run(tmp_path)
    assert not [line for line in second if line.startswith("pip ")]
    assert "Packages up to date with requirements.txt (pip skipped)." in second

    with (tmp_path / "requirements.txt").open("a") as handle:
        handle.write("# changed\n")
    assert [line for line in run(tmp_path) if line.startswith("pip ")]
