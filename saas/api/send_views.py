"""Sends: start one (now or scheduled), list them, see how one is going."""

from __future__ import annotations

from flask import g

from saas.api import scopes
from saas.api.blueprints import sends_bp as bp
from saas.api.schemas.delivery import (
    NewSend,
    SendList,
    SendOut,
    SendProgress,
    SendQuery,
    SendSummary,
)
from saas.api.spec import operation
from saas.core import problems
from saas.delivery import segments, sending
from saas.delivery.models import Send
from saas.publishing import issues as issue_service
from saas.publishing.models import Issue


def _summary_fields(send: Send, issue: Issue) -> dict:
    fields = {
        name: getattr(send, name) for name in SendSummary.model_fields if name != "issue_title"
    }
    return {**fields, "issue_title": issue.title}


def _out(send: Send, issue: Issue) -> SendOut:
    progress = sending.progress(g.publication, send)
    return SendOut.model_validate(
        {
            **_summary_fields(send, issue),
            "progress": SendProgress(
                total=progress.total,
                finished=progress.finished,
                percent=round(progress.percent, 1),
                eta_seconds=progress.eta_seconds,
                counts=progress.counts,
            ),
        }
    )


@bp.post("/sends")
@operation(
    "createSend",
    tag="sends",
    scope=scopes.SENDS_WRITE,
    json=NewSend,
    created=SendOut,
    errors=(404, 409, 422),
)
def create_send(json: NewSend):
    """Send an issue to the readers

    Publishes the issue if it is not yet, then sends it to the active readers of `segment`
    (every active reader without one), now or at `send_at`. An issue goes out once (a 409
    says so, as it does for a segment or publication with no active readers, or a suspended
    publication); a segment naming a tag that does not exist is a 422. A paid issue reaches
    readers without a paid subscription as its preview.
    """
    issue = issue_service.get_issue(g.publication, json.issue_id)
    if issue is None:
        raise problems.Problem(
            404,
            "No issue with this id.",
            errors=[problems.field_error("issue_id", "No issue with this id.")],
        )
    try:
        if json.send_at is None:
            send = sending.send_now(g.publication, issue, json.segment)
        else:
            send = sending.schedule_send(g.publication, issue, json.send_at, json.segment)
    except segments.SegmentError as exc:
        raise problems.Problem(
            422, str(exc), errors=[problems.field_error("segment", str(exc))]
        ) from exc
    except sending.SendError as exc:
        raise problems.Problem(409, str(exc), kind=problems.CONFLICT) from exc
    return _out(send, issue), 201


@bp.get("/sends")
@operation(
    "listSends", tag="sends", scope=scopes.SENDS_READ, query=SendQuery, ok=SendList, errors=(422,)
)
def list_sends(query: SendQuery):
    """List sends, newest first, a page at a time"""
    found = sending.list_sends(g.publication, page=query.page)
    return SendList(
        data=[SendSummary.model_validate(_summary_fields(s, i)) for s, i in found.rows],
        page=found.page,
        pages=found.pages,
        total=found.total,
    )


@bp.get("/sends/<int:send_id>")
@operation("getSend", tag="sends", scope=scopes.SENDS_READ, ok=SendOut, errors=(404,))
def get_send(send_id: int):
    """Get a send and its progress

    `progress.counts` holds deliveries per status; `eta_seconds` estimates the time left
    while it is sending.
    """
    send = sending.get_send(g.publication, send_id)
    if send is None:
        raise problems.Problem(404, "No send with this id.")
    return _out(send, issue_service.get_issue(g.publication, send.issue_id))
