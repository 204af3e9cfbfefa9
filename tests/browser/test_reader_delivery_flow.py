"""A reader subscribes on the public page and confirms from the development outbox; the
practitioner publishes and sends an issue; the reader's copy arrives with headers and a
footer link that unsubscribe them. Real Chromium, mail through the real outbox transport."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402
from sqlalchemy import select  # noqa: E402

from saas.audience.models import Subscriber  # noqa: E402
from saas.core.extensions import db  # noqa: E402
from saas.core.tenancy import bound_to  # noqa: E402
from tests.conftest import drain_jobs  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402

pytestmark = pytest.mark.browser

READER = "ada.reader@example.org"


@pytest.fixture()
def outbox(app, live_server, tmp_path):
    """Mail goes to .eml files readable at /dev/outbox; links point at the live server."""
    saved = {k: app.config[k] for k in ("MAIL_TRANSPORT", "OUTBOX_DIR", "BASE_URL")}
    app.config.update(MAIL_TRANSPORT="outbox", OUTBOX_DIR=str(tmp_path), BASE_URL=live_server)
    yield tmp_path
    app.config.update(saved)


def _messages_to(directory: Path, address: str):
    found = []
    for path in sorted(directory.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if address in str(message["To"]):
            found.append(message)
    return found


def _status(app, pub, email: str) -> str:
    with app.app_context(), bound_to(pub.id):
        return db.session.scalar(select(Subscriber.status).where(Subscriber.email == email))


def test_reader_subscribes_confirms_receives_issue_and_unsubscribes(
    app, live_server, new_context, factories, outbox, artifacts
):
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="steady", name="Steady Letters")
    issue = factories.issue(pub, title="A letter about breath", publish=False)

    reader = new_context("phone").new_page()
    reader.goto(f"{live_server}/p/steady/subscribe")
    reader.get_by_label("Email address").fill(READER)
    reader.get_by_role("button", name="Subscribe").click()
    expect(reader.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert _status(app, pub, READER) == "pending"

    drain_jobs(app)
    reader.goto(f"{live_server}/dev/outbox")
    reader.get_by_role("link", name="Confirm your subscription to Steady Letters").click()
    reader.locator("a[href*='/p/steady/confirm/']").first.click()
    expect(reader.get_by_role("heading", name="You’re subscribed")).to_be_visible()
    assert _status(app, pub, READER) == "active"

    practitioner = new_context("desktop").new_page()
    practitioner.goto(f"{live_server}/login")
    practitioner.get_by_label("Email").fill("maya@example.com")
    practitioner.get_by_label("Password").fill(PASSWORD)
    practitioner.get_by_role("button", name="Sign in").click()
    practitioner.goto(f"{live_server}/dashboard/steady/issues/{issue.id}")
    practitioner.on("dialog", lambda dialog: dialog.accept())
    practitioner.get_by_role("button", name="Publish and send now").click()
    drain_jobs(app)
    practitioner.wait_for_load_state()
    practitioner.screenshot(path=str(artifacts / "send-after-desktop.png"), full_page=True)

    copies = [m for m in _messages_to(outbox, READER) if "A letter about breath" in m["Subject"]]
    assert len(copies) == 1
    copy = copies[0]
    assert copy["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_link = re.search(r"<(http[^>]+)>", copy["List-Unsubscribe"]).group(1)
    assert "mailto:" in copy["List-Unsubscribe"]
    html = copy.get_body(preferencelist=("html",)).get_content()
    footer_link = re.search(r'href="([^"]*/unsubscribe/[^"]+)"', html).group(1)
    assert footer_link.replace("&amp;", "&") == https_link

    reader.goto(footer_link.replace("&amp;", "&"))
    reader.screenshot(path=str(artifacts / "unsubscribe-phone.png"), full_page=True)
    assert _status(app, pub, READER) == "active"  # looking at the page changes nothing
    reader.get_by_role("button", name="Unsubscribe").click()
    expect(reader.get_by_role("heading", name="You’re unsubscribed")).to_be_visible()
    assert _status(app, pub, READER) == "unsubscribed"
