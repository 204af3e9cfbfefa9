"""The platform under every feature: configuration, extensions, tenancy, queues, security.

config (environment -> settings), extensions (unbound Flask extension instances), tenancy (the
bound publication and the ORM and row-level-security scoping of TenantScoped models),
model_base (UTC timestamps, TenantScoped), queue (RQ), periodic (work the embedded server runs),
crypto (encryption at rest), tokens (signed links), page_cache, security_headers, observability
and scrubbing (logs, Sentry), errors, links and urls, validators, templating, charts, db_roles,
health (probes, the `health` blueprint), storage (uploaded files: local disk or an
S3-compatible bucket; `/media/`), images (Pillow checks, cleaning and web sizes), dns_lookup
(the DNS_RESOLVER lookups), outbound_http (SSRF-safe requests to addresses people typed), cli
(`grant-app-role`, `grant-backup-role`).

May import: nothing of Tend's but itself. No feature, not even saas.mail.
"""
