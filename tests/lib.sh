# Shared helpers of the end-to-end tests (sourced, not run).
# SD_BIN: the build directory with stardust and stardustd; SD_SRC: the
# source tree. Every test works in its own temporary directory, which is
# removed (and every daemon it started stopped) when the test exits.
set -euo pipefail

: "${SD_BIN:?SD_BIN must name the build directory}"
: "${SD_SRC:?SD_SRC must name the source directory}"
SD="$SD_BIN/stardust"
SDD="$SD_BIN/stardustd"
T=$(mktemp -d "${TMPDIR:-/tmp}/sde2e.XXXXXX")
SD_PIDS=()
SD_FAILS=0
SD_CHECKS=0
# Making, starting and querying nodes, and tests/sdtest.py (shared with
# the benchmarks).
source "$(dirname "${BASH_SOURCE[0]}")/sdlib.sh"

sd_cleanup() {
	local p rc=$?
	for p in "${SD_PIDS[@]:-}"; do
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${SD_PIDS[@]:-}"; do
		if [ -n "$p" ] && ! sd_reap "$p"; then
			echo "FAIL: daemon $p did not stop within 15 s of SIGTERM" >&2
			grep -h "" "$T"/*.log 2>/dev/null | tail -n 30 >&2 || true
			rc=1
		fi
	done
	# Under valgrind (SD_VALGRIND=1): every daemon that exited must report
	# no error and no definite leak.
	if [ -n "${SD_VALGRIND:-}" ]; then
		for p in "$T"/*.vg.*; do
			[ -e "$p" ] || continue
			if grep -qE "ERROR SUMMARY: [1-9]|definitely lost: [1-9]" "$p"; then
				echo "FAIL: valgrind: $(basename "$p")" >&2
				cat "$p" >&2
				rc=1
			else
				echo "valgrind clean: $(basename "$p"): $(grep -h 'ERROR SUMMARY' "$p" | head -n 1 | sed 's/^==[0-9]*== //')" >&2
			fi
		done
	fi
	# After the daemons, before the files: a test's own clean-up (say,
	# unmounting a file system under $T).
	[ -n "${SD_CLEANUP_HOOK:-}" ] && $SD_CLEANUP_HOOK
	# A failed test under make test-stress (SD_ARTIFACTS set) leaves its
	# daemons' logs and configuration behind (not the stores: too big).
	if [ "$rc" -ne 0 ] && [ -n "${SD_ARTIFACTS:-}" ]; then
		p="$SD_ARTIFACTS/$(basename "$0" .sh)-$$"
		mkdir -p "$p"
		(cd "$T" && find . -type f ! -name '*.mdb' -size -20M -print0 |
			xargs -0 -r cp --parents -t "$p") 2>/dev/null || true
		echo "test files kept in $p" >&2
	fi
	rm -rf "$T"
	exit $rc
}
trap sd_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	SD_FAILS=$((SD_FAILS + 1))
}

ok() {
	SD_CHECKS=$((SD_CHECKS + 1))
}

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
	if [ "$2" == "$3" ]; then ok; else fail "$1: got '$2', expected '$3'"; fi
}

# expect_contains WHAT HAYSTACK NEEDLE
expect_contains() {
	if [[ "$2" == *"$3"* ]]; then ok; else
		fail "$1: output does not contain '$3'; it was: $2"; fi
}

expect_not_contains() {
	if [[ "$2" != *"$3"* ]]; then ok; else
		fail "$1: output contains '$3'; it was: $2"; fi
}

# run_rc VAR_PREFIX CMD...: runs CMD, capturing stdout, stderr, status in
# ${VAR_PREFIX}_out, _err, _rc without stopping the test.
run_rc() {
	local name=$1; shift
	local out err rc
	out=$("$@" 2>"$T/.stderr") && rc=0 || rc=$?
	err=$(cat "$T/.stderr")
	printf -v "${name}_out" '%s' "$out"
	printf -v "${name}_err" '%s' "$err"
	printf -v "${name}_rc" '%s' "$rc"
}

# sd_stop NAME: stop the node's daemon (SIGTERM) and wait for it; a
# daemon that does not stop within 15 s is a failure.
sd_stop() {
	local pid
	eval "pid=\$PID_$1"
	kill -TERM "$pid"
	if ! sd_reap "$pid"; then
		fail "$1 did not stop within 15 s of SIGTERM"
		tail -n 30 "$T/$1.log" >&2
	fi
}

# wait_log FILE ERE [SECONDS] [SKIP]: wait (default 60 s) until a line of
# FILE after its first SKIP lines (default 0; say, $(wc -l <FILE) before
# the event) matches ERE; prints the first such line. A condition to wait
# for, not a clock: on a loaded machine a log line comes when it comes.
wait_log() {
	local i
	for i in $(seq 1 $((${3:-60} * 10))); do
		if tail -n +$((${4:-0} + 1)) "$1" 2>/dev/null | grep -m 1 -E -- "$2"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

finish() {
	echo "$(basename "$0"): $SD_CHECKS passed, $SD_FAILS failed"
	[ "$SD_FAILS" -eq 0 ]
}

# split_partners: tests/data/partners.csv (fixed ids 01..14) cut into
# $T/lt.csv (the Lithuanian members) and $T/rest.csv (the others).
split_partners() {
	local src="$SD_SRC/tests/data/partners.csv"
	sdtest csv-filter "$src" country LT --eol crlf >"$T/lt.csv"
	sdtest csv-filter "$src" country LT --not --eol crlf >"$T/rest.csv"
}

# http_get PATH [METHOD]: a request to the HTTP API at 127.0.0.1:$HP
# (tests/httpget.py); sets H_status, H_type and H_body.
http_get() {
	local out
	out=$(python3 "$SD_SRC/tests/httpget.py" "$HP" "$1" "${2:-GET}")
	H_status=$(sed -n 1p <<<"$out")
	H_type=$(sed -n 2p <<<"$out")
	H_body=$(sed -n '3,$p' <<<"$out")
}

# partners_http: the federation of e2e_http and e2e_web: node vil (LT,
# HTTP on 127.0.0.1:$HP) and node nor (FI SE PL EE NO) dialling it, both
# started and certified; sets P1, P2, HP. The members are not imported
# yet (split_partners, then each node imports its part).
partners_http() {
	sd_root
	sd_node vil
	sd_node nor
	P1=$(free_port)
	P2=$(free_port)
	HP=$(free_port)
	sd_net vil "$P1"
	sd_net nor "$P2" "$P1"
	echo "http = 127.0.0.1:$HP" >>"$T/vil/stardust.conf"
	sd_start vil
	sd_start nor
	sd_admit vil --countries LT
	sd_admit nor --countries FI,SE,PL,EE,NO
	split_partners
}
