"""Remove personal data from anything leaving the process for error reporting.

Applied to every Sentry event: email addresses, tokens, SQL parameters and request bodies
are replaced, so support-request text, reader addresses and link tokens never reach it.
"""

from __future__ import annotations

import re
from typing import Any

EMAIL_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Signed tokens, keys and hashes: long runs of URL-safe characters with at least one digit.
TOKEN_RE = re.compile(r"(?=[A-Za-z0-9_\-.]*\d)[A-Za-z0-9_\-.]{20,}")
SQL_PARAMS_RE = re.compile(r"\[parameters: .*?\](?=\s*\(|\s*$)", re.DOTALL)
# Keys whose values are never useful to an operator and often personal.
DROP_KEYS = frozenset(
    {"data", "cookies", "query_string", "body", "env", "vars", "user", "params", "parameters"}
)
SENSITIVE_HEADERS = frozenset({"cookie", "authorization", "x-csrftoken", "referer"})


def scrub_text(value: str) -> str:
    """Replace emails, tokens and SQL parameters inside one string."""
    value = SQL_PARAMS_RE.sub("[parameters removed]", value)
    value = EMAIL_RE.sub("[email]", value)
    return TOKEN_RE.sub("[token]", value)


def scrub(value: Any, depth: int = 0) -> Any:
    """Recursively scrub strings in dicts and lists; drop keys that hold raw input."""
    if depth > 20:
        return "[truncated]"
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in DROP_KEYS:
                continue
            if isinstance(key, str) and key.lower() in SENSITIVE_HEADERS:
                continue
            cleaned[key] = scrub(item, depth + 1)
        return cleaned
    if isinstance(value, list | tuple):
        return [scrub(item, depth + 1) for item in value]
    return value


# Infrastructure errors whose messages describe the failure, not the data being handled.
STRUCTURAL_EXCEPTIONS = frozenset(
    {
        "OperationalError",
        "InterfaceError",
        "TimeoutError",
        "ConnectionError",
        "ConnectionRefusedError",
        "SMTPServerDisconnected",
        "SMTPConnectError",
        "TenancyError",
        "BuildError",
        "TemplateNotFound",
        "UndefinedError",
    }
)


def scrub_exception_values(event: dict) -> None:
    """Drop exception messages (they may hold whatever text the failing code had in hand).

    The type, module and stack trace stay, which is what an operator debugs with; messages
    of a few structural infrastructure errors are kept, scrubbed and shortened.
    """
    for entry in (event.get("exception") or {}).get("values") or []:
        value = entry.get("value")
        if not isinstance(value, str):
            continue
        if entry.get("type") in STRUCTURAL_EXCEPTIONS:
            entry["value"] = scrub_text(value)[:300]
        else:
            entry["value"] = f"[message removed, {len(value)} characters]"
