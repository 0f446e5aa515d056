#!/usr/bin/env bash
# The demonstration behind `make demo`: a federation root and three nodes
# on 127.0.0.1 (Lapland FI, Vilnius LT, Oslo NO), each importing only its
# own region's organisations (the real seed organisations among generated
# ones), gossiping until every node holds the whole federation, then
# cross-border partner searches from one node whose results come from the
# others, on the CLI and over Oslo's HTTP API. Everything is stopped and
# removed at the end (DEMO_KEEP=1 waits for Enter first, to browse the
# web page).
set -euo pipefail

BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=${SD_DEMO_N:-2000}
SD="$BUILD/stardust"
W=$(mktemp -d "${TMPDIR:-/tmp}/stardust-demo.XXXXXX")
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
	rm -rf "$W"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
members() { "$SD" -c "$W/$1/stardust.conf" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["members"])'; }
own() { "$SD" -c "$W/$1/stardust.conf" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["own_members"])'; }

say "A federation root (the programme secretariat's key)"
run "$SD" federation init --dir "$W/root"
ROOT=$(cat "$W/root/root.pub")

NODES=(lapland vilnius oslo)
NAMES=("Lapland" "Vilnius" "Oslo")
COUNTRY=(FI LT NO)
NUTS=(FI1D LT01 NO08)
declare -A PORT
for n in "${NODES[@]}"; do PORT[$n]=$(port); done

say "Three regional nodes, each with its own key, store and peer port"
prev=
for i in 0 1 2; do
	n=${NODES[$i]}
	run "$SD" node init --dir "$W/$n" --root-key "$ROOT" --name "${NAMES[$i]}"
	{
		echo "listen = 127.0.0.1:${PORT[$n]}"
		[ -n "$prev" ] && echo "peers = 127.0.0.1:${PORT[$prev]}"
		echo "gossip_ms = 300"
	} >> "$W/$n/stardust.conf"
	prev=$n
done
HTTP_PORT=${SD_DEMO_HTTP_PORT:-$(port)}
echo "http = 127.0.0.1:$HTTP_PORT" >> "$W/oslo/stardust.conf"
echo "(Oslo also serves the HTTP API and the web page on 127.0.0.1:$HTTP_PORT)"
echo "(Vilnius dials Lapland, Oslo dials Vilnius: a line, so Oslo learns of Lapland only through Vilnius)"

for n in "${NODES[@]}"; do
	"$BUILD/stardustd" -f "$W/$n/stardust.conf" -d 2>"$W/$n.log" &
	PIDS+=($!)
done
for n in "${NODES[@]}"; do
	for _ in $(seq 1 100); do
		"$SD" -c "$W/$n/stardust.conf" status >/dev/null 2>&1 && break
		sleep 0.05
	done
done

say "The root admits each node for its own region only"
for i in 0 1 2; do
	n=${NODES[$i]}
	key=$("$SD" -c "$W/$n/stardust.conf" status | awk '/node key/{print $3}')
	run "$SD" federation admit "$key" --dir "$W/root" --name "${NAMES[$i]}" \
		--countries "${COUNTRY[$i]}" --address "127.0.0.1:${PORT[$n]}" \
		-o "$W/$n.cert"
	"$SD" -c "$W/$n/stardust.conf" cert add "$W/$n.cert" >/dev/null
done

say "Each node imports only its own organisations: the real seed ones and $N generated"
for i in 0 1 2; do
	n=${NODES[$i]}
	c=${COUNTRY[$i]}
	python3 - "$SRC/data/seed-organisations.csv" "$c" > "$W/$n-seed.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(rows[0])
for r in rows[1:]:
    if r[2] == sys.argv[2]:
        w.writerow(r)
PY
	"$BUILD/sdgen" --count "$N" --seed $((i + 1)) --countries "$c" \
		--format csv > "$W/$n-gen.csv"
	export STARDUST_CONFIG="$W/$n/stardust.conf"
	printf '[%s] ' "${NAMES[$i]}"; run "$SD" import "$W/$n-seed.csv"
	printf '[%s] ' "${NAMES[$i]}"; run "$SD" import "$W/$n-gen.csv"
done

say "Gossip until every node holds the whole federation"
total=0
for n in "${NODES[@]}"; do total=$((total + $(own "$n"))); done
want=$total
converged=0
for t in $(seq 1 600); do
	l=$(members lapland); v=$(members vilnius); o=$(members oslo)
	line=$(printf '  Lapland %5d   Vilnius %5d   Oslo %5d   (of %d)' "$l" "$v" "$o" "$want")
	[ "$line" != "${last:-}" ] && echo "$line"
	last=$line
	if [ "$l" -ge "$want" ] && [ "$v" -ge "$want" ] && [ "$o" -ge "$want" ]; then
		converged=1
		break
	fi
	sleep 0.1
done
echo
if [ $converged -ne 1 ]; then
	echo "the federation did not converge" >&2
	exit 1
fi
export STARDUST_CONFIG="$W/oslo/stardust.conf"
say "Oslo's view of the federation"
run "$SD" status --wait --timeout 60
run "$SD" peers
"$SD" -c "$W/lapland/stardust.conf" export --all | sort > "$W/lapland.jsonl"
"$SD" -c "$W/oslo/stardust.conf" export --all | sort > "$W/oslo.jsonl"
if cmp -s "$W/lapland.jsonl" "$W/oslo.jsonl"; then
	echo "converged: all three nodes hold the same $want members (exports compared)"
else
	echo "exports differ" >&2
	exit 1
fi

say "From Oslo: who can recycle mining waste in Finland, Lithuania or Poland?"
run "$SD" search recycling mining waste --country FI,LT,PL --limit 6

say "From Oslo: laser partners abroad (--cross-border: not this node's Norway)"
run "$SD" search 'laser*' --cross-border --limit 6

say "From Oslo: SME manufacturers of fabricated metal products (NACE C25) in North and East Finland (NUTS FI1D)"
run "$SD" search --sector C25 --region FI1D --kind sme --limit 5

say "From Oslo: complementary partners abroad for a Finnish SME (their offers meet its seeks, their seeks its offers)"
MID=$("$SD" search --country FI --kind sme --limit 200 --json | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o.get("seeks") and o.get("offers"):
        print(o["id"])
        break')
run "$SD" member show "$MID"
run "$SD" match "$MID" --limit 5

say "From Oslo: a transnational network of at least 3 SMEs from 3 countries covering three needs"
run "$SD" consortium --need recycling --need "laser cutting" --need automation \
	--kind sme --min-members 3 --min-countries 3 --groups 2

say "The same from a browser or a program: Oslo's HTTP API (docs/API.md)"
get() { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "http://127.0.0.1:$HTTP_PORT$1"; }
printf '$ curl "http://127.0.0.1:%s/api/search?q=recycling+mining+waste&country=FI,LT,PL&limit=3"\n' "$HTTP_PORT"
get "/api/search?q=recycling+mining+waste&country=FI,LT,PL&limit=3" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print("total %d; first hits:" % j["total"])
for h in j["hits"]:
    print("  %-40s %s  from node %-8s  matched %s" % (h["name"], h["country"], h["node"], " ".join(h["matched"])))'
printf '$ curl http://127.0.0.1:%s/api/status\n' "$HTTP_PORT"
get /api/status
printf '$ curl http://127.0.0.1:%s/metrics   (a few lines)\n' "$HTTP_PORT"
get /metrics | grep -E '^stardust_(members|in_sync|peer_up|peer_lag|rejected_total\{reason="signature"\})'
echo "The web page: http://127.0.0.1:$HTTP_PORT/"
if [ "${DEMO_KEEP:-0}" = 1 ]; then
	read -r -p "DEMO_KEEP=1: the federation stays up for you to browse; press Enter to go on. " _ || true
else
	echo "(run DEMO_KEEP=1 make demo to keep the federation up and open it in a browser)"
fi

say "From Oslo: the detail of a Lapland member, published and signed by the Lapland node"
ID=$("$SD" search Palsatech --json | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
run "$SD" member show "$ID"

say "Oslo keeps answering while Lapland is down"
kill -TERM "${PIDS[0]}"; wait "${PIDS[0]}" || true; PIDS[0]=
run "$SD" search mining --country FI --limit 3

say "Stop the nodes cleanly"
for p in "${PIDS[@]}"; do
	[ -n "$p" ] && kill -TERM "$p" && wait "$p" || true
done
PIDS=()
tail -n 1 "$W/oslo.log"
echo
echo "Demo finished: three nodes, $want organisations, searched from Oslo."
