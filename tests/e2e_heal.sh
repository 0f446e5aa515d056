#!/usr/bin/env bash
# A store altered behind the node's back: with the node stopped, records
# are deleted with the LMDB API (three of a peer's members, two of the
# node's own). `stardust fsck` names the damage. When the node starts,
# it notices its record count is off (logged); the per-origin summaries
# in the digests (records held up to each watermark) show its peer holds
# more at the same watermarks, so it fetches those origins again and
# puts the lost records back (own ones included: they carry its own
# signature). Afterwards fsck is clean and both nodes export the same
# members. Replays of what it holds change nothing.
source "$(dirname "$0")/lib.sh"

sd_root
PA=$(free_port)
PB=$(free_port)
sd_node a
sd_net a "$PA"
sd_start a
sd_admit a --countries FI
sd_node b
sd_net b "$PB" "$PA"
sd_start b
sd_admit b --countries NO
"$SD_BIN/sdgen" --count 200 --seed 12 --countries FI --format csv >"$T/a.csv"
"$SD_BIN/sdgen" --count 100 --seed 13 --countries NO --format csv >"$T/b.csv"
sdc a import "$T/a.csv" >/dev/null
sdc b import "$T/b.csv" >/dev/null
wait_converged 60 a b || fail "a and b did not converge"
export_all a >"$T/a-export.txt"
KA=$(sdc a status | awk '/node key/{print $3}')
KB=$(sdc b status | awk '/node key/{print $3}')

sd_stop b
# Record keys are origin (32 bytes) || be64 seq.
keys=$(mdb_dump -s records "$T/b/db" | python3 -c '
import sys
ka, kb = sys.argv[1], sys.argv[2]
lines = sys.stdin.read().split("\n")
data = lines[lines.index("HEADER=END") + 1:]
keys = [l.strip() for l in data[0::2] if l.startswith(" ")]
a = [k for k in keys if k.startswith(ka)]
b = [k for k in keys if k.startswith(kb)]
print(" ".join(a[10:13] + b[20:22]))' "$KA" "$KB")
expect_eq "five record keys picked" "$(wc -w <<<"$keys")" 5
# shellcheck disable=SC2086
"$SD_BIN/tests/lmdb_del" "$T/b/db" records $keys
run_rc f sdc b fsck --no-verify
expect_eq "fsck finds the damage" "$f_rc" 1
expect_contains "fsck names a member without its record" "$f_out" "record"

sd_start b
healed=0
for _ in $(seq 1 150); do
	if [ "$(export_all b | sha256sum)" == "$(sha256sum <"$T/a-export.txt")" ]; then
		healed=1
		break
	fi
	sleep 0.1
done
expect_eq "b heals from a" "$healed" 1
log=$(cat "$T/b.log")
expect_contains "the altered store is noticed at start" "$log" "it was altered behind the daemon's back"
expect_contains "the digests show the loss" "$log" "records were lost here; fetching the origin again"
expect_contains "lost records put back" "$log" "lost records restored from a peer"
run_rc f sdc b fsck
expect_eq "fsck clean after healing" "$f_rc" 0
[ "$f_rc" -eq 0 ] || echo "$f_out" >&2
# Both nodes hold the same members; nothing was republished.
wait_converged 30 a b || fail "a and b differ after healing"
expect_eq "b's own seq unchanged" "$(json_field b own_seq)" 100
# In sync again: no further repair is asked for (one per origin).
sleep 2
expect_eq "one repair per lost origin" "$(grep -c 'fetching the origin again' "$T/b.log")" 2

finish
