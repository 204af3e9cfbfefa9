"""Each moderation setting decides where a reader's web reply goes; the practitioner moderates."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from tests.conftest import csrf_token, login, post_form
from tests.reply_helpers import READER, issue_page, post_reply, replies_of, setup, sign_in_reader  # noqa: F401  (fixtures)


def set_mode(app, pub, mode: str) -> None:
    with app.app_context():
        db.session.get(Publication, pub.id).reply_mode = mode
        db.session.commit()


def moderate(app, pub, reply_id: int, action: str):
    owner = app.test_client()
    login(owner, "maya@example.com")
    url = f"/dashboard/{pub.slug}/inbox/replies/{reply_id}/moderate"
    token = csrf_token(owner, f"/dashboard/{pub.slug}/inbox")
    return owner.post(url, data={"action": action, "csrf_token": token})


def test_open_mode_publishes_at_once(app, client, setup, mailbox):
    pub, issue, _ = setup
    sign_in_reader(client, mailbox, pub, issue, READER)
    post_reply(client, pub, issue, "Straight onto the page")
    assert replies_of(app, pub)[0].status == "public"
    assert "Straight onto the page" in issue_page(app.test_client(), pub, issue)


def test_approve_all_holds_every_reply_until_approved(app, client, setup, mailbox, factories):
    pub, issue, reader = setup
    set_mode(app, pub, "approve_all")
    sign_in_reader(client, mailbox, pub, issue, READER)
    post_reply(client, pub, issue, "Waiting politely")
    [reply] = replies_of(app, pub)
    assert reply.status == "pending"
    mine = issue_page(client, pub, issue)
    assert "Waiting politely" in mine and "Awaiting Maya’s approval" in mine
    assert "Thanks! Your reply will appear once Maya approves it." in mine
    assert "Waiting politely" not in issue_page(app.test_client(), pub, issue)
    assert moderate(app, pub, reply.id, "approve").status_code == 303
    assert "Waiting politely" in issue_page(app.test_client(), pub, issue)
    # Trust does not matter here: the next reply waits too.
    post_reply(client, pub, issue, "Second one")
    assert replies_of(app, pub)[-1].status == "pending"


def test_approve_first_holds_only_a_readers_first_reply(app, client, setup, mailbox):
    pub, issue, _ = setup
    set_mode(app, pub, "approve_first")
    sign_in_reader(client, mailbox, pub, issue, READER)
    post_reply(client, pub, issue, "My first ever")
    post_reply(client, pub, issue, "Still new here")
    first, second = replies_of(app, pub)
    assert first.status == second.status == "pending"
    moderate(app, pub, first.id, "approve")
    post_reply(client, pub, issue, "Now I am trusted")
    assert replies_of(app, pub)[-1].status == "public"
    assert "Now I am trusted" in issue_page(app.test_client(), pub, issue)


def test_private_mode_keeps_web_replies_between_reader_and_practitioner(
    app, client, setup, mailbox
):
    pub, issue, _ = setup
    set_mode(app, pub, "private")
    sign_in_reader(client, mailbox, pub, issue, READER)
    page = issue_page(client, pub, issue)
    assert "Only Maya will see your reply." in page and "Send privately" in page
    post_reply(client, pub, issue, "Just between us")
    assert replies_of(app, pub)[0].status == "private"
    assert "Just between us" not in issue_page(app.test_client(), pub, issue)
    assert "Private: only you and Maya can see it." in issue_page(client, pub, issue)


def test_editing_under_approve_all_sends_the_reply_back_for_approval(app, client, setup, mailbox):
    pub, issue, _ = setup
    set_mode(app, pub, "approve_all")
    sign_in_reader(client, mailbox, pub, issue, READER)
    post_reply(client, pub, issue, "Harmless")
    [reply] = replies_of(app, pub)
    moderate(app, pub, reply.id, "approve")
    edit = f"/p/{pub.slug}/replies/{reply.id}/edit"
    client.post(edit, data={"body": "Changed after approval", "csrf_token": csrf_token(client)})
    assert replies_of(app, pub)[0].status == "pending"
    assert "Changed after approval" not in issue_page(app.test_client(), pub, issue)


def test_hide_make_private_make_public_and_delete(app, setup, factories):
    pub, issue, reader = setup
    reply = factories.reply(pub, issue, reader, "Moderate me")
    anonymous = app.test_client()
    for action, status, shown in [
        ("hide", "hidden", False),
        ("make_public", "public", True),
        ("make_private", "private", False),
        ("make_public", "public", True),
    ]:
        assert moderate(app, pub, reply.id, action).status_code == 303
        assert replies_of(app, pub)[0].status == status
        assert ("Moderate me" in issue_page(anonymous, pub, issue)) is shown
    moderate(app, pub, reply.id, "delete")
    [deleted] = replies_of(app, pub)
    assert deleted.deleted_at is not None and deleted.body_text == ""
    assert "Moderate me" not in issue_page(anonymous, pub, issue)
    # A deleted reply is gone from moderation too.
    assert moderate(app, pub, reply.id, "make_public").status_code == 404


def test_unknown_moderation_action_changes_nothing(app, setup, factories):
    pub, issue, reader = setup
    reply = factories.reply(pub, issue, reader, "Stay")
    moderate(app, pub, reply.id, "obliterate")
    assert replies_of(app, pub)[0].status == "public"


def test_owner_chooses_the_mode_and_notifications_in_settings(app, client, setup):
    pub, _, _ = setup
    login(client, "maya@example.com")
    url = f"/dashboard/{pub.slug}/settings"
    page = client.get(url).get_data(as_text=True)
    assert "Hold a reader’s first reply for my approval" in page
    response = post_form(
        client,
        url,
        {
            "name": "Calm Letters",
            "accent_color": "#2f6f5e",
            "timezone": "UTC",
            "max_send_rate": "20",
            "reply_mode": "approve_first",
            "reply_notifications": "daily",
        },
        token_from=url,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    with app.app_context(), bound_to(pub.id):
        saved = db.session.get(Publication, pub.id)
        assert (saved.reply_mode, saved.reply_notifications) == ("approve_first", "daily")
