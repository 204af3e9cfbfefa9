"""A publication's paid tiers: each one a product with a monthly and a yearly price on Stripe.

Products and prices live on the publication's connected account. Stripe prices cannot change,
so a new amount makes a new price and retires the old one: readers already subscribed keep
the price they signed up for, and their access follows the product, which never changes.
"""

from __future__ import annotations

from sqlalchemy import func, select

from saas.billing.models import INTERVAL_MONTH, INTERVAL_YEAR, PaidTier
from saas.billing.paid import connect_accounts
from saas.billing.stripe_api import client, on_account
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.publishing.models import Publication

CURRENCIES = ("usd", "eur", "gbp", "cad", "aud", "nzd", "chf", "sek", "nok", "dkk")
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$", "nzd": "NZ$"}
MAX_TIERS = 5


class TierError(ValueError):
    """The tier cannot be saved; the message says why, for the practitioner."""


def price_label(amount: int, currency: str) -> str:
    """'$5', '€4.50', '90 SEK': an amount in minor units, for people."""
    major = f"{amount / 100:,.2f}".removesuffix(".00")
    symbol = _SYMBOLS.get(currency.lower())
    return f"{symbol}{major}" if symbol else f"{major} {currency.upper()}"


def list_tiers(publication: Publication, include_archived: bool = False) -> list[PaidTier]:
    """Tiers, cheapest first."""
    query = select(PaidTier).order_by(PaidTier.monthly_amount, PaidTier.id)
    if not include_archived:
        query = query.where(PaidTier.archived_at.is_(None))
    return list(db.session.scalars(query))


def get_tier(publication: Publication, tier_id: int) -> PaidTier | None:
    """One of the publication's tiers."""
    return db.session.scalar(select(PaidTier).where(PaidTier.id == tier_id))


def _account(publication: Publication) -> str:
    connection = connect_accounts.get_connection(publication)
    if not connect_accounts.is_ready(connection):
        raise TierError("Connect a Stripe account that can take payments first.")
    return connection.stripe_account_id


def _check_amounts(monthly: int, yearly: int) -> None:
    if monthly < 100 or yearly < 100:
        raise TierError("Prices start at 1.00.")
    if yearly > monthly * 12:
        raise TierError("The yearly price should not cost more than twelve months.")


def _price(account: str, tier_key: str, product: str, currency: str, amount: int, interval: str):
    params = {
        "product": product,
        "currency": currency,
        "unit_amount": amount,
        "recurring": {"interval": interval},
        "metadata": {"tend_tier": tier_key},
    }
    return client().v1.prices.create(params, on_account(account)).id


def create_tier(
    publication: Publication, name: str, description: str, currency: str, monthly: int, yearly: int
) -> PaidTier:
    """Create the product and both prices on Stripe, then the tier."""
    account = _account(publication)
    active = db.session.scalar(
        select(func.count()).select_from(PaidTier).where(PaidTier.archived_at.is_(None))
    )
    if active >= MAX_TIERS:
        raise TierError(f"A publication can offer up to {MAX_TIERS} tiers.")
    if currency not in CURRENCIES:
        raise TierError("Choose one of the listed currencies.")
    _check_amounts(monthly, yearly)
    params = {"name": name, "metadata": {"tend_publication_id": str(publication.id)}}
    if description:
        params["description"] = description
    product = client().v1.products.create(params, on_account(account)).id
    key = f"{publication.id}:{product}"
    tier = PaidTier(
        publication_id=publication.id,
        name=name,
        description=description,
        currency=currency,
        monthly_amount=monthly,
        yearly_amount=yearly,
        stripe_product_id=product,
        stripe_monthly_price_id=_price(account, key, product, currency, monthly, INTERVAL_MONTH),
        stripe_yearly_price_id=_price(account, key, product, currency, yearly, INTERVAL_YEAR),
    )
    db.session.add(tier)
    db.session.commit()
    return tier


def update_tier(
    publication: Publication, tier: PaidTier, name: str, description: str, monthly: int, yearly: int
) -> PaidTier:
    """Rename or re-price a tier; new prices apply to new readers only."""
    account = _account(publication)
    _check_amounts(monthly, yearly)
    api = client().v1
    options = on_account(account)
    if (name, description) != (tier.name, tier.description):
        params = {"name": name, "description": description or ""}
        api.products.update(tier.stripe_product_id, params, options)
        tier.name, tier.description = name, description
    key = f"{publication.id}:{tier.stripe_product_id}"
    product, currency = tier.stripe_product_id, tier.currency
    if monthly != tier.monthly_amount:
        old = tier.stripe_monthly_price_id
        tier.stripe_monthly_price_id = _price(account, key, product, currency, monthly, "month")
        tier.monthly_amount = monthly
        api.prices.update(old, {"active": False}, options)
    if yearly != tier.yearly_amount:
        old = tier.stripe_yearly_price_id
        tier.stripe_yearly_price_id = _price(account, key, product, currency, yearly, "year")
        tier.yearly_amount = yearly
        api.prices.update(old, {"active": False}, options)
    db.session.commit()
    return tier


def archive_tier(publication: Publication, tier: PaidTier) -> PaidTier:
    """Stop offering a tier; readers on it keep their subscription and access."""
    account = _account(publication)
    client().v1.products.update(tier.stripe_product_id, {"active": False}, on_account(account))
    tier.archived_at = utcnow()
    db.session.commit()
    return tier
