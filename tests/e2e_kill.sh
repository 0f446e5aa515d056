#!/usr/bin/env bash
# kill -9 at random points of an import, 30 times (bounded in time):
# after every kill `stardust fsck` finds the store clean (records,
# members, index, counters, watermarks, every signature), and every batch
# an import had acknowledged before the kill is present.
source "$(dirname "$0")/lib.sh"

N=3000
BATCH=150
ROUNDS=30
sd_root
sd_node fi
sd_start fi
sd_admit fi --countries FI
"$SD_BIN/sdgen" --count $N --seed 21 --countries FI --format csv >"$T/gen.csv"

members() {
	sdc fi status --json | sed -n 's/.*"members": *\([0-9]*\).*/\1/p'
}

# Two whole imports first (the second updates every member, as the ones
# killed below do): how long it takes here (sanitizers make it several
# times slower) sets the range of the kill points.
run_rc imp sdc fi import --batch $BATCH "$T/gen.csv"
expect_eq "first import" "$imp_rc" 0
t0=$(date +%s%N)
run_rc imp sdc fi import --batch $BATCH "$T/gen.csv"
expect_eq "second import" "$imp_rc" 0
full_ms=$((($(date +%s%N) - t0) / 1000000))
echo "one import updating $N members: $full_ms ms" >&2

acked_max=0 rounds=0 clean=0 finished=0 partial=0
deadline=$((SECONDS + 120))
while [ $rounds -lt $ROUNDS ] && [ $SECONDS -lt $deadline ]; do
	sdc fi import --batch $BATCH "$T/gen.csv" >"$T/imp.out" 2>"$T/imp.err" &
	IMP=$!
	# A random point of the import (its checking pass takes about the
	# first third, storing the rest), now and then a little after it.
	ms=$((RANDOM % (full_ms + full_ms / 5) + 20))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -9 "$PID_fi"
	wait "$PID_fi" 2>/dev/null || true
	wait "$IMP" 2>/dev/null || true
	# What the import had acknowledged (rows of the file, in order).
	if grep -q "^$N members imported" "$T/imp.out"; then
		acked=$N
		finished=$((finished + 1))
	else
		acked=$(sed -n 's/.* \([0-9][0-9]*\) members were stored before this.*/\1/p' "$T/imp.err" | head -n 1)
		acked=${acked:-0}
		[ "$acked" -gt 0 ] && partial=$((partial + 1))
	fi
	[ "$acked" -gt "$acked_max" ] && acked_max=$acked
	rounds=$((rounds + 1))
	if out=$(sdc fi fsck 2>&1); then
		clean=$((clean + 1))
	else
		fail "round $rounds: fsck after kill -9: $out"
		break
	fi
	sd_start fi
	m=$(members)
	if [ "$m" -lt "$acked_max" ]; then
		fail "round $rounds: $m members, but $acked_max were acknowledged"
		break
	fi
done
echo "kill -9 rounds: $rounds (killed after some batches were acknowledged: $partial; imports that finished first: $finished), fsck clean: $clean" >&2
# Fewer than 30 only when the time bound ends the loop (a sanitizer build
# on a loaded machine).
[ $rounds -ge 10 ] && ok || fail "only $rounds rounds in the time bound"
# The kills must have hit imports while they were storing.
[ "$partial" -gt 0 ] && ok || fail "no kill came between acknowledged batches"
expect_eq "fsck clean after every kill" "$clean" "$rounds"

# Finishing the import completes the set, once each.
run_rc imp sdc fi import --batch $BATCH "$T/gen.csv"
expect_eq "import after the kills" "$imp_rc" 0
expect_eq "all members, once each" "$(members)" $N
sd_stop fi
run_rc f sdc fi fsck
expect_eq "fsck at the end" "$f_rc" 0
expect_contains "fsck summary" "$f_out" "clean: $((N + 1)) records"

finish
