"""The Dockerfile's promises, checked as text: no Docker engine runs on these machines, so the
image itself is not built here (docs: README "Deploying")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# one entry per instruction: comments dropped, backslash continuations joined
LINES = [
    line.strip()
    for line in re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text()).splitlines()
    if line.strip() and not line.startswith("#")
]


def instructions(name: str) -> list[str]:
    return [line for line in LINES if line.split()[0] == name]


def test_slim_python_base_at_least_the_supported_version():
    (base,) = instructions("FROM")
    match = re.match(r"FROM python:(\d+)\.(\d+)-slim\b", base)
    assert match and (int(match[1]), int(match[2])) >= (3, 11), base


def test_dependencies_are_a_layer_before_the_app_code_installed_from_the_hashed_lock():
    copies = [i for i, line in enumerate(LINES) if line.startswith("COPY")]
    first_install = next(i for i, line in enumerate(LINES) if "pip install" in line)
    app_copy = next(i for i, line in enumerate(LINES) if line.startswith("COPY app"))
    assert LINES[copies[0]] == "COPY requirements.lock ./" and copies[0] < first_install < app_copy
    assert LINES[first_install] == "RUN pip install --require-hashes -r requirements.lock"
    app_install = next(line for line in LINES[app_copy:] if "pip install" in line)
    assert "--no-deps" in app_install  # nothing unlocked sneaks in with the app


def test_runs_as_a_non_root_user():
    users = instructions("USER")
    assert users and users[-1].split()[1] not in ("root", "0")
    assert LINES.index(users[-1]) > max(i for i, line in enumerate(LINES) if line.startswith(("RUN", "COPY")))


def test_healthcheck_asks_healthz_and_cmd_is_exec_form_running_the_configured_workers():
    (health,) = instructions("HEALTHCHECK")
    assert "/healthz" in health and " CMD " in health
    (cmd,) = instructions("CMD")
    argv = json.loads(cmd[len("CMD"):])  # exec form is a JSON array: signals reach Python, not a shell
    assert argv[:3] == ["python", "-m", "app.serve"]
    assert any("CONVSTEP_WORKERS" in line for line in LINES)


@pytest.mark.parametrize("folder", ["app", "templates", "static"])
def test_everything_the_app_reads_at_run_time_is_copied(folder):
    assert any(line.startswith(f"COPY {folder}") for line in LINES)
