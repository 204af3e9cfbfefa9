"""Where a paid issue's free preview ends: the paywall break the author puts in the Markdown.

The break is a line holding only `<!-- paywall -->` (any case and spacing). As an HTML
comment it never shows in the full issue: rendering strips comments. Everything above it is
the preview everyone may read (on the web, in feeds, in free readers' email); an issue for
paid subscribers without a break previews nothing but its title and subtitle. With billing
off (no Stripe keys) nobody could pay, so no issue is locked.
"""

from __future__ import annotations

import re

from saas.billing import stripe_api
from saas.publishing.models import AUDIENCE_PAID, Issue
from saas.publishing.rendering import render_markdown

MARKER = "<!-- paywall -->"
_MARKER_RE = re.compile(r"^[ \t]*<!--\s*paywall\s*-->[ \t]*$", re.IGNORECASE | re.MULTILINE)


def split_markdown(text: str) -> tuple[str, str | None]:
    """(before, after) the first break; `after` is None when the text has no break."""
    match = _MARKER_RE.search(text or "")
    if match is None:
        return text or "", None
    return text[: match.start()].rstrip(), text[match.end() :].lstrip("\r\n")


def has_break(text: str) -> bool:
    """Whether the Markdown holds a paywall break."""
    return _MARKER_RE.search(text or "") is not None


def is_paid(issue: Issue) -> bool:
    """Whether only paid subscribers may read the issue in full."""
    return issue.audience == AUDIENCE_PAID


def preview_markdown(issue: Issue) -> str:
    """The Markdown free readers get: the part above the break (nothing without one)."""
    before, after = split_markdown(issue.body_markdown)
    return before if after is not None else ""


def preview_html(issue: Issue) -> str:
    """The preview, rendered and sanitised like the full body."""
    return render_markdown(preview_markdown(issue))


def free_html(issue: Issue) -> str:
    """What anyone may read of the issue: all of it, or the preview of a paid issue."""
    return preview_html(issue) if is_locked(issue) else issue.body_html


def is_locked(issue: Issue) -> bool:
    """Whether free readers get only the preview: a paid issue, with billing on."""
    return is_paid(issue) and stripe_api.enabled()
