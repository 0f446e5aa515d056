#!/usr/bin/env bash
# The layering rules the compiler cannot see (docs/ARCHITECTURE.md): which
# folders may include which system library's header. Project headers are
# checked by the build itself (each layer's library sees only the layers
# it links). Prints every violation; exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."

# header  allowed path prefixes (space-separated, matched from the start)
rules=(
	"lmdb.h|store/ tests/"
	"uv.h|daemon/ tests/"
	"syslog.h|daemon/slog.c"
	"http_parser.h|daemon/ tests/"
	"jansson.h|present/ cli/ daemon/ tests/ bench/"
	"libstemmer.h|base/"
	"utf8proc.h|base/ proto/"
	"csv.h|base/ present/"
	"ini.h|base/"
)

bad=0
files=$(git ls-files '*.c' '*.h')
for rule in "${rules[@]}"; do
	header=${rule%%|*}
	allowed=${rule#*|}
	for f in $(grep -l "^#include <$header>" $files 2>/dev/null || true); do
		ok=0
		for p in $allowed; do
			case "$f" in "$p"*) ok=1 ;; esac
		done
		if [ $ok -eq 0 ]; then
			echo "check-layers: $f includes <$header> (only $allowed may)" >&2
			bad=1
		fi
	done
done
[ $bad -eq 0 ] && echo "check-layers: system headers only where their layer allows"
exit $bad
