#!/usr/bin/env bash
# What including nnt costs a user's translation unit: compile time and peak compiler memory of an
# otherwise empty program that includes <Eigen/Dense> alone (the baseline), the umbrella
# <nnt/nnt.hpp>, and every public header alone — all at -O2 -fopenmp, measured side by side in one
# run so the ratios hold on a loaded machine. Each TU is compiled `repeats` times; the median time
# counts. Targets (issue "nnt 0.2", item 9): umbrella ≤ 2.5× baseline time and ≤ 500 MB; every
# single header ≤ 2× baseline time. Exits 1 if a target is missed.
#   bench/compile_cost.sh [--repeats N] [--out FILE.csv] [--headers GLOB]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=3 out=results/bench/compile_cost.csv pattern=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --repeats) repeats=$2; shift ;;
    --out) out=$2; shift ;;
    --headers) pattern=$2; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/compile_cost.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
cxx=${CXX:-g++}
eigen=$(pkg-config --cflags eigen3 2>/dev/null || echo -I/usr/include/eigen3)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$out")"

# measure NAME INCLUDE → "seconds megabytes" (median time, max RSS over the repeats)
measure() {
  local src=$work/$1.cpp times=() rss=0
  printf '#include <%s>\nint main() { return 0; }\n' "$2" > "$src"
  for ((r = 0; r < repeats; ++r)); do
    /usr/bin/time -f '%e %M' -o "$work/time.txt" \
      "$cxx" -std=c++20 -O2 -fopenmp -Iinclude $eigen -c "$src" -o "$work/out.o"
    read -r t m < "$work/time.txt"
    times+=("$t")
    (( m > rss )) && rss=$m
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (repeats + 1) / 2 ))p")
  echo "$median $((rss / 1024))"
}

read -r base_t base_m < <(measure eigen_dense Eigen/Dense)
echo "header,seconds,megabytes,time_ratio" > "$out"
echo "Eigen/Dense,$base_t,$base_m,1" >> "$out"
printf '%-48s %8s %8s %8s\n' "translation unit" "seconds" "MB" "ratio"
printf '%-48s %8s %8s %8s\n' "<Eigen/Dense> alone (baseline)" "$base_t" "$base_m" "1.00"
fail=0
headers=$(cd include && find nnt -name '*.hpp' -not -path '*/detail/*' | sort)
[[ -z "$pattern" ]] || headers=$(grep -E "$pattern" <<< "$headers" || true)
for h in $headers; do
  read -r t m < <(measure "$(tr '/.' '__' <<< "$h")" "$h")
  ratio=$(awk -v a="$t" -v b="$base_t" 'BEGIN { printf "%.2f", a / b }')
  limit=2.0 verdict=""
  [[ $h == nnt/nnt.hpp ]] && limit=2.5
  if awk -v r="$ratio" -v l="$limit" 'BEGIN { exit !(r > l) }'; then verdict=" over ${limit}x"; fail=1; fi
  if [[ $h == nnt/nnt.hpp ]] && (( m > 500 )); then verdict="$verdict over 500 MB"; fail=1; fi
  printf '%-48s %8s %8s %8s%s\n' "<$h>" "$t" "$m" "$ratio" "$verdict"
  echo "$h,$t,$m,$ratio" >> "$out"
done
echo "written: $out"
exit $fail
