"""Demo data: one practitioner, one publication with months of history. Safe to re-run.

The account, publication and issues are made here; the readers, a finished send, replies and
support requests in saas.site.demo_history; the words in saas.site.demo_content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from saas.accounts.models import User
from saas.accounts.passwords import hash_password
from saas.core.extensions import db
from saas.core.links import external_url, publication_base_url
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.insights import rebuild
from saas.publishing import issues as issue_service
from saas.publishing import publications
from saas.publishing.models import Issue, Publication
from saas.publishing.offerings import catalogue as offering_catalogue
from saas.publishing.rendering import slugify
from saas.site import demo_history
from saas.site.demo_content import DEMO_OFFERINGS, LONG_LETTER_TITLE, SAMPLE_ISSUES

DEMO_EMAIL = "demo@tend.localhost"
DEMO_PASSWORD = "tend-demo-password"  # noqa: S105  # nosec B105 (printed for newcomers on purpose)
DEMO_SLUG = "steady-ground"


def _seed_history(publication: Publication, owner: User) -> None:
    """Readers, the long letter's finished send, replies and support requests."""
    by_slug = {issue.slug: issue for issue in db.session.scalars(select(Issue))}
    issues = [by_slug[slugify(title)] for title, _subtitle, _body in SAMPLE_ISSUES]
    readers = demo_history.seed_readers(publication)
    demo_history.seed_finished_send(publication, by_slug[slugify(LONG_LETTER_TITLE)], readers)
    demo_history.seed_replies(publication, issues, readers, owner)
    demo_history.seed_support_requests(publication, readers, owner)
    demo_history.seed_setup(publication, owner)
    demo_history.seed_page_views(publication, issues)
    # The growth chart and issue reports are counted from the history just seeded.
    rebuild.rebuild_publication(publication.id)


@dataclass(frozen=True)
class DemoResult:
    email: str
    password: str
    public_url: str
    login_url: str


def _seed_offerings(publication: Publication) -> None:
    """The "ways I can help" closing every demo issue (left alone once there are any)."""
    if offering_catalogue.list_offerings(publication):
        return
    offering_catalogue.save_block(
        publication,
        "Ways I can help",
        "If you feel you would like some extra support, here is what I offer:",
    )
    for fields in DEMO_OFFERINGS:
        offering_catalogue.add(publication, offering_catalogue.OfferingFields(*fields))


def seed_demo() -> DemoResult:
    """Create the demo account, publication and issues if they do not exist yet."""
    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = User(
            email=DEMO_EMAIL,
            name="Maya Okafor",
            password_hash=hash_password(DEMO_PASSWORD),
            email_confirmed=True,
        )
        db.session.add(user)
        db.session.commit()
    publication = db.session.scalar(select(Publication).where(Publication.slug == DEMO_SLUG))
    if publication is None:
        publication = publications.create_publication(
            user,
            slug=DEMO_SLUG,
            name="Steady Ground",
            tagline="Letters on anxiety, rest and the slow work of change",
            about=(
                "I am a somatic therapist. Every other week I write about the body, the "
                "nervous system and the small practices that help people feel more at home "
                "in themselves. Reply any time: I read every message."
            ),
            author_name="Maya Okafor",
            sign_off="With care, Maya",
            accent_color="#2f6f5e",
            timezone="Europe/London",
        )
    with bound_to(publication.id):
        existing = set(db.session.scalars(select(Issue.slug)))
        start = utcnow() - timedelta(days=14 * len(SAMPLE_ISSUES))
        for index, (title, subtitle, body) in enumerate(SAMPLE_ISSUES):
            issue = (
                issue_service.create_issue(
                    publication,
                    title=title,
                    subtitle=subtitle,
                    body_markdown=body,
                    seo_description=subtitle,
                )
                if slugify(title) not in existing
                else None
            )
            if issue is None:
                continue
            if index < len(SAMPLE_ISSUES) - 1:
                issue.published_at = start + timedelta(days=14 * index)
                issue_service.publish_issue(publication, issue.id)
        _seed_history(publication, user)
        _seed_offerings(publication)
    return DemoResult(
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        public_url=publication_base_url(publication) + "/",
        login_url=external_url("auth.login"),
    )
