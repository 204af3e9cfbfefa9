"""Webhooks' routes: settings pages under the dashboard parent, and where bookings arrive.

The dashboard blueprint nests into publishing's tenancy parent, so no settings route
resolves a publication by itself. The inbound booking address belongs to no tenant by its
path: its unguessable token names the booking link, and with it the publication.
"""

from __future__ import annotations

from flask import Blueprint

from saas.publishing import dashboard_parent

dashboard_bp = dashboard_parent.nest("webhooks", __name__)
booking_bp = Blueprint("booking_hooks", __name__, url_prefix="/hooks")
