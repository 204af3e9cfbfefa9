"""Erasing a reader takes them out of every feature, and their export covers every feature.

The reader subscribes, confirms, gets an issue, replies on the web, asks for support, and
turns up again as a duplicate row of a CSV import. After the practitioner erases them, a
full dump of the database holds neither their address nor their name (encrypted columns are
read back decrypted too), while other readers' data is untouched.
"""

from __future__ import annotations

import io

from sqlalchemy import func, select, text

from saas.audience.models import SubscriberImport
from saas.core.extensions import db
from saas.core.tenancy import bound_to, cross_tenant
from saas.replies.models import Reply
from saas.support.models import SupportEvent, SupportRequest
from tests.conftest import csrf_token, drain_jobs, login
from tests.reply_helpers import post_reply, sign_in_reader
from tests.support_helpers import requests_of, send_support

ADDRESS = "ada.erasable@example.org"
NAME = "Adalind Erasable"


def _database_dump(app) -> str:
    """Every row of every table as text, encrypted columns decrypted through the models.

    Read across tenants (and past row-level security on PostgreSQL), as a backup would.
    """
    with app.app_context(), cross_tenant():
        parts = []
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(text(f"SELECT * FROM {table.name}")).all()
            parts.extend(repr(tuple(row)) for row in rows)
        for request in db.session.scalars(select(SupportRequest)):
            parts.append(repr((request.name, request.email, request.phone, request.message)))
        for event in db.session.scalars(select(SupportEvent)):
            parts.append(repr(event.body))
        for reply in db.session.scalars(select(Reply)):
            parts.append(repr((reply.author_name, reply.body_text, reply.subject)))
        return "\n".join(parts)


def test_erasing_a_reader_leaves_nothing_of_them_anywhere(app, factories, mailbox):
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="calm", name="Calm Letters")
    issue = factories.issue(pub, title="On rest", slug="on-rest", publish=True)
    reader = factories.subscriber(pub, email=ADDRESS, name=NAME)
    factories.subscriber(pub, email="stays@example.org", name="Stays Here")

    reader_client = app.test_client()
    sign_in_reader(reader_client, mailbox, pub, issue, ADDRESS)
    assert post_reply(reader_client, pub, issue, "This landed for me.").status_code in (302, 303)
    assert send_support(app.test_client(), app, pub, name=NAME, email=ADDRESS).status_code in (
        200,
        302,
        303,
    )
    send_support(app.test_client(), app, pub, name="Other Person", email="other@example.org")
    assert len(requests_of(app, pub)) == 2

    practitioner = app.test_client()
    login(practitioner, "maya@example.com")
    upload = io.BytesIO(f"email,name\n{ADDRESS},{NAME}\nnew@example.org,New\n".encode())
    page = "/dashboard/calm/subscribers/import"
    practitioner.post(
        page,
        data={"csrf_token": csrf_token(practitioner, page), "file": (upload, "list.csv")},
        content_type="multipart/form-data",
    )
    drain_jobs(app)

    with app.app_context(), bound_to(pub.id):
        import_ = db.session.scalar(select(SubscriberImport))
        assert any(ADDRESS in row for row in import_.rejections), "the import kept no row"

    detail = f"/dashboard/calm/subscribers/{reader.id}"
    export = practitioner.get(detail + "/export.json").get_json()
    assert export["support_requests"][0]["email"] == ADDRESS
    assert export["replies"][0]["text"] == "This landed for me."

    before = _database_dump(app)
    assert ADDRESS in before and NAME in before
    response = practitioner.post(
        detail + "/delete", data={"csrf_token": csrf_token(practitioner, detail)}
    )
    assert response.status_code == 302

    after = _database_dump(app)
    assert ADDRESS not in after
    assert NAME not in after
    assert "stays@example.org" in after and "other@example.org" in after
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(func.count()).select_from(SupportRequest)) == 1
        assert db.session.scalar(select(SubscriberImport)).rejections == []
