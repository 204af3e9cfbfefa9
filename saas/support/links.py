"""Links to a publication's support form, for mail and pages rendered outside a request."""

from __future__ import annotations

from saas.core.links import absolute_public_url
from saas.publishing.models import Issue, Publication


def support_url(publication: Publication, issue: Issue | None = None) -> str:
    """Absolute URL of the "Need more support?" form; `?from=<n>` records the issue read."""
    if issue is not None and issue.number:
        return absolute_public_url(publication, "public.support.support", **{"from": issue.number})
    return absolute_public_url(publication, "public.support.support")
