#!/usr/bin/env bash
# The generated national boundary set of council-areas' lookup bench in PostGIS: the
# same polygons (9,051 parishes, 289 districts, 25 counties; exported by
# `LOOKUP_EXPORT=<dir> cargo bench -p council-areas --bench lookup`), a GiST index, and
# the MapIt query `ST_Covers(geom, point)` for 10,000 of the bench's query points.
# Timed inside the server (a PL/pgSQL loop, clock_timestamp() around each query: no
# client round trip, no connection set-up), so it is PostGIS's best case. Prints p50,
# p99 and mean, and the number of (point, area) pairs found, which the lookup bench
# prints for council-areas on the same points (they should be equal).
#
# Not part of the tests. Needs PostgreSQL 15 and PostGIS 3 from Debian:
#   apt-get install -y --no-install-recommends postgresql-15-postgis-3
# Runs its own throwaway cluster (port 55432, under /tmp) as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
PGBIN=/usr/lib/postgresql/15/bin
PORT="${PORT:-55432}"
[[ -x $PGBIN/initdb && -f /usr/share/postgresql/15/extension/postgis.control ]] || {
    echo "needs postgresql-15-postgis-3: apt-get install -y --no-install-recommends postgresql-15-postgis-3" >&2
    exit 1
}
export_dir=$(pwd)/target/postgis-bench
LOOKUP_EXPORT="$export_dir" cargo bench -q -p council-areas --bench lookup
chmod -R a+rX "$export_dir"
cluster=$(mktemp -d /tmp/council-postgis.XXXXXX)
chown postgres "$cluster"
as_pg() { runuser -u postgres -- "$@"; }
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$cluster/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$cluster"; }
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$cluster/data" -A trust >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$cluster/data" -l "$cluster/log" -w \
    -o "-p $PORT -k $cluster -c shared_buffers=1GB -c work_mem=64MB -c jit=off" start >/dev/null
psql() { as_pg /usr/bin/psql -h "$cluster" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

psql -c "CREATE EXTENSION postgis"
echo "PostgreSQL $(psql -c 'SHOW server_version'), PostGIS $(psql -c 'SELECT postgis_lib_version()'), GEOS $(psql -c 'SELECT postgis_geos_version()')"
psql <<SQL
CREATE TABLE raw (code text, area_type text, wkt text);
\copy raw FROM '$export_dir/areas.tsv'
CREATE TABLE areas AS SELECT code, area_type, ST_GeomFromText(wkt, 4326) AS geom FROM raw;
DROP TABLE raw;
CREATE INDEX ON areas USING gist (geom);
CREATE TABLE points (id int PRIMARY KEY, lon float8, lat float8);
\copy points FROM '$export_dir/points.tsv'
VACUUM ANALYZE areas;
VACUUM ANALYZE points;
SQL
echo "loaded $(psql -c 'SELECT count(*) FROM areas') areas, $(psql -c 'SELECT sum(ST_NPoints(geom)) FROM areas') points; $(psql -c 'SELECT count(*) FROM points') query points"

# Two passes; the second is timed (shared buffers and GEOS's prepared-geometry
# cache are as warm as they get within one query each).
psql <<'SQL'
CREATE TABLE timings (pass int, id int, us float8, hits int);
DO $$
DECLARE
    p record;
    t0 timestamptz;
    n int;
BEGIN
    FOR pass IN 1..2 LOOP
        FOR p IN SELECT * FROM points ORDER BY id LOOP
            t0 := clock_timestamp();
            SELECT count(*) INTO n FROM (
                SELECT code FROM areas
                WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
            ) hits;
            INSERT INTO timings VALUES (pass, p.id, extract(epoch FROM clock_timestamp() - t0) * 1e6, n);
        END LOOP;
    END LOOP;
END $$;
SQL
echo "ST_Covers per lookup, all types, server-side (µs): $(psql -F ' ' -c "
    SELECT 'p50', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us)::numeric, 1),
           'p99', round(percentile_cont(0.99) WITHIN GROUP (ORDER BY us)::numeric, 1),
           'mean', round(avg(us)::numeric, 1),
           'pairs', sum(hits)
    FROM timings WHERE pass = 2")"
