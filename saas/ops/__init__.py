"""The operator's console: tenants, suspensions, queues and the audit log."""
