"""Fixtures for webhook tests: a receiving server on loopback, loopback allowed, a DNS stand-in."""

from tests.webhook_helpers import address_dns, loopback_allowed, receiver  # noqa: F401
