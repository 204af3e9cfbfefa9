"""Issues keep everything readers are shown of their body, rendered once when saved.

`issues.preview_html` (the free part above a paywall break, "" without one), `body_text` and
`preview_text` (the visible words of each, for excerpts, descriptions and feeds) join
`body_html`, so no page or feed renders Markdown or sanitises HTML per request.

The upgrade fills them for every existing issue with the app's renderer,
`saas.publishing.rendering.render_body` (a module of pure functions: it needs no app, no
configuration and no database). On PostgreSQL the row pass turns on `app.cross_tenant` for
this transaction only, so row-level security lets it see every row.

Revision ID: 0019_rendered_issues
Revises: 0018_dashboard_scale
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_rendered_issues"
down_revision = "0018_dashboard_scale"
branch_labels = None
depends_on = None

BATCH = 200
COLUMNS = ("preview_html", "body_text", "preview_text")


def _render_existing(bind) -> None:
    from saas.publishing.rendering import render_body

    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("SELECT set_config('app.cross_tenant', 'on', true)"))
    issues = sa.table(
        "issues",
        sa.column("id", sa.Integer),
        sa.column("body_markdown", sa.Text),
        *(sa.column(name, sa.Text) for name in ("body_html", *COLUMNS)),
    )
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(issues.c.id, issues.c.body_markdown)
            .where(issues.c.id > last_id)
            .order_by(issues.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, markdown in rows:
            rendered = render_body(markdown or "")
            bind.execute(
                sa.update(issues)
                .where(issues.c.id == row_id)
                .values(
                    body_html=rendered.html,
                    preview_html=rendered.preview_html,
                    body_text=rendered.text,
                    preview_text=rendered.preview_text,
                )
            )
        last_id = rows[-1][0]


def upgrade():
    for name in COLUMNS:
        op.add_column("issues", sa.Column(name, sa.Text(), nullable=False, server_default=""))
    _render_existing(op.get_bind())


def downgrade():
    # Not batch mode: rebuilding `issues` on SQLite would fire the cascades of the tables
    # that refer to it. SQLite (3.35+) and PostgreSQL both drop a column in place.
    for name in reversed(COLUMNS):
        op.execute(f"ALTER TABLE issues DROP COLUMN {name}")
