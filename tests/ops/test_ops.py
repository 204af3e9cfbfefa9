"""The ops console: operators only, tenant health, suspension, queues, audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.core.extensions import db
from saas.ops.models import OpsAuditEntry
from saas.publishing.models import Publication
from tests.conftest import csrf_token, login


@pytest.fixture()
def operator_client(app, factories):
    factories.user(email="op@tend.example", name="Operator")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ops", "grant", "op@tend.example"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    login(client, "op@tend.example")
    return client


def _ops_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("ops.")]


def test_everyone_but_operators_gets_404_on_every_ops_route(app, client, factories):
    factories.user(email="p@example.com")
    anonymous = app.test_client()
    login(client, "p@example.com")
    token = csrf_token(client, "/dashboard/new")
    for rule in _ops_rules(app):
        values = {
            arg: 1 if arg.endswith("_id") and arg != "job_id" else "x" for arg in rule.arguments
        }
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for who in (anonymous, client):
                response = who.open(url, method=method, data={"csrf_token": token})
                assert response.status_code == 404, (method, url)


def test_grant_for_unknown_email_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["ops", "grant", "nobody@example.com"])
    assert result.exit_code != 0 and "No account" in result.output


def test_tenants_page_shows_counts_and_flags_complaints(app, operator_client, factories):
    pub = factories.publication(slug="noisy", name="Noisy Letters")
    for _ in range(3):
        factories.subscriber(pub)
    factories.subscriber(pub, status="complained")
    html = operator_client.get("/ops/").get_data(as_text=True)
    assert "Noisy Letters" in html
    row = html.split("Noisy Letters")[1].split("</tr>")[0]
    assert '<td class="num">3</td>' in row  # active readers


def test_suspend_takes_public_pages_down_and_owner_sees_why(app, operator_client, factories):
    owner = factories.user(email="owner@example.com")
    pub = factories.publication(owner=owner, slug="paused", name="Paused")
    issue = factories.issue(pub, publish=True)
    token = csrf_token(operator_client, "/ops/")
    missing_reason = operator_client.post(
        f"/ops/publications/{pub.id}/suspend", data={"csrf_token": token}
    )
    assert missing_reason.status_code == 302
    with app.app_context():
        assert db.session.get(Publication, pub.id).suspended_at is None
    response = operator_client.post(
        f"/ops/publications/{pub.id}/suspend", data={"csrf_token": token, "reason": "Spam reports"}
    )
    assert response.status_code == 302
    reader = app.test_client()
    for url in [
        "/p/paused/",
        f"/p/paused/issues/{issue.slug}",
        "/p/paused/subscribe",
        "/p/paused/feed.xml",
    ]:
        page = reader.get(url)
        assert page.status_code == 503, url
        assert "temporarily unavailable" in page.get_data(as_text=True)
    assert reader.post("/p/paused/subscribe", data={"email": "x@example.org"}).status_code == 503
    owner_client = app.test_client()
    login(owner_client, "owner@example.com")
    dashboard = owner_client.get("/dashboard/paused/issues").get_data(as_text=True)
    assert "is suspended" in dashboard and "Spam reports" in dashboard
    operator_client.post(f"/ops/publications/{pub.id}/unsuspend", data={"csrf_token": token})
    assert reader.get("/p/paused/").status_code == 200
    with app.app_context():
        actions = [
            e.action for e in db.session.scalars(select(OpsAuditEntry).order_by(OpsAuditEntry.id))
        ]
    assert actions == ["grant operator", "suspend", "unsuspend"]
    audit = operator_client.get("/ops/audit").get_data(as_text=True)
    assert "Spam reports" in audit and "op@tend.example" in audit


def test_queues_page_lists_failed_jobs_with_retry_and_delete(app, operator_client):
    from rq import Queue, SimpleWorker

    with app.app_context():
        from saas.core.queue import get_connection

        connection = get_connection()
        queue = Queue("default", connection=connection)
        job = queue.enqueue("tests.ops.test_ops.always_fails")
        SimpleWorker([queue], connection=connection).work(burst=True)
    html = operator_client.get("/ops/queues").get_data(as_text=True)
    assert "tests.ops.test_ops.always_fails" in html
    assert "private detail" not in html  # only the exception type is shown
    token = csrf_token(operator_client, "/dashboard/new")
    assert (
        operator_client.post(f"/ops/jobs/{job.id}/retry", data={"csrf_token": token}).status_code
        == 302
    )
    with app.app_context():
        SimpleWorker([queue], connection=connection).work(burst=True)
    assert (
        operator_client.post(f"/ops/jobs/{job.id}/delete", data={"csrf_token": token}).status_code
        == 302
    )
    assert (
        operator_client.post(f"/ops/jobs/{job.id}/delete", data={"csrf_token": token}).status_code
        == 404
    )
    assert "always_fails" not in operator_client.get("/ops/queues").get_data(as_text=True)


def always_fails() -> None:
    """A job that fails, for the queue console."""
    raise RuntimeError("private detail")


def test_console_never_shows_private_content(app, operator_client, factories):
    pub = factories.publication(slug="priv")
    factories.subscriber(pub, email="secret.reader@example.org")
    for url in ["/ops/", "/ops/queues", "/ops/audit"]:
        assert "secret.reader@example.org" not in operator_client.get(url).get_data(as_text=True)


def test_operators_find_how_to_turn_payments_on_in_the_console(app, operator_client):
    page = operator_client.get("/ops/payments").get_data(as_text=True)
    assert "Turning payments on" in page and "Off" in page
    for setting in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_CONNECT_WEBHOOK_SECRET"):
        assert f"<code>{setting}</code>" in page
    assert "STRIPE_PRICE_PRO_YEARLY" in page and "STRIPE_PRICE_STUDIO" in page
    assert "<code>http://localhost/billing/webhook</code>" in page  # on BASE_URL
    assert "<code>account.updated</code>" in page and "<code>invoice.paid</code>" in page
    assert 'href="/ops/payments"' in operator_client.get("/ops/").get_data(as_text=True)


def test_the_payments_page_says_which_settings_are_set_never_their_values(app, operator_client):
    saved = app.config["STRIPE_SECRET_KEY"], app.config["STRIPE_WEBHOOK_SECRET"]
    app.config.update(STRIPE_SECRET_KEY="sk_test_do_not_show", STRIPE_WEBHOOK_SECRET="whsec_x1")
    try:
        page = operator_client.get("/ops/payments").get_data(as_text=True)
    finally:
        app.config["STRIPE_SECRET_KEY"], app.config["STRIPE_WEBHOOK_SECRET"] = saved
    assert "How payments are set up" in page
    assert "sk_test_do_not_show" not in page and "whsec_x1" not in page

    def row(setting: str) -> str:
        return page.split(f"<tr><td><code>{setting}</code>")[1].split("</tr>")[0]

    assert "Set" in row("STRIPE_SECRET_KEY") and "Not set" not in row("STRIPE_SECRET_KEY")
    assert "Not set" in row("STRIPE_CONNECT_WEBHOOK_SECRET")
