#!/usr/bin/env bash
# A federation on loopback: five nodes in a line converge to identical
# member sets; updates and removals reach every node; a node that was
# down catches up; a stranger without the network key and a revoked node
# are refused and what they publish is not stored.
source "$(dirname "$0")/lib.sh"

sd_root
NODES=(n1 n2 n3 n4 n5)
COUNTRIES=(FI LT NO SE PL)
declare -A PORT
for n in "${NODES[@]}"; do PORT[$n]=$(free_port); done
prev=
for i in "${!NODES[@]}"; do
	n=${NODES[$i]}
	sd_node "$n"
	if [ -n "$prev" ]; then sd_net "$n" "${PORT[$n]}" "${PORT[$prev]}"; else sd_net "$n" "${PORT[$n]}"; fi
	prev=$n
done
for i in "${!NODES[@]}"; do
	n=${NODES[$i]}
	sd_start "$n"
	sd_admit "$n" --countries "${COUNTRIES[$i]}" --address "127.0.0.1:${PORT[$n]}"
	"$SD_BIN/sdgen" --count 150 --seed $((i + 1)) --countries "${COUNTRIES[$i]}" \
		--format csv > "$T/$n.csv"
	sdc "$n" import "$T/$n.csv" >/dev/null
done
sdc n1 member add --name "Palsatech" --kind sme --country FI --region FI1D7 \
	--capability "recycling mining waste in construction" >/dev/null

if wait_converged 60 "${NODES[@]}"; then ok; else fail "5 nodes in a line did not converge"; fi
expect_eq "every node holds every member" "$(members n5)" 751
run_rc s sdc n5 search recycling mining waste --country FI --json
expect_contains "cross-border search on the far end finds n1's member" "$s_out" '"name":"Palsatech"'
N1KEY=$(sdc n1 status | awk '/node key/{print $3}')
expect_contains "with n1 as the publisher" "$s_out" "\"origin\":\"$N1KEY\""

# stardust peers: n3 dials n2 and is dialled by n4, both certified; it
# holds a watermark for the root and each of the five nodes.
run_rc pe sdc n3 peers --json
expect_eq "n3 has two certified peers" "$(grep -c '"state":"certified"' <<<"$pe_out")" 2
expect_contains "n3 dials n2" "$pe_out" "\"address\":\"127.0.0.1:${PORT[n2]}\",\"outbound\":true"
run_rc pe sdc n3 peers
expect_contains "origins listed" "$pe_out" "6 origins held"
expect_contains "own origin marked" "$pe_out" "(this node)"

# An update, then a removal, reach every node; the old versions go.
ID=$(sdc n1 search Palsatech --json | sdtest jsonl-field id --limit 1)
sdc n1 member update "$ID" --employees 42 >/dev/null
for i in $(seq 1 100); do
	sdc n5 member show "$ID" --json 2>/dev/null | grep -q '"employees":42' && break
	sleep 0.1
done
run_rc sh sdc n5 member show "$ID" --json
expect_contains "update reached n5" "$sh_out" '"employees":42'
sdc n1 member remove "$ID" >/dev/null
if wait_converged 30 "${NODES[@]}"; then ok; else fail "no convergence after a removal"; fi
for n in "${NODES[@]}"; do
	run_rc sh sdc "$n" member show "$ID"
	expect_eq "removal reached $n" "$sh_rc" 1
done
if mdb_dump -s records -p "$T/n5/db" | grep -q Palsatech; then
	fail "n5 still stores the removed member's record bytes"
else ok; fi

# A node that is down misses changes and catches up when it returns.
sd_stop n3
sdc n1 member add --name "While You Were Away Oy" --kind sme --country FI >/dev/null
sdc n5 member add --name "Partition Test AB" --kind sme --country PL >/dev/null
sleep 1
run_rc s sdc n5 search away
expect_not_contains "n1's change cannot cross the gap while n3 is down" "$s_out" "While You Were Away"
sd_start n3
if wait_converged 60 "${NODES[@]}"; then ok; else fail "no convergence after n3 returned"; fi
run_rc s sdc n5 search away
expect_contains "n1's change reached n5 after n3 returned" "$s_out" "While You Were Away Oy"

# A stranger: a node of another federation (other root key) dialing n1.
mkdir -p "$T/other"
"$SD" federation init --dir "$T/other/root" >/dev/null
"$SD" node init --dir "$T/x" --root-key "$(cat "$T/other/root/root.pub")" --name x >/dev/null
sd_net x "$(free_port)" "${PORT[n1]}"
n1_lines=$(wc -l <"$T/n1.log")
sd_start x
wait_log "$T/n1.log" "handshake refused" 60 "$n1_lines" >/dev/null && ok ||
	fail "stranger not refused at the handshake (n1's log says nothing)"
expect_eq "n1 stores nothing of the stranger" "$(members n1)" "$(members n2)"

# Revocation: the root revokes n4; once the revocation is given to n1 it
# spreads, every node drops n4's members and refuses n4.
N4KEY=$(sdc n4 status | awk '/node key/{print $3}')
"$SD" federation revoke "$N4KEY" --dir "$T/root" --reason test -o "$T/n4.rev" >/dev/null
sdc n1 cert add "$T/n4.rev" >/dev/null
for i in $(seq 1 100); do
	[ "$(sdc n5 search --country SE --limit 1 | tail -1)" == "0 matches, 0 shown" ] && break
	sleep 0.1
done
for n in n1 n2 n3 n5; do
	run_rc s sdc "$n" search --country SE --limit 1
	expect_contains "$n dropped the revoked node's members" "$s_out" "0 matches"
done
sdc n4 member add --name "After Revocation AB" --kind sme --country SE >/dev/null 2>&1 || true
sleep 1
run_rc s sdc n3 search revocation
expect_not_contains "nothing new from the revoked node" "$s_out" "After Revocation"

finish
