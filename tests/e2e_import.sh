#!/usr/bin/env bash
# Import and export through the daemon: the real seed organisations, bad
# rows reported by line with nothing stored, --dry-run, --skip-invalid,
# JSON Lines, and an export that round-trips into another node.
source "$(dirname "$0")/lib.sh"

SEED="$SD_SRC/data/seed-organisations.csv"
sd_root
sd_node hub
sd_start hub
sd_admit hub --countries FI,LT,IT,FR,NO,ES

run_rc imp sdc hub import "$SEED"
expect_eq "seed import" "$imp_rc" 0
expect_contains "seed import count" "$imp_out" "10 members imported"
expect_eq "members after seed" "$(members hub)" 10
# Importing the same file again updates the same members.
run_rc imp sdc hub import "$SEED"
expect_eq "re-import" "$imp_rc" 0
expect_eq "re-import creates no duplicates" "$(members hub)" 10
run_rc s sdc hub search --country LT lasers
expect_contains "seed searchable" "$s_out" "LITEK"

# Codes as people type them: any case, a NACE class after its section
# letter (read in the row's own revision), Greece's NUTS country code.
# Stored in the lists' own form.
cat > "$T/typed.csv" <<'CSV'
name,kind,country,region,sectors,nace_rev,languages
Typed Codes Oy,SME,fi,fi1d7,C26.30;c,,FI;sv
Typed Rev Two Oy,sme,Fi,,J62.01,2,
CSV
run_rc imp sdc hub import "$T/typed.csv"
expect_eq "codes as typed: imported" "$imp_rc" 0
run_rc s sdc hub search "typed codes" --json
expect_contains "stored country and region in the lists' form" "$s_out" '"country":"FI","region":"FI1D7"'
expect_contains "stored sectors without the letter" "$s_out" '"sectors":["26.30","C"]'
expect_contains "stored languages in lower case" "$s_out" '"languages":["fi","sv"]'
run_rc s sdc hub search --sector J62.01 --json
expect_contains "a Rev. 2 class after its Rev. 2 section letter" "$s_out" "Typed Rev Two Oy"
printf 'name,kind,country,sectors\nWrong Letter Oy,sme,FI,K26.30\n' >"$T/letter.csv"
run_rc imp sdc hub import "$T/letter.csv"
expect_eq "a section letter not the code's own: refused" "$imp_rc" 1
expect_contains "named as typed" "$imp_err" "unknown NACE Rev. 2.1 code 'K26.30'"

# A file with bad rows: every one reported with its line, nothing stored.
cat > "$T/bad.csv" <<'CSV'
name,kind,country,region,city,website,email,sectors,capabilities,employees,description
Good One Oy,sme,FI,FI1D7,Rovaniemi,https://goodone.example.fi,info@goodone.example.fi,25.62,laser cutting;welding,12,Sheet metal
Bad Country,sme,ZZ,,,,,,,,
Bad Region Oy,sme,FI,SE110,,,,,,,
Bad Nace Oy,sme,FI,FI1D7,,,,99.99,,,
,sme,FI,FI1D7,,,,,,,
Bad Web Oy,sme,FI,FI1D7,,www.no-scheme.fi,,,,,
Bad Mail Oy,sme,FI,FI1D7,,,not-an-address,,,,
Bad Kind Oy,spaceship,FI,FI1D7,,,,,,,
Bad Employees Oy,sme,FI,FI1D7,,,,,,many,
Multi Line Oy,sme,FI,FI1D7,,,,,"a;b",,"First line, with a comma
second line of the description"
Too Many Fields,sme,FI,FI1D7,,,,,,,,extra
Good Two Oy,sme,FI,FI1D7,,,,,,,
CSV
before=$(members hub)
run_rc bad sdc hub import "$T/bad.csv"
expect_eq "bad file refused" "$bad_rc" 1
expect_contains "line 3" "$bad_err" "bad.csv:3: unknown country 'ZZ'"
expect_contains "line 4" "$bad_err" "bad.csv:4: NUTS region 'SE110' is not in country FI"
expect_contains "line 5" "$bad_err" "bad.csv:5: unknown NACE Rev. 2.1 code '99.99'"
expect_contains "line 6" "$bad_err" "bad.csv:6: name is empty"
expect_contains "line 7" "$bad_err" "bad.csv:7: invalid website 'www.no-scheme.fi'"
expect_contains "line 8" "$bad_err" "bad.csv:8: invalid email address 'not-an-address'"
expect_contains "line 9" "$bad_err" "bad.csv:9: unknown kind 'spaceship'"
expect_contains "line 10" "$bad_err" "bad.csv:10: employees must be a whole number"
expect_contains "line 13 (after a two-line row)" "$bad_err" "bad.csv:13: more fields than the header's 11 columns"
expect_not_contains "good row 2 not reported" "$bad_err" "bad.csv:2:"
expect_not_contains "multi-line row not reported" "$bad_err" "bad.csv:11:"
expect_contains "summary" "$bad_err" "9 of 12 rows are invalid; nothing stored"
expect_eq "nothing stored" "$(members hub)" "$before"

run_rc dry sdc hub import --dry-run "$T/bad.csv"
expect_eq "dry run of bad file" "$dry_rc" 1
expect_eq "dry run stores nothing" "$(members hub)" "$before"
head -2 "$T/bad.csv" > "$T/good.csv"
run_rc dry sdc hub import --dry-run "$T/good.csv"
expect_eq "dry run of good file" "$dry_rc" 0
expect_contains "dry run message" "$dry_out" "1 rows valid; nothing stored (dry run)"
expect_eq "dry run stores nothing" "$(members hub)" "$before"

run_rc skip sdc hub import --skip-invalid "$T/bad.csv"
expect_eq "skip-invalid" "$skip_rc" 0
expect_contains "skip-invalid count" "$skip_out" "3 members imported, 9 invalid rows skipped"
expect_eq "good rows stored" "$(members hub)" $((before + 3))
run_rc s sdc hub search --json "second line"
expect_contains "multi-line description kept" "$s_out" '"description":"First line, with a comma\nsecond line of the description"'

# A name in Latin-1, not UTF-8: a row error like any other.
printf 'name,kind,country,region\nJyv\xe4skyl\xe4 Oy,sme,FI,FI1D7\nFine Oy,sme,FI,FI1D7\n' > "$T/latin1.csv"
run_rc l1 sdc hub import "$T/latin1.csv"
expect_eq "latin-1 row refused" "$l1_rc" 1
expect_contains "latin-1 row reported" "$l1_err" "latin1.csv:2: name is not valid UTF-8 text"
run_rc l1 sdc hub import --skip-invalid "$T/latin1.csv"
expect_contains "latin-1 row skipped" "$l1_out" "1 members imported, 1 invalid rows skipped"

# The same organisation twice (same country and folded name), in
# different transactions: the later row is reported by line.
printf 'name,kind,country,region\nTwice Oy,sme,FI,FI1D7\nOnce Oy,sme,FI,FI1D7\nTWICE OY,sme,FI,FI1D7\n' > "$T/dup.csv"
run_rc d sdc hub import --batch 1 "$T/dup.csv"
expect_eq "duplicate refused" "$d_rc" 1
expect_contains "duplicate reported by line" "$d_err" "dup.csv:4: same id (or country and name) as line 2"
run_rc d sdc hub import --batch 1 --skip-invalid "$T/dup.csv"
expect_contains "duplicate skipped" "$d_out" "2 members imported, 1 invalid rows skipped"

# Whole-file problems.
printf 'name,kind,country,colour\nX,sme,FI,red\n' > "$T/col.csv"
run_rc col sdc hub import "$T/col.csv"
expect_eq "unknown column" "$col_rc" 1
expect_contains "unknown column message" "$col_err" "line 1: unknown column 'colour'"
printf 'name,kind,country\n"Open quote,sme,FI\n' > "$T/quote.csv"
run_rc q sdc hub import "$T/quote.csv"
expect_eq "unterminated quote" "$q_rc" 1
: > "$T/empty.csv"
run_rc e sdc hub import "$T/empty.csv"
expect_eq "empty file" "$e_rc" 1
expect_contains "empty file message" "$e_err" "header row is required"
run_rc m sdc hub import "$T/missing.csv"
expect_eq "missing file" "$m_rc" 1
run_rc f sdc hub import "$T/file.txt"
expect_eq "unknown format" "$f_rc" 2

# JSON Lines, with its own bad lines.
cat > "$T/in.jsonl" <<'JSONL'
{"name":"Jyväskylä Robotics Oy","kind":"sme","country":"FI","region":"FI1D7","capabilities":["robot welding","machine vision"],"employees":40}

{"name":"Broken"
{"name":"Bad Type Oy","kind":"sme","country":"FI","employees":1.5}
["not","an","object"]
{"name":"Unknown Field Oy","kind":"sme","country":"FI","colour":"red"}
JSONL
run_rc j sdc hub import "$T/in.jsonl"
expect_eq "bad jsonl refused" "$j_rc" 1
expect_contains "jsonl line 3" "$j_err" "in.jsonl:3: invalid JSON"
expect_contains "jsonl line 4" "$j_err" "in.jsonl:4: employees has the wrong JSON type"
expect_contains "jsonl line 5" "$j_err" "in.jsonl:5: not a JSON object"
expect_contains "jsonl line 6" "$j_err" "in.jsonl:6: unknown field 'colour'"
run_rc j sdc hub import --skip-invalid "$T/in.jsonl"
expect_eq "jsonl skip-invalid" "$j_rc" 0
run_rc s sdc hub search jyvaskyla
expect_contains "accent folding through the CLI" "$s_out" "Jyväskylä Robotics Oy"

# Export round-trips: node 2, certified for the same scope, imports node
# 1's export and exports the same members.
sdc hub export -o "$T/hub.jsonl"
expect_eq "export lines" "$(wc -l < "$T/hub.jsonl")" "$(members hub)"
sd_node hub2
sd_start hub2
sd_admit hub2 --countries FI,LT,IT,FR,NO,ES
run_rc rt sdc hub2 import "$T/hub.jsonl"
expect_eq "import of export" "$rt_rc" 0
sdc hub2 export -o "$T/hub2.jsonl"
a=$(sdtest jsonl-sort --drop origin --drop seq id <"$T/hub.jsonl")
b=$(sdtest jsonl-sort --drop origin --drop seq id <"$T/hub2.jsonl")
expect_eq "export of node 2 equals export of node 1" "$b" "$a"
sdtest jsonl-count <"$T/hub.jsonl" >/dev/null && ok || fail "export is not JSON Lines"

finish
