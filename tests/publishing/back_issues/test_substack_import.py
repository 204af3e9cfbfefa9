"""A practitioner brings 36 issues over from Substack: numbered in order, dated, paid where
paid, sanitised, images re-hosted, and the same export imported twice duplicates nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.back_issues.models import BackIssueLink
from saas.publishing.models import AUDIENCE_EVERYONE, AUDIENCE_PAID, Issue
from tests.publishing.back_issues.exports import substack_zip
from tests.publishing.back_issues.helpers import (
    import_all,
    issues_of,
    latest_import,
    start,
    upload,
)


def test_preview_shows_numbering_and_writes_nothing(app, client, pub, images):
    response = upload(client, pub, substack_zip(images.base), "export.zip")
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 of 4 posts will become published issues, numbered 1 to 3" in html
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    assert [r.split("<td>")[1].split("</td>")[0] for r in rows.split("<tr>")[1:]] == [
        "1",
        "2",
        "3",
    ]
    assert rows.index("First light") < rows.index("The paid one") < rows.index("Spring")
    assert "Unfinished" in html and "a draft on Substack" in html
    assert issues_of(app, pub) == []
    assert images.hits == {}  # no image fetched before the import runs


def test_substack_posts_become_published_issues_in_original_order(app, client, pub, images):
    page = import_all(app, client, pub, substack_zip(images.base), "export.zip")
    issues = issues_of(app, pub)
    assert [(i.number, i.title, i.slug) for i in issues] == [
        (1, "First light", "first-light"),
        (2, "The paid one", "the-paid-one"),
        (3, "Spring", "spring"),
    ]
    assert all(i.status == "published" for i in issues)
    assert issues[0].published_at == datetime(2021, 1, 5, 9, 0, tzinfo=UTC)
    assert issues[2].published_at == datetime(2021, 3, 15, 8, 30, tzinfo=UTC)
    assert issues[0].subtitle == "Why I started"
    assert [i.audience for i in issues] == [AUDIENCE_EVERYONE, AUDIENCE_PAID, AUDIENCE_EVERYONE]
    # Rendered once, through the editor's allow-list: formatting and footnotes stay,
    # scripts, handlers and javascript: links go.
    first, paid, spring = issues
    assert "<em>readers</em>" in first.body_html and "The source of the claim." in first.body_html
    assert 'href="#footnote-1"' in first.body_html
    assert "<script" not in paid.body_html and "alert" not in paid.body_html
    assert "<iframe" not in paid.body_html
    assert "onclick" not in spring.body_html and "javascript:" not in spring.body_html
    assert "Spring is" in spring.body_text
    # The report: the draft skipped with its reason, the missing image listed.
    report = latest_import(app, pub)
    assert (report.status, report.imported_count, report.skipped_count) == ("done", 3, 1)
    assert report.skipped == [["Unfinished", "a draft on Substack (not published)"]]
    assert "Unfinished" in page and "Images left at their old address" in page
    # New issues continue after the imported ones.
    assert _publish_new_issue(app, pub) == 4


def test_images_are_rehosted_and_failures_keep_their_address(app, client, pub, images):
    import_all(app, client, pub, substack_zip(images.base), "export.zip")
    first, paid, _ = issues_of(app, pub)
    assert images.base not in first.body_html
    assert 'src="/media/' in first.body_html or "/media/" in first.body_html
    assert 'alt="Dawn"' in first.body_html and "srcset=" in first.body_html
    assert f'src="{images.base}/missing.jpg"' in paid.body_html
    report = latest_import(app, pub)
    assert report.images_rehosted == 1
    assert report.image_failures == [
        ["The paid one", f"{images.base}/missing.jpg", "the server answered 404 Not Found"]
    ]
    # The public page shows the stored copy.
    page = client.get(f"/p/{pub.slug}/issues/first-light").get_data(as_text=True)
    assert images.base not in page


def test_images_can_be_left_where_they_are(app, client, pub, images):
    import_all(app, client, pub, substack_zip(images.base), "export.zip", fetch_images=False)
    first = issues_of(app, pub)[0]
    assert f'src="{images.base}/img/1.jpg"' in first.body_html
    assert images.hits == {}


def test_importing_the_same_export_again_duplicates_nothing(app, client, pub, images):
    export = substack_zip(images.base)
    import_all(app, client, pub, export, "export.zip")
    before = [(i.id, i.number) for i in issues_of(app, pub)]
    response = upload(client, pub, export, "export.zip")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "0 of 4 posts will become published issues" in html
    assert "already imported (Issue 1)" in html
    start(app, client, response.headers["Location"])
    assert [(i.id, i.number) for i in issues_of(app, pub)] == before
    report = latest_import(app, pub)
    assert (report.imported_count, report.skipped_count) == (0, 4)
    assert images.hits["/img/1.jpg"] == 1  # fetched by the first import only
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalar(select(func.count()).select_from(BackIssueLink)) == 3


def test_imports_into_a_publication_with_issues_follow_its_last_number(
    app, client, pub, images, factories
):
    """Numbers already given never change: imported posts take the next ones, in order."""
    factories.issue(pub, title="Written here", publish=True)
    factories.issue(pub, title="Also here", publish=True)
    response = upload(client, pub, substack_zip(images.base), "export.zip")
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "numbered 3 to 5" in preview
    start(app, client, response.headers["Location"])
    assert [(i.number, i.title) for i in issues_of(app, pub)] == [
        (1, "Written here"),
        (2, "Also here"),
        (3, "First light"),
        (4, "The paid one"),
        (5, "Spring"),
    ]
    assert _publish_new_issue(app, pub) == 6


def test_a_slug_already_taken_gets_a_suffix(app, client, pub, images, factories):
    factories.issue(pub, title="Spring", slug="spring", publish=True)
    import_all(app, client, pub, substack_zip(images.base), "export.zip")
    assert "spring-2" in {i.slug for i in issues_of(app, pub)}


def test_another_publication_sees_no_import(app, client, pub, images, factories):
    import_all(app, client, pub, substack_zip(images.base), "export.zip")
    report = latest_import(app, pub)
    other = factories.publication(slug="other")
    with app.app_context(), bound_to(other.id):
        assert db.session.scalars(select(Issue)).all() == []
    assert client.get(f"/dashboard/other/settings/import/{report.id}").status_code == 404


def _publish_new_issue(app, pub) -> int:
    from saas.publishing import issues as issue_service
    from saas.publishing.models import Publication

    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        issue = issue_service.create_issue(publication, title="Written in Tend")
        return issue_service.publish_issue(publication, issue.id).number
