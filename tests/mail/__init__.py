"""Tests for saas.mail."""
