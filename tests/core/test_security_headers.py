"""Security headers on every route; production cookie and transport settings."""

from __future__ import annotations

from werkzeug.routing.converters import AnyConverter, NumberConverter

from saas import create_app


def _simple_url(app, rule) -> str | None:
    values = {}
    converters = rule._converters  # noqa: SLF001  (what each argument must look like)
    for arg in rule.arguments:
        converter = converters.get(arg)
        if arg == "filename":
            values[arg] = "css/tend.css"
        elif isinstance(converter, AnyConverter):
            values[arg] = sorted(converter.items)[0]
        elif arg.endswith("_id") or isinstance(converter, NumberConverter):
            values[arg] = 1
        else:
            values[arg] = "x"
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values)


def test_every_route_answers_with_security_headers(app, client, factories):
    factories.publication(slug="x")
    for rule in app.url_map.iter_rules():
        url = _simple_url(app, rule)
        response = client.get(url) if "GET" in rule.methods else client.post(url)
        headers = response.headers
        assert "Content-Security-Policy" in headers, url
        csp = headers["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp
            and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        ), url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        # Pages carrying one-time tokens in their URL send no referrer at all.
        assert headers["Referrer-Policy"] in {"strict-origin-when-cross-origin", "no-referrer"}, url
        if "frame-ancestors *" not in csp:
            assert "frame-ancestors 'none'" in csp, url
            assert headers["X-Frame-Options"] == "DENY", url


def test_no_inline_scripts_in_templates():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "templates"
    for path in root.rglob("*.html"):
        for tag in re.findall(r"<script[^>]*>", path.read_text()):
            assert "src=" in tag, f"{path}: inline <script> breaks the CSP"
        assert not re.search(r"\son[a-z]+=\"", path.read_text()), f"{path}: inline event handler"


def test_production_cookies_and_hsts(monkeypatch, app):
    monkeypatch.setenv("TEND_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    # The limiter is one object for every app in this process: keep it off Redis here.
    monkeypatch.delenv("REDIS_URL", raising=False)
    from cryptography.fernet import Fernet

    monkeypatch.setenv("SUPPORT_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    prod = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )
    assert prod.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["REMEMBER_COOKIE_SECURE"]
    response = prod.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("__Host-tend_session=") and "Secure" in cookie and "HttpOnly" in cookie


def test_oversized_requests_are_refused_cleanly(client):
    response = client.post("/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
