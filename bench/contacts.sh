#!/usr/bin/env bash
# Contact fetch benchmark (docs/BENCHMARKS.md, "Contact fetch").
#
# Runs the real application (spin.toml: council-api composed with contact-fetch,
# address-lookup and parish-routing) on council-host, against a ModernGov stand-in
# serving tests/data/moderngov (scripts/moderngov-standin.py, the one the end-to-end
# tests drive), and measures with wrk:
#
# 1. a cached `GET /contacts/bodies?gss=E04000011` with contacts_source=moderngov,
#    one connection, so every figure is one request in a fresh instance: the cache
#    read from the key-value store, parsing the settings, matching, rendering;
# 2. the same request with contacts_source=directory: the baseline (no cache, no
#    upstream; the directory file is read and parsed per request). Rounds alternate
#    between the two and the ratio is taken per round;
#    The floor is `GET /` on the same app: council-api's index, the same fresh
#    instance of the composed component but no call into contact-fetch; the
#    difference is what the cached lookup itself costs;
# 3. an upstream that hangs: uncached `/contacts/councillors` under 8 connections
#    (each must end at contacts_timeout_ms with a 502), while one connection asks
#    for the cached body; compared with that cached request alone.
#
# Usage: bench/contacts.sh            (DURATION=10s ROUNDS=3 TIMEOUT_MS=2000 SKIP_BUILD=1)
# Needs wrk (`apt-get install -y wrk`) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
TIMEOUT_MS=${TIMEOUT_MS:-2000}
OUT=$TARGET/bench-contacts
WASM=$TARGET/wasm32-wasip2/component
HOST=$TARGET/release/council-host

command -v wrk >/dev/null || { echo "bench/contacts.sh needs wrk: apt-get install -y wrk" >&2; exit 1; }
if [ -z "${SKIP_BUILD:-}" ]; then
    cargo build --release -p council-host --bin council-host
    cargo build --profile component --target wasm32-wasip2 -p contact-fetch -p council-api -p address-lookup -p parish-routing
fi
rm -rf "$OUT"
mkdir -p "$OUT"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_for_line() { # file pattern
    for _ in $(seq 1 600); do
        if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "timed out waiting for '$2' in $1" >&2
    cat "$1" >&2
    return 1
}

python3 scripts/moderngov-standin.py --fixtures tests/data/moderngov >"$OUT/standin.out" 2>"$OUT/standin.err" &
PIDS+=($!)
wait_for_line "$OUT/standin.out" 'listening on http://'
STANDIN=$(sed -n 's|.*listening on ||p' "$OUT/standin.out" | head -1)
# How many requests reached the stand-in so far (its controls are not counted).
upstream_requests() {
    curl -fsS "$STANDIN/_standin/seen" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}
# set_mode MODE: how the stand-in answers every path from now on.
set_mode() {
    curl -fsS -X POST -d "{\"mode\": \"$1\"}" "$STANDIN/_standin/mode" >/dev/null
}

# start_app NAME VAR=VALUE... : serves the app, sets APP to its base URL.
start_app() {
    local name=$1
    shift
    local dir=$OUT/$name
    mkdir -p "$dir/data/contacts"
    cp data/contacts/directory.json "$dir/data/contacts/"
    sed "s|target/wasm32-wasip2/component/|$WASM/|g" spin.toml >"$dir/spin.toml"
    env "$@" "$HOST" serve --manifest "$dir/spin.toml" --listen 127.0.0.1:0 \
        --cache-dir "$TARGET/test-compile-cache" --max-connections-per-client 0 --max-requests-per-client 0 \
        >"$dir/stdout" 2>"$dir/host.log" &
    PIDS+=($!)
    wait_for_line "$dir/stdout" 'http://'
    APP="http://$(sed -n 's|.*http://||p' "$dir/stdout" | head -1)"
}

# Latency percentile from wrk --latency output, in microseconds.
percentile() { # file pct
    awk -v p="$2%" '$1 == p {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
        if (u == "us") print v; else if (u == "ms") print v * 1000; else if (u == "s") print v * 1000000;
        else if (u == "m") print v * 60000000; exit }' "$1"
}
field() { # file label -> value after the label
    awk -v l="$2" 'index($0, l) { sub(".*" l "[ \t]*", ""); print $1; exit }' "$1"
}
run_wrk() { # out url connections
    wrk -t1 -c"$3" -d"$DURATION" --timeout 30s --latency "$2" >"$1"
}

PATH_Q="/contacts/bodies?gss=E04000011"
start_app moderngov SPIN_VARIABLE_CONTACTS_SOURCE=moderngov SPIN_VARIABLE_MODERNGOV_ORIGIN="$STANDIN"
MG=$APP
start_app directory SPIN_VARIABLE_CONTACTS_SOURCE=directory
DIR=$APP
# Warm up: fills the cache (two upstream requests), compiles nothing (the compile
# cache is shared with the tests), and checks the answers are what we measure.
curl -fsS "$MG$PATH_Q" | grep -q '"source":"moderngov"' || { echo "moderngov answer wrong" >&2; exit 1; }
curl -fsS "$DIR$PATH_Q" | grep -q '"source":"directory"' || { echo "directory answer wrong" >&2; exit 1; }
for _ in 1 2 3; do curl -fsS "$MG$PATH_Q" >/dev/null; curl -fsS "$DIR$PATH_Q" >/dev/null; done
upstream_before=$(upstream_requests)

echo "machine: $(lscpu | sed -n 's/^Model name:[ \t]*//p'), $(nproc) cores; $(date -u +%Y-%m-%d); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| round | moderngov cached p50 / p99 (µs) | directory p50 / p99 (µs) | p50 ratio mg / dir | floor \`GET /\` p50 / p99 (µs) | mg p50 − floor p50 (µs) | req/s mg / dir |"
echo "|---|---|---|---|---|---|---|"
for r in $(seq 1 "$ROUNDS"); do
    run_wrk "$OUT/mg-$r.txt" "$MG$PATH_Q" 1
    run_wrk "$OUT/dir-$r.txt" "$DIR$PATH_Q" 1
    run_wrk "$OUT/floor-$r.txt" "$MG/" 1
    mg50=$(percentile "$OUT/mg-$r.txt" 50); mg99=$(percentile "$OUT/mg-$r.txt" 99)
    d50=$(percentile "$OUT/dir-$r.txt" 50); d99=$(percentile "$OUT/dir-$r.txt" 99)
    f50=$(percentile "$OUT/floor-$r.txt" 50); f99=$(percentile "$OUT/floor-$r.txt" 99)
    ratio=$(awk -v a="$mg50" -v b="$d50" 'BEGIN { printf "%.2f", a / b }')
    extra=$(awk -v a="$mg50" -v b="$f50" 'BEGIN { printf "%.0f", a - b }')
    echo "| $r | $mg50 / $mg99 | $d50 / $d99 | $ratio | $f50 / $f99 | $extra | $(field "$OUT/mg-$r.txt" Requests/sec:) / $(field "$OUT/dir-$r.txt" Requests/sec:) |"
done
grep -q "Non-2xx" "$OUT"/mg-*.txt "$OUT"/dir-*.txt && { echo "some answers were not 200" >&2; exit 1; }
upstream=$(( $(upstream_requests) - upstream_before ))
echo
echo "upstream requests during the cached runs: $upstream (warm-up made $upstream_before)"

# --- An upstream that hangs -------------------------------------------------------
start_app hang SPIN_VARIABLE_CONTACTS_SOURCE=moderngov SPIN_VARIABLE_MODERNGOV_ORIGIN="$STANDIN" \
    SPIN_VARIABLE_CONTACTS_TIMEOUT_MS="$TIMEOUT_MS" SPIN_VARIABLE_CONTACTS_MIN_INTERVAL_MS=0
HANG=$APP
curl -fsS "$HANG$PATH_Q" >/dev/null
set_mode hang
run_wrk "$OUT/healthy-alone.txt" "$HANG$PATH_Q" 1
run_wrk "$OUT/hung.txt" "$HANG/contacts/councillors" 8 &
HUNG=$!
sleep 1
run_wrk "$OUT/healthy-during.txt" "$HANG$PATH_Q" 1
wait "$HUNG"
set_mode normal
echo
echo "hang (contacts_timeout_ms=$TIMEOUT_MS, 8 connections on uncached /contacts/councillors):"
echo "  hung requests: $(awk '/requests in/ {print $1; exit}' "$OUT/hung.txt") completed, non-2xx $(field "$OUT/hung.txt" 'Non-2xx or 3xx responses:'), p50 $(percentile "$OUT/hung.txt" 50) µs, p99 $(percentile "$OUT/hung.txt" 99) µs, max $(awk '/Latency/ && !/Distribution/ {print $4; exit}' "$OUT/hung.txt")"
echo "  cached body alone:        p50 $(percentile "$OUT/healthy-alone.txt" 50) µs, p99 $(percentile "$OUT/healthy-alone.txt" 99) µs, $(field "$OUT/healthy-alone.txt" Requests/sec:) req/s"
echo "  cached body during hang:  p50 $(percentile "$OUT/healthy-during.txt" 50) µs, p99 $(percentile "$OUT/healthy-during.txt" 99) µs, $(field "$OUT/healthy-during.txt" Requests/sec:) req/s, non-2xx $(field "$OUT/healthy-during.txt" 'Non-2xx or 3xx responses:' || true)"
echo "  instances stopped by the host deadline: $(grep -c "was stopped" "$OUT/hang/host.log" || true)"
