"""Support: confidential requests for help, from the reader's form to the practitioner's pipeline.

Models: SupportForm, SupportRequest, SupportEvent (models; bodies encrypted at rest).
Services: form_settings (the form builder), intake (a request arriving), pipeline (stages,
notes, answers, erasure), queries, stats, export, retention, mail. Routes: the pipeline board,
list, detail, form builder and stats in the dashboard; the support page, its embed and the
"Need more support?" block on the public pages.

May import: saas.core, saas.mail, saas.accounts, saas.publishing, saas.audience, saas.billing,
saas.delivery. Independent of saas.replies. Connects to audience's hooks: erasing a reader
deletes their requests; their data export includes them. Adds the "ways I can help" step
to publishing's getting-started checklist (getting_started). Its own signals (signals): a
request arrived, a request changed stage, and additions offered for an answer (a booking
link); `pipeline.record_booking` notes a booking and moves the request to booked.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes and the daily retention purge; refuses to start without encryption keys."""
    from saas.core import periodic
    from saas.core.crypto import require_keys
    from saas.support import (  # noqa: F401  (register routes)
        board_views,
        detail_views,
        getting_started,
        hooks,
        public_views,
        settings_views,
        stats_views,
    )
    from saas.support.retention import purge_expired

    # Web and worker both build the app: neither starts without keys.
    require_keys(app)
    hooks.connect()
    getting_started.connect()
    public_views.init_page_holes()
    periodic.register(app, "support retention purge", purge_expired, periodic.DAILY)


def init_cli(app: Flask) -> None:
    """`flask purge-support`."""
    from saas.support import cli

    cli.init_app(app)
