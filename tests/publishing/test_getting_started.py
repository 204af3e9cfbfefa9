"""A new practitioner names a publication and is walked through its first steps."""

from __future__ import annotations

from sqlalchemy import select

from saas.core.extensions import db
from saas.publishing import publications
from saas.publishing.models import Membership, Publication
from tests.conftest import login, post_form
from tests.support_helpers import configure_form


def _created(client, name: str, **extra) -> str:
    response = post_form(
        client, "/dashboard/new", {"name": name, **extra}, token_from="/dashboard/new"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return response.headers["Location"]


def test_the_new_publication_form_asks_only_for_a_name_and_a_line_about_it(client, factories):
    factories.user(email="o@example.com")
    login(client, "o@example.com")
    page = client.get("/dashboard/new").get_data(as_text=True)
    assert 'name="name"' in page and 'name="tagline"' in page
    for later in ("slug", "max_send_rate", "accent_color", "timezone", "custom_domain"):
        assert f'name="{later}"' not in page, later


def test_practitioner_creates_a_publication_with_only_a_name_and_lands_on_the_checklist(
    app, client, factories
):
    owner = factories.user(email="o@example.com", name="Maya Lind")
    login(client, "o@example.com")
    location = _created(client, "Quiet Hours")
    assert location.endswith("/dashboard/quiet-hours/issues")
    with app.app_context():
        pub = db.session.scalar(select(Publication).where(Publication.slug == "quiet-hours"))
        # Everything not asked for has a sensible default, changeable in Settings.
        assert pub.author_name == "Maya Lind" and pub.timezone == "UTC"
        assert pub.accent_color == "#2f6f5e" and pub.max_send_rate == 20 and pub.tagline == ""
        role = db.session.scalar(select(Membership.role).where(Membership.user_id == owner.id))
        assert role == "owner"
    page = client.get(location).get_data(as_text=True)
    assert "Getting started" in page and "0 of 4 done" in page
    for step in (
        "Write issue 1",
        "Share your subscribe link",
        "Set up “ways I can help”",
        "Invite an editor",
    ):
        assert step in page, step
    assert 'href="/dashboard/quiet-hours/grow"' in page
    assert 'href="/dashboard/quiet-hours/support/settings"' in page
    assert 'href="/dashboard/quiet-hours/team"' in page


def test_the_address_is_made_from_the_name_and_never_clashes(app, client, factories):
    factories.publication(slug="quiet-hours", name="Quiet Hours")
    factories.publication(slug="quiet-hours-2", name="Quiet Hours")
    factories.user(email="o@example.com")
    login(client, "o@example.com")
    assert _created(client, "Quiet  Hours!").endswith("/dashboard/quiet-hours-3/issues")
    factories.publication(slug="dashboard-2", name="Someone else")
    with app.app_context():
        # Reserved words, and addresses already taken, are stepped over.
        assert publications.slug_from_name("Dashboard") == "dashboard-3"
        assert publications.slug_from_name("Quiet hours, again") == "quiet-hours-again"
        # A name with nothing usable in an address still gets one.
        assert publications.slug_from_name("Ψυχή") == "letters"
        assert publications.slug_from_name("Ö") == "o-letters"
        assert len(publications.slug_from_name("a" * 200)) <= 60


def test_a_publication_without_a_name_is_refused(app, client, factories):
    factories.user(email="o@example.com")
    login(client, "o@example.com")
    for bad in ({"name": ""}, {"name": "x" * 121}, {"name": "Fine", "tagline": "t" * 201}):
        response = post_form(client, "/dashboard/new", bad, token_from="/dashboard/new")
        assert response.status_code == 422, bad
    with app.app_context():
        assert db.session.scalar(select(Publication.id)) is None


def test_checklist_steps_tick_as_the_practitioner_does_them_then_it_goes_away(
    app, client, factories
):
    factories.user(email="o@example.com")
    login(client, "o@example.com")
    issues = _created(client, "Quiet Hours")
    with app.app_context():
        pub = db.session.scalar(select(Publication).where(Publication.slug == "quiet-hours"))

    def done_steps() -> str:
        return client.get(issues).get_data(as_text=True)

    factories.issue(pub, title="A draft only")
    assert "0 of 4 done" in done_steps()  # a draft is not issue 1 yet
    factories.issue(pub, title="Slowing down", publish=True)
    page = done_steps()
    assert "1 of 4 done" in page and "<s>Write issue 1</s>" in page

    factories.subscriber(pub, email="reader@example.com")
    page = done_steps()
    assert "2 of 4 done" in page and "<s>Share your subscribe link</s>" in page

    configure_form(app, pub)
    page = done_steps()
    assert "3 of 4 done" in page and "<s>Set up “ways I can help”</s>" in page

    team = "/dashboard/quiet-hours/team"
    assert post_form(client, team, {"email": "ed@example.com"}, token_from=team).status_code == 302
    assert "Getting started" not in done_steps()
