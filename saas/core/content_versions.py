"""Version tokens of each publication's public content, changed after every commit touching it.

Anything cached from the database for public pages (a publication's record, a rendered page,
a reader's state) is stored with the token that was current *before* it was read, and is used
only while that token is still current. A token is a random string kept in the shared cache;
it changes after each commit that wrote a watched row of the publication, so the next
request reads the database again. Nothing has to remember to invalidate: features declare
which models feed public pages (`watch`), and session hooks do the rest:

- a flushed insert, update or delete of a watched row changes its publication's token(s)
  once the transaction commits (a rolled-back transaction changes none);
- an ORM bulk UPDATE or DELETE of a watched model changes the bound publication's tokens,
  or every publication's when none is bound (cross-tenant work).

Two scopes keep unrelated traffic apart: PAGES (what every reader sees: issues, replies,
settings) and READERS (what one signed-in reader's state is made of: their subscription,
payments, standing). Each scope also has a global token for changes that concern every
publication (a practitioner's plan). Raw SQL writes to a watched table must call `touch`.

If Redis is unreachable when a token must change, the change is retried once it answers
again; cached entries also expire after ``PAGE_FRAGMENT_SECONDS`` whatever happens.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from saas.core.shared_cache import SharedCache, shared_cache
from saas.core.tenancy import current_publication_id

PAGES = "pages"
READERS = "readers"
SCOPES = (PAGES, READERS)
EVERY = "*"  # the global token of a scope

_CHANGED_KEY = "tend.content_changed"


@dataclass(frozen=True)
class Watched:
    """What a change to one model's rows makes stale."""

    scopes: tuple[str, ...]
    deleted_scopes: tuple[str, ...]
    publication_of: Callable[[object], int | None]


_watched: dict[type, Watched] = {}


def watch(
    model: type,
    scopes: Iterable[str],
    deleted_scopes: Iterable[str] | None = None,
    publication_of: Callable[[object], int | None] | None = None,
) -> None:
    """Declare that writes to `model` change public content of the `scopes`.

    `publication_of(row)` names the publication (default: its `publication_id`); None means
    every publication. `deleted_scopes` (default: `scopes`) applies when a row is deleted.
    """
    scopes = tuple(scopes)
    _watched[model] = Watched(
        scopes,
        tuple(deleted_scopes) if deleted_scopes is not None else scopes,
        publication_of or (lambda row: getattr(row, "publication_id", None)),
    )


def version_key(scope: str, publication_id: int | str) -> str:
    """The shared-cache key of a token."""
    return f"v:{scope}:{publication_id}"


def read_keys(publication_id: int) -> list[str]:
    """Keys to fetch (with anything else) to know a publication's current tokens."""
    return [version_key(scope, p) for scope in SCOPES for p in (publication_id, EVERY)]


@dataclass(frozen=True)
class Versions:
    """A publication's current tokens; `stamp(scope)` is what cached entries are kept with."""

    tokens: dict[str, str]
    changed_at: float

    def stamp(self, scope: str) -> str:
        return self.tokens[scope]

    @property
    def complete(self) -> bool:
        """False when a token was missing (then nothing read now may be stored)."""
        return all(self.tokens.values())


def _new_token() -> bytes:
    return f"{secrets.token_hex(8)}:{time.time():.3f}".encode()


def _created(cache: SharedCache | None, key: str) -> bytes | None:
    """A first token for `key`, if this call is the one that set it."""
    token = _new_token()
    return token if cache is not None and cache.set(key, token, only_new=True) else None


def versions_from(values: list[bytes | None], cache: SharedCache | None, pid: int) -> Versions:
    """Tokens from the values of `read_keys(pid)`; missing ones are created (a token another
    process created at the same moment stays unknown: that scope is then blank)."""
    tokens: dict[str, str] = {}
    changed_at = 0.0
    for index, scope in enumerate(SCOPES):
        own = values[2 * index] or _created(cache, version_key(scope, pid))
        every = values[2 * index + 1] or _created(cache, version_key(scope, EVERY))
        if own is None or every is None:
            tokens[scope] = ""
            continue
        tokens[scope] = f"{own.decode()}/{every.decode()}"
        for value in (own, every):
            changed_at = max(changed_at, float(value.decode().rsplit(":", 1)[1]))
    return Versions(tokens, changed_at)


def current(publication_id: int) -> Versions | None:
    """The publication's tokens, or None when the shared cache is unreachable."""
    cache = shared_cache()
    values = cache.get_many(read_keys(publication_id))
    return None if values is None else versions_from(values, cache, publication_id)


def bump(changes: Iterable[tuple[int | str, str]], cache: SharedCache | None = None) -> None:
    """Give each (publication id or EVERY, scope) a new token now."""
    cache = cache or shared_cache()
    wanted = set(changes)
    if not wanted:
        return
    stored = cache.set_many(
        {version_key(scope, pid): _new_token() for pid, scope in wanted}, ttl=30 * 86400
    )
    if not stored:
        cache.when_back(lambda: bump(wanted, cache))


def touch(session: Session, publication_id: int | None, scopes: Iterable[str] = SCOPES) -> None:
    """Mark content changed by a raw SQL write (tokens change when the session commits)."""
    changed = session.info.setdefault(_CHANGED_KEY, set())
    for scope in scopes:
        changed.add((EVERY if publication_id is None else publication_id, scope))


# --- session hooks --------------------------------------------------------------------------


def _note_flushed(session: Session, flush_context) -> None:
    if not _watched:
        return
    changed = session.info.setdefault(_CHANGED_KEY, set())
    for rows, deleted in ((session.new, False), (session.dirty, False), (session.deleted, True)):
        for row in rows:
            watched = _watched.get(type(row))
            if watched is None:
                continue
            if not deleted and row in session.dirty and not session.is_modified(row):
                continue
            pid = watched.publication_of(row)
            for scope in watched.deleted_scopes if deleted else watched.scopes:
                changed.add((EVERY if pid is None else pid, scope))


def _note_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete) or not _watched:
        return
    scopes: set[str] = set()
    for mapper in state.all_mappers:
        watched = _watched.get(mapper.class_) if mapper is not None else None
        if watched is not None:
            scopes.update(watched.deleted_scopes if state.is_delete else watched.scopes)
    if scopes:
        touch(state.session, current_publication_id(state.session), scopes)


def _bump_committed(session: Session) -> None:
    changed = session.info.pop(_CHANGED_KEY, None)
    if changed and has_app_context():
        bump(changed)


def _forget_rolled_back(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_CHANGED_KEY, None)


def install_session_hooks() -> None:
    """Attach the hooks to every session (idempotent)."""
    if not event.contains(Session, "after_flush", _note_flushed):
        event.listen(Session, "after_flush", _note_flushed)
        event.listen(Session, "do_orm_execute", _note_bulk)
        event.listen(Session, "after_commit", _bump_committed)
        event.listen(Session, "after_rollback", _forget_rolled_back)


# --- what cached content is keyed by -------------------------------------------------------

_CODE_FINGERPRINT = ""
_CONFIG_FINGERPRINTED = (
    "BASE_URL",
    "PLATFORM_HOSTS",
    "PREFERRED_URL_SCHEME",
    "TEND_ENV",
    "ARCHIVE_PAGE_SIZE",
    "BILLING_PLANS",
    "SESSION_COOKIE_NAME",
)


def _code_fingerprint() -> str:
    """A digest of the templates and the package: a deployment never reads its elders' pages."""
    global _CODE_FINGERPRINT
    if not _CODE_FINGERPRINT:
        import hashlib
        from pathlib import Path

        root = Path(__file__).resolve().parents[2]
        digest = hashlib.sha256()
        for folder, pattern in ((root / "templates", "*"), (root / "saas", "*.py")):
            for path in sorted(folder.rglob(pattern)):
                if path.is_file():
                    digest.update(str(path.relative_to(root)).encode())
                    digest.update(path.read_bytes())
        _CODE_FINGERPRINT = digest.hexdigest()[:10]
    return _CODE_FINGERPRINT


def _config_fingerprint(config) -> str:
    values = [config.get(name) for name in _CONFIG_FINGERPRINTED]
    values.append(bool(config.get("STRIPE_SECRET_KEY")))
    # Keyed by the objects' identities: the digest is worked out once per configuration.
    identity = tuple(id(value) for value in values[:-1]) + (values[-1],)
    cached = _config_digests.get(identity)
    if cached is None:
        import hashlib

        # The values are kept with their digest, so no identity is reused while it is known.
        cached = (values, hashlib.sha256(repr(values).encode()).hexdigest()[:8])
        _config_digests[identity] = cached
    return cached[1]


def content_key(*parts: object) -> str:
    """A shared-cache key for content rendered by this code with this configuration."""
    from flask import current_app

    prefix = ("c", _code_fingerprint(), _config_fingerprint(current_app.config))
    return ":".join([*prefix, *map(str, parts)])


_config_digests: dict[tuple, tuple[list, str]] = {}
