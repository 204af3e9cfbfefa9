"""Friendly error pages: every failure a reader or practitioner can cause is a 4xx page.

Under /api/ every error is a problem+json object instead (saas.core.problems), a refused
rate limit included (429 with Retry-After).

A database that cannot be reached is a 503 with Retry-After and a page that reads nothing
from the database, not a 500 (the public page cache serves a stale copy first when it has
one: saas.core.page_cache).
"""

from __future__ import annotations

import time
from http import HTTPStatus

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError
from werkzeug.exceptions import HTTPException

from saas.core import problems
from saas.core.extensions import db, limiter

# Seconds a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 30

MESSAGES = {
    400: ("Something in that request was off", "Please go back and try again."),
    403: ("Not yours to change", "Only the publication's owner can do that."),
    404: ("Page not found", "The page you asked for does not exist or is no longer here."),
    405: ("Not allowed", "That page does not take this kind of request."),
    413: ("Too large", "That was more than we accept in one go. Try something smaller."),
    429: ("Slow down a little", "Too many attempts in a short time. Wait a minute, then retry."),
}


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/")


def _render(status: int, title: str, detail: str, error: HTTPException | None = None):
    if problems.is_api_request():
        return _api_problem(status, title, detail, error)
    if _wants_json():
        return jsonify(error=title, detail=detail), status
    template = (
        "publishing/error.html"
        if g.get("publication") and "public" in request.blueprints
        else ("error.html")
    )
    return render_template(
        template, status=status, title=title, detail=detail, publication=g.get("publication")
    ), status


def init_app(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        return _render(400, "This form has expired", "Reload the page and submit the form again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        title, detail = MESSAGES.get(error.code or 500, (error.name, error.description or ""))
        return _render(error.code or 500, title, detail, error)

    @app.errorhandler(DisconnectionError)
    @app.errorhandler(DBAPIError)
    def database_unreachable(error: Exception):
        if isinstance(error, DBAPIError) and not _is_connection_problem(error):
            raise error
        return _unavailable()

    @app.errorhandler(500)
    def server_error(error):
        return _render(
            500, "Something went wrong on our side", "It has been logged. Please try again."
        )


def _api_problem(status: int, title: str, detail: str, error: HTTPException | None):
    """An API call's error as problem+json; a refused rate limit says when to come back."""
    if error is None:
        return problems.problem_response(status, title, detail)
    if status == 429 and not isinstance(error, problems.Problem):
        return problems.problem_response(
            429,
            "Too many requests",
            "This API key has made more requests than its rate limit allows. "
            "Wait for the number of seconds in Retry-After, then retry.",
            kind=problems.RATE_LIMITED,
            headers={"Retry-After": str(_seconds_until_reset())},
        )
    # The page wording ("Page not found") is for people; API clients get HTTP's own words.
    return problems.from_http_error(error, HTTPStatus(status).phrase, error.description or detail)


def _seconds_until_reset() -> int:
    """Seconds until the limit this request broke lets requests through again."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()) + 1)


def _is_connection_problem(error: DBAPIError) -> bool:
    """Whether a database error means the server is unreachable (not a bad statement)."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    return error.connection_invalidated or isinstance(error, (OperationalError, InterfaceError))


def _unavailable():
    """503 with Retry-After, rendered from a page that reads nothing from the database."""
    current_app.logger.warning("database unreachable: answering 503 for %s", request.path)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is discarded at teardown
        current_app.logger.debug("rollback after a lost connection failed", exc_info=True)
    if problems.is_api_request():
        response = problems.problem_response(503, "Unavailable", "Try again in a minute.")
    elif _wants_json():
        response = jsonify(error="Unavailable", detail="Try again in a minute.")
    else:
        # Straight from the environment: request context processors may read the database.
        page = current_app.jinja_env.get_template("unavailable.html").render()
        response = current_app.make_response(page)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
