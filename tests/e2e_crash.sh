#!/usr/bin/env bash
# kill -9 in the middle of an import: every batch the daemon acknowledged
# is there, none is half-written, seqs have no gaps, and importing again
# completes the set without duplicates.
source "$(dirname "$0")/lib.sh"

N=20000
BATCH=1000
sd_root
sd_node fi
sd_start fi
sd_admit fi --countries FI
"$SD_BIN/sdgen" --count $N --seed 7 --countries FI --format csv > "$T/gen.csv"

status_field() { json_field fi "$1"; }

sdc fi import --batch $BATCH "$T/gen.csv" >"$T/imp.out" 2>"$T/imp.err" &
IMP=$!
# Wait until some batches are stored, then kill the daemon outright.
for _ in $(seq 1 400); do
	m=$(status_field members 2>/dev/null || echo 0)
	[ "$m" -ge $((2 * BATCH)) ] && break
	sleep 0.05
done
kill -9 "$PID_fi"
wait "$PID_fi" 2>/dev/null || true
wait "$IMP" && imp_rc=0 || imp_rc=$?
expect_eq "interrupted import fails" "$imp_rc" 1
expect_contains "interrupted import says what was stored" "$(cat "$T/imp.err")" "were stored before this"

# The stale socket of the killed daemon does not stop a restart.
sd_start fi
M=$(status_field members)
S=$(status_field own_seq)
R=$(status_field records)
echo "after kill -9: members=$M own_seq=$S records=$R"
if [ "$M" -gt 0 ] && [ "$M" -lt $N ]; then ok; else fail "members after kill: $M"; fi
expect_eq "whole batches only" "$((M % BATCH))" 0
expect_eq "seq has no gaps" "$S" "$M"
expect_eq "records: members and the certificate" "$R" "$((M + 1))"
run_rc s sdc fi search --country FI --limit 1
expect_contains "index matches the members" "$s_out" "$M matches"

# Importing again completes the set: existing members get new versions.
run_rc again sdc fi import --batch $BATCH "$T/gen.csv"
expect_eq "re-import" "$again_rc" 0
expect_eq "all members" "$(status_field members)" $N
expect_eq "seq counts every version" "$(status_field own_seq)" $((N + M))
expect_eq "old versions purged" "$(status_field records)" $((N + 1))
run_rc s sdc fi search --country FI --limit 1
expect_contains "index has every member once" "$s_out" "$N matches"

finish
