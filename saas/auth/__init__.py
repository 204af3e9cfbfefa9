"""Practitioner sign-up, sign-in, password reset and invitation acceptance."""
