"""Outgoing mail: compose messages from templates, hand them to the configured transport."""
