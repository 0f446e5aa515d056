#!/bin/sh
# Installs the Debian packages Stardust builds and tests with, if any is missing.
# Safe to run repeatedly: it does nothing when everything is present.
# Arguments name more packages a target needs (make test-stress: stress-ng).
set -eu
PKGS="build-essential cmake pkg-config libsodium-dev libuv1-dev liblmdb-dev lmdb-utils \
protobuf-c-compiler libprotobuf-c-dev libutf8proc-dev libcsv-dev libjansson-dev libinih-dev libstemmer-dev libhttp-parser-dev clang valgrind python3 \
chromium $*"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# The browser test (tests/e2e_web.sh) drives chromium with playwright-core
# from npm. Node.js may come from elsewhere than Debian (say, NodeSource,
# whose nodejs package bundles npm), so only the commands are checked.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
if [ -z "$missing" ]; then
	exit 0
fi
echo "deps: installing$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
