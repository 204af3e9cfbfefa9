"""WTForms validators shared by every form: email, URLs, colours, time zones, slugs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError

# Public so the API's OpenAPI document can state the same rule.
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
_SLUG_RE = re.compile(SLUG_PATTERN)
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_TIMEZONES = frozenset(available_timezones())


LOCAL_PART_MAX_OCTETS = 64  # RFC 5321 4.5.3.1.1; the whole address (254) email-validator checks


def email_address(value: str) -> str:
    """The normalised form of an address Tend accepts anywhere; raises EmailNotValidError.

    Syntax only (no DNS), with email-validator's defaults: the domain must be deliverable
    across the internet, so dotless domains (a bare top-level domain, `localhost`) and
    reserved names are refused. RFC 5321's limits hold in octets, as on the wire: 64 before
    the @-sign (email-validator checks that only in strict mode, and in characters) and 254
    in all.
    """
    result = validate_email(value or "", check_deliverability=False)
    excess = len(result.local_part.encode("utf-8")) - LOCAL_PART_MAX_OCTETS
    if excess > 0:
        octets = "octet" if excess == 1 else "octets"
        raise EmailNotValidError(
            f"The email address is too long before the @-sign ({excess} {octets} too many)."
        )
    return result.normalized


def normalized_email(value: str) -> str:
    """Validate an address (syntax only, no DNS) and return its normalised form."""
    try:
        return email_address(value)
    except EmailNotValidError as exc:
        raise ValidationError(str(exc)) from exc


class EmailAddress:
    """Valid, normalised email; replaces the field data with the normalised form."""

    def __call__(self, form, field) -> None:
        field.data = normalized_email(field.data).lower()


class Slug:
    """Lowercase letters, digits and inner hyphens."""

    def __call__(self, form, field) -> None:
        if field.data and not _SLUG_RE.match(field.data):
            raise ValidationError("Use lowercase letters, numbers and hyphens only.")


class HexColor:
    """A colour like #2f6f5e."""

    def __call__(self, form, field) -> None:
        if field.data and not _COLOR_RE.match(field.data):
            raise ValidationError("Use a colour like #2f6f5e.")


class WebUrl:
    """An absolute http(s) URL (empty allowed)."""

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        parts = urlsplit(field.data.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValidationError("Use a full web address starting with https://.")


class TimeZone:
    """An IANA time zone name."""

    def __call__(self, form, field) -> None:
        if field.data not in _TIMEZONES:
            raise ValidationError("Choose a time zone from the list.")


class Domain:
    """A bare host name like news.example.com (empty allowed)."""

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        field.data = field.data.strip().lower().rstrip(".")
        if not _DOMAIN_RE.match(field.data):
            raise ValidationError("Use a domain like news.example.com, without https://.")


def timezone_choices() -> list[tuple[str, str]]:
    """Sorted IANA time zones for a select field."""
    return [(tz, tz.replace("_", " ")) for tz in sorted(_TIMEZONES) if "/" in tz or tz == "UTC"]
