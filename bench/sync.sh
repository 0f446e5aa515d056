#!/usr/bin/env bash
# The "Federation" benchmark.
#
#   1. Full sync: node A imports N members; an empty node B joins with A
#      as its only peer. Seconds until B holds all N, records/s, bytes on
#      the wire per record, beside the two-thread ed25519 verify rate
#      measured in the same run (target: within 1.5 x N / that rate).
#   2. Delta sync: A changes SD_BENCH_DELTA members (default 1000); time
#      and bytes until B has them (bytes must scale with the changes).
#   3. In sync: bytes A and B exchange over 3 s when neither changes
#      (target: no record bytes, only digests).
#   4. Latency: a 10-node federation (each node dials the two before it);
#      one new member on node 1; time until each node stores it, from the
#      nodes' millisecond log timestamps.
#
# usage: bench/sync.sh BUILD_DIR
#   SD_BENCH_N       members for the full sync (default 100000)
#   SD_BENCH_DELTA   changes for the delta sync (default 1000)
#   SD_BENCH_NODES   nodes in the latency federation (default 10; 0 skips)
#   SD_BENCH_KEEP=1  keep the temporary directory
set -euo pipefail

source "$(dirname "$0")/lib.sh"
bench_build "$@"
N=${SD_BENCH_N:-100000}
DELTA=${SD_BENCH_DELTA:-1000}
NODES=${SD_BENCH_NODES:-10}
for v in "$N" "$DELTA" "$NODES"; do
	case $v in '' | *[!0-9]*) echo "SD_BENCH_N, SD_BENCH_DELTA and SD_BENCH_NODES must be numbers" >&2; exit 2 ;; esac
done
[ "$DELTA" -le "$N" ] || { echo "SD_BENCH_DELTA must not exceed SD_BENCH_N" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/sdsync.XXXXXX")

cleanup() {
	local rc=$?
	bench_stop
	if [ "${SD_BENCH_KEEP:-0}" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bytes NODE: bytes in + out over all its peer connections.
bytes() {
	sdc "$1" peers --json | sdtest jsonl-sum bytes_in bytes_out
}
# recs_in NODE: records received over all its peer connections.
recs_in() {
	sdc "$1" peers --json | sdtest jsonl-sum records_in
}

sd_root

# The bound, measured now.
"$B/bench_sign" --seconds 2 >"$T/sign.txt"
V1=$(awk -F= '$1 == "verify_rate_per_s" { print $2 }' "$T/sign.txt")
V2=$(awk -F= '$1 == "verify2_rate_per_s" { print $2 }' "$T/sign.txt")
OPEN1=$(awk -F= '$1 == "record_open_rate_per_s" { print $2 }' "$T/sign.txt")

PA=$(free_port)
node a FI "$PA"
"$B/sdgen" --count "$N" --seed 7 --countries FI >"$T/members.csv"
t=$(now)
sdc a import "$T/members.csv" >/dev/null
IMPORT_S=$(elapsed "$t")

# 1. Full sync to an empty node.
PB=$(free_port)
node b NO "$PB" "$PA"
t=$CERT_T
for _ in $(seq 1 36000); do
	[ "$(status_field b members)" -ge "$N" ] && break
	sleep 0.05
done
FULL_S=$(elapsed "$t")
[ "$(status_field b members)" -eq "$N" ] || { echo "b holds $(status_field b members) members, not $N" >&2; exit 1; }
sleep 1.2 # connection counters are published every gossip tick
FULL_BYTES=$(bytes b)
FULL_RATE=$(ratio "$N" "$FULL_S")
TARGET_S=$(awk -v n="$N" -v v="$V2" 'BEGIN { printf "%.3f", 1.5 * n / v }')

# 3. In sync: nothing changes for 3 s.
sdc b status --wait --timeout 60 2>/dev/null >/dev/null
sleep 0.5
IDLE0=$(bytes b)
REC0=$(recs_in b)
sleep 3
IDLE_BYTES=$(($(bytes b) - IDLE0))
IDLE_RECS=$(($(recs_in b) - REC0))

# 2. Delta: DELTA members of A change (employees + 1), through import.
sdtest csv-head "$T/members.csv" "$DELTA" --bump employees --eol crlf >"$T/delta.csv"
W_BEFORE=$(status_field a own_seq)
D0=$(bytes b)
t=$(now)
sdc a import "$T/delta.csv" >/dev/null
DELTA_IMPORT_S=$(elapsed "$t")
W_AFTER=$(status_field a own_seq)
AKEY=$(sdc a status | awk '/node key/{print $3}')
for _ in $(seq 1 6000); do
	sdc b peers | grep -q "$AKEY  W=$W_AFTER" && break
	sleep 0.05
done
DELTA_S=$(elapsed "$t")
sleep 1.2
DELTA_BYTES=$(($(bytes b) - D0))
[ $((W_AFTER - W_BEFORE)) -eq "$DELTA" ] || { echo "a published $((W_AFTER - W_BEFORE)) changes, not $DELTA" >&2; exit 1; }

cat <<EOF
Stardust sync benchmark (N=$N, one FI node to an empty NO node on loopback)
  verify_rate_per_s      $V1   (one thread, crypto_sign_verify_detached)
  verify2_rate_per_s     $V2   (two threads)
  record_open_per_s      $OPEN1   (one thread: decode, verify, validate)
  import_s               $IMPORT_S   (setting up A, not part of the sync)
Full sync
  seconds                $FULL_S
  records_per_s          $FULL_RATE
  target_s               $TARGET_S   (1.5 x N / verify2 rate)
  ratio_to_target        $(ratio "$FULL_S" "$TARGET_S" "%.2f")   (<= 1.00 meets the target)
  wire_bytes_per_record  $(ratio "$FULL_BYTES" "$N" "%.0f")   (both directions, sealed frames)
Delta sync ($DELTA changes on the $N set)
  seconds                $DELTA_S   (from the import on A until B holds the last change;
                         $DELTA_IMPORT_S s of it is the import on A)
  wire_bytes             $DELTA_BYTES
  wire_bytes_per_change  $(ratio "$DELTA_BYTES" "$DELTA" "%.0f")
In sync (3 s, nothing changes)
  wire_bytes             $IDLE_BYTES   (digests only)
  records_received       $IDLE_RECS   (target 0)
EOF

[ "$NODES" -gt 1 ] || exit 0
# 4. One record across a federation: node i dials nodes i-1 and i-2.
bench_stop
declare -a LP
CCS=(FI SE NO DK EE LV LT PL DE FI SE NO DK EE LV LT)
for i in $(seq 1 "$NODES"); do
	LP[$i]=$(free_port)
	args=()
	[ "$i" -gt 1 ] && args+=("${LP[$((i - 1))]}")
	[ "$i" -gt 2 ] && args+=("${LP[$((i - 2))]}")
	node "l$i" "${CCS[$(((i - 1) % ${#CCS[@]}))]}" "${LP[$i]}" "${args[@]}"
done
for i in $(seq 1 "$NODES"); do
	sdc "l$i" status --wait --timeout 120 >/dev/null 2>&1 ||
		{ echo "l$i did not reach sync" >&2; exit 1; }
done
# Every node holds every certificate before the measured record.
sleep 1
K1=$(sdc l1 status | awk '/node key/{print $3}')
S=$(($(status_field l1 own_seq) + 1))
T0=$(date +%s.%N)
sdc l1 member add --name "Latency Probe Oy" --kind sme --country FI >/dev/null
T1=$(date +%s.%N)
for i in $(seq 2 "$NODES"); do
	for _ in $(seq 1 600); do
		sdc "l$i" peers | grep -q "$K1  W=$S" && break
		sleep 0.05
	done
done
echo "One new record across $NODES nodes (node i dials i-1 and i-2; a line of hops up to $(((NODES) / 2)))"
printf '  %-6s %s\n' node "ms after \`member add\` was started (from the node's log)"
MAXMS=0
for i in $(seq 2 "$NODES"); do
	# The node's log line for the watermark of l1 reaching S.
	ts=$(grep -m1 -E "origin ${K1:0:8}: watermark [0-9]+ -> $S " "$T/l$i.log" | awk '{print $1}' || true)
	if [ -z "$ts" ]; then
		printf '  %-6s %s\n' "l$i" "not reached"
		continue
	fi
	ms=$(python3 -c "
import datetime, sys
t = datetime.datetime.strptime('$ts', '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=datetime.timezone.utc).timestamp()
print(max(0, round((t - $T0) * 1000)))")
	[ "$ms" -gt "$MAXMS" ] && MAXMS=$ms
	printf '  %-6s %s\n' "l$i" "$ms"
done
echo "  all_nodes_ms  $MAXMS   (member add itself took $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.0f", (b - a) * 1000 }') ms)"
