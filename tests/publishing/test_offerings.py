""" "Ways I can help": offerings kept in order in settings, closing the issue page and its
email, and leading to the support form with the offering chosen."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import sending
from saas.publishing.models import Issue, Membership, Publication
from saas.publishing.offerings.models import Offering
from tests.conftest import drain_jobs, login, post_form
from tests.support_helpers import events_of, requests_of, send_support

OWNER = "maya@example.com"
BASE = "/dashboard/calm/settings/offerings"


@pytest.fixture()
def pub(factories):
    owner = factories.user(email=OWNER, name="Maya")
    return factories.publication(
        owner=owner, slug="calm", name="Calm Letters", author_name="Maya Lindqvist"
    )


def _offerings(app, pub) -> list[tuple[str, str, str]]:
    with app.app_context(), bound_to(pub.id):
        rows = db.session.scalars(select(Offering).order_by(Offering.position, Offering.id)).all()
        return [(row.title, row.target, row.url) for row in rows]


def _ids(app, pub) -> list[int]:
    with app.app_context(), bound_to(pub.id):
        return list(
            db.session.scalars(select(Offering.id).order_by(Offering.position, Offering.id))
        )


def _post(client, url: str, data: dict | None = None):
    return post_form(client, url, data or {}, token_from="/dashboard/calm/issues")


def _add(client, **fields):
    data = {
        "title": "Individual sessions",
        "description": "Fifty minutes, online or in Bristol.",
        "button_label": "Ask about a session",
        "target": "support",
        "url": "",
        **fields,
    }
    return _post(client, f"{BASE}/new", data)


def _set_up(app, client, pub):
    login(client, OWNER)
    assert _add(client).status_code == 302
    assert (
        _add(
            client,
            title="The Attunement retreat",
            description="Five days by the sea.",
            button_label="See dates",
            target="link",
            url="https://retreats.example.com/attunement",
        ).status_code
        == 302
    )
    response = _post(
        client,
        f"{BASE}/block",
        {"heading": "", "intro": "Here are some ways Attunement and I can help you:"},
    )
    assert response.status_code == 302


def test_owner_lists_orders_edits_and_removes_offerings(app, client, pub):
    _set_up(app, client, pub)
    page = client.get(BASE).get_data(as_text=True)
    assert "Individual sessions" in page and "The Attunement retreat" in page
    assert _offerings(app, pub)[0][0] == "Individual sessions"

    first, second = _ids(app, pub)
    assert _post(client, f"{BASE}/{second}/up").status_code == 302
    assert _ids(app, pub) == [second, first]
    # Dragging posts the whole order.
    assert _post(client, f"{BASE}/order", {"order": f"{first},{second}"}).status_code == 302
    assert _ids(app, pub) == [first, second]

    edited = {
        "title": "Sessions, one to one",
        "description": "",
        "button_label": "Ask",
        "target": "support",
        "url": "",
    }
    assert _post(client, f"{BASE}/{first}", edited).status_code == 302
    assert _offerings(app, pub)[0] == ("Sessions, one to one", "support", "")

    assert _post(client, f"{BASE}/{first}/delete").status_code == 302
    assert [title for title, _, _ in _offerings(app, pub)] == ["The Attunement retreat"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": "link", "url": ""}, "Add the address the button opens."),
        ({"target": "link", "url": "javascript:alert(1)"}, "full web address"),
        ({"title": ""}, "This field is required"),
        ({"title": "x" * 121}, "Field cannot be longer than 120 characters"),
        ({"target": "popup"}, "Not a valid choice"),
    ],
)
def test_bad_offerings_are_refused_with_a_reason_and_nothing_saved(
    app, client, pub, fields, message
):
    login(client, OWNER)
    response = _add(client, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _offerings(app, pub) == []


def test_an_order_that_does_not_name_each_offering_once_changes_nothing(app, client, pub):
    _set_up(app, client, pub)
    before = _ids(app, pub)
    for order in (f"{before[0]}", f"{before[0]},{before[0]}", "1,x", f"{before[0]},999"):
        assert _post(client, f"{BASE}/order", {"order": order}).status_code == 400
    assert _ids(app, pub) == before


def test_editors_cannot_change_offerings(app, client, pub, factories):
    editor = factories.user(email="sam@example.com")
    with app.app_context():
        db.session.add(Membership(user_id=editor.id, publication_id=pub.id, role="editor"))
        db.session.commit()
    login(client, "sam@example.com")
    assert client.get(BASE).status_code == 403
    assert _add(client).status_code == 403
    assert _offerings(app, pub) == []


def test_issue_page_ends_with_the_offerings_in_order(app, client, pub, factories):
    _set_up(app, client, pub)
    issue = factories.issue(pub, title="On grief", publish=True)
    [support_id, _] = _ids(app, pub)
    html = client.get(f"/p/calm/issues/{issue.slug}").get_data(as_text=True)
    block = html[html.index('id="offerings-heading"') :]
    assert "Need more support?" in block
    assert "Here are some ways Attunement and I can help you:" in block
    assert block.index("Individual sessions") < block.index("The Attunement retreat")
    assert f'href="/p/calm/support?offering={support_id}&amp;from={issue.number}"' in block
    assert 'href="https://retreats.example.com/attunement"' in block
    assert html.index("</article>") < html.index('id="offerings-heading"')


def test_an_issue_can_leave_the_block_out(app, client, pub, factories):
    _set_up(app, client, pub)
    issue = factories.issue(pub, title="A short note", publish=True)
    form = client.get(f"/dashboard/calm/issues/{issue.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*name="show_offerings"', form) or re.search(
        r'<input[^>]*name="show_offerings"[^>]*checked', form
    )
    response = _post(
        client,
        f"/dashboard/calm/issues/{issue.id}",
        {"title": "A short note", "body_markdown": "Just this.", "action": "save"},
    )
    assert response.status_code == 302
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Issue, issue.id).show_offerings is False
    html = client.get(f"/p/calm/issues/{issue.slug}").get_data(as_text=True)
    assert "Individual sessions" not in html
    # The plain support box stands in.
    assert "Ask for support" in html


def test_the_email_carries_the_block_with_absolute_links(app, client, pub, factories, mailbox):
    _set_up(app, client, pub)
    factories.subscriber(pub, email="ada@example.org", name="Ada")
    issue = factories.issue(pub, title="On grief", publish=True)
    [support_id, _] = _ids(app, pub)
    with app.app_context(), bound_to(pub.id):
        sending.send_now(db.session.get(Publication, pub.id), db.session.get(Issue, issue.id))
    drain_jobs(app)
    (message,) = mailbox.messages("ada@example.org")
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    support_link = f"/p/calm/support?offering={support_id}&from={issue.number}"
    for part in (html.replace("&amp;", "&"), text):
        assert "Need more support?" in part
        assert "Here are some ways Attunement and I can help you:" in part
        assert part.index("Individual sessions") < part.index("The Attunement retreat")
        assert "https://retreats.example.com/attunement" in part
        assert re.search(r"https?://[^\s\"]+" + re.escape(support_link), part), part
    assert "Ask about a session: http" in text


def test_support_form_opened_from_an_offering_records_it(app, client, pub, factories):
    _set_up(app, client, pub)
    issue = factories.issue(pub, title="On grief", publish=True)
    [support_id, link_id] = _ids(app, pub)
    page = client.get(f"/p/calm/support?offering={support_id}&from={issue.number}")
    assert "You are asking about <strong>Individual sessions</strong>" in page.get_data(
        as_text=True
    )
    response = send_support(
        client, app, pub, from_issue=str(issue.number), offering=str(support_id)
    )
    assert response.status_code == 303
    [stored] = requests_of(app, pub)
    assert stored.offering_title == "Individual sessions"
    assert "about “Individual sessions”" in events_of(app, pub, stored.id)[0].detail

    # An offering that opens a web page, a stranger's id or nonsense: no offering recorded.
    for value in (str(link_id), "99999", "abc", "1" * 40):
        client.post("/logout")
        send_support(client, app, pub, offering=value, email=f"r{len(value)}@example.org")
    assert {r.offering_title for r in requests_of(app, pub)[1:]} <= {""}


def test_another_publications_offering_is_not_recorded(app, client, pub, factories):
    _set_up(app, client, pub)
    other = factories.publication(slug="other", name="Other Letters")
    [support_id, _] = _ids(app, pub)
    page = client.get(f"/p/other/support?offering={support_id}").get_data(as_text=True)
    assert "Individual sessions" not in page
    assert send_support(client, app, other, offering=str(support_id)).status_code == 303
    [stored] = requests_of(app, other)
    assert stored.offering_title == ""
