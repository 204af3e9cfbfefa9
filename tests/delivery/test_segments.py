"""A send goes to exactly the readers of its segment: as many as the send form counted, kept
on the send's record, and the same segment again for readers who join later."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from saas.audience import tags
from saas.audience.models import Subscriber
from saas.billing.models import ReaderSubscription
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.delivery import segments, sending
from saas.delivery.models import Delivery, Send
from saas.publishing.models import Issue, Publication
from tests.conftest import drain_jobs, login, post_form

JAN = datetime(2026, 1, 15, 12, tzinfo=UTC)
MAR = datetime(2026, 3, 15, 12, tzinfo=UTC)


def _reader(app, factories, pub, email, tag_names=(), paid=None, **kw):
    reader = factories.subscriber(pub, email=email, **kw)
    with app.app_context(), bound_to(pub.id):
        row = db.session.get(Subscriber, reader.id)
        if tag_names:
            tags.add_tags(db.session.get(Publication, pub.id), row, list(tag_names))
        if paid is not None:
            status, failed_days_ago = paid
            db.session.add(
                ReaderSubscription(
                    publication_id=pub.id,
                    subscriber_id=row.id,
                    stripe_account_id="acct_test",
                    stripe_customer_id=f"cus_{row.id}",
                    stripe_subscription_id=f"sub_{row.id}",
                    status=status,
                    payment_failed_at=(
                        None if failed_days_ago is None else utcnow() - timedelta(failed_days_ago)
                    ),
                )
            )
            db.session.commit()
    return reader


@pytest.fixture()
def readers(app, factories, client):
    """Maya's list: tagged, paid and free, joined in January or March, by form or import."""
    owner = factories.user(email="maya@example.com", name="Maya Lin")
    pub = factories.publication(owner=owner, slug="letters", name="Calm Letters")
    _reader(
        app,
        factories,
        pub,
        "ada@example.org",
        ["retreat", "yoga"],
        ("active", None),
        created_at=JAN,
        source="form",
    )
    _reader(
        app,
        factories,
        pub,
        "bo@example.org",
        ["retreat"],
        ("past_due", 2),
        created_at=MAR,
        source="embed",
    )
    _reader(
        app,
        factories,
        pub,
        "cy@example.org",
        ["yoga"],
        ("past_due", 60),
        created_at=MAR,
        source="import",
    )
    _reader(
        app,
        factories,
        pub,
        "di@example.org",
        [],
        ("canceled", None),
        created_at=JAN,
        source="import",
    )
    _reader(
        app, factories, pub, "ed@example.org", ["retreat", "yoga"], created_at=MAR, source="manual"
    )
    # Never mailed, whatever the segment: not active.
    _reader(app, factories, pub, "pending@example.org", ["retreat"], status="pending")
    _reader(
        app,
        factories,
        pub,
        "gone@example.org",
        ["retreat"],
        ("active", None),
        status="unsubscribed",
    )
    login(client, "maya@example.com")
    return pub


def _issue(factories, pub, title="On slowing down"):
    return factories.issue(pub, title=title, body_markdown="Breathe in.")


def _recipients(app, pub, send_id) -> set[str]:
    drain_jobs(app)
    with app.app_context(), bound_to(pub.id):
        return set(db.session.scalars(select(Delivery.email).where(Delivery.send_id == send_id)))


CASES = [
    ({}, {"ada", "bo", "cy", "di", "ed"}),
    # bo is past due but within the grace period; cy's grace ran out; di cancelled.
    ({"paid": "paid"}, {"ada", "bo"}),
    ({"paid": "free"}, {"cy", "di", "ed"}),
    ({"tags_any": ["retreat"]}, {"ada", "bo", "ed"}),
    ({"tags_any": ["RETREAT", "yoga"]}, {"ada", "bo", "cy", "ed"}),
    ({"tags_all": ["retreat", "yoga"]}, {"ada", "ed"}),
    ({"tags_none": ["yoga"]}, {"bo", "di"}),
    ({"joined_after": "2026-02-01"}, {"bo", "cy", "ed"}),
    ({"joined_before": "2026-02-01"}, {"ada", "di"}),
    ({"sources": ["import", "manual"]}, {"cy", "di", "ed"}),
    ({"paid": "free", "tags_any": ["yoga"], "joined_after": "2026-02-01"}, {"cy", "ed"}),
]


@pytest.mark.parametrize(("definition", "expected"), CASES)
def test_the_counted_segment_is_exactly_who_gets_the_issue(
    app, factories, readers, definition, expected
):
    pub = readers
    issue = _issue(factories, pub)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        segment = segments.Segment.model_validate(definition)
        counted = segments.count(publication, segment)
        send = sending.send_now(publication, db.session.get(Issue, issue.id), segment)
        send_id = send.id
    got = _recipients(app, pub, send_id)
    assert got == {f"{name}@example.org" for name in expected}
    assert counted == len(got)
    with app.app_context(), bound_to(pub.id):
        send = db.session.get(Send, send_id)
        assert send.total == counted
        assert segments.from_stored(send.segment) == segment


def test_the_send_form_sends_to_the_segment_and_the_record_says_who_it_was_for(
    app, client, factories, readers, mailbox
):
    pub = readers
    issue = _issue(factories, pub)
    editor = f"/dashboard/{pub.slug}/issues/{issue.id}"
    page = client.get(editor).get_data(as_text=True)
    assert 'name="tags_any" value="retreat"' in page and "Who gets it:" in page
    response = post_form(
        client, editor + "/send", {"paid": "paid", "tags_any": ["retreat"]}, token_from=editor
    )
    assert response.status_code == 303
    status_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Paid readers · tagged any of: retreat" in status_page
    drain_jobs(app)
    received = sorted(str(m["To"]).rsplit("<", 1)[-1].strip(">") for m in mailbox.messages())
    assert received == ["ada@example.org", "bo@example.org"]
    with app.app_context(), bound_to(pub.id):
        send = db.session.scalar(select(Send))
        assert send.segment == {"paid": "paid", "tags_any": ["retreat"]}


def test_a_segment_nobody_is_in_is_refused_like_an_empty_list(
    app, client, factories, readers, mailbox
):
    pub = readers
    issue = _issue(factories, pub)
    editor = f"/dashboard/{pub.slug}/issues/{issue.id}"
    response = post_form(
        client,
        editor + "/send",
        {"tags_all": ["retreat"], "sources": ["import"]},
        token_from=editor,
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(editor)
    page = client.get(editor).get_data(as_text=True)
    assert "Nobody to send to: no active reader is in this segment." in page
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(Send)) is None
        assert not db.session.get(Issue, issue.id).is_published  # nothing half done
    assert mailbox.messages() == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tags_any": ["no-such-tag"]}, "There is no tag named “no-such-tag”."),
        (
            {"joined_after": "2026-05-01", "joined_before": "2026-04-01"},
            "must come after the “on or after” day",
        ),
        ({"joined_after": "last tuesday"}, "valid date"),
        ({"paid": "rich"}, "Input should be"),
        ({"sources": ["carrier-pigeon"]}, "Input should be"),
    ],
)
def test_a_bad_segment_is_a_message_not_a_send(app, client, factories, readers, fields, message):
    pub = readers
    issue = _issue(factories, pub)
    editor = f"/dashboard/{pub.slug}/issues/{issue.id}"
    for action in ("/send", "/send/schedule"):
        data = {**fields, "send_at": (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}
        response = post_form(client, editor + action, data, token_from=editor)
        assert response.status_code == 303
        assert message in client.get(editor).get_data(as_text=True)
    counted = client.get(
        editor + "/segment-count", query_string=fields, headers={"Accept": "application/json"}
    )
    assert counted.status_code == 422 and message in counted.get_json()["error"]
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(Send)) is None


def test_the_count_answers_live_and_without_script(app, client, factories, readers):
    pub = readers
    issue = _issue(factories, pub)
    editor = f"/dashboard/{pub.slug}/issues/{issue.id}"
    url = editor + "/segment-count"
    query = {"tags_any": ["retreat"], "paid": "free"}
    answer = client.get(url, query_string=query, headers={"Accept": "application/json"})
    assert answer.get_json() == {
        "count": 1,
        "description": "Free readers · tagged any of: retreat",
    }

    # The form's "Count" button, no script: back to the editor with the segment and its count.
    response = client.get(url, query_string={**query, "csrf_token": "abc"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "csrf_token" not in location and location.endswith("#send-heading")
    page = client.get(location).get_data(as_text=True)
    assert "to 1 reader in this segment" in page
    assert 'name="tags_any" value="retreat" checked' in page
    assert 'name="paid" value="free" checked' in page
    assert '<details class="segment-picker" open>' in page


def test_new_readers_get_the_issue_only_if_they_are_in_its_segment(
    app, client, factories, readers, mailbox
):
    pub = readers
    issue = _issue(factories, pub)
    editor = f"/dashboard/{pub.slug}/issues/{issue.id}"
    post_form(client, editor + "/send", {"tags_any": ["retreat"]}, token_from=editor)
    drain_jobs(app)
    assert len(mailbox.messages()) == 3
    _reader(app, factories, pub, "fay@example.org", ["retreat"])
    _reader(app, factories, pub, "gus@example.org", ["yoga"])
    with app.app_context(), bound_to(pub.id):
        send = db.session.scalar(select(Send))
        assert sending.new_reader_count(db.session.get(Publication, pub.id), send) == 1
        send_id = send.id
    page = f"/dashboard/{pub.slug}/sends/{send_id}"
    assert "in the segment it was sent to" in client.get(page).get_data(as_text=True)
    post_form(client, page + "/new-readers", {}, token_from=page)
    got = _recipients(app, pub, send_id)
    assert got == {"ada@example.org", "bo@example.org", "ed@example.org", "fay@example.org"}
    addresses = [str(m["To"]) for m in mailbox.messages()]
    assert len(addresses) == len(set(addresses)) == 4  # nobody twice


def test_a_scheduled_send_keeps_its_segment_until_it_starts(app, factories, readers):
    pub = readers
    issue = _issue(factories, pub)
    when = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    segment = segments.Segment(joined_before=date(2026, 2, 1))
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        send_id = sending.schedule_send(
            publication, db.session.get(Issue, issue.id), when, segment
        ).id
    with app.app_context():
        assert sending.start_due_sends(now=when + timedelta(minutes=1)) == 1
    assert _recipients(app, pub, send_id) == {"ada@example.org", "di@example.org"}


def test_a_day_boundary_follows_the_publications_time_zone(app, factories, client):
    owner = factories.user(email="kai@example.com")
    pub = factories.publication(owner=owner, slug="tokyo", timezone="Asia/Tokyo")
    # 1 Feb 00:30 in Tokyo is still 31 Jan in UTC.
    _reader(
        app,
        factories,
        pub,
        "early@example.org",
        created_at=datetime(2026, 1, 31, 15, 30, tzinfo=UTC),
    )
    _reader(
        app,
        factories,
        pub,
        "late@example.org",
        created_at=datetime(2026, 1, 31, 14, 30, tzinfo=UTC),
    )
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        after = segments.Segment(joined_after=date(2026, 2, 1))
        assert segments.count(publication, after) == 1


def test_a_segment_saved_by_name_is_chosen_again_in_one_click(app, client, factories, readers):
    pub = readers
    issue = _issue(factories, pub)
    editor = f"/dashboard/{pub.slug}/issues/{issue.id}"
    fields = {"paid": "paid", "tags_any": ["retreat"]}
    saved = post_form(
        client,
        editor + "/segments/save",
        {**fields, "segment_name": " Paying  retreaters "},
        token_from=editor,
    )
    assert saved.status_code == 303 and "count=1" in saved.headers["Location"]
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved as “Paying retreaters”." in page and "to 2 readers in this segment" in page
    with app.app_context(), bound_to(pub.id):
        from saas.delivery.models import SavedSegment

        row = db.session.scalar(select(SavedSegment))
        assert row.definition == {"paid": "paid", "tags_any": ["retreat"]}
        saved_id = row.id
    assert f'<option value="{saved_id}">Paying retreaters</option>' in client.get(editor).get_data(
        as_text=True
    )

    used = client.get(editor + "/segment-count", query_string={"saved": saved_id, "load": "1"})
    page = client.get(used.headers["Location"]).get_data(as_text=True)
    assert 'name="tags_any" value="retreat" checked' in page and "to 2 readers" in page

    refused = post_form(
        client, editor + "/segments/save", {"segment_name": "", **fields}, token_from=editor
    )
    assert "Name the segment to save it." in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    post_form(
        client,
        editor + "/segments/save",
        {"segment_name": "x", "tags_all": ["nope"]},
        token_from=editor,
    )
    forgot = post_form(client, editor + "/segments/forget", {"saved": saved_id}, token_from=editor)
    assert "Saved segment forgotten." in client.get(forgot.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(SavedSegment)) is None  # nor the one with a bad tag


def test_another_publications_saved_segment_can_be_neither_used_nor_forgotten(
    app, client, factories, readers
):
    pub = readers
    other = factories.publication(slug="other")
    with app.app_context(), bound_to(other.id):
        from saas.delivery import saved_segments
        from saas.delivery.models import SavedSegment

        theirs = saved_segments.save(
            db.session.get(Publication, other.id), "Theirs", segments.Segment(paid="free")
        ).id
    editor = f"/dashboard/{pub.slug}/issues/{_issue(factories, pub).id}"
    used = client.get(editor + "/segment-count", query_string={"saved": theirs, "load": "1"})
    page = client.get(used.headers["Location"]).get_data(as_text=True)
    assert 'name="paid" value="free" checked' not in page
    forgot = post_form(client, editor + "/segments/forget", {"saved": theirs}, token_from=editor)
    assert "Choose a saved segment to forget." in client.get(forgot.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context(), bound_to(other.id):
        assert db.session.get(SavedSegment, theirs) is not None
