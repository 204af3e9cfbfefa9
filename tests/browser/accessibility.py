"""axe-core in every page the browser tests load; serious and critical findings fail the test.

axe comes from npm (tests/browser/package.json, pinned) and its built file is committed as
vendor/axe.min.js, so the suite needs no Node. To update it:

    cd tests/browser && npm install --save-exact axe-core@<version> && npm run vendor

Both scripts go in as init scripts, which Chromium runs through the DevTools protocol in each
new document before the page's own: the page's CSP (no inline script) does not apply to them,
so contexts keep enforcing it and the tests that watch the console still catch a CSP breach.
Each top-level document runs axe once it has loaded and reports through a binding, so a page
the test leaves quickly is still checked if axe finished; `audit(page)` waits for the
current page's run.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import BrowserContext, Error, Page

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# Top frame only: axe looks into iframes itself (the init script put axe in them too).
RUN_AXE_ON_LOAD = """
(() => {
  if (window.top !== window || !window.axe || !location.protocol.startsWith("http")) return;
  window.__tendAxe = new Promise((resolve) => {
    window.addEventListener("load", () => {
      window.axe
        .run(document, { resultTypes: ["violations"] })
        .then((results) => results.violations
          .filter((v) => FAILING.includes(v.impact))
          .map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
          })))
        .catch((error) => [{ id: "axe-error", impact: "critical", help: String(error), nodes: [] }])
        .then((found) => {
          window.__tendAxeReport(location.href, found);
          resolve(found);
        });
    });
  });
})();
""".replace("FAILING", str(list(FAILING_IMPACTS)))
# A page whose load never comes (or an axe run stuck on a frame) must not hang the test.
WAIT_FOR_AXE = """() => Promise.race([
  window.__tendAxe || [],
  new Promise((resolve) => setTimeout(() => resolve([]), 15000)),
])"""


class AxeFindings:
    """Serious and critical axe findings reported by the pages of one test's contexts."""

    def __init__(self) -> None:
        self.by_page: dict[str, list[dict]] = {}

    def watch(self, context: BrowserContext) -> None:
        """Run axe after every page load in this context."""
        context.expose_binding("__tendAxeReport", lambda _source, url, found: self.add(url, found))
        context.add_init_script(path=str(AXE_JS))
        context.add_init_script(script=RUN_AXE_ON_LOAD)

    def add(self, url: str, found: list[dict]) -> None:
        if found:
            self.by_page[url] = found

    def settle(self, context: BrowserContext) -> None:
        """Wait for the audits of the pages still open (before the context closes)."""
        for page in context.pages:
            audit(page)

    def report(self) -> str:
        lines = []
        for url, found in self.by_page.items():
            for v in found:
                lines.append(f"{url}: [{v['impact']}] {v['id']}: {v['help']} @ {v['nodes']}")
        return "\n".join(lines)


def audit(page: Page) -> list[dict]:
    """Wait for axe to finish on the page shown now; its serious and critical findings."""
    try:
        page.wait_for_load_state("load")
        return page.evaluate(WAIT_FOR_AXE) or []
    except Error:  # the page navigated or closed meanwhile: its successor reports
        return []
