"""A post's images brought home: fetched through saas.core.outbound_http (public addresses
only, no redirects, a deadline, a size cap) and stored through publishing's image storage.

An image that cannot be had keeps its original address and is reported with the reason.
Each address is fetched once per import (a cache maps it to its new address), and a file
already stored (same content) is the same image.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app

from saas.core import outbound_http
from saas.publishing.images import markup as image_markup
from saas.publishing.images import uploads as image_uploads
from saas.publishing.models import Publication

IMAGE_TIMEOUT = 15.0


@dataclass
class Rehosting:
    """One import's image work: addresses already settled, and what failed."""

    publication: Publication
    moved: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    stored: int = 0

    def new_url(self, url: str) -> str | None:
        """The stored image's address for `url`, or None (the reason is in `failed`)."""
        if url in self.moved:
            return self.moved[url]
        if url in self.failed:
            return None
        if not url.startswith(("http://", "https://")):
            # Ghost writes its own images as __GHOST_URL__/content/...: no site to ask.
            self.failed[url] = "not a full address, so it could not be fetched"
            return None
        try:
            data = _download(url)
            image = image_uploads.store_image(
                self.publication, data, urlsplit(url).path.rsplit("/", 1)[-1]
            )
        except (
            outbound_http.OutboundError,
            image_uploads.ImageRefused,
            image_uploads.QuotaReached,
        ) as exc:
            self.failed[url] = str(exc)[:300]
            return None
        except image_uploads.StorageUnavailable:
            self.failed[url] = "the image storage did not take the file"
            return None
        self.stored += 1
        self.moved[url] = image_markup.variants_of(image).web.url
        return self.moved[url]


class _NotAnImage(outbound_http.OutboundError):
    """The server answered, but not with an image Tend can use."""


def _download(url: str) -> bytes:
    cap = int(current_app.config["IMAGE_MAX_BYTES"])
    limits = outbound_http.Limits(total_timeout=IMAGE_TIMEOUT, max_body=cap)
    response = outbound_http.request("GET", url, headers={"Accept": "image/*"}, limits=limits)
    if response.is_redirect:
        raise _NotAnImage(f"the server redirected ({response.status}); redirects are not followed")
    if not response.ok:
        raise _NotAnImage(f"the server answered {response.status} {response.reason}".strip())
    if response.truncated:
        raise _NotAnImage(f"larger than {cap // 1_048_576} MB")
    return response.body
