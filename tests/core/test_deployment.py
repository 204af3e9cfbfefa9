"""The production compose file puts one proxy in front of gunicorn and trusts exactly it, and
takes backups as a role that reads every row and changes none.

With gunicorn published and TRUSTED_PROXIES=1, anyone could send X-Forwarded-For and pick the
address the rate limits count; the only way in must be the proxy, and the app must trust
exactly as many proxies as stand in front of it. Backups themselves are taken and restored for
real in test_backup_restore.py (PostgreSQL only).
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
