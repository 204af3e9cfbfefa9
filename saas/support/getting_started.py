"""Support's step on a new publication's checklist: set up the "ways I can help" form.

Connected at start-up by `saas.support.init_app`. The step is done once the practitioner has
saved the form's settings at least once.
"""

from __future__ import annotations

from saas.publishing import hooks as publishing_hooks
from saas.publishing.getting_started import Step
from saas.publishing.models import Publication
from saas.support.form_settings import saved_form


def _support_step(publication: Publication) -> list[Step]:
    return [
        Step(
            30,
            "Set up “ways I can help”",
            "The “Need more support?” form under each issue.",
            "dashboard.support.support_settings",
            saved_form(publication) is not None,
        )
    ]


def connect() -> None:
    """Connect the receiver (idempotent: blinker keeps one connection per function)."""
    publishing_hooks.getting_started.connect(_support_step, weak=False)
