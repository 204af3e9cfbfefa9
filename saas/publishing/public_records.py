"""The publication a public request is for, found without the database when it can be.

A publication's slug never changes, so this process remembers which id each slug names.
With the id, one shared-cache round trip fetches the publication's content version tokens
(saas.core.content_versions), plus whatever higher features ask for alongside (`prefetch`:
the signed-in reader's state, say). The publication's row is kept, stamped with its PAGES
token, in the shared cache and in this process: while the token holds, no query is needed to
know the publication; any change to the row changes the token.

The tokens and the fetched values stay on `g` for the request's page (`versions`,
`prefetched`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from flask import abort, current_app, g
from sqlalchemy import select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from saas.core import content_versions
from saas.core.content_versions import PAGES, Versions
from saas.core.extensions import db
from saas.core.model_base import UTCDateTime
from saas.core.shared_cache import LocalCopies, shared_cache
from saas.publishing.models import Publication

_MAX_SLUGS = 10_000
_slug_ids: dict[str, int] = {}
_records = LocalCopies(max_entries=1_024)
# The table's columns, named as the model's attributes (without configuring the mappers).
_columns = [column.key for column in Publication.__table__.columns]
_datetimes = {
    column.key for column in Publication.__table__.columns if isinstance(column.type, UTCDateTime)
}

# Higher features' keys to fetch with the tokens: f(publication id) -> shared-cache keys.
_prefetchers: list[Callable[[int], list[str]]] = []


def prefetch(function: Callable[[int], list[str]]) -> Callable[[int], list[str]]:
    """Register `function(publication_id)` naming keys to fetch with every public request."""
    _prefetchers.append(function)
    return function


def record_key(publication_id: int) -> str:
    return content_key_for("publication", publication_id)


def content_key_for(*parts: object) -> str:
    return content_versions.content_key(*parts)


def _encode(publication: Publication) -> dict:
    record = {}
    for name in _columns:
        value = getattr(publication, name)
        record[name] = value.isoformat() if isinstance(value, datetime) else value
    return record


def _decode(record: dict) -> dict:
    values = dict(record)
    for name in _datetimes:
        if values.get(name) is not None:
            values[name] = datetime.fromisoformat(values[name])
    return values


def _attached(values: dict) -> Publication:
    """A Publication in this request's session built from a record, without a query.

    Its attributes are filled the way a query fills them (as loaded, not as changes), so
    it is a clean persistent row of this session, its relationships loading as usual.
    """
    session = db.session()
    present = session.identity_map.get(identity_key(Publication, values["id"]))
    if present is not None:  # already read in this session (a test's own app context)
        return present
    publication = Publication.__mapper__.class_manager.new_instance()
    publication.__dict__.update(values)
    make_transient_to_detached(publication)
    session.add(publication)
    return publication


def _remember(slug: str, publication_id: int) -> None:
    if len(_slug_ids) >= _MAX_SLUGS:
        _slug_ids.clear()
    _slug_ids[slug] = publication_id


def find(slug: str) -> Publication:
    """The publication at `slug` (404 if none); fills `g.public_versions` and `g.prefetched`."""
    g.public_versions = None
    g.prefetched = {}
    publication_id = _slug_ids.get(slug)
    versions: Versions | None = None
    if publication_id is not None:
        versions = _fetch(publication_id)
        if versions is not None and versions.complete:
            values = _cached_record(publication_id, versions.stamp(PAGES))
            if values is not None and values["slug"] == slug:
                return _attached(values)
    publication = db.session.scalar(select(Publication).where(Publication.slug == slug))
    if publication is None:
        abort(404)
    _remember(slug, publication.id)
    if publication_id != publication.id:
        # First time here (or the slug changed hands): the tokens must be read before the
        # row whose copy they stamp, so the row is read again after them.
        versions = _fetch(publication.id)
        if versions is not None:
            db.session.refresh(publication)
    if versions is not None and versions.complete:
        _store(publication, versions.stamp(PAGES))
    return publication


def _store(publication: Publication, stamp: str) -> None:
    key = record_key(publication.id)
    record = _encode(publication)
    ttl = int(current_app.config["PAGE_FRAGMENT_SECONDS"])
    shared_cache().set(key, json.dumps({"s": stamp, "r": record}).encode(), ttl)
    _records.put(key, stamp, _decode(record))


def _fetch(publication_id: int) -> Versions | None:
    """Tokens and prefetched values in one round trip (None without the shared cache)."""
    cache = shared_cache()
    version_keys = content_versions.read_keys(publication_id)
    extra = [key for function in _prefetchers for key in function(publication_id)]
    values = cache.get_many(version_keys + extra)
    if values is None:
        return None
    versions = content_versions.versions_from(values[: len(version_keys)], cache, publication_id)
    g.public_versions = versions
    g.prefetched = dict(zip(extra, values[len(version_keys) :], strict=True))
    return versions


def _cached_record(publication_id: int, stamp: str) -> dict | None:
    key = record_key(publication_id)
    values = _records.get(key, stamp)
    if values is not None:
        return values
    raw = shared_cache().get_many([key])
    if not raw or raw[0] is None:
        return None
    data = json.loads(raw[0])
    if data.get("s") != stamp:
        return None
    values = _decode(data["r"])
    _records.put(key, stamp, values)
    return values
