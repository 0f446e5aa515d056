#!/usr/bin/env bash
# Hostile bytes on the control socket: the daemon answers what it can,
# drops what it must, stores nothing and keeps serving.
source "$(dirname "$0")/lib.sh"

sd_root
sd_node lap
sd_start lap
sd_admit lap --countries FI
SOCK="$T/lap/control.sock"

cat > "$T/raw.py" <<'PY'
import socket, struct, sys, time

def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1
        v |= (c & 0x7f) << s; s += 7
        if not c & 0x80:
            return v, i

def response(b):
    """version, code, message of a Response (fields 1, 2, 3)."""
    i, out = 0, {}
    while i < len(b):
        key, i = varint(b, i)
        f, t = key >> 3, key & 7
        if t == 0:
            v, i = varint(b, i)
            if f == 2 and v >= 1 << 63:
                v -= 1 << 64
            out[f] = v
        elif t == 2:
            n, i = varint(b, i); out[f] = b[i:i + n]; i += n
        elif t == 1:
            i += 8
        elif t == 5:
            i += 4
    return out.get(1), out.get(2, 0), out.get(3, b"").decode()

def conn():
    # A full listen backlog answers EAGAIN on a Unix socket: retry.
    for _ in range(200):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(sys.argv[1])
            return s
        except BlockingIOError:
            s.close()
            time.sleep(0.05)
    raise SystemExit("cannot connect")

def recv_frame(s):
    hdr = b""
    while len(hdr) < 4:
        c = s.recv(4 - len(hdr))
        if not c:
            return None
        hdr += c
    n = struct.unpack(">I", hdr)[0]
    body = b""
    while len(body) < n:
        c = s.recv(n - len(body))
        if not c:
            return None
        body += c
    return body

case = sys.argv[2]
s = conn()
if case == "oversize":
    s.sendall(b"\xff\xff\xff\xff" + b"x" * 100)
    print("closed" if s.recv(10) == b"" else "open")
elif case == "garbage":
    s.sendall(struct.pack(">I", 7) + b"\xff\x13\x99garb")
    print("%s %s %s" % response(recv_frame(s)))
elif case == "empty":
    s.sendall(struct.pack(">I", 0))
    print("%s %s %s" % response(recv_frame(s)))
elif case == "version":
    req = b"\x08\x63" + b"\x40\x01"  # version 99, status
    s.sendall(struct.pack(">I", len(req)) + req)
    print("%s %s %s" % response(recv_frame(s)))
elif case == "pipelined":
    req = b"\x08\x01" + b"\x40\x01"  # version 1, status
    s.sendall((struct.pack(">I", len(req)) + req) * 3)
    print(" ".join(str(response(recv_frame(s))[1]) for _ in range(3)))
elif case == "truncated":
    s.sendall(struct.pack(">I", 100) + b"0123456789")
    s.close()
    print("sent")
elif case == "many":
    # 70 more connections than the first: the daemon holds 64 and closes
    # the rest. Count the closed ones until the count settles.
    socks = [s]
    for i in range(70):
        socks.append(conn())
    closed = set()
    deadline = time.time() + 10
    while time.time() < deadline and len(closed) < 7:
        for n, c in enumerate(socks):
            if n in closed:
                continue
            c.setblocking(False)
            try:
                if c.recv(1) == b"":
                    closed.add(n)
            except BlockingIOError:
                pass
        time.sleep(0.1)
    time.sleep(0.5)
    print("closed=%d" % len(closed))
PY

status_ok() {
	run_rc st sdc lap status
	expect_eq "daemon still serves after $1" "$st_rc" 0
}

run_rc r python3 "$T/raw.py" "$SOCK" oversize
expect_eq "oversize frame: connection dropped" "$r_out" "closed"
expect_contains "oversize logged" "$(cat "$T/lap.log")" "frame above"
status_ok "an oversize frame"

run_rc r python3 "$T/raw.py" "$SOCK" garbage
expect_eq "garbage: explicit decode error" "$r_out" "1 -1003 malformed request"
status_ok "garbage"

run_rc r python3 "$T/raw.py" "$SOCK" empty
expect_eq "empty frame: decode error" "$r_out" "1 -1003 malformed request"

run_rc r python3 "$T/raw.py" "$SOCK" version
expect_contains "unknown version refused explicitly" "$r_out" "1 -1013 control protocol version 99 is not spoken here"

run_rc r python3 "$T/raw.py" "$SOCK" pipelined
expect_eq "pipelined requests answered in order" "$r_out" "0 0 0"

run_rc r python3 "$T/raw.py" "$SOCK" truncated
expect_eq "truncated frame sent" "$r_out" "sent"
status_ok "a truncated frame"

run_rc r python3 "$T/raw.py" "$SOCK" many
expect_eq "connections above the cap are closed" "$r_out" "closed=7"
expect_eq "no error from the client" "$r_err" ""
status_ok "too many connections"

expect_eq "nothing stored by any of it" "$(members lap)" 0
run_rc add sdc lap member add --name "Still Works Oy" --kind sme --country FI
expect_eq "writes still work" "$add_rc" 0

finish
