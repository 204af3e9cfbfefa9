"""Where a paid issue's free preview ends: the paywall break the author puts in the Markdown.

The break is a line holding only `<!-- paywall -->` (any case and spacing); the issue is
split there when it is saved (saas.publishing.rendering.render_body), so the preview is
stored with it. As an HTML comment it never shows in the full issue: rendering strips
comments. Everything above it is the preview everyone may read (on the web, in feeds, in free
readers' email); an issue for paid subscribers without a break previews nothing but its title
and subtitle. With billing off (no Stripe keys) nobody could pay, so no issue is locked.
"""

from __future__ import annotations

from saas.billing import stripe_api
from saas.publishing.models import AUDIENCE_PAID, Issue
from saas.publishing.rendering import PAYWALL_MARKER, split_at_paywall

MARKER = PAYWALL_MARKER
split_markdown = split_at_paywall


def has_break(text: str) -> bool:
    """Whether the Markdown holds a paywall break."""
    return split_at_paywall(text)[1] is not None


def is_paid(issue: Issue) -> bool:
    """Whether only paid subscribers may read the issue in full."""
    return issue.audience == AUDIENCE_PAID


def preview_markdown(issue: Issue) -> str:
    """The Markdown free readers get: the part above the break (nothing without one)."""
    before, after = split_at_paywall(issue.body_markdown)
    return before if after is not None else ""


def preview_html(issue: Issue) -> str:
    """The preview, rendered and sanitised like the full body (stored with the issue)."""
    return issue.preview_html


def free_html(issue: Issue) -> str:
    """What anyone may read of the issue: all of it, or the preview of a paid issue."""
    return issue.preview_html if is_locked(issue) else issue.body_html


def free_text(issue: Issue) -> str:
    """The visible words of `free_html` (for excerpts and descriptions)."""
    return issue.preview_text if is_locked(issue) else issue.body_text


def is_locked(issue: Issue) -> bool:
    """Whether free readers get only the preview: a paid issue, with billing on."""
    return is_paid(issue) and stripe_api.enabled()
