"""The outbound client refuses what could reach inside Tend's network, whatever the address says.

Real servers throughout: a receiving HTTP server on loopback (allowed only where a test says
so, as OUTBOUND_ALLOW_LOOPBACK does) and a DNS server on loopback answering A and AAAA
queries, including a name whose answer changes between queries (rebinding).
"""

from __future__ import annotations

import pytest

from saas.core import outbound_http
from tests import webhook_helpers

receiver = webhook_helpers.receiver  # a receiving server on loopback
loopback_allowed = webhook_helpers.loopback_allowed
address_dns = webhook_helpers.address_dns  # a DNS server answering A and AAAA queries

REFUSED_ADDRESSES = [
    "10.0.0.8",  # private
    "172.16.4.2",
    "192.168.1.1",
    "127.0.0.1",  # loopback
    "127.8.9.10",
    "169.254.169.254",  # link-local: the cloud metadata service
    "0.0.0.0",  # noqa: S104  (unspecified: it reaches this machine)
    "100.64.0.1",  # carrier-grade NAT
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "[::1]",
    "[fe80::1]",
    "[fc00::5]",  # unique local
    "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
    "[::ffff:10.0.0.8]",
    "[2002:a00:8::]",  # 6to4 around 10.0.0.8
    "[64:ff9b::a9fe:a9fe]",  # NAT64 around 169.254.169.254
]


def _post(app, url: str, **limits):
    with app.app_context():
        chosen = outbound_http.Limits(**limits) if limits else None
        return outbound_http.post(
            url, b'{"hello": 1}', {"Content-Type": "application/json"}, chosen
        )


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_non_public_addresses_are_refused_before_any_connection(app, receiver, address):
    with pytest.raises(outbound_http.Refused) as refused:
        _post(app, f"http://{address}:{receiver.port}/hook")
    assert "only connects to public internet addresses" in str(refused.value)
    assert receiver.received == []


@pytest.mark.parametrize("address", ["10.0.0.8", "169.254.169.254", "[::ffff:10.0.0.8]"])
def test_allowing_loopback_for_tests_still_refuses_private_ranges(
    app, receiver, loopback_allowed, address
):
    with pytest.raises(outbound_http.Refused):
        _post(app, f"http://{address}:{receiver.port}/hook")


def test_loopback_is_reached_only_when_the_tests_allow_it(app, receiver, monkeypatch):
    with pytest.raises(outbound_http.Refused):
        _post(app, receiver.url())
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_LOOPBACK", True)
    answer = _post(app, receiver.url())
    assert answer.status == 200 and answer.body == b"ok"
    assert receiver.received[0].body == b'{"hello": 1}'


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://files.example.com/x", "Only http:// and https://"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("gopher://example.com/", "Only http:// and https://"),
        ("https://user:pass@example.com/hook", "user name and password"),
        ("https:///nohost", "no host name"),
        ("https://exa mple.com/", "without spaces"),
        ("https://example.com:99999/", "not valid"),
        ("", "Enter a full address"),
    ],
)
def test_malformed_and_other_scheme_addresses_are_refused(app, url, says):
    with pytest.raises(outbound_http.Refused) as refused:
        _post(app, url)
    assert says in str(refused.value)


def test_a_name_resolving_to_a_private_address_is_refused(app, receiver, address_dns):
    address_dns.set_addresses("inside.example.test", ["10.1.2.3"])
    with pytest.raises(outbound_http.Refused) as refused:
        _post(app, f"http://inside.example.test:{receiver.port}/hook")
    assert "inside.example.test points to 10.1.2.3, a private network address" in str(refused.value)


def test_a_name_with_one_private_address_among_public_ones_is_refused(app, address_dns):
    address_dns.set_addresses("mixed.example.test", ["93.184.215.14", "fd00::7"])
    with pytest.raises(outbound_http.Refused) as refused:
        _post(app, "http://mixed.example.test/hook")
    assert "fd00::7" in str(refused.value)


def test_a_name_that_does_not_resolve_fails_without_connecting(app, address_dns):
    with pytest.raises(outbound_http.Failed) as failed:
        _post(app, "http://nowhere.example.test/hook")
    assert "does not exist in DNS" in str(failed.value)


def test_dns_rebinding_cannot_move_the_request_after_the_check(
    app, receiver, loopback_allowed, address_dns
):
    # Vetted at the first answer (loopback, allowed here); every later answer is private.
    address_dns.set_addresses("rebind.example.test", ["127.0.0.1"], ["10.9.9.9"])
    answer = _post(app, f"http://rebind.example.test:{receiver.port}/hook")
    assert answer.status == 200
    assert answer.address == "127.0.0.1"
    # One lookup per record type: the connection went to the vetted address, by name.
    assert address_dns.asked[("rebind.example.test", "A")] == 1
    assert receiver.received[0].headers["Host"] == f"rebind.example.test:{receiver.port}"


def test_a_rebinding_name_that_answers_private_first_is_refused(
    app, receiver, loopback_allowed, address_dns
):
    address_dns.set_addresses("flip.example.test", ["10.9.9.9"], ["127.0.0.1"])
    with pytest.raises(outbound_http.Refused):
        _post(app, f"http://flip.example.test:{receiver.port}/hook")
    assert receiver.received == []


def test_redirects_come_back_as_answers_and_are_never_followed(app, loopback_allowed, receiver):
    from tests.webhook_helpers import Receiver

    inside = Receiver()
    try:
        receiver.answers = [{"status": 302, "headers": {"Location": inside.url("/admin")}}]
        answer = _post(app, receiver.url())
        assert answer.status == 302 and answer.is_redirect and not answer.ok
        assert answer.headers["location"] == inside.url("/admin")
        assert inside.received == []
    finally:
        inside.stop()


def test_a_huge_answer_is_read_only_up_to_the_cap(app, loopback_allowed, receiver):
    receiver.answers = [{"status": 200, "body": b"x" * 3_000_000}]
    answer = _post(app, receiver.url(), max_body=1024)
    assert answer.truncated is True
    assert len(answer.body) == 1024


def test_a_server_that_trickles_its_answer_is_cut_off_at_the_deadline(
    app, loopback_allowed, receiver
):
    receiver.answers = [{"status": 200, "trickle": 0.2}]
    with pytest.raises(outbound_http.Failed) as failed:
        _post(app, receiver.url(), total_timeout=1.0, connect_timeout=1.0)
    assert "did not answer within 1 s" in str(failed.value)


def test_a_closed_port_fails_as_a_refused_connection(app, loopback_allowed):
    from tests.smtp_sink import free_port

    with pytest.raises(outbound_http.Failed) as failed:
        _post(app, f"http://127.0.0.1:{free_port()}/hook")
    assert "refused the connection" in str(failed.value)


def test_blocked_reason_explains_each_kind_of_address():
    import ipaddress

    def reason(text: str) -> str | None:
        return outbound_http.blocked_reason(ipaddress.ip_address(text))

    assert reason("93.184.215.14") is None
    assert reason("2606:4700:4700::1111") is None
    assert reason("127.0.0.1") == "a loopback address"
    assert reason("10.0.0.1") == "a private network address"
    assert reason("169.254.1.1") == "a link-local address"
    assert reason("::ffff:169.254.1.1") == "a link-local address (inside an IPv6 address)"
    assert outbound_http.blocked_reason(ipaddress.ip_address("::1"), allow_loopback=True) is None
