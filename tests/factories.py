"""Factories that build rows through the real services, so tests start from true states.

Each call runs in its own app context (as a separate request would) and returns the row
fully loaded but detached, so tests never share a session or `g` with the requests they make.
"""

from __future__ import annotations

import functools
import itertools

from saas.extensions import db
from saas.models.accounts import User
from saas.models.base import utcnow
from saas.models.issues import Issue
from saas.models.publications import Publication
from saas.models.subscribers import Subscriber
from saas.services import issues as issue_service
from saas.services import publications
from saas.services.passwords import hash_password
from saas.tenancy import bound_to

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def _in_own_context(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.app.app_context():
            row = method(self, *args, **kwargs)
            db.session.refresh(row)
            db.session.expunge(row)
            return row

    return wrapper


class Factories:
    """Create users, publications and issues through the services."""

    def __init__(self, app) -> None:
        self.app = app

    @_in_own_context
    def user(self, name: str | None = None, email: str | None = None, **kw) -> User:
        n = next(_seq)
        user = User(
            name=name or f"Practitioner {n}",
            email=(email or f"practitioner{n}@example.com").lower(),
            password_hash=hash_password(kw.pop("password", PASSWORD)),
            email_confirmed=kw.pop("email_confirmed", True),
            **kw,
        )
        db.session.add(user)
        db.session.commit()
        return user

    @_in_own_context
    def publication(self, owner: User | None = None, slug: str | None = None, **kw) -> Publication:
        n = next(_seq)
        owner_id = owner.id if owner is not None else self.user().id
        return publications.create_publication(
            db.session.get(User, owner_id),
            slug=slug or f"pub-{n}",
            name=kw.pop("name", f"Publication {n}"),
            **kw,
        )

    @_in_own_context
    def subscriber(
        self, publication: Publication, email: str | None = None, status: str = "active", **kw
    ) -> Subscriber:
        n = next(_seq)
        row = Subscriber(
            publication_id=publication.id,
            email=(email or f"reader{n}@example.org").lower(),
            name=kw.pop("name", f"Reader {n}"),
            status=status,
            confirmed_at=utcnow() if status == "active" else None,
            **kw,
        )
        with bound_to(publication.id):
            db.session.add(row)
            db.session.commit()
            db.session.refresh(row)
        return row

    @_in_own_context
    def issue(
        self, publication: Publication, title: str | None = None, publish: bool = False, **kw
    ) -> Issue:
        n = next(_seq)
        publication = db.session.get(Publication, publication.id)
        with bound_to(publication.id):
            issue = issue_service.create_issue(
                publication,
                title=title or f"Issue title {n}",
                body_markdown=kw.pop("body_markdown", "Some words for readers. " * 40),
                **kw,
            )
            if publish:
                issue_service.publish_issue(publication, issue.id)
            db.session.refresh(issue)
        return issue
