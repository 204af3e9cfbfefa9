"""Mail Tend sends reads well on a phone and a desktop mail client: long links wrap inside the
card instead of running off it. The HTML part is shown in real Chromium as a client would."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")

from tests.browser.layout import assert_fits_screen  # noqa: E402
from tests.conftest import post_form  # noqa: E402

pytestmark = pytest.mark.browser

# How far the card's content, and its links' text, reach past the card's inner edge.
OVERFLOW = """() => {
  const card = document.querySelector(".card");
  const padding = parseFloat(getComputedStyle(card).paddingRight);
  const inner = card.getBoundingClientRect().right - padding;
  const links = [...card.querySelectorAll("a")].map((el) => el.getBoundingClientRect().right);
  return {card: card.scrollWidth - card.clientWidth, links: Math.max(...links) - inner};
}"""


@pytest.mark.parametrize("kind, width", [("phone", 390), ("desktop", 1200)])
def test_confirmation_email_keeps_its_long_link_inside_the_card(
    kind, width, client, mailbox, new_context, artifacts
):
    form = {"name": "Noor", "email": "noor@example.org", "password": "a long passphrase"}
    assert post_form(client, "/signup", form, token_from="/signup").status_code == 200
    [message] = mailbox.messages("noor@example.org")
    html = message.get_body(preferencelist=("html",)).get_content()
    confirm_url = mailbox.last_link("noor@example.org", "/signup/confirm/")
    assert len(confirm_url) > 60 and confirm_url in html  # shown in full, to copy by hand

    page = new_context(kind).new_page()
    page.set_viewport_size({"width": width, "height": 800})
    page.set_content(html)
    overflow = page.evaluate(OVERFLOW)
    page.screenshot(path=str(artifacts / f"email-confirm-account-{width}.png"), full_page=True)
    assert overflow["card"] <= 0 and overflow["links"] <= 1, f"{kind}: {overflow}"
    assert_fits_screen(page, f"confirmation email ({kind})")
