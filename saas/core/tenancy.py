"""The one place the current publication is resolved and enforced.

A publication is bound to the SQLAlchemy session (``session.info``), for a web request by the
public and dashboard blueprints through the functions here, and for a job by the job's
publication id. Every ORM statement that touches a TenantScoped model then gets
``publication_id = <bound id>`` added by the ``do_orm_execute`` hook below. A statement on a
TenantScoped model with nothing bound raises, unless the caller declared ``cross_tenant()``.

On PostgreSQL the same binding is mirrored into each transaction's settings
(``app.current_publication``, ``app.cross_tenant``) with ``set_config(..., true)``, which the
row-level security policies read: a second wall that holds even if the ORM hook is bypassed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import quote

import sentry_sdk
from flask import Flask, abort, g
from sqlalchemy import event, select, text
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from saas.core.extensions import db
from saas.core.model_base import TenantScoped
from saas.publishing.models import Membership, Publication

_PUBLICATION_KEY = "tend.publication_id"
_CROSS_TENANT_KEY = "tend.cross_tenant"


# Tests switch this off to prove that row-level security alone keeps tenants apart.
ORM_SCOPING = True

_SET_SETTINGS = text(
    "SELECT set_config('app.current_publication', :publication, true), "
    "set_config('app.cross_tenant', :cross, true)"
)


class TenancyError(RuntimeError):
    """A tenant-scoped query or write ran without a bound publication."""


def _apply_database_settings(session: Session, connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    publication_id = session.info.get(_PUBLICATION_KEY)
    connection.execute(
        _SET_SETTINGS,
        {
            "publication": "" if publication_id is None else str(publication_id),
            "cross": "on" if session.info.get(_CROSS_TENANT_KEY) else "",
        },
    )


def _after_begin(session: Session, transaction, connection) -> None:
    _apply_database_settings(session, connection)


def _sync_database_settings(session: Session) -> None:
    # A transaction already under way gets the new settings now; later ones in after_begin.
    if session.in_transaction() and db.engine.dialect.name == "postgresql":
        _apply_database_settings(session, session.connection())


def bind(session: Session, publication_id: int | None) -> None:
    """Make every later statement in this session see only `publication_id`'s rows."""
    session.info[_PUBLICATION_KEY] = publication_id
    _sync_database_settings(session)
    if publication_id is not None:
        # Error reports from this request or job name the tenant (a no-op without Sentry).
        sentry_sdk.set_tag("publication_id", publication_id)


def current_publication_id(session: Session | None = None) -> int | None:
    """The publication id bound to the session, if any."""
    return (session or db.session()).info.get(_PUBLICATION_KEY)


@contextmanager
def bound_to(publication_id: int) -> Iterator[None]:
    """Bind a publication for the duration of a block (jobs, CLI), restoring what was there."""
    session = db.session()
    previous = session.info.get(_PUBLICATION_KEY)
    bind(session, publication_id)
    try:
        yield
    finally:
        bind(session, previous)


@contextmanager
def cross_tenant() -> Iterator[None]:
    """Explicitly allow unscoped access for code that must see every tenant (ops, fan-out)."""
    session = db.session()
    previous = session.info.get(_CROSS_TENANT_KEY, False)
    session.info[_CROSS_TENANT_KEY] = True
    _sync_database_settings(session)
    try:
        yield
    finally:
        session.info[_CROSS_TENANT_KEY] = previous
        _sync_database_settings(session)


def _touches_tenant_model(state: ORMExecuteState) -> bool:
    return any(issubclass(mapper.class_, TenantScoped) for mapper in state.all_mappers if mapper)


def _scope_statement(state: ORMExecuteState) -> None:
    if not ORM_SCOPING or not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load:
        # Refreshing a row this session already holds cannot reveal another tenant's data.
        return
    publication_id = state.session.info.get(_PUBLICATION_KEY)
    if publication_id is None:
        if state.session.info.get(_CROSS_TENANT_KEY) or not _touches_tenant_model(state):
            return
        if state.is_relationship_load:
            # Following a relationship from a row this session already loaded under scoping.
            return
        raise TenancyError("tenant-scoped query with no publication bound")
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.publication_id == publication_id,
            include_aliases=True,
        )
    )


def _stamp_new_rows(session: Session, flush_context, instances) -> None:
    publication_id = session.info.get(_PUBLICATION_KEY)
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantScoped):
            continue
        if obj.publication_id is None:
            if publication_id is None:
                raise TenancyError(f"new {type(obj).__name__} with no publication bound")
            obj.publication_id = publication_id
        elif publication_id is not None and obj.publication_id != publication_id:
            raise TenancyError(f"{type(obj).__name__} written across tenants")


def install_session_hooks() -> None:
    """Attach the scoping hooks to every session the app creates (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _scope_statement):
        event.listen(Session, "do_orm_execute", _scope_statement)
        event.listen(Session, "before_flush", _stamp_new_rows)
        event.listen(Session, "after_begin", _after_begin)


# --- web requests -------------------------------------------------------------------------


def bind_public(slug: str) -> Publication:
    """Resolve a public page's publication from its slug, or 404."""
    publication = db.session.scalar(select(Publication).where(Publication.slug == slug))
    if publication is None:
        abort(404)
    bind(db.session(), publication.id)
    g.publication = publication
    return publication


def bind_dashboard(slug: str, user) -> Publication:
    """Resolve a dashboard page's publication; 404 unless `user` is a member."""
    row = db.session.execute(
        select(Publication, Membership)
        .join(Membership, Membership.publication_id == Publication.id)
        .where(Publication.slug == slug, Membership.user_id == user.id)
    ).first()
    if row is None:
        abort(404)
    publication, membership = row
    bind(db.session(), publication.id)
    g.publication = publication
    g.membership = membership
    return publication


# --- custom domains -----------------------------------------------------------------------


class CustomDomainMiddleware:
    """Serve a publication's public pages at `/` when the Host is its verified custom domain.

    The path is rewritten to `/p/<slug>/...` before Flask routes it, so the same views and
    the same scoping apply. A domain the publication may not use now (its owner's plan no
    longer includes custom domains; the rule is `serves`, set by the billing package) is not
    served: the request is redirected to the same page on the platform, `/p/<slug>/...`.
    Lookups are cached briefly to keep the hot path query-free; `forget()` drops them.
    """

    CACHE_SECONDS = 30.0
    URL_SAFE = "/:@!$&'()*+,;=-._~"  # left as they are when the path is quoted again

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app
        self._cache: dict[str, tuple[float, str | None, bool]] = {}
        self._lock = threading.Lock()
        self.serves: Callable[[Publication], bool] = lambda publication: True

    def _lookup(self, host: str) -> tuple[str | None, bool]:
        """(slug of the publication holding `host` verified, whether it is served there now).

        A pending (unverified) claim is no claim: the host is unknown, as if never set.
        """
        now = time.monotonic()
        hit = self._cache.get(host)
        if hit and now - hit[0] < self.CACHE_SECONDS:
            return hit[1], hit[2]
        with self.app.app_context():
            publication = db.session.scalar(
                select(Publication).where(
                    Publication.custom_domain == host,
                    Publication.custom_domain_verified_at.is_not(None),
                )
            )
            slug = publication.slug if publication is not None else None
            served = publication is not None and bool(self.serves(publication))
        with self._lock:
            self._cache[host] = (now, slug, served)
        return slug, served

    def serves_host(self, host: str) -> bool:
        """Whether `host` is served now (for links: an unserved domain gets platform links)."""
        return self._lookup(host.lower())[1]

    def forget(self) -> None:
        """Drop cached lookups (after a publication changes its domain or its plan)."""
        with self._lock:
            self._cache.clear()

    def _to_platform(self, environ, start_response, slug: str, path: str):
        # Temporary on purpose: an upgrade brings the domain back.
        # PATH_INFO arrives decoded (latin-1): quote it again, so nothing can break the header.
        location = f"{self.app.config['BASE_URL']}/p/{slug}" + quote(
            path.encode("latin-1"), safe=self.URL_SAFE
        )
        query = environ.get("QUERY_STRING")
        if query:
            location += "?" + quote(query.encode("latin-1"), safe=self.URL_SAFE + "%")
        start_response(
            "302 Found",
            [
                ("Location", location),
                ("Cache-Control", "no-store"),
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", "0"),
            ],
        )
        return [b""]

    def __call__(self, environ, start_response):
        host = (environ.get("HTTP_HOST") or "").split(":")[0].strip().lower().rstrip(".")
        if host and host not in self.app.config["PLATFORM_HOSTS"]:
            path = environ.get("PATH_INFO") or "/"
            if not path.startswith("/static/"):
                slug, served = self._lookup(host)
                if slug is not None and not served:
                    return self._to_platform(environ, start_response, slug, path)
                if slug is not None:
                    environ["tend.custom_domain_slug"] = slug
                    environ["PATH_INFO"] = f"/p/{slug}{path}"
        return self.wsgi_app(environ, start_response)
