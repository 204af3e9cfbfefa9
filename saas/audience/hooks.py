"""Where higher features join in when readers join, are imported or are erased (blinker signals).

Audience keeps the list; it does not know plans, deliveries or replies. Those features connect
receivers at start-up (their package's `hooks.connect()`, called from `init_app`):
billing holds readers past the plan's limit and, for an erased reader, cancels their payments,
drops their subscription rows and waiting-list place and cuts stored Stripe events naming
them to ids; delivery blanks an erased reader's delivery rows and adds deliveries to their
history; support deletes their requests; replies and audience's own imports connect too.
Every one of them adds its part to a reader's data export. Receivers run inside the caller's
transaction and never commit: the audience service commits once, or nothing happens.

`history_recorded` tells, inside the transaction, of every line added to a reader's history
(insights keeps its daily growth counts from it).

The `reader_created`, `reader_confirmed` and `reader_unsubscribed` signals are different: they
are sent once the change is committed, to tell (outbound webhooks); a receiver of those may
commit its own rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blinker import Namespace

_signals = Namespace()

reader_joining = _signals.signal("reader-joining")
"""A reader is about to go active (publication as sender, `subscriber=`); True holds them."""

readers_imported = _signals.signal("readers-imported")
"""Readers were imported (publication as sender, `subscriber_ids=`)."""

reader_erasing = _signals.signal("reader-erasing")
"""A reader is being erased (publication as sender, `subscriber=`): remove what you hold."""

reader_history = _signals.signal("reader-history")
"""A reader's history is shown: return a list of (when, kind, detail)."""

reader_data = _signals.signal("reader-data")
"""A reader asked for their data: return a dict of sections to add to the export."""

history_recorded = _signals.signal("history-recorded")
"""A line was added to a reader's history, inside the caller's transaction (publication id as
sender, `subscriber=`, `kind=`, `detail=`, `issue_id=`): receivers add rows, never commit."""

reader_created = _signals.signal("reader-created")
"""A reader was added by a form or by hand, committed (publication as sender, `subscriber=`)."""

reader_confirmed = _signals.signal("reader-confirmed")
"""A reader confirmed and is active, committed (publication as sender, `subscriber=`)."""

reader_unsubscribed = _signals.signal("reader-unsubscribed")
"""A reader left the list, committed (publication as sender, `subscriber=`)."""


def held_on_joining(publication, subscriber) -> bool:
    """Whether a receiver holds this reader instead of letting them go active."""
    results = reader_joining.send(publication, subscriber=subscriber)
    return any(held for _receiver, held in results)


def recorded(subscriber, kind: str, detail: str, issue_id: int | None) -> None:
    """Tell receivers of a new history line (same transaction)."""
    history_recorded.send(
        subscriber.publication_id,
        subscriber=subscriber,
        kind=kind,
        detail=detail,
        issue_id=issue_id,
    )


def imported(publication, subscriber_ids: list[int]) -> None:
    """Tell receivers which readers an import just added."""
    readers_imported.send(publication, subscriber_ids=subscriber_ids)


def erasing(publication, subscriber) -> None:
    """Let every receiver remove or anonymise what it holds about the reader."""
    reader_erasing.send(publication, subscriber=subscriber)


def history_entries(publication, subscriber) -> list[tuple[datetime, str, str]]:
    """Every receiver's entries for the reader's history, unsorted."""
    entries: list[tuple[datetime, str, str]] = []
    for _receiver, found in reader_history.send(publication, subscriber=subscriber):
        entries.extend(found or [])
    return entries


def data_sections(publication, subscriber) -> dict[str, Any]:
    """Every receiver's sections of the reader's data export, in name order."""
    sections: dict[str, Any] = {}
    for _receiver, found in reader_data.send(publication, subscriber=subscriber):
        sections.update(found or {})
    return dict(sorted(sections.items()))
