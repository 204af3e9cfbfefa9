"""RQ job entry points: take plain arguments, reload what they need, call services."""

from __future__ import annotations

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
        from saas.mail.transport import send_raw

        send_raw(raw_message)
        current_app.logger.info("sent transactional message")

    _run(go)


def finish_sign_up(name: str, email: str, password_hash: str) -> None:
    """Create the account and mail its confirmation, or mail the existing owner a note."""

    def go() -> None:
        from saas.accounts.users import finish_sign_up as finish

        finish(name, email, password_hash)

    _run(go)


def mail_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account (the request could not tell)."""

    def go() -> None:
        from saas.accounts.users import mail_password_reset as mail

        mail(email)

    _run(go)


def mail_reader_sign_in(publication_id: int, email: str, issue_id: int | None) -> bool:
    """Mail a reader's sign-in link if the address is an active subscriber's."""

    def go() -> bool:
        from saas.audience.reader_auth import send_link
        from saas.core.extensions import db
        from saas.core.tenancy import bound_to
        from saas.publishing.models import Issue, Publication

        publication = db.session.get(Publication, publication_id)
        if publication is None:
            return False
        with bound_to(publication_id):
            issue = db.session.get(Issue, issue_id) if issue_id is not None else None
            return send_link(publication, email, issue)

    return _run(go)


def publish_due_issues() -> int:
    """Publish every scheduled issue whose time has come."""

    def go() -> int:
        from saas.publishing.issues import publish_due_issues as publish

        return publish()

    return _run(go)


def run_import(import_id: int) -> None:
    """Import a practitioner's subscriber CSV; resumes after the last committed chunk."""

    def go() -> None:
        from saas.audience.imports import uploads as imports
        from saas.core.extensions import db
        from saas.core.tenancy import bound_to
        from saas.publishing.models import Publication

        publication_id = imports.publication_id_of(import_id)
        if publication_id is None:
            return
        with bound_to(publication_id):
            imports.run_import(db.session.get(Publication, publication_id), import_id)

    _run(go)


def run_back_issue_import(import_id: int) -> None:
    """Write a previewed back-issue import's posts as issues; resumes after the last one."""

    def go() -> None:
        from saas.core.extensions import db
        from saas.core.tenancy import bound_to
        from saas.publishing.back_issues import run
        from saas.publishing.models import Publication

        publication_id = run.publication_id_of(import_id)
        if publication_id is None:
            return
        with bound_to(publication_id):
            run.run_import(db.session.get(Publication, publication_id), import_id)

    _run(go)


def fold_subscriber_counts(publication_id: int) -> int:
    """Fold a publication's readers-per-status rows into one per status."""

    def go() -> int:
        from saas.audience.status_counts import fold

        return fold(publication_id)

    return _run(go)


def start_send(send_id: int) -> None:
    """Fan an issue's send out: one delivery per active reader, batch jobs to send them."""

    def go() -> None:
        from saas.delivery.batches import fan_out

        fan_out(send_id)

    _run(go)


def send_batch(send_id: int, first_delivery_id: int, last_delivery_id: int) -> int:
    """Send one batch of a send's deliveries (ids in the inclusive range) over one connection."""

    def go() -> int:
        from saas.delivery.batches import send_batch as send

        return send(send_id, first_delivery_id, last_delivery_id)

    return _run(go)


def watch_send(send_id: int) -> None:
    """Reconcile a send in progress; re-schedules itself until the send is done."""

    def go() -> None:
        from saas.delivery.upkeep import watch_send as watch

        watch(send_id)

    _run(go)


def start_due_sends() -> int:
    """Start every scheduled send whose time has come."""

    def go() -> int:
        from saas.delivery.sending import start_due_sends as start

        return start()

    return _run(go)


def _support_mail(publication_id: int, object_id: int, send_name: str) -> bool:
    """Run one of saas.support.mail's senders for a publication (ids only)."""

    def go() -> bool:
        from saas.core.extensions import db
        from saas.core.tenancy import bound_to
        from saas.publishing.models import Publication
        from saas.support import mail as support_mail

        publication = db.session.get(Publication, publication_id)
        if publication is None:
            return False
        with bound_to(publication_id):
            return getattr(support_mail, send_name)(publication, object_id)

    return _run(go)


def send_support_acknowledgement(publication_id: int, request_id: int) -> bool:
    """Tell a reader their support request arrived (rendered here: the job holds ids only)."""
    return _support_mail(publication_id, request_id, "send_acknowledgement")


def send_support_notification(publication_id: int, request_id: int) -> bool:
    """Tell the practitioner a support request arrived (content only outside confidential mode)."""
    return _support_mail(publication_id, request_id, "send_notification")


def send_support_answer(publication_id: int, event_id: int) -> bool:
    """Email a practitioner's answer to a support request, threaded under the acknowledgement."""
    return _support_mail(publication_id, event_id, "send_answer")


def purge_support_requests() -> int:
    """Delete closed support requests past retention in every publication; runs daily."""

    def go() -> int:
        from saas.support.retention import purge_expired, schedule_next_purge

        try:
            return purge_expired()
        finally:
            schedule_next_purge()  # a failed day must not end the daily chain

    return _run(go)


def process_stripe_event(event_id: str) -> bool:
    """Apply one stored Stripe webhook event; failures raise so RQ retries and Sentry hears."""

    def go() -> bool:
        from saas.billing.stripe_webhooks import process

        return process(event_id)

    return _run(go)


def _reply_mail(publication_id: int, reply_id: int, send_name: str) -> bool:
    """Run one of saas.replies.mail's senders for a publication (ids only)."""

    def go() -> bool:
        from saas.core.extensions import db
        from saas.core.tenancy import bound_to
        from saas.publishing.models import Publication
        from saas.replies import mail as reply_mail

        publication = db.session.get(Publication, publication_id)
        if publication is None:
            return False
        with bound_to(publication_id):
            return getattr(reply_mail, send_name)(publication, reply_id)

    return _run(go)


def send_reply_notification(publication_id: int, reply_id: int) -> bool:
    """Tell the practitioner a reader replied (when they want one email per reply)."""
    return _reply_mail(publication_id, reply_id, "send_notification")


def send_reply_answer(publication_id: int, reply_id: int) -> bool:
    """Email the practitioner's answer to a reader's reply, threaded under it."""
    return _reply_mail(publication_id, reply_id, "send_answer")


def send_reply_digests() -> int:
    """Send the daily reply digests that are due; runs hourly and schedules its next run."""

    def go() -> int:
        from saas.replies.digest import schedule_next_run
        from saas.replies.digest import send_reply_digests as send

        try:
            return send()
        finally:
            schedule_next_run()  # a failed hour must not end the chain

    return _run(go)


def cancel_erased_reader_subscription(
    publication_id: int, account_id: str, subscription_id: str
) -> bool:
    """Cancel at Stripe, now, a subscription whose reader was erased; raises so RQ retries."""

    def go() -> bool:
        from saas.billing.paid.reader_erasure import cancel_subscription
        from saas.core.tenancy import bound_to

        with bound_to(publication_id):  # names the tenant in error reports
            return cancel_subscription(account_id, subscription_id)

    return _run(go)


def purge_stripe_events() -> int:
    """Delete processed Stripe webhook events past retention; runs daily."""

    def go() -> int:
        from saas.billing.event_retention import purge_processed, schedule_next_purge

        try:
            return purge_processed()
        finally:
            schedule_next_purge()  # a failed day must not end the daily chain

    return _run(go)


def send_reply_answer_notice(publication_id: int, reply_id: int) -> bool:
    """Tell a reader the author answered their reply on the issue's page (once per answer)."""

    def go() -> bool:
        from saas.core.extensions import db
        from saas.core.tenancy import bound_to
        from saas.publishing.models import Publication
        from saas.replies.notices import send_answer_notice

        publication = db.session.get(Publication, publication_id)
        if publication is None:
            return False
        with bound_to(publication_id):
            return send_answer_notice(publication, reply_id)

    return _run(go)


def recheck_domains() -> int:
    """Re-check custom and sending domains in DNS; runs daily and schedules its next run."""

    def go() -> int:
        from saas.delivery.sending_domains import recheck_all, schedule_next_recheck
        from saas.publishing.custom_domain_checks import recheck_custom_domains

        try:
            return recheck_custom_domains() + recheck_all()
        finally:
            schedule_next_recheck()  # a failed day must not end the daily chain

    return _run(go)


def deliver_webhook(delivery_id: int) -> str | None:
    """Make one try of a webhook delivery if it is due (the row says where, what and how)."""

    def go() -> str | None:
        from saas.webhooks.attempts import attempt

        return attempt(delivery_id)

    return _run(go)


def webhook_upkeep() -> tuple[int, int]:
    """Queue webhook deliveries whose scheduled try was lost, trim the logs; every 10 minutes."""

    def go() -> tuple[int, int]:
        from saas.webhooks.cli import run_upkeep, schedule_next_upkeep

        try:
            return run_upkeep()
        finally:
            schedule_next_upkeep()  # a failed run must not end the chain

    return _run(go)
