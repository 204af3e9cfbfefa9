"""HTML email to plain text, dropping what mail clients add around the reader's words.

Block elements become line breaks and paragraphs, links keep their address as light
Markdown, and the containers clients put quoted history and signatures in (Gmail's
`gmail_quote` / `gmail_signature`, Apple Mail's and Thunderbird's `<blockquote type=cite>`,
Yahoo's `yahoo_quoted`, Outlook's `#Signature`) are left out whole.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP_TAGS = {"head", "style", "script", "title", "template", "noscript", "xml"}
_SKIP_CLASSES = {"gmail_quote", "gmail_signature", "yahoo_quoted", "moz-cite-prefix"}
_SKIP_IDS = {"signature", "appendonsend"}
_BLOCK_TAGS = {
    "address", "article", "blockquote", "center", "dd", "div", "dl", "dt", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "ol", "section", "table",
    "tr", "ul", "pre",
}  # fmt: skip
_PARAGRAPH_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre"}
_VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "wbr"}
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_tag: str | None = None
        self.skip_level = 0
        self.pre = 0
        self.links: list[str | None] = []
        self.link_text: list[list[str]] = []

    def _should_skip(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if tag in _SKIP_TAGS:
            return True
        classes = set((attrs.get("class") or "").lower().split())
        if classes & _SKIP_CLASSES:
            return True
        if (attrs.get("id") or "").lower() in _SKIP_IDS:
            return True
        return tag == "blockquote" and (attrs.get("type") or "").lower() == "cite"

    def _emit(self, text: str) -> None:
        (self.link_text[-1] if self.link_text else self.parts).append(text)

    def handle_starttag(self, tag: str, attrs_list) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag and tag not in _VOID_TAGS:
                self.skip_level += 1
            return
        attrs = {name.lower(): value for name, value in attrs_list}
        if self._should_skip(tag, attrs):
            if tag not in _VOID_TAGS:
                self.skip_tag, self.skip_level = tag, 1
            return
        if tag == "br":
            self._emit("\n")
        elif tag in _PARAGRAPH_TAGS:
            self._emit("\n\n")
        elif tag in _BLOCK_TAGS or tag == "hr":
            self._emit("\n")
        if tag == "li":
            self._emit("- ")
        elif tag == "pre":
            self.pre += 1
        elif tag == "a":
            href = (attrs.get("href") or "").strip()
            self.links.append(href if href.lower().startswith(("http://", "https://")) else None)
            self.link_text.append([])
        elif tag in ("td", "th"):
            self._emit(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_level -= 1
                if self.skip_level == 0:
                    self.skip_tag = None
            return
        if tag == "a" and self.link_text:
            href = self.links.pop()
            text = "".join(self.link_text.pop()).strip()
            if href and text and text != href and "[" not in text:
                self._emit(f"[{text}]({href})")
            else:
                self._emit(text or href or "")
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _PARAGRAPH_TAGS:
            self._emit("\n\n")
        elif tag in _BLOCK_TAGS:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self.skip_tag is not None:
            return
        self._emit(data if self.pre else _SPACES.sub(" ", data))

    def text(self) -> str:
        for unclosed in self.link_text:  # unclosed <a>s: their text, in order
            self.parts.extend(unclosed)
        self.link_text.clear()
        joined = "".join(self.parts).replace("\u00a0", " ")
        lines = [line.strip() for line in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """The visible text of an HTML email, without quoted history and signature blocks."""
    builder = _TextBuilder()
    builder.feed(html or "")
    builder.close()
    return builder.text()
