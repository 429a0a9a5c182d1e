# Starts Debian's PostgreSQL on loopback and exports HINGE_TEST_PG_URL for the storage tests.
# Sourced by .ci/run (bash, set -euo pipefail, as root) after 00-apt.sh; safe to source twice.
hinge_pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$hinge_pg_version" '$1 == v && $2 == "main"' | grep -q .; then
  pg_createcluster "$hinge_pg_version" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$hinge_pg_version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  pg_ctlcluster "$hinge_pg_version" main start
fi
hinge_pg_port=$(pg_lsclusters -h | awk -v v="$hinge_pg_version" '$1 == v && $2 == "main" {print $3}')
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$hinge_pg_port" && break
  sleep 1
done
# The test role may create databases: each storage test gets a fresh one and drops it after.
su postgres -c "psql -q -p $hinge_pg_port -v ON_ERROR_STOP=1" <<'SQL'
SELECT 'CREATE ROLE hinge LOGIN CREATEDB PASSWORD ''hinge'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hinge') \gexec
SELECT 'CREATE DATABASE hinge_test OWNER hinge'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hinge_test') \gexec
-- dropping a test database WITH (FORCE) may have to end an autovacuum worker on it
GRANT pg_signal_backend TO hinge;
SQL
export HINGE_TEST_PG_URL="postgresql+psycopg://hinge:hinge@127.0.0.1:${hinge_pg_port}/hinge_test"
echo "PostgreSQL $hinge_pg_version ready: HINGE_TEST_PG_URL=$HINGE_TEST_PG_URL"
unset hinge_pg_version hinge_pg_port
