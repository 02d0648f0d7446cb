#!/usr/bin/env bash
# Runs once, on the first start of the postgres container (docker-entrypoint-initdb.d).
# Creates the role the service runs as: rows only, no DDL, not a superuser, so it cannot drop or
# rewrite the audit trail. Migrations run as the owner (POSTGRES_USER) via MIGRATION_DATABASE_URL.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$FINALITE_APP_PASSWORD" <<'SQL'
CREATE ROLE finalite_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
GRANT CONNECT ON DATABASE finalite TO finalite_app;
GRANT USAGE ON SCHEMA public TO finalite_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO finalite_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO finalite_app;
SQL
