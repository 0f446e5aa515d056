#!/usr/bin/env bash
# The web page (docs/API.md "Web page") in a real browser: Debian's
# headless chromium, driven by playwright-core from npm
# (tests/web/browser.mjs), against the Vilnius node of the two-node
# federation of e2e_http (tests/data/partners.csv: LT at vil, the rest at
# nor). The script searches, filters, opens a member, finds its partners,
# builds a consortium, reads the chart and the health panel, and checks a
# refused query's message; it takes screenshots (SD_WEB_ARTIFACTS, default
# $SD_BIN/artifacts) and fails on any mismatch.
source "$(dirname "$0")/lib.sh"

WEB="$SD_SRC/tests/web"
ART="${SD_WEB_ARTIFACTS:-$SD_BIN/artifacts}"
CHROMIUM="${SD_CHROMIUM:-/usr/bin/chromium}"

# ---- the browser and its driver ----
command -v node >/dev/null || { fail "node is not installed (scripts/deps.sh installs nodejs)"; finish; }
[ -x "$CHROMIUM" ] || { fail "$CHROMIUM is missing (scripts/deps.sh installs chromium)"; finish; }
# playwright-core at the version pinned in tests/web/package-lock.json,
# installed once into tests/web/node_modules (git-ignored). It never
# downloads a browser; the variable says so all the same.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
want=$(sdtest json-field -f "$WEB/package-lock.json" packages.node_modules/playwright-core.version)
have=$(sdtest json-field -f "$WEB/node_modules/playwright-core/package.json" version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
	echo "installing playwright-core $want into $WEB/node_modules (npm ci)" >&2
	(cd "$WEB" && timeout 120 npm ci --no-audit --no-fund --loglevel=error >&2) ||
		{ fail "npm ci in $WEB failed"; finish; }
fi

# ---- the federation ----
partners_http
sdc vil import "$T/lt.csv" >/dev/null
sdc nor import "$T/rest.csv" >/dev/null
# A member whose name and description are markup: the page must show
# them as text (it never puts data through innerHTML).
sdc vil member add --id 000000000000000000000000000000a1 --kind sme --country LT \
	--name '<img src=x id=xss-name onerror="document.title=1">Markup & Co' \
	--description '<b id="xss-desc">bold?</b>' --capability "markup probe" >/dev/null
wait_converged 30 vil nor || fail "the two nodes did not converge"
sdc vil status --wait --timeout 30 >/dev/null || fail "vil not in sync"
KNOR=$(json_field nor node_key)

# ---- the browser ----
mkdir -p "$ART"
rm -f "$ART"/web*.png
t0=$SECONDS
run_rc b env SD_WEB_URL="http://127.0.0.1:$HP/" SD_WEB_ARTIFACTS="$ART" \
	SD_WEB_NOR_KEY="$KNOR" SD_CHROMIUM="$CHROMIUM" \
	timeout 100 node "$WEB/browser.mjs"
echo "$b_out"
[ -n "$b_err" ] && echo "$b_err" >&2
expect_eq "the browser script passed (exit status; its FAIL lines above say why)" "$b_rc" 0
expect_contains "the browser script ran to its end" "$b_out" "browser: all checks passed"
[ -s "$ART/web.png" ] && ok || fail "no screenshot at $ART/web.png"
echo "screenshots: $(ls "$ART"/web*.png 2>/dev/null | tr '\n' ' ') ($((SECONDS - t0)) s in the browser)"

# The files, as any client sees them.
http_get /index.html
expect_eq "/index.html: 200" "$H_status" 200
expect_eq "/index.html: HTML" "$H_type" "text/html; charset=utf-8"
expect_eq "/index.html is the page" "$H_body" "$(cat "$SD_SRC/web/index.html")"
http_get /app.js
expect_eq "/app.js: JavaScript" "$H_type" "text/javascript; charset=utf-8"
expect_eq "/app.js: the file" "$H_body" "$(cat "$SD_SRC/web/app.js")"
http_get /app.css
expect_eq "/app.css: CSS" "$H_type" "text/css; charset=utf-8"
http_get "/?q=ignored"
expect_eq "/ with a query string: the page" "$H_status" 200
http_get / HEAD
expect_eq "HEAD /: 200" "$H_status" 200
expect_eq "HEAD /: no body" "$H_body" ""
http_get / POST
expect_eq "POST /: 405" "$H_status" 405
http_get /app.jsx
expect_eq "no other file: 404" "$H_status" 404

# The page's requests were counted under their own route.
http_get /metrics
expect_contains "metrics: page requests counted" "$H_body" 'stardust_http_requests_total{route="page",code="2xx"}'

finish
