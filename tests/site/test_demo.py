"""`flask demo` gives a newcomer a live site at once, and re-running it duplicates nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.tenancy import cross_tenant
from saas.models import Issue, Membership, Publication, User
from tests.conftest import login


def _counts(app) -> tuple[int, ...]:
    with app.app_context(), cross_tenant():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Publication, Membership, Issue)
        )


def test_demo_creates_a_live_site_and_can_run_twice(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "demo@tend.localhost" in first.output and "Password:" in first.output
    counts = _counts(app)
    assert counts[0] == 1 and counts[1] == 1 and counts[3] >= 4
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert _counts(app) == counts

    home = client.get("/p/steady-ground/")
    assert home.status_code == 200 and "Steady Ground" in home.get_data(as_text=True)
    assert "Issue 3" in home.get_data(as_text=True)
    login(client, "demo@tend.localhost", "tend-demo-password")
    issues = client.get("/dashboard/steady-ground/issues").get_data(as_text=True)
    assert "draft" in issues and "published" in issues
