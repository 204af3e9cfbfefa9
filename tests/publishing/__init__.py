"""Tests for saas.publishing."""
