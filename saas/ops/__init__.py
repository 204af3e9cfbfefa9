"""Ops: the operator's console: tenants, suspensions, queues, the audit log, key rotation.

Models: OpsAuditEntry (models). Services: console (cross-tenant views and actions, each one
audited), queues (depth, workers, failed jobs), key_rotation (re-encrypt everything encrypted
at rest: support requests, replies, two-factor secrets), payments_setup (the Stripe settings
and webhook an operator sets to turn payments on). Routes: `/ops` (operators only;
everyone else gets 404). Commands: `flask ops grant|revoke`, `flask rotate-key`.

May import: every feature below it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes."""
    from saas.ops.views import bp

    app.register_blueprint(bp)


def init_cli(app: Flask) -> None:
    """`flask ops ...` and `flask rotate-key`."""
    from saas.ops import cli

    cli.init_app(app)
