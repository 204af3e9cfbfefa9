"""Possessives of names come from one filter, `possessive`, never from "’s" glued on by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from saas.core.templating import possessive

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# "{{ name }}’s", "{{ name }}'s" or `name ~ "’s`: a possessive built by hand from a value.
HAND_MADE = re.compile(r"""(\}\}|~\s*["'])\s*[’']s\b""")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Maya", "Maya’s"),
        ("Calm Waters", "Calm Waters’"),
        ("THOMAS", "THOMAS’"),
        ("Steady Ground ", "Steady Ground’s"),
        ("", ""),
        (None, ""),
    ],
)
def test_possessive_of_a_name(name, expected):
    assert possessive(name) == expected


def test_templates_make_possessives_with_the_filter(app):
    hand_made = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*"))
        if path.suffix in {".html", ".txt"}
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if HAND_MADE.search(line)
    ]
    assert not hand_made, f"use |possessive: {hand_made}"
    rendered = app.jinja_env.from_string("{{ name|possessive }} page").render(name="<b>Waters")
    assert rendered == "&lt;b&gt;Waters’ page"  # still escaped
