#!/usr/bin/env bash
# Sync under stress and the federation's own topology:
#  - a node killed with kill -9 in the middle of a large initial sync
#    restarts and converges with no loss and no duplicates; status shows
#    the lag while it syncs and `status --wait` returns once in sync;
#  - in-sync peers exchange no records (only digests);
#  - a small change is pushed at once (long gossip interval);
#  - a partition (the middle node of a line frozen) with changes on both
#    sides heals;
#  - nodes learn peers from certificate addresses, up to max_outbound.
source "$(dirname "$0")/lib.sh"

N=20000
sd_root

# peer_sum NAME FIELD: FIELD summed over `peers --json`.
peer_sum() {
	sdc "$1" peers --json | sdtest jsonl-sum "$2"
}

# ---- kill -9 in the middle of a large sync ----
PA=$(free_port)
PB=$(free_port)
sd_node a
sd_net a "$PA"
sd_start a
sd_admit a --countries FI --address "127.0.0.1:$PA"
"$SD_BIN/sdgen" --count $N --seed 11 --countries FI --format csv >"$T/a.csv"
sdc a import "$T/a.csv" >/dev/null
expect_eq "a holds its members" "$(json_field a members)" $N

sd_node b
sd_net b "$PB" "$PA"
sd_start b
sd_admit b --countries NO --address "127.0.0.1:$PB"
# SIGTERM in the middle of the sync: a clean stop (exit 0), no crash
# while batches are still being verified and stored.
for _ in $(seq 1 500); do
	js=$(sdc b status --json 2>/dev/null || true)
	[[ $js =~ \"members\":([1-9][0-9]*) ]] && break
	sleep 0.01
done
kill -TERM "$PID_b"
if sd_reap "$PID_b"; then ok; else fail "b did not stop within 15 s of SIGTERM"; fi
expect_eq "b stopped cleanly in the middle of a sync" "$SD_EXIT" 0
sd_start b
seen_lag=0
killed=0
# Polled without python: on two busy cores every process start counts.
deadline=$((SECONDS + 60))
while [ $SECONDS -lt $deadline ]; do
	js=$(sdc b status --json 2>/dev/null || true)
	m=0
	lag=0
	[[ $js =~ \"members\":([0-9]+) ]] && m=${BASH_REMATCH[1]}
	[[ $js =~ \"lag\":([0-9]+) ]] && lag=${BASH_REMATCH[1]}
	[ "$lag" -gt 0 ] && seen_lag=1
	[ "$m" -ge $N ] && break # finished before we caught it: fails below
	if [ "$m" -gt 0 ] && [ $seen_lag -eq 1 ]; then
		kill -9 "$PID_b"
		wait "$PID_b" 2>/dev/null || true
		killed=1
		break
	fi
	sleep 0.01
done
expect_eq "status showed a lag while syncing" "$seen_lag" 1
expect_eq "b was killed in the middle of the sync" "$killed" 1
[ $killed -eq 1 ] || { echo "b had $m members, lag $lag" >&2; tail -n 20 "$T/b.log" >&2; }
sd_start b
run_rc w sdc b status --wait --timeout 90
expect_eq "status --wait returns once in sync" "$w_rc" 0
expect_contains "status --wait says so" "$w_err" "in sync with 1 peer"
expect_eq "b holds every member after the restart" "$(json_field b members)" $N
expect_eq "b's lag is 0" "$(json_field b lag)" 0
if [ "$(export_all a | sha256sum)" == "$(export_all b | sha256sum)" ]; then ok; else
	fail "a and b differ after the interrupted sync"; fi
sdc b export --all >"$T/b.jsonl"
ids="$(sdtest jsonl-count id <"$T/b.jsonl") $(sdtest jsonl-count --distinct id <"$T/b.jsonl")"
expect_eq "no duplicates on b" "$ids" "$N $N"
run_rc st sdc b status
expect_contains "status says in sync" "$st_out" "in sync with every certified peer"
expect_contains "status counts the peer" "$st_out" "1 certified"

# In sync: only digests move; no record crosses.
sleep 0.5
r0=$(peer_sum b records_in):$(peer_sum a records_in)
sleep 2
r1=$(peer_sum b records_in):$(peer_sum a records_in)
expect_eq "in-sync peers exchange no records" "$r1" "$r0"
got=$(peer_sum b records_in)
expect_eq "b received the rest over its new connection" "$((got > 0))" 1
[ "$got" -gt 0 ] || { sdc b peers >&2; grep -E "closed|refused|ready" "$T/b.log" >&2; }

# ---- eager push: with digests every 10 min, a change arrives at once ----
# (at once: long before the next digest could have announced it; the
# wait is for the change, up to 30 s on a loaded machine, not a clock)
PC=$(free_port)
PD=$(free_port)
sd_node c
sd_net c "$PC"
sd_node d
sd_net d "$PD" "$PC"
sed -i 's/^gossip_ms = .*/gossip_ms = 600000/' "$T/c/stardust.conf" "$T/d/stardust.conf"
sd_start c
sd_admit c --countries LT
sd_start d
sd_admit d --countries PL
sdc c member add --name "Before Push UAB" --kind sme --country LT >/dev/null
run_rc w sdc d status --wait --timeout 30
expect_eq "d in sync with c" "$w_rc" 0
[ "$w_rc" -eq 0 ] || { sdc d status --json; sdc d peers --json; sdc c peers --json; } >&2
sdc c member add --name "Pushed Right Away UAB" --kind sme --country LT >/dev/null
got=0
t0=$(date +%s)
for _ in $(seq 1 300); do
	if sdc d search pushed --json | grep -q "Pushed Right Away"; then got=1; break; fi
	sleep 0.1
done
expect_eq "a new member reaches the peer at once (pushed), not at the next digest in 10 min" "$got" 1
echo "pushed member found on d after $(($(date +%s) - t0)) s" >&2
sd_stop c
sd_stop d

# ---- partition: x - y - z, y frozen, changes on both sides ----
PX=$(free_port)
PY=$(free_port)
PZ=$(free_port)
sd_node x
sd_net x "$PX"
sd_node y
sd_net y "$PY" "$PX"
sd_node z
sd_net z "$PZ" "$PY"
for n in x y z; do sd_start "$n"; done
sd_admit x --countries SE
sd_admit y --countries DK
sd_admit z --countries EE
sdc x member add --name "Before Partition AB" --kind sme --country SE >/dev/null
if wait_converged 30 x y z; then ok; else fail "x, y, z did not converge"; fi
kill -STOP "$PID_y"
sdc x member add --name "West Side AB" --kind sme --country SE >/dev/null
sdc z member add --name "East Side OU" --kind sme --country EE >/dev/null
sleep 1.5
run_rc s sdc z search west
expect_not_contains "x's change cannot reach z while y is frozen" "$s_out" "West Side"
kill -CONT "$PID_y"
if wait_converged 30 x y z; then ok; else fail "no convergence after the partition"; fi
run_rc s sdc x search east
expect_contains "z's change reached x" "$s_out" "East Side OU"
run_rc s sdc z search west
expect_contains "x's change reached z" "$s_out" "West Side AB"

# ---- peers learned from certificate addresses ----
# h listens; i and j know only h; each learns the other's address from
# its certificate and dials it. k may have one outbound peer: h.
PH=$(free_port)
PI=$(free_port)
PJ=$(free_port)
PK=$(free_port)
SD_MAX_OUTBOUND=8
sd_node h
sd_net h "$PH"
sd_node i
sd_net i "$PI" "$PH"
sd_node j
sd_net j "$PJ" "$PH"
SD_MAX_OUTBOUND=1
sd_node k
sd_net k "$PK" "$PH"
for n in h i j k; do sd_start "$n"; done
sd_admit h --countries LV --address "127.0.0.1:$PH"
sd_admit i --countries LV --address "127.0.0.1:$PI"
sd_admit j --countries LV --address "127.0.0.1:$PJ"
sd_admit k --countries LV --address "127.0.0.1:$PK"
# Whichever of i and j learns first dials the other; the other then
# sees it connected and does not dial back.
learned=0
# A first dial may meet a node still without its certificate and back
# off (up to 10 s).
deadline=$((SECONDS + 40))
while [ $SECONDS -lt $deadline ]; do
	if sdc i peers --json | grep -q "\"address\":\"127.0.0.1:$PJ\",\"outbound\":true,\"learned\":true,\"state\":\"certified\""; then
		learned=i
		break
	fi
	if sdc j peers --json | grep -q "\"address\":\"127.0.0.1:$PI\",\"outbound\":true,\"learned\":true,\"state\":\"certified\""; then
		learned=j
		break
	fi
	sleep 0.1
done
expect_eq "i and j connect at the address in the other's certificate" "$([ "$learned" != 0 ] && echo yes || echo no)" yes
[ "$learned" != 0 ] || { sdc i peers >&2; sdc j peers >&2; grep -h "peer" "$T/i.log" "$T/j.log" | tail -n 20 >&2; }
if [ "$learned" != 0 ]; then
	run_rc pe sdc "$learned" peers
	expect_contains "shown as dialled from a certificate" "$pe_out" "out*"
fi
expect_eq "k dials no one beyond max_outbound = 1" \
	"$(sdc k peers --json | grep -c '"outbound":true')" 1
sdc i member add --name "Learned Route SIA" --kind sme --country LV >/dev/null
if wait_converged 30 h i j k; then ok; else fail "h, i, j, k did not converge"; fi

finish
