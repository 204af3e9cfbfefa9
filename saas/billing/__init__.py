"""Billing: webhooks and the practitioner's plan (`/billing`), paid tiers in the dashboard,
and readers paying on the public pages."""
