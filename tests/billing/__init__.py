"""Tests for saas.billing."""
