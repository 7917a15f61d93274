#!/usr/bin/env bash
# The capability components (address-lookup, parish-routing) on council-host's engine
# against the same crates called natively, on the generated benchmark data
# (host/benches/capabilities/), ROUNDS times; then council-areas' native lookup bench
# (warm, per request, the naive geo::Contains loop). Prints Markdown; the results are
# recorded by hand in docs/BENCHMARKS.md.
#
#   bench/capabilities.sh          ROUNDS=3 CAP_BENCH_REQUESTS=2000 ADDRESS_BENCH_N=1000000
#
# The first run generates the data if target/ has none: 1,000,000 generated addresses
# (several minutes, about 1.2 GB) and the national boundary set (about a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}"

# Both sides from the same tree, built one after the other.
cargo build --profile component --target wasm32-wasip2 -p address-lookup -p parish-routing
cargo bench -p council-host --bench capabilities --no-run
cargo bench -p council-areas --bench lookup --no-run

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# commit $(git rev-parse --short HEAD)$(git diff --quiet -- crates components host || echo ' (with uncommitted changes)')"
for round in $(seq 1 "$ROUNDS"); do
    echo
    echo "## round $round (load $(cut -d' ' -f1-3 /proc/loadavg))"
    cargo bench -q -p council-host --bench capabilities
done
echo
echo "## council-areas native lookup (cargo bench -p council-areas --bench lookup)"
cargo bench -q -p council-areas --bench lookup
