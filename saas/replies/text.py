"""Replies as readers write them: light Markdown (paragraphs, emphasis, links) to safe HTML.

Only `p`, `em`, `strong`, `a` and `br` survive; raw HTML in a reply is shown as text, links
keep http(s)/mailto URLs only and carry rel="nofollow ugc". Bare URLs become links too.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

REPLY_MAX_CHARS = 5_000

_markdown = MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False}).enable(
    ["emphasis", "link", "autolink", "newline", "escape", "backticks"]
)
_TAGS = {"p", "em", "strong", "a", "br"}
# A bare URL not already inside Markdown link syntax, <...> or a word.
_BARE_URL = re.compile(r"(?<![\w<(\[\"'=/])(https?://[^\s<>\"'()\[\]]+)", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?*_~"
_WS = re.compile(r"[ \t]+\n")


def _autolink(text: str) -> str:
    def wrap(match: re.Match) -> str:
        url = match.group(1)
        tail = ""
        while url and url[-1] in _TRAILING_PUNCTUATION:
            url, tail = url[:-1], url[-1] + tail
        return f"<{url}>{tail}"

    return _BARE_URL.sub(wrap, text)


def normalise(text: str) -> str:
    """Line endings unified, trailing spaces gone, at most one blank line in a row."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _WS.sub("\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def render_reply(text: str) -> str:
    """Light Markdown to sanitised HTML (code spans render as plain text)."""
    html = _markdown.render(_autolink(normalise(text)))
    html = html.replace("<code>", "").replace("</code>", "")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
        strip_comments=True,
    )


def excerpt(text: str, length: int = 160) -> str:
    """The first words of a reply's text, on one line."""
    flat = re.sub(r"\s+", " ", text or "").strip()
    if len(flat) <= length:
        return flat
    return flat[:length].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
