#!/usr/bin/env bash
# A full store, two ways: an LMDB map that is too small (map_size_mb) and
# a disk that is full (the store on a 3 MiB tmpfs). Either way a write
# fails with a clear error that says what to do, nothing of the failed
# write is stored (fsck clean; the CLI's "stored before this" count is
# exactly what the store holds), the daemon keeps answering searches
# and status, and it recovers when space returns: a larger map after a
# restart; a grown tmpfs without one. A peer syncing into a full store
# is not counted as an offender, and the sync completes once there is
# room.
source "$(dirname "$0")/lib.sh"

N=3000
sd_root
"$SD_BIN/sdgen" --count $N --seed 8 --countries FI --format csv >"$T/gen.csv"

# import_until_full NAME: an import that must fail for lack of space;
# sets ACKED (members the CLI reported stored before the failure).
import_until_full() {
	run_rc imp sdc "$1" import --batch 100 "$T/gen.csv"
	expect_eq "$1: import into a full store fails" "$imp_rc" 1
	ACKED=$(sed -n 's/.* \([0-9][0-9]*\) members were stored before this.*/\1/p' <<<"$imp_err" | head -n 1)
	ACKED=${ACKED:-0}
	[ "$ACKED" -gt 0 ] && [ "$ACKED" -lt $N ] && ok ||
		fail "$1: $ACKED members stored before the store was full"
}
# still_serves NAME COUNT: status, search and fsck after the failure.
still_serves() {
	expect_eq "$1: members stored = acknowledged" "$(json_field "$1" members)" "$2"
	run_rc s sdc "$1" search --country FI --limit 1 --json
	expect_eq "$1: search answers" "$s_rc" 0
	expect_contains "$1: search counts what is stored" "$s_out" "\"total\":$2"
	run_rc f sdc "$1" fsck
	expect_eq "$1: fsck clean after the failed write" "$f_rc" 0
	# A single member may still fit; if not, it is refused the same way.
	# EXTRA: 1 if it was stored.
	run_rc one sdc "$1" member add --name "One More Oy" --country FI --kind sme
	EXTRA=0
	if [ "$one_rc" -eq 0 ]; then
		EXTRA=1
	else
		expect_contains "$1: a single add that does not fit" "$one_err" "nothing was written"
	fi
	expect_eq "$1: members after the single add" "$(json_field "$1" members)" $(($2 + EXTRA))
}

# ---- 1. The map is full ----
sd_node m
sed -i 's/^map_size_mb = .*/map_size_mb = 2/' "$T/m/stardust.conf"
sd_start m
sd_admit m --countries FI
import_until_full m
expect_contains "map full: the error says what to do" "$imp_err" "store is full (raise map_size_mb and restart); nothing was written"
still_serves m "$ACKED"
expect_contains "map full: logged" "$(cat "$T/m.log")" "storing failed: store is full"
# Room again: a larger map, a restart, and the import completes.
sd_stop m
sed -i 's/^map_size_mb = 2$/map_size_mb = 64/' "$T/m/stardust.conf"
sd_start m
run_rc imp sdc m import --batch 100 "$T/gen.csv"
expect_eq "map raised: the import completes" "$imp_rc" 0
expect_eq "map raised: every member, once" "$(json_field m members)" $((N + EXTRA))
run_rc f sdc m fsck
expect_eq "map raised: fsck clean" "$f_rc" 0

# ---- 2. The disk is full ----
if ! mkdir -p "$T/disk" || ! mount -t tmpfs -o size=3m tmpfs "$T/disk" 2>"$T/mount.err"; then
	fail "cannot mount a tmpfs (needs root): $(cat "$T/mount.err")"
	finish
	exit 1
fi
unmount_disk() { umount "$T/disk" 2>/dev/null || umount -l "$T/disk" || true; }
SD_CLEANUP_HOOK=unmount_disk
"$SD" node init --dir "$T/disk/d" --root-key "$ROOT" --name d >/dev/null
ln -s "$T/disk/d" "$T/d"
PD=$(free_port)
sd_net d "$PD"
sd_start d
sd_admit d --countries FI
import_until_full d
expect_contains "disk full: the error says what to do" "$imp_err" "(the disk holding the store is full: "
expect_contains "disk full: nothing of it written" "$imp_err" "; free space there); nothing was written"
still_serves d "$ACKED"
D_HELD=$((ACKED + EXTRA))

# A peer syncs into the full disk: refused for lack of room, not as an
# offence.
d_lines=$(wc -l <"$T/d.log")
sd_node p
sd_net p "$(free_port)" "$PD"
sd_start p
sd_admit p --countries SE
"$SD_BIN/sdgen" --count 2000 --seed 9 --countries SE --format csv >"$T/p.csv"
sdc p import "$T/p.csv" >/dev/null
# d tried to store them (the log says so when it has), and failed.
wait_log "$T/d.log" "refused: storing: " 60 "$d_lines" >/dev/null && ok ||
	fail "disk full: the sync failure is not logged"
expect_eq "disk full: the peer's members are not stored" "$(json_field d members)" "$D_HELD"
rej=$(sdc d status --json | sdtest json-sum rejected)
expect_eq "disk full: the peer is not counted as an offender" "$rej" 0

# Space returns (the tmpfs grows): the same daemon, no restart, takes
# the rest of the import and the peer's members.
mount -o remount,size=64m "$T/disk"
run_rc imp sdc d import --batch 100 "$T/gen.csv"
expect_eq "disk grown: the import completes" "$imp_rc" 0
ok_sync=0
for _ in $(seq 1 300); do
	[ "$(json_field d members)" -eq $((N + 2000 + EXTRA)) ] && { ok_sync=1; break; }
	sleep 0.1
done
expect_eq "disk grown: the peer's members arrive" "$ok_sync" 1
run_rc f sdc d fsck
expect_eq "disk grown: fsck clean" "$f_rc" 0
expect_contains "disk grown: fsck counts every member" "$f_out" "clean: $((N + 2000 + EXTRA + 2)) records"
sd_stop d
sd_stop p

finish
