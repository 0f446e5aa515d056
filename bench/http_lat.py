#!/usr/bin/env python3
"""http_lat.py URL RUNS: RUNS GET requests of URL, one connection each (as
a browser without keep-alive, or a script), one after the other; prints
the p50 and p99 of the time from connect to the last byte of the answer,
in milliseconds, and the answer's size (bench/query.sh)."""
import http.client
import sys
import time
import urllib.parse


def main():
    url = urllib.parse.urlsplit(sys.argv[1])
    runs = int(sys.argv[2])
    path = url.path + ("?" + url.query if url.query else "")
    times, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        c = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        c.close()
        times.append(time.perf_counter() - t0)
        if r.status != 200:
            sys.exit("http_lat: %s answered %d" % (sys.argv[1], r.status))
        size = len(body)
    times.sort()
    p99 = times[max(0, int(len(times) * 0.99) - 1)]
    print("p50_ms=%.2f p99_ms=%.2f bytes=%d" % (times[(len(times) - 1) // 2] * 1000, p99 * 1000, size))


main()
