"""The send form's segment picker: its state for the editor, and the live recipient count.

The picker's fields sit in the issue's send form. Its count comes from
`GET .../segment-count`: JSON for the page's script, and without script the form's "Count"
button lands there too and is sent back to the editor with the segment in the query string,
where `segment_picker` reads it again and shows the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import g, jsonify, redirect, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from saas.audience.models import Tag
from saas.core.extensions import db
from saas.delivery import saved_segments, segments
from saas.delivery.blueprints import dashboard_bp
from saas.publishing import dashboard_parent
from saas.publishing import issues as issue_service

FIELDS = ("paid", *segments.TAG_RULES, "joined_after", "joined_before", "sources")


@dataclass
class Picker:
    """What the picker shows: the chosen segment, its count if asked for, the choices."""

    segment: segments.Segment
    tags: list[str]
    saved: list = field(default_factory=list)
    counted: bool = False
    count: int | None = None
    error: str = ""
    description: str = ""
    sources: dict[str, str] = field(default_factory=lambda: dict(segments.SOURCES))
    paid_choices: dict[str, str] = field(default_factory=lambda: dict(segments.PAID_CHOICES))
    tag_rules: dict[str, str] = field(default_factory=lambda: dict(segments.TAG_RULES))


def _tag_names() -> list[str]:
    return list(db.session.scalars(select(Tag.name).order_by(Tag.name)))


def _id(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 10 else 0


def segment_fields(segment: segments.Segment) -> MultiDict:
    """The segment as the picker's form fields."""
    fields = MultiDict()
    for name, value in segment.model_dump(mode="json", exclude_defaults=True).items():
        for item in value if isinstance(value, list) else [value]:
            fields.add(name, item)
    return fields


def back_to_editor(issue_id: int, fields: MultiDict):
    """To the issue's send form with these segment fields chosen and counted."""
    args = [(k, v) for k in FIELDS for v in fields.getlist(k)] + [("count", "1")]
    editor = url_for("dashboard.publishing.edit_issue", issue_id=issue_id)
    return redirect(f"{editor}?{urlencode(args)}#send-heading", 303)


def picker_from_args() -> Picker:
    """The picker as the query string leaves it (all active readers when it says nothing)."""
    picker = Picker(segments.Segment(), _tag_names(), saved_segments.list_saved(g.publication))
    if "count" not in request.args:
        return picker
    picker.counted = True
    try:
        picker.segment = segments.check(g.publication, segments.from_form(request.args))
    except segments.SegmentError as exc:
        picker.error = str(exc)
        return picker
    picker.count = segments.count(g.publication, picker.segment)
    picker.description = segments.describe(picker.segment)
    return picker


@dashboard_parent.bp.context_processor
def inject_segment_picker() -> dict:
    """Lets the editor's send form show the picker without the editor knowing segments."""
    return {"segment_picker": picker_from_args}


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/segment-count")
def segment_count(issue_id: int):
    """How many active readers the segment in the query string holds."""
    issue = issue_service.get_issue(g.publication, issue_id)
    if issue is None:
        return jsonify(error="No issue with this id."), 404
    wants_json = request.accept_mimetypes.best == "application/json"
    if not wants_json:
        fields = request.args
        if "load" in request.args:  # "Use it": the saved segment's fields instead
            saved = saved_segments.get_saved(g.publication, _id(request.args.get("saved")))
            fields = segment_fields(saved_segments.segment_of(saved)) if saved else MultiDict()
        return back_to_editor(issue.id, fields)
    try:
        segment = segments.check(g.publication, segments.from_form(request.args))
    except segments.SegmentError as exc:
        return jsonify(error=str(exc)), 422
    return jsonify(
        count=segments.count(g.publication, segment), description=segments.describe(segment)
    )
