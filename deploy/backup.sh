#!/bin/sh
# A complete backup of Tend's database, taken as the backup role.
#
#   deploy/backup.sh [FILE]
#
# Connects through libpq's environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD) as the
# backup role (tend_backup: BYPASSRLS, read-only). Any role under row-level security makes
# pg_dump fail instead, and must never be given --enable-row-security: that dump would
# quietly leave out every publication's rows. Writes FILE, by default
# $BACKUP_DIR/tend-<UTC time>.dump (BACKUP_DIR: /backups), in pg_dump's custom format and
# prints its name; deploy/restore.sh restores it. The encryption keys are not in it: back them up apart (README, Backups).
set -eu
file="${1:-${BACKUP_DIR:-/backups}/tend-$(date -u +%Y%m%dT%H%M%SZ).dump}"
umask 077  # readers' addresses and everything else not encrypted at rest are in the clear
# A dump that fails half-way never takes the final name, nor stays behind.
trap 'rm -f "$file.partial"' EXIT
pg_dump --format=custom --no-password --file="$file.partial"
mv "$file.partial" "$file"
echo "$file"
