"""In real Chromium, a practitioner adds images to an issue by button, by pasting a screenshot
and by dropping a file on the text; each is uploaded and inserted as Markdown with alt text,
shows in the preview, and the saved issue serves every size; a file that is not an image is
refused with a message. At desktop and phone widths (axe runs on every page)."""

from __future__ import annotations

import base64
import re

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.factories import PASSWORD  # noqa: E402
from tests.publishing import image_files  # noqa: E402

pytestmark = pytest.mark.browser

# Builds a File from base64 and sends it to the textarea inside a paste or drop event.
SEND_FILE = """([kind, name, type, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  const area = document.querySelector("textarea[data-preview-url]");
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
  const options = { bubbles: true, cancelable: true };
  if (kind === "paste") {
    area.dispatchEvent(new ClipboardEvent("paste", { ...options, clipboardData: transfer }));
  } else {
    area.dispatchEvent(new DragEvent("dragover", { ...options, dataTransfer: transfer }));
    area.dispatchEvent(new DragEvent("drop", { ...options, dataTransfer: transfer }));
  }
}"""


@pytest.fixture()
def served_base_url(app, live_server):
    """Image addresses name the live server, as BASE_URL does in production."""
    saved = app.config["BASE_URL"]
    app.config["BASE_URL"] = live_server
    yield live_server
    app.config["BASE_URL"] = saved


def _sign_in(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("maya@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/dashboard/**")


def _send(page: Page, kind: str, name: str, mime: str, data: bytes) -> None:
    page.evaluate(SEND_FILE, [kind, name, mime, base64.b64encode(data).decode()])


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_images_by_button_paste_and_drop_land_in_the_issue(
    app, factories, new_context, served_base_url, artifacts, size
):
    live_server = served_base_url
    owner = factories.user(email="maya@example.com", name="Maya")
    publication = factories.publication(owner=owner, slug="calm", name="Calm Letters")
    issue = factories.issue(publication, title="Spring", body_markdown="Opening words.")
    page = new_context(size).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, live_server)
    page.goto(f"{live_server}/dashboard/calm/issues/{issue.id}")
    body = page.get_by_label("Body")
    status = page.locator("#image-status")

    # The button opens the file picker; the upload goes in where the cursor is.
    body.click()
    body.press("End")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Insert image").click()
    chooser.value.set_files(
        files=[
            {"name": "morning-walk.jpg", "mimeType": "image/jpeg", "buffer": image_files.photo()}
        ]
    )
    expect(status).to_contain_text("Image inserted")
    # The guessed description is selected, ready to be typed over.
    page.keyboard.type("A path through the woods at dawn")
    expect(body).to_have_value(
        re.compile(r"Opening words\.\n\n!\[A path through the woods at dawn\]\(")
    )

    _send(page, "paste", "image.png", "image/png", image_files.png_with_transparency())
    expect(body).to_have_value(re.compile(r"!\[Describe this image\]\(.*\.png\)"))
    _send(page, "drop", "hills.jpg", "image/jpeg", image_files.photo(1400, 900, shade=120))
    expect(body).to_have_value(re.compile(r"!\[hills\]\(.*-1200\.jpg\)"))

    _send(page, "drop", "notes.txt", "text/plain", b"just words")
    expect(status).to_contain_text("is not an image we can use")
    expect(status).to_have_class(re.compile("error"))

    # The preview shows the three uploaded images, loaded from Tend.
    preview_images = page.locator("#preview img")
    expect(preview_images).to_have_count(3)
    for index in range(3):
        expect(preview_images.nth(index)).to_have_js_property("complete", True)
        assert preview_images.nth(index).evaluate("img => img.naturalWidth") > 0

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    page.goto(f"{live_server}/dashboard/calm/issues/{issue.id}/preview")
    saved = page.locator(".prose img")
    expect(saved).to_have_count(3)
    expect(saved.first).to_have_attribute("srcset", re.compile(r"600w, .*1200w"))
    assert saved.first.get_attribute("alt") == "A path through the woods at dawn"
    page.screenshot(path=str(artifacts / f"issue-images-{size}.png"), full_page=True)

    page.goto(f"{live_server}/dashboard/calm/images")
    expect(page.get_by_role("heading", name="Images")).to_be_visible()
    expect(page.locator(".image-grid li")).to_have_count(3)
    assert errors == []
