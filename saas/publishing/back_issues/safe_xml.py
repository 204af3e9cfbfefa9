"""XML read with defusedxml: entity declarations (billion laughs, external entities) refused."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from saas.publishing.back_issues.sources import SourceRefused

UNSAFE = "The file declares XML entities (a way to attack a parser); nothing was read."


def parse(content: bytes, what: str) -> Element:
    """The document's root; SourceRefused for unsafe or malformed XML."""
    try:
        return fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SourceRefused(UNSAFE) from exc
    except ParseError as exc:
        raise SourceRefused(f"The {what} is not well-formed XML ({exc}).") from exc


def refuse_entities(content: bytes) -> None:
    """Refuse a document that declares entities; a merely malformed one passes (lenient readers)."""
    try:
        fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SourceRefused(UNSAFE) from exc
    except ParseError:
        pass
