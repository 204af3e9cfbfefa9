"""Tests for saas.core."""
