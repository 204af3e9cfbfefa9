"""Tests for saas.delivery."""
