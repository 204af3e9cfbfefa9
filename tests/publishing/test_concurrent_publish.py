"""Two publishes at the same moment still get distinct, consecutive numbers (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing import issues as issue_service
from saas.publishing.models import Issue, Publication
from tests.conftest import USING_POSTGRES

pytestmark = pytest.mark.skipif(
    not USING_POSTGRES, reason="row locks are what this proves; SQLite serialises all writers"
)


def _publish_together(app, publication_id: int, issue_ids: list[int]) -> list[BaseException]:
    barrier = threading.Barrier(len(issue_ids))
    errors: list[BaseException] = []

    def publish(issue_id: int) -> None:
        try:
            with app.app_context(), bound_to(publication_id):
                publication = db.session.get(Publication, publication_id)
                barrier.wait(timeout=10)
                issue_service.publish_issue(publication, issue_id)
        except BaseException as exc:  # collected and re-raised by the test
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(i,)) for i in issue_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_simultaneous_publishes_get_distinct_consecutive_numbers(app, factories):
    pub = factories.publication(slug="race")
    for _round in range(5):
        drafts = [factories.issue(pub).id for _ in range(4)]
        assert _publish_together(app, pub.id, drafts) == []
    with app.app_context(), bound_to(pub.id):
        numbers = sorted(n for n in db.session.scalars(db.select(Issue.number)))
    assert numbers == list(range(1, 21))


def test_publishing_the_same_issue_twice_at_once_uses_one_number(app, factories):
    pub = factories.publication(slug="twice")
    draft = factories.issue(pub)
    assert _publish_together(app, pub.id, [draft.id, draft.id]) == []
    follow_up = factories.issue(pub, publish=True)
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Issue, draft.id).number == 1
    assert follow_up.number == 2
