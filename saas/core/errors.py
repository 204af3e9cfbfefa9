"""Friendly error pages: every failure a reader or practitioner can cause is a 4xx page."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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


def _render(status: int, title: str, detail: str):
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
        return _render(error.code or 500, title, detail)

    @app.errorhandler(500)
    def server_error(error):
        return _render(
            500, "Something went wrong on our side", "It has been logged. Please try again."
        )
