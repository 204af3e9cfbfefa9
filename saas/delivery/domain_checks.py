"""A sending domain's DNS records: which to create, and what DNS shows for each, in plain words.

Three kinds of record: the DKIM key (a TXT record at `<selector>._domainkey.<domain>`, one
per key while a rotation runs), the return-path CNAME (`bounces.<domain>` pointing at the
platform's bounce host, so SPF passes for an envelope sender on the practitioner's own
domain) and DMARC (`_dmarc.<domain>`, or the organisation's domain above it). Each check
comes back `ok`, `missing`, `wrong` or `unknown`: DNS did not answer, which says nothing
about the record, so nothing is decided on it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from dkim.util import InvalidTagValueList, parse_tag_value
from flask import current_app

from saas.core import dns_lookup
from saas.mail import dkim
from saas.mail.senders import platform_domain

OK, MISSING, WRONG, UNKNOWN = "ok", "missing", "wrong", "unknown"
DKIM, RETURN_PATH, DMARC = "dkim", "return_path", "dmarc"
RETURN_PATH_LABEL = "bounces"
DMARC_VALUE = "v=DMARC1; p=none;"
# Second-level labels under which a country's registrations sit (example.co.uk): a rough
# stand-in for the public suffix list, enough to find the organisation's DMARC record.
_SHARED_SECOND_LEVEL = frozenset({"ac", "co", "com", "edu", "gov", "ltd", "net", "org", "plc"})
_SEEN_IN_AN_HOUR = "DNS changes can take up to an hour to be seen."
_NO_ANSWER = "DNS did not answer just now, so this record was not checked. Try again later."


@dataclass(frozen=True)
class Record:
    """One DNS record the practitioner creates at their DNS provider."""

    kind: str
    type: str
    name: str
    value: str
    selector: str = ""


@dataclass(frozen=True)
class Check:
    """What DNS showed for one record: a state and the words that explain it."""

    kind: str
    state: str
    detail: str
    selector: str = ""

    def as_dict(self) -> dict:
        """For SendingDomain.checks (JSON)."""
        return asdict(self)


def return_path_host() -> str:
    """Where every return-path CNAME points: RETURN_PATH_HOST, else bounces.<platform domain>."""
    return current_app.config.get("RETURN_PATH_HOST") or f"bounces.{platform_domain()}"


def return_path_name(domain: str) -> str:
    """The return-path host on the practitioner's domain (the envelope sender's domain)."""
    return f"{RETURN_PATH_LABEL}.{domain}"


def organizational_domain(domain: str) -> str:
    """The registered domain above `domain` (letters.example.co.uk -> example.co.uk)."""
    labels = domain.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SHARED_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def dkim_record(domain: str, selector: str, public_key: str) -> Record:
    """The TXT record that publishes one key."""
    return Record(
        DKIM, "TXT", dkim.record_name(selector, domain), dkim.record_value(public_key), selector
    )


def return_path_record(domain: str) -> Record:
    """The CNAME that puts the envelope sender on the practitioner's domain."""
    return Record(RETURN_PATH, "CNAME", return_path_name(domain), return_path_host())


def dmarc_record(domain: str) -> Record:
    """A DMARC record that asks for nothing yet (p=none): enough for Gmail and Yahoo."""
    return Record(DMARC, "TXT", f"_dmarc.{domain}", DMARC_VALUE)


def _txt(name: str) -> list[str] | None:
    """TXT values at `name`: [] when there are none, None when DNS did not answer."""
    try:
        return dns_lookup.txt(name)
    except dns_lookup.NotFound:
        return []
    except dns_lookup.LookupFailed:
        return None


def _published_key(value: str) -> tuple[str, str] | None:
    """(key type, p= value) of a DKIM record, or None when it is not one."""
    try:
        tags = parse_tag_value(value.encode("utf-8"))
    except (InvalidTagValueList, ValueError):
        return None
    if tags.get(b"v", b"DKIM1") != b"DKIM1" or b"p" not in tags:
        return None
    key = b"".join(tags[b"p"].split()).decode("ascii", "replace")
    return tags.get(b"k", b"rsa").decode("ascii", "replace").lower(), key


def check_dkim(domain: str, selector: str, public_key: str) -> Check:
    """Whether `selector`'s TXT record publishes exactly this key."""
    name = dkim.record_name(selector, domain)

    def found(state: str, detail: str) -> Check:
        return Check(DKIM, state, detail, selector)

    values = _txt(name)
    if values is None:
        return found(UNKNOWN, _NO_ANSWER)
    if not values:
        return found(
            MISSING,
            f"There is no TXT record at {name} yet. Create it as shown. {_SEEN_IN_AN_HOUR}",
        )
    if len(values) > 1:
        return found(
            WRONG,
            f"There are {len(values)} TXT records at {name}; there must be only one. "
            "Delete all but the one shown.",
        )
    published = _published_key(values[0])
    if published is None:
        return found(
            WRONG,
            f"The TXT record at {name} is not a DKIM key: its value must start with v=DKIM1. "
            "Replace it with the value shown.",
        )
    kind, key = published
    if kind != "rsa" or not key:
        return found(
            WRONG,
            f"The TXT record at {name} does not hold an RSA key. Replace it with the value shown.",
        )
    if key == public_key:
        return found(OK, f"The key at {name} matches.")
    if public_key.startswith(key):
        return found(
            WRONG,
            f"The key at {name} is cut short: your DNS provider may have shortened the long "
            "value. Paste the whole value again, as one line.",
        )
    return found(
        WRONG,
        f"The TXT record at {name} holds a different key (an old one, or another service's). "
        "Replace its value with the one shown.",
    )


def check_return_path(domain: str) -> Check:
    """Whether the return-path CNAME points at the platform's bounce host."""
    name, host = return_path_name(domain), return_path_host()
    try:
        target = dns_lookup.cname(name)
    except dns_lookup.NotFound:
        return Check(
            RETURN_PATH,
            MISSING,
            f"There is no CNAME record at {name} yet. Create it, pointing at {host}. "
            f"Until then SPF passes for Tend's domain, not yours. {_SEEN_IN_AN_HOUR}",
        )
    except dns_lookup.LookupFailed:
        return Check(RETURN_PATH, UNKNOWN, _NO_ANSWER)
    if target == host:
        return Check(RETURN_PATH, OK, f"{name} points at {host}.")
    return Check(
        RETURN_PATH,
        WRONG,
        f"The CNAME at {name} points at {target}, not {host}. Change it to {host}.",
    )


def _dmarc_at(name: str) -> Check | None:
    """The verdict on the DMARC record at `name`, or None when there is no TXT there."""
    values = _txt(name)
    if values is None:
        return Check(DMARC, UNKNOWN, _NO_ANSWER)
    if not values:
        return None
    policies = [v for v in values if v.replace(" ", "").upper().startswith("V=DMARC1")]
    if not policies:
        return Check(
            DMARC,
            WRONG,
            f"The TXT record at {name} is not a DMARC record: its value must start with "
            f"v=DMARC1. Replace it with {DMARC_VALUE}",
        )
    if len(policies) > 1:
        return Check(
            DMARC,
            WRONG,
            f"There are {len(policies)} DMARC records at {name}, and receivers ignore them all "
            "when there is more than one. Keep one.",
        )
    return Check(DMARC, OK, f"Found at {name}: {policies[0]}")


def check_dmarc(domain: str) -> Check:
    """Whether a DMARC record covers the domain (its own, or its organisation's)."""
    own = f"_dmarc.{domain}"
    found = _dmarc_at(own)
    if found is not None:
        return found
    organization = organizational_domain(domain)
    if organization != domain:
        found = _dmarc_at(f"_dmarc.{organization}")
        if found is not None:
            return found
    return Check(
        DMARC,
        MISSING,
        f"There is no DMARC record at {own}. Gmail and Yahoo require one from senders of "
        f"newsletters; create the TXT record shown. {_SEEN_IN_AN_HOUR}",
    )
