"""Readers' replies are encrypted at rest: the database holds tokens, every screen still reads
the words, keys rotate, the inbox search still finds them, and migration 0009 converts the
rows already stored (and back)."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from saas.audience import subscribers
from saas.audience.models import Subscriber
from saas.audience.reader_links import reply_address
from saas.core.crypto import parse_keys
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from saas.replies import queries as reply_queries
from tests.conftest import USING_POSTGRES, login
from tests.reply_helpers import READER, issue_page, replies_of, setup  # noqa: F401  (fixtures)

WEB_WORDS = "Since the diagnosis I have been sleeping badly"
MAIL_WORDS = "My therapist suggested I stop the medication"
MAIL_SUBJECT = "About my panic attacks"


def _email_reply(app, pub, issue, reader) -> int:
    from saas.replies.inbound import receive_inbound

    with app.app_context():
        to = reply_address(pub, issue.id, reader.id)
        raw = (
            f"From: {reader.email}\r\nTo: {to}\r\nSubject: {MAIL_SUBJECT}\r\n"
            f"Message-ID: <enc@example.org>\r\n\r\n{MAIL_WORDS}\r\n"
        ).encode()
        result = receive_inbound(raw)
    assert result.outcome == "stored", result
    return result.reply_id


def _raw_rows(app, pub) -> list[tuple[int, str, str, str]]:
    with app.app_context(), bound_to(pub.id):
        return [
            tuple(row)
            for row in db.session.execute(
                text("SELECT id, body_text, body_html, subject FROM replies ORDER BY id")
            )
        ]


def _keys(app) -> list[str]:
    return parse_keys(app.config["SUPPORT_ENCRYPTION_KEYS"])


def test_the_database_holds_no_reply_text_and_every_screen_reads_it(app, setup, factories):
    pub, issue, reader = setup
    factories.reply(pub, issue, reader, WEB_WORDS)
    _email_reply(app, pub, issue, reader)
    rows = _raw_rows(app, pub)
    assert len(rows) == 2
    primary = Fernet(_keys(app)[0].encode())
    for _, *columns in rows:
        for token in columns:
            assert token.startswith("gAAAAA")  # a Fernet token, whatever it hides
            for secret in ("sleeping", "medication", "panic", "<p>"):
                assert secret not in token
            primary.decrypt(token.encode())
    # The ORM reads the words back ...
    web, mail = replies_of(app, pub)
    assert web.body_text == WEB_WORDS and web.body_html.strip() == f"<p>{WEB_WORDS}</p>"
    assert mail.body_text == MAIL_WORDS and mail.subject == MAIL_SUBJECT
    # ... and so does every screen: the public thread (public replies only), the inbox,
    # the reader's conversation, and the reader's data export.
    page = issue_page(app.test_client(), pub, issue)
    assert WEB_WORDS in page and MAIL_WORDS not in page
    owner = app.test_client()
    login(owner, "maya@example.com")
    inbox = owner.get("/dashboard/calm/inbox").get_data(as_text=True)
    assert WEB_WORDS in inbox and MAIL_WORDS in inbox
    talk = owner.get(f"/dashboard/calm/inbox/readers/{reader.id}").get_data(as_text=True)
    assert WEB_WORDS in talk and MAIL_WORDS in talk
    with app.app_context(), bound_to(pub.id):
        exported = subscribers.personal_data(
            db.session.get(Publication, pub.id), db.session.get(Subscriber, reader.id)
        )
    assert {r["text"] for r in exported["replies"]} == {WEB_WORDS, MAIL_WORDS}


def test_edits_and_erasure_store_tokens_too(app, setup, factories):
    pub, issue, reader = setup
    factories.reply(pub, issue, reader, WEB_WORDS)
    with app.app_context(), bound_to(pub.id):
        subscribers.erase(
            db.session.get(Publication, pub.id), db.session.get(Subscriber, reader.id)
        )
    [(_, body_text, body_html, subject)] = _raw_rows(app, pub)
    primary = Fernet(_keys(app)[0].encode())
    assert [primary.decrypt(t.encode()) for t in (body_text, body_html, subject)] == [b""] * 3


def test_inbox_search_matches_encrypted_text_in_a_bounded_window(
    app, setup, factories, monkeypatch
):
    pub, issue, reader = setup
    factories.reply(pub, issue, reader, "Oldest: about grief")
    factories.reply(pub, issue, reader, "Middle: about sleep")
    factories.reply(pub, issue, reader, "Newest: about SLEEP again")
    _email_reply(app, pub, issue, reader)
    owner = app.test_client()
    login(owner, "maya@example.com")

    def found(query: str) -> str:
        return owner.get(f"/dashboard/calm/inbox?q={query}").get_data(as_text=True)

    html = found("sleep")
    assert "Middle: about sleep" in html and "Newest: about SLEEP again" in html
    assert "grief" not in html and "searched" not in html.lower()
    assert MAIL_WORDS in found("panic")  # the subject is searched too
    assert "Oldest: about grief" in found("ada%40example")  # and the reader's address
    # A search reads only the newest SEARCH_WINDOW replies, and says so.
    monkeypatch.setattr(reply_queries, "SEARCH_WINDOW", 2)
    html = found("about")
    assert "grief" not in html and "sleep" not in html  # the two newest: mail, "Newest"
    assert "Newest: about SLEEP again" in html
    assert "a search reads only the newest 2 replies" in html


def test_rotating_the_key_reencrypts_replies(app, setup, factories):
    pub, issue, reader = setup
    factories.reply(pub, issue, reader, WEB_WORDS)
    _email_reply(app, pub, issue, reader)
    old_keys = _keys(app)
    saved_keys, saved_file = app.config["SUPPORT_ENCRYPTION_KEYS"], app.config["SUPPORT_KEYS_FILE"]
    app.config["SUPPORT_KEYS_FILE"] = ""  # as in production: nothing written to disk
    try:
        result = app.test_cli_runner().invoke(args=["rotate-key"])
        assert result.exit_code == 0, result.output
        new_keys = _keys(app)
        assert new_keys[1:] == old_keys
        for _, *tokens in _raw_rows(app, pub):
            for token in tokens:
                with pytest.raises(InvalidToken):
                    Fernet(old_keys[0].encode()).decrypt(token.encode())
                Fernet(new_keys[0].encode()).decrypt(token.encode())
        # The old keys can go: everything reads with the new one alone.
        app.config["SUPPORT_ENCRYPTION_KEYS"] = new_keys[0]
        web, mail = replies_of(app, pub)
        assert web.body_text == WEB_WORDS and mail.subject == MAIL_SUBJECT
        assert WEB_WORDS in issue_page(app.test_client(), pub, issue)
    finally:
        app.config["SUPPORT_ENCRYPTION_KEYS"] = saved_keys
        app.config["SUPPORT_KEYS_FILE"] = saved_file


def test_migration_0009_encrypts_existing_rows_and_its_downgrade_decrypts(
    app, setup, factories, monkeypatch
):
    pub, issue, reader = setup
    factories.reply(pub, issue, reader, WEB_WORDS)
    _email_reply(app, pub, issue, reader)
    # The migration reads the keys from the environment, as the app's config does.
    monkeypatch.setenv("SUPPORT_ENCRYPTION_KEYS", app.config["SUPPORT_ENCRYPTION_KEYS"])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # no pooled connection holds a lock on the table
        try:
            downgrade(revision="0008_merge_replies_billing")
            with bound_to(pub.id):
                plain = db.session.execute(
                    text("SELECT body_text, body_html, subject FROM replies ORDER BY id")
                ).all()
            db.session.remove()
        finally:
            upgrade()
            db.engine.dispose()
    if USING_POSTGRES:
        from tests.conftest import OWNER_URL
        from tests.pg_roles import grant_app

        grant_app(OWNER_URL)  # the re-added column is the app role's to read as well
    assert [(a, b.strip(), c) for a, b, c in plain] == [
        (WEB_WORDS, f"<p>{WEB_WORDS}</p>", ""),
        (MAIL_WORDS, f"<p>{MAIL_WORDS}</p>", MAIL_SUBJECT),
    ]
    for _, *tokens in _raw_rows(app, pub):
        assert all(t.startswith("gAAAAA") for t in tokens)
    web, mail = replies_of(app, pub)
    assert web.body_text == WEB_WORDS and mail.subject == MAIL_SUBJECT
    assert WEB_WORDS in issue_page(app.test_client(), pub, issue)


def test_reply_text_never_reaches_sentry_or_the_logs(app, setup, factories, caplog):
    pub, issue, reader = setup
    with caplog.at_level("DEBUG"):
        factories.reply(pub, issue, reader, WEB_WORDS)
        _email_reply(app, pub, issue, reader)
    # (The test SMTP sink's own "mail.log" debug lines show the practitioner's notification.)
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert "inbound reply" in logged
    for words in (WEB_WORDS, MAIL_WORDS, MAIL_SUBJECT):
        assert words not in logged
    from saas.core.scrubbing import scrub_exception_values

    event = {"exception": {"values": [{"type": "ValueError", "value": WEB_WORDS}]}}
    scrub_exception_values(event)
    assert WEB_WORDS not in str(event)
