"""The production compose file puts one proxy in front of gunicorn and trusts exactly it, and
takes backups as a role that reads every row and changes none; it validates against the
compose specification, and its Caddyfile asks Tend before getting a custom domain's
certificate (checked by `caddy validate` where Debian's caddy is installed).

With gunicorn published and TRUSTED_PROXIES=1, anyone could send X-Forwarded-For and pick the
address the rate limits count; the only way in must be the proxy, and the app must trust
exactly as many proxies as stand in front of it. Backups themselves are taken and restored for
real in test_backup_restore.py (PostgreSQL only).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
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


def test_compose_backs_up_as_a_read_only_role_that_bypasses_row_level_security():
    init = (ROOT / "deploy" / "postgres" / "20-backup-role.sh").read_text()
    [create] = [line for line in init.splitlines() if line.startswith("CREATE ROLE tend_backup")]
    assert " BYPASSRLS " in create and " NOSUPERUSER " in create
    assert "ALTER ROLE tend_backup SET default_transaction_read_only = on" in init
    services = _compose()["services"]
    assert services["postgres"]["environment"]["TEND_BACKUP_DB_PASSWORD"]
    backup = services["backup"]
    assert backup["environment"]["PGUSER"] == "tend_backup"
    assert backup["entrypoint"] == ["sh", "/deploy/backup.sh"]
    assert services["restore"]["environment"]["PGUSER"] == "tend"  # the owner restores
    # Tools run when asked for, never with `docker compose up`.
    assert backup["profiles"] == services["restore"]["profiles"] == ["tools"]
    # The web service grants the role read access after every migration.
    start = (ROOT / "Dockerfile").read_text()
    assert start.index("db upgrade") < start.index("grant-backup-role tend_backup --if-exists")


def test_compose_file_validates_against_the_compose_specification():
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _caddy_blocks(text: str) -> list[tuple[list[str], list]]:
    """A Caddyfile as nested (tokens, children) lines: enough to read its structure."""
    root: list = []
    stack = [root]
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("#") else ""
        if not line:
            continue
        tokens = line.split()
        if tokens == ["}"]:
            stack.pop()
            assert stack, "a closing brace without an opening one"
            continue
        opens = tokens[-1] == "{"
        entry = (tokens[:-1] if opens else tokens, [])
        stack[-1].append(entry)
        if opens:
            stack.append(entry[1])
    assert len(stack) == 1, "an opening brace is never closed"
    return root


def _find(blocks, *path: str):
    for tokens, children in blocks:
        if tokens[: len(path[:1])] == list(path[:1]):
            return (tokens, children) if len(path) == 1 else _find(children, *path[1:])
    return None


def test_caddy_asks_tend_before_getting_a_certificate_for_a_custom_domain(app):
    blocks = _caddy_blocks((ROOT / "deploy" / "caddy" / "Caddyfile").read_text())
    options = next(children for tokens, children in blocks if tokens == [])
    ask = _find(options, "on_demand_tls", "ask")
    assert ask is not None, "no on_demand_tls ask in the global options"
    url = ask[0][1]
    assert url.startswith("http://web:8000/")
    assert _compose()["services"]["web"]["expose"] == ["8000"]
    path = url.removeprefix("http://web:8000")
    with app.test_request_context():
        adapter = app.url_map.bind("web")
        assert adapter.match(path)[0] == "tls.ask", "the ask URL is Tend's endpoint"
    on_demand = next(tokens for tokens, children in blocks if _find(children, "tls", "on_demand"))
    assert on_demand == ["https://"], "custom domains: every other name, on port 443"
    proxies = [_find(children, "reverse_proxy") for tokens, children in blocks if tokens]
    assert all(p is not None and p[0] == ["reverse_proxy", "web:8000"] for p in proxies)


def test_the_caddyfile_is_valid_for_caddy_itself(tmp_path):
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip(
            "caddy is not installed (Debian: apt-get install caddy); structure checked above"
        )
    for site in (":80", "tend.example.com"):
        result = subprocess.run(
            [
                caddy,
                "validate",
                "--adapter",
                "caddyfile",
                "--config",
                str(ROOT / "deploy" / "caddy" / "Caddyfile"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env={
                "PATH": os.environ["PATH"],
                "HOME": str(tmp_path),
                "XDG_DATA_HOME": str(tmp_path),
                "XDG_CONFIG_HOME": str(tmp_path),
                "SITE_ADDRESS": site,
            },
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "Valid configuration" in result.stdout + result.stderr
