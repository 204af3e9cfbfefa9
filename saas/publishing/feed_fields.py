"""Feed fields encoded for what feed apps do with them, so typed text never becomes markup.

Each function returns what a feed app should decode from the element, as a plain `str`:
the template's autoescaping then adds the one layer of XML escaping the feed itself needs.
"""

from __future__ import annotations

import html

from saas.publishing.rendering import sanitize_html


def text_as_html(text: str) -> str:
    """Plain text for elements read as HTML (RSS descriptions, Atom `type="html"`)."""
    return html.escape(text or "", quote=False)


def ambiguous_text(text: str) -> str:
    """Plain text for RSS titles, which some feed apps show as text and others parse as HTML.

    Angle brackets become character references, so neither reading can open a tag; the rest
    stays as typed, so "Q&A" reads the same in both.
    """
    return (text or "").replace("<", "&lt;").replace(">", "&gt;")


def clean_html(markup: str) -> str:
    """HTML for content elements, sanitised again on the way out."""
    return sanitize_html(markup or "")
