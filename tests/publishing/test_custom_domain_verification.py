"""A custom domain is served only after its owner proves control with a DNS TXT record.

The DNS check asks a real DNS server on loopback (tests/dns_standin.py), never a mock.
"""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import html
import time

import pytest

from saas.core.extensions import db
from saas.publishing.models import Publication
from tests.conftest import login, post_form
from tests.custom_domain_helpers import dns_server  # noqa: F401  (fixture)

DOMAIN = "letters.example.com"
SETTINGS = {
    "name": "Calm Letters",
    "accent_color": "#2f6f5e",
    "timezone": "UTC",
    "max_send_rate": "20",
}


def _page(response) -> str:
    """A page's HTML, unescaped, with runs of whitespace collapsed (as a reader sees it)."""
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def _served(client, host: str = DOMAIN) -> bool:
    """Whether `host` serves the publication's issue at the root (an unknown host 404s)."""
    response = client.get("/issues/breathing", headers={"Host": host})
    return response.status_code == 200 and "Breathing slowly" in response.get_data(as_text=True)


def _row(app, pub_id: int) -> Publication:
    with app.app_context():
        publication = db.session.get(Publication, pub_id)
        db.session.expunge(publication)
        return publication


def _home_link(app, pub_id: int) -> str:
    from saas.core.links import publication_base_url
    from saas.core.tenancy import bound_to

    with app.app_context(), bound_to(pub_id):
        return publication_base_url(db.session.get(Publication, pub_id))


def _owner_with_publication(factories, client, email="maya@example.com", slug="calm"):
    owner = factories.user(email=email)
    pub = factories.publication(owner=owner, slug=slug, name="Calm Letters")
    factories.issue(pub, title="Breathing slowly", slug="breathing", publish=True)
    login(client, email)
    return pub


def _set_domain(client, pub, domain: str = DOMAIN):
    settings = f"/dashboard/{pub.slug}/settings"
    return post_form(client, settings, {**SETTINGS, "custom_domain": domain}, settings)


def _check_dns(client, pub) -> str:
    """Press "Check DNS"; return the settings page it leads back to."""
    settings = f"/dashboard/{pub.slug}/settings"
    response = post_form(client, f"{settings}/domain/check", {}, settings)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{settings}#custom-domain")
    return _page(client.get(settings))


def _publish_token(app, dns_server, pub) -> None:
    row = _row(app, pub.id)
    dns_server.set_txt(
        f"_tend-verify.{row.custom_domain}", f"tend-verify={row.custom_domain_token}"
    )


def test_a_new_domain_is_pending_shows_its_records_and_is_not_served(
    app, client, factories, dns_server
):
    pub = _owner_with_publication(factories, client)
    assert _set_domain(client, pub).status_code == 302

    row = _row(app, pub.id)
    assert row.custom_domain == DOMAIN and row.custom_domain_verified_at is None
    assert len(row.custom_domain_token) >= 32
    page = _page(client.get(f"/dashboard/{pub.slug}/settings"))
    assert f"{DOMAIN} is waiting for verification" in page
    assert f"_tend-verify.{DOMAIN}" in page and f"tend-verify={row.custom_domain_token}" in page
    # The CNAME target is the platform host, taken from BASE_URL (http://localhost in tests).
    assert "<td>CNAME</td><td><code>letters.example.com</code></td><td><code>localhost</code>" in (
        page
    )
    assert "Check DNS" in page

    # Not served: the domain is unknown to the middleware, and links use the platform.
    assert client.get("/issues/breathing", headers={"Host": DOMAIN}).status_code == 404
    assert "Calm Letters" not in client.get("/", headers={"Host": DOMAIN}).get_data(as_text=True)
    assert _home_link(app, pub.id) == "http://localhost/p/calm"
    assert client.get("/p/calm/issues/breathing").status_code == 200


def test_a_wrong_txt_value_is_refused(app, client, factories, dns_server):
    pub = _owner_with_publication(factories, client)
    _set_domain(client, pub)
    dns_server.set_txt(f"_tend-verify.{DOMAIN}", "tend-verify=not-the-token", "v=spf1 -all")

    page = _check_dns(client, pub)
    assert f"We found a TXT record at _tend-verify.{DOMAIN}, but not the value" in page
    assert dns_server.queries == [f"_tend-verify.{DOMAIN}"]
    assert _row(app, pub.id).custom_domain_verified_at is None
    assert not _served(client)


def test_the_right_txt_value_verifies_and_serves_the_domain(app, client, factories, dns_server):
    pub = _owner_with_publication(factories, client)
    _set_domain(client, pub)
    # The middleware has already looked the host up (and cached "unknown").
    assert not _served(client)
    row = _row(app, pub.id)
    # Other TXT records at the same name do not get in the way.
    dns_server.set_txt(
        f"_tend-verify.{DOMAIN}", "something else", f"tend-verify={row.custom_domain_token}"
    )

    page = _check_dns(client, pub)
    assert f"{DOMAIN} is verified." in page and "Check DNS" not in page
    assert _row(app, pub.id).custom_domain_verified_at is not None
    home = client.get("/", headers={"Host": DOMAIN})
    assert home.status_code == 200 and "Calm Letters" in home.get_data(as_text=True)
    issue = client.get("/issues/breathing", headers={"Host": DOMAIN})
    assert issue.status_code == 200 and "Breathing slowly" in issue.get_data(as_text=True)
    assert _home_link(app, pub.id) == f"http://{DOMAIN}"

    # Checking again is harmless; saving the same domain keeps it verified.
    _check_dns(client, pub)
    assert _set_domain(client, pub).status_code == 302
    assert _row(app, pub.id).custom_domain_verified_at is not None
    assert _served(client)


def test_a_missing_record_gives_a_friendly_error(app, client, factories, dns_server):
    pub = _owner_with_publication(factories, client)
    _set_domain(client, pub)

    page = _check_dns(client, pub)  # NXDOMAIN: nothing at that name
    assert "We could not find the TXT record yet; DNS changes can take up to an hour" in page
    dns_server.set_txt(f"_tend-verify.{DOMAIN}")  # the name exists, with no TXT record
    assert "We could not find the TXT record yet" in _check_dns(client, pub)
    assert _row(app, pub.id).custom_domain_verified_at is None


def test_a_silent_dns_server_times_out_with_a_friendly_error(app, client, factories, dns_server):
    pub = _owner_with_publication(factories, client)
    _set_domain(client, pub)
    _publish_token(app, dns_server, pub)
    dns_server.silent = True

    started = time.monotonic()
    page = _check_dns(client, pub)
    assert time.monotonic() - started < 5, "the lookup gives up after DNS_TIMEOUT"
    assert "The DNS lookup timed out." in page
    assert "We could not find the TXT record yet; DNS changes can take up to an hour" in page
    assert dns_server.queries, "the server was asked"
    assert _row(app, pub.id).custom_domain_verified_at is None

    dns_server.silent = False  # DNS recovers: the same button now works
    assert f"{DOMAIN} is verified." in _check_dns(client, pub)


def test_changing_the_domain_resets_verification(app, client, factories, dns_server):
    pub = _owner_with_publication(factories, client)
    _set_domain(client, pub)
    _publish_token(app, dns_server, pub)
    _check_dns(client, pub)
    old = _row(app, pub.id)
    assert old.custom_domain_verified_at is not None

    assert _set_domain(client, pub, "news.example.org").status_code == 302
    new = _row(app, pub.id)
    assert new.custom_domain == "news.example.org" and new.custom_domain_verified_at is None
    assert new.custom_domain_token != old.custom_domain_token
    # Neither the old domain nor the new one is served; links fall back to the platform.
    assert not _served(client)
    assert not _served(client, "news.example.org")
    assert _home_link(app, pub.id) == "http://localhost/p/calm"
    # The record published for the old domain proves nothing about the new one.
    assert "We could not find the TXT record yet" in _check_dns(client, pub)

    # Clearing the domain clears its token too.
    assert _set_domain(client, pub, "").status_code == 302
    cleared = _row(app, pub.id)
    assert cleared.custom_domain is None and cleared.custom_domain_token is None
    assert "Check DNS" not in client.get(f"/dashboard/{pub.slug}/settings").get_data(as_text=True)


def test_two_publications_racing_for_one_domain_the_first_verified_wins(
    app, client, factories, dns_server
):
    first = _owner_with_publication(factories, client, "first@example.com", "first")
    second_client = app.test_client()
    second = _owner_with_publication(factories, second_client, "second@example.com", "second")
    # A pending claim blocks nobody: both may claim the domain.
    assert _set_domain(client, first).status_code == 302
    assert _set_domain(second_client, second).status_code == 302
    tokens = [_row(app, pub.id).custom_domain_token for pub in (first, second)]
    dns_server.set_txt(f"_tend-verify.{DOMAIN}", *(f"tend-verify={t}" for t in tokens))

    assert f"{DOMAIN} is verified." in _check_dns(second_client, second)
    page = _check_dns(client, first)
    assert "Another publication has already verified this domain" in page
    assert f"Another publication has already verified {DOMAIN}" in page, "shown as taken"
    assert "Check DNS" not in page
    assert _row(app, first.id).custom_domain_verified_at is None
    home = client.get("/", headers={"Host": DOMAIN})
    assert home.status_code == 200 and "Calm Letters" in home.get_data(as_text=True)
    assert _served(client)
    assert _home_link(app, first.id) == "http://localhost/p/first"
    assert _home_link(app, second.id) == f"http://{DOMAIN}"

    # A third publication cannot even claim a verified domain.
    third_client = app.test_client()
    third = _owner_with_publication(factories, third_client, "third@example.com", "third")
    response = _set_domain(third_client, third)
    assert response.status_code == 422 and "already in use" in response.get_data(as_text=True)


def test_a_verification_that_loses_the_race_at_commit_is_refused(
    app, client, factories, dns_server, monkeypatch
):
    from saas.publishing import custom_domains

    first = _owner_with_publication(factories, client, "first@example.com", "first")
    second_client = app.test_client()
    second = _owner_with_publication(factories, second_client, "second@example.com", "second")
    _set_domain(client, first)
    _set_domain(second_client, second)
    tokens = [_row(app, pub.id).custom_domain_token for pub in (first, second)]
    dns_server.set_txt(f"_tend-verify.{DOMAIN}", *(f"tend-verify={t}" for t in tokens))
    assert f"{DOMAIN} is verified." in _check_dns(second_client, second)

    # The first checked before the second committed: only the database can stop it now.
    monkeypatch.setattr(custom_domains, "verified_holder", lambda domain, exclude_id=None: None)
    page = _check_dns(client, first)
    assert "Another publication has already verified this domain" in page
    assert _row(app, first.id).custom_domain_verified_at is None
    assert _row(app, second.id).custom_domain_verified_at is not None


def test_only_the_publications_owner_can_check_its_domain(app, client, factories, dns_server):
    from saas.publishing import publications

    alpha = _owner_with_publication(factories, client, "alpha@example.com", "alpha")
    _set_domain(client, alpha)
    _publish_token(app, dns_server, alpha)
    check = f"/dashboard/{alpha.slug}/settings/domain/check"

    outsider = app.test_client()
    bravo = _owner_with_publication(factories, outsider, "bravo@example.com", "bravo")
    response = post_form(outsider, check, {}, f"/dashboard/{bravo.slug}/settings")
    assert response.status_code == 404
    editor = factories.user(email="editor@example.com")
    with app.app_context():
        from saas.publishing.models import Membership

        db.session.add(Membership(user_id=editor.id, publication_id=alpha.id, role="editor"))
        db.session.commit()
    editor_client = app.test_client()
    login(editor_client, "editor@example.com")
    token_page = f"/dashboard/{alpha.slug}/issues"
    assert post_form(editor_client, check, {}, token_page).status_code == 403
    # Without a CSRF token the check is refused too.
    assert client.post(check).status_code == 400
    assert _row(app, alpha.id).custom_domain_verified_at is None
    with app.app_context():
        assert publications.domain_available(DOMAIN), "a pending claim blocks nobody"


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("10.0.0.2", ("10.0.0.2", 53)),
        ("[::1]:5300", ("::1", 5300)),
        ("::1", ("::1", 53)),
    ],
)
def test_dns_resolver_setting_is_read_as_host_and_port(configured, expected):
    from saas.core.dns_lookup import nameserver_address

    assert nameserver_address(configured) == expected
