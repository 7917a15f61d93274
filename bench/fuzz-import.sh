#!/usr/bin/env bash
# Fuzzes each address importer on its own (issue 11): the `parse` target of
# crates/address/fuzz with FUZZ_FORMAT fixed, SECONDS_EACH seconds per format
# (default 600), each from a corpus seeded with that format's fixtures. A crash stops
# the script; its input goes to crates/address/tests/data/fuzz-regressions/ (named
# parse-*) to be replayed by tests/fuzz_regressions.rs once fixed.
#
#   bench/fuzz-import.sh     (installs cargo-fuzz; libFuzzer needs a C++ compiler)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${SECONDS_EACH:-600}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
data=crates/address/tests/data
declare -A seeds=(
  [addressbase-premium]="abp_full.csv abp_v1.csv abp_islands.csv abp_cou.csv abp_split/ID21_BLPU_Records.csv abp_split/ID28_DPA_Records.csv"
  [dtf]="dtf73.csv dtf81.csv"
  [addressbase-plus]="abplus.csv abplus_v1.csv"
  [open-uprn]="open_uprn.csv"
  [codepoint-open]="codepoint_sample.csv"
  [csv]="plain.csv plain_latlong.csv"
)
for format in addressbase-premium dtf addressbase-plus open-uprn codepoint-open csv; do
  corpus="target/fuzz-corpus/$format"
  mkdir -p "$corpus"
  for f in ${seeds[$format]}; do cp "$data/$f" "$corpus/"; done
  echo "== $format: ${SECONDS_EACH}s" >&2
  (cd crates/address/fuzz && FUZZ_FORMAT="$format" RUSTC_BOOTSTRAP=1 cargo fuzz run -O parse \
    "../../../$corpus" -- -max_total_time="$SECONDS_EACH" -print_final_stats=1) 2>&1 \
    | grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb|==|INFO: Seed)|ERROR|panicked" >&2
done
