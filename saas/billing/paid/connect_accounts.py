"""Stripe Connect: the account a publication's readers pay into, its onboarding and its state.

A publication gets an Express account created on the platform and finishes onboarding on
Stripe through an Account Link. A practitioner with several publications may reuse one of
their connected accounts; the tiers' products keep the publications' payments apart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from saas.billing import plans as billing_plans
from saas.billing import subscription_state
from saas.billing.models import ConnectedAccount
from saas.billing.stripe_api import client, field
from saas.core.extensions import db
from saas.core.links import external_url, publication_base_url
from saas.core.tenancy import bound_to, cross_tenant
from saas.publishing.models import Publication


class ConnectError(ValueError):
    """The connection cannot be made; the message says why, for the practitioner."""


def get_connection(publication: Publication) -> ConnectedAccount | None:
    """The publication's connected account, if it has one."""
    return db.session.scalar(select(ConnectedAccount))


def is_ready(connection: ConnectedAccount | None) -> bool:
    """Whether readers can pay into the account now."""
    return connection is not None and connection.charges_enabled


def _copy(connection: ConnectedAccount, account: Any) -> None:
    connection.charges_enabled = bool(field(account, "charges_enabled"))
    connection.payouts_enabled = bool(field(account, "payouts_enabled"))
    connection.details_submitted = bool(field(account, "details_submitted"))
    connection.disabled_reason = str(field(account, "requirements", "disabled_reason") or "")[:120]
    connection.default_currency = str(field(account, "default_currency") or "")[:3]


def start_onboarding(publication: Publication, email: str) -> str:
    """Create the account on first use, then return a fresh onboarding link to Stripe."""
    connection = get_connection(publication)
    if connection is None:
        params = {
            "type": "express",
            "email": email,
            "business_profile": {
                "name": publication.name,
                "url": publication_base_url(publication),
            },
            "metadata": {"tend_publication_id": str(publication.id)},
        }
        # One account per publication even when "Connect" is clicked twice.
        options = {"idempotency_key": f"tend-connect-publication-{publication.id}"}
        account = client().v1.accounts.create(params, options)
        connection = ConnectedAccount(publication_id=publication.id, stripe_account_id=account.id)
        _copy(connection, account)
        db.session.add(connection)
        db.session.commit()
    slug = publication.slug
    link = client().v1.account_links.create(
        {
            "account": connection.stripe_account_id,
            "type": "account_onboarding",
            "refresh_url": external_url("dashboard.billing.paid_connect", pub_slug=slug),
            "return_url": external_url("dashboard.billing.paid_connect_return", pub_slug=slug),
        }
    )
    return link.url


def refresh(publication: Publication) -> ConnectedAccount | None:
    """Read the account's state from Stripe now (back from onboarding)."""
    connection = get_connection(publication)
    if connection is None:
        return None
    subscription_state.lock(f"account:{connection.stripe_account_id}")
    _copy(connection, client().v1.accounts.retrieve(connection.stripe_account_id))
    db.session.commit()
    return connection


def sync_account(account_id: str) -> int:
    """account.updated: refresh every publication using this account; returns how many."""
    with cross_tenant():
        publication_ids = db.session.scalars(
            select(ConnectedAccount.publication_id).where(
                ConnectedAccount.stripe_account_id == account_id
            )
        ).all()
    db.session.commit()
    for publication_id in publication_ids:
        with bound_to(publication_id):
            refresh(db.session.get(Publication, publication_id))
    return len(publication_ids)


def shareable(publication: Publication, user_id: int) -> list[tuple[Publication, str]]:
    """Other publications this owner has connected: (publication, account id) to reuse."""
    owned = [p for p in billing_plans.owned_publication_ids(user_id) if p != publication.id]
    if not owned:
        return []
    with cross_tenant():
        rows = db.session.execute(
            select(Publication, ConnectedAccount.stripe_account_id)
            .join(ConnectedAccount, ConnectedAccount.publication_id == Publication.id)
            .where(Publication.id.in_(owned), ConnectedAccount.charges_enabled.is_(True))
            .order_by(Publication.name)
        ).all()
    return [(pub, account_id) for pub, account_id in rows]


def share(publication: Publication, user_id: int, source_publication_id: int) -> ConnectedAccount:
    """Use the account of another publication the same owner has connected."""
    if get_connection(publication) is not None:
        raise ConnectError("This publication is already connected to Stripe.")
    accounts = {pub.id: account for pub, account in shareable(publication, user_id)}
    if source_publication_id not in accounts:
        raise ConnectError("You can only reuse a Stripe account of a publication you own.")
    connection = ConnectedAccount(
        publication_id=publication.id, stripe_account_id=accounts[source_publication_id]
    )
    db.session.add(connection)
    db.session.commit()
    return refresh(publication) or connection
