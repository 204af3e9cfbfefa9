"""Tests for saas.audience."""
