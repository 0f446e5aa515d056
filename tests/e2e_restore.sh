#!/usr/bin/env bash
# A node restored from an older backup of its LMDB environment (mdb_copy
# taken while it ran) must not reissue a seq the federation has already
# seen: after the restart its writes wait for a peer's digest, which says
# how far the federation holds the node's own records; it publishes
# after them (no equivocation at the peer: the peer stores the new
# record) and fetches the records the backup lacked back from the peer.
# Then: with no peer reachable, a write waits publish_wait_ms, then goes
# ahead with a warning.
source "$(dirname "$0")/lib.sh"

sd_root
PA=$(free_port)
PB=$(free_port)
sd_node b
sd_net b "$PB"
sd_start b
sd_admit b --countries NO
sd_node a
sd_net a "$PA" "$PB" # a dials b
sd_start a
sd_admit a --countries FI

rej() {
	json_field "$1" "rejected.$2"
}

"$SD_BIN/sdgen" --count 100 --seed 3 --countries FI --format csv >"$T/a1.csv"
sdc a import "$T/a1.csv" >/dev/null
wait_converged 60 a b || fail "a and b did not converge"
# The backup, taken hot.
mkdir "$T/backup"
mdb_copy "$T/a/db" "$T/backup"
SEQ_BACKUP=$(json_field a own_seq)

# After the backup: 30 new members, 10 updated, 1 removed.
"$SD_BIN/sdgen" --count 30 --seed 4 --countries FI --format csv >"$T/a2.csv"
sdc a import "$T/a2.csv" >/dev/null
ids=$(sdc a member list --json | sdtest jsonl-field id --limit 11)
set -- $ids
rm_id=$1
shift
for id in "$@"; do
	sdc a member update "$id" --employees 4242 >/dev/null
done
sdc a member remove "$rm_id" >/dev/null
SEQ_SEEN=$(json_field a own_seq)
expect_eq "seqs after the backup" "$SEQ_SEEN" $((SEQ_BACKUP + 30 + 10 + 1))
wait_converged 60 a b || fail "a and b did not converge after the changes"
export_all b >"$T/b-before.txt"

# Restore the backup over a's store.
sd_stop a
rm -f "$T/a/db/"*.mdb
cp "$T/backup/data.mdb" "$T/a/db/data.mdb"
sd_start a

# The first write after the restart: numbered after what b holds.
run_rc add sdc a member add --name "Published After Restore Oy" --country FI --kind sme
expect_eq "write after the restore" "$add_rc" 0
expect_eq "own seq after the federation's" "$(json_field a own_seq)" $((SEQ_SEEN + 1))
expect_contains "restore noticed in the log" "$(cat "$T/a.log")" "restored from an older backup?"
found=0
for _ in $(seq 1 100); do
	if sdc b search "Published After Restore" 2>/dev/null | grep -q "Published After Restore"; then
		found=1
		break
	fi
	sleep 0.1
done
expect_eq "b stores the new record" "$found" 1
expect_eq "b saw no equivocation" "$(rej b equivocation)" 0
# a fetches back what the backup lacked: both hold the same set, which
# is what b held before plus the new member.
wait_converged 60 a b || fail "a did not get its own records back"
expect_eq "a's members" "$(json_field a own_members)" $((100 + 30 - 1 + 1))
diff <(grep -v "Published After Restore" <(export_all a)) "$T/b-before.txt" >/dev/null &&
	ok || fail "a's records after the restore differ from what b held"
updated=$(export_all a | grep -c '"employees": 4242' || true)
expect_eq "the updates made after the backup are back" "$updated" 10
run_rc f sdc a fsck
expect_eq "fsck of the restored node" "$f_rc" 0
# Restarted again: the own seq is read from the store (records fetched
# back included).
sd_stop a
sd_start a
expect_eq "own seq after a restart" "$(json_field a own_seq)" $((SEQ_SEEN + 1))

# No peer reachable: a write waits publish_wait_ms (here 1500), then
# goes ahead, with a warning.
sd_stop a
sd_stop b
echo "publish_wait_ms = 1500" >>"$T/a/stardust.conf"
sd_start a
t0=$(date +%s%N)
run_rc add sdc a member add --name "Nobody Listening Oy" --country FI --kind sme
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "write with no peer" "$add_rc" 0
[ "$ms" -ge 1000 ] && ok || fail "the write did not wait for a peer ($ms ms)"
expect_contains "the wait is logged" "$(cat "$T/a.log")" "no peer's digest within publish_wait_ms (1500 ms)"
expect_eq "seq after the wait" "$(json_field a own_seq)" $((SEQ_SEEN + 2))

finish
