#!/usr/bin/env bash
# The "Federation at scale" benchmark: K real daemons on 127.0.0.1 (K =
# 20, 40, 80 by default), one per NUTS-2 region, set up as a new user
# would (tests/scale.sh: `federation admit --nuts`, two earlier nodes as
# `peers`, defaults otherwise), each importing M members of its region.
# For each K it prints:
#   - idle bytes a node sends a second on all its links (framing
#     included), mean and most, over SD_SCALE_IDLE seconds in sync;
#   - idle CPU of all the daemons together (cores);
#   - the time from the first import's start until every node holds
#     every member, and the rate: records stored across all nodes (K x
#     K x M) over that time, beside the two-node full-sync rate measured
#     in the same run (a new node joining one that holds SD_SCALE_FULL
#     members);
#   - records received twice, over records received;
#   - one new member's time to reach every node (the nodes' log
#     timestamps).
# Targets (issue 13): idle bytes at the largest K within 20 % of the
# smallest and under 1 kB/s; idle CPU of 80 daemons under 0.05 core; the
# rate at least 0.8 x the two-node rate; one member to all 80 in < 0.5 s.
#
# usage: bench/scale.sh BUILD_DIR
#   SD_SCALE_KS    the federation sizes (default "20 40 80")
#   SD_SCALE_M     members a node imports (default 100)
#   SD_SCALE_FULL  members of the two-node full sync (default 20000)
#   SD_SCALE_IDLE  seconds of the idle measurement (default 20)
set -euo pipefail

source "$(dirname "$0")/lib.sh"
bench_build "$@"
SD_SRC=$(cd "$(dirname "$0")/.." && pwd)
SD_BIN=$B
source "$SD_SRC/tests/scale.sh"
KS=${SD_SCALE_KS:-20 40 80}
M=${SD_SCALE_M:-100}
FULL=${SD_SCALE_FULL:-20000}
IDLE=${SD_SCALE_IDLE:-20}
TOP=$(mktemp -d "${TMPDIR:-/tmp}/sdscale.XXXXXX")
T=$TOP

cleanup() {
	local rc=$?
	bench_stop
	rm -rf "$TOP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The two-node full-sync rate, for comparison.
T=$TOP/pair
mkdir -p "$T"
sd_root
BENCH_LOG_LEVEL=info
PA=$(free_port)
PB=$(free_port)
node a FI "$PA"
"$B/sdgen" --count "$FULL" --seed 7 --countries FI --format csv > "$T/full.csv"
sdc a import "$T/full.csv" >/dev/null
t0=$(now)
node b SE "$PB" "$PA"
while [ "$(status_field b members)" != "$FULL" ]; do sleep 0.1; done
secs=$(elapsed "$t0")
PAIR=$(ratio "$FULL" "$secs")
echo "two-node full sync: $FULL records in $secs s: $PAIR records/s"
bench_stop

printf '\n%4s %8s %6s %9s %8s %10s %9s %6s %8s %7s\n' K members "idle" "idle max" "CPU" "converge" "rate" "x pair" "twice" "reach"
printf '%4s %8s %6s %9s %8s %10s %9s %6s %8s %7s\n' "" "" "B/s" "B/s" cores s "rec/s" "" "" ms
declare -A IDLE_OF
for K in $KS; do
	T=$TOP/k$K
	mkdir -p "$T"
	sd_root
	scale_up n "$K" "$M"
	wait "${SCALE_IMPORTS[@]}"
	if ! scale_converged $((K * M)) 900; then
		echo "K=$K: did not converge on $((K * M)) members in 900 s" >&2
		exit 1
	fi
	conv=$(awk -v a="$SCALE_IMPORT_T0" -v b="$SCALE_CONVERGED_T" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
	rate=$(ratio $((K * K * M)) "$conv")
	sleep 5
	scale_idle "$IDLE"
	IDLE_OF[$K]=$SCALE_IDLE_BYTES
	read -r twice _ < <(scale_dups)
	reach=$(scale_reach n$((K / 2)))
	printf '%4s %8s %6s %9s %8s %10s %9s %6s %8s %7s\n' "$K" $((K * M)) \
		"$SCALE_IDLE_BYTES" "$SCALE_IDLE_MAX" "$SCALE_IDLE_CPU" "$conv" \
		"$rate" "$(ratio "$rate" "$PAIR" %.2f)" "$twice" "$reach"
	bench_stop
done
first=${KS%% *}
last=${KS##* }
echo
echo "idle bytes a node at K=$last over K=$first: $(ratio "${IDLE_OF[$last]}" "${IDLE_OF[$first]}" %.2f)"
