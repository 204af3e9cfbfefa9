"""docs/api-quickstart.md's curl commands, run as written against a live server.

The server (conftest's `live_server`) runs in a thread of the test process on a loopback
port; the quickstart's ```sh blocks run in one bash session (so ids captured by one block
reach the next), with the address and a fresh key in TEND_URL and TEND_API_KEY instead of
the block that sets them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import select

from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.queue import is_embedded
from saas.core.tenancy import bound_to
from saas.delivery.models import Send
from saas.publishing.models import Issue
from tests.api.conftest import make_key

QUICKSTART = Path(__file__).resolve().parents[2] / "docs" / "api-quickstart.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
MARK = "=== quickstart block {} ==="


def _blocks() -> tuple[str, list[str]]:
    blocks = BLOCK.findall(QUICKSTART.read_text())
    setup = [b for b in blocks if "export TEND_" in b]
    assert len(setup) == 1 and set(re.findall(r"export (\w+)=", setup[0])) == {
        "TEND_URL",
        "TEND_API_KEY",
    }
    return setup[0], [b for b in blocks if b is not setup[0]]


def test_every_curl_example_works_as_written(app, factories, live_server, mailbox):
    for tool in ("bash", "curl", "jq"):
        assert shutil.which(tool), f"{tool} is needed to run the quickstart"
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="calm", name="Calm Letters")
    factories.subscriber(pub, email="ada@example.org", name="Ada")
    key = make_key(app, pub).secret
    _, blocks = _blocks()
    script = "set -euo pipefail\n" + "".join(
        f"echo '{MARK.format(n)}'\n{block}" for n, block in enumerate(blocks)
    )
    result = subprocess.run(
        ["bash", "-c", script],
        env={**os.environ, "TEND_URL": live_server, "TEND_API_KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    outputs = re.split(r"=== quickstart block \d+ ===\n", result.stdout)[1:]
    assert len(outputs) == len(blocks) >= 8

    added = next(o for o in outputs if o.startswith("Added subscriber "))
    subscriber_id = int(added.split()[2])
    assert '"Autumn retreat"' in outputs[outputs.index(added) + 1]
    assert outputs[-2].rstrip().endswith("204")
    problem = outputs[-1]
    assert '"status": 422' in problem and '"field": "email"' in problem
    assert '"field": "consent_note"' in problem

    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Subscriber, subscriber_id) is None  # erased at the end
        issue = db.session.scalar(select(Issue).where(Issue.title == "On slowing down"))
        assert issue.is_published
        assert db.session.scalar(select(Send.issue_id)) == issue.id
    sent = mailbox.messages("ada@example.org")
    assert [m["Subject"] for m in sent] == ["On slowing down"]
    confirm = mailbox.messages("june@example.org")
    with app.app_context():
        embedded = is_embedded()
    if embedded:
        # Jobs run as they are enqueued: her confirmation left before she was erased.
        assert len(confirm) == 1 and "confirm" in str(confirm[0]["Subject"]).lower()
    else:
        # On Redis her confirmation was still waiting when she was erased: erasure drops it.
        assert confirm == []
