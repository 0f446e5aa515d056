#!/usr/bin/env bash
# The whole test suite RUNS times in a row while a CPU hog (stress-ng, one
# worker per core) keeps every core busy: a test that fails here fails for
# a reason worth reading, not for bad luck (issue 18).
#
#   scripts/test-stress.sh BUILD_DIR [RUNS]      (make test-stress)
#
# BUILD_DIR is a configured and built tree (build, or build-asan: then the
# sanitizer options of make test-asan are set). Each run's ctest output
# goes to BUILD_DIR/artifacts/stress-STAMP/run-N/ctest.log; for a run with
# a failure, ctest's full log of every test (LastTest.log) is kept beside
# it, and every failing e2e test leaves its daemons' logs and
# configuration there (tests/lib.sh copies its directory to $SD_ARTIFACTS).
# Prints one line a run and a summary; exits 1 if any run failed.
# SD_STRESS_HOG=0 runs without the hog (to compare).
set -euo pipefail
build=${1:?usage: test-stress.sh BUILD_DIR [RUNS]}
runs=${2:-10}
jobs=${JOBS:-2}
case $runs in '' | *[!0-9]* | 0) echo "test-stress: RUNS must be a positive number, not '$runs'" >&2; exit 2 ;; esac
[ -f "$build/CTestTestfile.cmake" ] || { echo "test-stress: $build is not a built tree" >&2; exit 2; }
build=$(cd "$build" && pwd)
cores=$(nproc)
art="$build/artifacts/stress-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$art"

if [ "$(basename "$build")" = build-asan ] || grep -q '^SD_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

hog=""
stop_hog() {
	[ -n "$hog" ] && kill -TERM "$hog" 2>/dev/null && wait "$hog" 2>/dev/null
	hog=""
}
trap stop_hog EXIT
# Interrupted: the suite and the hog go too (stress-ng's workers follow
# their parent; ctest stops its tests).
ctest_pid=""
stop_all() {
	[ -n "$ctest_pid" ] && kill -TERM "$ctest_pid" 2>/dev/null
	stop_hog
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
if [ "${SD_STRESS_HOG:-1}" != 0 ]; then
	command -v stress-ng >/dev/null || { echo "test-stress: stress-ng is not installed (scripts/deps.sh stress-ng)" >&2; exit 2; }
	# --cpu N: N workers, each spinning a core at 100 %; no time limit
	# (stopped when this script exits).
	stress-ng --cpu "$cores" --cpu-method int64 --quiet &
	hog=$!
	sleep 1
	kill -0 "$hog" || { echo "test-stress: stress-ng did not start" >&2; exit 2; }
	echo "test-stress: $runs runs of the suite (ctest -j $jobs) beside stress-ng --cpu $cores; artifacts in $art"
else
	echo "test-stress: $runs runs of the suite (ctest -j $jobs), no hog; artifacts in $art"
fi

failed_runs=0
declare -A fails=()
t_all=$(date +%s)
for i in $(seq 1 "$runs"); do
	d="$art/run-$i"
	mkdir -p "$d"
	t0=$(date +%s)
	rc=0
	(cd "$build" && SD_ARTIFACTS="$d" exec ctest --output-on-failure -j "$jobs") >"$d/ctest.log" 2>&1 &
	ctest_pid=$!
	wait "$ctest_pid" || rc=$?
	ctest_pid=""
	t=$(($(date +%s) - t0))
	summary=$(grep -E '^[0-9]+% tests passed' "$d/ctest.log" || echo "no summary (ctest exit $rc)")
	if [ "$rc" -eq 0 ]; then
		echo "run $i/$runs: pass in ${t} s: $summary"
	else
		failed_runs=$((failed_runs + 1))
		cp "$build/Testing/Temporary/LastTest.log" "$d/" 2>/dev/null || true
		names=$(sed -n 's/^[[:space:]]*[0-9]* - \([A-Za-z0-9_]*\) (.*/\1/p' "$d/ctest.log" | tr '\n' ' ')
		for n in $names; do fails[$n]=$((${fails[$n]:-0} + 1)); done
		echo "run $i/$runs: FAIL in ${t} s: $summary; failed: ${names:-?} (logs in $d)"
	fi
done
stop_hog
echo "test-stress: $((runs - failed_runs)) of $runs runs passed in $(($(date +%s) - t_all)) s"
for n in "${!fails[@]}"; do
	echo "  $n failed in ${fails[$n]} of $runs runs"
done
[ "$failed_runs" -eq 0 ]
