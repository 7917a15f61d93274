# Shell helpers the bench/ scripts share; each script sources it:
#   cd "$(dirname "$0")/.." && source bench/lib.sh

# Milliseconds from wrk's latency text (1.23ms, 456.00us, 1.02s).
to_ms() {
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); print v+0 } else { sub(/s$/,"",v); print v*1000 } }'
}

# "requests/s p50_ms p99_ms" of one `wrk --latency` output file.
wrk_summary() {
  echo "$(awk '/Requests\/sec/ {print $2}' "$1") $(to_ms "$(awk '$1=="50%" {print $2}' "$1")") $(to_ms "$(awk '$1=="99%" {print $2}' "$1")")"
}

# start_notify_standin DIR API_KEY: the GOV.UK Notify stand-in the demo and the tests
# use (scripts/notify-standin.py) on a free port, its inbox in DIR/inbox.jsonl, in the
# background; sets NOTIFY to its origin.
start_notify_standin() {
  python3 scripts/notify-standin.py --listen 127.0.0.1:0 --api-key "$2" \
    --store "$1/inbox.jsonl" > "$1/notify.out" &
  for _ in $(seq 50); do grep -q listening "$1/notify.out" 2>/dev/null && break; sleep 0.1; done
  NOTIFY=$(sed -n 's#.*\(http://[^ ]*\).*#\1#p' "$1/notify.out" | head -1)
}
