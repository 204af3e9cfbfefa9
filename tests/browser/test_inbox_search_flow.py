"""The inbox's search box shows its whole hint on a phone and on a desktop."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")

from tests.browser.layout import assert_fits_screen, sign_in  # noqa: E402

pytestmark = pytest.mark.browser

# Width of the placeholder text, in the field's own font, against the room inside the field.
PLACEHOLDER_ROOM = """(input) => {
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const text = context.measureText(input.placeholder).width;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: Math.ceil(text), room: Math.floor(room)};
}"""


SCREENS = [("phone", 390), ("desktop", 768), ("desktop", 1024), ("desktop", 1200)]


@pytest.mark.parametrize("kind, width", SCREENS)
def test_inbox_search_hint_is_never_cut_off(
    kind, width, live_server, new_context, factories, artifacts
):
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="calm", name="Calm Letters")
    # A long issue title widens the issue filter as far as it goes.
    title = "What the body remembers after a long winter of caring for everyone else"
    factories.issue(pub, title=title, publish=True)
    page = new_context(kind).new_page()
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "maya@example.com")
    page.goto(f"{live_server}/dashboard/calm/inbox")
    search = page.get_by_label("Search replies")
    measured = search.evaluate(PLACEHOLDER_ROOM)
    page.locator(".inbox-filters").screenshot(path=str(artifacts / f"inbox-search-{width}.png"))
    assert measured["text"] <= measured["room"], f"{kind}: placeholder {measured}"
    assert_fits_screen(page, f"inbox ({kind})")
