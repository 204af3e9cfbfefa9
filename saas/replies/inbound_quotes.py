"""Cut quoted history and signatures off an email reply's text.

Recognised: attributions ("On <date>, <name> wrote:" from Gmail, Apple Mail, Thunderbird
and plain-text clients, also wrapped over two lines and in a few other languages), Outlook's
"-----Original Message-----" and "From: / Sent:" header blocks, `>` quoted lines, the "-- "
signature delimiter and "Sent from my iPhone"-style mobile signatures. A reader who answered
between quoted lines keeps their answers: only the quotes and the attribution go.
"""

from __future__ import annotations

import re

_ATTRIBUTIONS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^on\b.{0,300}\bwrote\s?:$",
        r"^le\b.{0,300}\ba écrit\s?:$",
        r"^am\b.{0,300}\bschrieb\b.{0,200}:$",
        r"^el\b.{0,300}\bescribió\s?:$",
        r"^op\b.{0,300}\bschreef\b.{0,200}:$",
        r"^den\b.{0,300}\bskrev\b.{0,200}:$",
        r"^il\b.{0,300}\bha scritto\s?:$",
        r"^em\b.{0,300}\bescreveu\s?:$",
    )
]
_SEPARATORS = re.compile(
    r"^(-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|forwarded message)"
    r"\s*-{2,}|_{20,})$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\W{0,3}(from|de|von|van|från)\W{0,3}\s?:", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\W{0,3}(sent|date|envoyé|gesendet|datum|skickat|verzonden)\W{0,3}\s?:", re.IGNORECASE
)
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my \w[\w\s]{0,30}|sent from (outlook|mail|yahoo mail|gmail)\b.{0,40}"
    r"|get outlook for \w+.{0,20}|sent with .{1,40}|envoyé de mon \w+.{0,20}"
    r"|von meinem .{1,40} gesendet|enviado desde mi \w+.{0,20}|skickat från min \w+.{0,20})$",
    re.IGNORECASE,
)


def _is_attribution(line: str) -> bool:
    line = line.strip().lstrip(">").strip()
    return (
        len(line) < 400
        and any(ch.isdigit() for ch in line)
        and any(p.match(line) for p in _ATTRIBUTIONS)
    )


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _header_block_at(lines: list[str], index: int) -> bool:
    if not _HEADER_FROM.match(lines[index].strip()):
        return False
    following = lines[index + 1 : index + 6]
    return any(_HEADER_SENT.match(line.strip()) for line in following)


def _attribution_at(lines: list[str], index: int) -> int:
    """Lines the attribution starting here spans (0: none, 1 or 2 when wrapped)."""
    if _is_attribution(lines[index]):
        return 1
    if index + 1 < len(lines) and not _is_attribution(lines[index + 1]):
        joined = f"{lines[index].strip()} {lines[index + 1].strip()}"
        if lines[index].strip() and _is_attribution(joined):
            return 2
    return 0


def _only_quotes_after(lines: list[str]) -> bool:
    return all(not line.strip() or _is_quoted(line) or _ends(line) for line in lines)


def _ends(line: str) -> bool:
    """A line where the reader's own text certainly ends (signature or mobile footer)."""
    return line in ("-- ", "--") or bool(_MOBILE_SIGNATURE.match(line.strip()))


def strip_quoted(text: str) -> str:
    """The reader's own words: quoted history, attributions and signatures removed."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if _SEPARATORS.match(stripped) or _header_block_at(lines, index) or _ends(line):
            break
        span = _attribution_at(lines, index)
        if span:
            if _only_quotes_after(lines[index + span :]):
                break
            index += span  # an answer between quotes: drop the attribution, keep going
            continue
        if not _is_quoted(line):
            kept.append(line.rstrip())
        index += 1
    result = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", result).strip()
