"""Run the cross-checks that need irrCAC and crowd-kit in their own virtualenv.

Those packages pin numpy < 2, so they live in .venv-ref (built from
bench/qa/requirements-ref.txt). Under CI=true a missing .venv-ref fails this test; on a
developer machine without it the test is skipped with the command that builds it.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REF_PYTHON = ROOT / ".venv-ref" / "bin" / "python"
BUILD = "python3.11 -m venv .venv-ref && .venv-ref/bin/pip install -r bench/qa/requirements-ref.txt"


def test_reference_packages_agree():
    if not REF_PYTHON.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f".venv-ref is missing; build it with: {BUILD}")
        pytest.skip(f".venv-ref is missing; build it with: {BUILD}")
    check = subprocess.run(
        [str(REF_PYTHON), "-c", "import irrCAC, crowdkit"], capture_output=True, text=True
    )
    if check.returncode != 0:
        pytest.fail(f".venv-ref lacks irrCAC or crowd-kit: {check.stderr.strip()}; run {BUILD}")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [
            str(REF_PYTHON),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--noconftest",  # the suite's conftest loads the web app, absent from .venv-ref
            str(Path(__file__).with_name("ref_qa_reference_packages.py")),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert sys.executable != str(REF_PYTHON)
