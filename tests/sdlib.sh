# Helpers that make, start and query federations of real daemons on
# 127.0.0.1, shared by the end-to-end tests (tests/lib.sh) and the
# benchmarks (bench/lib.sh). Sourcing it only defines functions; they use
# what the sourcing script sets:
#   SD   the CLI (stardust)       SDD  the daemon (stardustd)
#   T    the run's directory: node NAME lives in $T/NAME, logs to
#        $T/NAME.log; the federation root is $T/root
# and they append the daemons they start to SD_PIDS (the caller's
# clean-up stops them).

# The directory of this file, for tests/sdtest.py.
SD_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -n "${SD_PIDS+x}" ] || SD_PIDS=()

# sdtest SUBCOMMAND ARGS...: the data helpers of tests/sdtest.py (JSON
# fields, JSON Lines sums and counts, CSV cuts, number comparisons). -S:
# it needs the standard library only, so the site packages' start-up
# (tens of milliseconds a call) is skipped.
sdtest() {
	python3 -S "$SD_TESTS/sdtest.py" "$@"
}

# free_port: a TCP port on 127.0.0.1 that nothing uses right now (from
# 20000-31999, below the kernel's ephemeral range: see tests/sdtest.py).
free_port() {
	sdtest free-port
}

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
# job; its pid in PID_NAME and SD_PIDS), logging to $T/NAME.log; waits
# until its socket answers. 1, with the log, if the daemon exits first or
# does not answer within 10 s (30 s under valgrind).
sd_start() {
	local name=$1 pid n=200
	if [ -n "${SD_VALGRIND:-}" ]; then
		n=600
		valgrind --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite \
			--log-file="$T/$name.vg.%p" \
			"$SDD" -f "$T/$name/stardust.conf" -d 2>>"$T/$name.log" &
	else
		"$SDD" -f "$T/$name/stardust.conf" -d 2>>"$T/$name.log" &
	fi
	pid=$!
	SD_PIDS+=("$pid")
	eval "PID_$name=$pid"
	for _ in $(seq 1 $n); do
		if "$SD" -c "$T/$name/stardust.conf" status >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "daemon $name did not start:" >&2
	cat "$T/$name.log" >&2
	return 1
}

# sdc NAME ARGS...: the CLI against node NAME.
sdc() {
	local name=$1; shift
	"$SD" -c "$T/$name/stardust.conf" "$@"
}

# sd_cert NAME ARGS...: certify node NAME (running) with federation
# admit ARGS into $T/NAME.cert.
sd_cert() {
	local name=$1 key
	shift
	key=$(sdc "$name" status | awk '/node key/{print $3}')
	"$SD" federation admit "$key" --dir "$T/root" --name "$name" "$@" \
		-o "$T/$name.cert" >/dev/null
}

# sd_admit NAME ARGS...: certify node NAME with federation admit ARGS and
# give it the certificate.
sd_admit() {
	sd_cert "$@"
	sdc "$1" cert add "$T/$1.cert" >/dev/null
}

# sd_net NAME PORT [PEER_PORT...]: give node NAME a peer listener on
# 127.0.0.1:PORT and bootstrap peers on the given ports, gossiping every
# SD_GOSSIP_MS (default 200, so tests converge quickly; empty: the
# daemon's default). Only those peers are dialled (max_outbound = 0)
# unless SD_MAX_OUTBOUND says how many outbound peers to reach with
# addresses learned from certificates.
sd_net() {
	local name=$1 port=$2 peers="" p gossip=${SD_GOSSIP_MS-200}
	shift 2
	for p in "$@"; do
		peers="${peers:+$peers, }127.0.0.1:$p"
	done
	{
		echo "listen = 127.0.0.1:$port"
		[ -n "$peers" ] && echo "peers = $peers"
		[ -n "$gossip" ] && echo "gossip_ms = $gossip"
		echo "max_outbound = ${SD_MAX_OUTBOUND:-0}"
	} >> "$T/$name/stardust.conf"
}

# json_field NAME PATH...: fields of node NAME's `status --json` (PATH:
# keys joined by dots, as tests/sdtest.py json-field takes them).
json_field() {
	local name=$1; shift
	sdc "$name" status --json | sdtest json-field "$@"
}

# later_kinds NAME: the records of a later release's kinds node NAME
# holds, as its `stardust fsck` counts them (every signature verified).
later_kinds() {
	sdc "$1" fsck | awk '/of a later release/ { n = $1 } END { print n + 0 }'
}

# wait_later_kinds NAME N: until node NAME holds N such records (60 s at
# most; 1 then).
wait_later_kinds() {
	local i
	for i in $(seq 1 300); do
		[ "$(later_kinds "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

# members NAME: the node's live member count.
members() {
	json_field "$1" members
}

# export_all NAME: the node's members of every origin, normalised (one
# JSON object per line, sorted), for comparing nodes.
export_all() {
	sdc "$1" export --all | sdtest jsonl-sort origin id
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
