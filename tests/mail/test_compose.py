"""docker-compose.yml is a valid, wired-up deployment, and README documents every setting."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
CONFIG_FILE = ROOT / "saas" / "core" / "config.py"
README_FILE = ROOT / "README.md"

ENV_READ_RE = re.compile(r"""(?:os\.environ\.get|os\.getenv|_bool)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
TABLE_ROW_RE = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", re.MULTILINE)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return YAML(typ="safe").load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _depends_on(service: dict[str, Any]) -> list[str]:
    deps = service.get("depends_on") or []
    return list(deps) if isinstance(deps, dict | list) else [deps]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, dict):
        return {str(k): "" if v is None else str(v) for k, v in env.items()}
    return {item.partition("=")[0]: item.partition("=")[2] for item in env}


def test_compose_file_matches_the_compose_spec() -> None:
    cli = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(cli), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_expected_services_are_defined(services: dict[str, dict[str, Any]]) -> None:
    assert {"postgres", "redis", "web", "worker", "mailpit"} <= set(services)


def test_every_dependency_names_a_defined_service(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for dep in _depends_on(service):
            assert dep in services, f"{name} depends on undefined service {dep!r}"
            assert dep != name, f"{name} depends on itself"


def test_dependencies_wait_for_health(services: dict[str, dict[str, Any]]) -> None:
    for name in ("web", "worker"):
        deps = services[name].get("depends_on")
        assert isinstance(deps, dict) and {"postgres", "redis"} <= set(deps), name
        for dep, spec in deps.items():
            assert spec.get("condition") == "service_healthy", f"{name} -> {dep}"


def test_every_service_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if service.get("profiles") == ["tools"]:
            continue  # run once on demand (`docker compose run --rm backup`), never kept up
        check = service.get("healthcheck") or {}
        assert not check.get("disable"), f"{name} disables its healthcheck"
        assert check.get("test"), f"{name} has no healthcheck test"


def _mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for mount in service.get("volumes") or []:
        if isinstance(mount, dict):
            pairs.append((str(mount.get("source", "")), str(mount.get("target", ""))))
        else:
            source, _, rest = mount.partition(":")
            pairs.append((source, rest.partition(":")[0]))
    return pairs


def test_postgres_keeps_its_data_in_a_named_volume(compose: dict[str, Any]) -> None:
    named = set(compose.get("volumes") or {})
    data = [
        source
        for source, target in _mounts(compose["services"]["postgres"])
        if target.startswith("/var/lib/postgresql")
    ]
    assert data, "postgres data directory is not mounted"
    assert all(source in named for source in data), f"{data} not among named volumes {named}"


@pytest.mark.parametrize("name", ["web", "worker"])
def test_app_services_get_database_and_redis(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    env = _environment(services[name])
    assert env.get("DATABASE_URL", "").startswith("postgres"), env.get("DATABASE_URL")
    assert "@postgres:" in env["DATABASE_URL"]
    assert env.get("REDIS_URL", "").startswith("redis://redis:"), env.get("REDIS_URL")
    assert env.get("TEND_ENV") == "production"
    assert env.get("SECRET_KEY"), "SECRET_KEY must be passed through"


def test_worker_runs_the_worker_module(services: dict[str, dict[str, Any]]) -> None:
    command = services["worker"].get("command")
    words = command.split() if isinstance(command, str) else list(command or [])
    assert words[-2:] == ["-m", "worker"], command


def _config_variables() -> set[str]:
    return set(ENV_READ_RE.findall(CONFIG_FILE.read_text()))


def _readme_configuration_table() -> set[str]:
    text = README_FILE.read_text()
    match = re.search(r"^## Configuration\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, "README has no '## Configuration' section"
    return set(TABLE_ROW_RE.findall(match.group(1)))


def test_config_variables_are_found() -> None:
    found = _config_variables()
    # Guard against the pattern silently matching nothing.
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "RATELIMIT_ENABLED"} <= found, found


def test_readme_documents_every_configuration_variable() -> None:
    missing = _config_variables() - _readme_configuration_table()
    assert not missing, f"README's configuration table lacks {sorted(missing)}"


def test_readme_documents_only_real_configuration_variables() -> None:
    unknown = _readme_configuration_table() - _config_variables()
    assert not unknown, (
        f"README documents variables saas/core/config.py never reads: {sorted(unknown)}"
    )
