#!/usr/bin/env bash
# Forward compatibility: two nodes of this release relay a record of a
# kind they do not know (a later release's) between two nodes that do.
# The later nodes are tests/evilpeer with real certified keys: "fut"
# publishes a record of RecordBody field 9 to hub; hub passes it to spoke
# over their real sync link; "fet" asks spoke for fut's records and
# checks the bytes are the ones fut signed. Neither daemon indexes or
# shows it, refuses it or drops a peer for it; fsck counts it; a later
# record of the same subject replaces it on both, and survives a restart.
# A peer that does not announce relaying them (SYNC_CAP_LATER: a 0.1.0
# node, which would refuse the record and drop the link) is not sent it.
source "$(dirname "$0")/lib.sh"

sd_root
HPORT=$(free_port)
SPORT=$(free_port)
sd_node hub
sd_node spoke
sd_net hub "$HPORT"
sd_net spoke "$SPORT" "$HPORT"
sd_start hub
sd_start spoke
sd_admit hub --countries FI --address "127.0.0.1:$HPORT"
sd_admit spoke --countries SE --address "127.0.0.1:$SPORT"
# The later release's nodes: certified keys whose daemons are the tool.
for n in fut fet; do
	sd_node "$n"
	key=$(awk 'NR == 1 { print substr($2, 65) }' "$T/$n/node.key")
	"$SD" federation admit "$key" --dir "$T/root" --name "$n" --countries FI \
		-o "$T/$n.cert" >/dev/null
	sdc hub cert add "$T/$n.cert" >/dev/null
	sdc spoke cert add "$T/$n.cert" >/dev/null
	eval "KEY_$n=$key"
done
# peer NAME PORT MODE [ORIGIN]: the tool as node NAME of a later release
# (it announces SYNC_CAP_LATER, 4)
peer() {
	EVIL_CAPS=${EVIL_CAPS-4} "$SD_BIN/tests/evilpeer" "$T/$1/node.key" "$ROOT" "$T/$1.cert" "$2" "${@:3}"
}
hexof() { od -An -v -tx1 "$1" | tr -d ' \n'; }

EVIL_RECORD="$T/opp1.rec" EVIL_SEQ=1 EVIL_SUBJECT="9/opp-1" \
	EVIL_TEXT="call for partners: mine tailings" run_rc r peer fut "$HPORT" future
expect_eq "the later node's record was taken (connection kept)" "$r_out" "open"

# Over the real link to spoke (the hub pushes it, or spoke asks).
wait_later_kinds spoke 1 || true
expect_eq "hub stored it" "$(later_kinds hub)" 1
expect_eq "spoke stored it (relayed by hub)" "$(later_kinds spoke)" 1
run_rc f peer fet "$SPORT" fetch "$KEY_fut"
expect_eq "spoke serves exactly the bytes fut signed" "$f_out" "$(hexof "$T/opp1.rec")
fetched 1"

EVIL_CAPS= run_rc f peer fet "$SPORT" fetch "$KEY_fut"
expect_eq "a peer of 0.1.0 (no SYNC_CAP_LATER) is sent none" "$f_out" "fetched 0"

for n in hub spoke; do
	expect_eq "$n: not a member" "$(members "$n")" 0
	run_rc s sdc "$n" search "tailings" --json
	expect_eq "$n: not searchable" "$(echo "$s_out" | grep -c '"id"')" 0
	expect_eq "$n: nothing refused" "$(sdc "$n" status --json | sdtest json-eval "sum(j.get('rejected', {}).values())")" 0
	run_rc k sdc "$n" fsck
	expect_eq "$n: fsck clean" "$k_rc" 0
	expect_contains "$n: fsck counts the later kind" "$k_out" "1 record of a later release's kinds"
done
expect_not_contains "hub logged no refusal" "$(cat "$T/hub.log")" "refused"
expect_not_contains "spoke logged no refusal" "$(cat "$T/spoke.log")" "refused"

# A later record of the same subject replaces it everywhere.
EVIL_RECORD="$T/opp2.rec" EVIL_SEQ=2 EVIL_SUBJECT="9/opp-1" \
	EVIL_TEXT="call for partners: amended" run_rc r peer fut "$HPORT" future
deadline=$((SECONDS + 60))
while [ $SECONDS -lt $deadline ]; do
	run_rc f peer fet "$SPORT" fetch "$KEY_fut"
	[ "$f_out" = "$(hexof "$T/opp2.rec")
fetched 1" ] && break
	sleep 0.2
done
expect_eq "spoke holds only the later version" "$f_out" "$(hexof "$T/opp2.rec")
fetched 1"
expect_eq "hub: the older version deleted" "$(later_kinds hub)" 1
expect_eq "spoke: the older version deleted" "$(later_kinds spoke)" 1

# Kept across a restart, and still served.
sd_stop spoke
sd_start spoke
run_rc f peer fet "$SPORT" fetch "$KEY_fut"
expect_eq "after a restart spoke still serves it" "$f_out" "$(hexof "$T/opp2.rec")
fetched 1"
run_rc k sdc spoke fsck
expect_eq "spoke: fsck clean after the restart" "$k_rc" 0

finish
