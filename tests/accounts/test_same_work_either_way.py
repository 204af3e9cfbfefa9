"""Forms that must not reveal who has an account or a subscription do the same work either way.

Response times leaked the answer (a few milliseconds of composing and queueing mail only when
the address was known). These requests now hand the address to one mail job and let the job
decide, so the request does the same thing whatever the answer: the jobs it enqueues are
compared here, for an address that is known and one that is not.
"""

from __future__ import annotations

import pytest
from rq import Queue

from tests.conftest import post_form
from tests.factories import PASSWORD


@pytest.fixture()
def enqueued(monkeypatch):
    """The functions of the jobs enqueued while a request runs (the queue still runs them)."""
    seen: list[str] = []
    real_enqueue = Queue.enqueue

    def recording(self, f, *args, **kwargs):
        seen.append(f if isinstance(f, str) else f"{f.__module__}.{f.__name__}")
        return real_enqueue(self, f, *args, **kwargs)

    monkeypatch.setattr(Queue, "enqueue", recording)
    return seen


def _jobs_for(enqueued: list[str], action) -> list[str]:
    enqueued.clear()
    action()
    return list(enqueued)


def test_forgot_password_queues_the_same_job_for_known_and_unknown_addresses(
    app, client, factories, enqueued, mailbox
):
    factories.user(email="known@example.com")

    def ask(email):
        return lambda: post_form(client, "/password/forgot", {"email": email}, "/password/forgot")

    known = _jobs_for(enqueued, ask("known@example.com"))
    unknown = _jobs_for(enqueued, ask("nobody@example.com"))
    assert known == unknown == ["worker.jobs.mail_password_reset"]
    assert mailbox.last_link("known@example.com", "/password/reset/")
    assert mailbox.messages("nobody@example.com") == []


def test_sign_up_queues_the_same_job_for_new_and_existing_addresses(
    app, client, factories, enqueued, mailbox
):
    factories.user(email="taken@example.com")

    def sign_up(email):
        data = {"name": "Someone", "email": email, "password": PASSWORD}
        return lambda: post_form(client, "/signup", data, "/signup")

    existing = _jobs_for(enqueued, sign_up("taken@example.com"))
    new = _jobs_for(enqueued, sign_up("fresh@example.com"))
    assert existing == new == ["worker.jobs.finish_sign_up"]
    assert mailbox.last_link("fresh@example.com", "/signup/confirm/")
    assert "sign up with your email" in mailbox.messages("taken@example.com")[-1]["Subject"]


def test_reader_sign_in_link_queues_the_same_job_for_readers_and_strangers(
    app, factories, enqueued, mailbox
):
    pub = factories.publication(slug="calm")
    issue = factories.issue(pub, title="On rest", slug="on-rest", publish=True)
    factories.subscriber(pub, email="reader@example.org")
    client = app.test_client()

    def ask(email):
        url = f"/p/calm/issues/{issue.slug}/replies/sign-in"
        return lambda: client.post(url, data={"email": email})

    reader = _jobs_for(enqueued, ask("reader@example.org"))
    stranger = _jobs_for(enqueued, ask("stranger@example.org"))
    assert reader == stranger == ["worker.jobs.mail_reader_sign_in"]
    assert mailbox.last_link("reader@example.org", "/reader/sign-in/")
    assert mailbox.messages("stranger@example.org") == []
