"""Which posts an import will write and the numbers they will get: the dry-run preview.

The rule for numbers: an issue's number never changes once given (readers and emails cite
it), so imported posts never go before issues that exist. They take the next numbers in
their original order: into an empty publication they are Issue 1..N and new issues
continue after them; into one that has issues already they follow its last number. A post
imported before (same source id or URL) is skipped and keeps its number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from saas.core.extensions import db
from saas.publishing.back_issues.formats import read_posts
from saas.publishing.back_issues.models import BackIssueImport, BackIssueLink
from saas.publishing.back_issues.sources import Post
from saas.publishing.models import Issue, Publication

ALREADY = "already imported"
PREVIEW_SIZE = 5


@dataclass(frozen=True)
class Planned:
    """One post as the preview shows it: the number it will get, or why it is skipped."""

    post: Post
    number: int | None
    skip_reason: str | None


@dataclass(frozen=True)
class Plan:
    """The whole import, before anything is written."""

    rows: list[Planned]

    @property
    def to_import(self) -> list[Planned]:
        return [row for row in self.rows if row.number is not None]

    @property
    def skipped(self) -> list[Planned]:
        return [row for row in self.rows if row.number is None]

    @property
    def first(self) -> list[Planned]:
        """The first issues the import writes, as the preview lists them."""
        return self.to_import[:PREVIEW_SIZE]


def imported_keys(publication: Publication) -> dict[str, int | None]:
    """Source key -> issue number of every post imported before."""
    rows = db.session.execute(
        select(BackIssueLink.source_key, Issue.number)
        .join(Issue, Issue.id == BackIssueLink.issue_id)
        .where(BackIssueLink.publication_id == publication.id)
    ).all()
    return {key: number for key, number in rows}


def already_reason(number: int | None) -> str:
    """The skip reason for a post imported before."""
    return f"{ALREADY} (Issue {number})" if number else ALREADY


def plan(publication: Publication, import_: BackIssueImport) -> Plan:
    """What running `import_` would do now (reads the stored file; writes nothing)."""
    posts = read_posts(import_.source_format, import_.content, publication)
    known = imported_keys(publication)
    number = publication.last_issue_number
    rows = []
    for post in posts:
        if post.skip_reason:
            rows.append(Planned(post, None, post.skip_reason))
        elif post.source_key in known:
            rows.append(Planned(post, None, already_reason(known[post.source_key])))
        else:
            number += 1
            rows.append(Planned(post, number, None))
    return Plan(rows)
