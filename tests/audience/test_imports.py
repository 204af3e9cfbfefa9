"""A practitioner brings their list over from Substack, Mailchimp, beehiiv or any CSV."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from saas.audience.models import Subscriber, SubscriberEvent, SubscriberImport, Tag
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Membership
from tests.conftest import csrf_token, drain_jobs, login

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"
GENERIC_EMAILS = {
    "ada@example.com",
    "grace@example.com",
    "line@example.com",
    "after@example.com",
    "long@example.com",
    "short@example.com",
}


@pytest.fixture()
def pub(factories, client):
    owner = factories.user(email="owner@example.com", name="Olive Owner")
    publication = factories.publication(owner=owner, slug="letters", name="Letters")
    login(client, "owner@example.com")
    return publication


def upload(app, client, pub, content: bytes, filename: str = "list.csv", **fields):
    """Post the import form as a browser would, then let any queued job run."""
    url = f"/dashboard/{pub.slug}/subscribers/import"
    data = {"csrf_token": csrf_token(client, url), "file": (io.BytesIO(content), filename)}
    data.update(fields)
    response = client.post(url, data=data, content_type="multipart/form-data")
    drain_jobs(app)
    return response


def upload_fixture(app, client, pub, name: str, **fields):
    response = upload(app, client, pub, (FIXTURES / name).read_bytes(), name, **fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response


def latest_import(app, pub) -> SubscriberImport:
    with app.app_context(), bound_to(pub.id):
        row = db.session.scalar(select(SubscriberImport).order_by(SubscriberImport.id.desc()))
        db.session.expunge(row)
        return row


def count(app, pub, model) -> int:
    with app.app_context(), bound_to(pub.id):
        return db.session.scalar(select(func.count()).select_from(model))


def readers(app, pub) -> dict[str, dict]:
    """Every reader of the publication, as plain values."""
    with app.app_context(), bound_to(pub.id):
        return {
            s.email: {
                "name": s.name,
                "status": s.status,
                "tags": sorted(t.name for t in s.tags),
                "imported": s.imported,
                "source": s.source,
                "consent_note": s.consent_note,
                "created_at": s.created_at,
                "confirmed_at": s.confirmed_at,
            }
            for s in db.session.scalars(select(Subscriber))
        }


def assert_accounted_for(import_: SubscriberImport) -> None:
    assert import_.status == "done"
    assert import_.imported_count + import_.rejected_count == import_.total_rows
    assert import_.processed_rows == import_.total_rows
    assert len(import_.rejections) == import_.rejected_count


def test_generic_file_imports_good_rows_and_explains_every_rejected_row(app, client, pub):
    response = upload_fixture(app, client, pub, "generic.csv")
    import_ = latest_import(app, pub)
    assert response.headers["Location"].endswith(f"/dashboard/letters/imports/{import_.id}")
    assert_accounted_for(import_)
    assert (import_.total_rows, import_.imported_count, import_.rejected_count) == (12, 6, 6)
    assert import_.detected_format == "generic"
    reasons = [(line, email, reason.split(" (")[0]) for line, email, reason in import_.rejections]
    assert reasons == [
        (4, "ADA@Example.com", "duplicate of line 2"),
        (5, "not-an-email", "invalid email address"),
        (6, "", "missing email"),
        (10, "extra@example.com", "5 columns where the header has 4"),
        (13, "bad@@example.com", "invalid email address"),
        (14, "grace@EXAMPLE.com", "duplicate of line 3"),
    ]
    assert "@-sign" in import_.rejections[1][2]  # email-validator's own explanation
    list_ = readers(app, pub)
    assert set(list_) == GENERIC_EMAILS
    assert list_["ada@example.com"]["tags"] == ["early", "vip"]
    assert list_["ada@example.com"]["created_at"].date().isoformat() == "2021-03-04"
    assert list_["long@example.com"]["name"] == "N" * 120
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "line 4: duplicate of line 2" in page
    assert "line 6: missing email" in page
    assert "line 14: duplicate of line 3" in page


EXPECTED = {
    "substack.csv": (
        "substack",
        {
            "reader.one@example.com": "active",
            "paid.reader@example.com": "active",
            "gone@example.com": "unsubscribed",
        },
        [(5, "duplicate of line 2")],
    ),
    "mailchimp_subscribed.csv": (
        "mailchimp",
        {"m1@example.com": "active", "m2@example.com": "active"},
        [(4, "invalid email address")],
    ),
    "mailchimp_unsubscribed.csv": (
        "mailchimp_unsubscribed",
        {"u1@example.com": "unsubscribed", "u2@example.com": "unsubscribed"},
        [],
    ),
    "mailchimp_cleaned.csv": ("mailchimp_cleaned", {"c1@example.com": "bounced"}, []),
    "beehiiv.csv": (
        "beehiiv",
        {
            "b1@example.com": "active",
            "b2@example.com": "unsubscribed",
            "b3@example.com": "pending",
            "b4@example.com": "active",
        },
        [],
    ),
    "excel_semicolon_bom.csv": (
        "generic",
        {"zoe@example.com": "active", "chloe@example.com": "active"},
        [],
    ),
    "utf16_tabs.csv": (
        "generic",
        {"tab.one@example.com": "active", "tab.two@example.com": "unsubscribed"},
        [],
    ),
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_each_export_format_is_detected_and_imported(app, client, pub, fixture):
    expected_format, statuses, rejected = EXPECTED[fixture]
    upload_fixture(app, client, pub, fixture)
    import_ = latest_import(app, pub)
    assert_accounted_for(import_)
    assert import_.detected_format == expected_format
    assert {email: r["status"] for email, r in readers(app, pub).items()} == statuses
    assert [(line, reason.split(" (")[0]) for line, _, reason in import_.rejections] == rejected


def test_vendor_names_and_tags_come_across(app, client, pub):
    upload_fixture(app, client, pub, "mailchimp_subscribed.csv")
    upload_fixture(app, client, pub, "excel_semicolon_bom.csv")
    upload_fixture(app, client, pub, "beehiiv.csv")
    list_ = readers(app, pub)
    assert list_["m1@example.com"]["name"] == "Mara Jones"
    assert list_["m1@example.com"]["tags"] == ["Newsletter", "Workshop"]
    assert list_["m2@example.com"]["name"] == "Lee"
    assert list_["zoe@example.com"]["name"] == "Zoë Brontë"
    assert list_["zoe@example.com"]["tags"] == ["a", "b"]
    assert list_["b1@example.com"]["name"] == "Bea Hive"


def test_reimporting_the_same_file_adds_nobody(app, client, pub):
    upload_fixture(app, client, pub, "generic.csv")
    events_before = count(app, pub, SubscriberEvent)
    upload_fixture(app, client, pub, "generic.csv")
    again = latest_import(app, pub)
    assert_accounted_for(again)
    assert (again.total_rows, again.imported_count, again.rejected_count) == (12, 0, 12)
    already = {email for _, email, reason in again.rejections if reason == "already on your list"}
    assert {e.lower() for e in already} == GENERIC_EMAILS
    assert count(app, pub, Subscriber) == 6
    assert count(app, pub, SubscriberEvent) == events_before


def test_addresses_are_deduplicated_ignoring_case_within_the_file_and_against_the_list(
    app, client, factories, pub
):
    factories.subscriber(pub, email="Ada@Example.com")
    content = b"email\nADA@EXAMPLE.COM\nnew@example.com\nNEW@Example.com\n"
    assert upload(app, client, pub, content).status_code == 303
    import_ = latest_import(app, pub)
    assert import_.rejections == [
        [2, "ADA@EXAMPLE.COM", "already on your list"],
        [4, "NEW@Example.com", "duplicate of line 3"],
    ]
    assert (import_.imported_count, import_.duplicate_count) == (1, 2)
    assert set(readers(app, pub)) == {"ada@example.com", "new@example.com"}


def test_unsubscribed_and_cleaned_readers_never_become_active(app, client, factories, mailbox, pub):
    factories.subscriber(pub, email="left@example.com", status="unsubscribed")
    upload(app, client, pub, b"email,status\nleft@example.com,active\n", ask_to_confirm="y")
    upload_fixture(app, client, pub, "mailchimp_unsubscribed.csv", ask_to_confirm="y")
    upload_fixture(app, client, pub, "mailchimp_cleaned.csv", ask_to_confirm="y")
    statuses = {email: r["status"] for email, r in readers(app, pub).items()}
    assert statuses == {
        "left@example.com": "unsubscribed",
        "u1@example.com": "unsubscribed",
        "u2@example.com": "unsubscribed",
        "c1@example.com": "bounced",
    }
    assert mailbox.messages() == []


def test_imported_readers_are_marked_as_imported_and_not_mailed(app, client, mailbox, pub):
    upload_fixture(app, client, pub, "generic.csv")
    import_ = latest_import(app, pub)
    day = import_.created_at.strftime("%Y-%m-%d")
    for reader in readers(app, pub).values():
        assert reader["imported"] is True
        assert reader["source"] == "import"
        assert reader["status"] == "active"
        assert reader["confirmed_at"] is not None
        assert reader["consent_note"] == f"Imported from generic.csv (CSV) on {day}"
    assert mailbox.messages() == []
    with app.app_context(), bound_to(pub.id):
        events = db.session.scalars(select(SubscriberEvent)).all()
    assert len(events) == 6
    assert {e.kind for e in events} == {"imported"}
    assert {e.detail for e in events} == {f"import #{import_.id}: generic.csv (CSV)"}


def test_asking_imported_readers_to_confirm_mails_each_new_reader_once(app, client, mailbox, pub):
    upload_fixture(app, client, pub, "beehiiv.csv", ask_to_confirm="y")
    statuses = {email: r["status"] for email, r in readers(app, pub).items()}
    assert statuses == {
        "b1@example.com": "pending",
        "b2@example.com": "unsubscribed",
        "b3@example.com": "pending",
        "b4@example.com": "pending",
    }
    for address in ("b1@example.com", "b3@example.com", "b4@example.com"):
        assert len(mailbox.messages(address)) == 1
    assert mailbox.messages("b2@example.com") == []
    assert "/confirm" in mailbox.last_link("b1@example.com", "/confirm")


def test_the_chosen_tag_goes_on_every_imported_reader_and_existing_tags_are_reused(
    app, client, pub
):
    with app.app_context(), bound_to(pub.id):
        db.session.add(Tag(publication_id=pub.id, name="VIP"))
        db.session.commit()
    upload_fixture(app, client, pub, "generic.csv", tag="Spring workshop")
    list_ = readers(app, pub)
    assert all("Spring workshop" in r["tags"] for r in list_.values())
    assert list_["ada@example.com"]["tags"] == ["Spring workshop", "VIP", "early"]
    assert list_["short@example.com"]["tags"] == ["Spring workshop"]
    assert count(app, pub, Tag) == 4  # VIP, Spring workshop, early, navy


def test_progress_endpoint_reports_the_counts(app, client, pub):
    upload_fixture(app, client, pub, "generic.csv")
    import_ = latest_import(app, pub)
    response = client.get(f"/dashboard/letters/imports/{import_.id}/progress")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "status": "done",
        "finished": True,
        "total_rows": 12,
        "processed_rows": 12,
        "imported_count": 6,
        "rejected_count": 6,
        "duplicate_count": 2,
        "percent": 100,
        "error": "",
    }


def test_a_waiting_import_shows_a_progress_bar_that_polls(app, client, pub):
    with app.app_context(), bound_to(pub.id):
        row = SubscriberImport(
            publication_id=pub.id, filename="big.csv", content=b"email\na@example.com\n"
        )
        db.session.add(row)
        db.session.commit()
        import_id = row.id
    page = client.get(f"/dashboard/letters/imports/{import_id}").get_data(as_text=True)
    assert f'data-progress-url="/dashboard/letters/imports/{import_id}/progress"' in page
    assert "<progress" in page
    assert "/static/js/import_progress.js" in page
    assert "<script>" not in page  # CSP: script-src 'self', no inline script
    progress = client.get(f"/dashboard/letters/imports/{import_id}/progress").get_json()
    assert (progress["status"], progress["finished"], progress["percent"]) == ("queued", False, 0)


def test_an_interrupted_import_resumes_without_counting_its_own_rows_twice(app, pub, monkeypatch):
    from saas.audience.imports import run as import_run
    from worker import jobs

    with app.app_context(), bound_to(pub.id):
        row = SubscriberImport(
            publication_id=pub.id,
            filename="generic.csv",
            content=(FIXTURES / "generic.csv").read_bytes(),
            detected_format="generic",
        )
        db.session.add(row)
        db.session.commit()
        import_id = row.id
    monkeypatch.setattr(import_run, "CHUNK_ROWS", 4)
    original_write = import_run.ImportRun._write
    calls = []

    def crash_on_third_chunk(self, chunk):
        calls.append(chunk)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return original_write(self, chunk)

    monkeypatch.setattr(import_run.ImportRun, "_write", crash_on_third_chunk)
    with app.app_context(), pytest.raises(RuntimeError):
        jobs.run_import(import_id)
    halfway = latest_import(app, pub)
    # Chunks of 1 then 4 rows were committed: lines 2-6, Ada and Grace imported.
    assert (halfway.status, halfway.processed_rows, halfway.imported_count) == ("failed", 5, 2)
    assert halfway.imported_count + halfway.rejected_count == halfway.processed_rows
    monkeypatch.setattr(import_run.ImportRun, "_write", original_write)
    with app.app_context():
        jobs.run_import(import_id)
        jobs.run_import(import_id)  # a duplicate delivery of the job changes nothing
    done = latest_import(app, pub)
    assert_accounted_for(done)
    assert (done.imported_count, done.rejected_count) == (6, 6)
    assert all(reason != "already on your list" for _, _, reason in done.rejections)
    assert [line for line, _, _ in done.rejections] == [4, 5, 6, 10, 13, 14]
    assert done.content == b""  # the uploaded list is not kept once imported


NOT_CSV = bytes((i * 37 + 11) % 256 for i in range(600))


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        (None, None, "Choose a CSV file to upload."),
        ("list.csv", b"", "The file is empty."),
        ("list.csv", NOT_CSV, "This file is not a CSV file"),
        ("list.csv", b"PK\x03\x04" + NOT_CSV, "Excel workbook"),
        ("list.xlsx", b"email\na@example.com\n", "Upload a .csv or .txt file."),
        ("list.csv", (FIXTURES / "no_email_column.csv").read_bytes(), "No email column found"),
        ("list.csv", b"email,name\n", "no readers below it"),
        ("list.csv", b"email\n" + b"someone@example.com\n" * 100, "larger than"),
    ],
)
def test_an_unusable_upload_is_refused_with_a_reason_and_nothing_is_stored(
    app, client, pub, monkeypatch, filename, content, message
):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    url = "/dashboard/letters/subscribers/import"
    data = {"csrf_token": csrf_token(client, url)}
    if filename is not None:
        data["file"] = (io.BytesIO(content), filename)
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, pub, SubscriberImport) == 0
    assert count(app, pub, Subscriber) == 0


def test_an_upload_far_over_the_limit_is_stopped_before_it_is_read(app, client, pub, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    url = "/dashboard/letters/subscribers/import"
    data = {"csrf_token": csrf_token(client, url), "file": (io.BytesIO(b"x" * 200_000), "a.csv")}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert count(app, pub, SubscriberImport) == 0


def test_rejections_download_lists_every_rejected_row_safely(app, client, pub, monkeypatch):
    content = b'email\n"=HYPERLINK(""http://evil.example"",""x"")"\n' + b"ok@example.com\n" * 5
    upload(app, client, pub, content)
    import_ = latest_import(app, pub)
    response = client.get(f"/dashboard/letters/imports/{import_.id}/rejections.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data(as_text=True)
    assert text.startswith('\ufeff"line","email","reason"\r\n')
    lines = text.splitlines()[1:]
    assert len(lines) == import_.rejected_count == 5
    assert lines[0].startswith('"2","\'=HYPERLINK(')
    assert lines[1] == '"4","ok@example.com","duplicate of line 3"'
    # The page shows the rows a page at a time.
    monkeypatch.setattr("saas.audience.imports.views.REJECTIONS_PER_PAGE", 2)
    page = client.get(f"/dashboard/letters/imports/{import_.id}?page=3").get_data(as_text=True)
    assert "line 7: duplicate of line 3" in page and "line 2:" not in page
    assert "Page 3 of 3" in page


def test_an_editor_can_import_and_export(app, client, factories, pub):
    editor = factories.user(email="editor@example.com")
    with app.app_context():
        db.session.add(Membership(user_id=editor.id, publication_id=pub.id, role="editor"))
        db.session.commit()
    editor_client = app.test_client()
    login(editor_client, "editor@example.com")
    form = editor_client.get("/dashboard/letters/subscribers/import")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.get_data(as_text=True)
    assert upload(app, editor_client, pub, b"email\nfan@example.com\n").status_code == 303
    exported = editor_client.get("/dashboard/letters/subscribers/export.csv")
    assert "fan@example.com" in exported.get_data(as_text=True)


def test_a_hostile_file_name_is_shown_as_text(app, client, pub):
    name = "<img src=x onerror=alert(1)>.csv"
    upload(app, client, pub, b"email\nfan@example.com\n", name)
    import_ = latest_import(app, pub)
    page = client.get(f"/dashboard/letters/imports/{import_.id}").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=" in page


def test_names_with_backslashes_quotes_and_accents_arrive_intact(app, client, pub):
    content = 'email,name\nodd@example.com,"C:\\Users\\Zoë ""Z"" \\N"\n'.encode()
    upload(app, client, pub, content)
    assert readers(app, pub)["odd@example.com"]["name"] == 'C:\\Users\\Zoë "Z" \\N'


def test_a_line_with_a_nul_byte_is_rejected_and_the_rest_of_the_file_imported(app, client, pub):
    filler = b"".join(b"reader%d@example.com,Reader %d\n" % (n, n) for n in range(300))
    content = (
        b"email,name\x00\n"  # even the header row
        b"ada@example.com,Ada\n"
        b"nul\x00@example.com,In the address\n"
        b"grace@example.com,Gra\x00ce\n"
        + filler  # past the first few kilobytes, where the file's encoding is judged
        + b"late@example.com,Late \x00\n"
        b"last@example.com,Last\n"
    )
    response = upload(app, client, pub, content)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    import_ = latest_import(app, pub)
    assert_accounted_for(import_)
    assert (import_.imported_count, import_.rejected_count) == (302, 3)
    assert [(line, email) for line, email, _ in import_.rejections] == [
        (3, "nul\ufffd@example.com"),
        (4, "grace@example.com"),
        (305, "late@example.com"),
    ]
    assert all("NUL" in reason for _, _, reason in import_.rejections)
    assert {"ada@example.com", "last@example.com"} <= set(readers(app, pub))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "line 4:" in page and "\x00" not in page
