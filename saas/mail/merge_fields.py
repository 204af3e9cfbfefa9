"""Merge fields: where an issue's `{{ name }}` and friends land, and how a value is written there.

An issue renders once per batch with opaque slots where readers' values go (see
saas.mail.newsletter). Readers choose their own names, so in the HTML part a value is
written for the place its slot landed: HTML-escaped in text and in attributes that hold text
(alt, title); anywhere else in markup (a link, an image, a style, a comment) it is
percent-encoded as well, so it stays inside the URL it is in and can never become a scheme
such as `javascript:` nor close the attribute. The plain-text part and the subject take the
value as it is.

The HTML scanned here is html5ever's serialisation (the CSS inliner writes the whole
document), so attribute values are always quoted; anything the scan does not recognise as
text is treated as markup.
"""

from __future__ import annotations

import html
import re
import secrets
from urllib.parse import quote

# Slots are random per process, so nothing a practitioner or reader writes can fill one.
_SLOT = f"tendslot{secrets.token_hex(6)}"
SLOT_RE = re.compile(f"{_SLOT}Z([a-z]+)Z")
_MERGE_RE = re.compile(r"\{\{\s*(name|first_name|full_name|email)\s*\}\}")
_MERGE_SLOTS = {"name": "first", "first_name": "first", "full_name": "full", "email": "email"}
READER_SLOTS = frozenset(_MERGE_SLOTS.values())
IN_MARKUP = "inmarkup"  # suffix of a reader slot written inside markup

_TEXT_ATTRIBUTES = frozenset({"alt", "title", "aria-label"})
_RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript"})
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<[!?/][^>]*(?:>|\Z)"
    r"|<(?P<tag>[a-zA-Z][^\s/>]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)(?:>|\Z)",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(
    r"(?P<name>[^\s\"'>/=]+)(?P<eq>\s*=\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s\"'>]+)"
)


def slot(name: str) -> str:
    """The placeholder a value fills in a rendered message."""
    return f"{_SLOT}Z{name}Z"


def merge_to_slots(text: str) -> str:
    """Turn the merge fields written in rendered text into slots."""
    return _MERGE_RE.sub(lambda m: slot(_MERGE_SLOTS[m[1]]), text)


def uses_merge_fields(*texts: str) -> bool:
    """Whether any of the texts holds a merge field."""
    return any(_MERGE_RE.search(text) for text in texts)


def _in_markup(text: str) -> str:
    def rename(match: re.Match) -> str:
        name = match[1]
        return slot(name + IN_MARKUP) if name in READER_SLOTS else match[0]

    return SLOT_RE.sub(rename, text)


def _start_tag(match: re.Match) -> str:
    attrs = match["attrs"]
    pieces, last = [], 0
    for attribute in _ATTRIBUTE.finditer(attrs):
        pieces.append(_in_markup(attrs[last : attribute.start("value")]))
        value = attribute["value"]
        holds_text = attribute["name"].lower() in _TEXT_ATTRIBUTES and value[:1] in "\"'"
        pieces.append(value if holds_text else _in_markup(value))
        last = attribute.end()
    pieces.append(_in_markup(attrs[last:]))
    tag_start = match.start("attrs") - match.start()
    head = match[0][:tag_start]
    tail = match[0][match.end("attrs") - match.start() :]
    return _in_markup(head) + "".join(pieces) + tail


def place_slots(document: str) -> str:
    """Mark each reader slot of rendered HTML that sits anywhere but text or a text attribute."""
    out, position = [], 0
    while (match := _MARKUP.search(document, position)) is not None:
        out.append(document[position : match.start()])  # text between tags
        if match["tag"] is None:
            out.append(_in_markup(match[0]))
            position = match.end()
            continue
        out.append(_start_tag(match))
        position = match.end()
        tag = match["tag"].lower()
        if tag in _RAW_TEXT:
            close = re.compile(f"</{tag}", re.IGNORECASE).search(document, position)
            end = close.start() if close else len(document)
            out.append(_in_markup(document[position:end]))
            position = end
    out.append(document[position:])
    return "".join(out)


def html_values(values: dict[str, str], wanted: frozenset[str]) -> dict[str, str]:
    """The `wanted` slots' values for the HTML part: escaped for text, and the `inmarkup`
    twins of readers' values percent-encoded as well."""
    written = {}
    for name in wanted:
        if name.endswith(IN_MARKUP):
            written[name] = html.escape(quote(values[name.removesuffix(IN_MARKUP)], safe=""))
        else:
            written[name] = html.escape(values[name])
    return written
