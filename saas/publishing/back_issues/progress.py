"""What a back-issue import shows of itself: the progress bar's figures and saved counters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from saas.core.extensions import db
from saas.publishing.back_issues.models import DONE, FAILED, BackIssueImport
from saas.publishing.back_issues.sources import FORMAT_LABELS


def format_label(import_: BackIssueImport) -> str:
    """Human name of the export's format."""
    return FORMAT_LABELS.get(import_.source_format, import_.source_format)


def progress(import_: BackIssueImport) -> dict[str, Any]:
    """What the progress bar polls."""
    total = import_.total_posts
    percent = int(100 * import_.processed_posts / total) if total else 0
    return {
        "status": import_.status,
        "finished": import_.status in (DONE, FAILED),
        "total_posts": total,
        "processed_posts": import_.processed_posts,
        "imported_count": import_.imported_count,
        "skipped_count": import_.skipped_count,
        "percent": 100 if import_.status == DONE else percent,
        "error": import_.error,
    }


def record(import_id: int, **values: Any) -> None:
    """Write an import's counters into the current transaction (the caller commits)."""
    db.session.execute(
        update(BackIssueImport).where(BackIssueImport.id == import_id).values(**values)
    )


def save(import_id: int, **values: Any) -> None:
    """Write an import's counters and commit."""
    record(import_id, **values)
    db.session.commit()
