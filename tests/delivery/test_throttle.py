"""A publication's max send rate holds across concurrent senders, measured over seconds."""

from __future__ import annotations

import threading
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import batches as send_batches
from saas.delivery import sending
from saas.delivery import upkeep as send_upkeep
from saas.delivery.models import Delivery
from saas.delivery.throttle import Throttle
from saas.publishing.models import Issue, Publication
from tests.smtp_sink import free_port

TOLERANCE = 0.10


def _rate(stamps: list[float], margin: float = 0.0) -> float:
    """Sends per second between the first and last stamp, `margin` seconds in from each end.

    Senders reserve slots a little ahead, so when they stop the last slots are sparse: the
    margin keeps start-up and wind-down out of a steady-state figure.
    """
    stamps = sorted(stamps)
    start, end = stamps[0] + margin, stamps[-1] - margin
    inside = [t for t in stamps if start <= t <= end]
    return (len(inside) - 1) / (inside[-1] - inside[0])


def _together(targets) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_four_senders_share_one_rate(app):
    rate, seconds = 40, 4.0
    stamps: list[float] = []
    lock = threading.Lock()

    def sender() -> None:
        with app.app_context():
            throttle = Throttle(publication_id=7, rate=rate)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                throttle.wait()
                with lock:
                    stamps.append(time.monotonic())

    _together([sender] * 4)
    assert len(stamps) >= rate * seconds * (1 - TOLERANCE)
    assert _rate(stamps, margin=0.5) == pytest.approx(rate, rel=TOLERANCE)


class _Clock:
    """An SMTP server that notes when each message was accepted."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.stamps.append(time.monotonic())
        return "250 OK"


def test_two_batches_at_once_keep_the_publications_rate(app, factories, monkeypatch):
    rate, readers = 20, 70  # about 3.5 seconds of sending
    pub = factories.publication(slug="paced")
    for n in range(readers):
        factories.subscriber(pub, email=f"reader{n}@example.org")
    issue = factories.issue(pub, publish=True)
    clock, port = _Clock(), free_port()
    controller = Controller(clock, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setattr(send_upkeep, "BATCH_SIZE", readers // 2)
    jobs = []

    class Held:
        id = "held"

    monkeypatch.setattr(
        send_upkeep, "enqueue", lambda path, *a, **o: jobs.append((path, a)) or Held
    )
    with app.app_context(), bound_to(pub.id):
        db.session.execute(update(Publication).values(max_send_rate=rate))
        db.session.commit()
        send_id = sending.send_now(
            db.session.get(Publication, pub.id), db.session.get(Issue, issue.id)
        ).id
        send_batches.fan_out(send_id)
    batches = [args for path, args in jobs if path == "worker.jobs.send_batch"]
    assert len(batches) == 2

    def worker(args) -> None:
        with app.app_context():
            send_batches.send_batch(*args)

    try:
        _together([lambda a=args: worker(a) for args in batches])
    finally:
        controller.stop()
    assert len(clock.stamps) == readers
    assert _rate(clock.stamps) == pytest.approx(rate, rel=TOLERANCE)
    with app.app_context(), bound_to(pub.id):
        assert set(db.session.scalars(select(Delivery.status))) == {"sent"}
