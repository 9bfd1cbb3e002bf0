#!/usr/bin/env bash
# Compare Cairn, restic and borg on the same synthetic VM disk images (see benchmarks/README.md).
#
#   benchmarks/compare.sh [--size 4G] [--seed 42] [--change-fraction 0.02] [--work DIR]
#                         [--tools cairn,restic,borg] [--out FILE] [--regen] [--cold-restore]
#   benchmarks/compare.sh --sparse-size 64G [--work DIR] [--out FILE]     (Cairn only)
#
# Needs benchmarks/target/cairn-benchmarks.jar (build the benchmarks module first) and, for Cairn,
# ./cairn at the repository root. restic, borgbackup and GNU time are installed with apt-get when
# missing and the script runs as root.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$SCRIPT_DIR")
JAR="$SCRIPT_DIR/target/cairn-benchmarks.jar"
CAIRN="${CAIRN:-$ROOT/cairn}"   # override with CAIRN=/path/to/cairn
source "$ROOT/scripts/java-home.sh"   # Java 25, as the rest of the project
JAVA="$JAVA_HOME/bin/java"
TIME=/usr/bin/time

SIZE=4G
SEED=42
FRACTION=0.02
WORK=./bench-work
OUT=
TOOLS=cairn,restic,borg
SPARSE_SIZE=
REGEN=0
COLD_RESTORE=0

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "compare.sh: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) SIZE=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --change-fraction) FRACTION=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    --sparse-size) SPARSE_SIZE=$2; shift 2 ;;
    --regen) REGEN=1; shift ;;
    --cold-restore) COLD_RESTORE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

if [[ $COLD_RESTORE -eq 1 && ! -w /proc/sys/vm/drop_caches ]]; then
  die "--cold-restore drops the page cache before each restore: run it as root"
fi

IFS=, read -r -a TOOL_LIST <<<"$TOOLS"
[[ -n "$SPARSE_SIZE" ]] && TOOL_LIST=(cairn)
for t in "${TOOL_LIST[@]}"; do
  case "$t" in cairn|restic|borg) ;; *) die "unknown tool '$t' (cairn, restic, borg)" ;; esac
done
has_tool() { local t; for t in "${TOOL_LIST[@]}"; do [[ "$t" == "$1" ]] && return 0; done; return 1; }

# ---------------------------------------------------------------------------------------------
# Prerequisites

APT_UPDATED=0
ensure() { # ensure COMMAND-OR-PATH DEBIAN-PACKAGE
  if [[ "$1" == /* ]]; then [[ -x "$1" ]] && return 0; else command -v "$1" >/dev/null && return 0; fi
  [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null \
    || die "$1 is missing: install the Debian package '$2' (or run this script as root)"
  echo "Installing $2 ..." >&2
  if [[ $APT_UPDATED -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2
}

ensure "$TIME" time
has_tool restic && ensure restic restic
has_tool borg && ensure borg borgbackup
if has_tool cairn; then
  [[ -x "$CAIRN" ]] || die "Cairn CLI not found at $CAIRN (build it, or pass --tools restic,borg)"
fi
[[ -f "$JAR" ]] || die "$JAR is missing; build it with:
  ./mvnw -q -B -pl benchmarks -am -DskipTests install"

[[ -n "$OUT" && "$OUT" != /* ]] && OUT="$PWD/$OUT"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
RES="$WORK/results"
rm -rf "$RES"
mkdir -p "$RES"
cd "$WORK"

export CAIRN_PASSWORD=bench-password
export RESTIC_PASSWORD=bench-password
export RESTIC_CACHE_DIR="$WORK/cache/restic"
export BORG_PASSPHRASE=bench-password
export BORG_BASE_DIR="$WORK/cache/borg"
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
export BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
export BORG_DISPLAY_PASSPHRASE=no

# ---------------------------------------------------------------------------------------------
# Helpers

# measure LABEL COMMAND...: runs COMMAND under GNU time; stdout in LABEL.out, stderr in LABEL.err,
# "wall user sys maxrss_kib" in LABEL.time.
measure() {
  local label=$1; shift
  if ! "$TIME" -f '%e %U %S %M' -o "$RES/$label.time" "$@" >"$RES/$label.out" 2>"$RES/$label.err"; then
    echo "compare.sh: step '$label' failed: $*" >&2
    tail -n 20 "$RES/$label.err" >&2 || true
    mv "$RES/$label.time" "$RES/$label.time-failed" 2>/dev/null || true
    return 1
  fi
}
# field LABEL N: Nth number (1 wall, 2 user, 3 sys, 4 maxrss KiB) of a measured step
field() { tail -n 1 "$RES/$1.time" | awk -v n="$2" '{print $n}'; }
cpu() { tail -n 1 "$RES/$1.time" | awk '{printf "%.2f", $2 + $3}'; }
repo_bytes() { du -sb "$1" | awk '{print $1}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
json_id() { # first top-level "id" of a JSON document on stdin
  if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
  else
    sed -n 's/.*"id"[[:space:]]*:[[:space:]]*"\{0,1\}\([^",}]*\).*/\1/p' | head -n 1
  fi
}
# With --cold-restore, each restore reads its repository from the disk, not from the page cache:
# as a restore does days after the backup. Without it, restic and borg restore from a cache their
# own backups just filled, while Cairn's packs (written with O_DIRECT) are cold.
drop_caches_for_restore() {
  [[ $COLD_RESTORE -eq 1 ]] || return 0
  sync
  echo 3 >/proc/sys/vm/drop_caches
}
emit() { # append a line to the report (stdout and --out)
  printf '%s\n' "$*" >>"$RES/report.md"
}

generate() { # generate NAME ARGS...: run the synthetic disk generator, reusing images when unchanged
  local stamp="$1.stamp"; shift
  local want
  want="$* $(sha256sum "$JAR" | cut -c1-16)"
  if [[ $REGEN -eq 0 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "Reusing images ($stamp matches)" >&2
    cat "$stamp.summary"
    return
  fi
  rm -f "$stamp"
  echo "Generating images: $*" >&2
  "$JAVA" -cp "$JAR" dev.cairn.benchmarks.disk.SyntheticDisk "$@" >"$stamp.summary" || die "image generation failed"
  printf '%s' "$want" >"$stamp"
  cat "$stamp.summary"
}

versions() {
  local t
  for t in "${TOOL_LIST[@]}"; do
    case "$t" in
      cairn) "$CAIRN" --version 2>/dev/null | head -n 1 | grep . || echo "cairn (version unknown)" ;;
      restic) restic version | head -n 1 ;;
      borg) borg --version | head -n 1 ;;
    esac
  done | paste -sd ';' | sed 's/;/; /g'
}

host_line() {
  echo "$(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM," \
    "$(uname -sr), $(df -T "$WORK" | awk 'NR == 2 {print $2}') work dir"
}

# ---------------------------------------------------------------------------------------------
# Sparse mode: Cairn only, one backup of a mostly-sparse image.

if [[ -n "$SPARSE_SIZE" ]]; then
  IMG="sparse-$SPARSE_SIZE.img"
  SUMMARY=$(generate "$IMG" --sparse-size "$SPARSE_SIZE" --seed "$SEED" --out "$IMG")
  echo "$SUMMARY" >&2
  rm -rf repo-cairn-sparse
  "$CAIRN" init --repo repo-cairn-sparse >"$RES/sparse-init.out" 2>"$RES/sparse-init.err" \
    || { cat "$RES/sparse-init.err" >&2; die "cairn init failed"; }
  measure sparse-backup "$CAIRN" backup --repo repo-cairn-sparse --vm bench-sparse --disk "$IMG" --json
  REPO=$(repo_bytes repo-cairn-sparse)
  : >"$RES/report.md"
  emit "## Cairn on a sparse $SPARSE_SIZE image"
  emit ""
  emit "- image: $SUMMARY"
  emit "- host: $(host_line); $(versions)"
  emit "- the image is read from the page cache (the cache is not dropped); holes read as zeros"
  emit ""
  emit "| tool | image | data MiB | backup s | CPU s | peak RSS MiB | repo MiB |"
  emit "|---|---|---|---|---|---|---|"
  DATA=$(sed -n 's/.*written=\([0-9]*\).*/\1/p' <<<"$SUMMARY")
  emit "| cairn | $SPARSE_SIZE sparse | $(mib "$DATA") | $(field sparse-backup 1) | $(cpu sparse-backup)" \
    "| $(awk -v k="$(field sparse-backup 4)" 'BEGIN {printf "%.0f", k / 1024}') | $(mib "$REPO") |"
  cat "$RES/report.md"
  [[ -n "$OUT" ]] && cp "$RES/report.md" "$OUT"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Comparison mode

SUMMARY=$(generate images --size "$SIZE" --seed "$SEED" --out day1.img --day2 day2.img \
  --changed-extents day2.extents --change-fraction "$FRACTION")
echo "$SUMMARY" >&2

# run_tool TOOL: init, full backup of day1, incremental of day2, restore of day2, cmp.
# Writes $RES/TOOL.* (timings, repo sizes, verification). Runs in a subshell so that a failing
# tool stops only itself.
run_tool() {
  local tool=$1 repo="repo-$tool" restored="restore-$tool" id
  rm -rf "$repo" "$restored"
  mkdir -p "$restored"
  # With --cold-restore the previous tool's restore dropped the cache: read the images back in,
  # so that every tool's backups read them from memory alike.
  [[ $COLD_RESTORE -eq 1 ]] && cat day1.img day2.img >/dev/null
  case "$tool" in
    cairn)
      "$CAIRN" init --repo "$repo" >"$RES/$tool-init.out" 2>"$RES/$tool-init.err" \
        || { cat "$RES/$tool-init.err" >&2; return 1; }
      measure "$tool-full" "$CAIRN" backup --repo "$repo" --vm bench --disk day1.img --json
      repo_bytes "$repo" >"$RES/$tool.repo-full"
      measure "$tool-incr" "$CAIRN" backup --repo "$repo" --vm bench --disk day2.img \
        --changed-extents day2.extents --json
      repo_bytes "$repo" >"$RES/$tool.repo-incr"
      id=$(json_id <"$RES/$tool-incr.out")
      [[ -n "$id" ]] || { echo "no id in cairn backup output" >&2; return 1; }
      drop_caches_for_restore
      measure "$tool-restore" "$CAIRN" restore --repo "$repo" --point "$id" --disk 0 \
        --to "$restored/day2.img"
      ;;
    restic)
      restic -r "$repo" init >"$RES/$tool-init.out" 2>"$RES/$tool-init.err" \
        || { cat "$RES/$tool-init.err" >&2; return 1; }
      measure "$tool-full" restic -r "$repo" backup --quiet --host bench day1.img
      repo_bytes "$repo" >"$RES/$tool.repo-full"
      measure "$tool-incr" restic -r "$repo" backup --quiet --host bench day2.img
      repo_bytes "$repo" >"$RES/$tool.repo-incr"
      drop_caches_for_restore
      measure "$tool-restore" restic -r "$repo" restore latest --host bench --target "$restored"
      ;;
    borg)
      borg init -e repokey "$repo" >"$RES/$tool-init.out" 2>"$RES/$tool-init.err" \
        || { cat "$RES/$tool-init.err" >&2; return 1; }
      measure "$tool-full" borg create --compression zstd,3 "$repo::day1" day1.img
      repo_bytes "$repo" >"$RES/$tool.repo-full"
      measure "$tool-incr" borg create --compression zstd,3 "$repo::day2" day2.img
      repo_bytes "$repo" >"$RES/$tool.repo-incr"
      drop_caches_for_restore
      measure "$tool-restore" sh -c 'cd "$1" && shift && exec "$@"' in_dir "$restored" borg extract --sparse "$WORK/$repo::day2"
      ;;
  esac
  local file
  file=$(find "$restored" -type f -name day2.img | head -n 1)
  if [[ -n "$file" ]] && cmp -s day2.img "$file"; then
    echo yes >"$RES/$tool.verified"
  else
    echo "NO" >"$RES/$tool.verified"
    echo "compare.sh: $tool: restored file ${file:-(none)} differs from day2.img" >&2
  fi
  rm -rf "$restored"
}

STATUS=0
for tool in "${TOOL_LIST[@]}"; do
  echo "== $tool" >&2
  set +e
  (set -e; run_tool "$tool")
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    echo failed >"$RES/$tool.failed"
    STATUS=1
  elif [[ "$(cat "$RES/$tool.verified")" != yes ]]; then
    STATUS=1
  fi
done

step_field() { if [[ -f "$RES/$1.time" ]]; then field "$1" "$2"; else echo "-"; fi; }
step_cpu() { if [[ -f "$RES/$1.time" ]]; then cpu "$1"; else echo "-"; fi; }
rss_max() { # peak RSS in MiB over a tool's measured steps
  cat "$RES/$1"-*.time 2>/dev/null | awk 'NF == 4 && $4 > m {m = $4} END {printf "%.0f", m / 1024}'
}

: >"$RES/report.md"
emit "## Backup of a $SIZE VM disk image: Cairn, restic, borg"
emit ""
emit "- images: $SUMMARY"
emit "- host: $(host_line)"
emit "- versions: $(versions)"
emit "- every run reads the images from the page cache (it is not dropped between runs);" \
  "tools run one after the other, each with the same steps: full backup of day1," \
  "backup of day2, restore of day2, cmp with day2.img"
if [[ $COLD_RESTORE -eq 1 ]]; then
  emit "- --cold-restore: the page cache is dropped before each restore, so every tool restores" \
    "from a cold repository (the images are read back into the cache before each tool's backups)"
else
  emit "- restores read each repository as its backups left it in the page cache: restic's and" \
    "borg's packs are cached, Cairn's (written with O_DIRECT) are not"
fi
emit "- Cairn's day-2 backup reads only the changed extents (--changed-extents);" \
  "restic and borg read all of day2.img and deduplicate it against day 1"
emit "- settings: restic defaults (repository v2, auto compression); borg --compression zstd,3;" \
  "Cairn defaults. CPU = user + sys. Peak RSS: the highest of the three timed steps"
emit ""
emit "| tool | full s | full CPU s | incr s | restore s | peak RSS MiB | repo after full MiB | repo growth day2 MiB | restored = day2 |"
emit "|---|---|---|---|---|---|---|---|---|"
for tool in "${TOOL_LIST[@]}"; do
  full=$(step_field "$tool-full" 1)
  fullcpu=$(step_cpu "$tool-full")
  incr=$(step_field "$tool-incr" 1)
  rest=$(step_field "$tool-restore" 1)
  rss=$(rss_max "$tool")
  rf="-"; growth="-"
  [[ -f "$RES/$tool.repo-full" ]] && rf=$(mib "$(cat "$RES/$tool.repo-full")")
  [[ -f "$RES/$tool.repo-incr" ]] \
    && growth=$(mib $(($(cat "$RES/$tool.repo-incr") - $(cat "$RES/$tool.repo-full"))))
  ok=$(cat "$RES/$tool.verified" 2>/dev/null || echo "FAILED")
  emit "| $tool | $full | $fullcpu | $incr | $rest | $rss | $rf | $growth | $ok |"
done
emit ""
emit "Per step (wall s, user s, sys s, peak RSS MiB):"
emit ""
emit "| tool | step | wall s | user s | sys s | peak RSS MiB |"
emit "|---|---|---|---|---|---|"
for tool in "${TOOL_LIST[@]}"; do
  for step in full incr restore; do
    [[ -f "$RES/$tool-$step.time" ]] || continue
    emit "| $tool | $step | $(tail -n 1 "$RES/$tool-$step.time" \
      | awk '{printf "%s | %s | %s | %.0f", $1, $2, $3, $4 / 1024}') |"
  done
done

cat "$RES/report.md"
[[ -n "$OUT" ]] && cp "$RES/report.md" "$OUT"
exit $STATUS
