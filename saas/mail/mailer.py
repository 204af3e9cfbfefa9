"""Hand a composed transactional message to the `mail` queue."""

from __future__ import annotations

from email.message import EmailMessage

from saas.core.queue import enqueue


def queue_email(message: EmailMessage) -> None:
    """Enqueue a rendered message for the mail workers (high-priority `mail` queue)."""
    enqueue("worker.jobs.send_email", message.as_bytes(), queue="mail")
