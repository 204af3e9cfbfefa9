"""Adding to the rollups: which history lines count, and the upserts that add them.

`metric` is the one rule for what a line of a reader's history means for growth; the live
receivers (saas.insights.hooks) and the rebuild (saas.insights.rebuild) both use it, so the
two always agree. Upserts add in the database (`n = n + 1`), so concurrent writers never
lose a count.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.dialects import postgresql, sqlite

from saas.core.extensions import db
from saas.insights.models import DailyGrowth, IssueDaily

JOINED = "joined"
UNSUBSCRIBED = "unsubscribed"
BOUNCED = "bounced"
GROWTH_METRICS = (JOINED, UNSUBSCRIBED, BOUNCED)
WAITING_PREFIX = "waiting"  # a confirmation held for a place on the list: not on it yet


def metric(kind: str, detail: str, status: str | None = None) -> str | None:
    """What a history line adds to the day's growth, or None.

    An imported line counts as a reader joining only if they came in active (a pending
    reader joins when they confirm; one imported as unsubscribed or bounced never joined);
    `status` is the reader's status then, needed only for that kind. The rebuild, which
    sees only the status now, applies the same rule by looking at the lines after it.
    """
    if kind == "confirmed":
        return None if detail.startswith(WAITING_PREFIX) else JOINED
    if kind == "released":
        return JOINED
    if kind == "imported":
        return JOINED if status == "active" else None
    if kind == "unsubscribed":
        return UNSUBSCRIBED
    if kind == "bounced":
        return BOUNCED
    return None


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model)


def add_growth(publication_id: int, day: date, source: str, counts: dict[str, int]) -> None:
    """Add `counts` (metric -> n) to the publication's row for the day and source."""
    values = {name: counts.get(name, 0) for name in GROWTH_METRICS}
    statement = _insert(DailyGrowth).values(
        publication_id=publication_id, day=day, source=source, **values
    )
    table = DailyGrowth.__table__
    statement = statement.on_conflict_do_update(
        index_elements=["publication_id", "day", "source"],
        set_={name: table.c[name] + statement.excluded[name] for name in GROWTH_METRICS},
    )
    db.session.execute(statement)


def add_issue(
    publication_id: int, issue_id: int, day: date, web_views: int = 0, unsubscribed: int = 0
) -> None:
    """Add to the issue's row for the day."""
    statement = _insert(IssueDaily).values(
        publication_id=publication_id,
        issue_id=issue_id,
        day=day,
        web_views=web_views,
        unsubscribed=unsubscribed,
    )
    table = IssueDaily.__table__
    statement = statement.on_conflict_do_update(
        index_elements=["publication_id", "issue_id", "day"],
        set_={
            "web_views": table.c.web_views + statement.excluded.web_views,
            "unsubscribed": table.c.unsubscribed + statement.excluded.unsubscribed,
        },
    )
    db.session.execute(statement)
