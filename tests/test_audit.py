"""``make audit`` (scripts/audit.py): findings fail, an unanswering advisory service is a clear skip."""

from __future__ import annotations

import json
import subprocess

from scripts import audit


def fake_pip_audit(report: dict):
    def run(cmd, **kwargs):
        assert "--disable-pip" in cmd and "--requirement" in cmd  # hashed lock: no resolution, no install
        return subprocess.CompletedProcess(cmd, 1, stdout=json.dumps(report), stderr="")
    return run


def test_a_known_vulnerability_fails_naming_the_advisory_and_the_fix(monkeypatch, capsys):
    monkeypatch.setattr(audit, "service_answers", lambda: True)
    monkeypatch.setattr(subprocess, "run", fake_pip_audit({"dependencies": [
        {"name": "jinja2", "version": "3.1.5", "vulns": [{"id": "GHSA-cpwx-vrp4-4pq7", "fix_versions": ["3.1.6"]}]},
        {"name": "numpy", "version": "2.4.6", "vulns": []},
        {"name": "internal", "version": "1.0", "skip_reason": "Dependency not found on PyPI"},
    ]}))
    assert audit.main(["requirements.lock"]) == 1
    out = capsys.readouterr().out
    assert "2 packages audited, 1 known vulnerabilities; not audited: internal" in out
    assert "jinja2 3.1.5: GHSA-cpwx-vrp4-4pq7 (fixed in 3.1.6)" in out


def test_a_clean_lock_passes(monkeypatch, capsys):
    monkeypatch.setattr(audit, "service_answers", lambda: True)
    monkeypatch.setattr(subprocess, "run", fake_pip_audit({"dependencies": [{"name": "numpy", "version": "2.4.6", "vulns": []}]}))
    assert audit.main(["requirements.lock"]) == 0
    assert "1 packages audited, 0 known vulnerabilities" in capsys.readouterr().out


def test_no_advisory_service_is_a_clear_skip_not_a_pass(monkeypatch, capsys):
    monkeypatch.setattr(audit, "service_answers", lambda: False)
    assert audit.main(["requirements.lock"]) == 0
    assert capsys.readouterr().out.startswith("audit skipped: the advisory service")
    monkeypatch.setattr(audit, "service_answers", lambda: True)  # it answers, but for none of the packages
    monkeypatch.setattr(subprocess, "run", fake_pip_audit({"dependencies": [
        {"name": "numpy", "version": "2.4.6", "skip_reason": "Dependency not found on PyPI"}]}))
    assert audit.main(["requirements.lock"]) == 0
    assert "answered for none of its 1 packages" in capsys.readouterr().out


def test_the_lock_files_pin_every_package_with_hashes_and_the_floors():
    from pathlib import Path

    root = Path(audit.__file__).resolve().parent.parent
    for name in ("requirements.lock", "requirements-dev.lock"):
        text = root.joinpath(name).read_text()
        pins = [line.split(" ")[0] for line in text.splitlines() if line and line[0].isalpha()]
        assert pins and all("==" in pin for pin in pins), name
        assert text.count("--hash=sha256:") >= len(pins), name
        versions = dict(pin.split("==") for pin in pins)
        for package, floor in {"starlette": (1, 10), "h11": (0, 16), "pillow": (13, 0), "python-multipart": (0, 0, 34)}.items():
            assert tuple(int(p) for p in versions[package].split(".")[:len(floor)]) >= floor, (name, package)
    dev = dict(pin.split("==") for pin in (line.split(" ")[0] for line in
                                           root.joinpath("requirements-dev.lock").read_text().splitlines()
                                           if line and line[0].isalpha()))
    assert dev["playwright"] == "1.64.1" and "httpx2" in dev and int(dev["schemathesis"].split(".")[0]) >= 4


def test_every_dependency_in_pyproject_is_in_the_lock_files():
    """make installs only from the locks: a dependency added to pyproject.toml needs `make lock`."""
    import re
    import tomllib
    from pathlib import Path

    root = Path(audit.__file__).resolve().parent.parent
    project = tomllib.loads(root.joinpath("pyproject.toml").read_text())["project"]

    def names(requirements):
        return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}

    def locked(name):
        return {line.split("==")[0] for line in root.joinpath(name).read_text().splitlines() if line and line[0].isalpha()}

    assert names(project["dependencies"]) <= locked("requirements.lock"), "run make lock"
    extras = project["optional-dependencies"]
    assert names(project["dependencies"] + extras["dev"] + extras["bench"]) <= locked("requirements-dev.lock"), "run make lock"
