"""The public page cache, driven through a tiny real WSGI app (no mocks)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable

import pytest
from werkzeug.test import Client

from saas.core.page_cache import PublicPageCache

ISSUE = "/p/steady/issues/first"


class Page:
    """A WSGI app counting its calls and answering with a numbered body."""

    def __init__(self, status: str = "200 OK", headers: list[tuple[str, str]] | None = None):
        self.status = status
        self.headers = headers or []
        self.calls = 0

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        self.calls += 1
        body = f"page {self.calls} for {environ['PATH_INFO']}".encode()
        start_response(
            self.status,
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("X-Request-ID", f"request-{self.calls:04d}"),
                *self.headers,
            ],
        )
        return [body]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(page: Page | None = None, seconds: int = 10, **options) -> tuple[Client, Page, Clock]:
    page = page or Page()
    clock = Clock()
    cache = PublicPageCache(page, {"PUBLIC_CACHE_SECONDS": seconds}, clock=clock, **options)
    return Client(cache, use_cookies=False), page, clock


def test_second_request_is_a_hit_with_the_same_body():
    client, page, _ = make()
    first = client.get(ISSUE)
    second = client.get(ISSUE)
    assert first.headers["X-Cache"] == "MISS"
    assert second.headers["X-Cache"] == "HIT"
    assert second.data == first.data == b"page 1 for /p/steady/issues/first"
    assert second.headers["Content-Type"] == "text/html; charset=utf-8"
    assert second.headers["Age"] == "0"
    assert page.calls == 1


def test_a_hit_gets_its_own_request_id():
    client, _, _ = make()
    client.get(ISSUE)
    hit = client.get(ISSUE)
    assert hit.headers.getlist("X-Request-ID") != ["request-0001"]
    assert len(hit.headers.getlist("X-Request-ID")) == 1
    echoed = client.get(ISSUE, headers={"X-Request-ID": "abcdef-123456"})
    assert echoed.headers["X-Request-ID"] == "abcdef-123456"


def test_requests_with_the_session_or_remember_cookie_bypass_the_cache():
    client, page, _ = make()
    client.get(ISSUE)
    for cookie in ("session=abc", "theme=dark; session=abc", "remember_token=1|x"):
        response = client.get(ISSUE, headers={"Cookie": cookie})
        assert "X-Cache" not in response.headers
    assert page.calls == 4
    # A cookie the app does not read does not make the reader someone.
    assert client.get(ISSUE, headers={"Cookie": "theme=dark"}).headers["X-Cache"] == "HIT"


def test_custom_session_cookie_name_is_respected():
    page = Page()
    cache = PublicPageCache(page, {"PUBLIC_CACHE_SECONDS": 10, "SESSION_COOKIE_NAME": "tend"})
    client = Client(cache, use_cookies=False)
    client.get(ISSUE)
    assert "X-Cache" not in client.get(ISSUE, headers={"Cookie": "tend=abc"}).headers
    assert client.get(ISSUE, headers={"Cookie": "session=abc"}).headers["X-Cache"] == "HIT"


def test_non_200_responses_are_not_cached():
    client, page, _ = make(Page("404 NOT FOUND"))
    assert client.get(ISSUE).status_code == 404
    assert client.get(ISSUE).headers["X-Cache"] == "MISS"
    assert page.calls == 2


@pytest.mark.parametrize(
    "header",
    [
        ("Set-Cookie", "session=abc; HttpOnly"),
        ("Cache-Control", "private, max-age=0"),
        ("Cache-Control", "no-store"),
        ("Vary", "Cookie, Accept-Language"),
    ],
)
def test_responses_that_must_not_be_shared_are_not_cached(header):
    client, page, _ = make(Page(headers=[header]))
    client.get(ISSUE)
    client.get(ISSUE)
    assert page.calls == 2


def test_vary_cookie_alone_is_cacheable():
    client, page, _ = make(Page(headers=[("Vary", "Cookie")]))
    client.get(ISSUE)
    assert client.get(ISSUE).headers["X-Cache"] == "HIT"
    assert page.calls == 1


def test_entries_expire_after_the_ttl():
    client, page, clock = make(seconds=10)
    client.get(ISSUE)
    clock.now += 9.5
    hit = client.get(ISSUE)
    assert hit.headers["X-Cache"] == "HIT"
    assert hit.headers["Age"] == "9"
    clock.now += 0.5
    expired = client.get(ISSUE)
    assert expired.headers["X-Cache"] == "MISS"
    assert expired.data == b"page 2 for /p/steady/issues/first"
    assert page.calls == 2


def test_zero_seconds_turns_the_cache_off():
    client, page, _ = make(seconds=0)
    first, second = client.get(ISSUE), client.get(ISSUE)
    assert "X-Cache" not in first.headers and "X-Cache" not in second.headers
    assert second.data == b"page 2 for /p/steady/issues/first"
    assert page.calls == 2


def test_ttl_is_read_live_from_config():
    page = Page()
    config = {"PUBLIC_CACHE_SECONDS": 10}
    client = Client(PublicPageCache(page, config), use_cookies=False)
    client.get(ISSUE)
    config["PUBLIC_CACHE_SECONDS"] = 0
    assert "X-Cache" not in client.get(ISSUE).headers
    assert page.calls == 2


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/steady/issues",
        "/p/steady/subscribe",
        "/p/steady/issues/first/edit",
        "/static/css/tend.css",
        "/p/steady/archive?page=2&x=1",
        "/p/steady/?page=2",
    ],
)
def test_only_public_pages_are_cached(path):
    client, page, _ = make()
    client.get(path)
    response = client.get(path)
    assert "X-Cache" not in response.headers
    assert page.calls == 2


def test_archive_pages_are_kept_apart():
    client, page, _ = make()
    for _ in range(2):
        assert client.get("/p/steady/archive?page=2").headers.get("X-Cache")
        client.get("/p/steady/archive?page=3")
        client.get("/p/steady/archive")
    assert page.calls == 3


def test_hosts_are_kept_apart():
    client, page, _ = make()
    client.get(ISSUE, headers={"Host": "letters.example.org"})
    other = client.get(ISSUE, headers={"Host": "127.0.0.1"})
    assert other.headers["X-Cache"] == "MISS"
    assert client.get(ISSUE, headers={"Host": "letters.example.org"}).headers["X-Cache"] == "HIT"
    assert page.calls == 2


def test_other_methods_pass_through():
    client, page, _ = make()
    client.post(ISSUE)
    client.post(ISSUE)
    assert page.calls == 2
    assert len(client.application) == 0


def test_head_is_served_from_an_entry_but_never_fills_one():
    client, page, _ = make()
    head = client.head(ISSUE)
    assert head.headers["X-Cache"] == "MISS"
    assert len(client.application) == 0
    client.get(ISSUE)
    head = client.head(ISSUE)
    assert head.headers["X-Cache"] == "HIT"
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len(b"page 2 for /p/steady/issues/first"))
    assert page.calls == 2


def test_least_recently_used_entries_are_evicted():
    client, page, _ = make(max_entries=2)
    client.get("/p/a/")
    client.get("/p/b/")
    client.get("/p/a/")  # a is now the most recently used
    client.get("/p/c/")  # evicts b
    assert len(client.application) == 2
    assert client.get("/p/a/").headers["X-Cache"] == "HIT"
    assert client.get("/p/b/").headers["X-Cache"] == "MISS"
    assert page.calls == 4


def test_size_budget_is_respected():
    client, _, _ = make(max_bytes=40, max_entry_bytes=40)
    client.get("/p/a/")
    client.get("/p/b/")
    client.get("/p/c/")
    assert len(client.application) == 2
    client.get("/p/a-very-long-slug-that-makes-the-body-too-large/")
    assert len(client.application) == 2


def test_app_wiring_and_config_defaults(monkeypatch, tmp_path):
    from saas import create_app
    from saas.core.config import load_config
    from saas.publishing.custom_domain_routing import CustomDomainMiddleware

    monkeypatch.delenv("PUBLIC_CACHE_SECONDS", raising=False)
    monkeypatch.delenv("TEND_ENV", raising=False)
    assert load_config()["PUBLIC_CACHE_SECONDS"] == 0
    monkeypatch.setenv("TEND_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("SUPPORT_ENCRYPTION_KEYS", base64.urlsafe_b64encode(b"f" * 32).decode())
    assert load_config()["PUBLIC_CACHE_SECONDS"] == 10
    monkeypatch.delenv("TEND_ENV")

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k" * 32}
    )
    # Domain -> Cache -> Flask: the cache sees paths after the custom-domain rewrite.
    assert isinstance(app.wsgi_app, CustomDomainMiddleware)
    assert isinstance(app.wsgi_app.wsgi_app, PublicPageCache)
    assert app.extensions["custom_domains"] is app.wsgi_app


def test_tracking_parameters_share_the_page_entry():
    # A link shared as ?utm_source=newsletter must not turn every visit into a cache miss.
    client, page, _ = make()
    client.get(ISSUE)
    for query in [
        "utm_source=newsletter&utm_medium=email",
        "fbclid=IwAR0abc",
        "gclid=xyz&utm_campaign=spring",
        "ref=twitter",
        "mc_cid=1&mc_eid=2",
    ]:
        response = client.get(f"{ISSUE}?{query}")
        assert response.headers.get("X-Cache") == "HIT", query
    assert page.calls == 1


def test_tracking_parameters_beside_a_page_number_keep_the_page_apart():
    client, page, _ = make()
    client.get("/p/steady/archive?page=2")
    assert client.get("/p/steady/archive?utm_source=x&page=2").headers["X-Cache"] == "HIT"
    assert client.get("/p/steady/archive?page=3&fbclid=1").headers["X-Cache"] == "MISS"
    assert page.calls == 2


def test_other_query_strings_still_bypass_the_cache():
    client, page, _ = make()
    for _ in range(2):
        response = client.get(f"{ISSUE}?start=12&utm_source=x")
        assert "X-Cache" not in response.headers
    assert page.calls == 2


class Failing(Page):
    """Answers 200 until told to fail, then 503s (or raises, like a crashed app)."""

    def __init__(self) -> None:
        super().__init__()
        self.failure: str | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.failure == "raise":
            raise ConnectionError("database gone")
        if self.failure:
            start_response(self.failure, [("Content-Type", "text/html")])
            return [b"unavailable"]
        return super().__call__(environ, start_response)


def _stale_cache(stale_seconds: int = 60) -> tuple[Client, Failing, Clock]:
    page, clock = Failing(), Clock()
    config = {"PUBLIC_CACHE_SECONDS": 10, "PUBLIC_CACHE_STALE_SECONDS": stale_seconds}
    return Client(PublicPageCache(page, config, clock=clock), use_cookies=False), page, clock


@pytest.mark.parametrize(
    "failure", ["503 SERVICE UNAVAILABLE", "500 INTERNAL SERVER ERROR", "raise"]
)
def test_a_failing_app_is_covered_by_the_last_good_copy(failure):
    client, page, clock = _stale_cache()
    assert client.get(ISSUE).headers["X-Cache"] == "MISS"
    clock.now += 30  # expired, inside the stale window
    page.failure = failure
    response = client.get(ISSUE)
    assert response.status_code == 200
    assert response.headers["X-Cache"] == "STALE"
    assert response.get_data() == b"page 1 for " + ISSUE.encode()
    assert response.headers["Age"] == "30"


def test_a_working_app_refreshes_an_expired_copy():
    client, page, clock = _stale_cache()
    client.get(ISSUE)
    clock.now += 30
    assert client.get(ISSUE).headers["X-Cache"] == "MISS"
    assert page.calls == 2


def test_past_the_stale_window_the_failure_shows():
    client, page, clock = _stale_cache(stale_seconds=60)
    client.get(ISSUE)
    clock.now += 10 + 61
    page.failure = "503 SERVICE UNAVAILABLE"
    response = client.get(ISSUE)
    assert response.status_code == 503 and response.headers["X-Cache"] == "MISS"


def test_a_missing_page_is_not_covered_by_a_stale_copy():
    client, page, clock = _stale_cache()
    client.get(ISSUE)
    clock.now += 30
    page.failure = "404 NOT FOUND"  # unpublished since: readers must see that
    assert client.get(ISSUE).status_code == 404


def _shared():
    import fakeredis

    from saas.core.shared_cache import SharedCache

    server = fakeredis.FakeServer()
    return lambda: SharedCache(lambda: fakeredis.FakeRedis(server=server), "test:")


def test_a_worker_takes_the_copy_another_worker_stored():
    shared = _shared()
    wall = Clock()
    first_page, second_page = Page(), Page()
    first = Client(
        PublicPageCache(first_page, {"PUBLIC_CACHE_SECONDS": 10}, shared=shared(), wall_clock=wall),
        use_cookies=False,
    )
    second = Client(
        PublicPageCache(
            second_page, {"PUBLIC_CACHE_SECONDS": 10}, shared=shared(), wall_clock=wall
        ),
        use_cookies=False,
    )
    assert first.get(ISSUE).headers["X-Cache"] == "MISS"
    wall.now += 4
    taken = second.get(ISSUE)
    assert taken.headers["X-Cache"] == "HIT" and taken.headers["Age"] == "4"
    assert taken.data == b"page 1 for /p/steady/issues/first"
    assert (first_page.calls, second_page.calls) == (1, 0)
    # Past the TTL the shared copy is not taken: the second worker builds the page itself.
    wall.now += 7
    third = Client(
        PublicPageCache(Page(), {"PUBLIC_CACHE_SECONDS": 10}, shared=shared(), wall_clock=wall),
        use_cookies=False,
    )
    assert third.get(ISSUE).headers["X-Cache"] == "MISS"


def test_a_hit_answers_a_matching_conditional_request_with_304():
    client, page, _ = make(Page(headers=[("ETag", '"v1"'), ("Cache-Control", "public")]))
    client.get(ISSUE)
    again = client.get(ISSUE, headers={"If-None-Match": '"v1"'})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == '"v1"' and again.headers["X-Cache"] == "HIT"
    assert "Content-Length" not in again.headers or again.headers["Content-Length"] == "0"
    assert client.get(ISSUE, headers={"If-None-Match": '"v0"'}).status_code == 200
    assert page.calls == 1
