"""Jinja filters for issues: reading time, the excerpt shown in lists and feeds, feed fields."""

from __future__ import annotations

from flask import Flask

from saas.publishing import feed_fields
from saas.publishing.rendering import (
    format_issue_header,
    format_read_time_label,
    format_read_time_short,
    plain_text,
)


def text_excerpt(text: str, length: int = 220) -> str:
    """First words of plain text (an issue's stored `body_text`), cut at a word boundary."""
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def excerpt(html: str, length: int = 220) -> str:
    """First words of rendered HTML, cut at a word boundary."""
    return text_excerpt(plain_text(html), length)


def issue_header(issue) -> str:
    """The line above an issue's title: its number, if published, and the long read time."""
    return format_issue_header(issue.number, issue.read_seconds)


def init_app(app: Flask) -> None:
    """Register the issue filters."""
    app.jinja_env.filters.update(
        read_time_label=format_read_time_label,
        issue_header=issue_header,
        read_time_short=format_read_time_short,
        excerpt=excerpt,
        text_excerpt=text_excerpt,
        feed_html_text=feed_fields.text_as_html,
        feed_ambiguous_text=feed_fields.ambiguous_text,
        feed_clean_html=feed_fields.clean_html,
    )
