#!/usr/bin/env bash
# Partner search over a federation, through the CLI: a fixed dataset
# (tests/data/partners.csv, members with fixed ids 01..14 in LT, FI, SE,
# PL, EE, NO) published by two nodes and searched at the Vilnius node.
# Filter semantics, ranking, folding, stemming, phrases, prefixes, paging,
# match in both directions, consortium building and bad queries.
source "$(dirname "$0")/lib.sh"


# ids ARGS...: the short ids (last two digits) of a search's hits, in
# order, space separated.
ids() {
	sdc vil "$@" --json | sdtest jsonl-field id --tail 2
}

# sorted_ids ARGS...: the same, sorted (for filters, where order is not
# the point).
sorted_ids() {
	ids "$@" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//'
}

# summary ARGS...: "total shown next" of a search.
summary() {
	sdc vil "$@" --json | sdtest json-eval --lines \
		'"%s %s %s" % (j["total"], j["shown"], j["next"] or "-") if "total" in j else None'
}

sd_root
sd_node vil
sd_node nor
P1=$(free_port)
P2=$(free_port)
sd_net vil "$P1"
sd_net nor "$P2" "$P1"
sd_start vil
sd_start nor
sd_admit vil --countries LT --address "127.0.0.1:$P1"
sd_admit nor --countries FI,SE,PL,EE,NO --address "127.0.0.1:$P2"

split_partners
run_rc imp sdc vil import "$T/lt.csv"
expect_eq "import LT" "$imp_rc" 0
run_rc imp sdc nor import "$T/rest.csv"
expect_eq "import the rest" "$imp_rc" 0
if ! wait_converged 30 vil nor; then
	fail "the two nodes did not converge"
fi
expect_eq "all 14 members at vil" "$(members vil)" 14

# ---- filters: AND across filters, OR within one, prefixes at every level
expect_eq "country OR" "$(sorted_ids search --country FI,SE)" "04 05 06 07 08 09"
expect_eq "repeated country option is OR" "$(sorted_ids search --country FI --country SE)" "04 05 06 07 08 09"
expect_eq "NUTS level 1" "$(sorted_ids search --region FI1)" "04 05 06 07"
expect_eq "NUTS level 2" "$(sorted_ids search --region FI1D)" "04 06"
expect_eq "NUTS level 3" "$(sorted_ids search --region FI1D7)" "04"
expect_eq "NACE section" "$(sorted_ids search --sector C)" "02 05 06 07 11 12"
expect_eq "NACE division" "$(sorted_ids search --sector 26)" "02 06 07 11"
expect_eq "NACE group" "$(sorted_ids search --sector 26.7)" "02 07 11"
expect_eq "NACE class with section letter" "$(sorted_ids search --sector C26.70)" "02 07 11"
expect_eq "exclusion" "$(sorted_ids search --sector 26 --not-country FI,SE)" "02 11"
expect_eq "cross-border from Vilnius" "$(sorted_ids search --sector 26 --cross-border)" "06 07 11"
expect_eq "kind AND size" "$(sorted_ids search --kind sme --size small)" "02 03 04 08 09 11 12"
expect_eq "employee range" "$(sorted_ids search --employees 20-45)" "02 03 08 11 12"
expect_eq "employee minimum" "$(sorted_ids search --employees 300-)" "07 10 13"
expect_eq "employee maximum" "$(sorted_ids search --employees -8)" "05 14"
expect_eq "cluster membership" "$(sorted_ids search --member-of 00000000000000000000000000000001)" "02 11"
expect_eq "three filters" "$(sorted_ids search --sector C --kind sme --cross-border)" "05 06 11 12"
# Codes in any case, one grammar everywhere (docs/FORMATS.md).
expect_eq "country in lower case" "$(sorted_ids search --country fi,se)" "04 05 06 07 08 09"
expect_eq "region in lower case" "$(sorted_ids search --region fi1d)" "04 06"
expect_eq "region at level 0" "$(sorted_ids search --region fi)" "$(sorted_ids search --country FI)"
expect_eq "size in upper case" "$(sorted_ids search --kind SME --size SMALL)" "02 03 04 08 09 11 12"
expect_eq "NACE letter in lower case" "$(sorted_ids search --sector c26.70)" "02 07 11"
run_rc b sdc vil search --region EL
expect_eq "Greece's NUTS code at level 0 (EL) is a region" "$b_rc" 0
run_rc b sdc vil search --sector J26.70
expect_eq "a section letter not the code's own" "$b_rc" 1
expect_contains "it says so" "$b_err" "malformed or unknown NACE code 'J26.70'"

# ---- ranking, explanations, folding, stemming ----
# "laser cutting": the name and capabilities of 05 and 02, capabilities
# only for 11, and only the seeks of 03 (the lightest field) last.
run_rc r sdc vil search laser cutting --json
expect_eq "ranking search" "$r_rc" 0
order=$(ids search laser cutting)
expect_eq "laser cutting: who" "$(echo "$order" | tr ' ' '\n' | sort | tr '\n' ' ')" "02 03 05 11 "
expect_eq "laser cutting: seeks-only match last" "${order##* }" "03"
# 05 before 02: both have "laser" in the name and "laser cutting" in
# their capabilities, but only 05 offers "laser cutting" too.
expect_eq "laser cutting: the order" "$order" "05 02 11 03"
# "laser": name and capabilities (02, 05, 07) above capabilities and
# offers (06), above capabilities alone (01, 11, 13, equal scores: by
# arrival at vil, its own LT member first), above seeks alone.
expect_eq "laser: the order" "$(ids search laser)" "02 05 07 06 01 11 13 03 04 12"
expect_contains "why: name" "$r_out" "name:laser"
expect_contains "why: capabilities" "$r_out" "capabilities:cutting"
expect_contains "why: seeks" "$r_out" "seeks:laser"
expect_eq "same query, same order" "$(ids search laser cutting)" "$order"
expect_eq "accent folding (city and name)" "$(sorted_ids search jyvaskyla)" "05"
expect_eq "folding upper case" "$(sorted_ids search GDANSK)" "11"
expect_eq "folding Polish letters" "$(sorted_ids search krakow)" "10"
expect_eq "stemming: recycle finds recycling" "$(sorted_ids search recycle --kind large,sme --country SE)" "08"
expect_eq "stemming: robot finds robotics" "$(sorted_ids search robot)" "12"
# Phrases: "waste recycling" adjacent in 02's seeks and 04's offers; 08
# has both words apart ("recycling of mining waste").
expect_eq "words, any order" "$(sorted_ids search waste recycling)" "02 04 08"
expect_eq "phrase" "$(sorted_ids search '"waste recycling"')" "02 04"
expect_eq "prefix" "$(sorted_ids search 'photon*')" "01 11"
expect_eq "prefix and word" "$(sorted_ids search 'photon*' cutting)" "11"
expect_eq "prefix of a stem" "$(sorted_ids search 'recycl*' --country LT)" "02 03"

# ---- paging with a cursor ----
read -r total shown next <<<"$(summary search --sector C --limit 4)"
expect_eq "page 1 total" "$total" 6
expect_eq "page 1 shown" "$shown" 4
p1=$(ids search --sector C --limit 4)
p2=$(ids search --sector C --limit 4 --cursor "$next")
read -r _ shown2 next2 <<<"$(summary search --sector C --limit 4 --cursor "$next")"
expect_eq "page 2 shown" "$shown2" 2
expect_eq "last page has no cursor" "$next2" "-"
expect_eq "pages cover all, once" "$(echo "$p1 $p2" | tr ' ' '\n' | sort | tr '\n' ' ')" "02 05 06 07 11 12 "
tp1=$(ids search laser --limit 3)
read -r _ _ tnext <<<"$(summary search laser --limit 3)"
tp2=$(ids search laser --limit 3 --cursor "$tnext")
expect_eq "ranked pages continue the ranking" "$tp1 $tp2" "$(ids search laser --limit 6)"
# The cursor stays good while the federation changes: a new member that
# ranks first does not shift page 2.
run_rc add sdc nor member add --name "Laser Laser Oy" --kind sme --country FI --capability laser --id 00000000000000000000000000000015
expect_eq "add during paging" "$add_rc" 0
expect_eq "add during paging: no error" "$add_err" ""
expect_eq "page 2 after a change" "$(ids search laser --limit 3 --cursor "$tnext")" "$tp2"

# ---- match ----
M04=00000000000000000000000000000004
run_rc m sdc vil match "$M04" --json
expect_eq "match" "$m_rc" 0
morder=$(ids match "$M04")
expect_eq "best match fits both ways" "${morder%% *}" "02"
python3 - "$m_out" <<'EOF' && ok "match scores both directions" || fail "match scores: $m_out"
import json, sys
hits = {json.loads(l)["id"][-2:]: json.loads(l) for l in sys.argv[1].splitlines() if '"id"' in l}
assert hits["02"]["score_offers"] > 0 and hits["02"]["score_seeks"] > 0
assert hits["08"]["score_seeks"] > 0 and hits["08"]["score_offers"] == 0
assert hits["13"]["score_offers"] > 0 and hits["13"]["score_seeks"] == 0
EOF
expect_not_contains "abroad by default" " $morder " " 06 "
expect_not_contains "never the member itself" " $morder " " 04 "
expect_contains "match says why" "$m_out" "offers:laser"
expect_contains "anywhere includes home" " $(ids match "$M04" --anywhere) " " 06 "
expect_eq "match with a filter" "$(ids match "$M04" --country SE)" "08"
run_rc m sdc vil match 000000000000000000000000000000ff
expect_eq "match of an unknown member" "$m_rc" 1
expect_contains "unknown member message" "$m_err" "no such member"

# ---- consortium ----
run_rc c sdc vil consortium --need "laser cutting" --need "mining waste recycling" \
	--need robotics --kind sme --min-members 3 --min-countries 3 --json
expect_eq "consortium" "$c_rc" 0
python3 - "$c_out" <<'EOF' && ok "groups meet the constraints and cover every need" || fail "consortium: $c_out"
import json, sys
groups = [json.loads(l) for l in sys.argv[1].splitlines()]
assert 1 <= len(groups) <= 3
scores = [g["score"] for g in groups]
assert scores == sorted(scores, reverse=True)
for g in groups:
    ms = g["members"]
    ids = {m["id"][-2:] for m in ms}
    assert len(ms) >= 3 and len({m["country"] for m in ms}) >= 3, g
    assert all(m["kind"] == "sme" for m in ms)
    covered = {n for m in ms for n in m["covers"]}
    assert covered == {"laser cutting", "mining waste recycling", "robotics"}, covered
    assert {"04", "12"} <= ids, ids  # the only ones for those needs
    assert ids & {"02", "11"}, ids   # laser cutting from a third country
    # No passengers: no member can leave with every need covered and
    # 3 members from 3 countries kept.
    for m in ms:
        rest = [x for x in ms if x is not m]
        still = {n for x in rest for n in x["covers"]}
        assert not (len(rest) >= 3 and len({x["country"] for x in rest}) >= 3
                    and len(still) == 3), ("removable", m["name"], g)
EOF
run_rc c sdc vil consortium --need "laser cutting" --need robotics --min-members 2
expect_eq "table output" "$c_rc" 0
expect_contains "table names who covers what" "$c_out" "robotics (100)"
run_rc c sdc vil consortium --need "laser cutting" --need "quantum teleportation"
expect_eq "a need nobody covers" "$c_rc" 1
expect_contains "names the uncovered need" "$c_err" "nobody covers 'quantum teleportation'"
run_rc c sdc vil consortium --need "laser cutting" --need robotics --country EE,LT --min-members 3 --min-countries 3
expect_eq "too few countries" "$c_rc" 1
expect_contains "says the country constraint" "$c_err" "from 2 countries"

# ---- searching while the node syncs ----
# nor publishes 20 000 more members (SE); a new node osl joins and
# syncs them while it answers searches: every search succeeds, and the
# count only grows, from partial to all. Under valgrind (every daemon
# 20-50 times slower), 4 000: the sync still takes minutes there.
NSE=20000
[ -n "${SD_VALGRIND:-}" ] && NSE=4000
"$SD_BIN/sdgen" --count $NSE --seed 5 --countries SE --format csv >"$T/se.csv"
run_rc imp sdc nor import "$T/se.csv"
expect_eq "import $NSE at nor" "$imp_rc" 0
want=$(sdc nor search --country SE --limit 1 --json | grep -o '"total":[0-9]*' | cut -d: -f2)
sd_node osl
P3=$(free_port)
sd_net osl "$P3" "$P2"
sd_start osl
sd_admit osl --countries NO --address "127.0.0.1:$P3"
searches=0 partial=0 failed=0 last=0 shrank=0
deadline=$((SECONDS + 120))
[ -n "${SD_VALGRIND:-}" ] && deadline=$((SECONDS + 300))
while [ $SECONDS -lt $deadline ]; do
	if out=$(sdc osl search --country SE --limit 1 --json 2>&1); then
		n=$(grep -o '"total":[0-9]*' <<<"$out" | cut -d: -f2)
		searches=$((searches + 1))
		[ "$n" -lt "$last" ] && shrank=1
		last=$n
		[ "$n" -gt 0 ] && [ "$n" -lt "$want" ] && partial=$((partial + 1))
		[ "$n" -eq "$want" ] && break
	else
		failed=$((failed + 1))
		echo "search failed during sync: $out" >&2
	fi
done
echo "searches during the sync: $searches, from a partial store: $partial" >&2
expect_eq "searches during the sync all answered" "$failed" 0
expect_eq "the count never shrank" "$shrank" 0
expect_eq "osl ends with every SE member" "$last" "$want"
if [ "$partial" -gt 0 ]; then
	ok "searches answered from a partial sync"
else
	fail "no search saw the sync in progress ($searches searches)"
fi

# ---- bad queries: clear errors ----
run_rc b sdc vil search --country XX
expect_eq "unknown country" "$b_rc" 1
expect_contains "unknown country message" "$b_err" "unknown country 'XX'"
run_rc b sdc vil search --sector 99.99
expect_contains "unknown NACE message" "$b_err" "NACE code '99.99'"
run_rc b sdc vil search --sector C99.9x
expect_contains "malformed NACE message" "$b_err" "malformed or unknown NACE"
run_rc b sdc vil search ""
expect_eq "empty text" "$b_rc" 2
expect_contains "empty text message" "$b_err" "empty search text"
run_rc b sdc vil search "?!"
expect_contains "no words message" "$b_err" "no searchable words"
run_rc b sdc vil search 'la*'
expect_contains "short prefix message" "$b_err" "too short"
run_rc b sdc vil search '"laser cutting'
expect_contains "unterminated quote message" "$b_err" "unterminated quote"
run_rc b sdc vil search laser --cursor zz
expect_contains "bad cursor message" "$b_err" "malformed cursor"
run_rc b sdc vil search laser cutting --cursor "$tnext"
expect_contains "cursor of another query" "$b_err" "another query"
# As many words, or filters only: refused too, not pages of the wrong list.
run_rc b sdc vil search robotics --cursor "$tnext"
expect_eq "cursor of another word: refused" "$b_rc" 1
expect_contains "cursor of another word: says so" "$b_err" "belongs to another query"
read -r _ _ fnext <<<"$(summary search --country FI --limit 2)"
[ "$fnext" != - ] && ok || fail "search --country FI --limit 2 has no second page"
run_rc b sdc vil search --country SE --cursor "$fnext"
expect_contains "cursor of other filters" "$b_err" "belongs to another query"
run_rc b sdc vil search --country FI --limit 5 --cursor "$fnext"
expect_eq "the same query, another page size: accepted" "$b_rc" 0
run_rc b sdc vil search --employees 50-10
expect_eq "reversed range is a usage error" "$b_rc" 2
run_rc b sdc vil search --member-of abc
expect_contains "bad member-of" "$b_err" "not a member id"
run_rc b sdc vil consortium --need robotics --min-members 2 --min-countries 3
expect_contains "countries above members" "$b_err" "3 countries need at least 3 members"
run_rc h sdc vil consortium --help
expect_eq "consortium --help" "$h_rc" 0
expect_contains "consortium help" "$h_out" "--min-countries"
run_rc h sdc vil match --help
expect_contains "match help" "$h_out" "--anywhere"

finish
