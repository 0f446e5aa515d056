#!/usr/bin/env bash
# The "junk connections" benchmark (issue 5): how much a flood of junk
# connections on a node's peer port slows an honest full sync, and what
# each unauthenticated connection costs the daemon.
#
#   1. Baseline: node A imports N members; an empty node B1 dials A and
#      syncs them all. Seconds.
#   2. Flood: tests/junkpeers.py keeps JUNK connections (default 1000;
#      silent, trickling, random bytes, a 2 GiB header; each reopened as
#      soon as A drops it) on A's peer port; an empty node B2 dials A
#      and syncs them all. Seconds, ratio to 1 (target <= 2), and A's
#      failed and shed handshake counts.
#   3. Memory: RSS of A before and with SMALL (default 60, under the 64
#      handshake slots) silent connections held, per connection.
#
# usage: bench/junk.sh BUILD_DIR
#   SD_BENCH_N      members (default 50000)
#   SD_BENCH_JUNK   junk connections (default 1000)
#   SD_BENCH_SMALL  connections for the memory figure (default 60)
set -euo pipefail

source "$(dirname "$0")/lib.sh"
bench_build "$@"
N=${SD_BENCH_N:-50000}
JUNK=${SD_BENCH_JUNK:-1000}
SMALL=${SD_BENCH_SMALL:-60}
for v in "$N" "$JUNK" "$SMALL"; do
	case $v in '' | *[!0-9]*) echo "SD_BENCH_N, SD_BENCH_JUNK and SD_BENCH_SMALL must be numbers" >&2; exit 2 ;; esac
done
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/sdjunk.XXXXXX")
FLOOD=

cleanup() {
	local rc=$?
	[ -n "$FLOOD" ] && kill -TERM "$FLOOD" 2>/dev/null || true
	bench_stop
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
# full_sync NAME: start an empty node dialling A; SYNC_S: seconds until
# it holds N (not printed: a $(...) would wait for the daemon's stdout).
full_sync() {
	local t
	node "$1" NO "$(free_port)" "$PA"
	t=$CERT_T
	for _ in $(seq 1 36000); do
		[ "$(status_field "$1" members)" -ge "$N" ] && break
		sleep 0.05
	done
	[ "$(status_field "$1" members)" -eq "$N" ] ||
		{ echo "$1 holds $(status_field "$1" members) members, not $N" >&2; exit 1; }
	SYNC_S=$(elapsed "$t")
}

BENCH_LOG_LEVEL=info
sd_root
PA=$(free_port)
node a FI "$PA"
"$B/sdgen" --count "$N" --seed 7 --countries FI >"$T/members.csv"
sdc a import "$T/members.csv" >/dev/null

# 3 first, while A is quiet.
RSS0=$(rss_kb "$PID_a")
python3 "$SRC/tests/junkpeers.py" "$PA" --count "$SMALL" --seconds 4 >"$T/small.json" &
FLOOD=$!
sleep 3
RSS1=$(rss_kb "$PID_a")
wait "$FLOOD"
FLOOD=

full_sync b1
BASE_S=$SYNC_S

python3 "$SRC/tests/junkpeers.py" "$PA" --count "$JUNK" --seconds 100000 >"$T/junk.json" &
FLOOD=$!
for _ in $(seq 1 200); do
	[ "$(status_field a handshakes_shed)" -gt 0 ] && break
	sleep 0.05
done
full_sync b2
FLOOD_S=$SYNC_S
SHED=$(status_field a handshakes_shed)
FAILED=$(status_field a handshakes_failed)
RSS2=$(rss_kb "$PID_a")
kill -TERM "$FLOOD"
wait "$FLOOD" || true
FLOOD=
OPENED=$(sdtest json-field -f "$T/junk.json" opened)

cat <<EOF
Stardust junk-connection benchmark (N=$N, one FI node; empty nodes dial it on loopback)
Full sync
  seconds_quiet          $BASE_S
  seconds_flooded        $FLOOD_S   ($JUNK junk connections held open on A's peer port)
  ratio                  $(ratio "$FLOOD_S" "$BASE_S" "%.2f")   (target <= 2.00)
  junk_opened            $OPENED   (during the flooded sync, reopened as A dropped them)
  handshakes_failed      $FAILED
  handshakes_shed        $SHED
Memory of A
  rss_kb_quiet           $RSS0
  rss_kb_${SMALL}_held        $RSS1
  bytes_per_connection   $(ratio "$(((RSS1 - RSS0) * 1024))" "$SMALL" "%.0f")   ($SMALL silent connections, under the 64 handshake slots)
  rss_kb_flooded         $RSS2   (after the flooded sync; includes B1 and B2's sync buffers)
EOF
