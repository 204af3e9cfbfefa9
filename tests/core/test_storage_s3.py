"""The S3 storage backend against moto's S3 server, run as a real process on loopback.

The same upload a practitioner makes on the embedded default goes through an app configured
with STORAGE_BACKEND=s3: the files land in the bucket with their media type and cache
headers, readers fetch them from the bucket's address, and deleting or erasing removes them.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from PIL import Image as PILImage

from saas import create_app
from saas.core.storage import StorageError
from saas.core.storage.s3 import S3Storage
from tests.conftest import _test_config, csrf_token, login
from tests.publishing import image_files
from tests.smtp_sink import free_port

BUCKET = "tend-uploads"


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[str]:
    """moto's server on a free loopback port, in its own process group; yields its address."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{address}/moto-api/", timeout=1).close()
            break
        except (urllib.error.URLError, ConnectionError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("moto's server did not start") from None
            time.sleep(0.2)
    yield address
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def _storage(address: str) -> S3Storage:
    return S3Storage(
        BUCKET,
        public_url=f"{address}/{BUCKET}",
        endpoint_url=address,
        access_key_id="test",
        secret_access_key="test",
    )


# What README asks of a production bucket: readers may GET its objects.
PUBLIC_READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        ],
    }
)


@pytest.fixture()
def bucket(moto_s3) -> S3Storage:
    """An empty bucket on the moto server, readable by anyone like a production one."""
    storage = _storage(moto_s3)
    try:
        storage.client.create_bucket(Bucket=BUCKET)
        storage.client.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_READ)
    except storage.client.exceptions.BucketAlreadyOwnedByYou:
        storage.delete(storage.keys(""))
    return storage


def _fetch(url: str):
    return urllib.request.urlopen(url, timeout=10)


def test_files_round_trip_through_the_bucket(bucket, moto_s3):
    bucket.put("7/abc-600.jpg", b"jpeg bytes", "image/jpeg")
    bucket.put("7/abc-1200.jpg", b"bigger jpeg", "image/jpeg")
    bucket.put("8/def-600.png", b"png bytes", "image/png")

    assert bucket.get("7/abc-600.jpg") == b"jpeg bytes"
    assert bucket.keys("7/") == ["7/abc-1200.jpg", "7/abc-600.jpg"]
    url = bucket.url("7/abc-600.jpg")
    assert url == f"{moto_s3}/{BUCKET}/7/abc-600.jpg"
    assert bucket.key_for(url) == "7/abc-600.jpg" and bucket.key_for("https://x.org/a") is None
    with _fetch(url) as response:
        assert response.read() == b"jpeg bytes"
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    bucket.delete(["7/abc-600.jpg", "7/abc-1200.jpg", "7/never-there.jpg"])
    assert bucket.keys("7/") == [] and bucket.keys("") == ["8/def-600.png"]
    with pytest.raises(FileNotFoundError):
        bucket.get("7/abc-600.jpg")
    with pytest.raises(ValueError):
        bucket.put("../escape.jpg", b"x", "image/jpeg")


def test_a_missing_bucket_is_a_storage_error(moto_s3):
    storage = S3Storage(
        "no-such-bucket",
        public_url="https://cdn.example",
        endpoint_url=moto_s3,
        access_key_id="test",
        secret_access_key="test",
    )
    with pytest.raises(StorageError):
        storage.put("1/a-600.jpg", b"x", "image/jpeg")


@pytest.fixture()
def s3_app(app, smtp_sink, moto_s3, bucket):
    """A second app on the same database, storing uploads in the bucket."""
    return create_app(
        {
            **_test_config(smtp_sink),
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": moto_s3,
            "S3_ACCESS_KEY_ID": "test",
            "S3_SECRET_ACCESS_KEY": "test",
            "S3_PUBLIC_URL": "",
        }
    )


def test_a_practitioners_upload_lands_in_the_bucket_without_its_metadata(
    s3_app, factories, bucket, moto_s3
):
    owner = factories.user(email="maya@example.com")
    publication = factories.publication(owner=owner, slug="calm")
    client = s3_app.test_client()
    login(client, "maya@example.com")
    response = client.post(
        "/dashboard/calm/images/upload",
        data={"image": (io.BytesIO(image_files.photo()), "walk.jpg")},
        headers={
            "X-CSRFToken": csrf_token(client, "/dashboard/calm/images"),
            "Accept": "application/json",
        },
    )
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["url"].startswith(f"{moto_s3}/{BUCKET}/{publication.id}/")
    assert len(bucket.keys(f"{publication.id}/")) == 3
    with _fetch(answer["url"]) as fetched:
        stored = PILImage.open(io.BytesIO(fetched.read()))
    assert stored.size == (1200, 900) and len(stored.getexif()) == 0
    assert "xmp" not in stored.info
    # Local /media/ serves nothing when the bucket holds the files.
    assert client.get(f"/media/{publication.id}/x-600.jpg").status_code == 404

    token = csrf_token(client, "/dashboard/calm/images")
    deleted = client.post(
        f"/dashboard/calm/images/{answer['id']}/delete", data={"csrf_token": token}
    )
    assert deleted.status_code == 303
    assert bucket.keys(f"{publication.id}/") == []
