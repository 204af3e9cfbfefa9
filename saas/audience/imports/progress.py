"""What an import shows and records about itself: its format's name, the progress bar's
figures, and the counters written after each chunk."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from saas.audience.imports.layouts import FORMAT_LABELS
from saas.audience.models import IMPORT_DONE, IMPORT_FAILED, SubscriberImport
from saas.core.extensions import db


def format_label(import_: SubscriberImport) -> str:
    """Human name of the detected format."""
    return FORMAT_LABELS.get(import_.detected_format, import_.detected_format or "CSV")


def progress(import_: SubscriberImport) -> dict[str, Any]:
    """What the progress bar polls."""
    total = import_.total_rows
    percent = int(100 * import_.processed_rows / total) if total else 0
    return {
        "status": import_.status,
        "finished": import_.status in (IMPORT_DONE, IMPORT_FAILED),
        "total_rows": total,
        "processed_rows": import_.processed_rows,
        "imported_count": import_.imported_count,
        "rejected_count": import_.rejected_count,
        "duplicate_count": import_.duplicate_count,
        "percent": 100 if import_.status == IMPORT_DONE else percent,
        "error": import_.error,
    }


def save_progress(import_id: int, **values: Any) -> None:
    """Write an import's progress and commit, without reloading the row (and its file)."""
    db.session.execute(
        update(SubscriberImport).where(SubscriberImport.id == import_id).values(**values)
    )
    db.session.commit()
