"""The import job is safe to run again: after a crash it carries on after the last post it
wrote, and a second run of a finished import writes nothing."""

from __future__ import annotations

import pytest

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.back_issues import bodies, progress, run
from saas.publishing.back_issues.models import FAILED, QUEUED
from saas.publishing.models import Publication
from tests.publishing.back_issues.exports import substack_zip
from tests.publishing.back_issues.helpers import issues_of, latest_import


def _run_job(app, pub, import_id: int) -> None:
    with app.app_context(), bound_to(pub.id):
        run.run_import(db.session.get(Publication, pub.id), import_id)


def test_a_crashed_import_resumes_after_its_last_post(app, pub, images, monkeypatch):
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        stored = run.store_export(
            publication, "export.zip", substack_zip(images.base), fetch_images=False
        )
        import_id = stored.id
        progress.save(import_id, status=QUEUED)
    real = bodies.stored_source
    calls = []

    def crash_on_second(html: str) -> str:
        calls.append(html)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(html)

    monkeypatch.setattr(bodies, "stored_source", crash_on_second)
    with pytest.raises(RuntimeError):
        _run_job(app, pub, import_id)
    report = latest_import(app, pub)
    assert (report.status, report.processed_posts, report.imported_count) == (FAILED, 1, 1)
    assert [i.title for i in issues_of(app, pub)] == ["First light"]

    monkeypatch.setattr(bodies, "stored_source", real)
    _run_job(app, pub, import_id)  # the queue's retry
    _run_job(app, pub, import_id)  # and once more, after it finished
    assert [(i.number, i.title) for i in issues_of(app, pub)] == [
        (1, "First light"),
        (2, "The paid one"),
        (3, "Spring"),
    ]
    report = latest_import(app, pub)
    assert (report.status, report.imported_count, report.skipped_count) == ("done", 3, 1)
