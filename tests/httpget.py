#!/usr/bin/env python3
"""A plain HTTP client for the end-to-end tests (standard library only).

    httpget.py PORT PATH [METHOD]       one request to 127.0.0.1:PORT;
                                        prints the status, a blank line
                                        and the body
    httpget.py PORT --raw HEX [WAIT_S]  sends these bytes (hex) as they
                                        are, reads the answer until it is
                                        whole (Content-Length) or the
                                        server closes (at most WAIT_S s,
                                        default 15) and prints it
    httpget.py PORT --keep N PATH       N requests of PATH on one
                                        connection, then one saying
                                        Connection: close, then two
                                        pipelined on a new one: prints
                                        how many were answered 200 and
                                        kept alive, and for the last
                                        and the pipelined ones the
                                        status, the Connection header
                                        and whether the server closed
    httpget.py PORT --hold N            opens N connections that send
                                        nothing, waits until the last is
                                        answered (at most 8 s), closes
                                        them, then makes one request (again
                                        while it is refused, at most 10 s):
                                        prints how many of the N were
                                        answered 503, the request's
                                        status and how many times it was
                                        refused before
"""
import select
import socket
import sys
import time


def complete(out, head_only):
    """Whether out holds a whole answer (its head, and Content-Length
    bytes of body unless the request was HEAD)."""
    head, sep, body = out.partition(b"\r\n\r\n")
    if not sep:
        return False
    if head_only:
        return True
    for line in head.split(b"\r\n")[1:]:
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def read_answer(s, head_only):
    """One answer from s: until it is complete, or the server closes."""
    out = b""
    try:
        while not complete(out, head_only):
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    return out


def raw(port, data, wait=15.0):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    s.sendall(data)
    t0 = time.monotonic()
    out = read_answer(s, data.startswith(b"HEAD "))
    s.close()
    return out, time.monotonic() - t0


def header(out, name):
    for line in out.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        if line.lower().startswith(name + b":"):
            return line.split(b":", 1)[1].strip().decode()
    return "-"


def closed(s, wait=5.0):
    """Whether the server closes s (within wait seconds)."""
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except (socket.timeout, ConnectionResetError):
        return False


def keep(port, n, path):
    """n requests on one connection, one after the other; then one with
    Connection: close; then two pipelined (sent in one write)."""
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(15.0)
    kept = answered = 0
    for _ in range(n):
        s.sendall(req)
        out = read_answer(s, False)
        answered += split(out)[0] == 200
        kept += header(out, b"connection") == "keep-alive"
    s.sendall(req.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    out = read_answer(s, False)
    last = "%d %s %s" % (split(out)[0], header(out, b"connection"),
                         "closed" if closed(s) else "open")
    s.close()
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(15.0)
    s.sendall(req + req)
    out = read_answer(s, False)
    piped = "%d %s %s" % (split(out)[0], header(out, b"connection"),
                          "closed" if closed(s) else "open")
    s.close()
    print("answered %d kept %d" % (answered, kept))
    print("last: " + last)
    print("pipelined: " + piped)


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
    if sys.argv[2] == "--keep":
        keep(port, int(sys.argv[3]), sys.argv[4])
        return
    if sys.argv[2] == "--hold":
        n = int(sys.argv[3])
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
        # The server accepts in the order the connections were made: once
        # the last is answered (503, above the cap), every one before it
        # was accepted and, if refused, answered. 8 s: below the 10 s
        # request timeout, after which the held ones would answer 408.
        select.select([held[-1]], [], [], 8.0)
        refused = 0
        for s in held:
            r, _, _ = select.select([s], [], [], 0)
            if r and s.recv(64).startswith(b"HTTP/1.1 503"):
                refused += 1
        for s in held:
            s.close()
        # The server sees the closes when its loop gets to them: until
        # then a new connection may still be above the cap.
        deadline = time.monotonic() + 10.0
        again = 0
        while True:
            try:
                out, _ = raw(port, b"GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n", 5)
                status = split(out)[0]
            except ConnectionResetError:
                # Refused before our request was read: the server's 503
                # is lost to the reset (it counts the refusal).
                status = 503
            if status != 503 or time.monotonic() > deadline:
                break
            again += 1
            time.sleep(0.1)
        print(refused, status, again)
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
