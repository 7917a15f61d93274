#!/usr/bin/env bash
# Several hosts, one state (issue 14): the whole spin.toml on council-host, first one
# host with every key-value store in SQLite (the default), then two council-host
# processes sharing every store in one redis-server (--runtime-config-file), in one
# run on one machine, as ratios:
#
# - postcode lookups (GET /postcode/M314AN through the composed council-api: no store);
# - report submissions (POST /report-speeding/submit of prepared drafts: the reference
#   reserved with compare-and-swap, the report and outbox entry written, one delivery
#   attempt to the GOV.UK Notify stand-in), as bench/report-speeding.sh measures them;
# - each key-value operation's latency by backend, from the hosts' own /metrics
#   (council_host_key_value_duration_seconds: mean, and the bucket holding p99).
#
# With two hosts, each gets half the connections and half the drafts, at the same
# time; the rates are summed. Every process (hosts, Redis, Notify stand-in, wrk)
# shares this machine's cores, so the two-host figures say what sharing state costs,
# not what a second machine would add. Afterwards it checks exactly-once delivery.
#
#   bench/shared-state.sh        (needs wrk and redis-server: apt-get install -y wrk redis-server)
#   DURATION=10 CONNECTIONS=16 bench/shared-state.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION="${DURATION:-5}"
CONNECTIONS="${CONNECTIONS:-8}"
DRAFTS="${DRAFTS:-4000}"
TOKEN="bench-token-of-sixteen-chars"

for tool in wrk redis-server curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y wrk redis-server curl python3)" >&2; exit 1; }
done
scripts/build >&2
[[ -f data/address.idx ]] || ./target/release/council-host import demo --data data >&2
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# spin.toml with absolute paths and without council-host's timers: the outbox runs only
# when this script asks, so both set-ups do the same work.
python3 - "$PWD" > "$work/spin.toml" <<'PY'
import re, sys
root = sys.argv[1]
text = open(f"{root}/spin.toml").read()
sections = re.split(r"(?m)^(?=\[)", text)
keep = [s for s in sections if not s.lstrip().startswith("[component.") or ".tool." not in s.splitlines()[0]]
out = "".join(keep)
out = out.replace('"target/', f'"{root}/target/').replace('source = "data"', f'source = "{root}/data"')
print(out)
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no > "$work/redis.log" 2>&1 &
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
cat > "$work/runtime-config.toml" <<TOML
[key_value_store.default]
type = "redis"
url = "redis://127.0.0.1:$REDIS_PORT/0"

[key_value_store.reports]
type = "redis"
url = "redis://127.0.0.1:$REDIS_PORT/1"

[key_value_store.drafts]
type = "redis"
url = "redis://127.0.0.1:$REDIS_PORT/2"
TOML

NOTIFY_KEY="bench-5f0b7a4e-2c1d-4e8f-9a6b-3d2c1b0a9f8e-9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f"
start_notify_standin "$work" "$NOTIFY_KEY"

# start_host NAME [ARGS...]: starts a host, sets HOST_<NAME> (public) and ADMIN_<NAME>.
start_host() {
  local name=$1; shift
  SPIN_VARIABLE_NOTIFY_ORIGIN="$NOTIFY" \
  SPIN_VARIABLE_NOTIFY_API_KEY="$NOTIFY_KEY" \
  SPIN_VARIABLE_NOTIFY_TEMPLATE_ID="0d3a0c3e-6f7a-4a57-9c4e-2b1a5c6d7e8f" \
  SPIN_VARIABLE_STAFF_TOKEN="$TOKEN" \
  SPIN_VARIABLE_MAX_NEW_DRAFTS_PER_CLIENT=0 \
    ./target/release/council-host serve --manifest "$work/spin.toml" --listen 127.0.0.1:0 \
      --admin-listen 127.0.0.1:0 --max-concurrent-requests 1000 \
      --max-connections-per-client 0 --max-requests-per-client 0 "$@" \
      > "$work/$name.out" 2> "$work/$name.log" &
  echo $! > "$work/$name.pid"
  for _ in $(seq 600); do grep -q listening "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  local public admin
  public=$(sed -n 's#^council-host listening on http://##p' "$work/$name.out")
  admin=$(sed -n 's#^council-host admin on http://##p' "$work/$name.out")
  [[ -n $public ]] || { cat "$work/$name.log" >&2; exit 1; }
  printf -v "HOST_$name" '%s' "$public"
  printf -v "ADMIN_$name" '%s' "$admin"
}
stop_host() { kill "$(cat "$work/$1.pid")"; wait "$(cat "$work/$1.pid")" 2>/dev/null || true; }

combined() { # summed requests/s, and the worse p50 and p99, of several wrk outputs
  for f in "$@"; do wrk_summary "$f"; done | awk '{ r += $1; if ($2 > p50) p50 = $2; if ($3 > p99) p99 = $3 } END { printf "%.2f %s %s\n", r, p50, p99 }'
}
postcode_load() { # OUT HOST CONNECTIONS
  wrk -t1 -c"$3" -d"${DURATION}s" --latency "http://$2/postcode/M314AN" > "$1"
}
submit_load() { # OUT HOST CONNECTIONS DRAFTS_FILE
  DRAFTS="$4" WRK_THREADS=1 wrk -t1 -c"$3" -d"${DURATION}s" --latency \
    -s bench/report-speeding/submit.lua "http://$2" > "$1" 2>> "$work/submit.err"
}
# Mean and p99 bucket of each key-value operation, from /metrics of the given admin
# addresses (summed over hosts): lines "backend operation count mean_us p99_le_ms".
kv_latency() {
  for admin in "$@"; do curl -fsS "http://$admin/metrics"; done | python3 -c '
import re, sys, collections
sums, counts, buckets = collections.Counter(), collections.Counter(), collections.defaultdict(collections.Counter)
for line in sys.stdin:
    m = re.match(r"council_host_key_value_duration_seconds_(sum|count|bucket)\{backend=\"(\w+)\",operation=\"([\w-]+)\"(?:,le=\"([^\"]+)\")?\} (\S+)", line)
    if not m: continue
    kind, backend, op, le, value = m.groups()
    key = (backend, op)
    if kind == "sum": sums[key] += float(value)
    elif kind == "count": counts[key] += int(value)
    else: buckets[key][le] += int(value)
for key in sorted(counts):
    n = counts[key]
    if not n: continue
    p99 = next(le for le, c in sorted(buckets[key].items(), key=lambda kv: float("inf") if kv[0] == "+Inf" else float(kv[0])) if c >= 0.99 * n)
    p99 = "over 10 s" if p99 == "+Inf" else f"{float(p99) * 1000:g}"
    print(key[0], key[1], n, f"{sums[key] / n * 1e6:.0f}", p99)
'
}
split_drafts() { # FILE → FILE.0 FILE.1, alternate lines
  awk -v out="$1" 'NR % 2 == 1 { print > (out ".0") } NR % 2 == 0 { print > (out ".1") }' "$1"
}

echo "one host, SQLite..." >&2
start_host single --state-dir "$work/sqlite-state"
postcode_load "$work/postcode-single.txt" "$HOST_single" "$CONNECTIONS"
python3 bench/report-speeding/prepare.py "$HOST_single" "$DRAFTS" > "$work/drafts-single.txt"
submit_load "$work/submit-single.txt" "$HOST_single" "$CONNECTIONS" "$work/drafts-single.txt"
kv_latency "$ADMIN_single" > "$work/kv-single.txt"
stop_host single

echo "two hosts, one Redis..." >&2
start_host first --state-dir "$work/first-state" --runtime-config-file "$work/runtime-config.toml"
start_host second --state-dir "$work/second-state" --runtime-config-file "$work/runtime-config.toml"
half=$(( (CONNECTIONS + 1) / 2 ))
postcode_load "$work/postcode-first.txt" "$HOST_first" "$half" &
first_load=$!
postcode_load "$work/postcode-second.txt" "$HOST_second" "$half" &
second_load=$!
wait "$first_load" "$second_load"
# Drafts made through the first host are in Redis: the second submits half of them.
python3 bench/report-speeding/prepare.py "$HOST_first" "$DRAFTS" > "$work/drafts-shared.txt"
split_drafts "$work/drafts-shared.txt"
submit_load "$work/submit-first.txt" "$HOST_first" "$half" "$work/drafts-shared.txt.0" &
first_load=$!
submit_load "$work/submit-second.txt" "$HOST_second" "$half" "$work/drafts-shared.txt.1" &
second_load=$!
wait "$first_load" "$second_load"
kv_latency "$ADMIN_first" "$ADMIN_second" > "$work/kv-shared.txt"

# Every stored report delivered once: the outboxes of both hosts, alternately.
count_reports() {
  curl -s -H "authorization: Bearer $TOKEN" "http://$1/report-speeding/staff/reports?format=json" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["reports"]; print(len(r), sum(1 for x in r if x["status"]=="delivered"))'
}
for _ in $(seq 60); do
  read -r stored delivered <<< "$(count_reports "$HOST_second")"
  [[ $stored == "$delivered" ]] && break
  for host in "$HOST_first" "$HOST_second"; do
    curl -s -X POST -H "authorization: Bearer $TOKEN" "http://$host/report-speeding/outbox/run" > /dev/null
  done
  sleep 2
done
notified=$(curl -s "$NOTIFY/inbox.json" | python3 -c 'import json,sys; e=json.load(sys.stdin); r=[x["reference"] for x in e]; print(json.dumps({"requests": len(r), "references": len(set(r)), "duplicates": len(r)-len(set(r))}))')
failed=$(grep -c "submission answered" "$work/submit.err" || true)

read -r pc1_rps pc1_p50 pc1_p99 < <(wrk_summary "$work/postcode-single.txt")
read -r pc2_rps pc2_p50 pc2_p99 < <(combined "$work/postcode-first.txt" "$work/postcode-second.txt")
read -r sub1_rps sub1_p50 sub1_p99 < <(wrk_summary "$work/submit-single.txt")
read -r sub2_rps sub2_p50 sub2_p99 < <(combined "$work/submit-first.txt" "$work/submit-second.txt")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

cat <<MD
## Several hosts, one state

\`bench/shared-state.sh\` on $(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores),
council-host $(./target/release/council-host --version 2>/dev/null | awk '{print $2}'), $(redis-server --version | awk '{print $1, $2, $3}'),
wrk with $CONNECTIONS connections in all (split evenly over the hosts), ${DURATION} s per load,
$DRAFTS prepared drafts per set-up, the Notify stand-in on loopback. Everything (hosts,
Redis, stand-in, wrk) on this one machine.

| load | one host, SQLite: requests/s (p50, p99) | two hosts, one Redis: requests/s (worse p50, p99) | two hosts ÷ one |
|---|---|---|---|
| GET /postcode/M314AN | $pc1_rps ($pc1_p50 ms, $pc1_p99 ms) | $pc2_rps ($pc2_p50 ms, $pc2_p99 ms) | $(ratio "$pc2_rps" "$pc1_rps") |
| POST /report-speeding/submit | $sub1_rps ($sub1_p50 ms, $sub1_p99 ms) | $sub2_rps ($sub2_p50 ms, $sub2_p99 ms) | $(ratio "$sub2_rps" "$sub1_rps") |

Key-value operations over each set-up's whole run (preparing the drafts, then
submitting them), from the hosts' /metrics (mean; p99 as the histogram bucket
holding it):

| backend | operation | count | mean | p99 within |
|---|---|---|---|---|
$(cat "$work/kv-single.txt" "$work/kv-shared.txt" | awk '{ printf "| %s | %s | %s | %s µs | %s ms |\n", ($1 == "spin" ? "SQLite (spin)" : "Redis"), $2, $3, $4, $5 }')

Non-303 submissions: $failed. Two-host run: $stored reports stored, $delivered delivered;
the stand-in saw $notified.
MD
