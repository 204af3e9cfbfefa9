"""One publication's images are invisible to another: not listed, not deletable, not sized."""

from __future__ import annotations

import re

from saas.core.extensions import db
from saas.core.storage import get_storage
from saas.core.tenancy import bound_to
from saas.publishing.images import uploads
from saas.publishing.models import Publication
from tests.conftest import csrf_token, login
from tests.publishing import image_files
from tests.publishing.test_image_uploads import upload


def test_another_publication_cannot_list_delete_or_use_an_image_by_id(app, factories, client):
    alice = factories.user(email="alice@example.com")
    alpha = factories.publication(owner=alice, slug="alpha", name="Alpha")
    alpha_issue = factories.issue(alpha, title="Alpha issue")
    bob = factories.user(email="bob@example.com")
    bravo = factories.publication(owner=bob, slug="bravo", name="Bravo")
    bravo_issue = factories.issue(bravo, title="Bravo issue")

    login(client, "alice@example.com")
    alpha_image = upload(client, "alpha", image_files.photo(), "alpha-secret.jpg").get_json()
    client.get("/logout")

    bob_client = app.test_client()
    login(bob_client, "bob@example.com")
    library = bob_client.get("/dashboard/bravo/images").get_data(as_text=True)
    assert "alpha-secret" not in library and alpha_image["url"] not in library
    token = csrf_token(bob_client, "/dashboard/bravo/images")
    for url in (
        f"/dashboard/bravo/images/{alpha_image['id']}/delete",
        f"/dashboard/alpha/images/{alpha_image['id']}/delete",
    ):
        assert bob_client.post(url, data={"csrf_token": token}).status_code == 404
    # An upload naming Alpha's issue is refused, and stores nothing.
    refused = upload(bob_client, "bravo", image_files.photo(shade=90), issue_id=alpha_issue.id)
    assert refused.status_code == 404
    with app.app_context():
        assert get_storage().keys(f"{bravo.id}/") == []
        assert len(get_storage().keys(f"{alpha.id}/")) == 3
        with bound_to(bravo.id):
            bravo_pub = db.session.get(Publication, bravo.id)
            assert uploads.get_image(bravo_pub, alpha_image["id"]) is None
            assert uploads.list_images(bravo_pub) == []
            assert uploads.storage_used(bravo_pub) == 0

    # Bravo pastes Alpha's image address into an issue: it shows as any outside image would,
    # without Alpha's sizes.
    edit = f"/dashboard/bravo/issues/{bravo_issue.id}"
    bob_client.post(
        edit,
        data={
            "csrf_token": csrf_token(bob_client, edit),
            "title": "Bravo issue",
            "body_markdown": f"![borrowed]({alpha_image['url']})",
        },
    )
    page = bob_client.get(f"{edit}/preview").get_data(as_text=True)
    (tag,) = [t for t in re.findall(r"<img\b[^>]*>", page) if "borrowed" in t]
    assert "srcset" not in tag and "width" not in tag
