"""A reader's emailed reply is stored as their own words only, whatever client and language
they write from: the practitioner's quoted letter, attributions, header blocks and anyone
else's address stay out of the database."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import pytest

from tests.replies.test_inbound import address, inbound, message, post  # noqa: F401
from tests.reply_helpers import replies_of, setup  # noqa: F401  (fixtures)

# Words and addresses that only ever appear in the quoted history of these fixtures.
QUOTED = (
    "practice.example",
    "jo.bright",
    "Jo Bright",
    "Maya Lindqvist",
    "bedtime",
    "two places left",
    "Schlafenszeit",
    "coucher",
    "hora de dormir",
    "bedtijd",
    "5 o'clock",
    "17 Uhr",
    "wrote",
    "schrieb",
    "geschrieben",
    "écrit",
    "escribió",
    "schreef",
)

CLIENTS = [
    (
        "gmail_wrapped_notification.eml",
        "Yes, please keep a place for me in the Thursday group.",
    ),
    (
        "gmail_android_three_line.eml",
        "That sounds right to me. I'll bring my notebook on Thursday.",
    ),
    ("yahoo_dash_name.eml", "Thursday at 6 works for me.\n-Ada"),
    ("evolution_dashes.eml", "Thanks, this helped more than I expected."),
    ("outlook_desktop_cc.eml", "Thank you, Maya. Thursday is fine.\n\nAda"),
    ("outlook_web_fr.eml", "Merci Maya, à jeudi.\n\nAda"),
    ("outlook_desktop_es.eml", "Gracias, Maya. El jueves me va bien.\n\nAda"),
    ("outlook_desktop_nl.eml", "Hoi Maya, donderdag is goed.\n\nAda"),
    (
        "apple_mail_nl.eml",
        "Hoi Maya,\n\nDonderdag kom ik graag, ik neem mijn schrift mee.\n\nGroet,\nAda",
    ),
    ("ios_fr.eml", "Merci Maya, je viendrai jeudi."),
    ("gmail_android_de.eml", "Hallo Maya,\n\nja, Donnerstag passt mir gut.\n\nAda"),
    (
        "thunderbird_de.eml",
        "Hallo Maya,\n\nBesser, ich schlafe jetzt vor Mitternacht ein.\n\n"
        "Gut, dann bis Donnerstag.",
    ),
    ("yahoo_de.eml", "Hallo Maya, Donnerstag um 18 Uhr passt.\nAda"),
    ("gmail_fr.eml", "Bonjour Maya,\n\nMerci, je viendrai jeudi avec mon carnet.\n\nAda"),
    ("gmail_es.eml", "Hola Maya:\n\nSí, el jueves me va bien. Llevaré mi cuaderno.\n\nAda"),
    ("gmail_nl.eml", "Hoi Maya,\n\nDonderdag is goed, ik neem mijn schrift mee.\n\nAda"),
]


@pytest.mark.parametrize(("fixture", "words"), CLIENTS)
def test_reply_from_each_client_is_stored_as_the_readers_words_only(
    app, client, inbound, setup, fixture, words
):
    pub, issue, reader = setup
    raw = message(fixture, address(app, pub, issue.id, reader.id))
    assert post(client, raw).json["result"] == "stored"
    [reply] = replies_of(app, pub)
    assert reply.body_text == words
    assert "@" not in reply.body_text  # nobody's address, the reader's own included
    assert not [quoted for quoted in QUOTED if quoted in reply.body_text]
    assert "@" not in reply.body_html
