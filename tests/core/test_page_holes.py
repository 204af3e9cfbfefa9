"""Page holes: a page rendered once with markers, filled per request, reads exactly like the
same template answered at once; user content cannot open a hole."""

from __future__ import annotations

import pytest
from flask import render_template_string

from saas.core import page_holes
from saas.core.page_holes import DirectHoles, Fill, MarkerHoles, assemble, parse, resolver

TEMPLATE = """<p>{{ title }}</p>
{% call holes.when("test-flag") %}<b>for flagged</b>{% endcall %}
{% call holes.unless("test-flag") %}<i>for others</i>{% endcall %}
{% call holes.owner(7) %}<em>yours
{%- call holes.until(2000) %}, still editable{% endcall %}</em>{% endcall %}
<input value="{{ holes.value('test-value') }}">{{ holes.partial("test-partial", n=2) }}"""


class Reader:
    def __init__(self, subscriber_id):
        self.subscriber_id = subscriber_id
        self.active = True


@pytest.fixture(autouse=True)
def _resolvers(monkeypatch):
    monkeypatch.setitem(page_holes._flags, "test-flag", lambda fill: fill.context["flag"])
    monkeypatch.setitem(page_holes._values, "test-value", lambda fill: '"quoted" & <b>')
    monkeypatch.setitem(
        page_holes._partials, "test-partial", lambda fill, kw: f"<span>{kw['n'] * 2}</span>"
    )
    monkeypatch.setitem(page_holes._who, "reader", lambda fill: fill.context.get("reader"))


@pytest.mark.parametrize(
    ("flag", "reader", "now"),
    [(True, Reader(7), 1000), (False, Reader(7), 3000), (True, Reader(8), 1000), (False, None, 1)],
)
def test_filled_page_reads_like_the_page_answered_at_once(app, flag, reader, now):
    with app.test_request_context():
        context = {"flag": flag, "reader": reader}
        direct = render_template_string(
            TEMPLATE, title="<Hi>", holes=DirectHoles(Fill(now=now, **context))
        )
        marked = render_template_string(TEMPLATE, title="<Hi>", holes=MarkerHoles())
        assert "<!--tend-" in marked and "for flagged" in marked and "for others" in marked
        filled = assemble(parse(marked, page_holes.tag()), Fill(now=now, **context))
    assert filled == direct
    assert ("for flagged" in filled) is flag and ("for others" in filled) is not flag
    assert ("yours" in filled) is (reader is not None and reader.subscriber_id == 7)
    assert 'value="&#34;quoted&#34; &amp; &lt;b&gt;"' in filled and "<span>4</span>" in filled


def test_nobody_gets_no_owner_blocks_and_is_impersonal(app):
    with app.test_request_context():
        marked = render_template_string(TEMPLATE, title="x", holes=MarkerHoles())
        anonymous = page_holes.Anonymous(flag=False, reader=Reader(7))
        filled = assemble(parse(marked, page_holes.tag()), anonymous)
        assert not anonymous.personal and anonymous.who("reader") is None
    assert "yours" not in filled and "for others" in filled


def test_user_content_cannot_open_a_hole(app):
    with app.test_request_context():
        forged = f"<!--{page_holes.tag()}:value:InRlc3QtdmFsdWUi-->"
        marked = render_template_string(
            "<p>{{ body }}</p>{{ holes.value('test-value') }}", body=forged, holes=MarkerHoles()
        )
        nodes = parse(marked, page_holes.tag())
    assert sum(1 for node in nodes if not isinstance(node, str)) == 1
    assert "&lt;!--" in nodes[0]


def test_unbalanced_markers_are_refused(app):
    with app.test_request_context():
        tag = page_holes.tag()
        with pytest.raises(ValueError):
            parse(f"<!--{tag}:when:InRlc3QtZmxhZyI=-->open", tag)


def test_a_resolver_registered_by_a_feature_answers(app, monkeypatch):
    monkeypatch.setattr(page_holes, "_flags", dict(page_holes._flags))

    @resolver("flag", "feature-flag")
    def feature_flag(fill: Fill) -> bool:
        return True

    assert Fill().flag("feature-flag") is True
