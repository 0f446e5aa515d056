#!/usr/bin/env bash
# deb.sh [OUTDIR]: the Debian package of this source tree (make deb).
# The tree's files (tracked and new, not ignored) are copied into
# OUTDIR/src and built there with dpkg-buildpackage (debian/: debhelper
# 13, the cmake build system); the .deb lands in OUTDIR (default
# build/deb) and lintian checks it. The version comes from
# debian/changelog and must be the project(VERSION) of CMakeLists.txt.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$src/build/deb}")
cmake_ver=$(sed -n 's/^project(stardust VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
deb_ver=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
if [ "$cmake_ver" != "$deb_ver" ]; then
	echo "deb: debian/changelog says $deb_ver, CMakeLists.txt $cmake_ver: add a changelog entry" >&2
	exit 1
fi
rm -rf "$out"
mkdir -p "$out/src"
git -C "$src" ls-files -co --exclude-standard -z |
	(cd "$src" && xargs -0 tar -c --no-recursion -f -) | tar -x -C "$out/src"
cd "$out/src"
dpkg-buildpackage -b -us -uc -j"${JOBS:-2}" >"$out/build.log" 2>&1 || {
	echo "deb: dpkg-buildpackage failed; see $out/build.log" >&2
	tail -n 30 "$out/build.log" >&2
	exit 1
}
deb=$(ls "$out"/stardust_"$deb_ver"_*.deb)
echo "deb: $deb"
# lintian's verdict; every tag it still prints is explained in
# docs/OPERATIONS.md ("The Debian package").
lintian --info "$deb" | tee "$out/lintian.txt"
