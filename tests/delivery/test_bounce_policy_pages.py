"""What the practitioner and the operator see of bounces and complaints, and what they can do:
rates on the send page and in /ops, complaints that pause a publication's sends until an
operator lifts the pause, a bounced reader put back with a confirmation, the platform list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import suppression
from saas.delivery.models import Send
from saas.ops.models import OpsAuditEntry
from tests.conftest import csrf_token, drain_jobs, login, post_form
from tests.delivery.bounce_helpers import (
    SECRET,
    history,
    post,
    reader,
    returned,
    send_issue,
)


@pytest.fixture()
def inbound(app):
    app.config["INBOUND_SECRET"] = SECRET
    yield
    app.config["INBOUND_SECRET"] = ""


@pytest.fixture()
def four_readers(app, factories, client, smtp_sink, inbound):
    owner = factories.user(email="maya@example.com", name="Maya Lin")
    pub = factories.publication(owner=owner, slug="letters", name="Calm Letters")
    for name in ("ada", "grace", "lin", "noor"):
        factories.subscriber(pub, email=f"{name}@example.org", name=name.title())
    issue = factories.issue(pub, title="On slowing down", publish=True)
    send_issue(app, pub, issue)
    drain_jobs(app)
    login(client, "maya@example.com")
    envelopes = {rcpts[0]: mail_from for mail_from, rcpts in smtp_sink.envelopes}
    return pub, envelopes


def _complain(client, envelopes, email: str):
    raw = returned("arf-aol-1.eml", envelopes[email], email, "ellie.k@aol.com")
    assert post(client, raw).json["result"] == "bounce"


def _send_id(app, pub) -> int:
    with app.app_context(), bound_to(pub.id):
        return db.session.scalar(select(Send.id))


@pytest.fixture()
def operator(app, factories):
    factories.user(email="op@tend.example", name="Operator")
    assert app.test_cli_runner().invoke(args=["ops", "grant", "op@tend.example"]).exit_code == 0
    op = app.test_client()
    login(op, "op@tend.example")
    return op


def test_send_page_shows_the_sends_bounce_and_complaint_rates(app, client, four_readers):
    pub, envelopes = four_readers
    raw = returned(
        "qmail-1.eml", envelopes["ada@example.org"], "ada@example.org", "lotte@qmail-host.example"
    )
    post(client, raw)
    _complain(client, envelopes, "grace@example.org")
    page = client.get(f"/dashboard/letters/sends/{_send_id(app, pub)}").get_data(as_text=True)
    card = page.split('id="bounce-rates"')[1]
    assert 'data-rate="hard">1 (25.0%)' in card
    assert 'data-rate="complaints">1 (25.00%)' in card
    assert "of 4 messages that reached a mail server" in card
    # Each recipient's row says what came back about them.
    grace_row = page.split("grace@example.org</td>")[1].split("</tr>")[0]
    assert 'data-returned="complaint"' in grace_row
    ada_row = page.split("ada@example.org</td>")[1].split("</tr>")[0]
    assert "status-delivery-bounced" in ada_row and "data-returned" not in ada_row
    # One complaint in four messages is 25%, but counted against the floor of 1,000
    # messages it is 0.1%: a warning, not a pause.
    assert "data-complaint-warning" not in page and "data-sending-hold" not in page


def test_complaints_over_the_pause_rate_hold_sends_until_an_operator_lifts_it(
    app, client, factories, four_readers, operator, smtp_sink
):
    pub, envelopes = four_readers
    app.config["COMPLAINT_RATE_FLOOR"] = 500
    try:
        _complain(client, envelopes, "ada@example.org")
        page = client.get(f"/dashboard/letters/sends/{_send_id(app, pub)}").get_data(as_text=True)
        assert "data-complaint-warning" in page and "data-sending-hold" not in page
        # 1 in (at least) 500 messages is 0.2%: a warning. 2 are 0.4%: over the pause rate.
        _complain(client, envelopes, "grace@example.org")
        page = client.get(f"/dashboard/letters/sends/{_send_id(app, pub)}").get_data(as_text=True)
        assert "data-sending-hold" in page

        smtp_sink.clear()
        issue = factories.issue(pub, title="Next", publish=False)
        editor = f"/dashboard/letters/issues/{issue.id}"
        response = post_form(client, editor + "/send", {}, editor)
        assert response.status_code == 303
        drain_jobs(app)
        assert smtp_sink.envelopes == []
        assert "Sending is paused" in client.get(editor).get_data(as_text=True)

        ops_page = operator.get("/ops/").get_data(as_text=True)
        row = ops_page.split("Calm Letters")[1].split("</tr>")[0]
        assert "sends paused" in row and "(2/4)" in row
        token = csrf_token(operator, "/ops/")
        assert (
            operator.post(
                f"/ops/publications/{pub.id}/lift-hold", data={"csrf_token": token}
            ).status_code
            == 302
        )
        with app.app_context():
            entry = db.session.scalar(select(OpsAuditEntry).order_by(OpsAuditEntry.id.desc()))
            assert entry.action == "lift sending hold"
        # Lifting a pause that is not there is a 404.
        again = operator.post(f"/ops/publications/{pub.id}/lift-hold", data={"csrf_token": token})
        assert again.status_code == 404

        # Counting starts again from the lift: the next send goes to the readers left.
        response = post_form(client, editor + "/send", {}, editor)
        drain_jobs(app)
        assert sorted(rcpts[0] for _, rcpts in smtp_sink.envelopes) == [
            "lin@example.org",
            "noor@example.org",
        ]
    finally:
        app.config["COMPLAINT_RATE_FLOOR"] = 5000


def test_a_bounced_reader_is_put_back_only_with_a_confirmation(app, client, four_readers):
    pub, envelopes = four_readers
    raw = returned(
        "exim-1.eml", envelopes["ada@example.org"], "ada@example.org", "paul@hebden-yoga.co.uk"
    )
    post(client, raw)
    ada = reader(app, pub, "ada@example.org")
    listing = client.get("/dashboard/letters/subscribers?status=bounced").get_data(as_text=True)
    assert "ada@example.org" in listing and "grace@example.org" not in listing
    detail_url = f"/dashboard/letters/subscribers/{ada.id}"
    detail = client.get(detail_url).get_data(as_text=True)
    assert "Suppressed: mail to this address bounced" in detail
    assert "hard bounce" in detail

    unsuppress = detail_url + "/unsuppress"
    post_form(client, unsuppress, {}, detail_url)
    assert reader(app, pub, "ada@example.org").status == "bounced"
    post_form(client, unsuppress, {"confirm": "yes"}, detail_url)
    assert reader(app, pub, "ada@example.org").status == "active"
    assert history(app, pub, ada.id)[-1][0] == "unsuppressed"
    # An active reader cannot be "put back".
    response = post_form(client, unsuppress, {"confirm": "yes"}, detail_url)
    assert "Only a reader suppressed for bouncing" in client.get(detail_url).get_data(as_text=True)
    assert response.status_code == 302


def test_operators_keep_the_platform_list(app, operator, factories, client):
    pub = factories.publication(slug="quiet", name="Quiet")
    factories.subscriber(pub, email="spamtrap@isp.example")
    token = csrf_token(operator, "/ops/suppressions")
    for bad in ("", "no-at-sign", "two words@x.example"):
        operator.post("/ops/suppressions", data={"csrf_token": token, "address": bad})
    with app.app_context():
        assert suppression.listing() == []
    operator.post(
        "/ops/suppressions",
        data={"csrf_token": token, "address": "Spamtrap@ISP.example", "note": "trap"},
    )
    page = operator.get("/ops/suppressions").get_data(as_text=True)
    assert "spamtrap@isp.example" in page and "trap" in page
    with app.app_context():
        [entry] = suppression.listing()
        assert suppression.entry_for("spamtrap@isp.example").id == entry.id
        entry_id = entry.id
    # Everyone else gets 404.
    assert client.get("/ops/suppressions").status_code == 404
    removed = operator.post(f"/ops/suppressions/{entry_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    with app.app_context():
        assert suppression.listing() == []
    gone = operator.post(f"/ops/suppressions/{entry_id}/remove", data={"csrf_token": token})
    assert gone.status_code == 404
