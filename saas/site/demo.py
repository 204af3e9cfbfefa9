"""Demo data: one practitioner, one publication, a handful of issues. Safe to re-run."""

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
from saas.publishing import issues as issue_service
from saas.publishing import publications
from saas.publishing.models import Issue, Publication
from saas.publishing.rendering import slugify

DEMO_EMAIL = "demo@tend.localhost"
DEMO_PASSWORD = "tend-demo-password"  # noqa: S105  # nosec B105 (printed for newcomers on purpose)
DEMO_SLUG = "steady-ground"

SAMPLE_ISSUES = [
    (
        "The nervous system is not a light switch",
        "Why calm arrives slowly, and what to do in the meantime",
        """Most of the people I work with arrive hoping for a switch: something that turns
the anxiety off. I understand the wish. But the body does not work that way, and pretending
it does can make the waiting feel like failure.

## Think dimmer, not switch

Your nervous system moves through states gradually. After a hard conversation, the heart
rate stays up for a while even when the danger has passed. That is not a malfunction; it is
a system making sure the danger really has passed.

A few things help the dimmer move:

- **Longer exhales than inhales.** Four counts in, six counts out, for two minutes.
- **Orienting.** Let your eyes rest on five things in the room, slowly, one at a time.
- **Temperature.** Cool water on the wrists or the back of the neck.

None of these are magic. They are ways of telling the body, in its own language, that it can
stand down.

## This week's practice

Notice one moment each day when you feel a little *more* settled than the moment before.
Write it down. You are training yourself to see the dimmer moving.
""",
    ),
    (
        "What integration actually asks of us",
        "After the insight, the ordinary days",
        """An insight can arrive in an afternoon. Living it takes months.

People often tell me that the hardest part of any deep experience — a retreat, a ceremony,
a breakthrough in a session — is the Tuesday after. The dishes are still there. The
colleague is still difficult. And the clarity that felt permanent has faded to a memory.

## Three questions for the Tuesday after

1. What did I understand that I want to keep practising?
2. What one small, repeatable action expresses it?
3. Who will I tell, so I am not carrying it alone?

Integration is less a single event than a series of small agreements with yourself,
renewed often. Be patient with the renewals.

> "We do not learn from experience. We learn from reflecting on experience." — John Dewey
""",
    ),
    (
        "Rest is not a reward",
        "On giving yourself what you already need",
        """Many of us were taught to earn rest: finish the list, then sit down. The list never
ends, so neither does the tiredness.

Try an experiment this week. Schedule twenty minutes of rest *before* the work, not after.
Nothing productive, nothing improving. Lie on the floor if you like. See what happens to the
quality of the work that follows.

Rest is not the opposite of effort. It is part of what makes effort possible.
""",
    ),
    (
        "When the old pattern shows up again",
        "Relapse is information, not a verdict",
        """You have done months of work. Then, on an ordinary evening, the old reaction is back,
as strong as ever. It is easy to conclude that nothing has changed.

Something has. Notice how quickly you *recognised* the pattern this time. Notice whether you
came back to yourself sooner. Those are the measures that matter, and they move long before
the pattern disappears entirely.

If you would like to talk this through, reply to this email. I read every reply.
""",
    ),
]


DEMO_READERS = [
    ("june.harper@example.org", "June Harper"),
    ("tomas.reyes@example.org", "Tomás Reyes"),
    ("priya.nair@example.org", "Priya Nair"),
    ("sam.okoro@example.org", "Sam Okoro"),
    ("lena.vogel@example.org", "Lena Vogel"),
]
DEMO_REPLY = (
    "The dimmer image helped more than I expected. I tried the long exhale on the bus this "
    "morning and noticed my shoulders drop for the first time in weeks. Thank you."
)
DEMO_SUPPORT_MESSAGE = (
    "I have been reading your letters for a few months. The one about the nervous system "
    "described my evenings exactly. I think I would like to work with someone; do you have "
    "space for new clients this spring?"
)


def _seed_readers_replies_and_a_request(publication: Publication) -> None:
    """A small list, one public reply and one support request, so every page has life."""
    from saas.audience.models import ACTIVE, Subscriber
    from saas.replies import posting as replies
    from saas.support import form_settings as support_forms
    from saas.support import intake as support_intake
    from saas.support.models import SupportRequest

    if db.session.scalar(select(Subscriber.id).limit(1)) is not None:
        return
    readers = []
    for email, name in DEMO_READERS:
        reader = Subscriber(
            publication_id=publication.id,
            email=email,
            name=name,
            status=ACTIVE,
            source="form",
            confirmed_at=utcnow(),
            consent_note="Demo reader",
        )
        db.session.add(reader)
        readers.append(reader)
    db.session.commit()
    first_issue = db.session.scalar(select(Issue).where(Issue.number == 1))
    if first_issue is not None:
        replies.post_reply(publication, first_issue, readers[0], DEMO_REPLY)
    if db.session.scalar(select(SupportRequest.id).limit(1)) is None:
        support_intake.submit(
            publication,
            support_forms.get_form(publication),
            support_intake.Submission(
                email=readers[1].email,
                name=readers[1].name,
                message=DEMO_SUPPORT_MESSAGE,
                preferred_contact="email",
                source_issue_number=1,
            ),
        )


@dataclass(frozen=True)
class DemoResult:
    email: str
    password: str
    public_url: str
    login_url: str


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
        _seed_readers_replies_and_a_request(publication)
    return DemoResult(
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        public_url=publication_base_url(publication) + "/",
        login_url=external_url("auth.login"),
    )
