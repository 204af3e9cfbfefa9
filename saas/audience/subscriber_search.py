"""Finding readers on the list: the start of an address, of its domain, or of a name's words.

A term matches a reader whose address starts with it ("mira.c"), whose domain starts with
it ("posteo.de", "@posteo"), whose name starts with it ("Mira", "mira co"), or whose name
after its first word starts with it ("Costa", "de Souza"); case does not matter.

Why prefixes, not LIKE '%term%': under row-level security (the app role) PostgreSQL may
use an index only for a condition whose functions are LEAKPROOF, so the policy runs before
anything that could leak a row it hides. LIKE is not, with or without a pg_trgm index, and a
search with it reads every reader of the publication. starts_with (^@) on a plain column
is, and each key has a (publication_id, key text_pattern_ops) index, so a search reads the
readers it finds, or walks the newest-first index when the term is common. The keys are
columns the database derives from the row (Subscriber.email_domain, name_key,
name_rest_key), because a function of a column in the condition would not be leakproof
either. SQLite, with no such indexes, gets the same answers from LIKE 'term%'.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_

from saas.audience.models import Subscriber
from saas.core.extensions import db

MAX_TERM = 200


def _starts_with(column, term: str) -> ColumnElement[bool]:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.starts_with(column, term)
    return column.startswith(term, autoescape=True)


def normalised(term: str) -> str:
    """The term as the keys store text: lower-cased, single spaces, at most MAX_TERM long."""
    return " ".join(term.lower().split())[:MAX_TERM]


def matches(term: str) -> ColumnElement[bool]:
    """The condition a reader meets when the practitioner searches for `term`."""
    term = normalised(term)
    conditions = [
        _starts_with(Subscriber.email, term),
        _starts_with(Subscriber.name_key, term),
        _starts_with(Subscriber.name_rest_key, term),
    ]
    domain = term.removeprefix("@")
    if domain:
        conditions.append(_starts_with(Subscriber.email_domain, domain))
    return or_(*conditions)
