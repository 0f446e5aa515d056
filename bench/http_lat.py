#!/usr/bin/env python3
"""http_lat.py URL RUNS [keep]: RUNS GET requests of URL, one after the
other, each on a connection of its own (as a script; with "keep", all on
one kept-alive connection, as a browser); prints the p50 and p99 of the
time from sending (connecting) to the last byte of the answer, in
milliseconds, and the answer's size (bench/query.sh)."""
import http.client
import sys
import time
import urllib.parse


def main():
    url = urllib.parse.urlsplit(sys.argv[1])
    runs = int(sys.argv[2])
    path = url.path + ("?" + url.query if url.query else "")
    keep = len(sys.argv) > 3 and sys.argv[3] == "keep"
    times, size, c = [], 0, None
    for _ in range(runs):
        t0 = time.perf_counter()
        if c is None:
            c = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        if not keep or r.getheader("Connection", "") != "keep-alive":
            c.close()
            c = None
        times.append(time.perf_counter() - t0)
        if r.status != 200:
            sys.exit("http_lat: %s answered %d" % (sys.argv[1], r.status))
        size = len(body)
    times.sort()
    p99 = times[max(0, int(len(times) * 0.99) - 1)]
    print("p50_ms=%.2f p99_ms=%.2f bytes=%d" % (times[(len(times) - 1) // 2] * 1000, p99 * 1000, size))


main()
