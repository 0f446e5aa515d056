#!/usr/bin/env python3
"""A TCP relay whose links can be cut and healed, for e2e_partition.sh.

    relay.py --control PORT --link NAME:LISTEN:TARGET[:SOURCE] ...

Each link listens on 127.0.0.1:LISTEN and forwards every connection to
127.0.0.1:TARGET, byte for byte in both directions, from the source
address SOURCE (any 127.x.y.z; default 127.0.0.1) so that the target's
logs show which link a connection came through.

A cut link closes its connections at once (both sides, with a reset) and
accepts and closes new ones; a healed link forwards again. The control
port (127.0.0.1:PORT) takes one command per line and answers each with
one line:

    cut NAME...     cut these links as well          -> ok closed=N
    heal NAME...    heal these links                 -> ok
    heal            heal every link                  -> ok
    set NAME...     exactly these links are cut      -> ok closed=N
    stats           per link: connections accepted, refused (while
                    cut), active; bytes both ways; cut or not; seconds
                    from its last heal to its first connection after it
                    (JSON) -> {...}
    ping            -> pong

`ok` is answered once the cut connections' sockets are closed: nothing
written by a node after it reads `ok` crosses a cut link. Events go to
standard error. Standard library only.
"""

import argparse
import asyncio
import json
import socket
import struct
import sys
import time

T0 = time.monotonic()


def log(msg):
    sys.stderr.write("relay %.3f %s\n" % (time.monotonic() - T0, msg))
    sys.stderr.flush()


class Half(asyncio.Protocol):
    """One socket of a relayed connection; `other` is the opposite half."""

    def __init__(self, conn):
        self.conn = conn
        self.transport = None
        self.other = None
        self.eof = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        if self.conn.dead or self.other is None or self.other.transport is None:
            return
        self.conn.link.bytes += len(data)
        self.other.transport.write(data)

    def eof_received(self):
        # Passed on; the connection ends once both directions have.
        self.eof = True
        o = self.other
        if o is None or o.eof or o.transport is None:
            self.conn.finish()
            return False
        o.transport.write_eof()
        return True  # the other direction stays open

    def connection_lost(self, exc):
        self.transport = None
        self.conn.finish()

    # Flow control: the opposite side stops reading while this one's
    # output is above the high-water mark.
    def pause_writing(self):
        if self.other is not None and self.other.transport is not None:
            self.other.transport.pause_reading()

    def resume_writing(self):
        if self.other is not None and self.other.transport is not None:
            self.other.transport.resume_reading()


class ClientHalf(Half):
    """The accepted side: refused if the link is cut, else connected on."""

    def __init__(self, conn, relay):
        super().__init__(conn)
        self.relay = relay

    def connection_made(self, transport):
        self.transport = transport
        link = self.conn.link
        peer = transport.get_extra_info("peername")
        if link.cut:
            link.refused += 1
            self.conn.dead = True
            transport.abort()
            log("%s: refused %s:%d (cut)" % (link.name, peer[0], peer[1]))
            return
        link.accepted += 1
        link.conns.add(self.conn)
        if link.healed_at is not None and link.back_after is None:
            link.back_after = round(time.monotonic() - link.healed_at, 3)
        transport.pause_reading()  # until the upstream is connected
        asyncio.ensure_future(self.relay.connect(self.conn, peer))


class Conn:
    def __init__(self, link, relay):
        self.link = link
        self.dead = False
        self.client = ClientHalf(self, relay)
        self.upstream = None

    def halves(self):
        return [h for h in (self.client, self.upstream) if h is not None]

    def abort(self):
        """Cut: reset both sockets now."""
        self.dead = True
        for h in self.halves():
            t = h.transport
            if t is not None:
                s = t.get_extra_info("socket")
                try:
                    # Closed with a reset (linger 0), as a REJECT would.
                    if s is not None:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
                except OSError:
                    pass
                t.abort()
        self.finish()

    def finish(self):
        """Either side closed (or a cut): close the other side too."""
        self.dead = True
        for h in self.halves():
            if h.transport is not None:
                h.transport.close()
        self.link.conns.discard(self)


class Link:
    def __init__(self, name, listen, target, source):
        self.name = name
        self.listen = listen
        self.target = target
        self.source = source
        self.cut = False
        self.conns = set()
        self.accepted = 0
        self.refused = 0
        self.bytes = 0
        self.server = None
        self.healed_at = None  # when last healed
        self.back_after = None  # then, seconds to its first connection

    def set_cut(self, cut):
        if self.cut and not cut:
            self.healed_at = time.monotonic()
            self.back_after = None
        self.cut = cut

    def stats(self):
        return {"accepted": self.accepted, "refused": self.refused,
                "active": len(self.conns), "bytes": self.bytes,
                "cut": self.cut, "back_after": self.back_after}


class Relay:
    def __init__(self, links):
        self.links = {l.name: l for l in links}

    async def start(self, control_port):
        loop = asyncio.get_running_loop()
        for l in self.links.values():
            l.server = await loop.create_server(
                lambda l=l: self.accept(l), "127.0.0.1", l.listen)
        self.control = await asyncio.start_server(
            self.control_client, "127.0.0.1", control_port)
        log("ready: %d links, control on %d" % (len(self.links), control_port))

    def accept(self, link):
        return Conn(link, self).client

    async def connect(self, conn, peer):
        link = conn.link
        loop = asyncio.get_running_loop()
        up = Half(conn)
        up.other = conn.client
        conn.upstream = up
        try:
            await loop.create_connection(
                lambda: up, "127.0.0.1", link.target,
                local_addr=(link.source, 0))
        except OSError as e:
            log("%s: upstream %d: %s" % (link.name, link.target, e))
            conn.finish()
            return
        if conn.dead:  # cut, or the client left, while connecting
            if up.transport is not None:
                up.transport.abort()
            return
        conn.client.other = up
        src = up.transport.get_extra_info("sockname")
        log("%s: %s:%d -> %s:%d -> 127.0.0.1:%d" % (
            link.name, peer[0], peer[1], src[0], src[1], link.target))
        conn.client.transport.resume_reading()

    def cut(self, names, exact):
        bad = [n for n in names if n not in self.links]
        if bad:
            return "error: unknown link %s" % " ".join(bad)
        closed = 0
        for l in self.links.values():
            if l.name in names:
                l.set_cut(True)
            elif exact:
                l.set_cut(False)
            if l.cut:
                for c in list(l.conns):
                    c.abort()
                    closed += 1
        log("cut now: %s (closed %d)" % (
            " ".join(sorted(n for n, l in self.links.items() if l.cut)) or "-",
            closed))
        return "ok closed=%d" % closed

    def heal(self, names):
        bad = [n for n in names if n not in self.links]
        if bad:
            return "error: unknown link %s" % " ".join(bad)
        for l in self.links.values():
            if not names or l.name in names:
                l.set_cut(False)
        log("cut now: %s" % (
            " ".join(sorted(n for n, l in self.links.items() if l.cut)) or "-"))
        return "ok"

    async def command(self, line):
        words = line.split()
        if not words:
            return "error: empty command"
        op, args = words[0], words[1:]
        if op in ("cut", "set"):
            reply = self.cut(set(args), exact=(op == "set"))
            # The aborted sockets are closed by callbacks of the next
            # loop iterations: let them run before answering.
            for _ in range(3):
                await asyncio.sleep(0)
            return reply
        if op == "heal":
            return self.heal(set(args))
        if op == "stats":
            return json.dumps({n: l.stats() for n, l in self.links.items()},
                              sort_keys=True)
        if op == "ping":
            return "pong"
        return "error: unknown command %s" % op

    async def control_client(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                reply = await self.command(line.decode("utf-8", "replace"))
                writer.write((reply + "\n").encode())
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


def parse_link(s):
    parts = s.split(":")
    if len(parts) not in (3, 4):
        raise argparse.ArgumentTypeError("NAME:LISTEN:TARGET[:SOURCE]")
    return Link(parts[0], int(parts[1]), int(parts[2]),
                parts[3] if len(parts) == 4 else "127.0.0.1")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--control", type=int, required=True)
    ap.add_argument("--link", type=parse_link, action="append", default=[])
    a = ap.parse_args()
    relay = Relay(a.link)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(relay.start(a.control))
    loop.run_forever()


if __name__ == "__main__":
    main()
