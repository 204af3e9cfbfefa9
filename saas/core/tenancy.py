"""The one place the current publication is resolved and enforced.

A publication is bound to the SQLAlchemy session (``session.info``), for a web request by the
public and dashboard parent blueprints (saas.publishing), and for a job by the job's
publication id. Every ORM statement that touches a TenantScoped model then gets
``publication_id = <bound id>`` added by the ``do_orm_execute`` hook below. A statement on a
TenantScoped model with nothing bound raises, unless the caller declared ``cross_tenant()``.

On PostgreSQL the same binding is mirrored into each transaction's settings
(``app.current_publication``, ``app.cross_tenant``) with ``set_config(..., true)``, which the
row-level security policies read: a second wall that holds even if the ORM hook is bypassed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sentry_sdk
from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from saas.core.extensions import db
from saas.core.model_base import TenantScoped

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


_CONNECTED_KEY = "tend.connected"


def _after_begin(session: Session, transaction, connection) -> None:
    session.info[_CONNECTED_KEY] = True
    # Nothing bound and no cross-tenant declaration: the settings' defaults (unset, since
    # set_config(..., true) ends with each transaction) already show no tenant's rows, so
    # the round trip is saved; bind() sets them once it is known whose rows to show.
    if session.info.get(_PUBLICATION_KEY) is None and not session.info.get(_CROSS_TENANT_KEY):
        return
    _apply_database_settings(session, connection)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTED_KEY, None)


def _sync_database_settings(session: Session) -> None:
    # A database transaction already under way gets the new settings now; one not yet begun
    # gets them in after_begin (binding alone never opens a connection).
    # A transaction broken by an error (a lost connection, say) is left alone: it can only
    # be rolled back, and the caller is already on its way out with that error.
    if not session.info.get(_CONNECTED_KEY) or db.engine.dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:
        return
    connection = session.connection()
    if not connection.invalidated:
        _apply_database_settings(session, connection)


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
        event.listen(Session, "after_transaction_end", _after_transaction_end)
