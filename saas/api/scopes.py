"""What an API key may do: one scope per kind of access, chosen when the key is made.

Support requests are read-only through the API (reading them, and moving one to another
stage of the pipeline, are their two scopes); and while the publication's support form is
in confidential mode a key reaches them only if the owner said so for that key.
"""

from __future__ import annotations

SUBSCRIBERS_READ = "subscribers:read"
SUBSCRIBERS_WRITE = "subscribers:write"
ISSUES_READ = "issues:read"
ISSUES_WRITE = "issues:write"
SENDS_READ = "sends:read"
SENDS_WRITE = "sends:write"
REPLIES_READ = "replies:read"
SUPPORT_READ = "support:read"
SUPPORT_STAGES = "support:stages"
STATS_READ = "stats:read"

# (scope, what it lets a tool do), in the order the settings page lists them.
SCOPES: tuple[tuple[str, str], ...] = (
    (SUBSCRIBERS_READ, "Read subscribers and tags"),
    (SUBSCRIBERS_WRITE, "Add subscribers, tag, unsubscribe and erase them"),
    (ISSUES_READ, "Read issues, drafts included"),
    (ISSUES_WRITE, "Write drafts and publish issues"),
    (SENDS_READ, "See sends and how far they got"),
    (SENDS_WRITE, "Send issues to your readers"),
    (REPLIES_READ, "Read readers' replies"),
    (SUPPORT_READ, "Read support requests (see the confidential mode note)"),
    (SUPPORT_STAGES, "Move support requests between stages"),
    (STATS_READ, "Read the numbers: readers, issues, replies"),
)
ALL = tuple(scope for scope, _ in SCOPES)
SUPPORT_SCOPES = (SUPPORT_READ, SUPPORT_STAGES)


def known(scopes: list[str]) -> list[str]:
    """The given scopes that exist, in the canonical order, each once."""
    wanted = set(scopes)
    return [scope for scope in ALL if scope in wanted]
