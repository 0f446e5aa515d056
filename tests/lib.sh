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

# sd_reap PID: wait for a daemon sent SIGTERM (its exit status goes to
# SD_EXIT); after 15 s it is killed and 1 returned (a daemon must stop
# cleanly on SIGTERM).
sd_reap() {
	local i n=300
	[ -n "${SD_VALGRIND:-}" ] && n=1200 # valgrind: 60 s
	for i in $(seq 1 $n); do
		# Gone, or a zombie waiting to be reaped (kill -0 would still
		# succeed on one).
		case $(ps -o stat= -p "$1" 2>/dev/null || true) in
		"" | Z*) SD_EXIT=0; wait "$1" 2>/dev/null || SD_EXIT=$?; return 0 ;;
		esac
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	return 1
}

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

# sd_root: create the federation root in $T/root; sets ROOT.
sd_root() {
	"$SD" federation init --dir "$T/root" >/dev/null
	ROOT=$(cat "$T/root/root.pub")
}

# sd_node NAME: create a node in $T/NAME (needs ROOT).
sd_node() {
	"$SD" node init --dir "$T/$1" --root-key "$ROOT" --name "$1" >/dev/null
}

# sd_start NAME: start the node's daemon in the foreground (background
# job), logging to $T/NAME.log; waits until its socket answers.
sd_start() {
	local name=$1 i n=100
	if [ -n "${SD_VALGRIND:-}" ]; then
		n=600
		valgrind --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite \
			--log-file="$T/$name.vg.%p" \
			"$SDD" -f "$T/$name/stardust.conf" -d 2>>"$T/$name.log" &
	else
		"$SDD" -f "$T/$name/stardust.conf" -d 2>>"$T/$name.log" &
	fi
	SD_PIDS+=($!)
	eval "PID_$name=$!"
	for i in $(seq 1 $n); do
		if "$SD" -c "$T/$name/stardust.conf" status >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
	done
	echo "daemon $name did not start:" >&2
	cat "$T/$name.log" >&2
	return 1
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

# sd_admit NAME ARGS...: certify node NAME with federation admit ARGS and
# give it the certificate.
sd_admit() {
	local name=$1; shift
	local key
	key=$("$SD" -c "$T/$name/stardust.conf" status | awk '/node key/{print $3}')
	"$SD" federation admit "$key" --dir "$T/root" --name "$name" "$@" \
		-o "$T/$name.cert" >/dev/null
	"$SD" -c "$T/$name/stardust.conf" cert add "$T/$name.cert" >/dev/null
}

# sdc NAME ARGS...: the CLI against node NAME.
sdc() {
	local name=$1; shift
	"$SD" -c "$T/$name/stardust.conf" "$@"
}

# members NAME: the node's live member count.
members() {
	sdc "$1" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["members"])'
}

finish() {
	echo "$(basename "$0"): $SD_CHECKS passed, $SD_FAILS failed"
	[ "$SD_FAILS" -eq 0 ]
}

# free_port: a TCP port on 127.0.0.1 that nothing uses right now, drawn
# from 20000-31999, below the kernel's ephemeral range (32768 and up):
# a port the kernel hands out could be taken by another test's outgoing
# connection before our daemon binds it.
free_port() {
	python3 -c '
import random, socket
while True:
    p = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break'
}

# sd_net NAME PORT [PEER_PORT...]: give node NAME a peer listener on
# 127.0.0.1:PORT and bootstrap peers on the given ports (gossip every
# 200 ms, so tests converge quickly). Only those peers are dialled
# (max_outbound = 0) unless SD_MAX_OUTBOUND says how many outbound peers
# to reach with addresses learned from certificates.
sd_net() {
	local name=$1 port=$2 peers="" p
	shift 2
	for p in "$@"; do
		peers="${peers:+$peers, }127.0.0.1:$p"
	done
	{
		echo "listen = 127.0.0.1:$port"
		[ -n "$peers" ] && echo "peers = $peers"
		echo "gossip_ms = 200"
		echo "max_outbound = ${SD_MAX_OUTBOUND:-0}"
	} >> "$T/$name/stardust.conf"
}

# export_all NAME: the node's members of every origin, normalised (one
# JSON object per line, sorted), for comparing nodes.
export_all() {
	sdc "$1" export --all | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
for r in sorted(rows, key=lambda r: (r["origin"], r["id"])):
    print(json.dumps(r, sort_keys=True))'
}

# wait_converged TIMEOUT NAME...: until every node exports the same
# members (and at least one); 0, or 1 on timeout.
wait_converged() {
	local timeout=$1 deadline first n same
	shift
	deadline=$((SECONDS + timeout))
	while [ $SECONDS -lt $deadline ]; do
		first=$(export_all "$1" | sha256sum)
		same=1
		for n in "$@"; do
			[ "$(export_all "$n" | sha256sum)" == "$first" ] || { same=0; break; }
		done
		if [ $same -eq 1 ] && [ "$(members "$1")" -gt 0 ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "wait_converged: not converged after $timeout s; log tails:" >&2
	for n in "$@"; do tail -n 5 "$T/$n.log" >&2 || true; done
	return 1
}

# split_partners: tests/data/partners.csv (fixed ids 01..14) cut into
# $T/lt.csv (the Lithuanian members) and $T/rest.csv (the others).
split_partners() {
	python3 - "$SD_SRC/tests/data/partners.csv" "$T" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
for name, keep in (("lt", lambda c: c == "LT"), ("rest", lambda c: c != "LT")):
    with open(f"{sys.argv[2]}/{name}.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(rows[0])
        for r in rows[1:]:
            if keep(r[3]):
                w.writerow(r)
EOF
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
