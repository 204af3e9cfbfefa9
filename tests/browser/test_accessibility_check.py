"""The accessibility check itself: axe runs on each page load, under the app's CSP, and
reports serious findings (an image without a text alternative) for the test to fail on."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")

from tests.browser.accessibility import AxeFindings, audit  # noqa: E402

pytestmark = pytest.mark.browser

BAD_PAGE = "<!doctype html><html lang=en><title>Bad</title><main><img src=/x.png></main></html>"


def test_a_page_with_an_unlabelled_image_is_reported(live_server, chromium):
    findings = AxeFindings()
    context = chromium.new_context()
    try:
        findings.watch(context)
        context.route(
            f"{live_server}/bad-page",
            lambda route: route.fulfill(
                body=BAD_PAGE,
                content_type="text/html",
                headers={"Content-Security-Policy": "default-src 'self'; script-src 'self'"},
            ),
        )
        page = context.new_page()
        page.goto(f"{live_server}/bad-page")
        assert [v["id"] for v in audit(page)] == ["image-alt"]
        page.goto(f"{live_server}/login")
        assert audit(page) == []
    finally:
        context.close()
    assert list(findings.by_page) == [f"{live_server}/bad-page"]
