#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets (tests/fuzz) with clang, ASan and
# UBSan in build-fuzz, replays every saved crash (tests/fuzz/regress/<target>/)
# and runs each target for SECONDS (default 60) from the seed corpus
# (tests/fuzz/corpus/<target>/), printing executions and coverage.
# A crash fails the run; its input is kept in $FUZZ_OUT (printed) and
# belongs in tests/fuzz/regress/<target>/ once fixed.
#
# usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
case $SECONDS_EACH in '' | *[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(frame hs record import query config http)
B=${FUZZ_BUILD:-build-fuzz}
command -v clang >/dev/null || { echo "fuzz: clang is needed (scripts/deps.sh installs it)" >&2; exit 1; }
CC=clang cmake -S . -B "$B" -DSD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$B" -j "${JOBS:-2}" >/dev/null
FUZZ_OUT=${FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/sdfuzz.XXXXXX")}
export TMPDIR=$FUZZ_OUT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fail=0
printf '%-8s %12s %8s %8s %s\n' target executions cov corpus result
for t in "${TARGETS[@]}"; do
	bin="$B/tests/fuzz/fuzz_$t"
	[ -x "$bin" ] || { echo "no target $t" >&2; exit 2; }
	mkdir -p "$FUZZ_OUT/corpus/$t"
	cp tests/fuzz/corpus/"$t"/* "$FUZZ_OUT/corpus/$t/" 2>/dev/null || true
	# Every crash found before must stay fixed.
	if compgen -G "tests/fuzz/regress/$t/*" >/dev/null; then
		if ! "$bin" tests/fuzz/regress/"$t"/* >"$FUZZ_OUT/$t.regress.log" 2>&1; then
			echo "fuzz_$t: a saved crash is back:" >&2
			tail -n 30 "$FUZZ_OUT/$t.regress.log" >&2
			fail=1
			continue
		fi
	fi
	rc=0
	"$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$FUZZ_OUT/$t-" "$FUZZ_OUT/corpus/$t" \
		>"$FUZZ_OUT/$t.log" 2>&1 || rc=$?
	execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$FUZZ_OUT/$t.log")
	cov=$(grep -oE 'cov: [0-9]+' "$FUZZ_OUT/$t.log" | tail -n 1 | awk '{ print $2 }')
	ncorp=$(find "$FUZZ_OUT/corpus/$t" -type f | wc -l)
	if [ "$rc" = 0 ]; then
		res=ok
	else
		res="CRASH (rc $rc): $(ls "$FUZZ_OUT/$t-"* 2>/dev/null | head -n 1)"
		fail=1
		grep -E "ERROR|invariant|runtime error|SUMMARY" "$FUZZ_OUT/$t.log" | head -n 5 >&2
	fi
	printf '%-8s %12s %8s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" "$ncorp" "$res"
done
if [ "$fail" = 0 ]; then
	rm -rf "$FUZZ_OUT"
else
	echo "fuzz: failed; logs and inputs in $FUZZ_OUT" >&2
fi
exit $fail
