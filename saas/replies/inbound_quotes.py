"""Cut quoted history and signatures off an email reply's text.

Recognised: attributions ("On <date>, <name> wrote:" from Gmail, Apple Mail, Thunderbird,
Yahoo and plain-text clients, also wrapped over up to three lines, and their German, French,
Spanish, Dutch, Swedish, Italian and Portuguese forms), Outlook's header blocks ("From: /
Sent: / To: / Subject:", in any order and in those languages), separator lines ("-----Original
Message-----" and its translations, "________", any line of dashes), `>` quoted lines, the
"-- " signature delimiter, a "-Name" sign-off and "Sent from my iPhone"-style mobile
signatures.

A reader who answered between `>` quoted lines keeps their answers: only the quotes and the
attribution go. Text after an attribution that is not `>` quoted is someone else's message
(Yahoo, forwarded notifications), so the reader's words end there. When in doubt the rules
cut: a reply that loses its last lines is better than one that keeps another person's words.
"""

from __future__ import annotations

import re

MAX_ATTRIBUTION_LINES = 3  # narrow clients wrap "On <date>, <name>" / "<address>" / "wrote:"
_ADDRESS = r"<[^<>\s]{1,200}@[^<>\s]{1,200}>"
_ATTRIBUTIONS = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (
            r"^on\b.{0,300}\bwrote\s?:$",
            r"^le\b.{0,300}\ba écrit\s?:$",
            r"^am\b.{0,300}\bschrieb\b.{0,200}:$",
            r"^am\b.{0,300}\bgeschrieben\s?:$",  # Yahoo: "Am ... hat X Folgendes geschrieben:"
            rf"^.{{0,200}}{_ADDRESS}\s*schrieb am\b.{{0,200}}:$",  # Gmail for Android
            rf"^.{{0,200}}{_ADDRESS}\s*hat am\b.{{0,200}}\bgeschrieben\s?:$",  # OX App Suite
            r"^el\b.{0,300}\bescribió\s?:$",
            r"^op\b.{0,300}\bschreef\b.{0,200}:$",
            r"^op\b.{0,300}\bgeschreven\s?:$",  # Apple Mail: "Op ... heeft X het volgende ..."
            r"^den\b.{0,300}\bskrev\b.{0,200}:$",
            r"^il\b.{0,300}\bha scritto\s?:$",
            r"^em\b.{0,300}\bescreveu\s?:$",
        )
    ),
    re.IGNORECASE,
)
# "-----Original Message-----", "----- Mail original -----", "-------- Forwarded Message
# --------", Lotus Notes' "-----Maya <m@x.org> wrote: -----", Zoho's "---- On ... wrote ----",
# and a line made only of dashes or underscores.
_SEPARATORS = re.compile(
    r"^([-=_]{2,}\s*\S.{0,300}\s*-{2,}|[-–—―─_]{3,})$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\W{0,3}(from|de|von|van|från|da)\W{0,3}\s?:", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\W{0,3}(sent|date|envoyé|gesendet|datum|skickat|verzonden|enviado( el)?|fecha|inviato"
    r"|data|enviada)\W{0,3}\s?:",
    re.IGNORECASE,
)
_HEADER_BLOCK_LINES = 6
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my \w[\w\s]{0,30}|sent from (outlook|mail|yahoo mail|gmail)\b.{0,40}"
    r"|get outlook for \w+.{0,40}|sent with .{1,40}|envoyé de mon \w+.{0,20}"
    r"|von meinem .{1,40} gesendet|gesendet von meinem .{1,40}|enviado desde mi \w+.{0,20}"
    r"|verstuurd vanaf mijn \w+.{0,20}|verzonden vanaf mijn \w+.{0,20}"
    r"|skickat från min \w+.{0,20})$",
    re.IGNORECASE,
)
# "-Ada", "– Ada L.", "~Ada": a sign-off, after which nothing is the reader's any more.
_DASH_NAME = re.compile(r"^[-–—~]\s?[^\W\d_][\w.'’-]{0,30}(\s[^\W\d_][\w.'’-]{0,30}){0,2}$")
_LIST_ITEM = re.compile(r"^[-–—~*•]\s?\S")
_SENTENCE_END = (".", "!", "?")
_DIGIT = re.compile(r"\d")


def _is_attribution(line: str) -> bool:
    line = line.strip()
    return len(line) < 600 and bool(_DIGIT.search(line)) and bool(_ATTRIBUTIONS.match(line))


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _header_block_at(lines: list[str], index: int) -> bool:
    """Outlook's From/Sent/To/Subject block starts here (its lines in any order)."""
    first = lines[index].strip()
    if not (_HEADER_FROM.match(first) or _HEADER_SENT.match(first)):
        return False
    window = [line.strip() for line in lines[index : index + _HEADER_BLOCK_LINES]]
    return any(_HEADER_FROM.match(line) for line in window) and any(
        _HEADER_SENT.match(line) for line in window
    )


def _join_wrapped(lines: list[str]) -> str:
    """Lines a client wrapped, joined back ("Maya <" + "m@x.org> wrote:" loses the space)."""
    joined = ""
    for line in lines:
        part = line.strip()
        joined += part if not joined or joined.endswith(("<", "(")) else f" {part}"
    return joined


def _attribution_span(lines: list[str], index: int) -> int:
    if index >= len(lines) or not lines[index].strip():
        return 0
    for span in range(1, MAX_ATTRIBUTION_LINES + 1):
        part = lines[index : index + span]
        if len(part) < span or not part[-1].strip() or _is_quoted(part[-1]):
            return 0
        if span > 1 and part[-2].rstrip().endswith(_SENTENCE_END):
            return 0  # a sentence ended: the reader's words, not a wrapped attribution
        if _is_attribution(_join_wrapped(part)):
            return span
    return 0


def _attribution_at(lines: list[str], index: int) -> int:
    """Lines the attribution starting here spans (0: none; up to MAX_ATTRIBUTION_LINES)."""
    if _is_quoted(lines[index]):
        return 0
    span = _attribution_span(lines, index)
    if span > 1 and _attribution_span(lines, index + 1):
        return 0  # the attribution starts on the next line; this one is the reader's
    return span


def _next_text(lines: list[str], index: int) -> str | None:
    """The first line from `index` on that is not blank."""
    while index < len(lines):
        if lines[index].strip():
            return lines[index]
        index += 1
    return None


def _is_dash_sign_off(line: str, before: str, after: str) -> bool:
    """A "-Ada" line that signs off the reply, not an item in a dashed list.

    `before` is the last line with text above it, `after` the line below it.
    """
    line = line.strip()
    if not _DASH_NAME.match(line) or not line.lstrip("-–—~ ")[:1].isupper():
        return False
    before, after = before.strip(), after.strip()
    return not (_LIST_ITEM.match(before) or before.endswith(":") or _LIST_ITEM.match(after))


def _is_separator(line: str) -> bool:
    return len(line) < 400 and bool(_SEPARATORS.match(line))


def _ends(line: str) -> bool:
    """A line where the reader's own text certainly ends (signature or mobile footer)."""
    return line in ("-- ", "--") or bool(_MOBILE_SIGNATURE.match(line.strip()))


def strip_quoted(text: str) -> str:
    """The reader's own words: quoted history, attributions and signatures removed."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    before = ""  # the last line with text, for telling a "-Name" sign-off from a list
    index = 0
    while index < len(lines):
        line = lines[index]
        if _is_separator(line.strip()) or _header_block_at(lines, index) or _ends(line):
            break
        span = _attribution_at(lines, index)
        if span:
            following = _next_text(lines, index + span)
            if following is None or not _is_quoted(following):
                break  # nothing after it, or someone else's message without `>` quoting
            index += span  # an answer between quotes: drop the attribution, keep going
            continue
        if not _is_quoted(line):
            kept.append(line.rstrip())
            after = lines[index + 1] if index + 1 < len(lines) else ""
            if _is_dash_sign_off(line, before, after):
                break
        if line.strip():
            before = line
        index += 1
    result = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", result).strip()
