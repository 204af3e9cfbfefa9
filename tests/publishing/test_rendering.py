"""Markdown rendering, sanitising and reading time."""

from __future__ import annotations

import re

import pytest

from saas.publishing.rendering import (
    WORDS_PER_MINUTE,
    format_read_time_long,
    format_read_time_short,
    read_seconds,
    render_markdown,
    slugify,
)


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p onclick="alert(1)">hi</p>',
        "<svg><script>alert(1)</script></svg>",
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        "<style>body{display:none}</style>",
    ],
)
def test_dangerous_markup_is_removed(payload):
    html = render_markdown(payload)
    lowered = html.lower()
    assert "<script" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered
    # A javascript: URL may survive as inert text, never inside an attribute.
    assert not re.search(r"=\s*[\"']?\s*javascript:", lowered)
    assert "<iframe" not in lowered and "<style" not in lowered


def test_formatting_survives_sanitising():
    html = render_markdown("## Head\n\n**bold** and *em* [link](https://example.com)\n\n> quote")
    assert "<h2>Head</h2>" in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<blockquote>" in html


def test_read_time_grows_with_words():
    words = " ".join(["word"] * WORDS_PER_MINUTE * 3)
    html = render_markdown(words)
    assert read_seconds(html) == 180
    assert read_seconds(render_markdown("")) == 0


@pytest.mark.parametrize(
    ("seconds", "long", "short"),
    [
        (215, "3 minutes 35 seconds", "4 min read"),
        (60, "1 minute", "1 min read"),
        (61, "1 minute 1 second", "2 min read"),
        (45, "45 seconds", "1 min read"),
        (0, "0 seconds", "1 min read"),
        (3600, "60 minutes", "60 min read"),
    ],
)
def test_read_time_formats(seconds, long, short):
    assert format_read_time_long(seconds) == long
    assert format_read_time_short(seconds) == short


def test_slugify():
    assert slugify("Rest is not a Reward!") == "rest-is-not-a-reward"
    assert slugify("Çà et là — über") == "ca-et-la-uber"
    assert slugify("!!!") == ""
