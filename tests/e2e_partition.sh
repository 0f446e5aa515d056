#!/usr/bin/env bash
# Partitions and rejoins of a six-node federation, with changes on every
# side, again and again: all nodes converge to identical member sets each
# time, and to the right ones.
#
# Six nodes (FI SE NO EE LV LT), each publishing its own members, are
# linked in a ring with three diameters (1-2 2-3 3-4 4-5 5-6 6-1, 1-4 2-5
# 3-6: every node has three peers, any two nodes are at most two hops
# apart). Every link goes through tests/relay.py: node a dials node b
# (a < b) at the relay's port for link a-b, which forwards to b from the
# source address 127.0.a.b; max_outbound = 0 and no address in the
# certificates, so no node dials anyone else. The relay cuts links (their
# connections reset, new ones refused) and heals them while every daemon
# keeps running.
#
# Each round splits the federation (two sides, an isolated node, three
# ways, every node alone, a split that moves without healing), every node
# changes its members while cut (imports new ones, revises a dozen at once,
# updates two, removes two, adds one, re-adds one it removed in the phase
# before), and then:
#  - each side converges to exactly what the test computes it must hold:
#    its own origins' latest members and, for every origin on the other
#    side, the version the side last saw (still so 1 s later, so no change
#    crossed the cut), with the peer connections the cut leaves;
#  - after the heal, the six exports are identical, equal to the union of
#    every node's own export, with the expected number of members, and
#    every link is back.
# At the end: every peer connection in every log came through the relay
# (and each link reconnected after each of its cuts), no record was
# refused, and `stardust fsck` is clean on two nodes.
source "$(dirname "$0")/lib.sh"

NN=6
COUNTRIES=(- FI SE NO EE LV LT)
LINKS=(1-2 2-3 3-4 4-5 5-6 1-6 1-4 2-5 3-6)
# A round: one or more partitions (">": the split moves without a heal),
# then a heal. Groups of node numbers separated by "|".
ROUNDS=("123|456" "4|12356" "12|34|56" "123|456>126|345" "1|6|2345"
	"25|16|34" "14|2356" "1|2|3|4|5|6")
INIT=150 # members each node imports at the start
K=15     # new sdgen members each node imports in each phase
TMO=60   # seconds allowed for any convergence
# Rounds after the fifth start only while the test has run less than this.
BUDGET=${SD_PARTITION_BUDGET:-150}
W="$T/work"
mkdir -p "$W" "$T/own"

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
secs() { printf '%d.%01d' $(($1 / 1000)) $(($1 % 1000 / 100)); }

# ---- the relay ----
sd_root
declare -A NPORT LPORT
for i in $(seq 1 $NN); do NPORT[$i]=$(free_port); done
for l in "${LINKS[@]}"; do LPORT[$l]=$(free_port); done
CTL=$(free_port)

# relay CMD...: one command to the relay's control port; prints the answer.
relay() {
	local fd reply=
	exec {fd}<>"/dev/tcp/127.0.0.1/$CTL" || return 1
	printf '%s\n' "$*" >&"$fd"
	IFS= read -r reply <&"$fd" || true
	exec {fd}>&-
	printf '%s\n' "$reply"
}

args=()
for l in "${LINKS[@]}"; do
	args+=(--link "$l:${LPORT[$l]}:${NPORT[${l#*-}]}:127.0.${l%-*}.${l#*-}")
done
python3 "$(dirname "$0")/relay.py" --control "$CTL" "${args[@]}" 2>>"$T/relay.log" &
SD_PIDS+=($!)
for _ in $(seq 1 100); do
	[ "$(relay ping 2>/dev/null)" == pong ] && break
	sleep 0.05
done
expect_eq "the relay answers" "$(relay ping 2>/dev/null)" pong

# ---- six nodes, each dialling its higher-numbered neighbours via the relay ----
for i in $(seq 1 $NN); do
	sd_node "n$i"
	peers=()
	for l in "${LINKS[@]}"; do
		[ "${l%-*}" == "$i" ] && peers+=("${LPORT[$l]}")
	done
	sd_net "n$i" "${NPORT[$i]}" "${peers[@]}"
done
# Highest first: a node's dials meet nodes already certified.
for i in $(seq $NN -1 1); do
	sd_start "n$i"
	sd_admit "n$i" --countries "${COUNTRIES[$i]}"
done

declare -A CNT POS SEEN GROUP EPIS CUT
HEALED=()
for i in $(seq 1 $NN); do
	"$SD_BIN/sdgen" --count $((INIT + K * 12)) --seed "$i" \
		--countries "${COUNTRIES[$i]}" --format csv >"$T/n$i.csv"
	sdtest csv-head "$T/n$i.csv" "$INIT" >"$W/init.csv"
	sdc "n$i" import "$W/init.csv" >/dev/null
	CNT[$i]=$INIT
	POS[$i]=$INIT
	sdc "n$i" export | LC_ALL=C sort >"$T/own/$i.0"
	for o in $(seq 1 $NN); do SEEN[$i,$o]=0; done
done
for l in "${LINKS[@]}"; do EPIS[$l]=0; CUT[$l]=0; done
PH=0

# ---- the model ----
# SEEN[x,o] = the phase whose own export of node o node x must hold; after
# each phase every side takes, for each origin, the newest version any of
# its nodes held (its own origins: this phase's).
settle_model() { # settle_model GROUP...
	local g x o v
	for g in "$@"; do
		for o in $(seq 1 $NN); do
			if [[ $g == *$o* ]]; then
				v=$PH
			else
				v=0
				for x in $(grep -o . <<<"$g"); do
					[ "${SEEN[$x,$o]}" -gt "$v" ] && v=${SEEN[$x,$o]}
				done
			fi
			for x in $(grep -o . <<<"$g"); do SEEN[$x,$o]=$v; done
		done
	done
	for x in $(seq 1 $NN); do
		for o in $(seq 1 $NN); do cat "$T/own/$o.${SEEN[$x,$o]}"; done |
			LC_ALL=C sort >"$W/exp.$x"
	done
}

# degree X: certified peers node X must have with the current cut.
degree() {
	local l d=0
	for l in "${LINKS[@]}"; do
		if [ "${l%-*}" == "$1" ] || [ "${l#*-}" == "$1" ]; then
			[ "${GROUP[${l%-*}]}" == "${GROUP[${l#*-}]}" ] && d=$((d + 1))
		fi
	done
	echo $d
}

# wait_model TIMEOUT: until every node's export is its expected one; 1 on
# timeout. wait_links TIMEOUT: until every node has the certified peers
# the cut leaves it.
wait_model() {
	local deadline=$((SECONDS + $1)) x all
	while [ $SECONDS -lt $deadline ]; do
		all=1
		for x in $(seq 1 $NN); do
			if ! sdc "n$x" export --all | LC_ALL=C sort | cmp -s - "$W/exp.$x"; then
				all=0
				break
			fi
		done
		[ $all -eq 1 ] && return 0
		sleep 0.1
	done
	return 1
}
wait_links() {
	local deadline=$((SECONDS + $1)) x all
	while [ $SECONDS -lt $deadline ]; do
		all=1
		for x in $(seq 1 $NN); do
			if [ "$(sdc "n$x" peers --json | grep -c '"state":"certified"' || true)" != "$(degree "$x")" ]; then
				all=0
				break
			fi
		done
		[ $all -eq 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# check_model WHAT: every node holds exactly its expected export; on a
# difference, what differs (by origin) and the end of the logs, then stop.
check_model() {
	local x bad=0
	for x in $(seq 1 $NN); do
		sdc "n$x" export --all | LC_ALL=C sort >"$W/act.$x"
		if cmp -s "$W/act.$x" "$W/exp.$x"; then ok; else
			bad=1
			fail "$1: n$x does not hold what it must ($(wc -l <"$W/act.$x") members, expected $(wc -l <"$W/exp.$x"))"
			python3 - "$W/exp.$x" "$W/act.$x" <<-'EOF' >&2
			import json, sys
			e = set(open(sys.argv[1])); a = set(open(sys.argv[2]))
			for what, s in (("missing", e - a), ("unexpected", a - e)):
			    for l in sorted(s)[:4]:
			        r = json.loads(l)
			        print("  %s: origin %.8s seq %d %s" % (what, r["origin"], r["seq"], r["name"]))
			    print("  %d %s in all" % (len(s), what))
			EOF
		fi
	done
	if [ $bad -eq 1 ]; then
		relay stats >&2
		for x in $(seq 1 $NN); do tail -n 8 "$T/n$x.log" >&2; done
		finish
		exit 1
	fi
}

# change I: node I's changes of this phase; its own export is kept as
# $T/own/I.PHASE.
change() {
	local i=$1 n=n$1 id readd=0
	sdc "$n" export >"$W/pre.jsonl"
	python3 - "$W/pre.jsonl" "$T/n$i.csv" "$PH" "$i" "${POS[$i]}" "$K" "$W" <<-'EOF'
	import csv, json, random, sys
	pre, src, ph, i, pos, k, w = sys.argv[1:]
	ph, i, pos, k = int(ph), int(i), int(pos), int(k)
	rows = [l for l in open(pre) if l.strip()]
	pick = random.Random(ph * 100 + i).sample(range(len(rows)), 16)
	with open(w + "/upd.jsonl", "w") as f:  # a dozen revised at once
	    for x in pick[:12]:
	        r = json.loads(rows[x])
	        r["description"] = "%s Revised in phase %d." % (r.get("description", ""), ph)
	        f.write(json.dumps(r) + "\n")
	with open(w + "/one.ids", "w") as f:  # two updated one by one
	    for x in pick[12:14]:
	        f.write(json.loads(rows[x])["id"] + "\n")
	with open(w + "/rm.jsonl", "w") as f:  # two removed
	    for x in pick[14:16]:
	        f.write(rows[x])
	src_rows = list(csv.reader(open(src, newline="")))
	with open(w + "/new.csv", "w", newline="") as f:
	    csv.writer(f, lineterminator="\n").writerows(
	        src_rows[:1] + src_rows[1 + pos:1 + pos + k])
	EOF
	sdc "$n" import "$W/upd.jsonl" >/dev/null
	for id in $(cat "$W/one.ids"); do
		sdc "$n" member update "$id" --employees $((PH * 1000 + i)) >/dev/null
	done
	for id in $(sdtest jsonl-field -f "$W/rm.jsonl" id); do
		sdc "$n" member remove "$id" >/dev/null
	done
	sdc "$n" import "$W/new.csv" >/dev/null
	sdc "$n" member add --name "Partition Phase $PH Node $i" --kind cluster \
		--country "${COUNTRIES[$i]}" >/dev/null
	# The member removed first in the phase before comes back (a new
	# version after its tombstone).
	if [ -s "$W/readd.$i" ]; then
		sdc "$n" import "$W/readd.$i" --format jsonl >/dev/null
		readd=1
	fi
	sed -n 1p "$W/rm.jsonl" >"$W/readd.$i"
	CNT[$i]=$((CNT[$i] + K + 1 + readd - 2))
	POS[$i]=$((POS[$i] + K))
	sdc "$n" export | LC_ALL=C sort >"$T/own/$i.$PH"
	expect_eq "n$i publishes the members counted" "$(wc -l <"$T/own/$i.$PH")" "${CNT[$i]}"
}

# partition SPEC ("123|456"): cut every link between groups, heal the
# rest (HEALED: the links healed). Every link newly cut had a connection,
# which the relay must close.
partition() {
	local spec=$1 g i l cut=() r new=0
	HEALED=()
	for i in $(seq 1 $NN); do GROUP[$i]=; done
	for g in ${spec//|/ }; do
		for i in $(grep -o . <<<"$g"); do GROUP[$i]=$g; done
	done
	for i in $(seq 1 $NN); do
		[ -n "${GROUP[$i]}" ] || { fail "partition $spec leaves out n$i"; return; }
	done
	for l in "${LINKS[@]}"; do
		if [ "${GROUP[${l%-*}]}" != "${GROUP[${l#*-}]}" ]; then
			cut+=("$l")
			if [ "${CUT[$l]}" -eq 0 ]; then
				EPIS[$l]=$((EPIS[$l] + 1))
				new=$((new + 1))
			fi
			CUT[$l]=1
		else
			[ "${CUT[$l]}" -eq 0 ] || HEALED+=("$l")
			CUT[$l]=0
		fi
	done
	# Each group must hang together by the links left (else the model,
	# which lets a group converge, would be wrong).
	for g in ${spec//|/ }; do
		local reach=${g:0:1} grown=1
		while [ $grown -eq 1 ]; do
			grown=0
			for l in "${LINKS[@]}"; do
				[ "${CUT[$l]}" -eq 0 ] || continue
				if [[ $reach == *${l%-*}* && $reach != *${l#*-}* ]]; then
					reach+=${l#*-}; grown=1
				elif [[ $reach == *${l#*-}* && $reach != *${l%-*}* ]]; then
					reach+=${l%-*}; grown=1
				fi
			done
		done
		[ ${#reach} -eq ${#g} ] || fail "partition $spec: $g is not connected by the links left"
	done
	r=$(relay set "${cut[@]}")
	expect_eq "relay: cut ${cut[*]:-nothing}" "$r" "ok closed=$new"
}

# back_after: seconds from the heal to the first connection over any
# link in HEALED.
back_after() {
	relay stats | python3 -c '
import json, sys
s = json.load(sys.stdin)
b = [s[l]["back_after"] for l in sys.argv[1:] if s[l]["back_after"] is not None]
print("%.1f" % min(b) if b else "-")' "${HEALED[@]}"
}

# ---- initial convergence ----
GROUP=([1]=123456 [2]=123456 [3]=123456 [4]=123456 [5]=123456 [6]=123456)
settle_model 123456
t0=$(now_ms)
if wait_model $TMO; then ok; else
	fail "initially: not converged within $TMO s"
	check_model "initially"
fi
if wait_links $TMO; then ok; else fail "initially: not every link up"; fi
echo "initial: $((INIT * NN)) members on 6 nodes converged in $(secs $(($(now_ms) - t0))) s"

# ---- the rounds ----
round=0
for spec in "${ROUNDS[@]}"; do
	if [ $round -ge 5 ] && [ $SECONDS -ge "$BUDGET" ]; then
		echo "time budget ($BUDGET s) reached after $round rounds"
		break
	fi
	round=$((round + 1))
	line="round $round:"
	IFS='>' read -r -a parts <<<"$spec"
	for part in "${parts[@]}"; do
		PH=$((PH + 1))
		partition "$part"
		t0=$(now_ms)
		for i in $(seq 1 $NN); do change "$i"; done
		t1=$(now_ms)
		# shellcheck disable=SC2086
		settle_model ${part//|/ }
		if wait_model $TMO; then ok; else
			fail "round $round, cut $part: the sides did not settle within $TMO s"
			check_model "round $round, cut $part"
		fi
		if wait_links $TMO; then ok; else
			fail "round $round: cut $part: not the peers the cut leaves"; fi
		t2=$(now_ms)
		# A second look: nothing crossed the cut in the meantime.
		sleep 1
		check_model "round $round, cut $part, 1 s later"
		line+=" cut $part (changes $(secs $((t1 - t0))) s, sides settled $(secs $((t2 - t1))) s);"
	done
	partition 123456
	settle_model 123456
	t0=$(now_ms)
	if wait_model $TMO; then ok; else
		fail "round $round, healed: not converged within $TMO s"
		check_model "round $round, healed"
	fi
	t1=$(now_ms)
	if wait_converged 5 n1 n2 n3 n4 n5 n6; then ok; else
		fail "round $round: exports differ after the heal"; fi
	if wait_links $TMO; then ok; else fail "round $round: links not all back"; fi
	t2=$(now_ms)
	total=0
	for i in $(seq 1 $NN); do total=$((total + CNT[$i])); done
	for i in $(seq 1 $NN); do
		expect_eq "round $round: n$i holds every member" "$(members "n$i")" "$total"
	done
	line+=" healed: first link back after $(back_after) s, converged in $(secs $((t1 - t0))) s, all 9 links back in $(secs $((t2 - t0))) s; $total members"
	echo "$line"
done
expect_eq "at least five rounds ran" "$((round >= 5))" 1

# ---- every connection went through the relay ----
stats=$(relay stats)
links=$(IFS=' '; echo "${LINKS[*]}")
epis=$(for l in "${LINKS[@]}"; do printf '%s=%s ' "$l" "${EPIS[$l]}"; done)
lports=$(for l in "${LINKS[@]}"; do printf '%s=%s ' "$l" "${LPORT[$l]}"; done)
run_rc pc python3 - "$T" "$links" "$epis" "$lports" "$stats" <<'EOF'
import json, re, sys
t, links, epis, lports, stats = sys.argv[1:]
links = links.split()
epis = dict(x.split("=") for x in epis.split())
lport = dict(x.split("=") for x in lports.split())
stats = json.loads(stats)
bad = 0
certified = {l: 0 for l in links}
for i in range(1, 7):
    out = {"127.0.0.1:" + lport[l]: l for l in links if l.split("-")[0] == str(i)}
    inn = {"127.0.%s.%d" % (l.split("-")[0], i): l for l in links
           if l.split("-")[1] == str(i)}
    for line in open("%s/n%d.log" % (t, i)):
        if " peer " not in line:  # not "listening for peers on ..."
            continue
        for addr in re.findall(r"\b(127\.\d+\.\d+\.\d+:\d+)\b", line):
            ip = addr.rsplit(":", 1)[0]
            if addr in out:
                link = out[addr]
            elif ip in inn:
                link = inn[ip]
                if line.rstrip().endswith(": certified"):
                    certified[link] += 1
            else:
                print("n%d: a connection not through the relay: %s" % (i, line.rstrip()))
                bad += 1
                continue
for l in links:
    want = 1 + int(epis[l])
    s = stats[l]
    print("link %s: %d connections certified (cut %s times), relay accepted %d, refused %d while cut"
          % (l, certified[l], epis[l], s["accepted"], s["refused"]))
    if certified[l] < want:
        print("link %s: %d connections certified at its target, expected at least %d" % (l, certified[l], want))
        bad += 1
sys.exit(1 if bad else 0)
EOF
expect_eq "every peer connection went through the relay, each link reconnected after each cut" "$pc_rc" 0
[ "$pc_rc" -eq 0 ] || echo "$pc_out" >&2
echo "$pc_out"

# ---- nothing refused, stores consistent ----
for i in $(seq 1 $NN); do
	run_rc st sdc "n$i" status
	expect_contains "n$i refused no record" "$st_out" "rejected:     none"
done
for i in 1 4; do
	run_rc fs sdc "n$i" fsck
	expect_eq "fsck on n$i (daemon running)" "$fs_rc" 0
	expect_contains "fsck on n$i counts every member" "$fs_out" "($total live)"
	echo "n$i: $fs_out"
done
# Every daemon stops cleanly (under ASan: no leak, no error report).
for i in $(seq 1 $NN); do
	SD_EXIT=none
	sd_stop "n$i"
	expect_eq "n$i stopped cleanly" "$SD_EXIT" 0
done
run_rc sz grep -l -E "Sanitizer|runtime error" "$T"/n?.log
expect_eq "no sanitizer report in the daemon logs" "$sz_out" ""
warn=$(cat "$T"/n?.log | grep -c -E ' (warn|error):' || true)
echo "warnings and errors in the daemon logs: $warn"
echo "total: $round rounds, $PH phases, $SECONDS s"

finish
