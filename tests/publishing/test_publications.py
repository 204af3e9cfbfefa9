"""Publications: creating, settings, custom domains, editors by invitation."""

from __future__ import annotations

from sqlalchemy import select

from saas.core.extensions import db
from saas.publishing.models import Membership, Publication
from tests.conftest import login, post_form
from tests.custom_domain_helpers import mark_domain_verified

GOOD = {
    "name": "Quiet Hours",
    "tagline": "Letters on rest",
    "about": "About me.",
    "author_name": "Jo",
    "sign_off": "Warmly, Jo",
    "accent_color": "#225588",
    "logo_url": "https://example.com/logo.png",
    "timezone": "Europe/Berlin",
    "custom_domain": "",
    "welcome_message": "Hello and welcome.",
    "max_send_rate": "25",
}


def test_practitioner_creates_a_publication_and_owns_it(app, client, factories):
    user = factories.user(email="o@example.com")
    login(client, "o@example.com")
    new = {"name": "Quiet Hours", "tagline": "Letters on rest"}
    response = post_form(client, "/dashboard/new", new, token_from="/dashboard/new")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/quiet-hours/issues")
    # The rest is set on the settings page, whenever the practitioner gets to it.
    settings = "/dashboard/quiet-hours/settings"
    assert post_form(client, settings, GOOD, token_from=settings).status_code == 302
    with app.app_context():
        pub = db.session.scalar(select(Publication).where(Publication.slug == "quiet-hours"))
        assert pub.timezone == "Europe/Berlin" and pub.accent_color == "#225588"
        membership = db.session.scalar(
            select(Membership).where(Membership.publication_id == pub.id)
        )
        assert membership.user_id == user.id and membership.role == "owner"
    public = client.get("/p/quiet-hours/")
    assert public.status_code == 200
    assert "Quiet Hours" in public.get_data(as_text=True)
    assert "--accent: #225588" in public.get_data(as_text=True)


def test_bad_publication_settings_are_refused_and_nothing_saved(app, client, factories):
    owner = factories.user(email="o@example.com")
    pub = factories.publication(owner=owner, slug="calm", name="Calm")
    login(client, "o@example.com")
    url = f"/dashboard/{pub.slug}/settings"
    bad = [
        {"name": ""},
        {"name": "x" * 121},
        {"accent_color": "red"},
        {"accent_color": "#12345"},
        {"logo_url": "javascript:alert(1)"},
        {"logo_url": "not a url"},
        {"timezone": "Mars/Olympus"},
        {"custom_domain": "https://x.com/path"},
        {"custom_domain": "localhost"},
        {"tagline": "t" * 201},
        {"max_send_rate": "0"},
        {"max_send_rate": "lots"},
        {"welcome_message": "w" * 5001},
    ]
    for change in bad:
        response = post_form(client, url, {**GOOD, **change}, token_from=url)
        assert response.status_code == 422, change
        assert "Please fix the highlighted" in response.get_data(as_text=True), change
    with app.app_context():
        assert db.session.get(Publication, pub.id).name == "Calm"


def test_owner_edits_settings_and_sets_a_custom_domain(app, client, factories):
    owner = factories.user(email="o@example.com")
    pub = factories.publication(owner=owner, slug="calm", name="Calm")
    login(client, "o@example.com")
    url = f"/dashboard/{pub.slug}/settings"
    data = {**GOOD, "name": "Calmer", "custom_domain": "Letters.Example.com"}
    response = post_form(client, url, data, token_from=url)
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Publication, pub.id)
        assert saved.name == "Calmer" and saved.custom_domain == "letters.example.com"
        # Stored pending until its DNS is checked (test_custom_domain_verification).
        assert saved.custom_domain_token and saved.custom_domain_verified_at is None


def test_custom_domain_serves_public_pages_at_root(app, client, factories):
    pub = factories.publication(
        slug="calm", name="Calm Letters", custom_domain="letters.example.com"
    )
    mark_domain_verified(app, pub.id)
    issue = factories.issue(pub, title="Breathing slowly", publish=True)
    home = client.get("/", headers={"Host": "letters.example.com"})
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "Calm Letters" in html
    # Links on the custom domain drop the /p/<slug> prefix.
    assert f'href="/issues/{issue.slug}"' in html
    page = client.get(f"/issues/{issue.slug}", headers={"Host": "letters.example.com"})
    assert page.status_code == 200 and "Breathing slowly" in page.get_data(as_text=True)
    assert '<link rel="canonical" href="http://letters.example.com/issues/' in page.get_data(
        as_text=True
    )
    # Unknown hosts fall through to the platform (and 404 for publication paths).
    assert client.get("/issues/x", headers={"Host": "unknown.example.org"}).status_code == 404


def test_domain_taken_by_another_publication_is_refused(app, client, factories):
    first = factories.publication(slug="first", custom_domain="news.example.com")
    mark_domain_verified(app, first.id)  # a pending claim elsewhere would not block it
    owner = factories.user(email="o@example.com")
    pub = factories.publication(owner=owner, slug="second")
    login(client, "o@example.com")
    url = f"/dashboard/{pub.slug}/settings"
    data = {**GOOD, "custom_domain": "news.example.com"}
    response = post_form(client, url, data, token_from=url)
    assert response.status_code == 422
    assert "already in use" in response.get_data(as_text=True)


def test_owner_invites_an_editor_who_accepts(app, client, factories, mailbox):
    owner = factories.user(email="o@example.com", name="Owner")
    pub = factories.publication(owner=owner, slug="calm", name="Calm")
    login(client, "o@example.com")
    team = f"/dashboard/{pub.slug}/team"
    response = post_form(client, team, {"email": "Ed@Example.com"}, token_from=team)
    assert response.status_code == 302
    link = mailbox.last_link("ed@example.com", "/invitations/").replace("http://localhost", "")

    editor_client = app.test_client()
    factories.user(email="ed@example.com", name="Ed")
    login(editor_client, "ed@example.com")
    assert editor_client.get(f"/dashboard/{pub.slug}/issues").status_code == 404
    response = post_form(editor_client, link, {}, token_from=link)
    assert response.status_code == 302
    assert editor_client.get(f"/dashboard/{pub.slug}/issues").status_code == 200
    # Editors write, but settings and team are for owners.
    assert editor_client.get(f"/dashboard/{pub.slug}/settings").status_code == 403
    assert editor_client.get(f"/dashboard/{pub.slug}/team").status_code == 403
    # The link is spent.
    assert editor_client.get(link).status_code == 400


def test_invitation_cannot_be_accepted_by_another_account(app, client, factories, mailbox):
    owner = factories.user(email="o@example.com")
    pub = factories.publication(owner=owner, slug="calm")
    login(client, "o@example.com")
    team = f"/dashboard/{pub.slug}/team"
    post_form(client, team, {"email": "ed@example.com"}, token_from=team)
    link = mailbox.last_link("ed@example.com", "/invitations/").replace("http://localhost", "")
    intruder = app.test_client()
    factories.user(email="intruder@example.com")
    login(intruder, "intruder@example.com")
    response = post_form(intruder, link, {}, token_from=link)
    assert response.status_code == 400
    assert intruder.get(f"/dashboard/{pub.slug}/issues").status_code == 404


def test_invalid_invite_email_is_refused(app, client, factories):
    owner = factories.user(email="o@example.com")
    pub = factories.publication(owner=owner, slug="calm")
    login(client, "o@example.com")
    team = f"/dashboard/{pub.slug}/team"
    response = post_form(client, team, {"email": "nope"}, token_from=team)
    assert response.status_code == 422
