"""Shared steps of the back-issue tests: uploading an export through the dashboard as a
browser would, and reading what was written."""

from __future__ import annotations

import io

from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.back_issues.models import BackIssueImport
from saas.publishing.models import Issue
from tests.conftest import csrf_token, drain_jobs


def import_url(pub) -> str:
    return f"/dashboard/{pub.slug}/settings/import"


def upload(client, pub, content: bytes, filename: str, fetch_images: bool = True, **fields):
    """Post the import form with a file; returns the response (303 to the preview)."""
    url = import_url(pub)
    data = {"csrf_token": csrf_token(client, url), "file": (io.BytesIO(content), filename)}
    if fetch_images:
        data["fetch_images"] = "y"  # a ticked box; an unticked one is not sent at all
    data.update(fields)
    return client.post(url, data=data, content_type="multipart/form-data")


def start(app, client, preview_url: str):
    """Press "Import" on the preview, then let the job run."""
    response = client.post(
        f"{preview_url}/start", data={"csrf_token": csrf_token(client, preview_url)}
    )
    assert response.status_code == 303, response.status_code
    drain_jobs(app)
    return client.get(preview_url)


def import_all(app, client, pub, content: bytes, filename: str, **fields):
    """Upload, look at the preview, import; returns the finished import page's HTML."""
    response = upload(client, pub, content, filename, **fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    preview = response.headers["Location"]
    assert client.get(preview).status_code == 200
    page = start(app, client, preview)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def issues_of(app, pub) -> list[Issue]:
    """The publication's issues by number, detached."""
    with app.app_context(), bound_to(pub.id):
        rows = list(db.session.scalars(select(Issue).order_by(Issue.number)))
        for row in rows:
            db.session.expunge(row)
        return rows


def latest_import(app, pub) -> BackIssueImport:
    with app.app_context(), bound_to(pub.id):
        row = db.session.scalar(select(BackIssueImport).order_by(BackIssueImport.id.desc()))
        db.session.expunge(row)
        return row
