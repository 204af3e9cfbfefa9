"""Small pieces of the support feature: the fill-time token, encrypted columns, chart layout."""

from __future__ import annotations

import time

import pytest
from cryptography.fernet import Fernet

from saas.core.charts import Bar, bar_chart, row_chart
from saas.core.crypto import EncryptedJSON, UndecryptableError, decrypt_text, encrypt_text
from saas.support.guard import (
    FILL_OK,
    FILL_STALE,
    FILL_TOO_FAST,
    MAX_FORM_AGE_SECONDS,
    fill_check,
    start_token,
)


def test_fill_time_token(app):
    with app.app_context():
        now = time.time()
        token = start_token(7, now - 10)
        assert fill_check(token, 7, now) == FILL_OK
        assert fill_check(start_token(7, now - 1), 7, now) == FILL_TOO_FAST
        assert fill_check(start_token(7, now - MAX_FORM_AGE_SECONDS - 5), 7, now) == FILL_STALE
        assert fill_check(token, 8, now) == FILL_STALE  # another publication's form
        assert fill_check(token[:-2] + "xx", 7, now) == FILL_STALE
        assert fill_check("", 7, now) == FILL_STALE and fill_check(None, 7, now) == FILL_STALE


def test_encryption_round_trip_and_wrong_key(app):
    with app.app_context():
        token = encrypt_text("Grüße, 心 — 🙂")
        assert token.startswith("gAAAAA") and "Grüße" not in token
        assert decrypt_text(token) == "Grüße, 心 — 🙂"
        assert encrypt_text("same") != encrypt_text("same")  # randomised: no equality leaks
        stranger = Fernet(Fernet.generate_key()).encrypt(b"not ours").decode()
        with pytest.raises(UndecryptableError) as caught:
            decrypt_text(stranger)
        assert "not ours" not in str(caught.value)
        column = EncryptedJSON()
        stored = column.process_bind_param([{"label": "Q", "value": ["a", "b"]}], None)
        assert "label" not in stored
        assert column.process_result_value(stored, None) == [{"label": "Q", "value": ["a", "b"]}]


def test_bar_chart_scales_bars_to_the_largest_value():
    chart = bar_chart([Bar("A", 0), Bar("B", 3), Bar("C", 6)])
    heights = [b.height for b in chart.bars]
    assert heights[0] == 0 and heights[1] * 2 == pytest.approx(heights[2])
    assert chart.ticks[-1][1] >= 6 and chart.total == 9
    assert all(b.y + b.height == pytest.approx(chart.baseline) for b in chart.bars)
    rows = row_chart([Bar("A", 2), Bar("B", 4)])
    assert rows.bars[0].width * 2 == pytest.approx(rows.bars[1].width)
    assert bar_chart([]).bars == [] and row_chart([]).bars == []
