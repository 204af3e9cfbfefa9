"""Telling a publication's owners that its sending domain stopped, or started again, being used.

Each function renders its message now (saas.mail.compose) and queues it on the `mail` queue.
"""

from __future__ import annotations

from saas.core.links import external_url
from saas.delivery.models import SendingDomain
from saas.publishing.models import Publication
from saas.publishing.team import mail_owners


def _tell_owners(template: str, publication: Publication, **context) -> None:
    url = external_url("dashboard.delivery.sending_settings", pub_slug=publication.slug)
    mail_owners(publication, template, settings_url=url, **context)


def paused(publication: Publication, domain: SendingDomain, problem: str) -> None:
    """The domain's DKIM record broke: issues go out from the platform's address meanwhile."""
    _tell_owners("sending_domain_paused", publication, domain=domain.domain, problem=problem)


def resumed(publication: Publication, domain: SendingDomain) -> None:
    """The DKIM record is back: issues go out from the practitioner's domain again."""
    _tell_owners(
        "sending_domain_resumed", publication, domain=domain.domain, address=domain.from_address
    )
