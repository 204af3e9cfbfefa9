"""With Redis down, readers and practitioners can still use Tend, and nothing is half done.

Real parts: the app served by `flask serve` in its own process, a private `redis-server`
this test kills, the suite's database, and an SMTP sink. While Redis is down:

- a reader subscribes: the page answers, the reader is stored pending, and the confirmation
  mail is parked in the database (job_outbox) instead of being lost or answered with a 500;
- the rate limiter counts in memory (Flask-Limiter's fallback, logged once), so sign-in
  still works, a wrong password is still refused, and the public forms still answer 429
  once an address has used its tries (the support form with its own page);
- the practitioner's subscriber list answers, counting from the database.

When Redis is back, a `python -m worker` hands the parked job over and the reader gets the
confirmation mail, once; the limiter says it recovered (once) and counts in Redis again.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from redis import Redis
from sqlalchemy import func, select

from saas.audience.models import PENDING, Subscriber
from saas.core.extensions import db
from saas.core.outbox import ParkedJob
from saas.core.tenancy import bound_to
from tests.conftest import CSRF_RE
from tests.delivery.test_crash_safety import _kill, _start, _wait_for
from tests.delivery.test_outages import _redis
from tests.factories import PASSWORD
from tests.smtp_sink import free_port
from tests.support_helpers import reader_form

ROOT = Path(__file__).resolve().parents[2]


LIMITED = "eager@example.org"
FELL_BACK = "Rate limit storage unreachable - falling back to in-memory storage"
RECOVERED = "Rate limit storage recovered"


def _address_digest(app, address: str) -> str:
    """The part of the subscribe form's per-address limit key that stands for `address`."""
    key = app.config["SECRET_KEY"].encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


class Browser:
    """Just enough of a browser: cookies, forms with their CSRF token, status codes."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, data: dict, form_page: str | None = None) -> tuple[int, str]:
        if form_page is not None:
            _, html = self.get(form_page)
            match = CSRF_RE.search(html)
            data = {**data, "csrf_token": match.group(1) or match.group(2)}
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def test_tend_keeps_working_while_redis_is_down(app, factories, smtp_sink, tmp_path):
    owner = factories.user(email="owner@example.com")
    pub = factories.publication(owner=owner, slug="calm", name="Calm Letters")
    factories.subscriber(pub, email="already@example.org")
    redis_port, web_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    redis = _redis(redis_port, tmp_path, False, tmp_path / "redis.log")
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "MAIL_TRANSPORT": "smtp",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BASE_URL": f"http://127.0.0.1:{web_port}",
        "SEND_SWEEP_SECONDS": "1",
        "SENTRY_DSN": "",
    }
    web = _start(
        [sys.executable, "-m", "flask", "--app", "saas", "serve", "--port", str(web_port)],
        tmp_path / "web.log",
        env,
    )
    worker = None
    browser = Browser(f"http://127.0.0.1:{web_port}")

    def answers() -> bool:
        try:
            return browser.get("/healthz")[0] == 200
        except OSError:
            return False

    try:
        _wait_for(answers, 60, "the web server")
        _kill(redis)

        status, html = browser.post("/p/calm/subscribe", {"email": "new@example.org"})
        assert status == 200, html[:400]
        with app.app_context(), bound_to(pub.id):
            reader = db.session.scalar(
                select(Subscriber).where(Subscriber.email == "new@example.org")
            )
            assert reader is not None and reader.status == PENDING
        with app.app_context():
            parked = db.session.scalars(select(ParkedJob.path)).all()
        assert parked == ["worker.jobs.send_email"]

        # The subscribe form allows an address 3 tries an hour; counted in memory now.
        tries = [browser.post("/p/calm/subscribe", {"email": LIMITED})[0] for _ in range(4)]
        assert tries == [200, 200, 200, 429]
        # The support form's own 429 page (it keeps the crisis lines), also counted in memory.
        asked = [
            browser.post("/p/calm/support", reader_form(app, pub, email=LIMITED)) for _ in range(4)
        ]
        assert [status for status, _ in asked] == [200, 200, 200, 429]
        assert "116 123" in asked[-1][1]

        status, html = browser.post(
            "/login", {"email": "owner@example.com", "password": "wrong one"}, form_page="/login"
        )
        assert status == 422, html[:400]
        status, _ = browser.post(
            "/login", {"email": "owner@example.com", "password": PASSWORD}, form_page="/login"
        )
        assert status == 200  # redirected to the dashboard and followed
        status, html = browser.get("/dashboard/calm/subscribers")
        assert status == 200 and "already@example.org" in html

        smtp_sink.clear()
        redis = _redis(redis_port, tmp_path, False, tmp_path / "redis-2.log")
        worker = _start([sys.executable, "-m", "worker"], tmp_path / "worker.log", env)

        def confirmed_mail_arrived() -> bool:
            return bool(smtp_sink.messages_to("new@example.org"))

        _wait_for(confirmed_mail_arrived, 60, "the parked confirmation mail")
        time.sleep(2)  # a second copy would arrive within a sweep or two
        assert len(smtp_sink.messages_to("new@example.org")) == 1
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(ParkedJob)) == 0
        link = re.search(
            r"https?://\S+/confirm/\S+",
            smtp_sink.messages_to("new@example.org")[0]
            .get_body(preferencelist=("plain",))
            .get_content(),
        )
        assert link, "the confirmation mail has no link"

        # The limiter looks at Redis again after 1, 2, 4 ... 32 s of requests.
        deadline = time.monotonic() + 120
        while RECOVERED not in (tmp_path / "web.log").read_text():
            assert time.monotonic() < deadline, "the limiter never went back to Redis"
            browser.get("/p/calm/")
            time.sleep(0.25)
        # Counting is in Redis again: the fresh Redis has no count for the address yet.
        assert browser.post("/p/calm/subscribe", {"email": LIMITED})[0] == 200
        counted = [key.decode() for key in Redis(port=redis_port).keys("LIMITS*")]
        assert any(_address_digest(app, LIMITED) in key for key in counted), counted
    finally:
        for process in (worker, web, redis):
            if process is not None:
                _kill(process, signal.SIGTERM)
    log = (tmp_path / "web.log").read_text()
    assert "parking job worker.jobs.send_email" in log
    assert log.count(FELL_BACK) == 1 and log.count(RECOVERED) == 1
    assert "ratelimit " not in log, "no line per refused request (it names the key)"
    assert LIMITED not in log
