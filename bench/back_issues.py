"""Importing 500 back issues with 2,000 images from a local server, against the same import
with image fetching off.

A Ghost export of 500 posts (a few paragraphs each, four images per post, each image its own
800 x 600 JPEG) is imported into a fresh publication twice over, through the services the
dashboard calls (`store_export`, then `queue_import`, whose job runs in-process on the
embedded default):

  without images  every post written as an issue (sanitised, rendered, numbered, linked to
                  its source, progress committed per post); the images keep their addresses
  with images     the same, and each of the 2,000 images fetched from a loopback HTTP server
                  through saas.core.outbound_http, checked, resized and stored (local files)

Runs on the embedded default (SQLite and files under a temporary folder). Prints both times;
the last line is ``ratio: X (with images/without images)``. Target: the import with images
under 60 s.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
POSTS = 500
IMAGES_PER_POST = 4
TARGET_SECONDS = 60.0


def make_images(count: int) -> list[bytes]:
    """`count` distinct 800 x 600 JPEGs."""
    from PIL import Image, ImageDraw

    base = Image.linear_gradient("L").resize((800, 600)).convert("RGB")
    images = []
    for n in range(count):
        image = base.copy()
        draw = ImageDraw.Draw(image)
        draw.rectangle((n % 700, n % 500, n % 700 + 100, n % 500 + 100), fill=(n % 256, 90, 140))
        draw.text((10, 10), f"image {n}", fill=(255, 255, 255))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        images.append(out.getvalue())
    return images


def serve(images: list[bytes]) -> tuple[ThreadingHTTPServer, str]:
    """A loopback server answering /<n>.jpg with image n."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = images[int(self.path.strip("/").split(".")[0])]
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def ghost_export(base: str) -> bytes:
    """500 published posts, four images each."""
    paragraph = "<p>" + "A sentence about the practice and what it asks of us. " * 8 + "</p>"
    posts = []
    for n in range(POSTS):
        figures = "".join(
            f'<figure><img src="{base}/{n * IMAGES_PER_POST + k}.jpg" alt="Figure {k}">'
            f"<figcaption>Figure {k}</figcaption></figure>"
            for k in range(IMAGES_PER_POST)
        )
        posts.append(
            {
                "id": f"p{n}",
                "uuid": f"u{n}",
                "title": f"Letter {n + 1}",
                "slug": f"letter-{n + 1}",
                "status": "published",
                "visibility": "paid" if n % 5 == 0 else "public",
                "published_at": f"20{10 + n // 365:02d}-01-01T00:00:00.000Z",
                "html": paragraph * 3 + figures + paragraph,
            }
        )
    return json.dumps({"db": [{"data": {"posts": posts}}]}).encode()


def import_into(app, slug: str, content: bytes, fetch_images: bool) -> float:
    """Seconds to store, preview-check and run the import into a new publication."""
    from saas.accounts.models import User
    from saas.core.extensions import db
    from saas.core.tenancy import bound_to
    from saas.publishing import publications
    from saas.publishing.back_issues import run

    with app.app_context():
        owner = db.session.scalar(db.select(User))
        publication = publications.create_publication(owner, slug=slug, name=slug)
        with bound_to(publication.id):
            start = time.perf_counter()
            stored = run.store_export(publication, "ghost.json", content, fetch_images=fetch_images)
            run.queue_import(publication, stored)  # the job runs here on the embedded default
            seconds = time.perf_counter() - start
            done = run.get_import(publication, stored.id)
            expected = POSTS * IMAGES_PER_POST if fetch_images else 0
            if done.imported_count != POSTS or done.images_rehosted != expected:
                raise SystemExit(
                    f"{slug}: {done.status} {done.imported_count} issues, "
                    f"{done.images_rehosted} images, {done.image_failures[:3]} {done.error}"
                )
    return seconds


def main() -> int:
    print(f"{POSTS} posts, {POSTS * IMAGES_PER_POST} images of 800 x 600 px")
    images = make_images(POSTS * IMAGES_PER_POST)
    server, base = serve(images)
    content = ghost_export(base)
    with tempfile.TemporaryDirectory(prefix="tend-bench-back-issues-") as folder:
        os.environ["TEND_INSTANCE_DIR"] = folder
        os.environ.setdefault("TEND_MIGRATION_LOG_LEVEL", "WARNING")
        from flask_migrate import upgrade

        from saas import create_app
        from saas.accounts.models import User
        from saas.accounts.passwords import hash_password
        from saas.core.extensions import db

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                "UPLOADS_DIR": f"{folder}/uploads",
                "SECRET_KEY": "bench",
                "BASE_URL": "http://127.0.0.1:5000",
                # The image server listens on loopback, as in tests.
                "OUTBOUND_ALLOW_LOOPBACK": True,
            }
        )
        with app.app_context():
            upgrade()
            owner = User(name="Maya", email="maya@example.com", password_hash=hash_password("x"))
            owner.email_confirmed = True
            db.session.add(owner)
            db.session.commit()
        without = import_into(app, "without-images", content, fetch_images=False)
        with_images = import_into(app, "with-images", content, fetch_images=True)
    server.shutdown()
    print(f"without images  {without:6.1f} s")
    print(f"with images     {with_images:6.1f} s")
    verdict = "meets" if with_images < TARGET_SECONDS else "misses"
    print(f"{verdict} the target: {POSTS} issues with their images under {TARGET_SECONDS:g} s")
    print(f"ratio: {with_images / without:.2f} (with images/without images)")
    return 0 if with_images < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
