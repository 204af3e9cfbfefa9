"""The getting-started checklist on a new publication's dashboard.

Every step is read from the publication's data, never from clicks stored for the purpose:
a step is done once the thing it asks for exists. Publishing owns the steps it can see
(issue 1, an editor); higher features add theirs through `hooks.getting_started`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from saas.core.extensions import db
from saas.publishing import hooks
from saas.publishing.models import (
    ROLE_EDITOR,
    STATUS_PUBLISHED,
    Invitation,
    Issue,
    Membership,
    Publication,
)


@dataclass(frozen=True)
class Step:
    """One thing a new practitioner does: where to do it, and whether it is done."""

    order: int
    label: str
    hint: str
    endpoint: str
    done: bool


def _has_published_issue(publication: Publication) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Issue.publication_id == publication.id, Issue.status == STATUS_PUBLISHED
                )
            )
        )
    )


def _has_editor(publication: Publication) -> bool:
    """An editor has joined, or one has been invited (the rest is up to them)."""
    invited = exists().where(Invitation.publication_id == publication.id)
    joined = exists().where(
        Membership.publication_id == publication.id, Membership.role == ROLE_EDITOR
    )
    return bool(db.session.scalar(select(invited | joined)))


def publishing_steps(publication: Publication) -> list[Step]:
    """The steps publishing can answer itself."""
    return [
        Step(
            10,
            "Write issue 1",
            "It stays a draft until you publish it.",
            "dashboard.publishing.new_issue",
            _has_published_issue(publication),
        ),
        Step(
            40,
            "Invite an editor",
            "Someone who helps you write or proofread.",
            "dashboard.publishing.team",
            _has_editor(publication),
        ),
    ]


def checklist(publication: Publication) -> list[Step]:
    """Every step, in order; empty once all are done, so the checklist goes away."""
    steps = publishing_steps(publication)
    for _receiver, theirs in hooks.getting_started.send(publication):
        steps.extend(theirs or ())
    steps.sort(key=lambda step: step.order)
    return [] if all(step.done for step in steps) else steps
