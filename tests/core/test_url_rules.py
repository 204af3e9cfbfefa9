"""Every URL readers, practitioners, emails, feeds and embeds hold keeps working.

`tests/fixtures/url_rules.txt` lists each rule's path and methods as they were before the code
moved into feature packages. A rule that disappears, changes its path or loses a method breaks
links already sent; a new rule must be added to the list on purpose.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

RULES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "url_rules.txt"


def current_rules(app: Flask) -> list[str]:
    """Each rule as `path<TAB>METHODS`, sorted, HEAD and OPTIONS left out."""
    return sorted(
        f"{rule.rule}\t{','.join(sorted(rule.methods - {'HEAD', 'OPTIONS'}))}"
        for rule in app.url_map.iter_rules()
    )


def test_url_rules_are_the_ones_already_published(app: Flask) -> None:
    expected = RULES_FILE.read_text().splitlines()
    actual = current_rules(app)
    missing = sorted(set(expected) - set(actual))
    added = sorted(set(actual) - set(expected))
    assert not missing, f"rules gone or changed: {missing}"
    assert not added, f"new rules not in {RULES_FILE.name}: {added}"
    assert len(actual) == len(expected), "a path is now served by two rules"
