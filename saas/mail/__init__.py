"""Outgoing mail: compose messages from templates, hand them to the configured transport.

compose (template -> EmailMessage), mime (hand-built MIME pieces), newsletter (an issue rendered
once per batch, personalised per reader), merge_fields (readers' values written for where they
land), smtp_session (one SMTP session per batch), transport (SMTP or the development outbox),
mailer (the `mail` queue), outcomes (what became of a message).

May import: saas.core. Knows no feature: callers pass what a message needs.
"""
