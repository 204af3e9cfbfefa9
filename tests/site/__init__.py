"""Tests for saas.site."""
