"""Tests that run the real worker processes against PostgreSQL, Redis and an SMTP server."""
