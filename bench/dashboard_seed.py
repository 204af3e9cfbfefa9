"""Data for bench/dashboard.py: a publication with a million readers, made in SQL.

The practitioner, the publications and their memberships go through the app's own services;
everything counted in the hundreds of thousands is made by INSERT ... SELECT over
generate_series, as the database superuser with foreign-key checks off
(session_replication_role = replica), which is safe because every id comes from rows made
just before, and with the big tables' secondary indexes dropped and built again afterwards
(a build is several times cheaper than keeping an index up to date row by row). Triggers
are off too, so the readers' status counts are then rebuilt by the same repair the migration
runs (`saas.audience.status_counts.recount`): the counts the dashboard shows start exact.

What one publication gets (N readers, 1,000 issues by default):

- N readers spread over five years: 85% active, 5% pending, 7% unsubscribed, 2% bounced,
  1% complained; addresses first.lastNNN@<one of ten domains>, names "First Last";
- 12 tags on 30% of them, and a rare tag ("vip") on 100;
- 1,000 published issues of about 800 words, a week apart up to a week ago, and one draft; a
  send for each published issue, and the newest send's deliveries to every reader active at
  the time (the readers who joined in the week since are its "new readers");
- 20,000 replies from readers (encrypted like real ones) and 5,000 support requests.

A second publication gets N/10 readers, so every query also has another tenant's rows to
step over.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

# Fifty first names times fifty last names: 2,500 names, 400 readers each at a million.
# fmt: off
FIRST_NAMES = (
    "Ada", "Alan", "Alice", "Amara", "Ana", "Ben", "Bea", "Carla", "Chen", "Clara", "Dan", "Dana",
    "Eli", "Elena", "Emil", "Eva", "Farah", "Felix", "Grace", "Hana", "Ian", "Ines", "Ivan",
    "Jon", "Julia", "Kai", "Kim", "Lea", "Leo", "Lina", "Luca", "Maya", "Mei", "Mira", "Nadia",
    "Noah", "Nora", "Omar", "Otto", "Paula", "Ravi", "Rosa", "Sami", "Sara", "Tom", "Una", "Vera",
    "Wen", "Yara", "Zoe",
)
LAST_NAMES = (
    "Abbott", "Baker", "Bauer", "Castro", "Chen", "Costa", "Dubois", "Evans", "Fischer", "Garcia",
    "Gomez", "Hansen", "Ito", "Jansen", "Kaur", "Khan", "Klein", "Kowalski", "Larsen", "Lopez",
    "Martin", "Meyer", "Moreau", "Nagy", "Novak", "Okafor", "Olsen", "Patel", "Perez", "Quinn",
    "Rossi", "Russo", "Sato", "Schmidt", "Silva", "Smith", "Tanaka", "Torres", "Varga", "Vogel",
    "Walker", "Weber", "Wilson", "Wong", "Yilmaz", "Young", "Zhang", "Ziegler", "Adler", "Brandt",
)
# A third of the list on one domain, a tenth on each of the others.
DOMAINS = (
    "gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com", "fastmail.com",
    "proton.me", "icloud.com", "example.org", "posteo.de",
)
# fmt: on
TAGS = (
    "workshop",
    "retreat",
    "podcast",
    "clients",
    "colleagues",
    "press",
    "students",
    "trial",
    "newsletter-swap",
    "conference",
    "referral",
    "waitlist",
)
ISSUE_PARAGRAPH = (
    "Rest is not the absence of work but the presence of repair. When we stop, the body "
    "keeps count of what it carried, and the mind follows slowly, like a tide going out. "
    "This week I want to write about the small practices that make room for that repair: "
    "a walk without a destination, a meal without a screen, an hour with nothing owed. "
)


@dataclass(frozen=True)
class Seeded:
    """What the bench needs to find its pages."""

    slug: str
    publication_id: int
    owner_email: str
    owner_password: str
    latest_issue_id: int
    latest_send_id: int
    reader_id: int


def _array(values) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _readers_sql(count: int, offset: int) -> str:
    """Readers n = offset+1 .. offset+count for publication :pid, oldest first."""
    firsts, lasts, domains = _array(FIRST_NAMES), _array(LAST_NAMES), _array(DOMAINS)
    return f"""
    INSERT INTO subscribers (publication_id, email, name, status, source, consent_note,
        imported, hard_bounces, created_at, confirmed_at, unsubscribed_at, activated_at)
    SELECT %(pid)s,
        lower(f) || '.' || lower(l) || n || '@' || d, f || ' ' || l, s, 'import', '', true,
        CASE WHEN s = 'bounced' THEN 3 ELSE 0 END, at,
        CASE WHEN s <> 'pending' THEN at + interval '5 minutes' END,
        CASE WHEN s = 'unsubscribed' THEN at + interval '90 days' END,
        at + interval '5 minutes'
    FROM (
        SELECT n,
            ({firsts})[1 + (n * 7919) %% {len(FIRST_NAMES)}] AS f,
            ({lasts})[1 + ((n / {len(FIRST_NAMES)}) * 29) %% {len(LAST_NAMES)}] AS l,
            ({domains})[1 + (n * 31) %% {len(DOMAINS)}] AS d,
            CASE WHEN n %% 100 < 85 THEN 'active' WHEN n %% 100 < 90 THEN 'pending'
                 WHEN n %% 100 < 97 THEN 'unsubscribed' WHEN n %% 100 < 99 THEN 'bounced'
                 ELSE 'complained' END AS s,
            now() - interval '5 years' + (n - {offset}) * (interval '5 years' / {count}) AS at
        FROM generate_series({offset + 1}::bigint, {offset + count}) AS n
    ) AS generated
    """  # noqa: S608  (numbers and this module's constants)


_TAGS_SQL = """
    INSERT INTO subscriber_tags (publication_id, subscriber_id, tag_id)
    SELECT %(pid)s, s.id, (%(tag_ids)s::integer[])[1 + s.id %% %(tag_count)s]
    FROM subscribers AS s WHERE s.publication_id = %(pid)s AND s.id %% 10 < 3
"""
_RARE_TAG_SQL = """
    INSERT INTO subscriber_tags (publication_id, subscriber_id, tag_id)
    SELECT %(pid)s, s.id, %(tag_id)s FROM subscribers AS s
    WHERE s.publication_id = %(pid)s AND s.id %% (%(readers)s / 100) = 7
"""
_ISSUES_SQL = """
    INSERT INTO issues (publication_id, title, subtitle, slug, body_markdown, body_html,
        word_count, read_seconds, seo_description, cover_image_url, cover_image_alt, status,
        number, published_at, created_at, updated_at, audience)
    SELECT %(pid)s, 'Notes on rest and repair, part ' || n, 'A letter about slowing down',
        'notes-on-rest-' || n, repeat(%(paragraph)s || E'\n\n', 14) || 'Issue ' || n,
        repeat('<p>' || %(paragraph)s || '</p>', 14), 800, 240, '', '', '', 'published', n,
        now() - (%(issues)s - n + 1) * interval '7 days',
        now() - (%(issues)s - n + 1) * interval '7 days' - interval '2 days',
        now() - (%(issues)s - n + 1) * interval '7 days', 'everyone'
    FROM generate_series(1, %(issues)s) AS n
"""
_DRAFT_SQL = """
    INSERT INTO issues (publication_id, title, subtitle, slug, body_markdown, body_html,
        word_count, read_seconds, seo_description, cover_image_url, cover_image_alt, status,
        created_at, updated_at, audience)
    VALUES (%(pid)s, 'Next week: on boredom', '', 'on-boredom', %(paragraph)s, '', 60, 20,
        '', '', '', 'draft', now(), now(), 'everyone')
"""
_SENDS_SQL = """
    INSERT INTO sends (publication_id, issue_id, status, started_at, finished_at, total,
        created_at)
    SELECT %(pid)s, i.id, 'done', i.published_at, i.published_at + interval '2 hours',
        %(active)s, i.published_at
    FROM issues AS i WHERE i.publication_id = %(pid)s AND i.status = 'published'
"""
_DELIVERIES_SQL = """
    INSERT INTO deliveries (publication_id, send_id, issue_id, subscriber_id, email, status,
        attempts, sent_at, message_id, smtp_response, error, deferrals, updated_at)
    SELECT %(pid)s, %(send_id)s, %(issue_id)s, s.id, s.email,
        CASE WHEN s.id %% 200 = 0 THEN 'bounced' WHEN s.id %% 500 = 1 THEN 'failed'
             ELSE 'sent' END,
        1, now(), '<' || s.id || '@bench>', '250 OK', '', 0, now()
    FROM subscribers AS s
    WHERE s.publication_id = %(pid)s AND s.status = 'active' AND s.activated_at < %(sent_at)s
"""
# What finish_if_complete keeps when a send is done.
_FINAL_COUNTS_SQL = """
    UPDATE sends SET final_counts = (
        SELECT json_object_agg(status, n) FROM (
            SELECT status, count(*) AS n FROM deliveries WHERE send_id = %(send_id)s
            GROUP BY status
        ) AS counts
    ) WHERE id = %(send_id)s
"""
_REPLIES_SQL = """
    INSERT INTO replies (publication_id, issue_id, subscriber_id, is_author, author_name,
        channel, status, body_text, body_html, subject, email_references,
        dropped_attachments, created_at, read_at)
    SELECT %(pid)s, i.id, s.id, false, s.name,
        CASE WHEN n %% 3 = 0 THEN 'email' ELSE 'web' END,
        CASE WHEN n %% 3 = 0 THEN 'private' ELSE 'public' END,
        %(body)s, %(body_html)s, %(subject)s, '', 0,
        i.published_at + (n %% 97) * interval '1 hour',
        CASE WHEN n %% 10 < 7 THEN i.published_at + interval '5 days' END
    FROM generate_series(1, %(replies)s) AS n
    JOIN issues AS i ON i.publication_id = %(pid)s AND i.number = %(issues)s - n %% 200
    JOIN subscribers AS s ON s.id = %(first_reader)s + n * 37
"""
_SUPPORT_SQL = """
    INSERT INTO support_requests (publication_id, stage, channel, name, email, phone,
        preferred_contact, message, answers, source_issue_number, subscribe_opt_in,
        consent_text, consent_given_at, ack_message_id, created_at, updated_at, closed_at)
    SELECT %(pid)s, st, 'page', %(name)s, %(email)s, NULL, 'email', %(message)s, %(answers)s,
        CASE WHEN n %% 4 = 0 THEN %(issues)s - n %% 50 END, false, 'I agree', at, '', at, at,
        CASE WHEN st = 'closed' THEN at + interval '3 days' END
    FROM (
        SELECT n, now() - n * interval '3 hours' AS at,
            CASE WHEN n %% 10 < 1 THEN 'new' WHEN n %% 10 < 2 THEN 'contacted'
                 WHEN n %% 10 < 3 THEN 'booked' WHEN n %% 10 < 9 THEN 'closed' ELSE 'spam' END
                 AS st
        FROM generate_series(1, %(requests)s) AS n
    ) AS generated
"""


def _publication(app, owner_email: str, password: str, slug: str, name: str) -> int:
    """The practitioner and a publication, through the app's services (as the app role)."""
    from sqlalchemy import select

    from saas.accounts.models import User
    from saas.accounts.passwords import hash_password
    from saas.core.extensions import db
    from saas.publishing.publications import create_publication

    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == owner_email))
        if owner is None:
            owner = User(
                name="Ada Bench",
                email=owner_email,
                password_hash=hash_password(password),
                email_confirmed=True,
            )
            db.session.add(owner)
            db.session.commit()
        publication_id = create_publication(owner, slug, name=name).id
        db.session.remove()
    return publication_id


def _ciphertexts(app) -> dict[str, str]:
    """Reply and support texts encrypted with the app's keys (one token, many rows)."""
    import json

    from saas.core.crypto import encrypt_text

    with app.app_context():
        return {
            "body": encrypt_text("Thank you for this. The part about walking stayed with me."),
            "body_html": encrypt_text("<p>Thank you for this.</p>"),
            "subject": encrypt_text("Re: Notes on rest and repair"),
            "name": encrypt_text("Mira Costa"),
            "email": encrypt_text("mira.costa@example.org"),
            "message": encrypt_text("I would like to talk about a session next month."),
            "answers": encrypt_text(json.dumps([])),
        }


def _drop_secondary_indexes(conn) -> list[str]:
    """Drop the indexes of the big tables that back no constraint; returns their DDL."""
    rows = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "AND tablename IN ('subscribers', 'subscriber_tags', 'deliveries') "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    ).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def _step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<34} {now - started:6.1f} s", flush=True)
    return now


def seed(app, admin_url: str, readers: int, issues: int) -> Seeded:
    """Fill the database `app` is connected to; `admin_url` is the superuser's URL."""
    import psycopg

    from saas.audience import status_counts
    from saas.core.extensions import db

    password = secrets.token_urlsafe(12)
    owner_email = "ada@bench.example"
    started = first = time.perf_counter()
    pid = _publication(app, owner_email, password, "steady-bench", "Steady Bench")
    other = _publication(app, owner_email, password, "other-bench", "Other Bench")
    texts = _ciphertexts(app)
    with psycopg.connect(admin_url, autocommit=False) as conn:
        conn.execute("SET session_replication_role = replica")
        indexes = _drop_secondary_indexes(conn)
        conn.execute(_readers_sql(readers, 0), {"pid": pid})
        conn.execute(_readers_sql(readers // 10, readers), {"pid": other})
        started = _step(f"{readers + readers // 10:,} readers", started)
        tag_ids = [
            conn.execute(
                "INSERT INTO tags (publication_id, name) VALUES (%s, %s) RETURNING id", (pid, tag)
            ).fetchone()[0]
            for tag in (*TAGS, "vip")
        ]
        params = {"pid": pid, "tag_ids": tag_ids[:-1], "tag_count": len(TAGS)}
        conn.execute(_TAGS_SQL, params)
        conn.execute(_RARE_TAG_SQL, {"pid": pid, "tag_id": tag_ids[-1], "readers": readers})
        started = _step("tags on 30% of them", started)
        params = {"pid": pid, "issues": issues, "paragraph": ISSUE_PARAGRAPH}
        conn.execute(_ISSUES_SQL, params)
        conn.execute(_DRAFT_SQL, params)
        conn.execute("UPDATE publications SET last_issue_number = %s WHERE id = %s", (issues, pid))
        active = conn.execute(
            "SELECT count(*) FROM subscribers WHERE publication_id = %s AND status = 'active'",
            (pid,),
        ).fetchone()[0]
        conn.execute(_SENDS_SQL, {"pid": pid, "active": active})
        latest_issue, latest_send, sent_at = conn.execute(
            "SELECT i.id, s.id, s.started_at FROM issues AS i JOIN sends AS s "
            "ON s.issue_id = i.id WHERE i.publication_id = %s ORDER BY i.number DESC LIMIT 1",
            (pid,),
        ).fetchone()
        started = _step(f"{issues:,} issues and their sends", started)
        params = {"pid": pid, "send_id": latest_send, "issue_id": latest_issue, "sent_at": sent_at}
        conn.execute(_DELIVERIES_SQL, params)
        conn.execute(_FINAL_COUNTS_SQL, params)
        started = _step("the last send's deliveries", started)
        first_reader = conn.execute(
            "SELECT min(id) FROM subscribers WHERE publication_id = %s", (pid,)
        ).fetchone()[0]
        params = {"pid": pid, "issues": issues, "replies": 20_000, "first_reader": first_reader}
        conn.execute(_REPLIES_SQL, {**params, **texts})
        conn.execute(_SUPPORT_SQL, {"pid": pid, "issues": issues, "requests": 5_000, **texts})
        started = _step("20,000 replies, 5,000 support requests", started)
        conn.execute("SET maintenance_work_mem = '256MB'")
        for definition in indexes:
            conn.execute(definition)
        started = _step(f"{len(indexes)} indexes built", started)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        started = _step("VACUUM ANALYZE", started)
    with app.app_context():
        status_counts.recount()
        db.session.remove()
    _step("status counters rebuilt (recount)", started)
    print(f"  {'seeded in':<34} {time.perf_counter() - first:6.1f} s", flush=True)
    return Seeded(
        slug="steady-bench",
        publication_id=pid,
        owner_email=owner_email,
        owner_password=password,
        latest_issue_id=latest_issue,
        latest_send_id=latest_send,
        reader_id=first_reader + readers // 2,
    )
