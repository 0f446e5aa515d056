#!/usr/bin/env bash
# e2e_install: `cmake --install` (what `make install` runs) into a
# temporary prefix installs exactly the binaries, man pages, systemd unit,
# sysusers file and example configuration; the installed programs'
# --help works for the daemon and every CLI command; the man pages render
# without warnings and name every command, option and configuration key;
# the example configuration loads; the unit verifies (if systemd-analyze
# is there); and the installed daemon logs where `log` says: a file,
# stderr, or syslog, the last checked against a fake syslog daemon on a
# private /dev/log (a mount namespace made with unshare), with each level's
# priority.
. "$(dirname "$0")/lib.sh"

P="$T/prefix"
run_rc inst cmake --install "$SD_BIN" --prefix "$P"
expect_eq "cmake --install status" "$inst_rc" 0

# Exactly these files, nothing else (no tests, no benchmarks).
want="bin/stardust
lib/systemd/system/stardustd.service
lib/sysusers.d/stardust.conf
sbin/stardustd
share/doc/stardust/stardustd.conf
share/man/man1/stardust.1
share/man/man8/stardustd.8"
got=$(cd "$P" && find . -type f | sed 's|^\./||' | sort)
expect_eq "installed files" "$got" "$want"
for f in bin/stardust sbin/stardustd; do
	[ -x "$P/$f" ] && ok || fail "$f is not executable"
done
for f in $want; do
	[ -s "$P/$f" ] && ok || fail "$f is empty or missing"
done
expect_eq "example config is the source's" \
	"$(cmp "$SD_SRC/packaging/stardustd.conf" "$P/share/doc/stardust/stardustd.conf" && echo same)" same
# The unit runs the daemon from this prefix, not from /usr/local.
unit="$P/lib/systemd/system/stardustd.service"
expect_contains "unit ExecStart" "$(grep '^ExecStart=' "$unit")" \
	"ExecStart=$P/sbin/stardustd -d -f /etc/stardust/stardustd.conf"
expect_not_contains "unit paths" "$(cat "$unit")" "/usr/local/sbin"
for k in Type=simple User=stardust ProtectSystem=strict \
	ReadWritePaths=/var/lib/stardust NoNewPrivileges=yes PrivateTmp=yes \
	Restart=on-failure; do
	expect_contains "unit $k" "$(cat "$unit")" "$k"
done

SDD="$P/sbin/stardustd"
SD="$P/bin/stardust"

# --help of the daemon, long and short, on stdout with status 0; a bad
# option is a usage error (2).
run_rc h "$SDD" --help
expect_eq "stardustd --help status" "$h_rc" 0
expect_eq "stardustd --help stderr" "$h_err" ""
for w in "usage: stardustd -f CONFIG" "--config" "--foreground" "--check" \
	"log_level" "syslog" "SIGTERM" "Exit status"; do
	expect_contains "stardustd --help" "$h_out" "$w"
done
run_rc h2 "$SDD" -h
expect_eq "stardustd -h is --help" "$h2_out" "$h_out"
run_rc bad "$SDD" --no-such-option
expect_eq "stardustd bad option status" "$bad_rc" 2
expect_contains "stardustd bad option" "$bad_err" "usage: stardustd"
run_rc nof "$SDD" -d
expect_eq "stardustd without -f" "$nof_rc" 2

# --help of the CLI and of every command it lists.
run_rc ch "$SD" --help
expect_eq "stardust --help status" "$ch_rc" 0
cmds=$(printf '%s\n' "$ch_out" | sed -n '/^Commands:/,/^$/p' | awk 'NF>1{print $1}')
expect_eq "commands listed" "$(echo $cmds)" \
	"node federation cert status peers member import export search match consortium fsck"
for c in $cmds; do
	run_rc c "$SD" "$c" --help
	expect_eq "stardust $c --help status" "$c_rc" 0
	expect_contains "stardust $c --help" "$c_out" "usage: stardust $c"
	run_rc hc "$SD" help "$c"
	expect_eq "stardust help $c" "$hc_out" "$c_out"
done

# The man pages: they render without a warning, and they name every
# command, every daemon option and every configuration key the programs
# know (`stardustd -n` prints every key).
m1="$P/share/man/man1/stardust.1"
m8="$P/share/man/man8/stardustd.8"
if command -v groff >/dev/null; then
	for m in "$m1" "$m8"; do
		run_rc g groff -man -Tutf8 -ww -z "$m"
		expect_eq "groff warnings for $(basename "$m")" "$g_err" ""
		expect_eq "groff status for $(basename "$m")" "$g_rc" 0
	done
else
	echo "groff not available: man page warnings not checked"
fi
if command -v man >/dev/null; then
	run_rc mr env MANWIDTH=80 man --warnings -l "$m8"
	expect_eq "man -l stardustd.8 warnings" "$mr_err" ""
	expect_contains "man -l stardustd.8" "$mr_out" "CONFIGURATION"
	run_rc mr env MANPATH="$P/share/man" MANWIDTH=80 man --warnings 1 stardust
	expect_eq "man stardust warnings" "$mr_err" ""
	expect_contains "man stardust (from the prefix)" "$mr_out" "stardust consortium"
else
	echo "man not available: man -l not checked"
fi
for c in $cmds; do
	expect_contains "stardust.1 names $c" "$(cat "$m1")" "stardust $c"
done
for o in '\-\-config' '\-\-foreground' '\-\-check' '\-\-help'; do
	expect_contains "stardustd.8 option $o" "$(cat "$m8")" "$o"
done

# The example configuration loads as installed, and `-n` prints every
# key, `log` included.
ex="$P/share/doc/stardust/stardustd.conf"
run_rc n "$SDD" -n -f "$ex"
expect_eq "stardustd -n on the example: status" "$n_rc" 0
expect_eq "stardustd -n on the example: stderr" "$n_err" ""
expect_contains "example: log" "$n_out" "log = syslog"
expect_contains "example: data_dir" "$n_out" "data_dir = /var/lib/stardust"
keys=$(printf '%s\n' "$n_out" | sed -n 's/^\([a-z_]*\) = .*/\1/p')
expect_eq "keys printed by -n" "$(echo $keys)" \
	"name data_dir root_key key_file socket map_size_mb log_level log gossip_ms max_outbound max_inbound publish_wait_ms"
for k in $keys listen http peers; do
	expect_contains "example documents $k" "$(cat "$ex")" "$k ="
	expect_contains "stardustd.8 documents $k" "$(cat "$m8")" ".B $k"
	expect_contains "stardustd --help documents $k" "$h_out" "  $k "
done

# The unit verifies (its binary exists now; man: links resolve through
# MANPATH).
if command -v systemd-analyze >/dev/null; then
	run_rc sa env MANPATH="$P/share/man" systemd-analyze verify "$unit"
	expect_eq "systemd-analyze verify status" "$sa_rc" 0
	expect_eq "systemd-analyze verify output" "$sa_out$sa_err" ""
else
	echo "systemd-analyze not available: the unit is not verified"
fi

# A node run by the installed programs, from a copy of the example with
# this test's paths and key.
"$SD" federation init --dir "$T/root" >/dev/null
ROOT=$(cat "$T/root/root.pub")
"$SD" node init --dir "$T/node" --root-key "$ROOT" --name Lapland >/dev/null
conf() { # conf LOG [LEVEL]: the example with data_dir, root_key, log set
	sed -e "s|^data_dir = .*|data_dir = $T/node|" \
	    -e "s|^root_key = .*|root_key = $ROOT|" \
	    -e "s|^log = .*|log = $1|" \
	    -e "s|^log_level = .*|log_level = ${2:-info}|" "$ex" >"$T/sd.conf"
}
C="$T/sd.conf"
LOGF="$T/node/stardustd.log"
up() { # up: the daemon answers on its socket (5 s at most)
	local i
	for i in $(seq 1 100); do
		"$SD" -c "$C" status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
stop_detached() { # stop the detached daemon by its pid file
	local pid
	pid=$(cat "$T/node/stardustd.pid")
	kill -TERM "$pid"
	for i in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	fail "detached daemon $pid did not stop"
	kill -KILL "$pid" 2>/dev/null || true
}

# log = file with -d: the lines go to data_dir/stardustd.log, not stderr.
conf file
"$SDD" -d -f "$C" 2>"$T/fg.err" &
SD_PIDS+=($!); pid=$!
up && ok || fail "daemon (log = file) did not start"
# Certified, so that it can publish members (below).
key=$("$SD" -c "$C" status | awk '/node key/{print $3}')
"$SD" federation admit "$key" --dir "$T/root" --name Lapland --countries FI \
	-o "$T/node.cert" >/dev/null
"$SD" -c "$C" cert add "$T/node.cert" >/dev/null
kill -TERM "$pid"; sd_reap "$pid" || fail "daemon (log = file) did not stop"
expect_contains "log = file: the file" "$(cat "$LOGF")" "stardustd[Lapland] info: node "
expect_contains "log = file: stopped" "$(cat "$LOGF")" "info: stopped"
expect_eq "log = file: stderr" "$(cat "$T/fg.err")" ""
rm -f "$LOGF"

# log = stderr, detached: the lines go to the stderr it was given; no file.
conf stderr
det_rc=0
"$SDD" -f "$C" 2>"$T/det.err" || det_rc=$?
expect_eq "detached (log = stderr) status" "$det_rc" 0
# A second one is refused (socket in use) and leaves the pid file alone.
run_rc det2 "$SDD" -f "$C"
expect_eq "second detached daemon refused" "$det2_rc" 1
expect_contains "second detached daemon's reason" "$det2_err" "another daemon is listening"
up && ok || fail "detached daemon (log = stderr) does not answer"
stop_detached
expect_contains "log = stderr detached: its stderr" "$(cat "$T/det.err")" \
	"stardustd[Lapland] info: node "
expect_contains "log = stderr detached: stopped" "$(cat "$T/det.err")" "info: stopped"
expect_eq "log = stderr: no log file" "$([ -e "$LOGF" ] && echo exists || echo none)" none

# log = auto (the default behaviour), detached: the file.
conf auto
run_rc det "$SDD" -f "$C"
expect_eq "detached (log = auto) status" "$det_rc" 0
up && ok || fail "detached daemon (log = auto) does not answer"
stop_detached
expect_contains "log = auto detached: the file" "$(cat "$LOGF" 2>/dev/null)" "info: node "
rm -f "$LOGF"

# log = syslog: a fake syslog daemon on $T/dev/log, mounted over /dev in
# a private mount namespace (unshare -rm; skipped where unavailable).
if unshare -rm true 2>/dev/null; then
	mkdir -p "$T/dev"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[3], "w").close()
with open(sys.argv[2], "ab", 0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")' "$T/dev/log" "$T/syslog.txt" "$T/syslog.ready" &
	SD_PIDS+=($!)
	for i in $(seq 1 100); do [ -e "$T/syslog.ready" ] && break; sleep 0.05; done
	# ns_run CMD...: CMD with $T/dev as /dev (null, zero, random and
	# urandom bound in from the real one).
	# exec: the daemon keeps the pid of the background job, so that
	# SIGTERM and the clean-up reach it.
	ns_run() {
		exec unshare -rm sh -c '
			d=$1; shift
			for n in null zero random urandom; do
				: >"$d/$n"; mount --bind "/dev/$n" "$d/$n" || exit 97
			done
			mount --rbind "$d" /dev || exit 97
			exec "$@"' sh "$T/dev" "$@"
	}
	conf syslog debug
	ns_run "$SDD" -d -f "$C" 2>"$T/sl.err" &
	SD_PIDS+=($!); pid=$!
	up && ok || fail "daemon (log = syslog) did not start: $(cat "$T/sl.err")"
	# debug: a member stored; warn: an oversized control frame; error:
	# a second daemon on the same socket (in a namespace of its own).
	"$SD" -c "$C" member add --name "Palsatech" --kind sme --country FI >/dev/null
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"\xff\xff\xff\xff"); s.recv(16)' "$T/node/control.sock" || true
	run_rc second ns_run "$SDD" -d -f "$C"
	expect_eq "second daemon refused" "$second_rc" 1
	kill -TERM "$pid"; sd_reap "$pid" || fail "daemon (log = syslog) did not stop"
	sleep 0.2
	s=$(cat "$T/syslog.txt")
	# <PRI> is facility daemon (3) * 8 + severity: err 3, warning 4,
	# info 6, debug 7.
	expect_contains "syslog info" "$s" "<30>"
	expect_contains "syslog ready line" "$s" "[Lapland] node "
	expect_contains "syslog ident and pid" "$s" "stardustd[$pid]: [Lapland]"
	expect_contains "syslog debug" "$(grep '^<31>' <<<"$s")" "stored 1 members"
	expect_contains "syslog warning" "$(grep '^<28>' <<<"$s")" "control: frame above"
	expect_contains "syslog err" "$(grep '^<27>' <<<"$s")" "another daemon is listening"
	expect_contains "syslog stopped" "$(grep '^<30>' <<<"$s")" "[Lapland] stopped"
	expect_eq "log = syslog: nothing on stderr" "$(cat "$T/sl.err")" ""
	expect_eq "log = syslog: no log file" "$([ -e "$LOGF" ] && echo exists || echo none)" none
else
	echo "unshare -rm not permitted here: syslog output not checked"
fi

finish
