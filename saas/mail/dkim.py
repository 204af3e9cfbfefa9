"""DKIM (RFC 6376): key pairs, their DNS records, and signing a finished message.

Signing is the last thing done to a message: nothing may rewrite a header after it, so the
SMTP session and the outbox hand the signed bytes on as they are. Canonicalization is
dkimpy's, relaxed for headers (relays re-fold them) and simple for the body (dkimpy's own
default, and what large senders use: our bodies are quoted-printable lines that relays leave
alone, and dkimpy's relaxed body pass costs ~1.5 ms on a 30 KB issue). The RSA step is
OpenSSL's, through `cryptography`: dkimpy's own big-integer RSA costs ~7 ms a message
against ~0.3 ms.

The headers a reader's client shows or acts on are signed, each once more than it occurs
("oversigned"), so a second From, Subject or List-Unsubscribe added in transit breaks the
signature.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from dkim import hash_headers
from dkim.canonicalization import CanonicalizationPolicy

KEY_BITS = 2048
CANONICALIZATION = b"relaxed/simple"
SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"reply-to",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"mime-version",
    b"content-type",
    b"content-transfer-encoding",
)
_SIGNED_SET = frozenset(SIGNED_HEADERS)
_POLICY = CanonicalizationPolicy.from_c_value(CANONICALIZATION)
_HEADER_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]+):")


class SigningError(ValueError):
    """The message or the key cannot make a signature; the text says which."""


@dataclass(frozen=True)
class KeyPair:
    """A fresh key: the private half as PEM (to store encrypted), the public half for DNS."""

    private_pem: str
    public_key: str  # base64 of the DER SubjectPublicKeyInfo: the record's p= value


def generate_key(bits: int = KEY_BITS) -> KeyPair:
    """A new RSA key pair for DKIM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return KeyPair(private_pem, public_key_of(private_pem))


def public_key_of(private_pem: str) -> str:
    """The p= value (base64 DER SubjectPublicKeyInfo) for a PEM private key."""
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def record_name(selector: str, domain: str) -> str:
    """Where the public key is published: `<selector>._domainkey.<domain>`."""
    return f"{selector}._domainkey.{domain}"


def record_value(public_key: str) -> str:
    """The TXT record value that publishes `public_key`."""
    return f"v=DKIM1; k=rsa; p={public_key}"


def new_selector() -> str:
    """A selector no earlier key of the domain used (a rotation publishes a second one)."""
    return f"tend{time.strftime('%Y%m', time.gmtime())}{secrets.token_hex(3)}"


def _split(data: bytes) -> tuple[list[list[bytes]], bytes]:
    """Headers as dkimpy keeps them ([name, value-with-CRLF]) and the body."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        raise SigningError("The message has no blank line between its headers and body.")
    headers: list[list[bytes]] = []
    for line in data[:end].split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1][1] += line + b"\r\n"
            continue
        match = _HEADER_NAME.match(line)
        if match is None:
            raise SigningError("The message has a line in its headers that is not a header.")
        headers.append([match[1], line[match.end() :] + b"\r\n"])
    return headers, data[end + 4 :]


def _fold_list(names: list[bytes], start: int) -> bytes:
    """`a:b:c`, broken after a colon before a line would pass 76 characters."""
    out, width = [], start
    for number, name in enumerate(names):
        piece = name + (b":" if number < len(names) - 1 else b"")
        if width + len(piece) > 76 and out:
            out.append(b"\r\n\t")
            width = 1
        out.append(piece)
        width += len(piece)
    return b"".join(out)


class _Collect:
    """Stands in for a hash object: dkimpy feeds it, OpenSSL hashes what it gathered."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def update(self, data: bytes) -> None:
        self.parts.append(data)


class Signer:
    """Signs messages for one domain with one selector's private key."""

    def __init__(self, domain: str, selector: str, private_pem: str) -> None:
        self.domain = domain.strip().lower().rstrip(".")
        self.selector = selector
        try:
            # Tend made these keys (or checked the platform's at start-up): OpenSSL's key
            # validation would cost ~50 ms for every batch that loads one.
            key = serialization.load_pem_private_key(
                private_pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
            )
        except (ValueError, TypeError, UnicodeError) as exc:
            raise SigningError("The DKIM private key is not a PEM RSA key.") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SigningError("The DKIM private key is not an RSA key.")
        self._key = key
        self._fixed = f"v=1; a=rsa-sha256; c=relaxed/simple; d={self.domain}; s={selector};"

    def signature_header(self, data: bytes, now: int | None = None) -> bytes:
        """The `DKIM-Signature:` header line(s), CRLF-terminated, for a CRLF message."""
        headers, body = _split(data)
        headers = [pair for pair in headers if pair[0].lower() in _SIGNED_SET]
        present = {name.lower() for name, _ in headers}
        signed = [name for name in SIGNED_HEADERS if name in present]
        if b"from" not in signed:
            raise SigningError("The message has no From header to sign.")
        signed += signed  # oversigned: a copy added after signing breaks the signature
        body_hash = hashes.Hash(hashes.SHA256())
        body_hash.update(_POLICY.canonicalize_body(body))
        bh = base64.b64encode(body_hash.finalize())
        stamp = int(time.time()) if now is None else now
        value = (
            b" "
            + self._fixed.encode("ascii")
            + b"\r\n\tt=%d; h=" % stamp
            + _fold_list(signed, 10)
            + b";\r\n\tbh="
            + bh
            + b";\r\n\tb="
        )
        collected = _Collect()
        hash_headers(
            collected,
            _POLICY,
            _POLICY.canonicalize_headers(headers),
            signed,
            (b"DKIM-Signature", value),
            None,
        )
        signature = self._key.sign(b"".join(collected.parts), padding.PKCS1v15(), hashes.SHA256())
        encoded = base64.b64encode(signature)
        folded = b"\r\n\t".join(encoded[i : i + 72] for i in range(0, len(encoded), 72))
        return b"DKIM-Signature:" + value + folded + b"\r\n"

    def sign(self, data: bytes) -> bytes:
        """The message with its signature on top (bare LF line ends become CRLF first)."""
        if data.count(b"\n") != data.count(b"\r\n"):
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        return self.signature_header(data) + data


def is_signed(data: bytes) -> bool:
    """Whether the message's headers already carry a DKIM signature."""
    end = data.find(b"\r\n\r\n")
    head = data[: end if end >= 0 else len(data)].lower()
    return head.startswith(b"dkim-signature:") or b"\ndkim-signature:" in head
