"""A reader asks for support: from an issue page, the standalone page or the embed; the
acknowledgement, the practitioner's notification, and the newsletter box that stays unticked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.support import form_settings as support_forms
from saas.support.links import support_url
from tests.support_helpers import (
    MESSAGE,
    configure_form,
    events_of,
    html_of,
    reader_form,
    requests_of,
    send_support,
    text_of,
)

OWNER = "maya@example.com"


@pytest.fixture()
def pub(factories):
    owner = factories.user(email=OWNER, name="Maya")
    return factories.publication(
        owner=owner, slug="calm", name="Calm Letters", author_name="Maya Lindqvist"
    )


def test_issue_page_ends_with_need_more_support_linking_to_the_form(client, pub, factories):
    issue = factories.issue(pub, title="On grief", publish=True)
    html = client.get(f"/p/calm/issues/{issue.slug}").get_data(as_text=True)
    assert "Need more support?" in html
    assert f'href="/p/calm/support?from={issue.number}"' in html
    # The box comes after the article.
    assert html.index("</article>") < html.index("Need more support?")


def test_reader_from_an_issue_page_is_recorded_with_that_issue(app, client, pub, factories):
    factories.issue(pub, title="First", publish=True)
    second = factories.issue(pub, title="On grief", publish=True)
    page = client.get(f"/p/calm/support?from={second.number}")
    assert page.status_code == 200
    assert f'name="from_issue" type="hidden" value="{second.number}"' in page.get_data(as_text=True)
    response = send_support(client, app, pub, from_issue=str(second.number))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/p/calm/support/sent")
    [stored] = requests_of(app, pub)
    assert stored.source_issue_id == second.id and stored.source_issue_number == 2
    assert stored.message == MESSAGE and stored.stage == "new"
    assert stored.consent_given_at is not None and "Maya Lindqvist" in stored.consent_text
    kinds = [e.kind for e in events_of(app, pub, stored.id)]
    assert kinds[0] == "submitted"
    assert "from Issue 2" in events_of(app, pub, stored.id)[0].detail


def test_unknown_or_unpublished_issue_numbers_are_not_recorded(app, client, pub, factories):
    factories.issue(pub, title="Draft only")  # no number
    send_support(client, app, pub, from_issue="7")
    send_support(client, app, pub, email="b@example.org", from_issue="<script>")
    assert [r.source_issue_id for r in requests_of(app, pub)] == [None, None]


def test_thank_you_page_and_acknowledgement_promise_an_answer_and_name_crisis_lines(
    app, client, pub, mailbox
):
    response = send_support(client, app, pub, follow_redirects=False)
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your message has arrived" in thanks
    assert "You can expect an answer within two working days." in thanks
    assert "This form is not for emergencies" in thanks and "116 123" in thanks and "988" in thanks
    [ack] = mailbox.messages("robin@example.org")
    assert ack["Subject"] == "Your message to Maya Lindqvist"
    assert "Maya Lindqvist" in str(ack["From"])
    assert str(ack["Reply-To"]).endswith(f"<{OWNER}>")
    text = text_of(ack)
    assert "THIS FORM IS NOT FOR EMERGENCIES" in text
    assert "Samaritans on 116 123" in text and "call or text 988" in text
    assert "You can expect an answer within two working days." in text
    # The reader's own words are never echoed back (mailboxes are shared, phones get lost).
    assert "trouble sleeping" not in text and "trouble sleeping" not in html_of(ack)
    [stored] = requests_of(app, pub)
    assert ack["Message-ID"] == stored.ack_message_id


def test_practitioner_notification_in_confidential_mode_holds_no_content(app, client, pub, mailbox):
    send_support(client, app, pub, phone="+44 20 7946 0000")
    [note] = mailbox.messages(OWNER)
    assert note["Subject"] == "New support request · Calm Letters"
    body = text_of(note) + html_of(note)
    [stored] = requests_of(app, pub)
    assert f"/dashboard/calm/support/{stored.id}" in body
    for secret in ("trouble sleeping", "Robin", "robin@example.org", "7946"):
        assert secret not in body and secret not in str(note["Subject"]), secret
    assert note["Reply-To"] is None


def test_notification_outside_confidential_mode_carries_the_request(app, client, pub, mailbox):
    question = support_forms.build_custom_field(
        "", "single_choice", "Worked with me before?", "", True, "Yes\nNo"
    )
    [key] = configure_form(app, pub, confidential_mode=False, fields=[question])
    send_support(client, app, pub, **{f"q_{key}": "No"})
    [note] = mailbox.messages(OWNER)
    text = text_of(note)
    assert MESSAGE in text and "Robin Reader" in text and "robin@example.org" in text
    assert "Worked with me before?:\nNo\n" in text
    assert "robin@example.org" in str(note["Reply-To"])
    assert MESSAGE in html_of(note)


def test_newsletter_box_starts_unticked_and_request_never_joins_the_list_without_it(
    app, client, pub, mailbox
):
    html = client.get("/p/calm/support").get_data(as_text=True)
    box = html[html.index('name="subscribe"') - 80 : html.index('name="subscribe"') + 80]
    assert "checked" not in box
    send_support(client, app, pub)
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalars(select(Subscriber)).all() == []
    subjects = [m["Subject"] for m in mailbox.messages("robin@example.org")]
    assert subjects == ["Your message to Maya Lindqvist"]


def test_ticking_the_newsletter_box_starts_double_opt_in(app, client, pub, mailbox):
    send_support(client, app, pub, subscribe="y")
    with app.app_context(), bound_to(pub.id):
        reader = db.session.scalar(select(Subscriber))
    assert reader.email == "robin@example.org" and reader.status == "pending"
    assert reader.source == "support"
    subjects = sorted(m["Subject"] for m in mailbox.messages("robin@example.org"))
    assert subjects == [
        "Confirm your subscription to Calm Letters",
        "Your message to Maya Lindqvist",
    ]
    [stored] = requests_of(app, pub)
    assert stored.subscribe_opt_in
    assert "subscribed" in [e.kind for e in events_of(app, pub, stored.id)]


def test_custom_questions_are_asked_validated_and_kept_with_their_labels(app, client, pub):
    fields = [
        support_forms.build_custom_field("", "short_text", "Where are you based?", "", True, ""),
        support_forms.build_custom_field("", "long_text", "Anything else?", "", False, ""),
        support_forms.build_custom_field(
            "", "multiple_choice", "Interested in", "", True, "1:1 sessions\nGroups\nRetreats"
        ),
        support_forms.build_custom_field("", "checkbox", "I am 18 or over", "", True, ""),
    ]
    keys = configure_form(app, pub, fields=fields)
    html = client.get("/p/calm/support").get_data(as_text=True)
    assert "Where are you based?" in html and "Anything else? (optional)" in html
    assert "Retreats" in html
    missing = send_support(client, app, pub)
    assert missing.status_code == 422
    page = missing.get_data(as_text=True)
    assert "Please answer this question." in page and "Please choose an answer." in page
    assert "Please tick this box to continue." in page
    assert MESSAGE in page  # what the reader wrote is kept on the page
    assert requests_of(app, pub) == []
    ok = client.post(
        "/p/calm/support",
        data={
            **reader_form(app, pub),
            f"q_{keys[0]}": "Uppsala",
            f"q_{keys[2]}": ["Groups", "Retreats"],
            f"q_{keys[3]}": "y",
        },
    )
    assert ok.status_code == 303
    [stored] = requests_of(app, pub)
    assert [(a["label"], a["value"]) for a in stored.answers] == [
        ("Where are you based?", "Uppsala"),
        ("Anything else?", ""),
        ("Interested in", ["Groups", "Retreats"]),
        ("I am 18 or over", True),
    ]


def test_asking_for_a_call_needs_a_number(app, client, pub):
    response = send_support(client, app, pub, preferred_contact="phone", phone="")
    assert response.status_code == 422
    assert "please add your phone number" in response.get_data(as_text=True)
    assert requests_of(app, pub) == []


def test_embedded_form_can_be_framed_and_records_its_channel(app, client, pub):
    page = client.get("/p/calm/embed/support")
    assert page.status_code == 200
    assert "frame-ancestors *" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    assert "embed-frame.js" in page.get_data(as_text=True)
    response = send_support(client, app, pub, path="embed/support")
    assert response.status_code == 303
    sent = client.get(response.headers["Location"])
    assert "frame-ancestors *" in sent.headers["Content-Security-Policy"]
    assert "not for emergencies" in sent.get_data(as_text=True)
    [stored] = requests_of(app, pub)
    assert stored.channel == "embed"
    # The standalone page still refuses framing.
    assert client.get("/p/calm/support").headers["X-Frame-Options"] == "DENY"


def test_switched_off_form_takes_nothing_but_still_shows_crisis_lines(app, client, pub, factories):
    configure_form(app, pub, enabled=False)
    issue = factories.issue(pub, title="Quiet", publish=True)
    assert "Need more support?" not in client.get(f"/p/calm/issues/{issue.slug}").get_data(
        as_text=True
    )
    page = client.get("/p/calm/support").get_data(as_text=True)
    assert "not taking requests" in page and "116 123" in page
    assert send_support(client, app, pub).status_code == 410
    assert requests_of(app, pub) == []


def test_support_url_for_issue_emails(app, pub, factories):
    issue = factories.issue(pub, title="Letter", publish=True)
    with app.app_context():
        assert support_url(pub, issue) == f"http://localhost/p/calm/support?from={issue.number}"
        assert support_url(pub) == "http://localhost/p/calm/support"
