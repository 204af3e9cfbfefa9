"""Fixtures of the back-issue tests: a signed-in owner and the image server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import login
from tests.publishing.back_issues.image_server import ImageServer


@pytest.fixture()
def pub(factories, client):
    owner = factories.user(email="owner@example.com", name="Olive Owner")
    publication = factories.publication(owner=owner, slug="letters", name="Letters")
    login(client, "owner@example.com")
    return publication


@pytest.fixture()
def images(app, monkeypatch) -> Iterator[ImageServer]:
    """The image server on loopback, which outbound requests may reach in tests."""
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_LOOPBACK", True)
    server = ImageServer()
    yield server
    server.stop()
