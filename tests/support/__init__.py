"""Tests for saas.support."""
