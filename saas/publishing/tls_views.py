"""`GET /tls/ask?domain=<host>`: may the proxy get a TLS certificate for this host now?

Caddy's on-demand TLS asks before it requests a certificate for a host it has none for;
only a 200 lets it go ahead. Tend answers 200 for a custom domain that is verified and served
now (its owner's plan includes custom domains; the daily re-check has not stopped it), and
404 for anything else, so nobody can make the proxy fetch certificates for names of their
choosing. Rate-limited per asking address, on top of Caddy's own limits.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from saas.core.extensions import limiter

tls_bp = Blueprint("tls", __name__)
MAX_HOST = 253


def _served(host: str) -> bool:
    """The tenancy middleware's answer (verified, and the plan serves it), cached briefly."""
    return current_app.extensions["custom_domains"].serves_host(host)


@tls_bp.route("/tls/ask")
@limiter.limit("60 per minute")
def ask():
    """200 when a certificate may be issued for `domain`, else 404 (400: no usable name)."""
    host = (request.args.get("domain") or "").strip().lower().rstrip(".")
    if not host or len(host) > MAX_HOST or not host.isascii():
        abort(400)
    if host in current_app.config["PLATFORM_HOSTS"] or not _served(host):
        abort(404)
    return "", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
