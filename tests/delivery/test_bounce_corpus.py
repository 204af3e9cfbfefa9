"""The bounce classifier on a corpus of provider-shaped returned mail (tests/fixtures/bounces).

Each message in the manifest has its expected class (hard, soft, complaint, not_bounce) and,
for bounces and complaints, the recipient it is about. A message counts as right when the
class matches and the expected recipient is among those found. The accuracy is printed (run
with -s to see it) and must stay at or above ACCURACY_FLOOR; every class must be present.
"""

from __future__ import annotations

import json
from collections import Counter
from email import message_from_bytes, policy

from saas.delivery.bounce_parsing import read_bounce
from tests.delivery.bounce_helpers import CORPUS

ACCURACY_FLOOR = 0.95
PROVIDERS = {"gmail", "outlook", "yahoo", "postfix", "exim", "qmail", "ses", "auto-reply"}


def _manifest() -> list[dict]:
    return json.loads((CORPUS / "manifest.json").read_text())


def test_the_corpus_covers_every_provider_several_times_each():
    counts = Counter(entry["provider"] for entry in _manifest())
    assert set(counts) >= PROVIDERS
    assert all(counts[provider] >= 3 for provider in PROVIDERS), counts
    kinds = Counter(entry["class"] for entry in _manifest())
    assert set(kinds) == {"hard", "soft", "complaint", "not_bounce"}


def test_classification_accuracy_on_the_corpus(capsys):
    wrong = []
    entries = _manifest()
    for entry in entries:
        raw = (CORPUS / entry["file"]).read_bytes()
        report = read_bounce(message_from_bytes(raw, policy=policy.compat32))
        right_class = report.kind == entry["class"]
        right_reader = not entry["recipient"] or entry["recipient"] in report.recipients
        if not (right_class and right_reader):
            wrong.append((entry["file"], entry["class"], report.kind, report.recipients))
    accuracy = 1 - len(wrong) / len(entries)
    with capsys.disabled():
        print(
            f"\nbounce corpus: {len(entries) - len(wrong)}/{len(entries)} right "
            f"({accuracy:.1%}); wrong: {wrong}"
        )
    assert accuracy >= ACCURACY_FLOOR, wrong
