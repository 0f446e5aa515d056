#!/usr/bin/env bash
# The search benchmark: p50/p99 latency of partner searches, in process
# (bench_query on the node's store) and through the CLI (a process per
# search, the way an adviser runs it), against a CLI process that does no
# search (`stardust search --help`) and the LMDB point-read rate measured
# in the same run; and through the HTTP API (a connection per request)
# for 20, 100 and 1 000 hits against /api/status, whose difference per
# hit is the cost of a hit on its way out.
#
# usage: bench/query.sh BUILD_DIR
#   SD_BENCH_N      members (default 1000000)
#   SD_BENCH_RUNS   in-process runs per shape (default 200)
#   SD_BENCH_CLI    CLI runs per shape (default 40)
#   SD_BENCH_DIR    reuse a node built by an earlier run with the same N
#                   (its path is printed; nothing is deleted)
set -euo pipefail

source "$(dirname "$0")/lib.sh"
bench_build "$@"
N=${SD_BENCH_N:-1000000}
RUNS=${SD_BENCH_RUNS:-200}
CLI_RUNS=${SD_BENCH_CLI:-40}
case $N$RUNS$CLI_RUNS in *[!0-9]*) echo "SD_BENCH_* must be numbers" >&2; exit 2 ;; esac
COUNTRIES=FI,SE,EE,LT,NO

KEEP=0
if [ -n "${SD_BENCH_DIR:-}" ]; then
	T=$SD_BENCH_DIR
	KEEP=1
	mkdir -p "$T"
else
	T=$(mktemp -d "${TMPDIR:-/tmp}/sdqbench.XXXXXX")
fi
cleanup() {
	bench_stop
	[ "$KEEP" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export STARDUST_CONFIG="$T/n1/stardust.conf"

HPORT=$(free_port)
# with_http: the node's HTTP API on HPORT (replacing an earlier run's).
with_http() {
	sed -i '/^http = /d' "$T/n1/stardust.conf"
	echo "http = 127.0.0.1:$HPORT" >>"$T/n1/stardust.conf"
}
if [ ! -f "$T/built.$N" ]; then
	rm -rf "$T/root" "$T/n1"
	sd_root
	sd_node n1
	sed -i "s/^map_size_mb = .*/map_size_mb = 16384/" "$T/n1/stardust.conf"
	with_http
	sd_start n1
	sd_admit n1 --countries "$COUNTRIES"
	t=$(now)
	"$B/sdgen" --count "$N" --seed 1 --countries "$COUNTRIES" >"$T/members.csv"
	"$SD" import "$T/members.csv" >"$T/import.out"
	echo "built $N members in $(elapsed "$t") s (generate + import)" >&2
	rm -f "$T/members.csv"
	touch "$T/built.$N"
else
	with_http
	sd_start n1
fi
[ "$KEEP" = 1 ] && echo "node kept in $T" >&2

echo "Stardust search benchmark (N=$N members in $COUNTRIES; in-process runs $RUNS, CLI runs $CLI_RUNS)"
echo "In process (bench_query: plan, postings, BM25, the page of 20 records):"
"$B/bench_query" --db "$T/n1/db" --runs "$RUNS" --home FI | sed 's/^/  /'

# p50/p99 of CLI_RUNS runs of a command, in milliseconds.
cli_lat() {
	local i t0 t1
	for i in $(seq 1 "$CLI_RUNS"); do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{ v[NR] = $1 } END {
		p99 = int(NR * 0.99); if (p99 < 1) p99 = 1;
		printf "p50_ms=%.2f p99_ms=%.2f", v[int((NR + 1) / 2)] / 1000, v[p99] / 1000 }'
}
echo "Through the CLI (process start, control socket, table output):"
printf '  %-22s %s\n' "no search (--help)" "$(cli_lat "$SD" search --help)"
printf '  %-22s %s\n' "single_filter" "$(cli_lat "$SD" search --country FI)"
printf '  %-22s %s\n' "three_filters" "$(cli_lat "$SD" search --country FI,SE --sector C --size small)"
printf '  %-22s %s\n' "text_only" "$(cli_lat "$SD" search laser cutting)"
printf '  %-22s %s\n' "text_filters" "$(cli_lat "$SD" search recycling --country SE --kind sme)"
printf '  %-22s %s\n' "cross_border_text" "$(cli_lat "$SD" search robotics --not-country FI)"
printf '  %-22s %s\n' "consortium_3_needs" "$(cli_lat "$SD" consortium --need 'laser cutting' --need 'metal recycling' --need robotics --min-members 3 --min-countries 3)"
http_lat() { python3 "$(dirname "$0")/http_lat.py" "http://127.0.0.1:$HPORT$1" "$CLI_RUNS" "${2:-}"; }
echo "Through the HTTP API (a connection per request, JSON answer):"
st=$(http_lat /api/status)
printf '  %-22s %s\n' "/api/status" "$st"
st50=${st#p50_ms=}; st50=${st50%% *}
for lim in 20 100 1000; do
	r=$(http_lat "/api/search?q=recycling&limit=$lim")
	r50=${r#p50_ms=}; r50=${r50%% *}
	printf '  %-22s %s per_hit_us=%s\n' "search limit=$lim" "$r" \
		"$(awk -v a="$r50" -v b="$st50" -v n="$lim" 'BEGIN { printf "%.0f", (a - b) * 1000 / n }')"
done
printf '  %-22s %s\n' "/api/status, kept" "$(http_lat /api/status keep)"
printf '  %-22s %s\n' "search 20, kept" "$(http_lat "/api/search?q=recycling&limit=20" keep)"
