#!/bin/sh
# Runs once, when the postgres volume is first initialised: the role the web and worker
# processes connect as. Not a superuser, cannot bypass row-level security, owns nothing;
# `flask grant-app-role tend_app` (run by the web service after migrations) grants it data access.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE tend_app LOGIN PASSWORD '${TEND_APP_DB_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
GRANT CONNECT ON DATABASE "$POSTGRES_DB" TO tend_app;
SQL
