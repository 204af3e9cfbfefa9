"""In real Chromium, a practitioner uploads a Substack export under Settings → Back issues,
reads the dry-run preview (first issues and their numbers, nothing written yet), starts the
import, watches it finish and reads the report; the archive then holds the issues. At
desktop and phone widths (axe runs on every page)."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from tests.conftest import drain_jobs  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402
from tests.publishing.back_issues.exports import substack_zip  # noqa: E402
from tests.publishing.back_issues.image_server import ImageServer  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture()
def images(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_LOOPBACK", True)
    server = ImageServer()
    yield server
    server.stop()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_substack_archive_is_previewed_then_imported(
    app, factories, live_server, new_context, artifacts, images, tmp_path, size
):
    owner = factories.user(email="maya@example.com", name="Maya")
    factories.publication(owner=owner, slug="calm", name="Calm Letters")
    export = tmp_path / "substack-export.zip"
    export.write_bytes(substack_zip(images.base))
    page = new_context(size).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("maya@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/dashboard/**")

    page.goto(f"{live_server}/dashboard/calm/settings")
    page.get_by_role("link", name="Back issues").click()
    expect(page.get_by_role("heading", name="Import back issues")).to_be_visible()
    page.screenshot(path=str(artifacts / f"back-issues-form-{size}.png"), full_page=True)
    page.get_by_label("Export file").set_input_files(str(export))
    page.get_by_role("button", name="Upload and preview").click()

    # The preview: the first issues with the numbers they will get, nothing written yet.
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.get_by_text("numbered 1 to 3")).to_be_visible()
    rows = page.locator("[data-preview] tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("First light")
    expect(rows.nth(1)).to_contain_text("The paid one")
    expect(rows.nth(1)).to_contain_text("paid")
    expect(page.get_by_text("a draft on Substack")).to_be_visible()
    page.screenshot(path=str(artifacts / f"back-issues-preview-{size}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    page.get_by_role("button", name="Import 3 issues").click()
    drain_jobs(app)  # with Redis, a worker runs the job; embedded, it already ran
    page.reload()
    report = page.locator("[data-report]")
    expect(report).to_contain_text("Imported as issues")
    expect(report.locator("tr", has_text="Imported as issues")).to_contain_text("3")
    expect(page.locator("[data-image-failures]")).to_contain_text("missing.jpg")
    page.screenshot(path=str(artifacts / f"back-issues-report-{size}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    page.goto(f"{live_server}/p/calm/archive")
    expect(page.get_by_text("First light")).to_be_visible()
    expect(page.get_by_text("Spring")).to_be_visible()
    assert not errors, errors
