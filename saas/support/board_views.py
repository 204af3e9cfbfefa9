"""The support pipeline: the board by stage, the filtered list, and the CSV export."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, g, redirect, render_template, request, url_for

from saas.core.model_base import utcnow
from saas.support import export as support_export
from saas.support import pipeline as support_pipeline
from saas.support import queries as support_queries
from saas.support.access import require_support_access
from saas.support.blueprints import dashboard_bp
from saas.support.dashboard_forms import ExportForm, FilterForm
from saas.support.models import STAGES
from saas.support.queries import NO_ISSUE, Filters


def _filter_form(source) -> FilterForm:
    form = FilterForm(source)
    form.stage.choices = [("", "All stages")] + [
        (s, support_pipeline.STAGE_LABELS[s]) for s in STAGES
    ]
    form.source.choices = [
        ("", "Any source"),
        (NO_ISSUE, "Not from an issue"),
        *((str(n), label) for n, label in support_queries.source_issue_choices(g.publication)),
    ]
    return form


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filters(values) -> Filters:
    stage = values.get("stage") or None
    source = values.get("source") or None
    return Filters(
        stage=stage if stage in STAGES else None,
        date_from=_date(values.get("date_from")),
        date_to=_date(values.get("date_to")),
        source=source if source == NO_ISSUE or (source or "").isdigit() else None,
        search=(values.get("q") or "").strip()[:200],
    )


@dashboard_bp.route("/<pub_slug>/support")
def support_board():
    require_support_access()
    columns = support_queries.board(g.publication)
    return render_template(
        "support/board.html",
        columns=columns,
        counts=support_pipeline.stage_counts(g.publication),
        labels=support_pipeline.STAGE_LABELS,
        contact_labels=support_pipeline.CONTACT_LABELS,
        titles=support_queries.issue_titles(
            g.publication,
            [r.source_issue_number for c in columns.values() for r in c if r.source_issue_number],
        ),
        now=utcnow(),
    )


@dashboard_bp.route("/<pub_slug>/support/list")
def support_list():
    require_support_access()
    form = _filter_form(request.args)
    filters = _filters(request.args)
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and len(raw) < 7 else 1
    found = support_queries.find_page(g.publication, filters, page)
    export = ExportForm(
        stage=filters.stage or "",
        date_from=filters.date_from.isoformat() if filters.date_from else "",
        date_to=filters.date_to.isoformat() if filters.date_to else "",
        source=filters.source or "",
        q=filters.search,
    )
    return render_template(
        "support/list.html",
        form=form,
        filters=filters,
        found=found,
        export_form=export,
        counts=support_pipeline.stage_counts(g.publication),
        labels=support_pipeline.STAGE_LABELS,
        contact_labels=support_pipeline.CONTACT_LABELS,
        search_cap=support_queries.SEARCH_CAP,
        titles=support_queries.issue_titles(
            g.publication, [r.source_issue_number for r in found.items if r.source_issue_number]
        ),
    )


@dashboard_bp.route("/<pub_slug>/support/export.csv", methods=["POST"])
def export_support():
    require_support_access()
    form = ExportForm()
    if not form.validate_on_submit():
        return redirect(url_for("dashboard.support.support_list"))
    filters = _filters(request.form)
    found = support_queries.find(g.publication, filters)
    text = support_export.export_csv(
        g.publication,
        found.items,
        include_messages=form.include_messages.data,
        include_notes=form.include_notes.data,
    )
    current_app.logger.info(
        "support export for publication %s: %s row(s), messages=%s notes=%s",
        g.publication.id,
        len(found.items),
        bool(form.include_messages.data),
        bool(form.include_notes.data),
    )
    name = f"support-requests-{g.publication.slug}-{date.today():%Y-%m-%d}.csv"
    return Response(
        "\ufeff" + text,  # BOM: spreadsheets then read the file as UTF-8
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
