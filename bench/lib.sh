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
