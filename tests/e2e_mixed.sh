#!/usr/bin/env bash
# A federation half upgraded: nodes of the previous release (built from
# SD_OLD_REV, the last release, with scripts/build-rev.sh) and of this one
# in one federation. Links between two new nodes use delta digests; a
# link with an old node falls back to whole digests (negotiated on the
# first message: an old node announces no capabilities and ignores the
# field); every member, update and removal reaches every node both ways,
# and nothing is refused anywhere. An old node over max_inbound is kept
# (it would reconnect at once after a goodbye). A record of a kind of a
# later release entering at a new node reaches the new nodes and never
# the old ones, which keep syncing and refuse nothing. An old node's
# store opens under this release with nothing lost (upgraded in place),
# and back.
source "$(dirname "$0")/lib.sh"

OLD_REV=${SD_OLD_REV:-2143a4c}
OLD="$SD_BIN/old-$OLD_REV"
"$SD_SRC/scripts/build-rev.sh" "$OLD_REV" "$OLD"
NEW_SD=$SD
NEW_SDD=$SDD

# on_release NAME: use the binaries of NAME's release (o*: old).
on_release() {
	case $1 in
	o*) SD="$OLD/stardust"; SDD="$OLD/stardustd" ;;
	*) SD=$NEW_SD; SDD=$NEW_SDD ;;
	esac
}

sd_root
declare -A PORT CC=([o1]=FI [n1]=SE [o2]=LT [n2]=EE) SEED=([o1]=1 [n1]=2 [o2]=3 [n2]=4)
for n in o1 n1 o2 n2; do PORT[$n]=$(free_port); done
# A ring o1 -> n1 -> o2 -> n2 -> n1: one link between new nodes (n2 -> n1),
# three between an old and a new one.
for n in o1 n1 o2 n2; do sd_node "$n"; done
sd_net o1 "${PORT[o1]}" "${PORT[n1]}"
sd_net n1 "${PORT[n1]}" "${PORT[o2]}"
sd_net o2 "${PORT[o2]}" "${PORT[n2]}"
sd_net n2 "${PORT[n2]}" "${PORT[n1]}" "${PORT[o1]}"
# n2 takes no inbound peer for good (only the grace), but o2, of the
# previous release, has no rest after a goodbye and would reconnect at
# once: it is kept.
echo "max_inbound = 0" >> "$T/n2/stardust.conf"
for n in o1 n1 o2 n2; do
	on_release "$n"
	sd_start "$n"
	sd_admit "$n" --countries "${CC[$n]}" --address "127.0.0.1:${PORT[$n]}"
	"$SD_BIN/sdgen" --count 40 --seed "${SEED[$n]}" --countries "${CC[$n]}" \
		--format csv > "$T/$n.csv"
	sdc "$n" import "$T/$n.csv" >/dev/null
done
on_release n1

# wait_all N: until every node holds N members (each with its own CLI).
wait_all() {
	local want=$1 i n c ok
	for i in $(seq 1 300); do
		ok=1
		for n in o1 n1 o2 n2; do
			on_release "$n"
			c=$(sdc "$n" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["members"])')
			[ "$c" = "$want" ] || { ok=0; break; }
		done
		on_release n1
		[ $ok = 1 ] && return 0
		sleep 0.2
	done
	return 1
}
if wait_all 160; then ok; else fail "the mixed federation did not converge on 160 members"; fi

# Digests on each link: delta between the new nodes, whole with old ones;
# the release each peer announced (none from the old ones).
peer_field() { # peer_field NODE PORT FIELD: FIELD of NODE's link to PORT
	on_release "$1"
	sdc "$1" peers --json | python3 -c "
import json, sys
for l in sys.stdin:
    p = json.loads(l)
    if p.get('address') == '127.0.0.1:$2' and p.get('state') == 'certified':
        print(p.get('$3')); break"
	on_release n1
}
digests() { peer_field "$1" "$2" digests; }
expect_eq "n2 -> n1 (both new): delta digests" "$(digests n2 "${PORT[n1]}")" delta
expect_eq "n1 -> o2 (old peer): whole digests" "$(digests n1 "${PORT[o2]}")" whole
expect_eq "n2 -> o1 (old peer): whole digests" "$(digests n2 "${PORT[o1]}")" whole
release=$("$SD" --version | sed 's/^stardust //')
expect_eq "n2 -> n1: n1 said which release it runs" "$(peer_field n2 "${PORT[n1]}" software)" "stardustd $release"
expect_eq "n1 -> o2: an old node says nothing" "$(peer_field n1 "${PORT[o2]}" software)" None
run_rc pe sdc n1 peers
expect_contains "peers text: the old node's release column" "$(grep "127.0.0.1:${PORT[o2]} " <<<"$pe_out")" " <0.2.0 "
on_release n2
run_rc pe sdc n2 peers
on_release n1
expect_contains "peers text: the new node's" "$(grep "127.0.0.1:${PORT[n1]} " <<<"$pe_out")" " $release "
# This release's CLI against an old daemon (it reports no versions): the
# column says it does not know, status has no version line.
run_rc pe sdc o2 peers
expect_eq "new CLI, old daemon: peers works" "$pe_rc" 0
expect_contains "new CLI, old daemon: VERSION unknown" "$(grep "127.0.0.1:${PORT[n2]} " <<<"$pe_out")" " ? "
run_rc st sdc o2 status
expect_eq "new CLI, old daemon: status works" "$st_rc" 0
expect_not_contains "new CLI, old daemon: no version line" "$st_out" "version:"
for _ in $(seq 1 150); do
	grep -q "of an earlier release (no capabilities): kept over max_inbound" "$T/n2.log" && break
	sleep 0.2
done
expect_contains "n2 keeps o2 (old) over max_inbound 0" "$(cat "$T/n2.log")" "kept over max_inbound"
expect_eq "n2 sent o2 no goodbye" "$(grep -c 'closed: inbound peers full' "$T/n2.log")" 0

# Changes both ways: an old node's update and a new node's removal reach
# everyone; a new member on each side too.
on_release o1
IDO=$(sdc o1 export | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
sdc o1 member update "$IDO" --employees 4242 >/dev/null
sdc o1 member add --name "Old Release Oy" --kind sme --country FI >/dev/null
on_release n2
IDN=$(sdc n2 export | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
sdc n2 member remove "$IDN" >/dev/null
sdc n2 member add --name "New Release OU" --kind sme --country EE >/dev/null
on_release n1
if wait_all 161; then ok; else fail "changes did not reach every node"; fi

# Upgrading in place: o1's store, written by the previous release, opens
# under this one with nothing lost (the same members, fsck clean), and
# o1 goes on syncing, now with delta digests to a new peer. Then back:
# the same schema, so the previous release opens what this one wrote.
on_release o1
before=$(export_all o1 | sha256sum)
sd_stop o1
on_release n1
sd_start o1
expect_eq "upgraded in place: o1 holds the same members" "$(export_all o1 | sha256sum)" "$before"
run_rc k sdc o1 fsck
expect_eq "upgraded in place: fsck clean" "$k_rc" 0
expect_contains "upgraded in place: o1 runs this release" "$(sdc o1 status)" "stardustd $release (sync protocol"
for _ in $(seq 1 150); do
	[ "$(digests n2 "${PORT[o1]}")" = delta ] && break
	sleep 0.2
done
expect_eq "upgraded in place: n2 -> o1 now delta digests" "$(digests n2 "${PORT[o1]}")" delta
sd_stop o1
on_release o1
sd_start o1
on_release o1
expect_eq "downgraded again: o1 holds the same members" "$(export_all o1 | sha256sum)" "$before"
run_rc k sdc o1 fsck
expect_eq "downgraded again: the previous release's fsck is clean" "$k_rc" 0
on_release n1
if wait_all 161; then ok; else fail "the federation lost members over o1's upgrade and downgrade"; fi

# A record of a kind of a later release (tests/evilpeer as a later node,
# announcing every capability) enters at n1. The new nodes relay and keep
# it; the old ones, which would refuse it and drop the link that brought
# it, are neither sent it nor told of it, and keep syncing.
sd_node fut
FUT_KEY=$(awk 'NR == 1 { print substr($2, 65) }' "$T/fut/node.key")
"$SD" federation admit "$FUT_KEY" --dir "$T/root" --name fut --countries FI \
	-o "$T/fut.cert" >/dev/null
sdc n1 cert add "$T/fut.cert" >/dev/null
run_rc r env EVIL_CAPS=7 EVIL_SUBJECT="9/opp-1" EVIL_SEQ=1 "$SD_BIN/tests/evilpeer" \
	"$T/fut/node.key" "$ROOT" "$T/fut.cert" "${PORT[n1]}" future
expect_eq "a later node's record taken by n1" "$r_out" "open"
on_release o2
sdc o2 member add --name "After Later Kind Oy" --kind sme --country LT >/dev/null
on_release n2
sdc n2 member add --name "After Later Kind OU" --kind sme --country EE >/dev/null
on_release n1
if wait_all 163; then ok; else fail "members after the later kind did not reach every node"; fi
wait_later_kinds n2 1 || true
expect_eq "n1 keeps the later kind" "$(later_kinds n1)" 1
expect_eq "n2 got it (relayed)" "$(later_kinds n2)" 1
for n in o1 o2; do
	on_release "$n"
	run_rc k sdc "$n" fsck
	expect_eq "old $n: fsck clean" "$k_rc" 0
	expect_not_contains "old $n refused nothing" "$(cat "$T/$n.log")" "refused"
done
on_release n1
for n in o1 n1 o2 n2; do
	on_release "$n"
	rej=$(sdc "$n" status --json | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["rejected"].values()))')
	expect_eq "nothing refused at $n after the later kind" "$rej" 0
done
on_release n1
for n in o1 n1 o2 n2; do
	on_release "$n"
	run_rc sh sdc "$n" member show "$IDO" --json
	expect_contains "o1's update reached $n" "$sh_out" '"employees":4242'
	run_rc sh sdc "$n" member show "$IDN"
	expect_eq "n2's removal reached $n" "$sh_rc" 1
	run_rc s sdc "$n" search "Old Release" --json
	expect_contains "o1's new member at $n" "$s_out" "Old Release Oy"
	run_rc s sdc "$n" search "New Release" --json
	expect_contains "n2's new member at $n" "$s_out" "New Release OU"
	rej=$(sdc "$n" status --json | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["rejected"].values()))')
	expect_eq "nothing refused at $n" "$rej" 0
done
on_release n1
first=$(export_all n1 | sha256sum)
for n in o1 o2 n2; do
	on_release "$n"
	expect_eq "$n holds what n1 holds" "$(export_all "$n" | sha256sum)" "$first"
done
on_release n1

finish
