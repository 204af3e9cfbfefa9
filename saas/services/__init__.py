"""Business logic per domain: plain functions that take the publication explicitly and own commit()."""
