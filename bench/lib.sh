# Helpers shared by the benchmark scripts (sourced, not run). Nodes are
# made, started and certified with the end-to-end tests' helpers
# (tests/sdlib.sh); what is the benchmarks' own is here.
source "$(dirname "${BASH_SOURCE[0]}")/../tests/sdlib.sh"

# bench_build DIR: check DIR holds the programs a benchmark runs and set
# B to its absolute path, SD and SDD to the CLI and the daemon; exits 2
# with a usage line otherwise.
bench_build() {
	if [ $# -ne 1 ] || [ ! -x "$1/stardust" ] || [ ! -x "$1/stardustd" ] ||
		[ ! -x "$1/sdgen" ] || [ ! -x "$1/bench_sign" ]; then
		echo "usage: $0 BUILD_DIR (with stardust, stardustd, sdgen and" \
			"bench_sign built)" >&2
		exit 2
	fi
	B=$(cd "$1" && pwd)
	SD="$B/stardust"
	SDD="$B/stardustd"
}

now() { date +%s.%N; }
# elapsed START: seconds since START, with millisecond precision.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# ratio A B [FORMAT]
ratio() { awk -v a="$1" -v b="$2" -v f="${3:-%.0f}" 'BEGIN { printf f, (b > 0 ? a / b : 0) }'; }

# bench_stop: stop every daemon started (SIGTERM) and wait for them.
bench_stop() {
	local p
	for p in "${SD_PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
	for p in "${SD_PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
	SD_PIDS=()
}

# A numeric field of `status --json`, without python (json_field starts
# one): polling must not take CPU from the daemons being measured.
status_field() {
	local js
	js=$(sdc "$1" status --json)
	[[ $js =~ \"$2\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

# node NAME COUNTRY PORT [PEER_PORT...]: create, configure, start, admit
# a node of the federation in $T/root (sd_root) for COUNTRY, listening
# on PORT and dialling the PEER_PORTs, with the daemon's own gossip
# interval and log level BENCH_LOG_LEVEL (default debug: sync.sh reads
# the store times from the logs). CERT_T: when its certificate was
# given, from which time it can sync.
node() {
	local name=$1 cc=$2 port=$3
	shift 3
	sd_node "$name"
	sed -i "s/^log_level = .*/log_level = ${BENCH_LOG_LEVEL:-debug}/" "$T/$name/stardust.conf"
	SD_GOSSIP_MS='' sd_net "$name" "$port" "$@"
	sd_start "$name"
	sd_cert "$name" --countries "$cc" --address "127.0.0.1:$port"
	CERT_T=$(now) # from here the node can sync
	sdc "$name" cert add "$T/$name.cert" >/dev/null
}
