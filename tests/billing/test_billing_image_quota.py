"""Each plan keeps so much of a publication's images; past it an upload is refused, whole."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.storage import get_storage
from saas.core.tenancy import bound_to
from saas.publishing.images.models import Image
from tests.billing_helpers import billing, stripe_server  # noqa: F401  (fixtures)
from tests.conftest import login
from tests.publishing import image_files
from tests.publishing.test_image_uploads import upload


def _free_plan_storage(app, limit: int) -> None:
    plans = [dict(plan) for plan in app.config["BILLING_PLANS"]]
    plans[0]["max_storage_bytes"] = limit
    app.config["BILLING_PLANS"] = plans


def test_an_upload_past_the_plans_storage_is_refused_until_room_is_made(
    app,
    factories,
    client,
    billing,  # noqa: F811
):
    owner = factories.user(email="maya@example.com")
    publication = factories.publication(owner=owner, slug="calm")
    login(client, "maya@example.com")
    first = upload(client, "calm", image_files.photo(shade=10))
    assert first.status_code == 201
    with app.app_context(), bound_to(publication.id):
        one_image = db.session.scalar(select(Image.stored_bytes))
    # Room for the first image and half of another.
    _free_plan_storage(app, int(one_image * 1.5))

    second = upload(client, "calm", image_files.photo(shade=200), "second.jpg")

    assert second.status_code == 403
    message = second.get_json()["error"]
    assert "Your Free plan keeps" in message and "Nothing was uploaded" in message
    assert "Upgrade to Pro" in message
    with app.app_context(), bound_to(publication.id):
        assert db.session.scalar(select(func.count()).select_from(Image)) == 1
        assert len(get_storage().keys(f"{publication.id}/")) == 3
    library = client.get("/dashboard/calm/images").get_data(as_text=True)
    assert "of the" in library and "your plan includes" in library

    token = library.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        f"/dashboard/calm/images/{first.get_json()['id']}/delete", data={"csrf_token": token}
    )
    assert upload(client, "calm", image_files.photo(shade=200), "second.jpg").status_code == 201


def test_with_billing_off_no_quota_applies(app, factories, client):
    owner = factories.user(email="maya@example.com")
    factories.publication(owner=owner, slug="calm")
    login(client, "maya@example.com")
    saved = app.config["BILLING_PLANS"]
    _free_plan_storage(app, 1)
    try:
        assert upload(client, "calm", image_files.photo()).status_code == 201
    finally:
        app.config["BILLING_PLANS"] = saved
