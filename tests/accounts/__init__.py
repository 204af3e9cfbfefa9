"""Tests for saas.accounts."""
