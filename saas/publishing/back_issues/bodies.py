"""A post's HTML made into an issue's source: sanitised by the editor's allow-list, and shaped
so the editor's Markdown renderer passes it through unchanged.

An issue's source is Markdown, which lets HTML through. Each part (above and below a paywall
break) is sanitised, wrapped in one `<div>` and written on a single line (newlines become
`&#10;`, the same whitespace to a browser): a CommonMark HTML block then runs to the end of
the line, so no Markdown rule (code indents, emphasis, smart quotes) touches the post. The
issue is rendered by publishing.rendering.render_body like any other, once, when saved.
"""

from __future__ import annotations

import re

from saas.publishing.rendering import PAYWALL_MARKER, sanitize_html, split_at_paywall

_IMG_SRC_RE = re.compile(r'<img\b[^>]*?\bsrc="([^"]+)"', re.IGNORECASE)


def _one_block(html: str) -> str:
    clean = sanitize_html(html).strip()
    if not clean:
        return ""
    return "<div>" + clean.replace("\r", "").replace("\n", "&#10;") + "</div>"


def stored_source(html: str) -> str:
    """The issue source for a post's HTML (with the paywall break where the post had one)."""
    before, after = split_at_paywall(html or "")
    if after is None:
        return _one_block(before)
    return f"{_one_block(before)}\n\n{PAYWALL_MARKER}\n\n{_one_block(after)}"


def image_urls(source: str) -> list[str]:
    """Image addresses in a stored source, each once, in order (relative ones included)."""
    seen: dict[str, None] = {}
    for url in _IMG_SRC_RE.findall(source):
        seen.setdefault(url.replace("&amp;", "&"), None)
    return list(seen)


def replace_image(source: str, old: str, new: str) -> str:
    """The source with every `src` of `old` pointing at `new`."""
    escaped = old.replace("&", "&amp;")
    return source.replace(f'src="{escaped}"', f'src="{new}"')
