#!/usr/bin/env bash
# Import speed before and after (issue 11's typed validation): the same GENERATED
# AddressBase Premium supply of ~1,000,000 properties read by this tree's importer and
# by the importer at BASE, alternately, ROUNDS times, in one run. Prints the
# "Import speed" section of docs/BENCHMARKS.md. Target: at least 200,000 rows/s.
#
#   bench/import.sh            (BASE defaults to 19d19ea, the commit before issue 11)
set -euo pipefail
cd "$(dirname "$0")/.."
BASE="${BASE:-19d19ea}"
N="${N:-1000000}"
ROUNDS="${ROUNDS:-3}"
GRID=data/sources/ostn15/OSTN15_OSGM15_DataFile.txt.xz
work=target/import-bench
mkdir -p "$work"

cargo build --release -p council-address --features import --example import_speed
new=target/release/examples/import_speed

# The same program against BASE, in its own worktree and target directory.
if [[ ! -d "$work/base" ]]; then
  git worktree add --detach "$work/base" "$BASE" >&2
fi
git -C "$work/base" checkout --quiet --detach "$BASE"
mkdir -p "$work/base/crates/address/examples"
cp crates/address/examples/import_speed.rs "$work/base/crates/address/examples/"
CARGO_TARGET_DIR="$PWD/$work/base-target" cargo build --release \
  --manifest-path "$work/base/Cargo.toml" -p council-address --features import --example import_speed
old="$work/base-target/release/examples/import_speed"

csv="$work/supply-$N.csv"
if [[ ! -f "$csv" ]]; then
  cargo run --release -p council-address-generate --example bench_set -- "$csv" "$N"
fi

rows_table=""
for round in $(seq "$ROUNDS"); do
  read -r rows ob ot < <("$old" import "$csv" "$GRID")
  read -r _ nb nt < <("$new" import "$csv" "$GRID")
  rows_table+="| $round | $(python3 -c "print(f'{$rows/$ob:,.0f} / {$rows/$ot:,.0f}')") | $(python3 -c "print(f'{$rows/$nb:,.0f} / {$rows/$nt:,.0f}')") | $(python3 -c "print(f'{$ob/$nb:.2f} / {$ot/$nt:.2f}')") |"$'\n'
done

cat <<MD
## Import speed

\`bench/import.sh\` on $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) cores),
commit $(git rev-parse --short HEAD) against $BASE (before issue 11's typed checks), in one run, alternately.
Data: GENERATED (\`council_address_generate::bench_set\`, seed 7, $N properties), $rows AddressBase Premium
rows in one file. Rows per second, parse and join / then with OSTN15 coordinates (the
\`finish\` step); ratio = before time / after time (below 1: the checks cost that much).
Target: at least 200,000 rows/s.

| round | before rows/s | after rows/s | ratio |
|---|---|---|---|
$rows_table
MD
