"""The web processes' gunicorn settings: workers from the CPU count unless set, and an access
log of JSON lines without personal data, checked on a real gunicorn."""

from __future__ import annotations

import json
import os
import runpy
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "gunicorn.conf.py"


def _settings(monkeypatch, **env) -> dict:
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_workers_follow_the_cpus_unless_set(monkeypatch):
    cpus = len(os.sched_getaffinity(0))
    default = _settings(monkeypatch)
    assert default["workers"] == max(2, 2 * cpus)
    assert (default["threads"], default["worker_class"]) == (1, "sync")
    assert default["timeout"] == 30
    assert default["logger_class"] == "saas.core.access_log.JsonAccessLogger"
    chosen = _settings(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_THREADS="4")
    assert (chosen["workers"], chosen["threads"], chosen["worker_class"]) == (3, 4, "gthread")
    # docker-compose passes an empty value when nothing is chosen.
    assert _settings(monkeypatch, WEB_CONCURRENCY="")["workers"] == max(2, 2 * cpus)


def test_the_image_serves_with_these_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "gunicorn.conf.py" in dockerfile.split("COPY pyproject.toml", 1)[1].splitlines()[0]
    assert "exec gunicorn -c /app/gunicorn.conf.py saas.wsgi:app" in dockerfile


def test_access_lines_are_json_without_tokens_or_query(tmp_path):
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": str(log),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(SETTINGS), "tests.wsgi_echo:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    token = "IjU1Y2UxMWY4Y2U4ZjcxMzI2YWI5OTlhODU3YzU1YTNi"
    url = f"http://127.0.0.1:{port}/p/calm/reader/sign-in/{token}?email=ada%40example.org"
    try:
        for _ in range(100):
            try:
                request = urllib.request.Request(url, headers={"X-Request-ID": "req-12345678"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert response.status == 200
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(50):
            if log.exists() and log.read_text().strip():
                break
            time.sleep(0.1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    [line] = log.read_text().splitlines()
    record = json.loads(line)
    assert record["method"] == "GET" and record["status"] == 200
    assert record["path"] == "/p/calm/reader/sign-in/[token]"
    assert record["request_id"] == "req-12345678" and record["cache"] == "HIT"
    assert record["bytes"] == len(b"echo\n") and record["duration_ms"] >= 0
    assert token not in line and "ada" not in line and "email" not in line
