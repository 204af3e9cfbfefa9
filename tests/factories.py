"""Factories that build rows through the real services, so tests start from true states.

Each call runs in its own app context (as a separate request would) and returns the row
fully loaded but detached, so tests never share a session or `g` with the requests they make.
"""

from __future__ import annotations

import contextlib
import functools
import itertools

from saas.accounts.models import User
from saas.accounts.passwords import hash_password
from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.model_base import TenantScoped, utcnow
from saas.core.tenancy import bound_to
from saas.publishing import issues as issue_service
from saas.publishing import publications
from saas.publishing.models import Issue, Publication
from saas.support.models import SupportRequest

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def _in_own_context(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.app.app_context():
            row = method(self, *args, **kwargs)
            tenant = row.publication_id if isinstance(row, TenantScoped) else None
            # Reload inside the tenant: on PostgreSQL row-level security hides it otherwise.
            with bound_to(tenant) if tenant else contextlib.nullcontext():
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

    @_in_own_context
    def support_request(
        self, publication: Publication, email: str | None = None, message: str | None = None, **kw
    ) -> SupportRequest:
        """A reader's support request, submitted through the intake service (mail queued)."""
        from saas.support import form_settings as support_forms
        from saas.support import intake as support_intake

        n = next(_seq)
        publication = db.session.get(Publication, publication.id)
        with bound_to(publication.id):
            row = support_intake.submit(
                publication,
                support_forms.get_form(publication),
                support_intake.Submission(
                    email=(email or f"asker{n}@example.org").lower(),
                    message=message or "I would like to talk about what came up for me.",
                    name=kw.pop("name", f"Asker {n}"),
                    **kw,
                ),
            )
            db.session.refresh(row)
        return row

    @_in_own_context
    def reply(
        self,
        publication: Publication,
        issue: Issue,
        subscriber: Subscriber,
        text: str = "Thank you for this letter.",
        status: str | None = None,
        **kw,
    ):
        """A reader's web reply through the service; `status` overrides where it landed."""
        from saas.replies import posting as replies

        with bound_to(publication.id):
            row = replies.post_reply(
                db.session.get(Publication, publication.id),
                db.session.get(Issue, issue.id),
                db.session.get(Subscriber, subscriber.id),
                text,
                **kw,
            )
            if status is not None:
                row.status = status
                db.session.commit()
            db.session.refresh(row)
        return row

    @_in_own_context
    def paid_tier(self, publication: Publication, name: str = "Supporter", **kw):
        """A paid tier row with made-up Stripe ids (no Stripe call; see tests/billing_helpers
        for tiers made through Stripe)."""
        from saas.billing.models import PaidTier

        n = next(_seq)
        row = PaidTier(
            publication_id=publication.id,
            name=name,
            monthly_amount=kw.pop("monthly_amount", 500),
            yearly_amount=kw.pop("yearly_amount", 5000),
            stripe_product_id=kw.pop("stripe_product_id", f"prod_made_up_{n}"),
            stripe_monthly_price_id=f"price_made_up_{n}_month",
            stripe_yearly_price_id=f"price_made_up_{n}_year",
            **kw,
        )
        with bound_to(publication.id):
            db.session.add(row)
            db.session.commit()
            db.session.refresh(row)
        return row
