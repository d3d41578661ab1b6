"""``make audit``: pip-audit over the lock files, or a clear skip when the advisory service does not answer.

pip-audit asks PyPI's per-release JSON API (which carries the OSV advisories) about every pinned
release. Offline, or behind a mirror that does not serve that API, nothing can be checked: that
is no finding either way, so this says so plainly and exits 0. A known vulnerability exits 1 with
the package, the advisory and the fixed versions.

    python scripts/audit.py requirements.lock requirements-dev.lock
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

PROBE = "https://pypi.org/pypi/jinja2/3.1.6/json"  # a release that exists: the service answers or it does not


def service_answers(timeout: float = 10.0) -> bool:
    try:
        with urllib.request.urlopen(PROBE, timeout=timeout) as response:  # noqa: S310 - a fixed https URL
            return response.status == 200
    except OSError:
        return False


def audit(lock: str) -> tuple[int, list[str], list[str]]:
    """(packages audited, findings, packages skipped) for one hashed, fully pinned lock file."""
    cmd = [sys.executable, "-m", "pip_audit", "--requirement", lock, "--disable-pip", "--progress-spinner", "off",
           "--format", "json"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"pip-audit failed on {lock}:\n{done.stderr[-2000:]}") from None
    audited, findings, skipped = 0, [], []
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            skipped.append(dep["name"])
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
            findings.append(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    return audited, findings, skipped


def main(lock_files: list[str]) -> int:
    if not service_answers():
        print(f"audit skipped: the advisory service ({PROBE}) did not answer; nothing was checked")
        return 0
    failed = False
    for lock in lock_files:
        audited, findings, skipped = audit(lock)
        if audited == 0:
            print(f"audit skipped for {lock}: the advisory service answered for none of its {len(skipped)} packages")
            continue
        print(f"{lock}: {audited} packages audited, {len(findings)} known vulnerabilities"
              + (f"; not audited: {', '.join(skipped)}" if skipped else ""))
        for finding in findings:
            print("  " + finding)
        failed = failed or bool(findings)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["requirements.lock"]))
