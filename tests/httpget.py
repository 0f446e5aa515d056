#!/usr/bin/env python3
"""A plain HTTP client for the end-to-end tests (standard library only).

    httpget.py PORT PATH [METHOD]       one request to 127.0.0.1:PORT;
                                        prints the status, a blank line
                                        and the body
    httpget.py PORT --raw HEX [WAIT_S]  sends these bytes (hex) as they
                                        are, reads the answer until the
                                        server closes (at most WAIT_S s,
                                        default 15) and prints it
    httpget.py PORT --hold N            opens N connections that send
                                        nothing, closes them, then makes
                                        one request: prints how many of
                                        the N were answered 503 at once,
                                        and the request's status
"""
import socket
import sys
import time


def raw(port, data, wait=15.0):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    s.sendall(data)
    out = b""
    t0 = time.monotonic()
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    s.close()
    return out, time.monotonic() - t0


def split(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split(b" ")
    return (int(status[1]) if len(status) > 1 else 0), head, body


def main():
    port = int(sys.argv[1])
    if sys.argv[2] == "--raw":
        wait = float(sys.argv[4]) if len(sys.argv) > 4 else 15.0
        out, took = raw(port, bytes.fromhex(sys.argv[3]), wait)
        status, _, body = split(out)
        print(status)
        print("%.1f" % took)
        print(body.decode("utf-8", "replace"))
        return
    if sys.argv[2] == "--hold":
        n = int(sys.argv[3])
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
        time.sleep(0.5)
        refused = 0
        for s in held:
            s.settimeout(0.05)
            try:
                if s.recv(64).startswith(b"HTTP/1.1 503"):
                    refused += 1
            except socket.timeout:
                pass
        for s in held:
            s.close()
        time.sleep(0.2)
        out, _ = raw(port, b"GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n", 5)
        print(refused, split(out)[0])
        return
    method = sys.argv[3] if len(sys.argv) > 3 else "GET"
    req = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: httpget\r\n\r\n" % (
        method, sys.argv[2])
    out, _ = raw(port, req.encode())
    status, head, body = split(out)
    print(status)
    for line in head.split(b"\r\n")[1:]:
        if line.lower().startswith(b"content-type:"):
            print(line.split(b":", 1)[1].strip().decode())
            break
    else:
        print("-")
    print(body.decode("utf-8", "replace"), end="")


main()
