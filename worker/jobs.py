"""RQ job entry points: take plain arguments, reload what they need, call services."""

from __future__ import annotations

from email import message_from_bytes, policy

from flask import current_app, has_app_context


def _app_context():
    from worker.app import get_app

    return get_app().app_context()


def _run(fn, *args):
    if has_app_context():
        return fn(*args)
    with _app_context():
        return fn(*args)


def send_email(raw_message: bytes) -> None:
    """Send one rendered transactional message through the configured transport."""

    def go() -> None:
        from saas.mail.transport import send

        send(message_from_bytes(raw_message, policy=policy.SMTP))
        current_app.logger.info("sent transactional message")

    _run(go)


def publish_due_issues() -> int:
    """Publish every scheduled issue whose time has come."""

    def go() -> int:
        from saas.services.issues import publish_due_issues as publish

        return publish()

    return _run(go)
