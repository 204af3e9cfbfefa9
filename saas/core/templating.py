"""Jinja filters and globals shared by every template (features add their own in init_app)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from saas.core import page_hole_rendering
from saas.core.links import absolute_public_url, publication_base_url
from saas.core.urls import public_url


def local_date(value: datetime | None, tz: str = "UTC", fmt: str = "%-d %B %Y") -> str:
    """Format an aware datetime in a publication's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


def paragraphs(text: str) -> list[str]:
    """Split plain text into paragraphs on blank lines, whatever the line endings."""
    return [p.strip() for p in re.split(r"\r?\n\s*\r?\n", text or "") if p.strip()]


def possessive(name: str) -> str:
    """A name made possessive: "Maya’s", and "Calm Waters’" for a name ending in s."""
    name = (name or "").rstrip()
    if not name:
        return ""
    return name + ("’" if name[-1] in "sS" else "’s")


def readable_on(hex_color: str) -> str:
    """Black or white, whichever reads better on the given background colour."""
    try:
        r, g, b = (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (ValueError, TypeError):
        return "#ffffff"
    channel = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2]
    return "#111111" if luminance > 0.4 else "#ffffff"


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters.update(
        local_date=local_date,
        readable_on=readable_on,
        paragraphs=paragraphs,
        possessive=possessive,
    )
    app.jinja_env.globals.update(
        public_url=public_url,
        publication_base_url=publication_base_url,
        absolute_public_url=absolute_public_url,
    )
    page_hole_rendering.init_app(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
