"""What public pages need to know about the signed-in reader, kept between their requests.

A reader's state is who they are (from their Subscriber row) plus a part from each feature
that shows them something of their own (`loader`): billing their paid standing, replies
whether they may reply and where they left replies only they can see. It is read from the
database once, then kept in the shared cache stamped with the publication's READERS token
(saas.core.content_versions), which changes whenever a subscriber, a payment or a reply of
the publication does; a part may also say until when it holds (`valid_until`: a grace
period's end). The public parent fetches it together with the page's tokens (one round trip).

Pages reach it through the page-hole resolver "reader" (saas.core.page_holes), and the
subscribe box is the "subscribe" partial.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g
from sqlalchemy import select

from saas.audience import reader_session
from saas.audience.models import ACTIVE, Subscriber
from saas.core.content_versions import READERS, content_key
from saas.core.extensions import db
from saas.core.page_hole_rendering import render_kept
from saas.core.page_holes import Fill, resolver
from saas.core.shared_cache import shared_cache
from saas.publishing import public_records
from saas.publishing.models import Publication


@dataclass(frozen=True)
class ReaderState:
    """The signed-in reader as public pages see them (`parts` by feature)."""

    subscriber_id: int
    active: bool
    email: str
    name: str
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    valid_until: float | None = None

    def part(self, name: str) -> dict[str, Any]:
        return self.parts.get(name, {})


# feature name -> f(publication, subscriber id) -> its part (JSON values; "valid_until": epoch)
_loaders: dict[str, Callable[[Publication, int], dict[str, Any]]] = {}


def loader(name: str) -> Callable:
    """Register the function computing a feature's part of every reader's state."""

    def register(function: Callable[[Publication, int], dict[str, Any]]) -> Callable:
        _loaders[name] = function
        return function

    return register


def state_key(publication_id: int, subscriber_id: int) -> str:
    return content_key("reader", publication_id, subscriber_id)


@public_records.prefetch
def _prefetch(publication_id: int) -> list[str]:
    subscriber_id = reader_session.reader_id_for(publication_id)
    return [state_key(publication_id, subscriber_id)] if subscriber_id else []


def _load(publication: Publication, subscriber_id: int) -> ReaderState | None:
    row = db.session.execute(
        select(Subscriber.id, Subscriber.status, Subscriber.email, Subscriber.name).where(
            Subscriber.id == subscriber_id
        )
    ).first()
    if row is None:
        return None
    parts = {name: load(publication, subscriber_id) for name, load in _loaders.items()}
    ends = [part["valid_until"] for part in parts.values() if part.get("valid_until")]
    return ReaderState(
        row.id, row.status == ACTIVE, row.email, row.name or "", parts, min(ends, default=None)
    )


def _decode(raw: bytes | None, stamp: str) -> ReaderState | None | bool:
    """The kept state (None: no such reader), or False when nothing valid is kept."""
    if raw is None:
        return False
    data = json.loads(raw)
    if data.get("s") != stamp:
        return False
    state = data.get("r")
    if state is None:
        return None
    if state.get("valid_until") and time.time() >= state["valid_until"]:
        return False
    return ReaderState(**state)


def current(publication: Publication) -> ReaderState | None:
    """The signed-in reader's state for this publication (once per request), or None."""
    memo = g.setdefault("reader_states", {})
    if publication.id not in memo:
        memo[publication.id] = _current(publication)
    return memo[publication.id]


def _current(publication: Publication) -> ReaderState | None:
    subscriber_id = reader_session.reader_id(publication)
    if not subscriber_id:
        return None
    key = state_key(publication.id, subscriber_id)
    versions = g.get("public_versions")
    stamp = versions.stamp(READERS) if versions is not None and versions.complete else None
    if stamp is not None and key in g.get("prefetched", {}):
        kept = _decode(g.prefetched[key], stamp)
        if kept is not False:
            return kept
    state = _load(publication, subscriber_id)
    if stamp is not None:
        record = None if state is None else state.__dict__
        ttl = int(current_app.config["PAGE_FRAGMENT_SECONDS"])
        shared_cache().set(key, json.dumps({"s": stamp, "r": record}).encode(), ttl)
    return state


@resolver("who", "reader")
def _reader(fill: Fill) -> ReaderState | None:
    publication = fill.context.get("publication")
    return current(publication) if publication is not None else None


@resolver("partial", "subscribe")
def _subscribe_box(fill: Fill, kwargs: dict) -> str:
    reader = fill.who("reader")
    reader = reader if reader is not None and reader.active else None
    publication = fill.context["publication"]
    # What the box shows is all in the key: it is rendered once per reader and publication.
    key = (
        publication.id,
        publication.slug,
        publication.name,
        publication.tagline,
        reader and reader.email,
        tuple(sorted(kwargs.items())),
    )
    return render_kept(
        "audience/_subscribe_box.html", fill, key, publication=publication, reader=reader, **kwargs
    )
