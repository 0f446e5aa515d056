#!/usr/bin/env bash
# The demonstration behind `make demo`: a federation root, one node
# certified for the seed organisations' countries, the ten real seed
# organisations among thousands of generated ones imported through the
# daemon, and partner searches printed as an adviser would see them.
set -euo pipefail

BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=${SD_DEMO_N:-5000}
SD="$BUILD/stardust"
W=$(mktemp -d "${TMPDIR:-/tmp}/stardust-demo.XXXXXX")
PID=

cleanup() {
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "A federation root (the programme secretariat's key)"
run "$SD" federation init --dir "$W/root"
ROOT=$(cat "$W/root/root.pub")

say "A node: identity key (0600), LMDB store, configuration"
run "$SD" node init --dir "$W/node" --root-key "$ROOT" --name "Demo hub"
export STARDUST_CONFIG="$W/node/stardust.conf"

say "Start stardustd"
"$BUILD/stardustd" -f "$STARDUST_CONFIG" -d 2>"$W/stardustd.log" &
PID=$!
for _ in $(seq 1 100); do
	"$SD" status >/dev/null 2>&1 && break
	sleep 0.05
done
NODE=$("$SD" status | awk '/node key/{print $3}')

say "The root admits the node for FI, LT, NO, IT, FR, ES; the node stores the certificate"
run "$SD" federation admit "$NODE" --dir "$W/root" --name "Demo hub" \
	--countries FI,LT,NO,IT,FR,ES -o "$W/node.cert"
run "$SD" cert add "$W/node.cert"

say "Import the ten real seed organisations"
run "$SD" import "$SRC/data/seed-organisations.csv"

say "Import $N generated organisations (deterministic, Zipf-like keywords)"
"$BUILD/sdgen" --count "$N" --seed 42 --countries FI,LT,NO,IT,FR,ES \
	--format csv > "$W/generated.csv"
run "$SD" import "$W/generated.csv"
run "$SD" status

say "Who can recycle mining waste in Finland, Lithuania or Poland?"
run "$SD" search recycling mining waste --country FI,LT,PL --limit 8

say "Laser partners outside Finland (a Finnish adviser looking abroad)"
run "$SD" search lasers --not-country FI --limit 8

say "Health technology clusters"
run "$SD" search health technology --kind cluster --limit 8

say "Small Lithuanian manufacturers of fabricated metal products (NACE C25)"
run "$SD" search --sector C25 --size small --country LT --limit 5

say "Accents do not matter: 'rovaniemi' in Lapland (NUTS FI1D7)"
run "$SD" search rovaniemi --region FI1D7 --limit 5

say "One organisation in detail"
ID=$("$SD" search Palsatech --json | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
run "$SD" member show "$ID"

say "A bad row is refused with its line number, and nothing is stored"
printf 'name,kind,country,region\nNordic Example Oy,sme,FI,FI1D7\nBroken Region Oy,sme,FI,SE110\n' > "$W/bad.csv"
run "$SD" import "$W/bad.csv" || true

say "Stop the daemon cleanly"
kill -TERM "$PID"
wait "$PID" || true
PID=
tail -n 2 "$W/stardustd.log"
echo
echo "Demo finished: one node, $((N + 10)) organisations, searches above."
