"""Tests for saas.replies."""
