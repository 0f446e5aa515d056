#!/usr/bin/env bash
# The HTTP API (docs/API.md) of a node in a two-node federation, against
# the CLI on the same node: the fixed dataset of e2e_search
# (tests/data/partners.csv), published by two nodes, searched over HTTP
# at the Vilnius node. Search, filters, paging, member detail, match,
# consortium, peers, status (the same object as `stardust status
# --json`), Prometheus metrics, and hostile requests: each gets a JSON
# error with a fitting status, and the daemon keeps answering.
source "$(dirname "$0")/lib.sh"

GET="$SD_SRC/tests/httpget.py"
T0=$(date +%s%3N) # no sync happened before this

partners_http
expect_contains "the log names the HTTP address" "$(cat "$T/vil.log")" "HTTP API on http://127.0.0.1:$HP/"
sdc vil import "$T/lt.csv" >/dev/null
sdc nor import "$T/rest.csv" >/dev/null
wait_converged 30 vil nor || fail "the two nodes did not converge"
sdc vil status --wait --timeout 30 >/dev/null || fail "vil not in sync"
KNOR=$(json_field nor node_key)
KVIL=$(json_field vil node_key)

# jq_ EXPR: evaluate a Python expression over the JSON body `j`.
jq_() {
	sdtest json-eval "$1" <<<"$H_body"
}

# ids PATH: the short ids (last two digits) of the hits, in order.
ids() {
	http_get "$1"
	[ "$H_status" == 200 ] || { echo "status $H_status: $H_body"; return; }
	jq_ '" ".join(h["id"][-2:] for h in j["hits"])'
}
sorted_ids() {
	ids "$1" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//'
}
cli_ids() {
	sdc vil "$@" --json | sdtest jsonl-field id --tail 2
}

# ---- search and filters: the same answers as the CLI ----
http_get "/api/search?q=laser+cutting"
expect_eq "search: 200" "$H_status" 200
expect_eq "search: JSON" "$H_type" "application/json"
expect_eq "search: ranked like the CLI" "$(ids '/api/search?q=laser+cutting')" "$(cli_ids search laser cutting)"
expect_eq "search: the ranking" "$(ids '/api/search?q=laser%20cutting')" "05 02 11 03"
expect_eq "search: total" "$(jq_ 'j["total"]')" 4
expect_eq "search: why it matched" "$(jq_ '"name:laser" in j["hits"][0]["matched"] and "capabilities:cutting" in j["hits"][0]["matched"]')" True
expect_eq "search: the publishing node" "$(jq_ 'j["hits"][0]["origin"]')" "$KNOR"
expect_eq "search: its name" "$(jq_ 'j["hits"][0]["node"]')" "nor"
expect_eq "search: the size class" "$(jq_ 'j["hits"][0]["size"]')" "micro"
expect_eq "country OR" "$(sorted_ids '/api/search?country=FI,SE')" "04 05 06 07 08 09"
expect_eq "repeated country is OR" "$(sorted_ids '/api/search?country=FI&country=SE')" "04 05 06 07 08 09"
expect_eq "NUTS level 2" "$(sorted_ids '/api/search?region=FI1D')" "04 06"
expect_eq "exclusion" "$(sorted_ids '/api/search?sector=26&not_country=FI,SE')" "02 11"
expect_eq "cross-border from Vilnius" "$(sorted_ids '/api/search?sector=26&cross_border=true')" "06 07 11"
expect_eq "kind AND size" "$(sorted_ids '/api/search?kind=sme&size=small')" "02 03 04 08 09 11 12"
expect_eq "employee range" "$(sorted_ids '/api/search?employees=20-45')" "02 03 08 11 12"
expect_eq "membership" "$(sorted_ids '/api/search?member_of=00000000000000000000000000000001')" "02 11"
expect_eq "phrase" "$(sorted_ids '/api/search?q=%22waste+recycling%22')" "02 04"
expect_eq "folding (UTF-8 in the URL)" "$(sorted_ids '/api/search?q=Jyv%C3%A4skyl%C3%A4')" "05"
p1=$(ids '/api/search?sector=C&limit=4')
http_get '/api/search?sector=C&limit=4'
next=$(jq_ 'j["next"]')
expect_eq "page 1: total" "$(jq_ 'j["total"]')" 6
p2=$(ids "/api/search?sector=C&limit=4&cursor=$next")
http_get "/api/search?sector=C&limit=4&cursor=$next"
expect_eq "page 2: the last" "$(jq_ 'j["next"]')" "None"
expect_eq "pages cover all, once" "$(echo "$p1 $p2" | tr ' ' '\n' | sort | tr '\n' ' ')" "02 05 06 07 11 12 "

# ---- member detail, match, consortium ----
http_get /api/member/00000000000000000000000000000004
expect_eq "member: 200" "$H_status" 200
expect_eq "member: its name" "$(jq_ 'j["name"]')" "Lapland Mining Waste Oy"
expect_eq "member: its capabilities" "$(jq_ '";".join(j["capabilities"])')" "recycling mining waste;tailings processing"
expect_eq "member: its node" "$(jq_ 'j["origin"]')" "$KNOR"
http_get "/api/member/00000000000000000000000000000004?origin=$KVIL"
expect_eq "member of another origin: 404" "$H_status" 404
http_get /api/member/000000000000000000000000000000ff
expect_eq "unknown member: 404" "$H_status" 404
expect_eq "unknown member: JSON error" "$(jq_ 'j["error"]["status"]')" 404
http_get /api/member/xyz
expect_eq "bad member path: 404 (no such resource)" "$H_status" 404
http_get /api/member/0000000000000000000000000000000g
expect_eq "bad member id: 400" "$H_status" 400

expect_eq "match: like the CLI" "$(ids '/api/match?id=00000000000000000000000000000002')" "$(cli_ids match 00000000000000000000000000000002)"
http_get "/api/match?id=00000000000000000000000000000002"
expect_contains "match: scores both ways" "$H_body" '"score_offers":'
expect_eq "match: finds the recycler that seeks lasers" "$(jq_ 'j["hits"][0]["id"][-2:]')" "04"

http_get "/api/consortium?need=laser+cutting&need=mining+waste+recycling&min_countries=2"
expect_eq "consortium: 200" "$H_status" 200
cli_groups=$(sdc vil consortium --need "laser cutting" --need "mining waste recycling" --min-countries 2 --json |
	sdtest json-eval --lines '",".join(sorted(m["id"][-2:] for m in j["members"]))' | paste -sd '|')
expect_eq "consortium: the CLI's groups" "$(jq_ '"|".join(",".join(sorted(m["id"][-2:] for m in g["members"])) for g in j["groups"])')" "$cli_groups"
expect_eq "consortium: every need covered in group 1" "$(jq_ 'sorted(set(c for m in j["groups"][0]["members"] for c in m["covers"]))')" "['laser cutting', 'mining waste recycling']"
expect_eq "consortium: two countries at least" "$(jq_ 'j["groups"][0]["countries"] >= 2')" True
http_get "/api/consortium?need=underwater+basket+weaving"
expect_eq "consortium nobody covers: 200" "$H_status" 200
expect_eq "consortium nobody covers: no group" "$(jq_ 'len(j["groups"])')" 0
expect_contains "consortium nobody covers: why" "$(jq_ 'j["problem"]')" "underwater basket weaving"

# ---- health: peers, status, metrics ----
http_get /api/peers
expect_eq "peers: one certified peer" "$(jq_ '[p["state"] for p in j["peers"]]')" "['certified']"
expect_eq "peers: its key" "$(jq_ 'j["peers"][0]["key"]')" "$KNOR"
expect_eq "peers: its name" "$(jq_ 'j["peers"][0]["name"]')" "nor"
expect_eq "peers: origins named" "$(jq_ 'sorted(o["name"] for o in j["origins"] if o["name"])')" "['nor', 'vil']"
expect_eq "peers: in sync" "$(jq_ 'j["peers"][0]["lag"]')" 0
expect_eq "peers: own origin marked" "$(jq_ '[o["origin"] for o in j["origins"] if o["self"]]')" "['$KVIL']"
# The same object as the CLI's. last_sync_ms (when a peer's digest last
# said "in sync") is refreshed every gossip interval, so it may move
# between the two reads: it must be set, after this test began, no
# earlier in the API's answer than in the CLI's read before it, and not
# in the future.
cli_status=$(sdc vil status --json)
http_get /api/status
now=$(date +%s%3N)
expect_eq "status: 200" "$H_status" 200
differ=$(sdtest json-equal "$H_body" "$cli_status" --except last_sync_ms) &&
	ok || fail "status differs from the CLI's ($differ): $H_body / $cli_status"
cli_ls=$(sdtest json-field last_sync_ms <<<"$cli_status")
api_ls=$(jq_ 'j["last_sync_ms"]')
sdtest num-cmp "$T0" '<=' "$cli_ls" '<=' "$api_ls" '<=' "$now" && ok ||
	fail "status: last_sync_ms not set, or out of order: test start $T0, CLI $cli_ls, then API $api_ls, then now $now"
expect_eq "status: members" "$(jq_ 'j["members"]')" 14
release=$("$SD" --version | sed -n 's/^stardust \([0-9][0-9.]*\)$/\1/p')
expect_eq "stardustd --version: the same release" "$("$SDD" --version)" "stardustd $release (sync protocol 1)"
expect_eq "status: the daemon's release" "$(jq_ 'j["version"]')" "$release"
expect_eq "status: its sync protocol" "$(jq_ 'j["sync_protocol"]')" 1
expect_eq "peers: the peer's release" "$(sdc vil peers --json | head -n 1 | sdtest json-field software)" "stardustd $release"
expect_eq "status: in sync" "$(jq_ 'j["in_sync"]')" True
http_get /api/status HEAD
expect_eq "HEAD: 200" "$H_status" 200
expect_eq "HEAD: no body" "$H_body" ""

http_get /metrics
expect_eq "metrics: 200" "$H_status" 200
expect_eq "metrics: Prometheus text" "$H_type" "text/plain; version=0.0.4; charset=utf-8"
expect_contains "metrics: members" "$H_body" $'\nstardust_members 14\n'
expect_contains "metrics: build info" "$H_body" $'\nstardust_build_info{version="'"$release"$'",sync_protocol="1"} 1\n'
# nor dialled vil: its address is the connection's source port.
metric() { # NAME: the value of NAME{peer="nor"...}
	local v
	v=$(sed -nE "s/^$1\{peer=\"${KNOR:0:16}\",address=\"127\.0\.0\.1:[0-9]+\"\} (\S+)$/\1/p" <<<"$H_body" | head -n 1)
	echo "${v:-absent}"
}
expect_eq "metrics: the peer is up" "$(metric stardust_peer_up)" 1
expect_eq "metrics: its lag" "$(metric stardust_peer_lag)" 0
# (nor's ten members and its certificate)
expect_eq "metrics: records from it" "$(metric stardust_peer_records_in_total)" 11
expect_contains "metrics: records received since the start" "$H_body" $'\nstardust_records_received_total 11\n'
expect_contains "metrics: none received twice" "$H_body" $'\nstardust_records_duplicate_total 0\n'
expect_contains "metrics: rejected by reason" "$H_body" 'stardust_rejected_total{reason="replay"} 0'
expect_contains "metrics: in sync" "$H_body" $'\nstardust_in_sync 1\n'
# Every sample line is well formed, and the request counters add up.
python3 - "$H_body" <<'EOF' && ok || fail "metrics: malformed or inconsistent"
import re, sys
text = sys.argv[1]
sample = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"\\\n]*"(,[a-z_]+="[^"\\\n]*")*\})? -?[0-9.e+]+$')
counts = {}
for line in text.splitlines():
    if line.startswith("# HELP ") or line.startswith("# TYPE "):
        continue
    if not sample.match(line):
        sys.exit("bad line: %r" % line)
    m = re.match(r'stardust_http_requests_total\{route="(\w+)",code="(\d)xx"\} (\d+)', line)
    if m:
        counts[(m[1], m[2])] = int(m[3])
    m = re.match(r'stardust_http_request_duration_seconds_count\{route="(\w+)"\} (\d+)', line)
    if m:
        counts[(m[1], "n")] = int(m[2])
# searches so far: 17 answered 200 before this request
if counts.get(("search", "2"), 0) < 17:
    sys.exit("search requests: %r" % counts)
for (route, c), n in list(counts.items()):
    if c == "n" and n != sum(v for (r, k), v in counts.items() if r == route and k != "n"):
        sys.exit("histogram count of %s: %r" % (route, counts))
EOF

# ---- hostile and wrong requests: a JSON error each ----
err() { # PATH EXPECTED_STATUS WHAT [METHOD]
	http_get "$1" "${4:-GET}"
	expect_eq "$3: status" "$H_status" "$2"
	expect_eq "$3: JSON error" "$(jq_ 'j["error"]["status"]' 2>/dev/null)" "$2"
}
err /nothing/here 404 "unknown path"
err /api/search 405 "POST" POST
err "/api/search?kind=bogus" 400 "unknown kind"
expect_contains "unknown kind: says which" "$(jq_ 'j["error"]["message"]')" "unknown kind 'bogus'"
err "/api/search?employees=50-10" 400 "employees MIN above MAX"
err "/api/search?q=%zz" 400 "bad escape"
err "/api/search?q=a%00b" 400 "escaped NUL"
err "/api/search?colour=red" 400 "unknown parameter"
expect_contains "unknown parameter: named" "$(jq_ 'j["error"]["message"]')" "unknown parameter 'colour'"
err "/api/search?kind=%FF%FE" 400 "a kind that is not UTF-8"
expect_eq "not UTF-8: still a message, bytes replaced" "$(jq_ 'j["error"]["message"].startswith("kind: unknown kind \x27??\x27")')" True
err "/api/search?country=XX" 400 "unknown country (validated by the node)"
err "/api/search?limit=0" 400 "limit 0"
err "/api/search?cursor=garbage" 400 "bad cursor"
err "/api/match" 400 "match without id"
err "/api/consortium" 400 "consortium without need"
err "/api/consortium?need=a&need=b&need=c&need=d&need=e&need=f&need=g&need=h&need=i" 400 "nine needs"
# Keep-alive: requests one after the other on one connection; a client
# that says close, and requests sent pipelined (not supported), get the
# connection closed after the answer.
run_rc k python3 "$GET" "$HP" --keep 5 /api/status
expect_eq "keep-alive: five answers on one connection" "$(sed -n 1p <<<"$k_out")" "answered 5 kept 5"
expect_eq "keep-alive: Connection: close honoured" "$(sed -n 2p <<<"$k_out")" "last: 200 close closed"
expect_eq "keep-alive: pipelined requests answered once, then closed" "$(sed -n 3p <<<"$k_out")" "pipelined: 200 close closed"
hex() { od -An -v -tx1 | tr -d ' \n'; } # stdin's bytes in hex
long=$(head -c 20000 /dev/zero | tr '\0' a)
run_rc r python3 "$GET" "$HP" --raw "$(printf 'GET /api/search?q=%s HTTP/1.1\nHost: x\n\n' "$long" | hex)"
expect_eq "URL above 16 KiB: 414" "$(sed -n 1p <<<"$r_out")" 414
pad=$(head -c 100 /dev/zero | tr '\0' b)
run_rc r python3 "$GET" "$HP" --raw "$({
	printf 'GET /api/status HTTP/1.1\r\n'
	for i in $(seq 0 199); do printf 'X-Pad-%d: %s\r\n' "$i" "$pad"; done
	printf '\r\n'
} | hex)"
expect_eq "headers above 16 KiB: 431" "$(sed -n 1p <<<"$r_out")" 431
run_rc r python3 "$GET" "$HP" --raw "$(printf 'POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' | hex)"
expect_eq "a request body: 413" "$(sed -n 1p <<<"$r_out")" 413
run_rc r python3 "$GET" "$HP" --raw "$(printf 'NOT HTTP AT ALL\n' | hex)"
expect_eq "not HTTP: 400" "$(sed -n 1p <<<"$r_out")" 400
# A request that never completes is answered 408 after 10 s: not before
# (the client waited at least that long, and the server's own record of
# the connection says so), and not much after by the server's clock (a
# loaded client's stopwatch is no measure of the server). The client
# waits up to 30 s for it.
run_rc r python3 "$GET" "$HP" --raw "$(printf 'GET /api/status HTTP/1.1\r\nHost: x\r\n' | hex)" 30
expect_eq "incomplete request: 408" "$(sed -n 1p <<<"$r_out")" 408
t=$(sed -n 2p <<<"$r_out")
sdtest num-cmp 9.5 '<=' "$t" && ok || fail "incomplete request: answered after $t s, before the 10 s"
line=$(wait_log "$T/vil.log" "http: no complete request from 127\.0\.0\.1:[0-9]+ in [0-9]+ ms: 408" 5) ||
	fail "incomplete request: the 408 is not logged"
ms=$(sed -E 's/.* in ([0-9]+) ms: 408.*/\1/' <<<"$line")
sdtest num-cmp 10000 '<=' "${ms:-0}" '<' 11000 && ok ||
	fail "incomplete request: the server answered 408 after ${ms:-?} ms, not 10 s ($line)"
# 70 connections that send nothing: the six above the limit of 64 are
# answered 503 (httpget.py waits for the last one to be answered, the
# listen queue being first in, first out); once they close, requests are
# answered again.
run_rc r python3 "$GET" "$HP" --hold 70
[ "$r_rc" -eq 0 ] || fail "httpget.py --hold: exit $r_rc: $r_err"
expect_eq "connections above 64: 503" "$(cut -d' ' -f1 <<<"$r_out")" 6
expect_eq "answers again once they closed" "$(cut -d' ' -f2 <<<"$r_out")" 200
refused=$((6 + $(cut -d' ' -f3 <<<"$r_out")))
echo "held 70: $r_out (refused, then status, refused again before it)" >&2
http_get /metrics
expect_contains "metrics: refused connections counted" "$H_body" "stardust_http_connections_refused_total $refused"
expect_contains "metrics: the timeout counted" "$H_body" "stardust_http_request_timeouts_total 1"
expect_contains "metrics: 4xx answers counted" "$H_body" 'stardust_http_requests_total{route="search",code="4xx"}'

# ---- catch-ups and the last sync ----
# vil stopped while nor publishes 300 more members (more than one push):
# when vil is back, nor's first digest names records vil lacks, and a
# later one none: one catch-up, counted with its duration.
sd_stop vil
"$SD_BIN/sdgen" --count 300 --seed 5 --countries FI,SE --format csv >"$T/more.csv"
sdc nor import "$T/more.csv" >/dev/null
t0=$(date +%s%3N)
sd_start vil
sdc vil status --wait --timeout 60 >/dev/null || fail "vil did not catch up"
sleep 0.5
http_get /metrics
expect_contains "metrics: one catch-up" "$H_body" $'\nstardust_sync_duration_seconds_count 1\n'
expect_contains "metrics: within 60 s" "$H_body" 'stardust_sync_duration_seconds_bucket{le="60"} 1'
expect_eq "metrics: members after it" "$(grep '^stardust_members ' <<<"$H_body")" "stardust_members 314"
http_get /api/status
expect_eq "status: last sync after the restart" "$(jq_ "j['last_sync_ms'] is not None and j['last_sync_ms'] >= $t0")" True
http_get /api/peers
expect_eq "peers: synced since the restart" "$(jq_ "j['peers'][0]['synced_ms'] >= $t0")" True
run_rc st sdc vil status
expect_contains "status text: last sync" "$st_out" "last sync:    "
expect_contains "status text: seconds ago" "$st_out" " s ago"
run_rc pe sdc vil peers
expect_contains "peers text: the SYNCED column" "$pe_out" "SYNCED"
expect_contains "peers text: when" "$pe_out" "s ago"

# ---- configuration ----
cp "$T/vil/stardust.conf" "$T/bad.conf"
sed -i "s|^http = .*|http = localhost:80|" "$T/bad.conf"
run_rc c "$SDD" -n -f "$T/bad.conf"
expect_eq "http = a name: refused" "$c_rc" 1
expect_contains "http = a name: says why" "$c_err" "http must be a numeric address and port"
run_rc c "$SDD" -n -f "$T/vil/stardust.conf"
expect_contains "stardustd -n prints the http address" "$c_out" "http = 127.0.0.1:$HP"
# The port taken: the daemon refuses to start, saying why.
cp -r "$T/nor" "$T/nor2"
sed -i -e "s|^listen = .*|listen = 127.0.0.1:$(free_port)|" -e "/^peers/d" "$T/nor2/stardust.conf"
sed -i "s|$T/nor|$T/nor2|g" "$T/nor2/stardust.conf"
echo "http = 127.0.0.1:$HP" >>"$T/nor2/stardust.conf"
run_rc s timeout 20 "$SDD" -f "$T/nor2/stardust.conf" -d
expect_eq "HTTP port in use: exit 1" "$s_rc" 1
expect_contains "HTTP port in use: logged" "$s_err" "http: cannot listen on 127.0.0.1:$HP"
http_get /api/status
expect_eq "the first daemon still answers" "$H_status" 200

finish
