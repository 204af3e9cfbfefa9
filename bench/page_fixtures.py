"""What bench/pages.py serves: a publication with a long archive, readers, replies, a payer.

Everything is made through the real services (issues created and published, replies posted,
a reader paying), so numbers, rendered bodies, encrypted reply text and reading times are
what production would store. Issue MIDDLE is free to read and the one after it is for paid
subscribers; both carry threads of replies, and the paying reader wrote one of them.
"""

from __future__ import annotations

import random
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

ISSUES = 1_000
ISSUE_WORDS = 800
MIDDLE = ISSUES // 2  # the free issue the anonymous rows read
THREADS = 8  # replies opening a thread on each measured issue, each with ANSWERS answers
ANSWERS = 2
PAID_SENTENCE = "Only paying readers ever reach this sentence."


_WORDS = re.findall(
    r"\w+",
    "attention breath body calm care change client day ease edge feeling grief ground habit "
    "hope kindness language moment morning nervous night notice pace pattern practice "
    "presence question quiet reader repair rest rhythm safety season self session silence "
    "sleep slowness story stress support system tension therapy thought time trust voice "
    "waiting walk week work worry writing year",
)
_VERBS = re.findall(
    r"\w+",
    "asks changes holds invites keeps lets makes needs notices offers returns settles "
    "shapes softens teaches tells waits",
)
_OPENERS = (
    "Most weeks",
    "In my practice",
    "A reader wrote to me",
    "Over the years",
    "This morning",
    "When we slow down",
    "After a long session",
    "Often",
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 14))]
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    if rng.random() < 0.1:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.08:
        i = rng.randrange(len(words))
        words[i] = f"[{words[i]}](https://example.org/notes/{words[i].strip('*')})"
    verb = rng.choice(_VERBS)
    return f"{rng.choice(_OPENERS)}, the {words[0]} {verb} {' '.join(words[1:])}."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(4, 7)))


def issue_markdown(rng: random.Random, words: int = ISSUE_WORDS) -> str:
    """A plausible newsletter body: headings, paragraphs, a list, a quote, ~`words` long."""
    blocks: list[str] = [_paragraph(rng)]
    count = len(blocks[0].split())
    section = 0
    while count < words:
        roll = rng.random()
        if roll < 0.12:
            section += 1
            block = f"## {rng.choice(_WORDS).capitalize()} and {rng.choice(_WORDS)}"
        elif roll < 0.22:
            block = "\n".join(
                f"- {rng.choice(_WORDS).capitalize()} {' '.join(rng.sample(_WORDS, 5))}."
                for _ in range(rng.randint(3, 5))
            )
        elif roll < 0.28:
            block = f"> {_sentence(rng)}"
        else:
            block = _paragraph(rng)
        blocks.append(block)
        count += len(block.split())
    return "\n\n".join(blocks) + "\n"


def _title(rng: random.Random, taken: set[str]) -> str:
    while True:
        first, second = rng.sample(_WORDS, 2)
        title = rng.choice(
            (
                f"On {first} and {second}",
                f"What {first} asks of {second}",
                f"The {first} before the {second}",
                f"Notes on {first}",
                f"A small {first} practice",
            )
        )
        title = title if title not in taken else f"{title}, again ({len(taken)})"
        if title not in taken:
            taken.add(title)
            return title


def paid_markdown(rng: random.Random) -> str:
    """A paid issue: an opening paragraph anyone may read, the break, the rest."""
    body = issue_markdown(rng)
    opening, rest = body.split("\n\n", 1)
    return f"{opening}\n\n<!-- paywall -->\n\n{PAID_SENTENCE}\n\n{rest}"


@dataclass(frozen=True)
class Seeded:
    """What the rows are measured against."""

    slug: str
    free_issue: str
    paid_issue: str
    publication_id: int
    reader_id: int


def _thread(publication, issue, readers, rng) -> None:
    from saas.replies.posting import post_reply

    for n in range(THREADS):
        root = post_reply(publication, issue, readers[n % len(readers)], _paragraph(rng))
        for m in range(ANSWERS):
            post_reply(
                publication,
                issue,
                readers[(n + m + 1) % len(readers)],
                _sentence(rng),
                parent_id=root.id,
            )


def seed(database_url: str) -> Seeded:
    """Migrate and fill the database (as its owner); return what the rows ask for."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from saas import create_app
    from saas.accounts.models import User
    from saas.accounts.passwords import hash_password
    from saas.audience.models import Subscriber
    from saas.billing.models import ConnectedAccount, PaidTier, ReaderSubscription
    from saas.core.extensions import db
    from saas.core.model_base import utcnow
    from saas.core.tenancy import bound_to
    from saas.publishing import issues as issue_service
    from saas.publishing.publications import create_publication

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    rng = random.Random(1000)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        owner = User(
            name="Ada Bench",
            email="ada@bench.example",
            password_hash=hash_password(secrets.token_urlsafe(16)),
            email_confirmed=True,
        )
        db.session.add(owner)
        db.session.commit()
        publication = create_publication(
            owner,
            "steady-bench",
            name="Steady Bench",
            tagline="Notes on rest, attention and repair",
            author_name="Ada",
            sign_off="Until next week — Ada",
            reply_notifications="off",
        )
        taken: set[str] = set()
        measured = {}
        with bound_to(publication.id):
            for n in range(1, ISSUES + 1):
                paid = n == MIDDLE + 1
                issue = issue_service.create_issue(
                    publication,
                    title=_title(rng, taken),
                    subtitle=_sentence(rng).replace("*", "")[:200],
                    body_markdown=paid_markdown(rng) if paid else issue_markdown(rng),
                    audience="paid" if paid else "everyone",
                )
                issue_service.publish_issue(publication, issue.id)
                if n in (MIDDLE, MIDDLE + 1):
                    measured[n] = issue
            readers = []
            for n in range(1, 41):
                reader = Subscriber(
                    publication_id=publication.id,
                    email=f"reader{n}@bench.example",
                    name=f"Reader {n}",
                    status="active",
                    confirmed_at=utcnow(),
                )
                db.session.add(reader)
                readers.append(reader)
            db.session.add(
                ConnectedAccount(
                    publication_id=publication.id,
                    stripe_account_id="acct_bench",
                    charges_enabled=True,
                    payouts_enabled=True,
                    details_submitted=True,
                    default_currency="usd",
                )
            )
            tier = PaidTier(
                publication_id=publication.id,
                name="Supporter",
                description="Every issue in full",
                monthly_amount=500,
                yearly_amount=5000,
                stripe_product_id="prod_bench",
                stripe_monthly_price_id="price_bench_month",
                stripe_yearly_price_id="price_bench_year",
            )
            db.session.add(tier)
            db.session.commit()
            payer = readers[0]
            db.session.add(
                ReaderSubscription(
                    publication_id=publication.id,
                    subscriber_id=payer.id,
                    tier_id=tier.id,
                    stripe_account_id="acct_bench",
                    stripe_customer_id="cus_bench",
                    stripe_subscription_id="sub_bench",
                    status="active",
                    current_period_end=utcnow() + timedelta(days=30),
                )
            )
            db.session.commit()
            for issue in measured.values():
                _thread(publication, issue, readers, rng)
        # Spread publication dates over the past like a real weekly archive.
        db.session.execute(
            text(
                "UPDATE issues SET published_at = now() - (:n - number) * :week "
                "WHERE publication_id = :pub"
            ),
            {"n": ISSUES, "week": timedelta(days=7), "pub": publication.id},
        )
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        seeded = Seeded(
            publication.slug,
            measured[MIDDLE].slug,
            measured[MIDDLE + 1].slug,
            publication.id,
            payer.id,
        )
        db.session.remove()
        db.engine.dispose()
    print(f"seeded {ISSUES} issues in {time.perf_counter() - started:.1f}s", flush=True)
    return seeded


def reader_cookie(secret_key: str, seeded: Seeded) -> str:
    """The session cookie of the paying reader, signed in as the app signs it (with the CSRF
    token a browser would already hold)."""
    from saas import create_app

    app = create_app({"SECRET_KEY": secret_key, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    serializer = app.session_interface.get_signing_serializer(app)
    session = {
        "tend_readers": {str(seeded.publication_id): seeded.reader_id},
        "csrf_token": secrets.token_hex(20),
        "_permanent": True,
    }
    return serializer.dumps(session)
