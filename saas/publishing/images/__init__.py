"""Images in issues: uploads for the editor and covers, their web and email sizes, the library.

Why publishing: an image exists to be put in an issue (its body or its cover) and publishing
owns issues, the editor and how an issue renders; readers' and support features never show
uploaded images. Storage itself (local disk or a bucket) and the Pillow checks are
saas.core's (core.storage, core.images), so any later feature can store files the same way.

models (Image: one upload, tenant-scoped, with the widths stored), uploads (store an upload
under the plan's quota, delete one, a publication's usage, erase them all), markup (an
image's variant URLs; `<img>` tags for the web page with srcset, for email with the 600 px
file and its size), views (the dashboard's upload endpoint and image library).

Hooks (publishing.hooks): `image_storing` lets billing refuse an upload past the plan's
storage quota; `image_storage_limit` tells the library page what that quota is.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The upload and library routes, and the `web_image` / `email_image` template helpers."""
    from saas.publishing.images import markup, views  # noqa: F401  (register routes)

    app.jinja_env.globals.update(web_image=markup.web_image, email_image=markup.email_image)
