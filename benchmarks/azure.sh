#!/usr/bin/env bash
# Cairn against rclone uploading to the same Azurite in one run, and `cairn copy` of the resulting
# repository into a second container.
#
#   benchmarks/azure.sh [--image FILE] [--work DIR] [--out FILE]
#
# --image defaults to the 4 GiB day-1 image of compare.sh (--work of compare.sh). rclone uploads
# the image file as it is; Cairn backs it up (skipping holes, deduplicating, compressing and
# encrypting) into a repository in the same Azurite. Needs ./cairn, azurite-blob
# (scripts/install-azurite) and rclone (installed with apt-get when missing, as root).
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
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "azure.sh: unknown argument: $1" >&2; exit 1 ;;
  esac
done
IMAGE=${IMAGE:-$WORK/day1.img}
[[ -f "$IMAGE" ]] || { echo "azure.sh: no image $IMAGE (run compare.sh first or give --image)" >&2; exit 1; }
command -v rclone >/dev/null || { [[ $(id -u) -eq 0 ]] && apt-get install -y -qq --no-install-recommends rclone; }
command -v azurite-blob >/dev/null || { echo "azure.sh: azurite-blob missing (scripts/install-azurite)" >&2; exit 1; }

RUN="$WORK/azure-run"
rm -rf "$RUN"; mkdir -p "$RUN/azurite" "$RUN/upload"
PORT=$((20000 + RANDOM % 20000))
# Azurite's built-in development account: rclone 1.60 reaches an emulator only with
# use_emulator, which implies that account and its published key.
ACCOUNT=devstoreaccount1
KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
azurite-blob --blobHost 127.0.0.1 --blobPort "$PORT" \
  --location "$RUN/azurite" --disableTelemetry --silent >"$RUN/azurite.log" 2>&1 &
AZURITE=$!
trap 'kill $AZURITE 2>/dev/null || true' EXIT
for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done
ENDPOINT="http://127.0.0.1:$PORT/$ACCOUNT"
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$ACCOUNT;AccountKey=$KEY;BlobEndpoint=$ENDPOINT;"
export RCLONE_CONFIG_AZ_TYPE=azureblob RCLONE_CONFIG_AZ_USE_EMULATOR=true RCLONE_CONFIG_AZ_ENDPOINT=$ENDPOINT
export CAIRN_PASSWORD=benchmark-password
"$CAIRN" --version >/dev/null
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
SIZE=$(stat -c %s "$IMAGE")
DATA=$(du -B1 "$IMAGE" | cut -f1)   # allocated bytes: what a reader must move

cp --sparse=always "$IMAGE" "$RUN/upload/disk.img"
t0=$(now); rclone copy --azureblob-chunk-size 4M "$RUN/upload" az:rclone >/dev/null 2>&1; t1=$(now)
RCLONE=$(secs "$t0" "$t1")

"$CAIRN" init --repo "azure://$ACCOUNT/cairn-a" >/dev/null
t0=$(now); "$CAIRN" backup --repo "azure://$ACCOUNT/cairn-a" --vm bench --disk "$IMAGE" >/dev/null; t1=$(now)
BACKUP=$(secs "$t0" "$t1")
STORED=$(du -sb "$RUN/azurite" | cut -f1)

"$CAIRN" init --repo "azure://$ACCOUNT/cairn-b" >/dev/null
t0=$(now); "$CAIRN" copy --from "azure://$ACCOUNT/cairn-a" --to "azure://$ACCOUNT/cairn-b" >/dev/null; t1=$(now)
COPY=$(secs "$t0" "$t1")

report() {
  echo "### Azurite run $(date -u +%Y-%m-%d), $(nproc) cores, image $(basename "$IMAGE") ($(mib "$SIZE") MiB, $(mib "$DATA") MiB allocated)"
  echo
  echo "Command: \`benchmarks/azure.sh --image $IMAGE\`"
  echo
  echo "| what | seconds | image MiB/s |"
  echo "|---|---:|---:|"
  echo "| rclone copy of the image file to a container | $RCLONE | $(awk -v m="$(mib "$SIZE")" -v s="$RCLONE" 'BEGIN{printf "%.0f", m/s}') |"
  echo "| cairn backup of the image into a repository in a container | $BACKUP | $(awk -v m="$(mib "$SIZE")" -v s="$BACKUP" 'BEGIN{printf "%.0f", m/s}') |"
  echo "| cairn copy of that repository into a second container | $COPY | $(awk -v m="$(mib "$SIZE")" -v s="$COPY" 'BEGIN{printf "%.0f", m/s}') |"
  echo
  echo "Azurite's data directory after rclone's upload and Cairn's backup: $(mib "$STORED") MiB."
}
if [[ -n "$OUT" ]]; then report | tee "$OUT"; else report; fi
