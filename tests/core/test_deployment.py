"""The production compose file puts one proxy in front of gunicorn and trusts exactly it.

With gunicorn published and TRUSTED_PROXIES=1, anyone could send X-Forwarded-For and pick the
address the rate limits count; the only way in must be the proxy, and the app must trust
exactly as many proxies as stand in front of it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_gunicorn_is_reachable_only_through_the_proxy():
    services = _compose()["services"]
    assert "ports" not in services["web"], "gunicorn must not be published"
    published = {port.split(":")[0] for port in services["proxy"]["ports"]}
    assert published == {"80", "443"}
    caddyfile = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile


def test_the_app_trusts_exactly_the_proxies_in_front_of_it():
    compose = _compose()
    anchor = compose["x-app-environment"]
    proxies_in_front = sum(1 for name in compose["services"] if name == "proxy")
    assert int(anchor["TRUSTED_PROXIES"]) == proxies_in_front == 1
