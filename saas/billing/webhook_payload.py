"""A verified webhook body read as the event Tend stores, or refused as malformed.

Read as plain JSON, not built into stripe library objects: an event or object newer than
the library must still be stored and acknowledged. What Tend stores is checked against its
columns first (`StripeEvent`), so no body can fail at the database and answer a 500, which
Stripe would retry for days.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from saas.billing.models import StripeEvent
from saas.billing.stripe_api import timestamp

# Stripe's events nest a dozen levels at most; a body nested deeper is no event.
MAX_DEPTH = 64
# Year 9999, the last a datetime holds.
LAST_TIMESTAMP = 253_402_300_799
_ID_LENGTH = StripeEvent.id.type.length
_TYPE_LENGTH = StripeEvent.type.type.length
_ACCOUNT_LENGTH = StripeEvent.account.type.length
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")


class MalformedPayload(ValueError):
    """A genuine body that is no event Tend can store: answer 400."""


@dataclass(frozen=True)
class ReceivedEvent:
    """The parts of an event Tend stores, checked against their columns."""

    id: str
    type: str
    account: str
    livemode: bool
    created: datetime | None
    payload: dict[str, Any]


def _refuse_constant(name: str) -> None:
    # NaN and Infinity are not JSON, and PostgreSQL refuses them in a json column.
    raise MalformedPayload(f"{name} is not JSON")


def _too_deep(value: Any) -> bool:
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(node, dict):
            pending.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            pending.extend((child, depth + 1) for child in node)
    return False


def _word(payload: dict, key: str, length: int, required: bool = True) -> str:
    value = payload.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise MalformedPayload(f"`{key}` must be a string")
    if value and (len(value) > length or not _VISIBLE_ASCII.fullmatch(value)):
        raise MalformedPayload(f"`{key}` must be up to {length} visible ASCII characters")
    return value


def _created(payload: dict) -> datetime | None:
    value = payload.get("created")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LAST_TIMESTAMP:
        raise MalformedPayload("`created` must be a Unix timestamp")
    return timestamp(value)


def read(body: str) -> ReceivedEvent:
    """The event in a verified body, or MalformedPayload saying why it is none."""
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise MalformedPayload("nested too deeply") from exc
    except ValueError as exc:
        raise MalformedPayload("not JSON") from exc
    if not isinstance(payload, dict):
        raise MalformedPayload("not a JSON object")
    if _too_deep(payload):
        raise MalformedPayload("nested too deeply")
    return ReceivedEvent(
        id=_word(payload, "id", _ID_LENGTH),
        type=_word(payload, "type", _TYPE_LENGTH),
        account=_word(payload, "account", _ACCOUNT_LENGTH, required=False),
        livemode=payload.get("livemode") is True,
        created=_created(payload),
        payload=payload,
    )
