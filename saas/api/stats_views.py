"""Stats: the publication's counts in one call."""

from __future__ import annotations

from flask import g

from saas.api import scopes
from saas.api.blueprints import stats_bp as bp
from saas.api.schemas.stats import ReplyCounts, Stats
from saas.api.spec import operation
from saas.api.support_views import may_read_support
from saas.audience import status_counts
from saas.delivery import sending
from saas.publishing import issues as issue_service
from saas.replies import queries as reply_queries
from saas.support import pipeline


@bp.get("/stats")
@operation("getStats", tag="stats", scope=scopes.STATS_READ, ok=Stats)
def get_stats():
    """Get the publication's numbers

    Readers per status, issues per status, how many sends; replies with the replies:read
    scope too, support requests per stage with support:read (where the key may read them).
    """
    key = g.api_key
    publication = g.publication
    replies = None
    if key.allows(scopes.REPLIES_READ):
        replies = ReplyCounts(
            unread=reply_queries.unread_count(publication),
            by_status=reply_queries.status_counts(publication),
        )
    support = None
    if key.allows(scopes.SUPPORT_READ) and may_read_support():
        support = pipeline.stage_counts(publication)
    return Stats(
        subscribers=status_counts.counts(publication),
        active_subscribers=sending.active_reader_count(publication),
        issues=issue_service.status_counts(publication),
        sends=sending.list_sends(publication, per_page=1).total,
        replies=replies,
        support=support,
    )
