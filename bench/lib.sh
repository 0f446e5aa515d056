# Helpers shared by the benchmark scripts (sourced, not run).

# bench_build DIR: check DIR holds the programs a benchmark runs and set
# B to its absolute path; exits 2 with a usage line otherwise.
bench_build() {
	if [ $# -ne 1 ] || [ ! -x "$1/stardust" ] || [ ! -x "$1/stardustd" ] ||
		[ ! -x "$1/sdgen" ] || [ ! -x "$1/bench_sign" ]; then
		echo "usage: $0 BUILD_DIR (with stardust, stardustd, sdgen and" \
			"bench_sign built)" >&2
		exit 2
	fi
	B=$(cd "$1" && pwd)
}

now() { date +%s.%N; }
# elapsed START: seconds since START, with millisecond precision.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# ratio A B [FORMAT]
ratio() { awk -v a="$1" -v b="$2" -v f="${3:-%.0f}" 'BEGIN { printf f, (b > 0 ? a / b : 0) }'; }

# The federations of bench/sync.sh and bench/junk.sh. They use B (the
# build), SD (the CLI), T (the run's directory) and PIDS (daemons to
# stop), which the scripts set.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
sdc() { local n=$1; shift; "$SD" -c "$T/$n/stardust.conf" "$@"; }
# A numeric field of `status --json`, without python: polling must not
# take CPU from the daemons being measured.
status_field() {
	local js
	js=$(sdc "$1" status --json)
	[[ $js =~ \"$2\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

# bench_federation: a new federation root in $T/root; sets ROOT.
bench_federation() {
	"$SD" federation init --dir "$T/root" >/dev/null
	ROOT=$(cat "$T/root/root.pub")
}

# node NAME COUNTRY PORT [PEER_PORT...]: create, configure, start, admit
# (log level BENCH_LOG_LEVEL, default debug: sync.sh reads the store
# times from the logs).
node() {
	local name=$1 cc=$2 port=$3 peers="" p key i
	shift 3
	for p in "$@"; do peers="${peers:+$peers, }127.0.0.1:$p"; done
	"$SD" node init --dir "$T/$name" --root-key "$ROOT" --name "$name" >/dev/null
	sed -i "s/^log_level = .*/log_level = ${BENCH_LOG_LEVEL:-debug}/" "$T/$name/stardust.conf"
	{
		echo "listen = 127.0.0.1:$port"
		[ -n "$peers" ] && echo "peers = $peers"
		echo "max_outbound = 0"
	} >>"$T/$name/stardust.conf"
	"$B/stardustd" -f "$T/$name/stardust.conf" -d 2>"$T/$name.log" &
	PIDS+=($!)
	for i in $(seq 1 100); do
		sdc "$name" status >/dev/null 2>&1 && break
		sleep 0.05
	done
	key=$(sdc "$name" status | awk '/node key/{print $3}')
	"$SD" federation admit "$key" --dir "$T/root" --name "$name" \
		--countries "$cc" --address "127.0.0.1:$port" -o "$T/$name.cert" >/dev/null
	CERT_T=$(now) # from here the node can sync
	sdc "$name" cert add "$T/$name.cert" >/dev/null
}

