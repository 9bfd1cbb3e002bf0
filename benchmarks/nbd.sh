#!/usr/bin/env bash
# Cairn over NBD, one run: backup from a qemu-nbd export against backup of the same image file,
# restore into an NBD export, and `cairn export` (time to first byte, sequential read with nbdcopy).
#
#   benchmarks/nbd.sh [--image FILE] [--work DIR] [--out FILE]
#
# --image defaults to the 4 GiB day-1 image that compare.sh generates (--work of compare.sh). Needs
# ./cairn, qemu-img, qemu-nbd, qemu-io, nbdcopy (scripts/install-test-deps installs them).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$SCRIPT_DIR")
CAIRN="${CAIRN:-$ROOT/cairn}"
WORK=./bench-work
IMAGE=
OUT=

while [[ $# -gt 0 ]]; do
  case "$1" in
    --image) IMAGE=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "nbd.sh: unknown argument: $1" >&2; exit 1 ;;
  esac
done
IMAGE=${IMAGE:-$WORK/day1.img}
[[ -f "$IMAGE" ]] || { echo "nbd.sh: no image $IMAGE (run compare.sh first or give --image)" >&2; exit 1; }
for tool in qemu-img qemu-nbd qemu-io nbdcopy; do
  command -v "$tool" >/dev/null || { echo "nbd.sh: $tool missing (scripts/install-test-deps)" >&2; exit 1; }
done

RUN="$WORK/nbd-run"
rm -rf "$RUN"; mkdir -p "$RUN"
export CAIRN_PASSWORD=benchmark-password
SIZE=$(stat -c %s "$IMAGE")
MIB=$((SIZE / 1048576))
"$CAIRN" --version >/dev/null   # build and warm the launcher outside the timings
now() { date +%s.%N; }
rate() { awk -v mib="$MIB" -v s="$1" 'BEGIN { printf "%.0f MiB/s", mib / s }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_socket() { for _ in $(seq 500); do [[ -S "$1" ]] && return 0; sleep 0.02; done; return 1; }

"$CAIRN" init --repo "$RUN/repo-file" >/dev/null
"$CAIRN" init --repo "$RUN/repo-nbd" >/dev/null

t0=$(now); "$CAIRN" backup --repo "$RUN/repo-file" --vm bench --disk "$IMAGE" >/dev/null; t1=$(now)
FILE_BACKUP=$(secs "$t0" "$t1")

qemu-nbd -r -f raw -x disk -e 16 -t -k "$RUN/src.sock" "$IMAGE" & PIDS+=($!)
wait_socket "$RUN/src.sock"
t0=$(now); "$CAIRN" backup --repo "$RUN/repo-nbd" --vm bench --disk "nbd+unix:///disk?socket=$RUN/src.sock" >/dev/null; t1=$(now)
NBD_BACKUP=$(secs "$t0" "$t1")
t0=$(now); nbdcopy "nbd+unix:///disk?socket=$RUN/src.sock" null: ; t1=$(now)
NBDCOPY_SOURCE=$(secs "$t0" "$t1")

POINT=$("$CAIRN" points --repo "$RUN/repo-nbd" --json | sed -n 's/.*"id" *: *"\([0-9a-f]*\)".*/\1/p' | head -1)
qemu-img create -q -f qcow2 "$RUN/target.qcow2" "$SIZE"
qemu-nbd -f qcow2 -x out -t -k "$RUN/dst.sock" "$RUN/target.qcow2" & PIDS+=($!)
wait_socket "$RUN/dst.sock"
t0=$(now); "$CAIRN" restore --repo "$RUN/repo-nbd" --point "$POINT" --to "nbd+unix:///out?socket=$RUN/dst.sock" >/dev/null; t1=$(now)
NBD_RESTORE=$(secs "$t0" "$t1")
t0=$(now); "$CAIRN" restore --repo "$RUN/repo-nbd" --point "$POINT" --to "$RUN/restored.img" >/dev/null; t1=$(now)
FILE_RESTORE=$(secs "$t0" "$t1")
cmp "$IMAGE" "$RUN/restored.img"

PORT=$((20000 + RANDOM % 20000))
t0=$(now)
"$CAIRN" export --repo "$RUN/repo-nbd" --point "$POINT" --listen "127.0.0.1:$PORT" >/dev/null & PIDS+=($!)
until qemu-io -f raw -r -c 'read 0 4k' "nbd://127.0.0.1:$PORT/disk0" >/dev/null 2>&1; do sleep 0.01; done
t1=$(now)
FIRST_BYTE=$(secs "$t0" "$t1")
t0=$(now); nbdcopy "nbd://127.0.0.1:$PORT/disk0" null: ; t1=$(now)
EXPORT_READ=$(secs "$t0" "$t1")

report() {
  echo "### NBD run $(date -u +%Y-%m-%d), $(nproc) cores, image $(basename "$IMAGE") ($MIB MiB)"
  echo
  echo "Command: \`benchmarks/nbd.sh --image $IMAGE\`"
  echo
  echo "| what | seconds | rate |"
  echo "|---|---:|---:|"
  echo "| backup from the image file | $FILE_BACKUP | $(rate "$FILE_BACKUP") |"
  echo "| backup from qemu-nbd (same image) | $NBD_BACKUP | $(rate "$NBD_BACKUP") |"
  echo "| nbdcopy from qemu-nbd to null: (reference) | $NBDCOPY_SOURCE | $(rate "$NBDCOPY_SOURCE") |"
  echo "| restore to a file | $FILE_RESTORE | $(rate "$FILE_RESTORE") |"
  echo "| restore into qemu-nbd (qcow2) | $NBD_RESTORE | $(rate "$NBD_RESTORE") |"
  echo "| \`cairn export\`: start to first 4 KiB read | $FIRST_BYTE | |"
  echo "| \`cairn export\`: nbdcopy of the whole disk to null: | $EXPORT_READ | $(rate "$EXPORT_READ") |"
}
if [[ -n "$OUT" ]]; then report | tee "$OUT"; else report; fi
