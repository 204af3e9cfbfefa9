"""Bounce and complaint rates, per send and per publication, and what they set off.

A rate's whole is the messages that reached a mail server (deliveries sent or bounced). The
publication's rates count the sends started in the last COMPLAINT_RATE_DAYS and what came
back in that time (from the moment an operator last lifted a hold, if later); a done send's
counts are the ones kept when it finished, so no page counts a month of deliveries.
Complaints over COMPLAINT_WARN_RATE warn the practitioner; over COMPLAINT_PAUSE_RATE they
hold the publication's sends (saas.delivery.sending_holds). The decision divides by at least
COMPLAINT_RATE_FLOOR messages, so one complaint on a list of forty does not stop a
newsletter, while the rates shown are the plain ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import cross_tenant
from saas.delivery import sending_holds
from saas.delivery.bounce_models import COMPLAINT, SOFT, BounceEvent
from saas.delivery.models import BOUNCED, SENT, Delivery, Send


@dataclass(frozen=True)
class Rates:
    """Messages that reached a server, and how many of them bounced or were complained of."""

    delivered: int = 0
    hard: int = 0
    soft: int = 0
    complaints: int = 0

    def _share(self, part: int) -> float:
        return part / self.delivered if self.delivered else 0.0

    @property
    def bounce_rate(self) -> float:
        """Hard and soft bounces together."""
        return self._share(self.hard + self.soft)

    @property
    def hard_rate(self) -> float:
        return self._share(self.hard)

    @property
    def complaint_rate(self) -> float:
        return self._share(self.complaints)

    @property
    def deciding_rate(self) -> float:
        """The complaint rate thresholds are held against (whole at least the floor)."""
        floor = current_app.config["COMPLAINT_RATE_FLOOR"]
        return self.complaints / max(self.delivered, floor, 1)

    @property
    def warning(self) -> bool:
        return self.deciding_rate > current_app.config["COMPLAINT_WARN_RATE"]

    @property
    def over_pause(self) -> bool:
        return self.deciding_rate > current_app.config["COMPLAINT_PAUSE_RATE"]


def _events(where) -> dict[str, int]:
    rows = db.session.execute(
        select(BounceEvent.kind, func.count()).where(*where).group_by(BounceEvent.kind)
    )
    return dict(rows.all())


def _reached(rows: list[tuple[int, int, dict | None]]) -> dict[int, tuple[int, int]]:
    """(messages that reached a server, hard bounces) per publication, from rows of
    (send id, publication id, final counts): a done send's kept counts, others counted now
    (through the send-and-status index)."""
    live = [send_id for send_id, _, counts in rows if not counts]
    counted: dict[int, dict[str, int]] = {}
    if live:
        found = db.session.execute(
            select(Delivery.send_id, Delivery.status, func.count())
            .where(Delivery.send_id.in_(live), Delivery.status.in_((SENT, BOUNCED)))
            .group_by(Delivery.send_id, Delivery.status)
        )
        for send_id, status, count in found:
            counted.setdefault(send_id, {})[status] = int(count)
    totals: dict[int, tuple[int, int]] = {}
    for send_id, publication_id, counts in rows:
        counts = counts or counted.get(send_id, {})
        delivered, hard = totals.get(publication_id, (0, 0))
        bounced = int(counts.get(BOUNCED, 0))
        totals[publication_id] = (delivered + int(counts.get(SENT, 0)) + bounced, hard + bounced)
    return totals


def for_send(send: Send) -> Rates:
    """One send's rates (its publication bound)."""
    delivered, hard = _reached([(send.id, send.publication_id, send.final_counts)]).get(
        send.publication_id, (0, 0)
    )
    events = _events([BounceEvent.send_id == send.id])
    return Rates(delivered, hard, events.get(SOFT, 0), events.get(COMPLAINT, 0))


def returned_for(delivery_ids: list[int]) -> dict[int, list[str]]:
    """The bounces and complaints recorded for each of these deliveries (publication bound)."""
    if not delivery_ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(BounceEvent.delivery_id, BounceEvent.kind)
        .where(BounceEvent.delivery_id.in_(delivery_ids))
        .order_by(BounceEvent.id)
    )
    for delivery_id, kind in rows:
        found.setdefault(delivery_id, []).append(kind)
    return found


def window_days() -> int:
    """COMPLAINT_RATE_DAYS, for pages."""
    return round(current_app.config["COMPLAINT_RATE_DAYS"])


def window_start(publication_id: int) -> datetime:
    """Where the publication's rates start counting (bound to it)."""
    start = utcnow() - timedelta(days=current_app.config["COMPLAINT_RATE_DAYS"])
    lifted = sending_holds.lifted_at(publication_id)
    return max(start, lifted) if lifted is not None else start


def _sends_since(since: datetime) -> list[tuple[int, int, dict | None]]:
    return list(
        db.session.execute(
            select(Send.id, Send.publication_id, Send.final_counts).where(Send.started_at >= since)
        ).all()
    )


def for_publication(publication_id: int) -> Rates:
    """The publication's rates over its window (bound to it): the sends started in it, and
    the bounces and complaints that came back in it."""
    since = window_start(publication_id)
    delivered, hard = _reached(_sends_since(since)).get(publication_id, (0, 0))
    events = _events([BounceEvent.created_at >= since])
    return Rates(delivered, hard, events.get(SOFT, 0), events.get(COMPLAINT, 0))


def check_complaints(publication_id: int) -> bool:
    """Hold the publication's sends if its complaints passed the pause rate; True if held now.

    The caller commits.
    """
    rates = for_publication(publication_id)
    if not rates.over_pause:
        return False
    reason = (
        f"{rates.complaints} complaints on {rates.delivered} messages "
        f"({rates.complaint_rate:.2%}) since {window_start(publication_id):%Y-%m-%d}"
    )
    held = sending_holds.hold(publication_id, rates.complaint_rate, reason)
    if held:
        current_app.logger.warning("publication %s: sends held for complaints", publication_id)
    return held


def every_publication() -> dict[int, Rates]:
    """Every publication's rates over the standard window (lifted holds aside), for /ops."""
    since = utcnow() - timedelta(days=current_app.config["COMPLAINT_RATE_DAYS"])
    with cross_tenant():
        found = _reached(_sends_since(since))
        events = db.session.execute(
            select(BounceEvent.publication_id, BounceEvent.kind, func.count())
            .where(BounceEvent.created_at >= since)
            .group_by(BounceEvent.publication_id, BounceEvent.kind)
        ).all()
    kinds: dict[int, dict[str, int]] = {}
    for publication_id, kind, count in events:
        kinds.setdefault(publication_id, {})[kind] = int(count)
    return {
        pid: Rates(
            found.get(pid, (0, 0))[0],
            found.get(pid, (0, 0))[1],
            kinds.get(pid, {}).get(SOFT, 0),
            kinds.get(pid, {}).get(COMPLAINT, 0),
        )
        for pid in set(found) | set(kinds)
    }
