"""The worker's one Flask app, created on first use (never at import time)."""

from __future__ import annotations

from flask import Flask

_app: Flask | None = None


def get_app() -> Flask:
    """Create the app once per worker process."""
    global _app
    if _app is None:
        from saas import create_app

        _app = create_app()
    return _app
