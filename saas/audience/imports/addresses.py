"""Which address an imported row stands for: normalisation, and the checks that reject a row.

A row is rejected when its file row has a problem, it has no address, the address is not
valid, or the same address came earlier in the file (the first row wins).
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from saas.audience.imports.records import Record
from saas.core.validators import LOCAL_PART_MAX_OCTETS, email_address

# RFC 5322 dot-atom: every such ASCII local part is valid as written, so only the domain
# needs email-validator's checks, and a list has far fewer domains than addresses.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


@lru_cache(maxsize=65_536)
def _normalized_domain(domain: str) -> str | None:
    try:
        return validate_email("postmaster@" + domain, check_deliverability=False).domain
    except EmailNotValidError:
        return None


def normalize_address(raw: str) -> str:
    """The address the subscribe forms accept, lower-cased; raises EmailNotValidError if none.

    Gives exactly what ``saas.core.validators.email_address(raw).lower()`` gives, with a fast
    path for plain ASCII local parts.
    """
    local, at, domain = raw.rpartition("@")
    if at and len(local) <= LOCAL_PART_MAX_OCTETS and _DOT_ATOM.match(local):
        normalized = _normalized_domain(domain)
        if normalized is not None and normalized.isascii():
            address = f"{local}@{normalized}"
            if len(address) <= 254:
                return address.lower()
    return email_address(raw).lower()


class AddressCheck:
    """Checks a file's rows in order, remembering each address's first line."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}  # address -> line of its first valid row in the file

    def check(self, record: Record) -> tuple[str | None, str]:
        """(normalised address, "") for a row to insert, or (None, reason) to reject it."""
        if record.problem:
            return None, record.problem
        if not record.email:
            return None, "missing email"
        try:
            address = normalize_address(record.email)
        except EmailNotValidError as exc:
            return None, f"invalid email address ({exc})"
        first = self.seen.setdefault(address, record.line)
        if first != record.line:
            return None, f"duplicate of line {first}"
        return address, ""
