"""Walk every route in app.url_map as a practitioner of another publication: expect 404.

New routes are covered automatically. A route without `<pub_slug>` must be listed in
PLATFORM_ENDPOINTS (it belongs to no tenant), and a route argument the walk does not know
how to fill fails the test, so nobody can add an unscoped route silently. API routes
(`/api/...`, whose tenant is the caller's key) are walked with another publication's key,
holding every scope: Alpha's ids answer 404 or 403, never Alpha's data.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.audience.reader_links import unsubscribe_url
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Invitation, Membership
from tests.conftest import csrf_token, drain_jobs, login

# Routes outside any publication: reviewed by hand, each is tenant-free by design.
PLATFORM_ENDPOINTS = {
    "static",
    "health.healthz",
    "health.readyz",
    "site.landing",
    "site.outbox",
    "site.outbox_message",
    "auth.signup",
    "auth.confirm_account",
    "auth.login",
    "auth.logout",
    "auth.forgot_password",
    "auth.reset_password",
    "invitations.accept_invitation",
    "auth.verify_login",
    "auth.security",
    "auth.end_all_sessions",
    "ops.tenants",
    "ops.suspend",
    "ops.unsuspend",
    "ops.lift_hold",
    "ops.suppressions",
    "ops.add_suppression",
    "ops.remove_suppression",
    "ops.queues",
    "ops.retry_job",
    "ops.delete_job",
    "ops.audit",
    "ops.payments",
    "dashboard.publishing.home",
    "dashboard.publishing.new_publication",
    # Billing: the account's own plan (scoped to the signed-in user) and Stripe's webhook.
    "billing.plan",
    "billing.checkout",
    "billing.portal",
    "billing.checkout_return",
    "billing.release_waiting",
    "billing.webhook",
    "inbound.email",
    # Booking providers post here; the unguessable token names the publication's link.
    "booking_hooks.receive_booking",
    # Stored images by their content-hash key: public files, like those an email links to.
    "media.file",
    # The TLS proxy asks whether a host may get a certificate: it names a domain, not a tenant.
    "tls.ask",
}

# Alpha's back issues come from Ghost: the old post's address is /alpha-old-post/.
ALPHA_GHOST_EXPORT = (
    b'{"db": [{"data": {"posts": [{"id": "a1", "title": "Alpha old post", '
    b'"slug": "alpha-old-post", "status": "published", '
    b'"published_at": "2021-03-04T10:00:00.000Z", "html": "<p>Alpha words</p>"}]}}]}'
)

# The API's own documentation: the same for everyone, no key needed.
API_DOCUMENTATION = {"api.docs.openapi_json", "api.docs.reference_page"}
# Bodies for API calls, valid in every way but whose ids are Alpha's (filled in by the walk).
API_BODIES = {
    "api.subscribers.create_subscriber": lambda ids: {
        "email": "walker@bravo.example",
        "consent_note": "Asked at a talk",
        "imported_with_consent": True,
    },
    "api.subscribers.tag_subscriber": lambda ids: {"names": ["walked"]},
    "api.issues.create_issue": lambda ids: {"title": "Walked draft"},
    "api.sends.create_send": lambda ids: {"issue_id": ids["issue_id"]},
    "api.support.move_support_request": lambda ids: {"stage": "closed"},
}


@pytest.fixture()
def two_tenants(app, factories, mailbox, client):
    owner_a = factories.user(email="a@example.com", name="Alice")
    pub_a = factories.publication(owner=owner_a, slug="alpha", name="Alpha Letters")
    issue_a = factories.issue(pub_a, title="Alpha secret title", slug="alpha-only", publish=True)
    draft_a = factories.issue(pub_a, title="Alpha draft", slug="alpha-draft")
    owner_b = factories.user(email="b@example.com", name="Bob")
    pub_b = factories.publication(owner=owner_b, slug="bravo", name="Bravo Letters")
    factories.issue(pub_b, title="Bravo issue", publish=True)
    # Alpha has an editor and a pending invitation, so their ids exist to be guessed.
    with app.app_context():
        from saas.accounts.models import User
        from saas.publishing import team

        team.invite_editor(
            db.session.get(type(pub_a), pub_a.id), db.session.get(User, owner_a.id), "x@example.com"
        )
        invitation_id = db.session.scalar(select(Invitation.id))
        membership_id = db.session.scalar(
            select(Membership.id).where(Membership.publication_id == pub_a.id)
        )
    reader_a = factories.subscriber(pub_a, email="reader@alpha.example", name="Alpha Reader")
    with app.app_context(), bound_to(pub_a.id):
        from saas.audience import subscribers, tags

        alpha_pub = db.session.get(type(pub_a), pub_a.id)
        alpha_reader = db.session.get(type(reader_a), reader_a.id)
        tags.add_tags(alpha_pub, alpha_reader, ["alpha-tag"])
        tag_id = alpha_reader.tags[0].id
        confirm_token = subscribers.confirm_url(alpha_pub, alpha_reader).rsplit("/", 1)[1]
        unsubscribe_token = unsubscribe_url(alpha_pub, alpha_reader.id).rsplit("/", 1)[1]
        from saas.audience import topics
        from saas.audience.reader_links import preferences_token

        # Alpha offers a topic, and its reader holds a preference link.
        topic_id = topics.add_topic(alpha_pub, "Alpha topic").id
        alpha_preferences = preferences_token(pub_a.id, alpha_reader.id)
        from saas.audience.imports import uploads as imports

        import_id = imports.start_import(
            alpha_pub, "alpha.csv", b"email\nimported@alpha.example\n"
        ).id
    with app.app_context(), bound_to(pub_a.id):
        from datetime import timedelta

        from saas.core.model_base import utcnow
        from saas.delivery import sending

        # Alpha's issue is scheduled to go out tomorrow, so its send id exists to be guessed.
        send_id = sending.schedule_send(
            db.session.get(type(pub_a), pub_a.id),
            db.session.get(type(issue_a), issue_a.id),
            utcnow() + timedelta(days=1),
        ).id
    support_request_a = factories.support_request(pub_a, name="Alpha Asker")
    # Alpha's reader replied (its id exists to be guessed) and holds a sign-in link.
    reply_a = factories.reply(pub_a, issue_a, reader_a, "Alpha reply")
    with app.app_context():
        from saas.audience import reader_auth
        from saas.core.tokens import make_token

        reader_token = make_token(
            reader_auth.PURPOSE, {"p": pub_a.id, "s": reader_a.id, "n": "walk", "i": issue_a.id}
        )
    # Alpha sells a paid tier, and its reader holds a paid-access link.
    tier_a = factories.paid_tier(pub_a, "Alpha tier")
    with app.app_context():
        from saas.billing.paid.reader_access import access_url

        paid_access_token = access_url(pub_a, reader_a.id).rsplit("/", 1)[1]
    # Alpha has an API key, so its id exists to be guessed.
    with app.app_context(), bound_to(pub_a.id):
        from saas.api import keys as api_keys

        key_id = api_keys.create_key(
            db.session.get(type(pub_a), pub_a.id), "Alpha sync", ["subscribers:read"]
        ).row.id
    # Alpha uploaded an image, so its id exists to be guessed.
    with app.app_context(), bound_to(pub_a.id):
        from saas.publishing.images import uploads as image_uploads
        from tests.publishing.image_files import photo

        image_id = image_uploads.store_image(
            db.session.get(type(pub_a), pub_a.id), photo(), "alpha.jpg"
        ).id
    # Alpha posts webhooks: an endpoint and a delivery exist to be guessed.
    from tests.webhook_helpers import endpoint_with_delivery

    endpoint_id, delivery_id = endpoint_with_delivery(app, pub_a, "https://alpha.example/hook")
    # Alpha imported back issues: the import's id and an old post's address exist to be guessed.
    with app.app_context(), bound_to(pub_a.id):
        from saas.publishing.back_issues import run as back_issues

        alpha_pub = db.session.get(type(pub_a), pub_a.id)
        back_import_id = back_issues.store_export(
            alpha_pub, "alpha.json", ALPHA_GHOST_EXPORT, fetch_images=False
        ).id
        back_issues.queue_import(alpha_pub, back_issues.get_import(alpha_pub, back_import_id))
    # Alpha lists an offering: its id exists to be guessed.
    with app.app_context(), bound_to(pub_a.id):
        from saas.publishing.offerings import catalogue as offerings

        offering_id = offerings.add(
            db.session.get(type(pub_a), pub_a.id),
            offerings.OfferingFields("Alpha sessions", "", "Ask", "support"),
        ).id
    drain_jobs(app)
    # A value per argument, or per endpoint where one argument means different things.
    alpha_values = {
        "issue_id": issue_a.id,
        "issue_slug": issue_a.slug,
        "membership_id": membership_id,
        "invitation_id": invitation_id,
        "subscriber_id": reader_a.id,
        "tag_id": tag_id,
        "request_id": support_request_a.id,
        "import_id": import_id,
        "send_id": send_id,
        "reply_id": reply_a.id,
        "tier_id": tier_a.id,
        "image_id": image_id,
        "endpoint_id": endpoint_id,
        "delivery_id": delivery_id,
        "key_id": key_id,
        "back_import_id": back_import_id,
        "offering_id": offering_id,
        "direction": "up",
        "old_slug": "alpha-old-post",
        "year": 2021,
        "month": 3,
        "day": 4,
        "topic_id": topic_id,
        "token": {
            "public.audience.confirm_subscription": confirm_token,
            "public.audience.unsubscribe": unsubscribe_token,
            "public.audience.preferences": alpha_preferences,
            "public.audience.reader_sign_in": reader_token,
            "public.billing.paid_access": paid_access_token,
        },
    }
    login(client, "b@example.com")
    return pub_a, pub_b, alpha_values, draft_a


def _request(client, method: str, url: str, token: str):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": token})


def _bravo_api_key(app, pub_b) -> str:
    """A key of Bravo's with every scope, support requests included."""
    from saas.api import keys as api_keys
    from saas.api import scopes

    with app.app_context(), bound_to(pub_b.id):
        return api_keys.create_key(
            db.session.get(type(pub_b), pub_b.id),
            "Bravo walker",
            list(scopes.ALL),
            support_when_confidential=True,
        ).secret


def _walk_api_rule(app, rule, alpha_values: dict, key: str) -> int:
    """Call one API route with Bravo's key and Alpha's ids; return how many calls were made."""
    object_args = set(rule.arguments)
    unknown = object_args - alpha_values.keys()
    assert not unknown, f"{rule.rule}: teach the walk how to fill {unknown}"
    values = {name: alpha_values[name] for name in object_args}
    with app.test_request_context():
        url = app.url_for(rule.endpoint, **values)
    api = app.test_client()  # no session: the key alone speaks
    checked = 0
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        body = API_BODIES.get(rule.endpoint)
        response = api.open(
            url,
            method=method,
            headers={"Authorization": f"Bearer {key}"},
            json=body(alpha_values) if body else None,
        )
        assert b"Alpha" not in response.data and b"alpha" not in response.data, (
            f"{method} {url} shows Alpha's data"
        )
        if object_args or rule.endpoint == "api.sends.create_send":
            assert response.status_code in (403, 404, 422), (
                f"{method} {url} -> {response.status_code}"
            )
        else:
            assert response.status_code in (200, 201), f"{method} {url} -> {response.status_code}"
        checked += 1
    return checked


def walk_every_route_as_another_tenant(app, client, two_tenants) -> int:
    """Request every route with Alpha's ids as Bravo's owner; return how many were checked."""
    pub_a, pub_b, alpha_values, _ = two_tenants
    token = csrf_token(client, "/dashboard/new")
    bravo_key = _bravo_api_key(app, pub_b)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            if rule.endpoint not in API_DOCUMENTATION:
                checked += _walk_api_rule(app, rule, alpha_values, bravo_key)
            continue
        if "pub_slug" not in rule.arguments:
            assert rule.endpoint in PLATFORM_ENDPOINTS, (
                f"{rule.rule} has no <pub_slug>: scope it or list it in PLATFORM_ENDPOINTS"
            )
            continue
        object_args = rule.arguments - {"pub_slug"}
        unknown = object_args - alpha_values.keys()
        assert not unknown, f"{rule.rule}: teach the walk how to fill {unknown}"
        values = {}
        for name in object_args:
            value = alpha_values[name]
            if isinstance(value, dict):
                assert rule.endpoint in value, f"{rule.rule}: add a {name} for {rule.endpoint}"
                value = value[rule.endpoint]
            values[name] = value
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint.startswith("dashboard."):
                # Alpha's dashboard, as Bravo's owner: nothing there.
                with app.test_request_context():
                    url = app.url_for(rule.endpoint, pub_slug=pub_a.slug, **values)
                response = _request(client, method, url, token)
                assert response.status_code == 404, f"{method} {url} -> {response.status_code}"
                checked += 1
            # Alpha's objects through Bravo's own slug: never found.
            if object_args:
                with app.test_request_context():
                    url = app.url_for(rule.endpoint, pub_slug=pub_b.slug, **values)
                response = _request(client, method, url, token)
                assert response.status_code == 404, f"{method} {url} -> {response.status_code}"
                checked += 1
            elif rule.endpoint.startswith("public."):
                with app.test_request_context():
                    url = app.url_for(rule.endpoint, pub_slug=pub_b.slug)
                response = _request(client, method, url, token)
                assert b"Alpha" not in response.data, f"{url} shows Alpha content"
                checked += 1
    return checked


def test_every_route_is_scoped_to_its_publication(app, client, two_tenants):
    assert walk_every_route_as_another_tenant(app, client, two_tenants) >= 20


def test_anonymous_reader_cannot_see_drafts_or_dashboards(app, two_tenants):
    pub_a, _, alpha_values, draft_a = two_tenants
    anonymous = app.test_client()
    assert anonymous.get(f"/p/{pub_a.slug}/issues/{draft_a.slug}").status_code == 404
    response = anonymous.get(f"/dashboard/{pub_a.slug}/issues")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_tenant_scoping_refuses_unbound_queries(app, two_tenants):
    from saas.core.tenancy import TenancyError, bound_to, cross_tenant
    from saas.publishing.models import Issue

    pub_a, pub_b, _, _ = two_tenants
    with app.app_context():
        with pytest.raises(TenancyError):
            db.session.scalars(select(Issue)).all()
        with bound_to(pub_b.id):
            titles = {i.title for i in db.session.scalars(select(Issue))}
            assert titles == {"Bravo issue"}
            # Even an explicit filter on another tenant finds nothing.
            assert (
                db.session.scalars(select(Issue).where(Issue.publication_id == pub_a.id)).all()
                == []
            )
            # Writing a row into another tenant is refused.
            db.session.add(Issue(publication_id=pub_a.id, title="x", slug="x"))
            with pytest.raises(TenancyError):
                db.session.flush()
            db.session.rollback()
        with cross_tenant():
            # Alpha's two, its imported back issue, and Bravo's.
            assert len(db.session.scalars(select(Issue)).all()) == 4
