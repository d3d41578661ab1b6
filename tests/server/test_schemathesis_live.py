"""Schemathesis 4 against a live server: every phase (examples, coverage, fuzzing, stateful over the
OpenAPI links: upload → id → /api/conv → /api/images/{id}.png) and every check, bounded, finds nothing.

The same run, unbounded, is ``st run http://127.0.0.1:PORT/openapi.json --checks all`` from the
repository root (schemathesis.toml loads scripts/schemathesis_hooks.py: outside the test paths, so pytest's
doctest collection never registers its hooks in the test process).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.local_server import ROOT, running_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

ST = Path(sys.executable).with_name("st")


def test_schemathesis_finds_nothing(tmp_path):
    if not ST.exists():
        pytest.skip("the Schemathesis CLI (st) is not installed (it is in the dev extra)")
    # Schemathesis starts hundreds of classes from one address: past the default hourly limit the stateful phase
    # could not follow the links of a started class
    with running_server("uvicorn", workers=1, classes_per_address_hour="100000") as server:
        run = subprocess.run(
            [str(ST), "--no-color", "run", f"{server.base}/openapi.json", "--checks", "all",
             "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", "25", "--seed", "20261203",
             "--workers", "1", "--request-timeout", "30", "--report", "junit", "--report-dir", str(tmp_path)],
            cwd=ROOT, capture_output=True, text=True, timeout=900,
        )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    summary = out.strip().splitlines()[-1]  # "No issues found in …", or "1 warning in …" (solve's generated
    assert "failure" not in summary and "error" not in summary, summary  # queries rarely leave exactly one out)
    assert "Stateful" in out and "API Links:" in out  # the stateful phase ran over the links
