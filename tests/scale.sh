# A federation of K real daemons on 127.0.0.1, one per NUTS-2 region, as
# a new user would set one up (sourced after lib.sh by e2e_scale.sh and
# bench/scale.sh). Each node is admitted with `federation admit --nuts`,
# configured with two earlier nodes as `peers` and defaults otherwise
# (gossip_ms 1000, max_outbound 8 unless SCALE_MAX_OUTBOUND says,
# max_inbound 16), and imports M members of its region.

declare -A SCALE_CODE SCALE_PORT

# scale_field NODE FIELD: a numeric field of NODE's `status --json`,
# without starting python (polling 80 nodes must not load the machine).
scale_field() {
	local js
	js=$(sdc "$1" status --json)
	[[ $js =~ \"$2\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

# scale_regions K: K NUTS-2 codes whose NUTS prefix is their ISO country
# (Greece's EL and the like left out), spread over the countries; not the
# "Extra-Regio" codes (CYZZ and the like: no place, no members).
scale_regions() {
	awk -F, 'FNR == NR { iso[$1] = 1; next }
		FNR > 1 && $3 == 2 && substr($1, 1, 2) in iso && $1 !~ /ZZ$/ { print $1 }' \
		"$SD_SRC/data/iso-3166-1.csv" "$SD_SRC/data/nuts-2024.csv" | sort |
		awk '{ c = substr($1, 1, 2); n[c]++; print n[c] " " $1 }' |
		sort -n -s -k1,1 | awk '{ print $2 }' | head -n "$1"
}

# scale_up PREFIX K M: nodes PREFIX0..PREFIX(K-1) made, started, admitted
# and each importing M members (imports in the background; sets
# SCALE_IMPORT_T0, the time the first began, in ms since the epoch).
scale_up() {
	local pfx=$1 k=$2 m=$3 i n code
	local -a codes
	mapfile -t codes < <(scale_regions "$k")
	[ "${#codes[@]}" -eq "$k" ] || { echo "only ${#codes[@]} NUTS-2 regions" >&2; return 1; }
	SCALE_NODES=()
	for i in $(seq 0 $((k - 1))); do
		n=$pfx$i
		SCALE_NODES+=("$n")
		SCALE_CODE[$n]=${codes[$i]}
		SCALE_PORT[$n]=$(free_port)
		sd_node "$n"
		sed -i 's/^log_level = .*/log_level = debug/' "$T/$n/stardust.conf"
		{
			echo "listen = 127.0.0.1:${SCALE_PORT[$n]}"
			[ -n "${SCALE_MAX_OUTBOUND:-}" ] &&
				echo "max_outbound = $SCALE_MAX_OUTBOUND"
			if [ "$i" -ge 2 ]; then
				echo "peers = 127.0.0.1:${SCALE_PORT[$pfx$((i - 1))]}, 127.0.0.1:${SCALE_PORT[$pfx$((i - 2))]}"
			elif [ "$i" -eq 1 ]; then
				echo "peers = 127.0.0.1:${SCALE_PORT[${pfx}0]}"
			fi
		} >> "$T/$n/stardust.conf"
	done
	for n in "${SCALE_NODES[@]}"; do
		sd_start "$n"
		code=${SCALE_CODE[$n]}
		sd_admit "$n" --countries "${code:0:2}" --nuts "$code" \
			--address "127.0.0.1:${SCALE_PORT[$n]}"
		"$SD_BIN/sdgen" --count "$m" --seed "${#SCALE_NODES[@]}" \
			--nuts-prefix "$code" --format csv > "$T/$n.csv"
	done
	SCALE_IMPORT_T0=$(date +%s%3N)
	SCALE_IMPORTS=()
	for n in "${SCALE_NODES[@]}"; do
		sdc "$n" import "$T/$n.csv" >/dev/null &
		SCALE_IMPORTS+=($!)
	done
}

# scale_converged WANT TIMEOUT: until every node holds WANT members; 0,
# or 1 after TIMEOUT seconds. Sets SCALE_CONVERGED_T (ms since the epoch).
scale_converged() {
	local want=$1 deadline=$((SECONDS + $2)) n c all
	while [ $SECONDS -lt $deadline ]; do
		all=1
		for n in "${SCALE_NODES[@]}"; do
			c=$(scale_field "$n" members || echo 0)
			[ "$c" = "$want" ] || { all=0; break; }
		done
		if [ $all = 1 ]; then
			SCALE_CONVERGED_T=$(date +%s%3N)
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# scale_snap TAG: for every node, the bytes it sent on each certified
# connection (by address, so that a connection that closed meanwhile
# does not count as negative traffic), its CPU ticks and the time, into
# $T/{snap,cpu,at}.TAG.NODE.
scale_snap() {
	local n pid
	for n in "${SCALE_NODES[@]}"; do
		eval "pid=\$PID_$n"
		sdc "$n" peers --json | python3 -S -c '
import json, sys
for l in sys.stdin:
    p = json.loads(l)
    if "address" in p and p.get("state") == "certified":
        print(p["address"] + ("o" if p["outbound"] else "i"), p["bytes_out"])' > "$T/snap.$1.$n"
		awk '{ print $14 + $15 }' "/proc/$pid/stat" > "$T/cpu.$1.$n"
		date +%s%3N > "$T/at.$1.$n"
	done
}

# scale_idle SECONDS: SCALE_IDLE_BYTES (bytes a node sends a second on
# all its links, the mean over nodes), SCALE_IDLE_MAX (the most of one
# node) and SCALE_IDLE_CPU (cores, all daemons together), measured over
# SECONDS in sync.
scale_idle() {
	local s=$1 n
	scale_snap a
	sleep "$s"
	scale_snap b
	read -r SCALE_IDLE_BYTES SCALE_IDLE_MAX SCALE_IDLE_CPU < <(python3 -S - "$T" "$s" "$(getconf CLK_TCK)" "${SCALE_NODES[@]}" <<'EOF'
import sys
t, secs, hz, nodes = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
def snap(tag, n):
    d = {}
    for l in open(f"{t}/snap.{tag}.{n}"):
        k, v = l.split()
        d[k] = int(v)
    return d
rates, cpu = [], 0.0
for n in nodes:
    a, b = snap("a", n), snap("b", n)
    # Each node's own interval: snapshots of many nodes take a while.
    el = (int(open(f"{t}/at.b.{n}").read()) - int(open(f"{t}/at.a.{n}").read())) / 1000
    rates.append(sum(b[k] - a[k] for k in b if k in a and b[k] >= a[k]) / el)
    cpu += (int(open(f"{t}/cpu.b.{n}").read()) - int(open(f"{t}/cpu.a.{n}").read())) / hz / el
print(f"{sum(rates) / len(rates):.0f} {max(rates):.0f} {cpu:.4f}")
EOF
)
}

# scale_dups: records received twice over records received, all nodes.
scale_dups() {
	local n
	for n in "${SCALE_NODES[@]}"; do
		sdc "$n" status --json
	done | python3 -S -c '
import json, sys
got = dup = 0
for l in sys.stdin:
    s = json.loads(l)
    got += s["records_received"]
    dup += s["records_duplicate"]
print(f"{dup / got if got else 0:.3f} {dup} {got}")'
}

# scale_reach NODE: one new member on NODE; prints the ms until the last
# node stored it, from the nodes' log timestamps (debug lines).
scale_reach() {
	local n=$1 key seq
	key=$(json_field "$n" node_key)
	sdc "$n" member add --name "Reach Test Ltd" --kind sme \
		--country "${SCALE_CODE[$n]:0:2}" --region "${SCALE_CODE[$n]}" >/dev/null
	seq=$(scale_field "$n" own_seq)
	sleep 3
	python3 -S - "$T" "$n" "${key:0:8}" "$seq" "${SCALE_NODES[@]}" <<'EOF'
import datetime, re, sys
t, pub, key, seq, nodes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
def ts(line):
    return datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f").timestamp() * 1000
t0 = None
for l in open(f"{t}/{pub}.log"):
    if f"seq now {seq}" in l:
        t0 = ts(l)
last = 0.0
pat = re.compile(r"origin " + key + r": watermark \d+ -> (\d+)")
for n in nodes:
    if n == pub:
        continue
    when = None
    for l in open(f"{t}/{n}.log"):
        m = pat.search(l)
        if m and int(m.group(1)) >= seq:
            when = ts(l)
            break
    if when is None or t0 is None:
        print("never")
        sys.exit(0)
    last = max(last, when - t0)
print(f"{last:.0f}")
EOF
}
