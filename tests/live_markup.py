"""What a browser would make of an HTML fragment: the markup that runs, and the text it shows.

Shared by the tests that put hostile text through feeds and email: script-capable elements,
event handlers and URLs whose scheme runs code count as live.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

LIVE_TAGS = {"script", "svg", "math", "iframe", "object", "embed", "style", "base", "form"}
LIVE_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster"}
# Browsers drop ASCII whitespace and control characters anywhere in a URL's scheme.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]")


class _Rendering(HTMLParser):
    def __init__(self, own_tags: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.own_tags = own_tags
        self.live: list[str] = []
        self.text: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in LIVE_TAGS and tag not in self.own_tags:
            self.live.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.live.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES:
                self.urls.append(value or "")
                if _IGNORED_IN_SCHEME.sub("", value or "").lower().startswith(LIVE_SCHEMES):
                    self.live.append(f"<{tag} {name}={value}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def rendered(
    value: str, as_html: bool = True, own_tags: frozenset[str] = frozenset()
) -> tuple[list[str], str]:
    """(live markup, visible text) of a fragment rendered as HTML, or shown as plain text;
    `own_tags` are live elements the page itself ships (an email's own <style>)."""
    if not as_html:
        return [], value
    rendering = _Rendering(own_tags)
    rendering.feed(value)
    rendering.close()
    return rendering.live, "".join(rendering.text)


def urls(value: str) -> list[str]:
    """Every URL-valued attribute in an HTML fragment, decoded, in document order."""
    rendering = _Rendering()
    rendering.feed(value)
    rendering.close()
    return rendering.urls
