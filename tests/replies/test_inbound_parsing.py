"""Email replies as each client writes them come out as just the reader's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from saas.replies.html_text import html_to_text
from saas.replies.inbound_mime import decode_bytes, parse, unflow
from saas.replies.inbound_quotes import strip_quoted

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inbound"
READER = "ada@example.org"
REPLY = "reply+1-2-abcdefghijklmnop@in.tend.localhost"


def fixture(name: str) -> bytes:
    """A fixture with its placeholders filled in."""
    raw = (FIXTURES / name).read_bytes()
    for placeholder, value in (
        (b"READER_ADDRESS", READER.encode()),
        (b"REPLY_ADDRESS", REPLY.encode()),
        (b"ISSUE_ID", b"1"),
        (b"SUBSCRIBER_ID", b"2"),
    ):
        raw = raw.replace(placeholder, value)
    return raw


def test_gmail_reply_loses_its_wrapped_attribution_quotes_and_signature():
    mail = parse(fixture("gmail.eml"))
    assert mail.text == (
        "Thank you for this, Maya. The part about rest really landed.\n\n"
        "I tried the breathing practice this morning — it helped."
    )
    assert mail.sender == READER and mail.subject == "Re: On rest"
    assert mail.message_id == "<CAGx8kZ3b9Vv2XnFqW1pQe0d@mail.gmail.com>"
    assert mail.references == ("<issue-1.sub-2.calm@tend.localhost>",)
    assert REPLY in mail.recipients
    assert mail.attachments == 0 and not mail.automatic


def test_gmail_html_only_reply_becomes_text_with_its_link():
    mail = parse(fixture("gmail_html_only.eml"))
    assert mail.text == (
        "One more thing: I wrote about it [on my blog](https://ada.example.org/rest).\n\n"
        "Thanks again,\nAda"
    )


def test_outlook_reply_in_windows_1252_stops_at_the_header_block():
    mail = parse(fixture("outlook.eml"))
    assert (
        mail.text
        == "I loved the “slow mornings” idea – I’ll try it at the café tomorrow.\n\nBest,\nAda"
    )
    assert mail.subject == "RE: On rest"


def test_outlook_html_part_alone_also_stops_at_the_header_block():
    raw = fixture("outlook.eml")
    html_part = raw.split(b'Content-Type: text/html; charset="windows-1252"')[1]
    body = html_part.split(b"\n\n", 1)[1].split(b"--_000_")[0]
    import quopri

    text = strip_quoted(html_to_text(decode_bytes(quopri.decodestring(body), "windows-1252")))
    assert (
        text == "I loved the “slow mornings” idea – I’ll try it at the café tomorrow.\n\nBest,\nAda"
    )


def test_outlook_desktop_original_message_and_mislabelled_latin1():
    mail = parse(fixture("outlook_desktop_latin1.eml"))
    # Labelled iso-8859-1, written in Windows-1252: the quotes and dash come out right.
    assert mail.text == "Liebe Maya,\n\nein schöner Text – „danke“ für die “kleinen Pausen”.\n\nAda"
    assert mail.sender == READER


def test_apple_mail_flowed_text_sent_from_my_iphone_and_a_photo():
    mail = parse(fixture("apple_mail.eml"))
    assert mail.text == (
        "This is a photo of my morning walk, no headphones. It was harder than I expected, "
        "and lovelier."
    )
    assert mail.attachments == 1
    assert mail.message_id == "<5F2C7E1A-0B3D-4E8A-9C21-7D4B6A8E0F13@example.org>"


def test_apple_mail_html_only_in_latin1_base64():
    mail = parse(fixture("apple_mail_html.eml"))
    assert mail.text == (
        "Bonjour Maya,\n\nMerci pour cette lettre, elle m’a fait du bien. "
        "Voir [mon carnet](https://ada.example.org/carnet).\n\nAda"
    )


def test_plain_text_client_keeps_answers_between_quotes_and_drops_the_signature():
    mail = parse(fixture("plain_text_client.eml"))
    assert mail.text == (
        "The walk without headphones. I kept reaching for my phone.\n\n"
        "Leaving the phone at home. Danke schön!"
    )


def test_attachments_are_counted_never_used_as_the_text():
    mail = parse(fixture("thunderbird_attachments.eml"))
    assert mail.text == (
        "I attached my worksheet and my notes, in case they are useful for the next issue. "
        "No need to answer."
    )
    assert mail.attachments == 2
    assert "Notizen" not in mail.text


def test_auto_replies_are_recognised():
    assert parse(fixture("auto_reply.eml")).automatic
    assert not parse(fixture("gmail.eml")).automatic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes!\n\nOn Mon, 2 Dec 2024, 09:00 Maya <m@x.org> wrote:\n> old", "Yes!"),
        ("Oui.\n\nLe lun. 2 déc. 2024 à 09:00, Maya <m@x.org> a écrit :\n> old", "Oui."),
        ("Ja.\n\nAm Mo., 2. Dez. 2024 um 09:00 Uhr schrieb Maya <m@x.org>:\n> alt", "Ja."),
        ("Short.\n\n-----Original Message-----\nFrom: Maya\nSent: today\n\nold", "Short."),
        ("Short.\n\nFrom: Maya <m@x.org>\nDate: 2 Dec 2024\nSubject: x\n\nold", "Short."),
        ("Thanks\n\nSent from my iPad\n\n> On 2 Dec 2024, at 09:00, Maya wrote:", "Thanks"),
        ("Thanks\n\nGet Outlook for Android", "Thanks"),
        ("Words\n-- \nSignature", "Words"),
        ("On reflection, I agree with you.\nIt was 3 weeks ago.", None),
        ("From: the bottom of my heart, thank you.", None),
        # Wrapped over two lines, then someone else's message without `>` quoting.
        (
            "Yes.\n\nOn Tue, 3 Dec 2024 at 18:40, Tend <\nn@x.org> wrote:\n\nJo (j@x.org) asks",
            "Yes.",
        ),
        # "On <date>, <name>" / "<address>" / "wrote:"
        ("Agreed.\n\nOn Tue, Dec 3, 2024 at 10:02 AM, Maya\n<m@x.org>\nwrote:\n\n> old", "Agreed."),
        ("See you.\n-Ada\n\nMaya Lindqvist | m@x.org\nJo asked about the group.", "See you.\n-Ada"),
        ("See you.\n– Ada L.\n\nold words", "See you.\n– Ada L."),
        ("Thanks.\n\n----------------\nMaya <m@x.org>\nold", "Thanks."),
        ("Thanks.\n\n----- Mail original -----\nDe: Maya <m@x.org>\nold", "Thanks."),
        ("Thanks.\n\n---- On Tue, 03 Dec 2024 10:02 Maya <m@x.org> wrote ----\nold", "Thanks."),
        ("Danke.\n\nGesendet: Dienstag, 3. Dezember 2024\nVon: Maya <m@x.org>\nAn: Ada", "Danke."),
        ("Ja.\n\nMaya <m@x.org> hat am 3. Dezember 2024 um 10:02 geschrieben:\n> alt", "Ja."),
        ("Sí.\n\nDe: Maya <m@x.org>\nEnviado el: martes, 3 de diciembre de 2024\n\nold", "Sí."),
        ("Ja.\n\nVerstuurd vanaf mijn iPhone\n\n> Op 3 dec. 2024 heeft Maya <m@x.org>", "Ja."),
        # The reader's own lists, rules and lines that only look like the above stay.
        ("Things that helped:\n-Walking\n-Breathing\n\nAda", None),
        ("What helped:\n-Walking\n\nAda", None),
        ("My plan\n- Walk\n- Sleep early", None),
        ("On reflection, I agree.\nIt was 3 weeks ago.\nShe wrote:", None),
        ("On Monday at 10 I wrote: nothing at all.", None),
        ("Maya <m@x.org> schrieb am Montag, dass alles gut wird.", None),
    ],
)
def test_quote_and_signature_rules(text, expected):
    assert strip_quoted(text) == (text if expected is None else expected)


def test_decoding_tolerates_mislabelled_and_unknown_charsets():
    assert decode_bytes("café".encode(), None) == "café"  # unlabelled UTF-8
    assert decode_bytes("café".encode("cp1252"), "us-ascii") == "café"
    assert decode_bytes(b"\x93hi\x94", "ISO-8859-1") == "“hi”"
    assert decode_bytes("Grüße".encode(), "x-unknown-charset") == "Grüße"
    assert decode_bytes(b"\x81", "windows-1252") == "\x81"


def test_format_flowed_lines_are_joined():
    assert unflow("one two \nthree\n> quoted \n> more\n", delsp=False) == (
        "one two three\n> quoted more\n"
    )
    assert unflow("hyphen-\nated", delsp=True) == "hyphen-\nated"
    assert unflow("split wo \nrd", delsp=True) == "split word"


def test_html_with_links_left_open_keeps_their_words_in_order():
    html = '<p>See <a href="https://ada.example.org/a">my notes <a>and more'
    assert html_to_text(html) == "See my notes and more"
    assert html_to_text("<a>x" * 1_000) == "x" * 1_000
