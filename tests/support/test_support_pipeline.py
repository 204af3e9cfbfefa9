"""The practitioner works the pipeline: board, stages, notes, threaded answers, filters and
search, export, erasure, the form builder, stats, and who on the team may see any of it."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.support.models import SupportEvent, SupportRequest
from tests.conftest import csrf_token, login
from tests.support_helpers import MESSAGE, events_of, requests_of, text_of

OWNER = "maya@example.com"
READER = "robin@example.org"


@pytest.fixture()
def pub(factories):
    owner = factories.user(email=OWNER, name="Maya")
    return factories.publication(
        owner=owner, slug="calm", name="Calm Letters", author_name="Maya Lindqvist"
    )


@pytest.fixture()
def owner_client(client, pub):
    login(client, OWNER)
    return client


def _post(client, url: str, data: dict | None = None, **kw):
    token = csrf_token(client, "/dashboard/calm/support")
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kw)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_board_shows_new_requests_and_the_nav_counts_them(owner_client, pub, factories):
    factories.support_request(pub, name="Robin Reader", email=READER)
    factories.support_request(pub, name="Sam Seeker")
    html = owner_client.get("/dashboard/calm/support").get_data(as_text=True)
    assert "Robin Reader" in html and "Sam Seeker" in html
    assert re.search(r'>Support <span class="nav-count">2<span class="sr-only"> new', html)
    assert MESSAGE not in html  # the board never shows what readers wrote
    issues = owner_client.get("/dashboard/calm/issues").get_data(as_text=True)
    assert 'class="nav-count">2' in issues


def test_stage_moves_are_recorded_and_closing_sets_the_date(app, owner_client, pub, factories):
    row = factories.support_request(pub, email=READER)
    for stage in ("contacted", "booked", "closed"):
        response = _post(owner_client, f"/dashboard/calm/support/{row.id}/stage", {"stage": stage})
        assert response.status_code == 303
    [stored] = requests_of(app, pub)
    assert stored.stage == "closed" and stored.closed_at is not None
    details = [e.detail for e in events_of(app, pub, row.id) if e.kind == "stage"]
    assert details == ["New → Contacted", "Contacted → Booked", "Booked → Closed"]
    # Reopening clears the closing date; an unknown stage is refused.
    _post(owner_client, f"/dashboard/calm/support/{row.id}/stage", {"stage": "booked"})
    assert requests_of(app, pub)[0].closed_at is None
    bad = _post(owner_client, f"/dashboard/calm/support/{row.id}/stage", {"stage": "deleted"})
    assert bad.status_code == 400
    # From the board, a card's button moves it and comes back to the board.
    back = _post(
        owner_client,
        f"/dashboard/calm/support/{row.id}/stage",
        {"stage": "closed", "back": "board"},
    )
    assert back.headers["Location"].endswith("/dashboard/calm/support")


def test_private_notes_join_the_timeline_and_never_reach_the_reader(
    app, owner_client, pub, factories, mailbox
):
    row = factories.support_request(pub, email=READER)
    response = _post(
        owner_client,
        f"/dashboard/calm/support/{row.id}/notes",
        {"note": "Sounds like grief work; offer Thursday."},
    )
    assert response.status_code == 303
    detail = owner_client.get(f"/dashboard/calm/support/{row.id}").get_data(as_text=True)
    assert "Sounds like grief work; offer Thursday." in detail and "Maya" in detail
    [note] = [e for e in events_of(app, pub, row.id) if e.kind == "note"]
    assert note.body == "Sounds like grief work; offer Thursday."
    assert all("grief work" not in text_of(m) for m in mailbox.messages(READER))
    empty = _post(owner_client, f"/dashboard/calm/support/{row.id}/notes", {"note": ""})
    assert empty.status_code == 422 and "Write something first." in empty.get_data(as_text=True)


def test_answer_by_email_arrives_threaded_and_marks_the_request_contacted(
    app, owner_client, pub, factories, mailbox
):
    row = factories.support_request(pub, email=READER, name="Robin")
    [ack] = mailbox.messages(READER)
    first = "Dear Robin,\n\nThank you for writing. I have space on Thursdays.\n\nMaya"
    response = _post(owner_client, f"/dashboard/calm/support/{row.id}/answer", {"answer": first})
    assert response.status_code == 303
    second = "One more thing: the first session is free."
    _post(owner_client, f"/dashboard/calm/support/{row.id}/answer", {"answer": second})
    acked, answer, follow_up = mailbox.messages(READER)
    assert acked["Message-ID"] == ack["Message-ID"]
    assert answer["Subject"] == "Re: Your message to Maya Lindqvist"
    assert answer["In-Reply-To"] == ack["Message-ID"]
    assert answer["References"] == ack["Message-ID"]
    assert "I have space on Thursdays." in text_of(answer)
    assert "not monitored for emergencies" in text_of(answer)
    assert str(answer["Reply-To"]).endswith(f"<{OWNER}>")
    assert answer["Auto-Submitted"] is None
    assert follow_up["In-Reply-To"] == answer["Message-ID"]
    assert follow_up["References"].split() == [ack["Message-ID"], answer["Message-ID"]]
    [stored] = requests_of(app, pub)
    assert stored.stage == "contacted"
    emailed = [e for e in events_of(app, pub, row.id) if e.kind == "emailed"]
    assert [e.body for e in emailed] == [first, second]
    assert all(e.sent_at is not None for e in emailed)
    assert [e.message_id for e in emailed] == [answer["Message-ID"], follow_up["Message-ID"]]


def test_answer_job_run_twice_sends_once(app, owner_client, pub, factories, mailbox):
    from worker import jobs

    row = factories.support_request(pub, email=READER)
    _post(owner_client, f"/dashboard/calm/support/{row.id}/answer", {"answer": "Hello"})
    mailbox.messages()
    event = [e for e in events_of(app, pub, row.id) if e.kind == "emailed"][0]
    with app.app_context():
        assert jobs.send_support_answer(pub.id, event.id) is False
        assert jobs.send_support_acknowledgement(pub.id, row.id) is False
    assert len(mailbox.messages(READER)) == 2


def _seed(app, pub, factories):
    factories.issue(pub, title="One", publish=True)
    two = factories.issue(pub, title="Grief letter", publish=True)
    a = factories.support_request(
        pub,
        name="Ada",
        email="ada@example.org",
        message="Panic attacks at night",
        source_issue_number=2,
    )
    b = factories.support_request(
        pub, name="Bo", email="bo@example.org", message='=HYPERLINK("http://evil")'
    )
    c = factories.support_request(pub, name="Cy", email="cy@example.org", message="Couples work")
    with app.app_context(), bound_to(pub.id):
        old = db.session.get(SupportRequest, c.id)
        old.created_at = utcnow() - timedelta(days=40)
        db.session.commit()
    return a, b, c, two


def test_list_filters_by_stage_date_and_source_and_searches_decrypted_text(
    app, owner_client, pub, factories
):
    a, b, c, two = _seed(app, pub, factories)
    _post(owner_client, f"/dashboard/calm/support/{b.id}/stage", {"stage": "booked"})
    _post(owner_client, f"/dashboard/calm/support/{c.id}/notes", {"note": "prefers mornings"})

    def names(query: str) -> set[str]:
        html = owner_client.get(f"/dashboard/calm/support/list?{query}").get_data(as_text=True)
        return {n for n in ("Ada", "Bo", "Cy") if f">{n}</a>" in html}

    assert names("") == {"Ada", "Bo", "Cy"}
    assert names("stage=booked") == {"Bo"}
    assert names(f"source={two.number}") == {"Ada"}
    assert names("source=none") == {"Bo", "Cy"}
    since = (utcnow() - timedelta(days=7)).date().isoformat()
    assert names(f"date_from={since}") == {"Ada", "Bo"}
    assert names(f"date_to={since}") == {"Cy"}
    assert names("q=panic") == {"Ada"}  # message
    assert names("q=BO%40EXAMPLE") == {"Bo"}  # address, any case
    assert names("q=mornings") == {"Cy"}  # private note
    assert names("q=panic&stage=booked") == set()
    assert "Search reads through the 2,000 newest" in owner_client.get(
        "/dashboard/calm/support/list?q=x"
    ).get_data(as_text=True)


def test_the_list_comes_a_page_at_a_time_with_its_filters_kept(app, owner_client, pub, factories):
    for n in range(53):
        factories.support_request(
            pub, name=f"Asker {n:02d}", message="About sleep" if n % 2 else ""
        )
    with app.app_context(), bound_to(pub.id):  # oldest first: Asker 00 is the oldest
        for row in db.session.scalars(select(SupportRequest)):
            row.created_at = utcnow() - timedelta(minutes=100 - int(row.name.split()[1]))
        db.session.commit()

    def page(query: str) -> tuple[list[str], str]:
        html = owner_client.get(f"/dashboard/calm/support/list?{query}").get_data(as_text=True)
        return re.findall(r">(Asker \d+)</a>", html), html

    first, html = page("")
    assert first == [f"Asker {n:02d}" for n in range(52, 2, -1)]
    assert "Page 1 of 2 · 53 requests" in html and "page=2" in html
    assert page("page=2")[0] == ["Asker 02", "Asker 01", "Asker 00"]
    assert page("page=99")[0] == page("page=2")[0]  # past the end: the last page
    asleep, html = page("q=sleep")
    assert asleep == [f"Asker {n:02d}" for n in range(51, 0, -2)]  # 26 matches, one page
    assert "Page 1 of" not in html
    export = _post(owner_client, "/dashboard/calm/support/export.csv", {})
    assert len(_csv(export)) == 54, "the export holds every request, not a page"


def test_export_leaves_bodies_out_unless_asked(app, owner_client, pub, factories):
    a, b, c, _ = _seed(app, pub, factories)
    _post(owner_client, f"/dashboard/calm/support/{a.id}/notes", {"note": "call back Tuesday"})
    plain = _post(owner_client, "/dashboard/calm/support/export.csv", {})
    assert plain.status_code == 200 and plain.mimetype == "text/csv"
    assert "attachment" in plain.headers["Content-Disposition"]
    assert plain.headers["Cache-Control"] == "no-store"
    rows = _csv(plain)
    assert rows[0][:5] == ["id", "received", "stage", "name", "email"]
    assert "message" not in rows[0] and "private notes" not in rows[0]
    body = plain.get_data(as_text=True)
    assert (
        "Panic attacks" not in body and "call back Tuesday" not in body and "HYPERLINK" not in body
    )
    assert {r[3] for r in rows[1:]} == {"Ada", "Bo", "Cy"}
    full = _csv(
        _post(
            owner_client,
            "/dashboard/calm/support/export.csv",
            {"include_messages": "y", "include_notes": "y"},
        )
    )
    header = full[0]
    by_name = {r[3]: dict(zip(header, r, strict=True)) for r in full[1:]}
    assert by_name["Ada"]["message"] == "Panic attacks at night"
    assert by_name["Ada"]["private notes"] == "call back Tuesday"
    assert by_name["Ada"]["source issue"] == "2"
    assert by_name["Ada"]["source issue title"] == "Grief letter"
    assert by_name["Bo"]["message"] == '\'=HYPERLINK("http://evil")'  # never a formula
    # The export follows the list's filters.
    only_ada = _csv(_post(owner_client, "/dashboard/calm/support/export.csv", {"q": "panic"}))
    assert [r[3] for r in only_ada[1:]] == ["Ada"]


def test_delete_erases_the_request_its_timeline_and_optionally_the_readers_others(
    app, owner_client, pub, factories, mailbox
):
    first = factories.support_request(pub, email=READER, message="first time")
    second = factories.support_request(pub, email="Robin@Example.org", message="second time")
    other = factories.support_request(pub, email="someone@example.org")
    _post(owner_client, f"/dashboard/calm/support/{first.id}/notes", {"note": "note"})
    detail = owner_client.get(f"/dashboard/calm/support/{first.id}").get_data(as_text=True)
    assert "Other requests from this address" in detail
    response = _post(owner_client, f"/dashboard/calm/support/{first.id}/delete")
    assert response.status_code == 303
    assert {r.id for r in requests_of(app, pub)} == {second.id, other.id}
    with app.app_context(), bound_to(pub.id):
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(SupportEvent)
                .where(SupportEvent.request_id == first.id)
            )
            == 0
        )
    assert owner_client.get(f"/dashboard/calm/support/{first.id}").status_code == 404
    _post(owner_client, f"/dashboard/calm/support/{second.id}/delete", {"also_same_address": "y"})
    assert {r.id for r in requests_of(app, pub)} == {other.id}


def test_owner_builds_the_form_and_readers_see_it(app, owner_client, client, pub):
    page = owner_client.get("/dashboard/calm/support/settings")
    assert page.status_code == 200 and "data-tend-embed=" in page.get_data(as_text=True)
    data = {
        "enabled": "y",
        "heading": "Want to talk?",
        "intro": "Tell me what is on your mind.",
        "name_required": "",
        "phone_mode": "off",
        "message_label": "What is going on?",
        "consent_text": "You may keep my message.",
        "privacy_text": "Only I read these.",
        "crisis_text": "Call 112 in an emergency.",
        "response_time_text": "I answer within a week.",
        "confidential_mode": "y",
        "notify_email": "intake@example.com",
        "retention_months": "6",
        "questions-0-label": "Which service?",
        "questions-0-type": "single_choice",
        "questions-0-options": "Sessions\nRetreat\n",
        "questions-0-required": "y",
        "questions-0-position": "1",
        "questions-1-label": "",
        "questions-1-type": "short_text",
    }
    saved = _post(owner_client, "/dashboard/calm/support/settings", data)
    assert saved.status_code == 303
    reader_page = client.get("/p/calm/support").get_data(as_text=True)
    for text in (
        "Want to talk?",
        "Tell me what is on your mind.",
        "What is going on?",
        "You may keep my message.",
        "Call 112 in an emergency.",
        "Which service?",
        "Retreat",
        "Your name (optional)",
    ):
        assert text in reader_page, text
    assert 'name="phone"' not in reader_page
    # A choice question without options is refused with a clear message.
    broken = {**data, "questions-0-options": "Only one"}
    refused = _post(owner_client, "/dashboard/calm/support/settings", broken)
    assert refused.status_code == 422
    assert "at least two options" in refused.get_data(as_text=True)


def test_editors_see_support_only_when_an_owner_shares_it(app, client, pub, factories):
    from saas.publishing.models import Membership

    editor = factories.user(email="ed@example.com", name="Ed")
    with app.app_context():
        db.session.add(Membership(user_id=editor.id, publication_id=pub.id, role="editor"))
        db.session.commit()
    row = factories.support_request(pub, email=READER)
    login(client, "ed@example.com")
    assert client.get("/dashboard/calm/support").status_code == 403
    assert client.get(f"/dashboard/calm/support/{row.id}").status_code == 403
    assert ">Support" not in client.get("/dashboard/calm/issues").get_data(as_text=True)
    from tests.support_helpers import configure_form

    configure_form(app, pub, share_with_editors=True)
    assert client.get(f"/dashboard/calm/support/{row.id}").status_code == 200
    assert client.get("/dashboard/calm/support/settings").status_code == 403  # owners only


def test_stats_chart_counts_per_week_and_per_issue(app, owner_client, pub, factories):
    _seed(app, pub, factories)
    html = owner_client.get("/dashboard/calm/support/stats").get_data(as_text=True)
    assert html.count('<svg viewBox="0 0 640') == 2 and html.count("chart-narrow") == 2
    assert '<title id="weekly-title">Support requests per week, last 12 weeks</title>' in html
    assert "Issue 2: Grief letter: 1." in html  # in the chart's <desc>
    assert "Not from an issue (direct or embedded form)" in html
    assert html.count('class="bar"') == (12 + 2) * 2
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
