"""Ghost's Lexical documents to HTML, for posts whose export carries no `html`.

Covered: paragraphs, headings, quotes, lists, links, line breaks, bold/italic/strike/
underline/code text, images (with captions), horizontal rules, code blocks, Markdown and
HTML cards, and the paywall card (the issue's paywall break). Other cards (embeds,
galleries, buttons, products...) are left out; the HTML is sanitised afterwards like any
imported body.
"""

from __future__ import annotations

import json
from html import escape

from saas.publishing.rendering import PAYWALL_MARKER, render_markdown

# Lexical's text format bits, outermost first.
_FORMATS = ((16, "code"), (1, "strong"), (2, "em"), (4, "s"), (8, "u"))
_BLOCKS = {"paragraph": "p", "quote": "blockquote", "aside": "blockquote"}


class LexicalUnreadable(ValueError):
    """The field does not hold a Lexical document."""


def _text(node: dict) -> str:
    html = escape(str(node.get("text", "")))
    format_bits = node.get("format", 0)
    format_bits = format_bits if isinstance(format_bits, int) else 0
    for bit, tag in reversed(_FORMATS):
        if format_bits & bit:
            html = f"<{tag}>{html}</{tag}>"
    return html


def _image(node: dict) -> str:
    src = escape(str(node.get("src", "")))
    image = f'<img src="{src}" alt="{escape(str(node.get("alt", "")))}">'
    caption = node.get("caption") or ""
    return f"<figure>{image}<figcaption>{caption}</figcaption></figure>" if caption else image


class _Renderer:
    def children(self, node: dict) -> str:
        return "".join(self.node(child) for child in node.get("children") or [])

    def node(self, node) -> str:
        if not isinstance(node, dict):
            return ""
        kind = node.get("type")
        if kind == "text" or kind == "extended-text":
            return _text(node)
        if kind == "linebreak":
            return "<br>"
        if kind in ("link", "autolink"):
            return f'<a href="{escape(str(node.get("url", "")))}">{self.children(node)}</a>'
        if kind in _BLOCKS:
            return f"<{_BLOCKS[kind]}>{self.children(node)}</{_BLOCKS[kind]}>"
        if kind in ("heading", "extended-heading"):
            tag = (
                node.get("tag") if node.get("tag") in {"h1", "h2", "h3", "h4", "h5", "h6"} else "h2"
            )
            return f"<{tag}>{self.children(node)}</{tag}>"
        if kind == "list":
            tag = "ol" if node.get("listType") == "number" else "ul"
            return f"<{tag}>{self.children(node)}</{tag}>"
        if kind == "listitem":
            return f"<li>{self.children(node)}</li>"
        if kind == "horizontalrule":
            return "<hr>"
        if kind == "image":
            return _image(node)
        if kind == "codeblock":
            return f"<pre><code>{escape(str(node.get('code', '')))}</code></pre>"
        if kind == "html":
            return str(node.get("html") or "")
        if kind == "markdown":
            return render_markdown(str(node.get("markdown") or ""))
        if kind == "paywall":
            return f"\n{PAYWALL_MARKER}\n"
        if node.get("children"):
            return self.children(node)
        return ""


def to_html(document: object) -> str:
    """The HTML of a Lexical document (JSON text or parsed); LexicalUnreadable if it is not one."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise LexicalUnreadable(str(exc)) from exc
    if not isinstance(document, dict) or not isinstance(document.get("root"), dict):
        raise LexicalUnreadable("no root node")
    return _Renderer().children(document["root"])
