"""An address a reader may subscribe with is exactly an address a practitioner may import.

Both follow RFC 5321's limits, counted in octets as they go over the wire (at most 64 before
the @-sign, 254 in all), and email-validator's rule that the domain be deliverable across
the internet: no dotless domain such as a bare top-level domain, no reserved names.
"""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import pytest

from tests.audience.test_imports import latest_import, pub, readers, upload  # noqa: F401


def _domain(octets: int) -> str:
    """A domain of that many octets, every label within DNS's 63."""
    return ("b" * 63 + ".") * 2 + "c" * (octets - 132) + ".com"


ACCEPTED = {
    "an ordinary address": "ada@example.com",
    "64 octets before the @": "a" * 64 + "@example.com",
    "64 octets of accented letters": "é" * 32 + "@example.com",
    "254 octets in all": "a" * 64 + "@" + _domain(189),
}
REFUSED = {
    "65 octets before the @": "a" * 65 + "@example.com",
    "66 octets of accented letters": "é" * 33 + "@example.com",
    "255 octets in all": "a" * 64 + "@" + _domain(190),
    "255 octets in all, 32 characters before the @": "é" * 32 + "@" + _domain(190),
    "a top-level domain alone": "test@io",
    "a dotless host": "x@localhost",
    "a reserved name": "x@example.invalid",
}


def _subscribe(client, pub, email: str):
    return client.post(f"/p/{pub.slug}/subscribe", data={"email": email})


def _import(app, client, pub, email: str):
    upload(app, client, pub, f"email,name\n{email},Someone\n".encode())
    return latest_import(app, pub)


@pytest.mark.parametrize("address", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_addresses_within_the_limits_can_subscribe_and_be_imported(app, client, pub, address):
    imported = _import(app, client, pub, address)
    assert (imported.imported_count, imported.rejected_count) == (1, 0)
    assert list(readers(app, pub)) == [address.lower()]
    assert _subscribe(client, pub, address).status_code == 200  # 422 for an address refused


@pytest.mark.parametrize("address", REFUSED.values(), ids=REFUSED.keys())
def test_addresses_beyond_the_limits_are_refused_by_the_form_and_by_imports(
    app, client, pub, address
):
    assert _subscribe(client, pub, address).status_code == 422
    imported = _import(app, client, pub, address)
    assert (imported.imported_count, imported.rejected_count) == (0, 1)
    assert imported.rejections[0][2].startswith("invalid email address")
    assert readers(app, pub) == {}
