#!/usr/bin/env bash
# Members one by one through the daemon: certificate scope, add, show,
# update, remove, list, search, persistence across a restart.
source "$(dirname "$0")/lib.sh"

sd_root
sd_node lap
sd_start lap

run_rc nocert sdc lap member add --name "Palsatech" --kind sme --country FI
expect_eq "add without certificate refused" "$nocert_rc" 1
expect_contains "no certificate message" "$nocert_err" "no certificate"

sd_admit lap --countries FI --nuts FI1D
run_rc add sdc lap member add --name "Palsatech" --kind sme --country FI \
	--region FI1D7 --city Rovaniemi --website https://palsatech.example.fi \
	--sector 09.90 --capability "mining services" \
	--capability "recycling mining waste in construction" \
	--offer "mining sample analysis" --seek "construction partners" \
	--employees 12 --founded 2009 --language fi --language en \
	--description "Serves the mining sector from exploration to operation."
expect_eq "add" "$add_rc" 0
ID=${add_out%% *}
expect_eq "id is 32 hex" "${#ID}" 32

run_rc dup sdc lap member add --name "palsatech" --kind sme --country FI --region FI1D7
expect_eq "same country+folded name is the same member" "$dup_rc" 1
expect_contains "duplicate message" "$dup_err" "already exists"

run_rc out sdc lap member add --name "Helsinki Oy" --kind sme --country FI --region FI1B1
expect_eq "region outside certificate" "$out_rc" 1
expect_contains "scope message" "$out_err" "outside this node's certificate"
run_rc out sdc lap member add --name "Vilnius UAB" --kind sme --country LT
expect_eq "country outside certificate" "$out_rc" 1
run_rc bad sdc lap member add --name "X" --kind sme --country FI --region FI1D7 --sector 99.99
expect_eq "unknown NACE refused" "$bad_rc" 1
expect_contains "NACE message" "$bad_err" "unknown NACE Rev. 2.1 code '99.99'"
run_rc bad sdc lap member add --name "X" --kind spaceship --country FI
expect_eq "unknown kind is a usage error" "$bad_rc" 2

run_rc show sdc lap member show "$ID"
expect_eq "show" "$show_rc" 0
expect_contains "show name" "$show_out" "Palsatech"
expect_contains "show sector label" "$show_out" "09.90"
expect_contains "show size class" "$show_out" "12 (small)"
expect_contains "show publisher seq" "$show_out" "(seq 1)"

run_rc s sdc lap search "mining waste" --json
expect_contains "text search finds it" "$s_out" "\"id\":\"$ID\""
expect_contains "search says why" "$s_out" "capabilities:mining"
run_rc s sdc lap search --sector B --size small --region FI1D
expect_contains "filters find it" "$s_out" "Palsatech"
run_rc s sdc lap search --size medium
expect_not_contains "size filter excludes it" "$s_out" "Palsatech"

run_rc up sdc lap member update "$ID" --employees 80 --capability "battery recycling"
expect_eq "update" "$up_rc" 0
run_rc show sdc lap member show "$ID" --json
expect_contains "update kept the name" "$show_out" "\"name\":\"Palsatech\""
expect_contains "update changed employees" "$show_out" "\"employees\":80"
expect_contains "update replaced capabilities" "$show_out" "\"capabilities\":[\"battery recycling\"]"
expect_contains "update kept offers" "$show_out" "mining sample analysis"
run_rc s sdc lap search "mining waste"
expect_not_contains "old capability no longer indexed" "$s_out" "Palsatech"
run_rc s sdc lap search battery --size medium
expect_contains "new values indexed" "$s_out" "Palsatech"
run_rc up sdc lap member update 0123456789abcdef0123456789abcdef --employees 3
expect_eq "update of an unknown member" "$up_rc" 1

sdc lap member add --name "Arctic Laser Oy" --kind sme --country FI --region FI1D7 \
	--capability "laser cutting" >/dev/null
run_rc l sdc lap member list
expect_contains "list shows both" "$l_out" "Arctic Laser Oy"
expect_contains "list shows both" "$l_out" "Palsatech"

# Restart: everything persists and the seq goes on from where it was.
sd_stop lap
sd_start lap
run_rc st sdc lap status
expect_contains "seq persisted" "$st_out" "own seq:      3"
expect_contains "members persisted" "$st_out" "members:      2"

run_rc rm sdc lap member remove "$ID"
expect_eq "remove" "$rm_rc" 0
run_rc show sdc lap member show "$ID"
expect_eq "removed member is gone" "$show_rc" 1
expect_contains "removed message" "$show_err" "no such member"
run_rc s sdc lap search battery
expect_not_contains "removed member not found" "$s_out" "Palsatech"
run_rc rm sdc lap member remove "$ID"
expect_eq "remove twice" "$rm_rc" 1
run_rc st sdc lap status --json
expect_contains "seq after tombstone" "$st_out" "\"own_seq\":4"
expect_contains "one member left" "$st_out" "\"members\":1"

# The tombstone erased the old record bytes from the store (checked with
# LMDB's own tool while the daemon is stopped).
sd_stop lap
if mdb_dump -s records -p "$T/lap/db" | grep -q "Palsatech"; then
	fail "old record bytes of a removed member are still stored"
else ok; fi
if mdb_dump -s records -p "$T/lap/db" | grep -q "Arctic Laser"; then ok; else
	fail "the remaining member's record is missing"; fi

# A revoked node says so and publishes nothing more.
sd_start lap
KEY=$(sdc lap status | awk '/node key/{print $3}')
"$SD" federation revoke "$KEY" --dir "$T/root" -o "$T/lap.rev" >/dev/null
sdc lap cert add "$T/lap.rev" >/dev/null
run_rc st sdc lap status
expect_contains "status shows the revocation" "$st_out" "REVOKED"
run_rc st sdc lap status --json
expect_contains "not certified" "$st_out" '"certified":false'
expect_contains "its members are dropped" "$st_out" '"members":0'
run_rc add sdc lap member add --name "After Oy" --kind sme --country FI --region FI1D7
expect_eq "revoked node cannot publish" "$add_rc" 1
expect_contains "revoked message" "$add_err" "revoked"
sd_stop lap

finish
