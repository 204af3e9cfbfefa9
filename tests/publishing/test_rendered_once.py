"""An issue body is rendered once, when it is saved: pages and feeds read what was stored."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.rendering import render_body
from tests.conftest import USING_POSTGRES

PAID_BODY = "The free opening.\n\n<!-- paywall -->\n\nOnly **paying** readers see this.\n"


def test_render_body_keeps_every_part_readers_are_shown():
    rendered = render_body(PAID_BODY)
    assert "<strong>paying</strong>" in rendered.html and "paywall" not in rendered.html
    assert rendered.preview_html == "<p>The free opening.</p>\n"
    assert rendered.text == "The free opening. Only paying readers see this."
    assert rendered.preview_text == "The free opening."
    assert rendered.word_count == len(PAID_BODY.split())
    assert rendered.read_seconds > 0
    plain = render_body("No break at all.")
    assert plain.preview_html == "" and plain.preview_text == ""


def test_saving_an_issue_stores_the_rendered_parts(app, factories):
    pub = factories.publication(slug="calm")
    issue = factories.issue(pub, body_markdown=PAID_BODY, audience="paid")
    assert issue.preview_html == "<p>The free opening.</p>\n"
    assert issue.body_text.endswith("Only paying readers see this.")
    assert issue.preview_text == "The free opening."


def test_migration_0015_renders_existing_issues(app, factories):
    pub = factories.publication(slug="calm")
    issue = factories.issue(pub, body_markdown=PAID_BODY, audience="paid", publish=True)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # no pooled connection holds a lock on the table
        try:
            downgrade(revision="0013_job_outbox")
        finally:
            upgrade()
            db.engine.dispose()
    if USING_POSTGRES:
        from tests.conftest import OWNER_URL
        from tests.pg_roles import grant_app

        grant_app(OWNER_URL)  # the re-added columns are the app role's to read as well
    with app.app_context(), bound_to(pub.id):
        row = db.session.execute(
            text("SELECT preview_html, body_text, preview_text FROM issues WHERE id = :id"),
            {"id": issue.id},
        ).one()
    assert row == (issue.preview_html, issue.body_text, issue.preview_text)
    assert row[0] == "<p>The free opening.</p>\n"
