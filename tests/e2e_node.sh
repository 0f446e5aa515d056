#!/usr/bin/env bash
# A node's life: init, key and socket permissions, config check, a second
# daemon refused, --help everywhere, usage errors.
source "$(dirname "$0")/lib.sh"

sd_root
expect_eq "root key is 64 hex" "${#ROOT}" 64
expect_eq "root key file mode" "$(stat -c %a "$T/root/root.key")" 600

sd_node lap
expect_eq "node key file mode" "$(stat -c %a "$T/lap/node.key")" 600
expect_eq "data dir mode" "$(stat -c %a "$T/lap")" 700
run_rc again "$SD" node init --dir "$T/lap" --root-key "$ROOT"
expect_eq "init twice refused" "$again_rc" 1
expect_contains "init twice message" "$again_err" "already exists"
run_rc badroot "$SD" node init --dir "$T/x" --root-key abc
expect_eq "bad root key is a usage error" "$badroot_rc" 2

# stardustd -n validates and prints the effective configuration.
run_rc check "$SDD" -f "$T/lap/stardust.conf" -n
expect_eq "config check" "$check_rc" 0
expect_contains "config check prints socket" "$check_out" "socket = $T/lap/control.sock"
expect_contains "config check prints root" "$check_out" "root_key = $ROOT"
printf '[node]\nroot_key = %s\nbogus = 1\n' "$ROOT" > "$T/bad.conf"
run_rc badconf "$SDD" -f "$T/bad.conf" -n
expect_eq "bad config refused" "$badconf_rc" 1
expect_contains "bad config names the key and line" "$badconf_err" "line 3: unknown key 'bogus'"

# A key file readable by others is refused, as ssh does.
chmod 644 "$T/lap/node.key"
run_rc loose "$SDD" -f "$T/lap/stardust.conf" -d
expect_eq "loose key refused" "$loose_rc" 1
expect_contains "loose key message" "$loose_err" "chmod 600"
chmod 600 "$T/lap/node.key"

sd_start lap
expect_eq "control socket mode" "$(stat -c %a "$T/lap/control.sock")" 600
run_rc second "$SDD" -f "$T/lap/stardust.conf" -d
expect_eq "second daemon refused" "$second_rc" 1
expect_contains "second daemon message" "$second_err" "another daemon is listening"
run_rc st sdc lap status
expect_eq "status works after refused second daemon" "$st_rc" 0
expect_contains "status without cert" "$st_out" "certificate:  none"

# SIGTERM stops cleanly and removes the socket; a restart works.
sd_stop lap
if [ -e "$T/lap/control.sock" ]; then fail "socket left behind"; else ok; fi
expect_contains "clean stop logged" "$(cat "$T/lap.log")" "stopped"
sd_start lap

# Detached (no -d): the first process returns once the daemon is ready,
# or fails visibly when the daemon cannot start.
sd_stop lap
run_rc det "$SDD" -f "$T/lap/stardust.conf"
expect_eq "detached start" "$det_rc" 0
DPID=$(cat "$T/lap/stardustd.pid")
SD_PIDS+=("$DPID")
run_rc st sdc lap status
expect_eq "detached daemon answers at once" "$st_rc" 0
kill -TERM "$DPID"
for _ in $(seq 1 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
chmod 644 "$T/lap/node.key"
run_rc det "$SDD" -f "$T/lap/stardust.conf"
expect_eq "detached start failure is reported" "$det_rc" 1
expect_contains "detached failure message" "$det_err" "failed to start; see $T/lap/stardustd.log"
expect_contains "detached failure logged" "$(cat "$T/lap/stardustd.log")" "chmod 600"
chmod 600 "$T/lap/node.key"
sd_start lap

# Every command has --help (exit 0, a usage line on stdout).
for cmd in "" node federation cert status peers member import export search; do
	run_rc h "$SD" $cmd --help
	expect_eq "stardust $cmd --help exit" "$h_rc" 0
	expect_contains "stardust $cmd --help text" "$h_out" "usage: stardust"
done
run_rc h "$SDD" -h
expect_eq "stardustd -h" "$h_rc" 0
expect_contains "stardustd -h text" "$h_out" "usage: stardustd"
run_rc u "$SD" frobnicate
expect_eq "unknown command exit" "$u_rc" 2
expect_contains "unknown command message" "$u_err" "unknown command 'frobnicate'"
run_rc u "$SD" search --limit 0 x
expect_eq "bad limit exit" "$u_rc" 2
run_rc u "$SD" -c "$T/nope.conf" status
expect_eq "missing config exit" "$u_rc" 1
expect_contains "missing config message" "$u_err" "nope.conf"

finish
