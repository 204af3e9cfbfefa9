"""A practitioner uploads images for an issue: what is stored, what is refused, who sees them."""

from __future__ import annotations

import io

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.storage import get_storage
from saas.core.tenancy import bound_to
from saas.publishing.images.models import Image
from tests.conftest import csrf_token, login
from tests.publishing import image_files


@pytest.fixture()
def writer(app, factories, client):
    """Maya, signed in, with her publication and a draft."""
    owner = factories.user(email="maya@example.com", name="Maya")
    publication = factories.publication(owner=owner, slug="calm", name="Calm Letters")
    issue = factories.issue(publication, title="Spring")
    login(client, "maya@example.com")
    return publication, issue


def upload(client, slug: str, data: bytes, filename: str = "walk.jpg", token=True, **fields):
    headers = {"Accept": "application/json"}
    if token:
        headers["X-CSRFToken"] = csrf_token(client, f"/dashboard/{slug}/images")
    return client.post(
        f"/dashboard/{slug}/images/upload",
        data={"image": (io.BytesIO(data), filename), **fields},
        headers=headers,
        content_type="multipart/form-data",
    )


def stored_keys(app, publication) -> list[str]:
    with app.app_context():
        return get_storage().keys(f"{publication.id}/")


def image_count(app, publication) -> int:
    with app.app_context(), bound_to(publication.id):
        return db.session.scalar(select(func.count()).select_from(Image))


def read_back(app, client, url: str) -> PILImage.Image:
    """Fetch a stored file the way a reader's browser does, and open it with Pillow."""
    response = client.get(url)
    assert response.status_code == 200, url
    image = PILImage.open(io.BytesIO(response.data))
    image.load()
    return image


def test_a_photo_loses_its_location_and_camera_details(app, client, writer):
    publication, _ = writer
    original = PILImage.open(io.BytesIO(image_files.photo()))
    assert original.getexif().get_ifd(0x8825), "the test photo carries a GPS position"
    assert "xmp" in original.info

    response = upload(client, publication.slug, image_files.photo())

    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert [(v["width"], v["height"]) for v in answer["variants"]] == [
        (600, 450),
        (1200, 900),
        (1600, 1200),
    ]
    for variant in answer["variants"]:
        stored = read_back(app, client, variant["url"])
        assert stored.size == (variant["width"], variant["height"])
        exif = stored.getexif()
        assert len(exif) == 0 and not exif.get_ifd(0x8825)
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment"} & set(stored.info)
        assert b"PhoneMaker" not in client.get(variant["url"]).data
    assert (answer["url"], answer["width"], answer["height"]) == (
        answer["variants"][1]["url"],
        1200,
        900,
    )
    assert answer["markdown"] == f"![walk]({answer['url']})"


def test_a_turned_phone_photo_is_stored_upright(app, client, writer):
    publication, _ = writer
    # Stored sideways (1600 x 1200) with "turn 90° clockwise to view" in its EXIF.
    response = upload(client, publication.slug, image_files.photo(orientation=6))
    sizes = [(v["width"], v["height"]) for v in response.get_json()["variants"]]
    assert sizes == [(600, 800), (1200, 1600)]
    assert read_back(app, client, response.get_json()["url"]).size == (1200, 1600)


def test_transparent_png_stays_png_without_its_text_chunks(app, client, writer):
    publication, _ = writer
    response = upload(client, publication.slug, image_files.png_with_transparency(), "logo.png")
    assert response.status_code == 201
    stored = read_back(app, client, response.get_json()["url"])
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert "Comment" not in stored.info and stored.getpixel((700, 10))[3] == 0


def test_files_are_named_by_content_and_cached_for_a_year(app, client, writer):
    publication, _ = writer
    data = image_files.photo()
    answer = upload(client, publication.slug, data).get_json()
    from saas.core.images import digest

    assert answer["url"] == f"http://localhost/media/{publication.id}/{digest(data)}-1200.jpg"
    response = client.get(answer["url"])
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_same_file_twice_is_one_image(app, client, writer):
    publication, _ = writer
    first = upload(client, publication.slug, image_files.photo()).get_json()
    again = upload(client, publication.slug, image_files.photo(), "copy.jpg").get_json()
    assert first["id"] == again["id"]
    assert image_count(app, publication) == 1 and len(stored_keys(app, publication)) == 3


def test_a_decompression_bomb_is_refused_before_decoding(app, client, writer):
    publication, _ = writer
    for bomb in (image_files.png_bomb(), image_files.png_bomb(9_000, 9_000)):
        response = upload(client, publication.slug, bomb, "huge.png")
        assert response.status_code == 413
        assert "pixels" in response.get_json()["error"]
    assert image_count(app, publication) == 0 and stored_keys(app, publication) == []


@pytest.mark.parametrize(
    "filename, data",
    [*image_files.NOT_IMAGES.items(), ("scan.bmp", image_files.bmp())],
)
def test_files_that_are_not_images_tend_takes_are_refused(app, client, writer, filename, data):
    publication, _ = writer
    response = upload(client, publication.slug, data, filename)
    assert response.status_code == 415
    assert "JPEG, PNG, GIF or WebP" in response.get_json()["error"]
    assert image_count(app, publication) == 0 and stored_keys(app, publication) == []


def test_a_damaged_jpeg_is_refused(app, client, writer):
    publication, _ = writer
    response = upload(client, publication.slug, image_files.photo()[:3000], "cut.jpg")
    assert response.status_code == 422
    assert "damaged" in response.get_json()["error"]
    assert image_count(app, publication) == 0 and stored_keys(app, publication) == []


@pytest.fixture()
def small_limit(app):
    saved = app.config["IMAGE_MAX_BYTES"]
    app.config["IMAGE_MAX_BYTES"] = 50_000
    yield 50_000
    app.config["IMAGE_MAX_BYTES"] = saved


def test_an_image_over_the_size_limit_is_refused_with_the_limit(app, client, writer, small_limit):
    publication, _ = writer
    just_over = image_files.photo()  # about 80 kB
    assert small_limit < len(just_over) < small_limit + 64 * 1024
    response = upload(client, publication.slug, just_over)
    assert response.status_code == 413
    assert "the most we accept is 50 KB" in response.get_json()["error"]

    far_over = image_files.photo(3000, 2000, shade=200) + b"\0" * 200_000
    response = upload(client, publication.slug, far_over)
    assert response.status_code == 413
    assert "larger than 50 KB" in response.get_json()["error"]
    assert image_count(app, publication) == 0 and stored_keys(app, publication) == []


def test_uploads_need_the_csrf_token(app, client, writer):
    publication, _ = writer
    response = upload(client, publication.slug, image_files.photo(), token=False)
    assert response.status_code == 400
    assert image_count(app, publication) == 0


def test_uploads_are_rate_limited_per_practitioner(app, client, writer):
    publication, _ = writer
    token = csrf_token(client, f"/dashboard/{publication.slug}/images")
    statuses = [
        client.post(
            f"/dashboard/{publication.slug}/images/upload",
            data={"image": (io.BytesIO(image_files.photo(64, 48)), "tiny.jpg")},
            headers={"X-CSRFToken": token, "Accept": "application/json"},
        ).status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [201] * 30 and statuses[30] == 429


def test_deleting_an_image_removes_its_files(app, client, writer):
    publication, _ = writer
    answer = upload(client, publication.slug, image_files.photo()).get_json()
    token = csrf_token(client, f"/dashboard/{publication.slug}/images")
    response = client.post(
        f"/dashboard/{publication.slug}/images/{answer['id']}/delete", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert image_count(app, publication) == 0 and stored_keys(app, publication) == []
    assert client.get(answer["url"]).status_code == 404


def test_erasing_a_publications_images_leaves_no_file(app, client, writer):
    publication, _ = writer
    upload(client, publication.slug, image_files.photo())
    upload(client, publication.slug, image_files.png_with_transparency(), "logo.png")
    with app.app_context():
        # A file whose row never committed (a crash between the two) goes too.
        get_storage().put(f"{publication.id}/stray-600.jpg", b"x", "image/jpeg")
        from saas.publishing.images import uploads
        from saas.publishing.models import Publication

        with bound_to(publication.id):
            assert uploads.erase_all(db.session.get(Publication, publication.id)) == 2
    assert image_count(app, publication) == 0 and stored_keys(app, publication) == []


def test_media_route_serves_only_stored_images(app, client, writer):
    publication, _ = writer
    with app.app_context():
        get_storage().put(f"{publication.id}/note.txt", b"secret", "text/plain")
    assert client.get(f"/media/{publication.id}/note.txt").status_code == 404
    assert client.get("/media/../secret_key").status_code == 404
    assert client.get("/media/%2e%2e/secret_key.jpg").status_code == 404
    with app.app_context():
        with pytest.raises(ValueError):
            get_storage().put("../outside.jpg", b"x", "image/jpeg")
        with pytest.raises(ValueError):
            get_storage().keys("../")
