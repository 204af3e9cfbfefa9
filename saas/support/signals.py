"""What support tells higher features, and what it lets them add (blinker signals).

Apart from saas.support.hooks (support's receivers of audience's hooks) because the pipeline
sends these and hooks already uses the pipeline. Outbound webhooks hear of new requests,
stage moves and erasures, and offer the publication's booking link for an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from blinker import Namespace

_signals = Namespace()

request_created = _signals.signal("support-request-created")
"""Sent with the publication as sender and `request=` once a request is stored (committed);
receivers may commit their own rows, and never log what the reader wrote."""

stage_changed = _signals.signal("support-request-stage-changed")
"""Sent with the publication as sender, `request=` and `previous=` (the stage it left) once
the move is committed; receivers may commit their own rows."""

requests_erasing = _signals.signal("support-requests-erasing")
"""Sent with the publication id as sender and `ids=` as requests are erased (the reader's
erasure, or the practitioner's), inside that transaction: receivers delete what they hold
about them and never commit."""

answer_additions = _signals.signal("support-answer-additions")
"""Sent with the publication as sender and `request=` when the answer form is shown and sent;
a receiver returns a list of Addition the practitioner may add to the answer."""


@dataclass(frozen=True)
class Addition:
    """Text a practitioner can add to an answer by ticking a box (a booking link)."""

    key: str
    label: str
    text: str


def additions(publication, request) -> list[Addition]:
    """Every receiver's additions for an answer to `request`, by key order."""
    found: list[Addition] = []
    for _receiver, offered in answer_additions.send(publication, request=request):
        found.extend(offered or [])
    return sorted(found, key=lambda addition: addition.key)
