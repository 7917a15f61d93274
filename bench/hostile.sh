#!/usr/bin/env bash
# Normal traffic under attack (issue 10): throughput and p99 of OS Places postcode
# lookups through council-api while 200 slow-body clients and 4 runaway instances are
# active, as a ratio to the same load without them, in the same run (rounds of
# "quiet" then "under attack"). The slow clients come from 127.0.0.2 to 127.0.0.5
# (50 each, within the per-client connection cap, so that all 200 hold a connection),
# the runaways from 127.0.0.6 (bench/hostile/attack.py); wrk from 127.0.0.1.
# council-host runs with its default limits, plus the probe test component for the
# runaways. The load under attack starts 25 s into the attack, once slow bodies have
# been cut off at their deadline and come back, and the runaways are in the slow lane.
# Writes the "Under attack" section of docs/BENCHMARKS.md to stdout.
#
#   bench/hostile.sh        (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-16}"
ROUNDS="${ROUNDS:-3}"
SLOW="${SLOW:-200}"
RUNAWAY="${RUNAWAY:-4}"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -p council-host
cargo build --profile component --target wasm32-wasip2 -p council-api -p address-lookup -p parish-routing -p contact-fetch -p guest-probe
[[ -f data/address.idx ]] || ./target/release/council-host import demo --data data
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# council-api from the repository's spin.toml (absolute paths), and the probe.
python3 - "$PWD" > "$work/spin.toml" <<'PY'
import sys, tomllib
root = sys.argv[1]
m = tomllib.load(open(f"{root}/spin.toml", "rb"))
out = ['spin_manifest_version = 2', '[application]', 'name = "hostile-bench"', '[variables]']
for name, decl in m["variables"].items():
    default = decl.get("default", "").replace('"', '\\"')
    out.append(f'{name} = {{ default = "{default}" }}')
for t in m["trigger"]["http"]:
    if t["component"] == "council-api":
        out += ['[[trigger.http]]', f'route = "{t["route"]}"', 'component = "council-api"']
out += ['[[trigger.http]]', 'route = "/probe/..."', 'component = "probe"']
api = m["component"]["council-api"]
out += ['[component.council-api]',
        f'source = "{root}/{api["source"]}"',
        f'files = [{{ source = "{root}/data", destination = "/data" }}]',
        'key_value_stores = ["default"]',
        'allowed_outbound_hosts = ["{{ moderngov_origin }}"]',
        'dependencies_inherit_configuration = true',
        '[component.council-api.variables]']
for k, v in api["variables"].items():
    out.append(f'{k} = "{v}"')
out.append('[component.council-api.dependencies]')
for k, v in api["dependencies"].items():
    out.append(f'"{k}" = {{ path = "{root}/{v["path"]}" }}')
out += ['[component.probe]', f'source = "{root}/target/wasm32-wasip2/component/guest_probe.wasm"']
print("\n".join(out))
PY

./target/release/council-host serve --manifest "$work/spin.toml" --listen 127.0.0.1:0 \
  --admin-listen 127.0.0.1:0 --state-dir "$work/state" > "$work/host.out" 2> "$work/host.log" &
for _ in $(seq 600); do grep -q listening "$work/host.out" 2>/dev/null && break; sleep 0.1; done
HOST=$(sed -n 's#council-host listening on http://##p' "$work/host.out")
ADMIN=$(sed -n 's#council-host admin on http://##p' "$work/host.out")
[[ -n $HOST ]] || { cat "$work/host.log" >&2; exit 1; }
URL="http://$HOST/search/places/v1/postcode?postcode=M31%204AN"
curl -fsS "$URL" > /dev/null

load() { # prints: requests/s p50_ms p99_ms non-2xx
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$URL" > "$work/wrk.txt"
  echo "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt") \
$(to_ms "$(awk '$1=="50%" {print $2}' "$work/wrk.txt")") \
$(to_ms "$(awk '$1=="99%" {print $2}' "$work/wrk.txt")") \
$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt" | grep . || echo 0)"
}
metric() { curl -fsS "http://$ADMIN/metrics" | awk -v m="$1" '$1==m {print $2}'; }

rows=""
for round in $(seq "$ROUNDS"); do
  read -r q_rps q_p50 q_p99 q_bad < <(load)
  python3 bench/hostile/attack.py "$HOST" --slow "$SLOW" --runaway "$RUNAWAY" \
    --from 127.0.0.2 --from 127.0.0.3 --from 127.0.0.4 --from 127.0.0.5 \
    --runaway-from 127.0.0.6 > "$work/attack.out" 2>&1 &
  attack=$!
  sleep 25
  held=$(metric council_host_connections_open)
  read -r a_rps a_p50 a_p99 a_bad < <(load)
  kill "$attack"; wait "$attack" 2>/dev/null || true
  ratio=$(awk -v a="$a_rps" -v q="$q_rps" 'BEGIN { printf "%.2f", a/q }')
  rows+="| $round | $q_rps | $q_p50 | $q_p99 | $a_rps | $a_p50 | $a_p99 | **$ratio** | $q_bad / $a_bad | $held |"$'\n'
  sleep 35  # the last runaways end at their deadline before the next quiet load
done

cat <<MD
## Under attack

\`bench/hostile.sh\` on $(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores),
commit $(git rev-parse --short HEAD). OS Places postcode lookups (\`/search/places/v1/postcode?postcode=M31 4AN\`,
council-api composed with the capabilities, demo data) by wrk -t2 -c$CONNECTIONS for $DURATION from 127.0.0.1, quiet
and then while $SLOW slow-body clients (1,000 bytes declared, one byte every 2 s, reconnecting when cut off) and
$RUNAWAY runaway instances (computing until the 30 s deadline, restarted as each ends) attack from 127.0.0.2 to
127.0.0.6; council-host with its default limits. "Connections open" is read 25 s into the attack, just before its load.
Target: throughput under attack at least 0.8 of quiet.

| round | quiet req/s | p50 ms | p99 ms | under attack req/s | p50 ms | p99 ms | ratio | non-2xx (quiet / attack) | connections open |
|---|---|---|---|---|---|---|---|---|---|
${rows}
Clients cut off during the run: slow bodies $(metric 'council_host_client_cutoffs_total{reason="slow-body"}'),
over the per-client connection cap $(metric 'council_host_client_cutoffs_total{reason="too-many-client-connections"}'),
over the per-client request cap $(metric 'council_host_client_cutoffs_total{reason="too-many-client-requests"}');
instances stopped at their deadline $(metric council_host_deadlines_hit_total), moved to the slow lane
$(metric council_host_slow_lane_entries_total).
MD
