#!/usr/bin/env bash
# test-deb.sh DEBDIR: the Debian package (make deb) as an administrator
# meets it, in a throw-away root: an overlay of this machine's root
# filesystem (so Debian 12 with the package's dependencies present; the
# overlay takes every write, nothing changes outside it), entered with
# chroot. Installed with apt, then: the binaries, man pages, user, state
# directory, conffile and unit (systemd-analyze verify) are checked; the
# node is made as docs/OPERATIONS.md says and run as the unit runs it;
# the package is upgraded over itself (the edited conffile and the store
# are kept), removed (configuration and data kept) and purged
# (configuration gone; the node's key and store kept, by design). Needs
# root (mount, chroot). Exit 0 if every check passed.
set -euo pipefail
debdir=$(realpath "${1:?usage: test-deb.sh DEBDIR}")
deb=$(ls "$debdir"/stardust_*.deb | head -n 1)
version=$(dpkg-deb -f "$deb" Version)
[ "$(id -u)" = 0 ] || { echo "test-deb: needs root (mount, chroot)" >&2; exit 1; }

W=$(mktemp -d /var/tmp/sddeb.XXXXXX)
R="$W/root"
mkdir "$W/upper" "$W/work" "$R"
DAEMON=""
cleanup() {
	set +e
	[ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
	for m in run dev/pts dev proc; do
		mountpoint -q "$R/$m" && umount "$R/$m"
	done
	mountpoint -q "$R" && umount "$R"
	rm -rf "$W"
}
trap cleanup EXIT
mount -t overlay overlay -o "lowerdir=/,upperdir=$W/upper,workdir=$W/work" "$R"
mount --bind /proc "$R/proc"
mount --bind /dev "$R/dev"
mount --bind /dev/pts "$R/dev/pts"
mount -t tmpfs tmpfs "$R/run"

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); }
fail() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }
check() { # check WHAT COMMAND...: COMMAND (in the root) succeeds
	local what=$1; shift
	if in_root "$@" >/dev/null 2>&1; then ok; else fail "$what"; fi
}
check_not() { # check_not WHAT COMMAND...: COMMAND (in the root) fails
	local what=$1; shift
	if in_root "$@" >/dev/null 2>&1; then fail "$what"; else ok; fi
}
expect_eq() { if [ "$2" = "$3" ]; then ok; else fail "$1: got '$2', expected '$3'"; fi; }
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	DEBIAN_FRONTEND=noninteractive "$@"; }
as_node() { in_root runuser -u stardust -- "$@"; }
sd() { as_node stardust -c /etc/stardust/stardustd.conf "$@"; }

check_not "not installed before" dpkg-query -W stardust
check_not "no user stardust before" getent passwd stardust
cp "$deb" "$R/tmp/"
apt_install() {
	in_root sh -c "cd /tmp && apt-get install -y -q $* ./$(basename "$deb")" \
		>"$W/apt.log" 2>&1 || { cat "$W/apt.log" >&2; return 1; }
}
apt_install || fail "apt install"

# What the package put in place.
expect_eq "stardust --version" "$(in_root stardust --version)" "stardust $version"
expect_eq "stardustd --version" "$(in_root stardustd --version)" "stardustd $version (sync protocol 1)"
check "man page stardust(1)" test -f /usr/share/man/man1/stardust.1.gz
check "man page stardustd(8)" test -f /usr/share/man/man8/stardustd.8.gz
expect_eq "the system user" "$(in_root getent passwd stardust | cut -d: -f6,7)" \
	"/var/lib/stardust:/usr/sbin/nologin"
expect_eq "its state directory" "$(in_root stat -c '%U %a' /var/lib/stardust)" "stardust 700"
expect_eq "the configuration is a conffile" \
	"$(in_root dpkg-query -W -f='${Conffiles}' stardust | awk '{print $1}')" \
	"/etc/stardust/stardustd.conf"
check "the unit" grep -q '^ExecStart=/usr/sbin/stardustd -d -f /etc/stardust/stardustd.conf$' \
	/lib/systemd/system/stardustd.service
check "the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/stardustd.service
if in_root systemd-analyze verify /lib/systemd/system/stardustd.service >"$W/verify.log" 2>&1; then
	ok
else
	fail "systemd-analyze verify: $(cat "$W/verify.log")"
fi
# A fresh machine: no node yet, so the daemon cannot start (no key);
# the unit must not try, and fail: its condition is the key.
check_not "no node key yet" test -e /var/lib/stardust/node.key
check_not "without a node the daemon does not start" timeout 20 \
	runuser -u stardust -- stardustd -d -f /etc/stardust/stardustd.conf
check "the unit waits for the node key" grep -q '^ConditionPathExists=/var/lib/stardust/node.key$' \
	/lib/systemd/system/stardustd.service

# First steps (docs/OPERATIONS.md, "The Debian package").
in_root stardust federation init --dir /root/fed >/dev/null
ROOT=$(in_root cat /root/fed/root.pub)
NODE=$(as_node stardust node init --dir /var/lib/stardust --root-key "$ROOT" --name Lapland |
	awk '/node key/ { print $NF }')
in_root sed -i "s/^root_key = .*/root_key = $ROOT/" /etc/stardust/stardustd.conf
check "the configuration checks" stardustd -n -f /etc/stardust/stardustd.conf
start_node() { # as the unit runs it: the user, the foreground, the file
	chroot "$R" runuser -u stardust -- stardustd -d -f /etc/stardust/stardustd.conf \
		2>>"$W/daemon.log" &
	DAEMON=$!
	for _ in $(seq 1 100); do
		sd status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$W/daemon.log" >&2
	return 1
}
stop_node() { kill -TERM "$DAEMON"; wait "$DAEMON" || true; DAEMON=""; }
start_node || fail "the daemon did not start"
in_root stardust federation admit "$NODE" --dir /root/fed --name Lapland --countries FI \
	-o /tmp/lapland.cert >/dev/null
chmod 644 "$R/tmp/lapland.cert"
sd cert add /tmp/lapland.cert >/dev/null || fail "cert add"
sd member add --name "Packaged Laser Oy" --kind sme --country FI >/dev/null || fail "member add"
expect_eq "the node serves" "$(sd search laser --json | grep -c '"id"')" 1
stop_node

# Upgrade over itself: the edited conffile and the store are kept.
apt_install --reinstall || fail "apt install --reinstall"
check "conffile edit kept" grep -q "^root_key = $ROOT$" /etc/stardust/stardustd.conf
start_node || fail "the daemon did not start after the upgrade"
expect_eq "members kept over the upgrade" "$(sd search laser --json | grep -c '"id"')" 1
check "fsck clean after the upgrade" runuser -u stardust -- stardust -c /etc/stardust/stardustd.conf fsck
stop_node

# Remove: the programs go, configuration and data stay.
in_root apt-get remove -y -q stardust >"$W/apt.log" 2>&1 || fail "apt remove"
check_not "removed: no stardustd" test -e /usr/sbin/stardustd
check "removed: configuration kept" test -f /etc/stardust/stardustd.conf
check "removed: node key kept" test -f /var/lib/stardust/node.key
# Purge: the configuration goes; the node's key and store (made by the
# administrator, not by the package) stay, as the user does.
in_root apt-get purge -y -q stardust >"$W/apt.log" 2>&1 || fail "apt purge"
check_not "purged: configuration gone" test -e /etc/stardust/stardustd.conf
check_not "purged: not known to dpkg" dpkg-query -W -f='${Status}' stardust
check "purged: node key kept" test -f /var/lib/stardust/node.key
check "purged: store kept" test -f /var/lib/stardust/db/data.mdb

echo "test-deb: $PASS passed, $FAIL failed ($(basename "$deb"))"
[ "$FAIL" -eq 0 ]
