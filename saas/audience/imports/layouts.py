"""Which export a subscriber CSV came from, and where each of Tend's fields sits in its rows.

A header row is matched against the layouts of Tend's own export, Substack, Mailchimp
(subscribed, unsubscribed and cleaned files), beehiiv and a generic "has an email column"
file. Pure functions, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from saas.audience.models import BOUNCED, UNSUBSCRIBED

FORMAT_LABELS = {
    "tend": "Tend export",
    "substack": "Substack",
    "mailchimp": "Mailchimp (subscribed)",
    "mailchimp_unsubscribed": "Mailchimp (unsubscribed)",
    "mailchimp_cleaned": "Mailchimp (cleaned)",
    "beehiiv": "beehiiv",
    "generic": "CSV",
}
_EMAIL = ("email", "email address", "e mail", "e mail address", "emailaddress", "mail")
_NAME = ("name", "full name", "fullname", "display name")
_FIRST = ("first name", "firstname", "first", "fname", "given name")
_LAST = ("last name", "lastname", "last", "lname", "surname", "family name")
_CREATED = ("created", "created at", "created on", "subscribed", "subscribed at", "joined")
_CREATED += ("date subscribed", "subscription date", "signup date", "date added", "date")
_SUBSTACK_HINTS = ("active subscription", "expiry", "plan", "email disabled", "first payment at")
_BEEHIIV_HINTS = ("tier", "free tier", "premium tier", "stripe customer id", "unsubscribed at")
_BEEHIIV_HINTS += ("utm source", "utm medium", "utm campaign", "referring site", "referral code")
_TEND_HEADER = ("email", "name", "status", "tags", "source", "created at", "confirmed at")
# Per format: Tend field -> the header names it may have, first match wins.
_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "tend": {
        "name": ("name",),
        "tags": ("tags",),
        "created": ("created at",),
        "confirmed": ("confirmed at",),
        "status": ("status",),
    },
    "mailchimp": {
        "first": ("first name",),
        "last": ("last name",),
        "tags": ("tags",),
        "created": ("optin time", "confirm time"),
        "confirmed": ("confirm time",),
        "unsubscribed": ("unsub time",),
    },
    "substack": {"name": _NAME, "created": ("created at",), "email_disabled": ("email disabled",)},
    "beehiiv": {
        "name": _NAME,
        "first": _FIRST,
        "last": _LAST,
        "created": ("created at",),
        "unsubscribed": ("unsubscribed at",),
        "status": ("status",),
    },
    "generic": {
        "name": _NAME,
        "first": _FIRST,
        "last": _LAST,
        "tags": ("tags", "tag", "labels"),
        "created": _CREATED,
        "confirmed": ("confirmed at",),
        "unsubscribed": ("unsubscribed at",),
        "status": ("status", "subscription status"),
    },
}


@dataclass(frozen=True)
class Columns:
    """Where each field sits in a row (column index), None when the file lacks it."""

    email: int
    name: int | None = None
    first: int | None = None
    last: int | None = None
    tags: int | None = None
    created: int | None = None
    confirmed: int | None = None
    unsubscribed: int | None = None
    status: int | None = None
    email_disabled: int | None = None


@dataclass(frozen=True)
class Layout:
    """A recognised header: its format key, columns, and a status every row shares."""

    format: str
    columns: Columns
    file_status: str = ""
    unescape: bool = False


def _key(heading: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", heading.lower()).split())


def _format_of(index: dict[str, int]) -> tuple[str, str | None]:
    """(format, the email column's header) for a header's normalised names."""
    if all(name in index for name in _TEND_HEADER):
        return "tend", "email"
    mailchimp = ("member rating", "optin time", "confirm time", "leid")
    if "email address" in index and any(name in index for name in mailchimp):
        return "mailchimp", "email address"
    if "email" in index and sum(name in index for name in _SUBSTACK_HINTS) >= 2:
        return "substack", "email"
    if "email" in index and "status" in index and any(n in index for n in _BEEHIIV_HINTS):
        return "beehiiv", "email"
    email = next((n for n in _EMAIL if n in index), None)
    return "generic", email or next((n for n in index if "email" in n.split()), None)


def detect_layout(header: list[str]) -> Layout | None:
    """Match a header row to a known export layout; None when it has no email column."""
    index: dict[str, int] = {}
    for position, heading in enumerate(header):
        index.setdefault(_key(heading), position)
    fmt, email = _format_of(index)
    if email is None:
        return None
    found = {
        field: next((index[n] for n in names if n in index), None)
        for field, names in _FIELDS[fmt].items()
    }
    columns = Columns(index[email], **found)
    if fmt == "mailchimp" and "unsub time" in index:
        return Layout("mailchimp_unsubscribed", columns, file_status=UNSUBSCRIBED)
    if fmt == "mailchimp" and "clean time" in index:
        return Layout("mailchimp_cleaned", columns, file_status=BOUNCED)
    return Layout(fmt, columns, unescape=fmt == "tend")
