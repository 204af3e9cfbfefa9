"""Readers choose what they hear about: topics the practitioner offers, picked through the signed
link in every issue's footer or on the subscribe form; one reader's link changes nobody else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.audience import tags, topics
from saas.audience.models import Subscriber, Tag, Topic
from saas.audience.reader_links import preferences_token, unsubscribe_token
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from tests.conftest import drain_jobs, login, post_form


@pytest.fixture()
def pub(app, factories, client):
    owner = factories.user(email="maya@example.com", name="Maya")
    publication = factories.publication(owner=owner, slug="calm", name="Calm Letters")
    login(client, "maya@example.com")
    return publication


def _topic(app, pub, name, description=""):
    with app.app_context(), bound_to(pub.id):
        return topics.add_topic(db.session.get(Publication, pub.id), name, description).id


def _tags_of(app, pub, email) -> list[str]:
    with app.app_context(), bound_to(pub.id):
        reader = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
        db.session.refresh(reader)
        return [tag.name for tag in reader.tags]


def _status(app, pub, email) -> str:
    with app.app_context(), bound_to(pub.id):
        return db.session.scalar(select(Subscriber.status).where(Subscriber.email == email))


def _preferences_path(app, pub, subscriber_id) -> str:
    with app.app_context():
        return f"/p/{pub.slug}/preferences/{preferences_token(pub.id, subscriber_id)}"


def test_practitioner_offers_topics_each_backed_by_a_tag(app, client, pub):
    page = "/dashboard/calm/settings/topics"
    assert "No topics yet." in client.get(page).get_data(as_text=True)
    response = post_form(
        client, page, {"name": "Retreats", "description": "Dates of the next ones"}, token_from=page
    )
    assert response.status_code == 303
    listed = client.get(page).get_data(as_text=True)
    assert "Retreats" in listed and "Dates of the next ones" in listed
    again = post_form(client, page, {"name": "retreats"}, token_from=page)
    assert again.status_code == 422
    assert "is already a topic" in again.get_data(as_text=True)
    assert post_form(client, page, {"name": "  "}, token_from=page).status_code == 422
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalars(select(Tag.name)).all() == ["Retreats"]
        topic_id = db.session.scalar(select(Topic.id))
    removed = post_form(client, f"{page}/{topic_id}/remove", {}, token_from=page)
    assert removed.status_code == 303
    assert post_form(client, f"{page}/{topic_id}/remove", {}, token_from=page).status_code == 404
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(Topic)) is None
        assert db.session.scalars(select(Tag.name)).all() == ["Retreats"]  # the tag stays


def test_every_issue_email_links_to_the_readers_own_preference_page(
    app, client, factories, pub, mailbox
):
    ada = factories.subscriber(pub, email="ada@example.org", name="Ada")
    issue = factories.issue(pub, title="On rest")
    editor = f"/dashboard/calm/issues/{issue.id}"
    post_form(client, editor + "/send", {}, token_from=editor)
    drain_jobs(app)
    message = mailbox.messages("ada@example.org")[-1]
    link = mailbox.last_link("ada@example.org", "/preferences/")
    assert link.endswith(_preferences_path(app, pub, ada.id))
    html = message.get_body(preferencelist=("html",)).get_content()
    assert _preferences_path(app, pub, ada.id) in html and "Your preferences" in html
    # The one-click header still unsubscribes from everything, as before (its token also
    # names the issue, so the unsubscribe counts against it).
    with app.app_context():
        token = unsubscribe_token(pub.id, ada.id, issue.id)
    assert f"/unsubscribe/{token}" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_reader_picks_topics_and_other_tags_are_left_alone(app, factories, pub):
    retreats = _topic(app, pub, "Retreats")
    _topic(app, pub, "Recipes", "A recipe a month")
    ada = factories.subscriber(pub, email="ada@example.org")
    with app.app_context(), bound_to(pub.id):
        reader = db.session.get(Subscriber, ada.id)
        tags.add_tags(db.session.get(Publication, pub.id), reader, ["vip", "Recipes"])
    reader_browser = app.test_client(use_cookies=False)
    path = _preferences_path(app, pub, ada.id)
    page = reader_browser.get(path).get_data(as_text=True)
    assert "A recipe a month" in page and "Unsubscribe from all" in page
    assert f'name="topics" value="{retreats}" checked' not in page

    response = reader_browser.post(path, data={"topics": [str(retreats)], "action": "save"})
    assert response.status_code == 303
    assert _tags_of(app, pub, "ada@example.org") == ["Retreats", "vip"]
    assert f'value="{retreats}" checked' in reader_browser.get(path).get_data(as_text=True)

    reader_browser.post(path, data={"topics": ["999999", "x"], "action": "save"})
    assert _tags_of(app, pub, "ada@example.org") == ["vip"]
    assert _status(app, pub, "ada@example.org") == "active"


def test_unsubscribe_from_all_on_the_preference_page(app, factories, pub):
    ada = factories.subscriber(pub, email="ada@example.org")
    path = _preferences_path(app, pub, ada.id)
    reader_browser = app.test_client(use_cookies=False)
    done = reader_browser.post(path, data={"action": "unsubscribe"})
    assert done.status_code == 200 and "You’re unsubscribed" in done.get_data(as_text=True)
    assert _status(app, pub, "ada@example.org") == "unsubscribed"
    page = reader_browser.get(path).get_data(as_text=True)
    assert "You are not receiving Calm Letters by email." in page


def test_one_reader_cannot_change_anothers_preferences_by_editing_the_link(app, factories, pub):
    retreats = _topic(app, pub, "Retreats")
    ada = factories.subscriber(pub, email="ada@example.org")
    bo = factories.subscriber(pub, email="bo@example.org")
    other = factories.publication(slug="other")
    reader_browser = app.test_client(use_cookies=False)
    ada_token = _preferences_path(app, pub, ada.id).rsplit("/", 1)[-1]
    _, _, mac = ada_token.split("-")
    with app.app_context():
        bo_unsubscribe = unsubscribe_token(pub.id, bo.id)
    forged = [
        f"{pub.id}-{bo.id}-{mac}",  # Ada's signature, Bo's id
        f"{pub.id}-{bo.id}-{'a' * 20}",
        f"{pub.id}-{bo.id}",
        bo_unsubscribe,  # a genuine token, for another purpose
        "garbage",
    ]
    for token in forged:
        for data in ({"topics": [str(retreats)], "action": "save"}, {"action": "unsubscribe"}):
            assert reader_browser.post(f"/p/calm/preferences/{token}", data=data).status_code == 404
        assert reader_browser.get(f"/p/calm/preferences/{token}").status_code == 404
    # Ada's genuine link on another publication's pages names nobody there.
    assert reader_browser.get(f"/p/{other.slug}/preferences/{ada_token}").status_code == 404
    assert _tags_of(app, pub, "bo@example.org") == []
    assert _status(app, pub, "bo@example.org") == "active"
    assert _status(app, pub, "ada@example.org") == "active"


def test_subscribe_form_offers_topics_once_there_are_some(app, client, factories, pub, mailbox):
    assert 'name="topics"' not in client.get("/p/calm/subscribe").get_data(as_text=True)
    retreats = _topic(app, pub, "Retreats")
    recipes = _topic(app, pub, "Recipes")
    for page in ("/p/calm/subscribe", "/p/calm/embed/subscribe"):
        html = client.get(page).get_data(as_text=True)
        assert f'name="topics" value="{retreats}"' in html and "Recipes" in html
    browser = app.test_client()
    answer = browser.post(
        "/p/calm/subscribe", data={"email": "new@example.org", "topics": [str(recipes), "77"]}
    )
    assert answer.status_code == 200
    assert _tags_of(app, pub, "new@example.org") == ["Recipes"]
    assert _status(app, pub, "new@example.org") == "pending"

    # A form anyone can fill in does not change an active reader's topics.
    factories.subscriber(pub, email="ada@example.org")
    browser.post("/p/calm/subscribe", data={"email": "ada@example.org", "topics": [str(retreats)]})
    assert _tags_of(app, pub, "ada@example.org") == []
