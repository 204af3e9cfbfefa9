"""Tests for saas.ops."""
