"""Growth and per-issue counts are kept as things happen, and a rebuild finds the same."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from saas.audience import subscribers
from saas.audience.models import Subscriber
from saas.audience.reader_links import IssueLinks
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.delivery import batches
from saas.insights import growth, page_views, rebuild, report
from saas.insights.models import DailyGrowth, IssueDaily
from saas.publishing.models import Issue, Publication

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"}


@pytest.fixture()
def pub(factories):
    return factories.publication(slug="calm", name="Calm Letters")


def _growth_rows(app, pub) -> dict:
    with app.app_context(), bound_to(pub.id):
        rows = db.session.scalars(select(DailyGrowth)).all()
        return {(r.day, r.source): (r.joined, r.unsubscribed, r.bounced) for r in rows}


def _issue_rows(app, pub) -> dict:
    with app.app_context(), bound_to(pub.id):
        rows = db.session.scalars(select(IssueDaily)).all()
        return {(r.issue_id, r.day): (r.web_views, r.unsubscribed) for r in rows}


def _unsubscribe_path(app, pub, issue, subscriber_id) -> str:
    with app.test_request_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        links = IssueLinks(publication, db.session.get(Issue, issue.id))
        url, _mailto = links.unsubscribe(subscriber_id)
    return url.replace("http://localhost", "")


def test_readers_joining_and_leaving_are_counted_by_day_and_source(app, client, pub, mailbox):
    client.post("/p/calm/subscribe", data={"email": "ada@example.org"})
    client.post("/p/calm/subscribe", data={"email": "bo@example.org"})
    # A pending reader has not joined yet.
    assert _growth_rows(app, pub) == {}
    for email in ("ada@example.org", "bo@example.org"):
        client.get(mailbox.last_link(email, "/confirm/").replace("http://localhost", ""))
    with app.test_request_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        subscribers.add_manually(publication, "cy@example.org", "Cy", False, "met at a talk")
        subscribers.add_manually(publication, "di@example.org", "Di", True, "asked by email")
        ada = subscribers.find_by_email(publication, "ada@example.org")
        subscribers.unsubscribe(publication, ada.id, "unsubscribe page")
    today = utcnow().date()
    assert _growth_rows(app, pub) == {(today, "form"): (2, 1, 0), (today, "manual"): (1, 0, 0)}
    with app.app_context(), bound_to(pub.id):
        assert growth.net_change(7) == 2
        [*_, this_week] = growth.weekly()
        assert (this_week.joined, this_week.unsubscribed, this_week.net) == (3, 1, 2)
        assert growth.top_sources() == [("form", 2), ("manual", 1)]


def test_a_reader_bounced_off_the_list_is_counted(app, factories, pub):
    reader = factories.subscriber(pub, hard_bounces=batches.MAX_HARD_BOUNCES - 1, source="embed")
    with app.app_context(), bound_to(pub.id):
        batches._count_hard_bounce(reader.id)  # noqa: SLF001  (the batch's own bookkeeping)
        db.session.commit()
    assert _growth_rows(app, pub) == {(utcnow().date(), "embed"): (0, 0, 1)}


def test_unsubscribes_from_an_issue_email_are_attributed_to_that_issue(app, client, factories, pub):
    first = factories.issue(pub, publish=True)
    second = factories.issue(pub, publish=True)
    readers = [factories.subscriber(pub) for _ in range(3)]
    # Two leave through the first issue's link (one-click and the page), one through the second's.
    one_click = {"List-Unsubscribe": "One-Click"}
    client.post(_unsubscribe_path(app, pub, first, readers[0].id), data=one_click)
    client.post(_unsubscribe_path(app, pub, first, readers[1].id))
    client.post(_unsubscribe_path(app, pub, second, readers[2].id))
    # Clicking again counts nothing more.
    client.post(_unsubscribe_path(app, pub, first, readers[0].id), data=one_click)
    today = utcnow().date()
    assert _issue_rows(app, pub) == {(first.id, today): (0, 2), (second.id, today): (0, 1)}
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        found = report.issue_report(publication, db.session.get(Issue, first.id))
        assert (found.unsubscribed, found.unsubscribed_7_days) == (2, 2)
        statuses = set(db.session.scalars(select(Subscriber.status)))
    assert statuses == {"unsubscribed"}


def test_support_requests_are_counted_against_the_issue_they_came_from(app, factories, pub):
    issue = factories.issue(pub, publish=True)
    other = factories.issue(pub, publish=True)
    with app.app_context(), bound_to(pub.id):
        number = db.session.get(Issue, issue.id).number
    factories.support_request(pub, source_issue_number=number)
    factories.support_request(pub, source_issue_number=number)
    factories.support_request(pub)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        assert (
            report.issue_report(publication, db.session.get(Issue, issue.id)).support_requests == 2
        )
        assert (
            report.issue_report(publication, db.session.get(Issue, other.id)).support_requests == 0
        )


def test_web_views_are_counted_per_day_without_robots_or_prefetches(app, client, factories, pub):
    issue = factories.issue(pub, publish=True)
    path = f"/p/calm/issues/{issue.slug}"
    for _ in range(3):
        assert client.get(path, headers=BROWSER).status_code == 200
    client.get(path, headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
    client.get(path, headers={**BROWSER, "Sec-Purpose": "prefetch"})
    client.get(path, headers={"User-Agent": ""})
    # Counted in Redis, not with a query per view: nothing in the table until a flush.
    assert _issue_rows(app, pub) == {}
    with app.app_context():
        assert page_views.flush() == 3
        assert page_views.flush() == 0
    assert _issue_rows(app, pub) == {(issue.id, utcnow().date()): (3, 0)}


def test_rebuild_from_history_equals_the_counts_kept_as_it_happened(
    app, client, factories, pub, mailbox
):
    issue = factories.issue(pub, publish=True)
    for n in range(4):
        client.post("/p/calm/subscribe", data={"email": f"r{n}@example.org"})
        client.get(
            mailbox.last_link(f"r{n}@example.org", "/confirm/").replace("http://localhost", "")
        )
    bouncing = factories.subscriber(pub, hard_bounces=batches.MAX_HARD_BOUNCES - 1)
    with app.test_request_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        subscribers.add_manually(publication, "m@example.org", "M", False, "")
        batches._count_hard_bounce(bouncing.id)  # noqa: SLF001
        db.session.commit()
        r0 = subscribers.find_by_email(publication, "r0@example.org")
    client.post(_unsubscribe_path(app, pub, issue, r0.id))
    client.get(f"/p/calm/issues/{issue.slug}", headers=BROWSER)
    with app.app_context():
        page_views.flush()
    kept_growth, kept_issues = _growth_rows(app, pub), _issue_rows(app, pub)
    assert kept_growth and kept_issues
    with app.app_context():
        rebuild.rebuild_publication(pub.id)
    assert _growth_rows(app, pub) == kept_growth
    # Page views have no raw rows: the rebuild keeps them, and recounts the unsubscribes.
    assert _issue_rows(app, pub) == kept_issues


def test_rebuild_command_counts_history_from_before_the_rollups(app, factories, pub):
    old = factories.subscriber(pub, source="embed")
    with app.app_context(), bound_to(pub.id):
        reader = db.session.get(Subscriber, old.id)
        subscribers.record_event(reader, "confirmed")
        db.session.flush()
        db.session.execute(DailyGrowth.__table__.delete())
        db.session.commit()
    assert _growth_rows(app, pub) == {}
    result = app.test_cli_runner().invoke(args=["rebuild-insights", "--publication", "calm"])
    assert result.exit_code == 0, result.output
    assert _growth_rows(app, pub) == {(utcnow().date(), "embed"): (1, 0, 0)}
    assert "calm" in result.output


def test_another_publications_readers_never_count_here(app, factories, pub):
    other = factories.publication(slug="elsewhere")
    with app.test_request_context(), bound_to(other.id):
        publication = db.session.get(Publication, other.id)
        subscribers.add_manually(publication, "x@example.org", "X", False, "")
    assert _growth_rows(app, pub) == {}
    with app.app_context(), bound_to(pub.id):
        assert growth.net_change(90) == 0


def test_the_demo_shows_months_of_growth_counted_from_its_history(app):
    from saas.site.demo import DEMO_SLUG, seed_demo

    with app.test_request_context():
        seed_demo()
        publication = db.session.scalar(select(Publication).where(Publication.slug == DEMO_SLUG))
        with bound_to(publication.id):
            weeks = growth.weekly()
            kept = {(r.day, r.source): r.joined for r in db.session.scalars(select(DailyGrowth))}
            rebuild.rebuild_publication(publication.id)
            again = {(r.day, r.source): r.joined for r in db.session.scalars(select(DailyGrowth))}
            views = db.session.scalar(select(db.func.sum(IssueDaily.web_views)))
    assert sum(w.joined for w in weeks) > 50 and sum(w.unsubscribed for w in weeks) > 0
    assert sum(1 for w in weeks if w.joined) >= 10  # growth spread over the weeks, not one day
    assert kept == again and views > 0


def test_a_day_past_today_in_the_rollups_does_not_break_the_weeks(app, pub):
    with app.app_context(), bound_to(pub.id):
        from saas.insights import counting

        tomorrow = utcnow().date() + timedelta(days=1)
        counting.add_growth(pub.id, tomorrow, "form", {"joined": 5})
        db.session.commit()
        assert sum(w.joined for w in growth.weekly()) == 0


def test_views_the_public_page_cache_answers_are_counted_too(app, client, factories, pub):
    issue = factories.issue(pub, publish=True)
    path = f"/p/calm/issues/{issue.slug}"
    app.config["PUBLIC_CACHE_SECONDS"] = 30
    try:
        answers = [client.get(path, headers=BROWSER).headers.get("X-Cache") for _ in range(3)]
        robot = client.get(path, headers={"User-Agent": "Googlebot/2.1"}).headers.get("X-Cache")
    finally:
        app.config["PUBLIC_CACHE_SECONDS"] = 0
        app.extensions["public_page_cache"].clear()
    assert answers == ["MISS", "HIT", "HIT"] and robot == "HIT"
    with app.app_context():
        assert page_views.flush() == 3
    assert _issue_rows(app, pub) == {(issue.id, utcnow().date()): (3, 0)}


def test_imported_readers_join_only_if_they_came_in_active_and_the_rebuild_agrees(
    app, client, factories, mailbox
):
    import io

    from tests.conftest import csrf_token, drain_jobs, login

    owner = factories.user(email="owner@example.com")
    pub = factories.publication(owner=owner, slug="letters")
    login(client, owner.email)
    url = "/dashboard/letters/subscribers/import"

    def upload(content: bytes, **fields) -> None:
        data = {"csrf_token": csrf_token(client, url), "file": (io.BytesIO(content), "list.csv")}
        response = client.post(url, data={**data, **fields}, content_type="multipart/form-data")
        assert response.status_code == 303
        drain_jobs(app)

    upload(
        b"email,status\na@example.com,active\nb@example.com,active\nu@example.com,unsubscribed\n"
    )
    upload(b"email\np@example.com\n", ask_to_confirm="y")
    today = utcnow().date()
    assert _growth_rows(app, pub) == {(today, "import"): (2, 0, 0)}
    # The pending one confirms; one who came in active leaves.
    client.get(mailbox.last_link("p@example.com", "/confirm/").replace("http://localhost", ""))
    with app.test_request_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        left = subscribers.find_by_email(publication, "b@example.com")
        subscribers.unsubscribe(publication, left.id, "unsubscribe page")
    kept = _growth_rows(app, pub)
    assert kept == {(today, "import"): (3, 1, 0)}
    with app.app_context():
        rebuild.rebuild_publication(pub.id)
    assert _growth_rows(app, pub) == kept
