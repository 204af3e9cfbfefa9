"""What Gmail and Yahoo require of bulk senders since 2024, item by item, for one publication.

Each item passes, fails, or was not checked (None): something Tend cannot see from here,
such as the platform's own SPF record, which its operator publishes, or spam complaints,
which are not measured yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from saas.delivery import domain_checks, sending_domains
from saas.delivery.domain_checks import OK
from saas.delivery.models import SendingDomain
from saas.mail.senders import platform_signer
from saas.publishing.models import Publication


@dataclass(frozen=True)
class Requirement:
    """One item of the checklist: passed (True/False, None when not checked) and why."""

    name: str
    passed: bool | None
    detail: str


def _dkim(own: bool, domain: SendingDomain | None) -> Requirement:
    name = "DKIM signature from the From domain"
    if own:
        return Requirement(name, True, f"Issues are signed by {domain.domain}.")
    if platform_signer() is not None:
        return Requirement(name, True, "Issues come from Tend's address, signed by Tend's domain.")
    return Requirement(name, False, "Issues go out unsigned: Tend has no DKIM key configured.")


def _spf(own: bool, domain: SendingDomain | None) -> Requirement:
    name = "SPF passes for a domain aligned with the From domain"
    if not own:
        return Requirement(
            name, None, "Issues come from Tend's address; its SPF record is Tend's to publish."
        )
    if sending_domains.state_of(domain, domain_checks.RETURN_PATH) == OK:
        return Requirement(name, True, "Bounces return through your own domain, so SPF aligns.")
    return Requirement(name, False, "Create the return-path CNAME record so SPF aligns too.")


def _dmarc(own: bool, domain: SendingDomain | None) -> Requirement:
    name = "A DMARC record for the From domain"
    if not own:
        return Requirement(name, None, "Issues come from Tend's address; DMARC is Tend's.")
    if sending_domains.state_of(domain, domain_checks.DMARC) == OK:
        return Requirement(name, True, f"{domain.domain} is covered by a DMARC record.")
    return Requirement(name, False, "Create the DMARC record shown above.")


def checklist(publication: Publication) -> list[Requirement]:
    """The requirements, each with this publication's result."""
    domain = sending_domains.get(publication)
    own = sending_domains.sender_for(publication) is not None
    return [
        _dkim(own, domain),
        _spf(own, domain),
        _dmarc(own, domain),
        Requirement(
            "One-click unsubscribe (List-Unsubscribe and List-Unsubscribe-Post)",
            True,
            "Every issue carries both headers; a click unsubscribes at once.",
        ),
        Requirement(
            "A visible unsubscribe link in every issue",
            True,
            "The footer of every issue links to it.",
        ),
        Requirement(
            "Spam complaints under 0.3%",
            None,
            "Complaint reports are not measured yet.",
        ),
    ]
