"""`flask demo` gives a newcomer a live site at once, and re-running it duplicates nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.tenancy import cross_tenant
from saas.models import (
    Delivery,
    Invitation,
    Issue,
    Membership,
    Publication,
    Reply,
    Send,
    Subscriber,
    SupportEvent,
    SupportRequest,
    User,
)
from saas.publishing.rendering import format_read_time_long
from tests.conftest import login

MODELS = (
    User,
    Publication,
    Membership,
    Invitation,
    Issue,
    Subscriber,
    Send,
    Delivery,
    Reply,
    SupportRequest,
    SupportEvent,
)


def _counts(app) -> dict[str, int]:
    with app.app_context(), cross_tenant():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in MODELS
        }


def _grouped(app, column) -> dict[str, int]:
    with app.app_context(), cross_tenant():
        return dict(db.session.execute(select(column, func.count()).group_by(column)).all())


def test_demo_creates_a_live_site_and_can_run_twice(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "demo@tend.localhost" in first.output and "Password:" in first.output
    counts = _counts(app)
    assert counts["User"] == 1 and counts["Publication"] == 1 and counts["Issue"] >= 5
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert _counts(app) == counts

    home = client.get("/p/steady-ground/")
    assert home.status_code == 200 and "Steady Ground" in home.get_data(as_text=True)
    assert "Issue 3" in home.get_data(as_text=True)
    login(client, "demo@tend.localhost", "tend-demo-password")
    issues = client.get("/dashboard/steady-ground/issues").get_data(as_text=True)
    assert "draft" in issues and "published" in issues


def test_demo_publication_has_a_history_worth_showing(app, client):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    counts = _counts(app)
    assert counts["Subscriber"] >= 300
    readers = _grouped(app, Subscriber.status)
    assert readers["active"] >= 250 and readers["unsubscribed"] >= 10 and readers["bounced"]
    with app.app_context(), cross_tenant():
        joined = db.session.scalars(select(Subscriber.created_at)).all()
        months = {(when.year, when.month) for when in joined}
        long_letter = db.session.scalar(select(Issue).order_by(Issue.read_seconds.desc()))
        send = db.session.scalar(select(Send))
    assert len(months) >= 6  # a growth history, not one afternoon of sign-ups

    # One letter of real length: about three and a half minutes, shaped like a real one.
    assert 200 <= long_letter.read_seconds <= 240
    for part in ("<h2>", "<blockquote>", "Need more support?", "reply to this email"):
        assert part in long_letter.body_html, part

    # Its send finished, with a delivery per reader: most sent, a few bounced or failed.
    assert send.issue_id == long_letter.id and send.status == "done"
    deliveries = _grouped(app, Delivery.status)
    assert sum(deliveries.values()) == send.total == counts["Delivery"]
    assert deliveries["sent"] > 200 and deliveries["bounced"] and deliveries["failed"]

    assert set(_grouped(app, Reply.status)) == {"public", "private"}
    assert {"new", "contacted", "booked", "closed"} <= set(_grouped(app, SupportRequest.stage))

    login(client, "demo@tend.localhost", "tend-demo-password")
    sends = client.get("/dashboard/steady-ground/sends").get_data(as_text=True)
    assert "Nothing sent yet" not in sends and long_letter.title in sends
    issues = client.get("/dashboard/steady-ground/issues").get_data(as_text=True)
    assert "Getting started" not in issues  # the demo practitioner is past the first hour
    page = client.get(f"/p/steady-ground/issues/{long_letter.slug}").get_data(as_text=True)
    assert format_read_time_long(long_letter.read_seconds) in page
