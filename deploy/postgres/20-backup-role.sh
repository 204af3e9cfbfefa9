#!/bin/sh
# Runs once, when the postgres volume is first initialised: the role backups are taken as
# (deploy/backup.sh). BYPASSRLS because pg_dump refuses to dump a table whose rows row-level
# security would hide, which stops the app role and any non-superuser owner; otherwise it can
# change nothing: not a superuser, owns nothing, read-only sessions, and only SELECT, which
# `flask grant-backup-role tend_backup` (run by the web service after migrations) grants.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE tend_backup LOGIN PASSWORD '${TEND_BACKUP_DB_PASSWORD}' NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
ALTER ROLE tend_backup SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE "$POSTGRES_DB" TO tend_backup;
SQL
