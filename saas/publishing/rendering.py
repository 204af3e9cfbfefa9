"""Markdown to safe HTML, reading time from the text, and an issue body rendered once.

`render_body` is the one step between what an author wrote and what readers are shown: it
runs when an issue is saved (never per request) and its result is stored on the issue.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from html import unescape

import nh3
from markdown_it import MarkdownIt

# Average silent reading speed for non-fiction (Brysbaert, 2019).
WORDS_PER_MINUTE = 238
SECONDS_PER_IMAGE = 10

_markdown = MarkdownIt("commonmark", {"html": True, "typographer": True}).enable(
    ["table", "strikethrough", "replacements", "smartquotes"]
)
_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"figure", "figcaption", "hr", "img"}
_ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "a": {"href", "title"},
    "th": {"align", "style"},
    "td": {"align", "style"},
}
_TAG_RE = re.compile(r"<[^>]+>")
_WORD_RE = re.compile(r"\w[\w'’-]*", re.UNICODE)
# The paywall break: a line holding only `<!-- paywall -->` (any case and spacing). As an HTML
# comment it never shows in the rendered body (sanitising strips comments).
PAYWALL_MARKER = "<!-- paywall -->"
_PAYWALL_RE = re.compile(r"^[ \t]*<!--\s*paywall\s*-->[ \t]*$", re.IGNORECASE | re.MULTILINE)


def sanitize_html(html: str) -> str:
    """Keep formatting, drop scripts, event handlers and non-http(s)/mailto URLs."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render Markdown to sanitised HTML."""
    return sanitize_html(_markdown.render(text or ""))


def count_words(html: str) -> int:
    """Words a reader sees in rendered HTML."""
    return len(_WORD_RE.findall(_TAG_RE.sub(" ", html)))


def read_seconds(html: str) -> int:
    """Estimated reading time in seconds for rendered HTML."""
    words = count_words(html)
    images = html.count("<img")
    return round(words * 60 / WORDS_PER_MINUTE) + images * SECONDS_PER_IMAGE


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def format_read_time_long(seconds: int) -> str:
    """'3 minutes 35 seconds' style."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    if minutes and secs:
        return f"{_plural(minutes, 'minute')} {_plural(secs, 'second')}"
    if minutes:
        return _plural(minutes, "minute")
    return _plural(secs, "second")


def format_read_time_label(seconds: int) -> str:
    """'Read Time: 3 minutes 35 seconds': the long form, as every issue header shows it."""
    return f"Read Time: {format_read_time_long(seconds)}"


def format_issue_header(number: int | None, seconds: int) -> str:
    """'Issue 37 · Read Time: 3 minutes 35 seconds', the line above an issue's title on the web,
    in its email and in the email's plain text (a draft has no number yet)."""
    label = format_read_time_label(seconds)
    return f"Issue {number} · {label}" if number else label


def format_read_time_short(seconds: int) -> str:
    """'4 min read' style: whole minutes, rounded up, at least one."""
    return f"{max(1, math.ceil(max(0, int(seconds)) / 60))} min read"


def plain_text(html: str) -> str:
    """Visible text of rendered (sanitised) HTML, entities decoded and whitespace collapsed
    (for excerpts and feeds): text, to be escaped for wherever it goes."""
    return re.sub(r"\s+", " ", unescape(_TAG_RE.sub(" ", html))).strip()


def slugify(text: str, max_length: int = 80) -> str:
    """A URL slug from any text: lowercase ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-")


def split_at_paywall(text: str) -> tuple[str, str | None]:
    """(before, after) the first paywall break; `after` is None when the text has no break."""
    match = _PAYWALL_RE.search(text or "")
    if match is None:
        return text or "", None
    return text[: match.start()].rstrip(), text[match.end() :].lstrip("\r\n")


@dataclass(frozen=True)
class RenderedBody:
    """Everything readers are shown of an issue body, computed once when it is saved.

    `preview_html` is the part above the paywall break ("" without a break: a paid issue
    without one previews nothing but its title); `text` and `preview_text` are their visible
    words (excerpts, descriptions, feeds).
    """

    html: str
    preview_html: str
    text: str
    preview_text: str
    read_seconds: int
    word_count: int


def render_body(source: str) -> RenderedBody:
    """Render an issue's stored source (Markdown) into the parts the pages and feeds show."""
    source = source or ""
    html = render_markdown(source)
    before, after = split_at_paywall(source)
    preview_html = render_markdown(before) if after is not None else ""
    return RenderedBody(
        html=html,
        preview_html=preview_html,
        text=plain_text(html),
        preview_text=plain_text(preview_html),
        read_seconds=read_seconds(html),
        word_count=len(source.split()),
    )
