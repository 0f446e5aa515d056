#!/usr/bin/env bash
# The "Foundation" benchmark: how fast one node imports members through
# its daemon, compared with how fast one thread can sign records (every
# stored member is a new signed record, so signing bounds the import).
#
# usage: bench/run.sh BUILD_DIR
#   SD_BENCH_N      members to import (default 100000)
#   SD_BENCH_SEED   generator seed (default 1)
#   SD_BENCH_BATCH  rows per put request (default: the CLI's, 2000)
#   SD_BENCH_KEEP=1 keep the temporary directory (its path is printed)
#
# Creates a federation root and one node certified for FI in a temporary
# directory, starts stardustd on it, generates SD_BENCH_N members with
# sdgen, times `stardust import --dry-run` (the checking pass alone) and
# `stardust import` (checking, then storing in batches), times a few
# searches, and prints a report. The daemon is stopped (SIGTERM) and the
# directory removed on any exit.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
bench_build "$@"
N=${SD_BENCH_N:-100000}
SEED=${SD_BENCH_SEED:-1}
case $N in '' | *[!0-9]*) echo "SD_BENCH_N must be a number" >&2; exit 2 ;; esac
BATCH_ARGS=()
if [ -n "${SD_BENCH_BATCH:-}" ]; then
	BATCH_ARGS=(--batch "$SD_BENCH_BATCH")
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/sdbench.XXXXXX")
CHILD=
cleanup() {
	local rc=$?
	if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
		kill -TERM "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	bench_stop
	if [ $rc -ne 0 ] && [ -f "$T/n1.log" ]; then
		echo "--- daemon log (last lines) ---" >&2
		tail -n 20 "$T/n1.log" >&2 || true
	fi
	if [ "${SD_BENCH_KEEP:-0}" = 1 ]; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run CMD...: CMD in the background, waited for. Bash runs a trap only
# after a foreground command ends, but interrupts `wait` at once, so this
# lets Ctrl-C or SIGTERM stop a long import promptly.
run() {
	local rc=0
	"$@" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=
	return $rc
}

export STARDUST_CONFIG="$T/n1/stardust.conf"

# The federation and the node.
sd_root
sd_node n1
sd_start n1
sd_admit n1 --countries FI

# The signing bound, measured on this machine in this run.
run "$B/bench_sign" --seconds 2 >"$T/sign.txt"
SIGN_RATE=$(awk -F= '$1 == "sign_rate_per_s" { print $2 }' "$T/sign.txt")
VERIFY_RATE=$(awk -F= '$1 == "verify_rate_per_s" { print $2 }' "$T/sign.txt")
RSIGN_RATE=$(awk -F= '$1 == "record_sign_rate_per_s" { print $2 }' "$T/sign.txt")

# The members.
t=$(now)
run "$B/sdgen" --count "$N" --seed "$SEED" --countries FI >"$T/members.csv"
GEN_S=$(elapsed "$t")
CSV_MB=$(ratio "$(stat -c %s "$T/members.csv")" 1048576 "%.1f")

# Pass 1 alone: parse, check in the CLI, check again in the daemon.
t=$(now)
run "$SD" import --dry-run "${BATCH_ARGS[@]}" "$T/members.csv" >"$T/dry.out"
DRY_S=$(elapsed "$t")

# The real import: pass 1 again, then sign and store in batches of 2000.
t=$(now)
run "$SD" import "${BATCH_ARGS[@]}" "$T/members.csv" >"$T/import.out"
IMP_S=$(elapsed "$t")
grep -q "^$N members imported" "$T/import.out" || {
	echo "import did not store $N members:" >&2
	cat "$T/import.out" >&2
	exit 1
}
STORED=$("$SD" status --json | awk -F'"own_members": *' 'NF > 1 { sub(/[,}].*/, "", $2); print $2 }')
[ "$STORED" = "$N" ] || { echo "status reports $STORED members, not $N" >&2; exit 1; }

IMP_RATE=$(ratio "$N" "$IMP_S")
STORE_S=$(awk -v a="$IMP_S" -v b="$DRY_S" 'BEGIN { printf "%.3f", a - b }')
STORE_RATE=$(ratio "$N" "$STORE_S")
RATIO=$(ratio "$IMP_RATE" "$SIGN_RATE" "%.2f")
STORE_RATIO=$(ratio "$STORE_RATE" "$SIGN_RATE" "%.2f")

# A few searches: time and number of matches.
search() {
	local t s total
	t=$(now)
	total=$("$SD" search "$@" --limit 20 | awk '/ match(es)?, [0-9]+ shown/ { print $1 }')
	s=$(elapsed "$t")
	printf '  %-44s %6s s  %7s matches\n' "search $*" "$s" "${total:-0}"
}

DB_KB=$(du -sk "$T/n1/db" | awk '{ print $1 }')
DB_FILE=$(stat -c %s "$T/n1/db/data.mdb" 2>/dev/null || echo 0)

cat <<EOF
Stardust import benchmark (N=$N, seed $SEED, batch ${SD_BENCH_BATCH:-2000}, node certified for FI)
  generate          $GEN_S s   ($CSV_MB MiB of CSV)
  import --dry-run  $DRY_S s   (pass 1: parse + check, nothing stored)
  import            $IMP_S s   (pass 1 + pass 2: sign and store)
  members           $N
  seconds           $IMP_S
  members_per_s     $IMP_RATE   (whole import)
  store_pass_per_s  $STORE_RATE   (import minus dry run: pass 2 alone)
  sign_rate_per_s   $SIGN_RATE   (one thread, crypto_sign_detached)
  record_sign_per_s $RSIGN_RATE   (one thread, record_sign)
  verify_rate_per_s $VERIFY_RATE
  ratio             $RATIO   (members/s / sign rate; target >= 0.6)
  store_pass_ratio  $STORE_RATIO
  lmdb_du_kib       $DB_KB   (du -sk of the db directory)
  lmdb_file_bytes   $DB_FILE   (data.mdb size)
  db_bytes_per_member $(ratio "$((DB_KB * 1024))" "$N" "%.0f")
Searches (the CLI's whole run: connect, query, print at most 20):
EOF
search mining --country FI
search laser cutting
search machine vision --region FI1B
search --sector C25 --kind sme --size small
search recycling mining waste --country FI
search jyvaskyla
