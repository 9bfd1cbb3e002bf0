#!/usr/bin/env bash
# Compares the read throughput of Cairn's NBD client with nbdcopy on the same local qemu-nbd export.
#
#   benchmarks/nbd-read.sh [--size 4G] [--connections 4] [--block-size 8] [--rounds 3] [--dir DIR]
#
# Makes a file of incompressible data of the given size (in DIR, default a new temporary
# directory), serves it read-only with qemu-nbd on a Unix socket, reads it once to warm the page
# cache, then times `nbdcopy ... null:` and Cairn's client (a fresh JVM each time, so JIT warm-up
# counts against it) with 1 and N connections, in interleaved rounds so that a busy machine
# slows all of them alike. Prints every run, then the best and the median of each. Needs qemu-nbd,
# nbdcopy (libnbd-bin), openssl and Java 25; builds the nbd module's test classes.
set -euo pipefail

size=4G
connections=4
block_size=8
rounds=3
dir=""
while (($#)); do
  case "$1" in
    --size) size="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --block-size) block_size="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "Cannot run: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
for tool in qemu-nbd nbdcopy openssl; do
  command -v "$tool" >/dev/null || { echo "Cannot run: $tool is not installed" >&2; exit 1; }
done

(cd "$root" && ./mvnw -q -pl nbd test-compile)
classpath="$root/nbd/target/classes:$root/nbd/target/test-classes"

if [[ -z "$dir" ]]; then
  dir="$(mktemp -d)"
  own_dir=1
fi
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ -n "${own_dir:-}" ]] && rm -rf "$dir"
  return 0
}
trap cleanup EXIT

image="$dir/disk.raw"
socket="$dir/nbd.sock"
echo "Making $size of incompressible data in $image"
# AES-CTR of zeros is random-looking and much faster than /dev/urandom.
# (A process substitution, since openssl ends on SIGPIPE once head has enough.)
head -c "$size" < <(openssl enc -aes-128-ctr -nosalt -pass pass:cairn-benchmark -in /dev/zero 2>/dev/null) >"$image"
bytes=$(stat -c %s "$image")

qemu-nbd -r -t --shared=8 -x disk -f raw -k "$socket" "$image" &
server_pid=$!
for _ in $(seq 1 200); do [[ -S "$socket" ]] && break; sleep 0.05; done
url="nbd+unix:///disk?socket=$socket"
cat "$image" >/dev/null # warm the page cache so every reader sees the same memory speed

mib_per_second() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", b / 1048576 / s }'; }
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
declare -A results
for round in $(seq 1 "$rounds"); do
  start=$(date +%s.%N)
  nbdcopy "$url" null:
  elapsed=$(seconds_since "$start")
  rate=$(mib_per_second "$elapsed")
  echo "round $round: nbdcopy (defaults): $((bytes >> 20)) MiB in $elapsed s = $rate MiB/s"
  results[nbdcopy]+="$rate "
  for n in 1 "$connections"; do
    line=$("$java" -cp "$classpath" dev.cairn.nbd.bench.NbdReadThroughput \
      --url "$url" --connections "$n" --block-size "$block_size")
    echo "round $round: $line"
    results["cairn-$n"]+="$(awk '{ print $(NF-1) }' <<<"$line") "
  done
done

echo "Summary over $rounds rounds of $((bytes >> 20)) MiB (MiB/s):"
for name in nbdcopy cairn-1 "cairn-$connections"; do
  sort -n <<<"$(tr ' ' '\n' <<<"${results[$name]}" | grep .)" | awk -v name="$name" \
    '{ v[NR] = $1 } END { printf "  %-10s best %6d  median %6d\n", name, v[NR], v[int((NR + 1) / 2)] }'
done
# Each round's Cairn figure over that round's nbdcopy figure: the rounds ran back to back, so a
# busy moment slows both alike.
echo "Cairn over nbdcopy, round by round:"
for name in cairn-1 "cairn-$connections"; do
  paste <(tr ' ' '\n' <<<"${results[$name]}" | grep .) <(tr ' ' '\n' <<<"${results[nbdcopy]}" | grep .) |
    awk '{ print $1 / $2 }' | sort -n | awk -v name="$name" \
      '{ v[NR] = $1 } END { printf "  %-10s worst %.2fx  median %.2fx  best %.2fx\n", name, v[1], v[int((NR + 1) / 2)], v[NR] }'
done
