#!/usr/bin/env bash
# A certified peer that misbehaves after a real handshake: a record with a
# flipped signature bit, a member outside its certificate, a record forged
# in another certified node's name (set aside while the hub lacks that
# node's certificate, refused once it holds it), a message without a
# sync version, a frame above the maximum, a truncated frame. Each is refused (the
# connection closed), nothing is stored, and the daemon keeps serving;
# each refusal is counted by reason in `stardust status` with the
# offender's key. The same peer sending a valid record gets it stored:
# the refusals are not the tool failing. Then it equivocates (the same
# seq, other bytes): the first record stays, and status counts it. Then
# it replays the stored record: refused once the peer knew it was held.
# A message of a later release (a higher version, a message kind and a
# field this build cannot name) is not misbehaviour: ignored, the
# connection kept, nothing counted.
source "$(dirname "$0")/lib.sh"

sd_root
PORT=$(free_port)
sd_node hub
sd_net hub "$PORT"
sd_start hub
sd_admit hub --countries FI
# Two more certified keys whose daemons never run: the misbehaving peer,
# and a node in whose name it forges.
for n in evil third; do
	sd_node "$n"
	# The public key is the second half of libsodium's 64-byte secret key.
	key=$(awk 'NR == 1 { print substr($2, 65) }' "$T/$n/node.key")
	"$SD" federation admit "$key" --dir "$T/root" --name "$n" --countries FI \
		-o "$T/$n.cert" >/dev/null
	eval "KEY_$n=$key"
done
EVIL=("$SD_BIN/tests/evilpeer" "$T/evil/node.key" "$ROOT" "$T/evil.cert" "$PORT")

# A record in the name of a node whose certificate the hub does not hold
# yet cannot be checked: it is set aside (it may be early), not stored,
# and the connection stays.
run_rc r "${EVIL[@]}" forged "$KEY_third"
expect_eq "forged, unknown origin: connection kept" "$r_out" "open"
expect_eq "forged, unknown origin: nothing stored" "$(members hub)" 0
sdc hub cert add "$T/third.cert" >/dev/null
for mode in badsig scope forged version oversize; do
	run_rc r "${EVIL[@]}" "$mode" "$KEY_third"
	expect_eq "$mode: connection dropped" "$r_out" "closed"
	expect_eq "$mode: nothing stored" "$(members hub)" 0
	run_rc st sdc hub status
	expect_eq "$mode: daemon still serves" "$st_rc" 0
done
run_rc r "${EVIL[@]}" truncated
expect_eq "truncated frame sent" "$r_out" "sent"
sleep 0.3
expect_eq "truncated: nothing stored" "$(members hub)" 0
log=$(cat "$T/hub.log")
expect_contains "bad signature logged with the peer" "$log" "signature does not verify"
expect_contains "scope violation logged" "$log" "country SE is outside this node's certificate"
expect_contains "no version refused" "$log" "sync version 0 is not spoken here"
expect_contains "oversize frame logged" "$log" "frame above the maximum"

run_rc r "${EVIL[@]}" later
expect_eq "a later release's message: connection kept" "$r_out" "open"
expect_not_contains "a later release's message: not refused" "$(cat "$T/hub.log")" "version 99"

# Every refusal is counted by reason in status, with the last offender.
rej() {
	sdc hub status --json |
		sdtest json-eval "j['rejected']['$1'] if '$1' in j['rejected'] else j.get('last_rejected', {}).get('$1', '-')"
}
# The forged record fails the signature check under the certified
# origin it names: counted with the bad signature.
expect_eq "status counts the bad signature and the forgery" "$(rej signature)" 2
expect_eq "status counts the out-of-scope member" "$(rej scope)" 1
expect_eq "status counts the message without a version" "$(rej version)" 1
expect_eq "status counts the oversize frame" "$(rej malformed)" 1
expect_eq "no equivocation yet" "$(rej equivocation)" 0
expect_eq "status names the offender" "$(rej peer)" "$KEY_evil"

EVIL_RECORD="$T/good.rec" run_rc r "${EVIL[@]}" good
run_rc s sdc hub search "evil peer" --json
expect_contains "the same peer's valid record is stored" "$s_out" "\"origin\":\"$KEY_evil\""

# Equivocation: the same origin and seq with other bytes (signed later).
run_rc r "${EVIL[@]}" equivocate
sleep 0.3
expect_eq "equivocation counted" "$(rej equivocation)" 1
expect_eq "last offence: equivocation" "$(rej reason)" "equivocation"
expect_contains "equivocation logged with the peer and seq" "$(cat "$T/hub.log")" "equivocation: origin"
run_rc s sdc hub search "evil peer" --json
expect_eq "the first record is kept" "$(echo "$s_out" | grep -c '"id"')" 1
run_rc st sdc hub status
expect_contains "status text shows the refusals" "$st_out" "rejected:     signature 2, scope 1, equivocation 1, malformed 1, version 1 (last: equivocation from peer ${KEY_evil:0:16}"

# Replays: the stored record sent again as a batch (0, 1]. At once after
# the handshake it may be an honest push that crossed the digest telling
# the peer it is held (the grace is 5 s): ignored as a duplicate. Once
# the peer has been told for longer, it is a replay: refused, the
# connection closed, logged with the peer's key, counted.
EVIL_RECORD="$T/good.rec" EVIL_WAIT_MS=0 run_rc r "${EVIL[@]}" replay
expect_eq "replay within the grace: connection kept" "$r_out" "open"
expect_eq "replay within the grace: not counted" "$(rej replay)" 0
EVIL_RECORD="$T/good.rec" EVIL_WAIT_MS=6000 run_rc r "${EVIL[@]}" replay
expect_eq "replay: connection dropped" "$r_out" "closed"
expect_eq "replay counted" "$(rej replay)" 1
expect_eq "last offence: replay" "$(rej reason)" "replay"
expect_contains "replay logged with the peer's key" "$(cat "$T/hub.log")" "peer ${KEY_evil:0:16} (127.0.0.1"
expect_contains "replay logged with its range" "$(cat "$T/hub.log")" "refused: replay: a batch of origin ${KEY_evil:0:16} seqs (0, 1], all held here"
run_rc s sdc hub search "evil peer" --json
expect_eq "still the first record, once" "$(echo "$s_out" | grep -c '"id"')" 1
run_rc st sdc hub status
expect_contains "status text shows the replay" "$st_out" "signature 2, scope 1, equivocation 1, malformed 1, version 1, replay 1 (last: replay from peer ${KEY_evil:0:16}"

finish
