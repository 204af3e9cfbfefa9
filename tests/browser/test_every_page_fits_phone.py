"""Every page of the dashboard and the public site fits a 390 px phone, and passes axe.

The pages come from the app's url_map (every GET rule), with real ids and tokens filled in
from demo-like data: a publication with issues, readers, a reply, a support request, an
import, a send, paid tiers and an invitation. A practitioner visits the dashboard, account,
billing and operator pages (the API keys page among them); a signed-out reader visits the rest
(the API's reference page among them). A new page fails
`test_every_page_is_listed` until it is added here, visited or skipped with a reason.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

pytest.importorskip("playwright.sync_api")

from sqlalchemy import select  # noqa: E402

from saas.core.extensions import db  # noqa: E402
from saas.core.tokens import make_token  # noqa: E402
from tests.billing_helpers import billing, stripe_server  # noqa: E402, F401  (fixtures)
from tests.browser.accessibility import audit  # noqa: E402
from tests.conftest import drain_jobs  # noqa: E402

pytestmark = pytest.mark.browser

# Not HTML pages a person reads, or not reachable in tests; each with its reason.
SKIPPED = {
    "static": "files, not pages",
    "media.file": "uploaded image files, not pages",
    "health.healthz": "JSON for the load balancer",
    "health.readyz": "JSON for the load balancer",
    "public.publishing.atom_feed": "XML feed",
    "public.publishing.rss_feed": "XML feed",
    "public.publishing.sitemap": "XML sitemap",
    "public.publishing.robots": "plain-text robots.txt",
    "dashboard.audience.import_progress": "JSON polled by the import page",
    "dashboard.publishing.back_issue_import_progress": "JSON polled by the back-issue import page",
    "public.publishing.old_feed": "a 301 to the RSS feed (the old platform's feed address)",
    "public.publishing.substack_post": "a 301 to an imported issue's page (old Substack link)",
    "public.publishing.ghost_post": "a 301 to an imported issue's page (old Ghost link)",
    "public.publishing.wordpress_post": "a 301 to an imported issue's page (old WordPress link)",
    "dashboard.delivery.send_progress": "JSON polled by the send page",
    "dashboard.delivery.segment_count": "JSON for the send form's count (else back to the editor)",
    "dashboard.audience.import_rejections": "CSV download",
    "dashboard.audience.export_subscriber": "JSON download",
    "dashboard.audience.export_subscribers": "CSV download",
    "site.outbox": "development outbox: 404 unless MAIL_TRANSPORT=outbox (tests use SMTP)",
    "site.outbox_message": "development outbox: 404 unless MAIL_TRANSPORT=outbox",
    "api.docs.openapi_json": "the API's OpenAPI document (JSON)",
    "api.subscribers.list_subscribers": "JSON for other tools (the API)",
    "api.subscribers.get_subscriber": "JSON for other tools (the API)",
    "api.subscribers.list_tags": "JSON for other tools (the API)",
    "api.issues.list_issues": "JSON for other tools (the API)",
    "api.issues.get_issue": "JSON for other tools (the API)",
    "api.sends.list_sends": "JSON for other tools (the API)",
    "api.sends.get_send": "JSON for other tools (the API)",
    "api.replies.list_replies": "JSON for other tools (the API)",
    "api.support.list_stages": "JSON for other tools (the API)",
    "api.support.list_support_requests": "JSON for other tools (the API)",
    "api.support.get_support_request": "JSON for other tools (the API)",
    "api.stats.get_stats": "JSON for other tools (the API)",
    "tls.ask": "answers the TLS proxy (an empty 200 or a 404), not a page",
    "dashboard.insights.growth_csv": "CSV download",
    "dashboard.insights.issue_views_csv": "CSV download",
}
# A Ghost export for the back-issue import page: one post imported, one listed as skipped.
GHOST_EXPORT = (
    b'{"db": [{"data": {"posts": ['
    b'{"id": "g1", "title": "Notes from the old place", "slug": "notes-from-the-old-place", '
    b'"status": "published", "published_at": "2020-01-02T09:00:00.000Z", "html": "<p>Hi</p>"},'
    b'{"id": "g2", "title": "A-very-long-title-without-spaces-that-must-wrap-on-a-phone-screen", '
    b'"slug": "long", "status": "published", "published_at": "2020-01-03T09:00:00.000Z", '
    b'"html": null, "lexical": "{}"}]}}]}'
)

# Shown to the signed-in practitioner (operator too); every other page to a signed-out reader.
PRACTITIONER_PREFIXES = ("dashboard.", "ops.", "billing.", "auth.security", "site.landing")
READER_ALSO = {"site.landing"}

# Elements whose right edge passes the screen's, unless a scrolling or clipping box that
# itself fits holds them (the dashboard's tab bar scrolls sideways on purpose).
STICKING_OUT = """(width) => {
  const fits = (box) => box.right <= width + 0.5;
  const holder = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return a;
    }
    return null;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || fits(box)) continue;
    const h = holder(el);
    if (h && fits(h.getBoundingClientRect())) continue;
    out.push(`${name(el)} reaches ${Math.round(box.right)}px`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, out: out.slice(0, 6)};
}"""


def _get_endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}


@pytest.fixture()
def demo_world(app, factories, billing, mailbox):  # noqa: F811
    """The demo publication and account, plus one of everything a page can show."""
    from saas.accounts import users
    from saas.accounts.models import User
    from saas.api import keys as api_keys
    from saas.audience import reader_auth, reader_links, subscribers, topics
    from saas.audience.models import PENDING, Subscriber, SubscriberImport
    from saas.billing.models import PlanSubscription
    from saas.billing.paid import reader_access
    from saas.core.model_base import utcnow
    from saas.core.tenancy import bound_to
    from saas.delivery import saved_segments, segments, sending, sending_domains
    from saas.delivery.domain_checks import DKIM, DMARC, MISSING, OK, RETURN_PATH, WRONG, Check
    from saas.delivery.models import Send
    from saas.ops.console import set_operator
    from saas.publishing import team
    from saas.publishing.models import Issue, Publication
    from saas.publishing.offerings.models import Offering
    from saas.replies.models import Reply
    from saas.site import demo
    from saas.support.models import SupportRequest

    with app.app_context():
        demo.seed_demo()
        set_operator(demo.DEMO_EMAIL, True)
        pub = db.session.scalar(select(Publication).where(Publication.slug == demo.DEMO_SLUG))
        db.session.expunge(pub)
    billing.connect(pub)
    tier = billing.tier(pub, "Supporter", monthly=500, yearly=5000)
    # A webhook endpoint with a delivery in its log, at a long address.
    from tests.webhook_helpers import endpoint_with_delivery

    endpoint_id, delivery_id = endpoint_with_delivery(
        app, pub, "https://hooks.zapier.example.com/hooks/catch/1234567/abcdefghij/"
    )
    with app.app_context(), bound_to(pub.id):
        from saas.webhooks import booking_links

        booking_links.save_link(
            db.session.get(Publication, pub.id), "calcom", "https://cal.com/demo/intro-call"
        )
    newcomer = factories.user(email="newcomer@example.com", email_confirmed=False)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        owner = db.session.scalar(select(User).where(User.email == demo.DEMO_EMAIL))
        issue = db.session.scalar(select(Issue).where(Issue.number == 1))
        sending.send_now(publication, issue)
        pending = Subscriber(
            publication_id=pub.id, email="pending@example.org", status=PENDING, source="form"
        )
        upload = SubscriberImport(
            publication_id=pub.id, filename="readers.csv", content=b"email\na@example.com\n"
        )
        db.session.add_all([pending, upload])
        db.session.commit()
        invitation = team.invite_editor(publication, owner, "editor@example.org")
        api_keys.create_key(publication, "Calendar sync", ["subscribers:read", "issues:read"])
        # On Pro, a sending domain mid-rotation whose last check found each kind of state.
        db.session.add(
            PlanSubscription(
                user_id=owner.id,
                stripe_subscription_id="sub_demo_pro",
                stripe_customer_id="cus_demo",
                plan="pro",
                status="active",
                current_period_end=utcnow() + timedelta(days=30),
                stripe_created=utcnow(),
            )
        )
        db.session.commit()
        domain = sending_domains.set_up(publication, "maya@letters.attunement.com")
        rotation = sending_domains.start_rotation(publication)
        [active, _] = sending_domains.keys(domain)
        sending_domains.apply_checks(
            publication,
            domain,
            [
                Check(
                    DKIM, OK, f"The key at {active.selector}._domainkey matches.", active.selector
                ),
                Check(DKIM, MISSING, "There is no TXT record there yet.", rotation.selector),
                Check(RETURN_PATH, WRONG, "The CNAME points at mail.elsewhere.example."),
                Check(DMARC, MISSING, "There is no DMARC record at _dmarc.attunement.com."),
            ],
        )
        # The platform-wide list has entries, and complaints have paused the demo's sends.
        from saas.delivery import suppression
        from saas.delivery.bounce_models import SendingHold

        for address in suppression.ROLE_LOCAL_PARTS:
            suppression.add(address, suppression.ROLE, "role address")
        suppression.add("complainer@example.net", suppression.COMPLAINT, "complaint to demo")
        db.session.add(SendingHold(publication_id=pub.id, reason="4 complaints on 900 messages"))
        db.session.commit()
        reader = db.session.scalar(select(Subscriber).where(Subscriber.email.like("june%")))
        # Back issues imported from Ghost: the report lists a skipped post with a long title.
        from saas.publishing.back_issues import run as back_issues

        back_import = back_issues.store_export(
            publication,
            "ghost-export-2026-11-30-a-very-long-file-name-from-the-old-platform.json",
            GHOST_EXPORT,
            fetch_images=False,
        )
        back_issues.queue_import(publication, back_import)
        back_import_id = back_import.id
        # Topics, so the preference page, the subscribe form and Settings > Topics list some.
        topics.add_topic(publication, "Retreats and workshops", "Dates of the next gatherings")
        topics.add_topic(publication, "Seasonal recipes")
        # A saved segment, so the send form shows its saved-segment controls.
        saved_segments.save(publication, "Paying readers", segments.Segment(paid="paid"))
        values = {
            "pub_slug": pub.slug,
            "issue_id": issue.id,
            "issue_slug": issue.slug,
            "subscriber_id": reader.id,
            "reply_id": db.session.scalar(select(Reply.id)),
            "request_id": db.session.scalar(select(SupportRequest.id)),
            "import_id": upload.id,
            "send_id": db.session.scalar(select(Send.id)),
            "tier_id": tier.id,
            "endpoint_id": endpoint_id,
            "delivery_id": delivery_id,
            "back_import_id": back_import_id,
            "offering_id": db.session.scalar(select(Offering.id)),
            "direction": "up",
        }
        tokens = {
            "public.audience.confirm_subscription": subscribers.confirm_url(publication, pending),
            "public.audience.unsubscribe": reader_links.unsubscribe_token(pub.id, reader.id),
            "public.audience.preferences": reader_links.preferences_token(pub.id, reader.id),
            "public.billing.paid_access": reader_access.access_url(publication, reader.id),
            "invitations.accept_invitation": make_token(
                team.INVITE_PURPOSE, {"iid": invitation.id, "email": invitation.email}
            ),
            "auth.confirm_account": make_token(users.SIGNUP_PURPOSE, {"uid": newcomer.id}),
            "auth.reset_password": make_token(
                users.RESET_PURPOSE,
                {"uid": owner.id, "fp": users._fingerprint(owner)},  # noqa: SLF001
            ),
        }
        reader_auth.send_link(publication, reader.email, issue)
    drain_jobs(app)
    tokens["public.audience.reader_sign_in"] = mailbox.last_link(reader.email, "/reader/sign-in/")
    for endpoint, token in tokens.items():
        tokens[endpoint] = token.rsplit("/", 1)[-1]
    return values, tokens


def _urls(app, values: dict, tokens: dict, practitioner: bool) -> list[tuple[str, str]]:
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            endpoint = rule.endpoint
            if "GET" not in rule.methods or endpoint in SKIPPED:
                continue
            mine = endpoint.startswith(PRACTITIONER_PREFIXES)
            if mine != practitioner and endpoint not in READER_ALSO:
                continue
            args = {name: values.get(name) for name in rule.arguments}
            if "token" in rule.arguments:
                args["token"] = tokens.get(endpoint, "not-a-valid-token")
            missing = [name for name, value in args.items() if value is None]
            assert not missing, f"{rule.rule}: no value for {missing}"
            urls.append((endpoint, url_for(endpoint, **args)))
    return urls


def _check(page, url: str, problems: list[str]) -> None:
    page.goto(url)
    if not page.url.startswith(url.split("/", 3)[:3] and "/".join(url.split("/", 3)[:3])):
        return  # left the app (Stripe's stand-in onboarding): not our page to lay out
    found = page.evaluate(STICKING_OUT, page.viewport_size["width"])
    if found["scrollWidth"] > found["width"] or found["out"]:
        problems.append(f"{url}: {found['scrollWidth']}px wide; {found['out']}")
    for violation in audit(page):
        problems.append(f"{url}: axe {violation['id']} on {violation['nodes']}")


def test_every_page_is_listed(app):
    visited = {e for e in _get_endpoints(app) if e not in SKIPPED}
    assert visited, "no pages"
    assert set(SKIPPED) <= _get_endpoints(app), set(SKIPPED) - _get_endpoints(app)


def test_every_page_fits_a_phone_signed_in_and_out(app, live_server, new_context, demo_world):
    from saas.site import demo

    values, tokens = demo_world
    problems: list[str] = []
    practitioner = new_context("phone").new_page()
    practitioner.goto(f"{live_server}/login")
    practitioner.get_by_label("Email").fill(demo.DEMO_EMAIL)
    practitioner.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    practitioner.get_by_role("button", name="Sign in").click()
    practitioner.wait_for_url(f"{live_server}/dashboard/**")
    signed_in = _urls(app, values, tokens, practitioner=True)
    for _endpoint, path in signed_in:
        _check(practitioner, live_server + path, problems)

    reader = new_context("phone").new_page()
    signed_out = _urls(app, values, tokens, practitioner=False)
    for _endpoint, path in signed_out:
        _check(reader, live_server + path, problems)

    covered = {endpoint for endpoint, _ in signed_in + signed_out}
    assert covered | set(SKIPPED) == _get_endpoints(app)
    assert not problems, "\n".join(problems)
