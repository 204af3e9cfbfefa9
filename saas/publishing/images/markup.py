"""From an image reference to its sizes: `<img>` tags for the web page and for email.

The editor inserts an uploaded image by the URL of its web width. When an issue is saved,
`web_html` turns each such `<img>` of this publication into one with width and height (no
layout shift) and a srcset of every stored width; `email_html` turns it into the absolute
URL of the 600 px file with the width and height it shows at in the email's column. An
image this publication did not upload (another site's, another publication's) keeps the tag
it had: its sizes are not Tend's to know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape
from urllib.parse import urljoin

from flask import current_app
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.storage import get_storage
from saas.core.tenancy import current_publication_id
from saas.publishing.images.models import Image

WEB_WIDTH = 1200
EMAIL_WIDTH = 600
# The email's text column (600 px card less its padding) and the web page's.
EMAIL_COLUMN = 536
WEB_SIZES = "(max-width: 680px) 100vw, 632px"

_KEY_RE = re.compile(r"^(?P<publication>\d+)/(?P<digest>[0-9a-f]{32})-(?P<width>\d+)\.(jpg|png)$")
_IMG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR_RE = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"')


@dataclass(frozen=True)
class Sized:
    """One stored width of an image, at its address."""

    url: str
    width: int
    height: int


@dataclass(frozen=True)
class ImageVariants:
    """Every stored width of one image, narrowest first."""

    image_id: int
    sizes: tuple[Sized, ...]

    def up_to(self, width: int) -> Sized:
        """The widest file no wider than `width` (the narrowest when all are wider)."""
        fitting = [size for size in self.sizes if size.width <= width]
        return fitting[-1] if fitting else self.sizes[0]

    @property
    def web(self) -> Sized:
        """The file a web page loads by default."""
        return self.up_to(WEB_WIDTH)

    @property
    def email(self) -> Sized:
        """The file an email shows."""
        return self.up_to(EMAIL_WIDTH)

    @property
    def srcset(self) -> str:
        """Every width, for the browser to pick from."""
        return ", ".join(f"{size.url} {size.width}w" for size in self.sizes)


def variants_of(image: Image) -> ImageVariants:
    """The sizes and addresses of an image's stored files."""
    storage = get_storage()
    return ImageVariants(
        image.id,
        tuple(Sized(storage.url(image.key(w)), w, h) for w, h, _bytes in image.variants),
    )


def _reference(url: str) -> tuple[int, str] | None:
    """(publication id, digest) of a URL naming a stored image file, else None."""
    key = get_storage().key_for(url or "")
    match = _KEY_RE.match(key or "")
    if match is None:
        return None
    return int(match["publication"]), match["digest"]


def variants_for_urls(urls) -> dict[str, ImageVariants]:
    """The sizes of each URL that names one of the bound publication's images (one query)."""
    publication_id = current_publication_id()
    wanted: dict[str, str] = {}
    for url in set(urls):
        reference = _reference(url)
        if reference is not None and reference[0] == publication_id:
            wanted[url] = reference[1]
    if not wanted:
        return {}
    query = select(Image).where(
        Image.publication_id == publication_id, Image.digest.in_(set(wanted.values()))
    )
    # Called while an issue's edits wait to commit: reading must not flush them early.
    with db.session.no_autoflush:
        found = {image.digest: variants_of(image) for image in db.session.scalars(query)}
    return {url: found[digest] for url, digest in wanted.items() if digest in found}


def variants_for_url(url: str) -> ImageVariants | None:
    """The sizes of the bound publication's image at `url`, or None."""
    return variants_for_urls([url]).get(url)


def _attributes(tag: str) -> dict[str, str]:
    return {name.lower(): unescape(value) for name, value in _ATTR_RE.findall(tag)}


def _tag(attributes: dict[str, str | int]) -> str:
    return (
        "<img "
        + " ".join(f'{name}="{escape(str(value))}"' for name, value in attributes.items())
        + ">"
    )


def _rewrite(html: str, make) -> str:
    tags = {m.group(0): _attributes(m.group(0)) for m in _IMG_RE.finditer(html or "")}
    if not tags:
        return html
    sizes = variants_for_urls(a.get("src", "") for a in tags.values())
    if not sizes:
        return html

    def replace(match: re.Match) -> str:
        attributes = tags[match.group(0)]
        variants = sizes.get(attributes.get("src", ""))
        if variants is None:
            return match.group(0)
        kept = {k: v for k, v in attributes.items() if k in ("alt", "title")}
        return _tag(make(variants, kept))

    return _IMG_RE.sub(replace, html)


def _web_attributes(variants: ImageVariants, kept: dict, loading: str = "lazy") -> dict:
    shown = variants.web
    return {
        "src": shown.url,
        "alt": kept.get("alt", ""),
        **({"title": kept["title"]} if kept.get("title") else {}),
        "width": shown.width,
        "height": shown.height,
        "srcset": variants.srcset,
        "sizes": WEB_SIZES,
        "loading": loading,
        "decoding": "async",
    }


def _email_attributes(variants: ImageVariants, kept: dict) -> dict:
    shown = variants.email
    width = min(shown.width, EMAIL_COLUMN)
    return {
        "src": urljoin(current_app.config["BASE_URL"] + "/", shown.url),
        "alt": kept.get("alt", ""),
        "width": width,
        "height": max(1, round(shown.height * width / shown.width)),
    }


def web_html(html: str) -> str:
    """Sanitised issue HTML with this publication's images sized and given a srcset."""
    return _rewrite(html, _web_attributes)


def email_html(html: str) -> str:
    """Issue HTML for email: this publication's images as their 600 px file, sized."""
    return _rewrite(html, _email_attributes)


def web_image(url: str, alt: str = "", loading: str = "lazy") -> dict:
    """Attributes of an `<img>` on a web page (`<img{{ web_image(...)|xmlattr }}>`): sized
    with a srcset when the URL is one of this publication's images."""
    variants = variants_for_url(url)
    if variants is None:
        return {"src": url, "alt": alt, "loading": loading}
    return _web_attributes(variants, {"alt": alt}, loading)


def email_image(url: str, alt: str = "") -> dict:
    """Attributes of an `<img>` in email: the 600 px file, sized for the column, when the URL
    is one of this publication's images."""
    variants = variants_for_url(url)
    if variants is None:
        return {"src": url, "width": EMAIL_COLUMN, "alt": alt}
    return _email_attributes(variants, {"alt": alt})
