#!/usr/bin/env bash
# Time from starting `cairn export` to the first 4 KiB read through it by qemu-io, N times.
#
#   benchmarks/export-ttfb.sh --repo DIR --point ID [--runs 10]
#
# The same measure as benchmarks/nbd.sh's "start to first 4 KiB read", repeated: each run starts
# ./cairn export on a fresh port, polls with qemu-io until a read succeeds, then stops the export.
# Prints every run and the median. The password comes from CAIRN_PASSWORD. Needs qemu-io.
set -euo pipefail
repo=""
point=""
runs=10
while (($#)); do
  case "$1" in
    --repo) repo="$2"; shift 2 ;;
    --point) point="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "Cannot run: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n "$repo" && -n "$point" ]] || { echo "Cannot run: give --repo DIR and --point ID" >&2; exit 2; }
command -v qemu-io >/dev/null || { echo "Cannot run: qemu-io is not installed" >&2; exit 1; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/cairn" --version >/dev/null # builds, and makes the start-up cache, outside the timings
times=()
for _ in $(seq 1 "$runs"); do
  port=$((20000 + RANDOM % 20000))
  t0=$(date +%s%N)
  "$root/cairn" export --repo "$repo" --point "$point" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
  pid=$!
  until qemu-io -f raw -r -c 'read 0 4k' "nbd://127.0.0.1:$port/disk0" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "Cannot run: cairn export ended early" >&2; exit 1; }
    sleep 0.005
  done
  t1=$(date +%s%N)
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  ms=$(((t1 - t0) / 1000000))
  times+=("$ms")
  echo "start to first byte: $ms ms"
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "median of $runs: ${sorted[$((runs / 2))]} ms (best ${sorted[0]}, worst ${sorted[$((runs - 1))]})"
