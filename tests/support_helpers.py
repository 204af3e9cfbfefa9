"""Helpers for support-request tests: filling the reader's form, reading requests back."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from saas.support.guard import start_token
from saas.support.models import SupportEvent, SupportRequest

MESSAGE = "Since the retreat I have trouble sleeping and I keep thinking about my father."


def started(app: Flask, publication: Publication, seconds_ago: float = 30) -> str:
    """A form-start token as if the reader opened the form `seconds_ago` seconds ago."""
    with app.app_context():
        return start_token(publication.id, time.time() - seconds_ago)


def reader_form(app: Flask, publication: Publication, **overrides) -> dict:
    """A complete, valid submission of the default form (overrides replace or add fields)."""
    data = {
        "name": "Robin Reader",
        "email": "robin@example.org",
        "phone": "",
        "preferred_contact": "email",
        "message": MESSAGE,
        "consent": "y",
        "started": started(app, publication),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def send_support(
    client: FlaskClient,
    app: Flask,
    publication: Publication,
    path: str = "support",
    query: str = "",
    **overrides,
):
    """POST the reader's support form."""
    url = f"/p/{publication.slug}/{path}" + (f"?{query}" if query else "")
    return client.post(url, data=reader_form(app, publication, **overrides))


def requests_of(app: Flask, publication: Publication) -> list[SupportRequest]:
    """Every stored request of the publication, decrypted and detached, oldest first."""
    with app.app_context(), bound_to(publication.id):
        rows = list(db.session.scalars(select(SupportRequest).order_by(SupportRequest.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def events_of(app: Flask, publication: Publication, request_id: int) -> list[SupportEvent]:
    """A request's timeline, oldest first, detached."""
    with app.app_context(), bound_to(publication.id):
        rows = list(
            db.session.scalars(
                select(SupportEvent)
                .where(SupportEvent.request_id == request_id)
                .order_by(SupportEvent.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def text_of(message) -> str:
    """Plain-text part of a received email."""
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    """HTML part of a received email."""
    return message.get_body(preferencelist=("html",)).get_content()


def configure_form(app: Flask, publication: Publication, fields: list | None = None, **settings):
    """Save the publication's support form settings as its owner would."""
    from saas.support import form_settings as support_forms

    with app.app_context(), bound_to(publication.id):
        pub = db.session.get(Publication, publication.id)
        current = support_forms.get_form(pub)
        values = {name: getattr(current, name) for name in support_forms.SETTINGS_FIELDS}
        values.update(settings)
        keep = current.custom_fields if fields is None else fields
        saved = support_forms.save_settings(pub, keep, **values)
        return [f["key"] for f in saved.custom_fields]
