"""The support pipeline as CSV: safe to open in a spreadsheet, bodies only when asked for."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from saas.publishing.models import Publication
from saas.support.models import SupportRequest
from saas.support.queries import issue_titles, notes_by_request

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

BASE_COLUMNS = [
    "id",
    "received",
    "stage",
    "name",
    "email",
    "phone",
    "preferred contact",
    "source issue",
    "source issue title",
    "channel",
    "asked to subscribe",
    "consent given at",
    "closed at",
]


def cell(value: object) -> str:
    """A value as a CSV cell that no spreadsheet will evaluate."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _answer_text(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value or "")


def export_csv(
    publication: Publication,
    requests: list[SupportRequest],
    include_messages: bool = False,
    include_notes: bool = False,
) -> str:
    """CSV text of `requests`; messages, answers and notes only when the flags say so."""
    tz = ZoneInfo(publication.timezone)

    def when(value) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    titles = issue_titles(
        publication, [r.source_issue_number for r in requests if r.source_issue_number]
    )
    questions: list[str] = []
    if include_messages:
        for request in requests:
            for answer in request.answers or []:
                if answer.get("label") not in questions:
                    questions.append(str(answer.get("label")))
    notes = notes_by_request([r.id for r in requests]) if include_notes else {}
    header = list(BASE_COLUMNS)
    if include_messages:
        header += ["message", *questions]
    if include_notes:
        header.append("private notes")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(h) for h in header])
    for r in requests:
        row = [
            r.id,
            when(r.created_at),
            r.stage,
            r.name or "",
            r.email,
            r.phone or "",
            r.preferred_contact,
            r.source_issue_number or "",
            titles.get(r.source_issue_number, "") if r.source_issue_number else "",
            r.channel,
            "yes" if r.subscribe_opt_in else "no",
            when(r.consent_given_at),
            when(r.closed_at),
        ]
        if include_messages:
            by_label = {str(a.get("label")): a.get("value") for a in r.answers or []}
            row += [r.message, *(_answer_text(by_label.get(q)) for q in questions)]
        if include_notes:
            row.append("\n---\n".join(notes.get(r.id, [])))
        writer.writerow([cell(v) for v in row])
    return out.getvalue()
