"""Support requests: the stages with their counts, the requests, moving one along.

Read-only apart from the stage. While the publication's support form is in confidential
mode (the default), a key reaches none of this unless the owner ticked, for that key, that
it may read support requests in confidential mode.
"""

from __future__ import annotations

from flask import g

from saas.api import scopes
from saas.api.blueprints import support_bp as bp
from saas.api.schemas.support import (
    Answer,
    StageList,
    StageMove,
    StageOut,
    SupportQuery,
    SupportRequestList,
    SupportRequestOut,
)
from saas.api.spec import operation
from saas.core import problems
from saas.support import form_settings, pipeline, queries
from saas.support.models import SupportRequest

ID = "<int:request_id>"


def may_read_support() -> bool:
    """Whether this call's key may see support requests (confidential mode respected)."""
    if not g.api_key.support_when_confidential:
        return not form_settings.get_form(g.publication).confidential_mode
    return True


def _require_access() -> None:
    if not may_read_support():
        raise problems.Problem(
            403,
            "Support requests are in confidential mode. The publication's owner can let a "
            "key read them anyway, when making the key.",
            kind=problems.CONFIDENTIAL,
        )


def _request_or_404(request_id: int) -> SupportRequest:
    found = pipeline.get_request(g.publication, request_id)
    if found is None:
        raise problems.Problem(404, "No support request with this id.")
    return found


def _out(request: SupportRequest) -> SupportRequestOut:
    fields = {
        name: getattr(request, name) for name in SupportRequestOut.model_fields if name != "answers"
    }
    answers = [Answer.model_validate(answer) for answer in request.answers or []]
    return SupportRequestOut.model_validate({**fields, "answers": answers})


@bp.get("/support/stages")
@operation("listStages", tag="support", scope=scopes.SUPPORT_READ, ok=StageList)
def list_stages():
    """List the pipeline's stages and how many requests each holds"""
    _require_access()
    counts = pipeline.stage_counts(g.publication)
    return StageList(
        data=[
            StageOut(stage=stage, label=pipeline.STAGE_LABELS[stage], count=count)
            for stage, count in counts.items()
        ]
    )


@bp.get("/support/requests")
@operation(
    "listSupportRequests",
    tag="support",
    scope=scopes.SUPPORT_READ,
    query=SupportQuery,
    ok=SupportRequestList,
    errors=(422,),
)
def list_support_requests(query: SupportQuery):
    """List support requests, newest first"""
    _require_access()
    found = queries.find(g.publication, queries.Filters(stage=query.stage))
    return SupportRequestList(data=[_out(r) for r in found.items])


@bp.get(f"/support/requests/{ID}")
@operation(
    "getSupportRequest",
    tag="support",
    scope=scopes.SUPPORT_READ,
    ok=SupportRequestOut,
    errors=(404,),
)
def get_support_request(request_id: int):
    """Get a support request"""
    _require_access()
    return _out(_request_or_404(request_id))


@bp.post(f"/support/requests/{ID}/stage")
@operation(
    "moveSupportRequest",
    tag="support",
    scope=scopes.SUPPORT_STAGES,
    json=StageMove,
    ok=StageOut,
    errors=(404, 422),
)
def move_support_request(request_id: int, json: StageMove):
    """Move a support request to another stage

    The move is noted in the request's timeline. Answers only with the stage and its new
    count: moving needs no right to read the request.
    """
    _require_access()
    request = _request_or_404(request_id)
    pipeline.move(g.publication, request, json.stage, None)
    count = pipeline.stage_counts(g.publication)[json.stage]
    return StageOut(stage=json.stage, label=pipeline.STAGE_LABELS[json.stage], count=count)
