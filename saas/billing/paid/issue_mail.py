"""An issue's email as each reader gets it: all of the issue, or a paid issue's preview.

`issue_message` hands the mail layer what it must not decide itself: the reader links
(signed per reader) and the body, whole or cut at the paywall break with an upgrade link,
its uploaded images as their email-sized files.
A batch renders the issue once more for free readers and looks up, in one query, which of
its readers have paid access. Issues for everyone, and every issue with billing off, go out
whole to all.
"""

from __future__ import annotations

from saas.audience.reader_links import IssueLinks
from saas.billing.paid import paywall, reader_billing
from saas.mail.newsletter import IssueMessage, MessageParts
from saas.mail.senders import Sender
from saas.publishing.images.markup import email_html
from saas.publishing.models import Issue, Publication
from saas.publishing.offerings.links import email_offers


def issue_message(
    publication: Publication,
    issue: Issue,
    *,
    preview: bool = False,
    test: bool = False,
    sender: Sender | None = None,
) -> IssueMessage:
    """The issue rendered for mailing: whole, or (preview=True) up to the paywall break.

    `sender` is the publication's own domain when the caller found it may send from it;
    None sends from the platform's address.
    """
    links = IssueLinks(publication, issue)
    offers = email_offers(publication, issue)
    if preview:
        parts = MessageParts(
            links,
            body_html=email_html(paywall.preview_html(issue)),
            body_markdown=paywall.preview_markdown(issue),
            upgrade_url=links.view_online_url + "#upgrade",
            sender=sender,
            offers=offers,
        )
    else:
        parts = MessageParts(
            links,
            body_html=email_html(issue.body_html),
            body_markdown=issue.body_markdown,
            sender=sender,
            offers=offers,
        )
    return IssueMessage(publication, issue, parts, test=test)


class Variants:
    """The full message and, for a locked paid issue, the preview and who has paid."""

    def __init__(
        self,
        publication: Publication,
        issue: Issue,
        subscriber_ids: list[int | None],
        sender: Sender | None = None,
    ) -> None:
        self.preview: IssueMessage | None = None
        self.paid: set[int] = set()
        if paywall.is_locked(issue):
            self.preview = issue_message(publication, issue, preview=True, sender=sender)
            ids = [i for i in subscriber_ids if i is not None]
            self.paid = reader_billing.paid_subscriber_ids(publication, ids)

    def pick(self, message: IssueMessage, subscriber_id: int | None) -> IssueMessage:
        """The message for this reader: `message` (the whole issue) unless they get the preview."""
        if self.preview is None or subscriber_id in self.paid:
            return message
        return self.preview
