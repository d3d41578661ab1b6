"""deploy/ (compose, haproxy, Kubernetes) checked as text, since no container engine runs here: the
YAML parses, probes and checks ask routes the app really has, and every CONVSTEP_ name is a setting."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SETTINGS = {f"CONVSTEP_{name.upper()}" for name in Settings.model_fields}
ENTRY_POINT_ENV = {"CONVSTEP_HOST", "CONVSTEP_PORT"}  # read by app/serve.py, not settings


def answers(path: str, tmp_path: Path) -> bool:
    """Whether the app answers ``path`` with 200 (probes and checks want a 2xx)."""
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none"))) as client:
        return client.get(path).status_code == 200


def env_names(text: str) -> set[str]:
    return set(re.findall(r"\bCONVSTEP_[A-Z_]+\b", text))


def test_every_convstep_name_in_deploy_and_the_docs_is_a_real_setting():
    for path in [*DEPLOY.iterdir(), ROOT / "docs" / "deploy.md", ROOT / "Dockerfile"]:
        unknown = env_names(path.read_text()) - SETTINGS - ENTRY_POINT_ENV
        assert unknown == set(), (path.name, unknown)


def test_compose_has_two_apps_redis_and_haproxy_sharing_only_redis():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"app1", "app2", "redis", "haproxy"}
    for name in ("app1", "app2"):
        env = services[name]["environment"]
        assert env["CONVSTEP_REDIS_URL"] == "redis://redis:6379/0"
        assert int(env["CONVSTEP_WORKERS"]) > 1  # several workers: only correct with Redis, which is set
        assert set(env) <= SETTINGS
        assert services[name]["build"]["context"] == ".." and (DEPLOY / ".." / "Dockerfile").exists()
    assert services["redis"]["image"].startswith("redis:")
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in services["haproxy"]["volumes"]


def test_haproxy_checks_readyz_and_sends_to_both_apps_with_stream_friendly_timeouts(tmp_path):
    cfg = (DEPLOY / "haproxy.cfg").read_text()
    checks = re.findall(r"option httpchk GET (\S+)", cfg)
    assert checks == ["/readyz"] and answers(checks[0], tmp_path)
    servers = re.findall(r"^\s*server (\S+) (\S+):(\d+)", cfg, flags=re.M)
    assert [(n, h, p) for n, h, p in servers] == [("app1", "app1", "8000"), ("app2", "app2", "8000")]
    timeouts = dict(re.findall(r"timeout (client|server) (\d+)s", cfg))
    assert all(int(v) > Settings().class_ping_s for v in timeouts.values())  # a heartbeat arrives before the timeout


def test_kubernetes_probes_point_at_real_routes(tmp_path):
    docs = [d for d in yaml.safe_load_all((DEPLOY / "k8s.yaml").read_text()) if d]
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in docs)
    assert kinds == [("Deployment", "convstep"), ("Deployment", "convstep-redis"), ("Service", "convstep"),
                     ("Service", "convstep-redis")]
    app = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "convstep")
    container = app["spec"]["template"]["spec"]["containers"][0]
    probes = [container[probe]["httpGet"]["path"] for probe in ("readinessProbe", "livenessProbe")]
    assert probes == ["/readyz", "/healthz"] and all(answers(path, tmp_path) for path in probes)
    env = {e["name"]: e["value"] for e in container["env"]}
    assert set(env) <= SETTINGS and env["CONVSTEP_REDIS_URL"] == "redis://convstep-redis:6379/0"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8000}
    assert app["spec"]["selector"]["matchLabels"] == app["spec"]["template"]["metadata"]["labels"]
