"""The paywall break: where a paid issue's free preview ends, and Stripe's form encoding as
the stand-in reads it back."""

from __future__ import annotations

from types import SimpleNamespace

from saas.billing.paid.paywall import has_break, preview_markdown, split_markdown
from tests.stripe_standin import decode_form


def test_text_above_the_break_is_the_preview():
    before, after = split_markdown("Intro.\n\n<!-- paywall -->\n\nThe rest.\n")
    assert (before, after) == ("Intro.", "The rest.\n")


def test_the_break_tolerates_case_and_spaces_but_must_stand_alone():
    assert has_break("a\n  <!--PAYWALL-->  \nb")
    assert has_break("a\n<!--   paywall   -->\nb")
    assert not has_break("a <!-- paywall --> b")
    assert not has_break("a\n<!-- paywall break -->\nb")


def test_only_the_first_break_counts():
    before, after = split_markdown("one\n<!-- paywall -->\ntwo\n<!-- paywall -->\nthree")
    assert before == "one" and after.startswith("two")


def test_a_paid_issue_without_a_break_previews_nothing():
    issue = SimpleNamespace(body_markdown="All of it, for paying readers.", audience="paid")
    assert preview_markdown(issue) == ""


def test_stripe_form_encoding_round_trips_nested_values():
    pairs = [
        ("line_items[0][price]", "price_1"),
        ("line_items[0][quantity]", "1"),
        ("metadata[tend_user_id]", "7"),
        ("subscription_data[metadata][a]", "b"),
        ("mode", "subscription"),
    ]
    assert decode_form(pairs) == {
        "line_items": [{"price": "price_1", "quantity": "1"}],
        "metadata": {"tend_user_id": "7"},
        "subscription_data": {"metadata": {"a": "b"}},
        "mode": "subscription",
    }
