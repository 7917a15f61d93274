#!/usr/bin/env bash
# "Report speeding traffic": submitted reports per second, and the p50/p99 latency of a
# submission, on council-host with the composed service against a local GOV.UK Notify
# stand-in (scripts/notify-standin.py, the one the demo and the tests use too). A submission is
# POST /report-speeding/submit of a complete draft: routing and contact look-up through
# the capabilities, the reference reserved with compare-and-swap, the outbox entry and
# the report written to the key-value store (SQLite, WAL), then one delivery attempt to
# the stand-in, all before the 303 to the confirmation. Baseline in the same run: the
# same load on a static asset of the same component (GET .../assets/init.js), so the
# ratio says what a submission costs over serving the component at all.
#
# Afterwards it checks exactly-once delivery: the stand-in must have received one
# notification per report and no duplicates.
#
#   bench/report-speeding.sh         (needs wrk: apt-get install -y wrk; python3)
#   DRAFTS=3000 CONNECTIONS=8 bench/report-speeding.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DRAFTS="${DRAFTS:-6000}"
# wrk always runs for its whole duration: DRAFTS must outlast it (the script warns if
# they ran out, when the rate is a lower bound).
DURATION="${DURATION:-5}"
CONNECTIONS="${CONNECTIONS:-8}"
THREADS=2

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -p council-host
cargo build --profile component --target wasm32-wasip2 -p report-speeding -p address-lookup -p parish-routing -p contact-fetch
[[ -f data/address.idx ]] || ./target/release/council-host import demo --data data
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# The report-speeding parts of spin.toml, with absolute paths, and no scheduler (the
# benchmark measures submissions; every submission attempts its own delivery).
python3 - "$PWD" > "$work/spin.toml" <<'PY'
import re, sys
root = sys.argv[1]
text = open(f"{root}/spin.toml").read()
sections = re.split(r"(?m)^(?=\[)", text)
keep = [sections[0]]
for s in sections[1:]:
    header = s.splitlines()[0].strip()
    if header in ("[application]", "[variables]") \
            or (header.startswith("[component.report-speeding") and "tool" not in header) \
            or (header == "[[trigger.http]]" and 'component = "report-speeding' in s):
        keep.append(s)
out = "".join(keep)
out = out.replace('"target/', f'"{root}/target/').replace('source = "data"', f'source = "{root}/data"')
print(out)
PY

BENCH_NOTIFY_KEY="bench-5f0b7a4e-2c1d-4e8f-9a6b-3d2c1b0a9f8e-9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f"
start_notify_standin "$work" "$BENCH_NOTIFY_KEY"

SPIN_VARIABLE_NOTIFY_ORIGIN="$NOTIFY" \
SPIN_VARIABLE_NOTIFY_API_KEY="$BENCH_NOTIFY_KEY" \
SPIN_VARIABLE_NOTIFY_TEMPLATE_ID="0d3a0c3e-6f7a-4a57-9c4e-2b1a5c6d7e8f" \
SPIN_VARIABLE_STAFF_TOKEN="bench-token-of-sixteen-chars" \
SPIN_VARIABLE_MAX_NEW_DRAFTS_PER_CLIENT=0 \
  ./target/release/council-host serve --manifest "$work/spin.toml" --listen 127.0.0.1:0 \
    --state-dir "$work/state" --max-concurrent-requests 1000 --max-connections-per-client 0 --max-requests-per-client 0 > "$work/host.out" 2> "$work/host.log" &
for _ in $(seq 600); do grep -q listening "$work/host.out" 2>/dev/null && break; sleep 0.1; done
HOST=$(sed -n 's#.*http://##p' "$work/host.out" | head -1)
[[ -n $HOST ]] || { cat "$work/host.log" >&2; exit 1; }

echo "preparing $DRAFTS drafts..." >&2
python3 bench/report-speeding/prepare.py "$HOST" "$DRAFTS" > "$work/drafts.txt"


wrk -t$THREADS -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://$HOST/report-speeding/assets/init.js" > "$work/baseline.txt"
DRAFTS="$work/drafts.txt" WRK_THREADS=$THREADS \
  wrk -t$THREADS -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/report-speeding/submit.lua "http://$HOST" > "$work/submit.txt" 2> "$work/submit.err"
read -r base_rps base_p50 base_p99 < <(wrk_summary "$work/baseline.txt")
read -r rps p50 p99 < <(wrk_summary "$work/submit.txt")
failed=$(grep -c "submission answered" "$work/submit.err" || true)

# Let every report's delivery settle (retries after back-off, if any attempt failed),
# running the outbox as the scheduler would, then count.
count_reports() {
  curl -s -H "authorization: Bearer bench-token-of-sixteen-chars" "http://$HOST/report-speeding/staff/reports?format=json" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["reports"]; print(len(r), sum(1 for x in r if x["status"]=="delivered"))'
}
for _ in $(seq 60); do
  read -r stored delivered <<< "$(count_reports)"
  [[ $stored == "$delivered" ]] && break
  curl -s -X POST -H "authorization: Bearer bench-token-of-sixteen-chars" "http://$HOST/report-speeding/outbox/run" > /dev/null
  sleep 2
done
exhausted=""
[[ $stored -ge $DRAFTS ]] && exhausted=" (every prepared draft was used: the rate is a lower bound; raise DRAFTS)"
notified=$(curl -s "$NOTIFY/inbox.json" | python3 -c 'import json,sys; e=json.load(sys.stdin); r=[x["reference"] for x in e]; print(json.dumps({"requests": len(r), "references": len(set(r)), "duplicates": len(r)-len(set(r))}))')

cat <<MD
## Report speeding traffic

\`bench/report-speeding.sh\` on $(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores),
council-host $(./target/release/council-host --version 2>/dev/null | awk '{print $2}'), wrk -t$THREADS -c$CONNECTIONS,
${DURATION} s per load, $DRAFTS prepared drafts, Notify stand-in on loopback (Python).

| load | requests/s | p50 | p99 |
|---|---|---|---|
| baseline: GET a static asset of the component | $base_rps | $base_p50 ms | $base_p99 ms |
| POST /report-speeding/submit (store + deliver) | $rps | $p50 ms | $p99 ms |

Submissions per second are $(awk -v a="$rps" -v b="$base_rps" 'BEGIN { printf "%.3f", a/b }') of the baseline's requests per second$exhausted.
Non-303 answers: $failed. Reports stored: $stored; delivered: $delivered; the stand-in saw $notified.
MD
