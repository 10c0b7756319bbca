#!/usr/bin/env bash
# Times fwlint against iptables-restore --test on the same files, in the same
# run, and prints one table (Markdown): file, rules, fwlint's wall time,
# iptables-restore's wall time, their ratio, fwlint's peak memory and its
# ratio to the file size.
#
#   scripts/bench.sh                  generated rulesets of 10k and 100k rules
#                                     (every shape, both families), the largest
#                                     corpus files, and the whole corpus at once
#   SIZES="1000 1000000" scripts/bench.sh   other sizes
#
# Needs python3 and ../shared/tools/gen-ruleset.py for the generated files and
# ../shared/corpus for the real ones (each is skipped when missing), GNU time
# (/usr/bin/time) for the peak memory, and root with `unshare` and
# iptables-legacy-restore / ip6tables-legacy-restore for the reference
# column (shown as `-` otherwise). The reference never touches the host's
# firewall: it runs in a new network namespace.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 100000"}
SHAPES=${SHAPES:-"mixed blocklist kube"}
FAMILIES=${FAMILIES:-"4 6"}
shared=../shared
work=target/bench-rulesets
mkdir -p "$work"

cargo build --release --quiet
fwlint=target/release/fwlint
measure=$(mktemp)
trap 'rm -f "$measure"' EXIT

# "WALL_SECONDS CPU_SECONDS PEAK_KB" of fwlint on the given files.
run_fwlint() {
  /usr/bin/time -o "$measure" -f '%e %U %S %M' "$fwlint" --format concise "$@" >/dev/null 2>&1 || true
  tail -1 "$measure" | awk '{ printf "%s %.2f %s", $1, $2 + $3, $4 }'
}

if [ ! -x /usr/bin/time ]; then
  echo "scripts/bench.sh: needs GNU time (/usr/bin/time; Debian package \`time\`)" >&2
  exit 2
fi

reference_available() {
  [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v iptables-legacy-restore >/dev/null
}

# Wall seconds of a command, its output thrown away.
wall() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  awk -v start="$start" -v end="$end" 'BEGIN { printf "%.2f", end - start }'
}

# Prints a / b with the given number of decimals.
divide() {
  awk -v a="$1" -v b="$2" -v digits="$3" 'BEGIN { if (b > 0) printf "%." digits "f", a / b; else printf "-" }'
}

row() {
  local name=$1 file=$2 family=$3 rules bytes measured fw_wall fw_cpu fw_kb ref_wall ratio memory_ratio restore
  rules=$(grep -c '^-[AI] ' "$file" || true)
  bytes=$(stat -c %s "$file")
  measured=$(run_fwlint "$file")
  read -r fw_wall fw_cpu fw_kb <<<"$measured"
  ref_wall=-
  ratio=-
  if reference_available; then
    restore=iptables-legacy-restore
    [ "$family" = 6 ] && restore=ip6tables-legacy-restore
    ref_wall=$(wall unshare -n "$restore" --test "$file")
    ratio=$(divide "$fw_wall" "$ref_wall" 2)
  fi
  memory_ratio=$(divide "$((fw_kb * 1024))" "$bytes" 1)
  printf '| %s | %s | %s | %s s | %s s | %s s | %s | %s MB | %sx |\n' \
    "$name" "$rules" "$((bytes / 1024)) KB" "$fw_wall" "$fw_cpu" "$ref_wall" "$ratio" "$((fw_kb / 1024))" "$memory_ratio"
}

echo "| file | rules | size | fwlint wall | fwlint CPU | iptables-restore --test wall | ratio (wall) | fwlint peak memory | memory / size |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"

if [ -f "$shared/tools/gen-ruleset.py" ]; then
  for size in $SIZES; do
    for shape in $SHAPES; do
      for family in $FAMILIES; do
        file=$work/$shape-$size-v$family.rules
        [ -f "$file" ] || python3 "$shared/tools/gen-ruleset.py" --rules "$size" --shape "$shape" --family "$family" >"$file"
        row "$shape $size (v$family)" "$file" "$family"
      done
    done
  done
else
  echo "scripts/bench.sh: $shared/tools/gen-ruleset.py is missing: no generated rulesets" >&2
fi

manifest=$shared/corpus/MANIFEST.tsv
if [ -f "$manifest" ]; then
  # The largest IPv4 and IPv6 iptables-save files (the TUM dumps).
  for family in v4 v6; do
    path=$(awk -F'\t' -v family="$family" 'NR > 1 && $7 == "iptables-save" && $12 == family && $1 ~ /TUM|chair_for_Network/ { print $10 "\t" $1 }' "$manifest" | sort -n | tail -1 | cut -f2)
    [ -n "$path" ] && row "corpus: $(basename "$path")" "$shared/corpus/$path" "${family#v}"
  done
  # Every iptables-save file of the corpus in one invocation.
  mapfile -t all < <(awk -F'\t' 'NR > 1 && $7 == "iptables-save" { print "'"$shared/corpus/"'" $1 }' "$manifest")
  read -r fw_wall fw_cpu fw_kb <<<"$(run_fwlint "${all[@]}")"
  printf '| corpus: all %s iptables-save files, one run | | | %s s | %s s | | | %s MB | |\n' "${#all[@]}" "$fw_wall" "$fw_cpu" "$((fw_kb / 1024))"
else
  echo "scripts/bench.sh: $manifest is missing: no corpus files" >&2
fi
