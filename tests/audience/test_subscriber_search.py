"""Searching the list: the start of an address, its domain or a name's words, at any size.

On PostgreSQL the app role works under row-level security, where only leakproof conditions
may use an index: the last test reads the plans to show that search and deep pages do.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, text

from saas.audience import subscriber_queries
from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from tests.conftest import USING_POSTGRES, login

READERS = {
    "mira.costa@posteo.de": "Mira Costa",
    "ana@example.org": "Ana de Souza",
    "bob.smith@gmail.com": "",
    "x_y%z@example.org": "Percent Person",
    "zoe@fastmail.com": "Zoë Émile",
}


@pytest.fixture()
def calm(app, factories, client):
    owner = factories.user(email="o@example.com")
    pub = factories.publication(owner=owner, slug="calm", name="Calm")
    for email, name in READERS.items():
        factories.subscriber(pub, email=email, name=name)
    login(client, "o@example.com")
    return pub


def found(client, term: str) -> list[str]:
    html = client.get("/dashboard/calm/subscribers", query_string={"q": term}).data.decode()
    return sorted(email for email in READERS if f">{email}</a>" in html.replace("&#37;", "%"))


@pytest.mark.parametrize(
    ("term", "emails"),
    [
        ("mira", ["mira.costa@posteo.de"]),  # the address and the name
        ("MIRA.C", ["mira.costa@posteo.de"]),
        ("costa", ["mira.costa@posteo.de"]),  # the name's second word
        ("de souza", ["ana@example.org"]),  # the name after its first word
        ("  Mira   Costa ", ["mira.costa@posteo.de"]),
        ("posteo.de", ["mira.costa@posteo.de"]),  # the domain
        ("@posteo", ["mira.costa@posteo.de"]),
        ("gmail", ["bob.smith@gmail.com"]),
        ("example.org", ["ana@example.org", "x_y%z@example.org"]),
        ("x_y%", ["x_y%z@example.org"]),  # _ and % are letters, not wildcards
        ("x%", []),
        ("%", []),
        ("osta", []),  # the middle of a word is not a start
        ("nobody", []),
    ],
)
def test_search_matches_the_start_of_addresses_domains_and_names(client, calm, term, emails):
    assert found(client, term) == emails


def test_names_fold_case_beyond_ascii_on_postgresql(client, calm):
    expected = ["zoe@fastmail.com"]
    assert found(client, "Zoë") == expected
    assert found(client, "émile") == (expected if USING_POSTGRES else [])  # SQLite: ASCII only


def _walkers(app, pub, count: int) -> None:
    start = utcnow() - timedelta(days=1)
    rows = [
        {
            "publication_id": pub.id,
            "email": f"walker{n:03d}@example.net",
            "name": f"Walker {n}",
            "status": "active",
            "source": "form",
            "consent_note": "",
            "imported": False,
            "hard_bounces": 0,
            "created_at": start + timedelta(seconds=n // 3),  # ties: the id decides
        }
        for n in range(count)
    ]
    with app.app_context(), bound_to(pub.id):
        db.session.execute(insert(Subscriber), rows)
        db.session.commit()


def test_search_results_page_through_without_gaps(app, client, calm):
    _walkers(app, calm, 120)
    seen: list[str] = []
    url = "/dashboard/calm/subscribers?q=walk"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r">(walker\d+@example\.net)</a>", html)
        after = re.search(r"after=([A-Za-z0-9_\-]+)", html)
        url = f"/dashboard/calm/subscribers?q=walk&after={after.group(1)}" if after else ""
    assert seen == [f"walker{n:03d}@example.net" for n in reversed(range(120))]


def _plans(app, pub, off=("seqscan",), **page_args) -> list[str]:
    """EXPLAIN, as the app role and with the plan kinds in `off` priced out, of every
    statement `list_page` runs on subscribers (a few rows: the planner would read them all)."""
    statements: list[tuple[str, dict]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM subscribers" in statement:
            statements.append((statement, parameters))

    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            subscriber_queries.list_page(publication, **page_args)
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        for kind in off:
            db.session.execute(text(f"SET LOCAL enable_{kind} = off"))
        connection = db.session.connection()
        return [
            "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql, params))
            for sql, params in statements
        ]


@pytest.mark.skipif(not USING_POSTGRES, reason="row-level security is PostgreSQL's")
def test_search_and_deep_pages_use_indexes_under_row_level_security(app, calm):
    from sqlalchemy import create_engine

    from tests.conftest import OWNER_URL

    _walkers(app, calm, 3000)
    owner = create_engine(OWNER_URL)
    with owner.begin() as connection:  # statistics, as autovacuum would gather them
        connection.execute(text("ANALYZE subscribers"))
    owner.dispose()
    # Reading the matches through the key indexes (the way for a rare term) is possible.
    (plan,) = _plans(app, calm, off=("seqscan", "indexscan"), search="costa")
    assert "Seq Scan" not in plan, plan
    for key in ("email", "email_domain", "name_key", "name_rest_key"):
        assert f"ix_subscribers_pub_{key}_pattern" in plan, plan
    assert "~>=~" in plan, "the prefix became a range the index answers"

    first = subscriber_queries.list_page
    with app.app_context(), bound_to(calm.id):
        cursor = first(db.session.get(Publication, calm.id), per_page=2).next_cursor
    for sort, index in (("newest", "ix_subscribers_pub_created"), ("email", "uq_subscribers")):
        (plan,) = _plans(app, calm, sort=sort, after=cursor if sort == "newest" else None)
        assert "Seq Scan" not in plan and index in plan, plan
    seek = re.compile(r"Index Cond: \(.*ROW\(created_at, id\) < ROW\(")
    (plan,) = _plans(app, calm, after=cursor)
    assert seek.search(plan), "the cursor starts the index scan, not a filter after it"
    (plan,) = _plans(app, calm, status="bounced", after=cursor)
    assert "Seq Scan" not in plan and seek.search(plan), plan
