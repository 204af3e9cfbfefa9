"""Browser fixtures: real Chromium via Playwright, sized for desktop or phone, with axe.

Pages come from tests/conftest.py's `live_server`, which runs in a daemon thread of the test
process, so it shares the test's database, SMTP sink and queues; the autouse `clean_state`
fixture resets them per test.
"""

from __future__ import annotations

import os

import pytest

from tests.browser.accessibility import AxeFindings
from tests.conftest import ARTIFACTS

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the session (CHROMIUM_PATH, else Debian's /usr/bin/chromium)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium",
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


@pytest.fixture()
def new_context(chromium):
    """Make browser contexts (own cookies each) sized as "desktop" or "phone"; closed after.

    Every page load in them runs axe-core; serious or critical findings fail the test
    (except in a context made with `java_script_enabled=False`: axe needs script).
    """
    opened = []
    findings = AxeFindings()

    def make(kind: str = "desktop", **options):
        if kind == "phone":
            sizing = {
                "viewport": PHONE,
                "is_mobile": True,
                "has_touch": True,
                "device_scale_factor": 2,
            }
        else:
            sizing = {"viewport": DESKTOP}
        context = chromium.new_context(locale="en-GB", **sizing, **options)
        context.set_default_timeout(10_000)
        # axe is a script: a context with script switched off cannot run it (and waiting for
        # it there would never end). Such tests show pages whose markup the scripted tests audit.
        audited = options.get("java_script_enabled", True)
        if audited:
            findings.watch(context)
        opened.append((context, audited))
        return context

    yield make
    for context, audited in opened:
        if audited:
            findings.settle(context)
        context.close()
    assert not findings.by_page, "accessibility (axe) findings:\n" + findings.report()


@pytest.fixture()
def artifacts():
    """Directory for screenshots (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
