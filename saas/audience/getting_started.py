"""Audience's step on a new publication's checklist: share the subscribe link.

Connected at start-up by `saas.audience.init_app`. The step is done once a first reader is on
the list, which is what sharing the link is for.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.publishing import hooks as publishing_hooks
from saas.publishing.getting_started import Step
from saas.publishing.models import Publication


def _share_step(publication: Publication) -> list[Step]:
    has_reader = db.session.scalar(
        select(exists().where(Subscriber.publication_id == publication.id))
    )
    return [
        Step(
            20,
            "Share your subscribe link",
            "Ticked when your first reader joins.",
            "dashboard.audience.grow",
            bool(has_reader),
        )
    ]


def connect() -> None:
    """Connect the receiver (idempotent: blinker keeps one connection per function)."""
    publishing_hooks.getting_started.connect(_share_step, weak=False)
