#!/usr/bin/env bash
# build-rev.sh REV DIR: the binaries (stardust, stardustd, sdgen) of an
# earlier commit REV of this repository, built into DIR, for tests that
# run nodes of two releases side by side (tests/e2e_mixed.sh) and stores
# written by an earlier release. The source comes from `git archive`
# (nothing is checked out in the working tree). Built once: DIR/.rev
# records what DIR holds.
set -euo pipefail
rev=${1:?usage: build-rev.sh REV DIR}
dir=${2:?usage: build-rev.sh REV DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
full=$(git -C "$src" rev-parse --verify "$rev^{commit}") || {
	echo "build-rev: $rev is not a commit of $src (a shallow clone? fetch its history)" >&2
	exit 1
}
if [ -x "$dir/stardustd" ] && [ "$(cat "$dir/.rev" 2>/dev/null)" = "$full" ]; then
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir/src" "$dir/build"
git -C "$src" archive "$full" | tar -x -C "$dir/src"
cmake -S "$dir/src" -B "$dir/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$dir/build.log" 2>&1 &&
	cmake --build "$dir/build" -j "${JOBS:-2}" --target stardust stardustd sdgen >>"$dir/build.log" 2>&1 || {
	echo "build-rev: building $rev failed; see $dir/build.log" >&2
	tail -n 20 "$dir/build.log" >&2
	exit 1
}
cp "$dir/build/stardust" "$dir/build/stardustd" "$dir/build/sdgen" "$dir/"
echo "$full" > "$dir/.rev"
