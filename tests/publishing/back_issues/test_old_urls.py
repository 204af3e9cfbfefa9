"""When the custom domain moves over, the old platforms' links land on the new issue pages."""

from __future__ import annotations

import pytest

from saas.core.extensions import db
from saas.publishing.models import Publication
from tests.custom_domain_helpers import mark_domain_verified
from tests.publishing.back_issues.exports import ghost_json, substack_zip, wxr
from tests.publishing.back_issues.helpers import import_all, issues_of

DOMAIN = "letters.example.org"


@pytest.fixture()
def on_own_domain(app, pub):
    with app.app_context():
        db.session.get(Publication, pub.id).custom_domain = DOMAIN
        db.session.commit()
    mark_domain_verified(app, pub.id)
    yield
    app.extensions["custom_domains"].forget()


def _redirect(client, path: str):
    return client.get(path, headers={"Host": DOMAIN})


def test_substack_links_redirect_permanently(app, client, pub, images, on_own_domain):
    import_all(app, client, pub, substack_zip(images.base), "export.zip", fetch_images=False)
    response = _redirect(client, "/p/first-light")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"://{DOMAIN}/issues/first-light")
    assert _redirect(client, response.headers["Location"].split(DOMAIN)[1]).status_code == 200
    assert _redirect(client, "/p/the-paid-one/").status_code == 301
    # A draft never imported, and a path no post had: not found.
    assert _redirect(client, "/p/unfinished").status_code == 404
    assert _redirect(client, "/p/nothing-here").status_code == 404
    # Substack's feed named items by their address on the custom domain: so does Tend's.
    assert issues_of(app, pub)[0].feed_guid == f"https://{DOMAIN}/p/first-light"


def test_ghost_links_redirect_permanently(app, client, pub, images, on_own_domain):
    import_all(app, client, pub, ghost_json(images.base), "ghost.json", fetch_images=False)
    for path in ("/roots/", "/roots"):
        response = _redirect(client, path)
        assert response.status_code == 301, path
        assert response.headers["Location"].endswith(f"://{DOMAIN}/issues/roots")
    # The site's own pages are not taken for old posts.
    assert _redirect(client, "/archive").status_code == 200
    assert _redirect(client, "/feed.xml").status_code == 200
    assert _redirect(client, "/unknown/").status_code == 404


def test_wordpress_links_redirect_permanently(app, client, pub, images, on_own_domain):
    import_all(app, client, pub, wxr(images.base), "wordpress.xml", fetch_images=False)
    response = _redirect(client, "/2019/07/04/hello-world/")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"://{DOMAIN}/issues/hello-world")
    assert _redirect(client, "/2019/08/01/second").status_code == 301
    assert _redirect(client, "/2019/08/02/second/").status_code == 404


def test_an_unpublished_issue_is_not_redirected_to(app, client, pub, images, on_own_domain):
    from saas.core.tenancy import bound_to
    from saas.publishing import issues as issue_service

    import_all(app, client, pub, ghost_json(images.base), "ghost.json", fetch_images=False)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        roots = issue_service.published_by_slug(publication, "roots")
        issue_service.unpublish_issue(publication, roots)
    assert _redirect(client, "/roots/").status_code == 404


def test_other_publications_old_links_are_not_followed(app, client, pub, images, factories):
    import_all(app, client, pub, ghost_json(images.base), "ghost.json", fetch_images=False)
    factories.publication(slug="other")
    assert client.get(f"/p/{pub.slug}/roots/").status_code == 301
    assert client.get("/p/other/roots/").status_code == 404


@pytest.mark.parametrize("path", ["/feed", "/feed/", "/rss/"])
def test_the_old_feed_address_leads_to_the_feed(app, client, pub, on_own_domain, path):
    response = _redirect(client, path)
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"://{DOMAIN}/feed.xml")
