"""Business logic per domain: plain functions taking the publication; they own commit()."""
