#!/bin/sh
# Restores a backup made by deploy/backup.sh into a fresh, empty database.
#
#   deploy/restore.sh FILE
#
# Connects through libpq's environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD) as the
# role that owns Tend's tables (MIGRATION_DATABASE_URL's), to a database that role owns and
# that holds no table yet. The restored tables belong to that role, row-level security forced
# as before; no grants are restored, so then run `flask grant-app-role` and
# `flask grant-backup-role` as the owner (the compose web service does both when it starts)
# and start Tend with the SUPPORT_ENCRYPTION_KEYS of the backup's time.
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 FILE" >&2
  exit 2
fi
: "${PGDATABASE:?set PGDATABASE to the fresh database to restore into}"
tables=$(psql -X -v ON_ERROR_STOP=1 --no-password -tAc \
  "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != 0 ]; then
  echo "$PGDATABASE already has $tables tables: restore into a fresh, empty database" >&2
  exit 1
fi
pg_restore --no-owner --no-acl --single-transaction --exit-on-error --no-password \
  --dbname="$PGDATABASE" "$1"
echo "Restored $1 into $PGDATABASE."
