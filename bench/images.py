"""Time to upload a 12-megapixel phone photo against a bare Pillow resize of the same file.

A practitioner drops a photo straight from their phone into the editor. This times:

  bare resize   the floor: `Image.open(file).resize((1200, 900)).save(jpeg)`, the least any
                image upload does (no checks, one size, metadata carried along)
  processing    `saas.core.images.process` alone: checks, EXIF orientation, metadata removed,
                the 600, 1200 and 2400 px files encoded
  upload        the whole request as the editor sends it: POST /dashboard/<slug>/images/upload
                (multipart parsing, CSRF, processing, three files written to local storage,
                the image row committed) and its JSON answer

The photo is 4000 x 3000 px, about 5 MB of JPEG with EXIF (camera, time, GPS) like a phone's.
Each upload is a new file (its EXIF time differs), so none is answered from an earlier one.
Rows alternate --repeat times and the median counts (best also shown). Runs on the embedded
default (SQLite and files under a temporary folder). The last line is
``ratio: X (upload/bare resize)``. Target: the upload's median under 1.5 s on this machine.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 1.5
SIZE = (4000, 3000)


def phone_photo(minute: int) -> bytes:
    """A 12 MP JPEG with a photo's texture (gradients, shapes, sensor noise) and phone EXIF."""
    from PIL import Image, ImageDraw

    width, height = SIZE
    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize(SIZE),
            Image.radial_gradient("L").resize(SIZE),
            Image.linear_gradient("L").rotate(90).resize(SIZE),
        ],
    )
    draw = ImageDraw.Draw(base)
    for i in range(40):
        x, y = (i * 397) % width, (i * 263) % height
        draw.ellipse((x, y, x + 300 + i * 7, y + 200 + i * 5), fill=(i * 6 % 255, 90, 200 - i))
    noise = Image.effect_noise(SIZE, 24).convert("RGB")
    photo = Image.blend(base, noise, 0.18)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "PhoneMaker", "Phone 15"
    exif[0x0132] = f"2026:11:02 09:{minute % 60:02d}:00"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def bare_resize(data: bytes) -> None:
    """The floor: open, resize to the web width, encode."""
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(data)).resize((1200, 900)).save(out, "JPEG")


def processing(data: bytes) -> None:
    """Tend's image pipeline alone."""
    from saas.core import images

    images.process(data, max_bytes=20_000_000, max_pixels=50_000_000)


class Uploader:
    """A signed-in practitioner posting to the upload endpoint of a fresh embedded app."""

    def __init__(self, folder: str) -> None:
        os.environ["TEND_INSTANCE_DIR"] = folder
        os.environ.setdefault("TEND_MIGRATION_LOG_LEVEL", "WARNING")
        from flask_migrate import upgrade

        from saas import create_app
        from saas.accounts.models import User
        from saas.accounts.passwords import hash_password
        from saas.core.extensions import db
        from saas.publishing import publications

        self.app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                "UPLOADS_DIR": f"{folder}/uploads",
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
                "BASE_URL": "http://127.0.0.1:5000",
                "IMAGE_MAX_BYTES": 20_000_000,
            }
        )
        with self.app.app_context():
            upgrade()
            owner = User(
                name="Maya", email="maya@example.com", password_hash=hash_password("pw-bench-1")
            )
            owner.email_confirmed = True
            db.session.add(owner)
            db.session.commit()
            publications.create_publication(owner, slug="calm", name="Calm Letters")
        self.client = self.app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        self.client.post(
            "/login",
            data={"email": "maya@example.com", "password": "pw-bench-1", "csrf_token": token},
        )
        page = self.client.get("/dashboard/calm/images").get_data(as_text=True)
        self.token = page.split('name="csrf_token" value="')[1].split('"')[0]

    def upload(self, data: bytes) -> None:
        response = self.client.post(
            "/dashboard/calm/images/upload",
            data={"image": (io.BytesIO(data), "IMG_2034.jpg")},
            headers={"X-CSRFToken": self.token, "Accept": "application/json"},
        )
        if response.status_code != 201:
            raise SystemExit(f"upload failed: {response.status_code} {response.get_data()[:200]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    photos = [phone_photo(minute) for minute in range(args.repeat * 2 + 1)]
    print(f"photo: {SIZE[0]} x {SIZE[1]} px, {len(photos[0]) / 1_000_000:.1f} MB JPEG with EXIF")
    with tempfile.TemporaryDirectory(prefix="tend-bench-images-") as folder:
        uploader = Uploader(folder)
        uploader.upload(photos.pop())  # warm-up: imports, first request, the database file
        rows = {"bare resize": [], "processing": [], "upload": []}
        for _ in range(args.repeat):
            for name, run, data in (
                ("bare resize", bare_resize, photos[0]),
                ("processing", processing, photos.pop()),
                ("upload", uploader.upload, photos.pop()),
            ):
                start = time.perf_counter()
                run(data)
                rows[name].append(time.perf_counter() - start)
    for name, seconds in rows.items():
        print(
            f"{name:<12} median {statistics.median(seconds) * 1000:7.1f} ms   "
            f"best {min(seconds) * 1000:7.1f} ms"
        )
    upload = statistics.median(rows["upload"])
    ratio = upload / statistics.median(rows["bare resize"])
    verdict = "meets" if upload < TARGET_SECONDS else "misses"
    print(f"{verdict} the target: upload with its sizes under {TARGET_SECONDS:g} s")
    print(f"ratio: {ratio:.2f} (upload/bare resize)")
    return 0 if upload < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
