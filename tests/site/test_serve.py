"""`make run PORT=...` serves Tend on that port, and every link it mails or prints points there.

These tests start the real thing in a subprocess (`make run`, which migrates, loads the demo
and runs `flask serve`) on a free port, with its own instance directory and mail outbox, and
talk to it over HTTP the way a newcomer's browser would.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener, urlopen

import pytest

from tests.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
# Settings of the suite's own environment that `make run` must not inherit.
NOT_INHERITED = (
    # `make test` runs this suite: a make inside it would print "Entering directory" lines.
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
    "BASE_URL",
    "DATABASE_URL",
    "MIGRATION_DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    "MAIL_TRANSPORT",
    "TEND_ENV",
    "SECRET_KEY",
    "SUPPORT_ENCRYPTION_KEYS",
)


@dataclass
class Served:
    """A `make run` in progress: where it serves, what it printed so far, its outbox."""

    base: str
    process: subprocess.Popen
    output: list[str]
    outbox: Path

    def mails_to(self, address: str) -> list:
        """Messages written to the development outbox for `address`, oldest first."""
        found = []
        for path in sorted(self.outbox.glob("*.eml")):
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if address in str(message["To"]):
                found.append(message)
        return found


def _read_output(served: Served) -> None:
    assert served.process.stdout is not None
    for line in served.process.stdout:
        served.output.append(line)


def _wait_for(served: Served, marker: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if marker in "".join(served.output):
            return
        if served.process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"{marker!r} never printed:\n{''.join(served.output)}")


def _start(tmp_path: Path, **settings: str) -> Served:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(TEND_INSTANCE_DIR=str(tmp_path), PYTHONUNBUFFERED="1", **settings)
    venv = Path(sys.prefix)
    process = subprocess.Popen(
        # -o: never reinstall the virtualenv this suite already runs in.
        ["make", "-o", str(venv / ".installed"), "run", f"VENV={venv}", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    served = Served(f"http://127.0.0.1:{port}", process, [], tmp_path / "outbox")
    threading.Thread(target=_read_output, args=(served,), daemon=True).start()
    return served


def _stop(served: Served) -> None:
    if served.process.poll() is None:
        os.killpg(served.process.pid, signal.SIGTERM)
        try:
            served.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(served.process.pid, signal.SIGKILL)
            served.process.wait(timeout=10)


def _answering(base: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urlopen(base + "/healthz", timeout=2):  # noqa: S310  # nosec B310 (local)
                return
        except HTTPError:
            return  # something answers on the port
        except (URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"nothing answers at {base}")


@pytest.fixture()
def make_run(tmp_path: Path) -> Iterator[Served]:
    """`make run PORT=<a free port>` with nothing but the embedded defaults."""
    served = _start(tmp_path)
    try:
        _wait_for(served, "Tend is running on")
        _answering(served.base)
        yield served
    finally:
        _stop(served)


def _links(message) -> list[str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return re.findall(r"https?://[^\s\"'<>]+", text + html)


def _sign_up(base: str, email: str) -> None:
    opener = build_opener(HTTPCookieProcessor(CookieJar()))
    with opener.open(base + "/signup", timeout=10) as page:
        html = page.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    form = {"name": "Noor Haddad", "email": email, "password": "a long enough password"}
    data = urlencode({**form, "csrf_token": token}).encode()
    with opener.open(Request(base + "/signup", data=data), timeout=10) as answer:
        assert "Check your email" in answer.read().decode()


def test_make_run_on_another_port_mails_links_to_that_port(make_run):
    served = make_run
    banner = "".join(served.output)
    assert f"Demo ready at {served.base}/p/steady-ground/" in banner
    assert f"sign in at {served.base}/login" in banner
    assert f"Tend is running on {served.base}/" in banner
    # One line per step until the server runs: no Alembic INFO lines, no job logs.
    steps = banner.split("Tend is running")[0].splitlines()
    assert [line.split(" ")[0] for line in steps] == ["Migrating", "Loading", "Demo"], steps

    _sign_up(served.base, "noor@example.org")
    [confirmation] = served.mails_to("noor@example.org")
    links = _links(confirmation)
    assert links and all(link.startswith(served.base + "/") for link in links), links
    confirm = next(link for link in links if "/signup/confirm/" in link)
    with urlopen(confirm, timeout=10) as opened:  # noqa: S310  # nosec B310 (local)
        assert opened.status == 200 and opened.url.startswith(served.base)

    # A reader subscribing on the public site gets a confirmation that works too.
    data = urlencode({"email": "reader@example.org"}).encode()
    with urlopen(  # noqa: S310  # nosec B310 (local)
        Request(served.base + "/p/steady-ground/subscribe", data=data), timeout=10
    ):
        pass
    [subscription] = served.mails_to("reader@example.org")
    assert all(link.startswith(served.base + "/") for link in _links(subscription))

    with urlopen(served.base + "/p/steady-ground/", timeout=10) as home:  # noqa: S310  # nosec B310
        page = home.read().decode()
    assert f'<link rel="canonical" href="{served.base}/p/steady-ground/">' in page
    assert ":5000" not in page


def test_a_base_url_that_was_set_wins_over_the_port(tmp_path):
    served = _start(tmp_path, BASE_URL="https://letters.example.org")
    try:
        _wait_for(served, "(listening on 127.0.0.1:")
        banner = "".join(served.output)
        assert "Demo ready at https://letters.example.org/p/steady-ground/" in banner
        assert "Tend is running on https://letters.example.org/" in banner
        _answering(served.base)
        _sign_up(served.base, "noor@example.org")
        [confirmation] = served.mails_to("noor@example.org")
        assert all(link.startswith("https://letters.example.org/") for link in _links(confirmation))
    finally:
        _stop(served)
