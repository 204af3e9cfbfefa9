"""Which version of a paid issue each reader is mailed: all of it, or the preview.

A batch renders the issue once more for free readers (the preview up to the paywall break,
then an upgrade link) and looks up, in one query, which of its readers have paid access.
Issues for everyone, and every issue with billing off, go out whole to all.
"""

from __future__ import annotations

from saas.mail.newsletter import IssueMessage
from saas.models.issues import Issue
from saas.models.publications import Publication
from saas.services import paywall, reader_billing


class Variants:
    """The full message and, for a locked paid issue, the preview and who has paid."""

    def __init__(
        self, publication: Publication, issue: Issue, subscriber_ids: list[int | None]
    ) -> None:
        self.preview: IssueMessage | None = None
        self.paid: set[int] = set()
        if paywall.is_locked(issue):
            self.preview = IssueMessage(publication, issue, preview=True)
            ids = [i for i in subscriber_ids if i is not None]
            self.paid = reader_billing.paid_subscriber_ids(publication, ids)

    def pick(self, message: IssueMessage, subscriber_id: int | None) -> IssueMessage:
        """The message for this reader: `message` (the whole issue) unless they get the preview."""
        if self.preview is None or subscriber_id in self.paid:
            return message
        return self.preview
