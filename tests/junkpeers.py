#!/usr/bin/env python3
"""Floods a stardustd peer listener with junk connections (tests, bench).

Keeps COUNT connections to HOST:PORT open for SECONDS, reopening each one
(after --gap ms) as soon as the daemon closes it. Connections take turns
at four behaviours:

  silent    connects and sends nothing
  slow      a frame header announcing 100 bytes, then one byte a second
  garbage   512 random bytes, then silence
  huge      a frame header announcing 2 GiB, then one byte a second

At the end prints one JSON object: connections opened, connect failures,
closed by the daemon, the most open at once, and per behaviour how many
were closed and the longest time one stayed open (seconds).
"""
import argparse
import asyncio
import json
import os
import random
import signal
import time

MODES = ("silent", "slow", "garbage", "huge")


class Flood:
    def __init__(self, host, port, gap):
        self.host, self.port, self.gap = host, port, gap
        self.opened = self.failed = self.closed = self.open_now = 0
        self.max_open = 0
        self.by_mode = {m: {"closed": 0, "longest_s": 0.0} for m in MODES}
        self.stop = asyncio.Event()

    async def one(self, mode):
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            self.failed += 1
            return
        self.opened += 1
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)
        t0 = time.monotonic()
        try:
            if mode == "slow":
                writer.write(b"\x00\x00\x00\x64")
            elif mode == "garbage":
                writer.write(os.urandom(512))
            elif mode == "huge":
                writer.write(b"\x7f\xff\xff\xff")
            await writer.drain()
            while not self.stop.is_set():
                try:
                    data = await asyncio.wait_for(reader.read(4096), 1.0)
                except asyncio.TimeoutError:
                    data = None
                if data == b"":
                    break  # closed by the daemon
                if mode in ("slow", "huge") and data is None:
                    writer.write(b"\x01")
                    await writer.drain()
            else:
                return
            self.closed += 1
            st = self.by_mode[mode]
            st["closed"] += 1
            st["longest_s"] = max(st["longest_s"], time.monotonic() - t0)
        except (ConnectionError, OSError):
            self.closed += 1
            self.by_mode[mode]["closed"] += 1
        finally:
            self.open_now -= 1
            writer.close()

    async def slot(self, i):
        mode = MODES[i % len(MODES)]
        while not self.stop.is_set():
            await self.one(mode)
            if self.stop.is_set():
                break
            await asyncio.sleep(self.gap * (0.5 + random.random()))


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("port", type=int)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--gap", type=float, default=20.0,
                    help="ms before a closed connection is reopened")
    a = ap.parse_args()
    f = Flood(a.host, a.port, a.gap / 1000.0)
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, f.stop.set)
    tasks = [asyncio.create_task(f.slot(i)) for i in range(a.count)]
    try:
        await asyncio.wait_for(f.stop.wait(), a.seconds)
    except asyncio.TimeoutError:
        f.stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    for st in f.by_mode.values():
        st["longest_s"] = round(st["longest_s"], 2)
    print(json.dumps({"opened": f.opened, "connect_failed": f.failed,
                      "closed_by_daemon": f.closed, "max_open": f.max_open,
                      "modes": f.by_mode}), flush=True)


if __name__ == "__main__":
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main())
