#!/usr/bin/env python3
"""The /who amplification attack of issue 10, item 6, as a measurement.

A room of MEMBERS idle connections (they read nothing; the kernel holds what they are sent);
ATTACKERS connections in it send `/who` as fast as the server lets them (within their flood
limit); meanwhile, in another room, a pinger sends ten lines a second and a watcher measures how
long each takes to arrive. Prints the watcher's median, p95 and
max latency with and without the attack. Loopback only; every loop is bounded in time.

    test/attacks/who_amplification.py --port 7777 [--members 2000] [--attackers 90] [--seconds 5]

Start the server with --max-per-ip 0 --connect-rate 0 (everything comes from 127.0.0.1) and its
usual --rate.
Speaks chat/2 (and chat/1, where lines have no room field) so two builds can be compared.
"""
import argparse
import asyncio
import socket
import statistics
import time


async def connect(port, name):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 22)
    await reader.readline()  # HELLO
    writer.write(f"{name}\n".encode())
    while True:
        line = await reader.readline()
        if not line:
            raise RuntimeError(f"{name}: closed while registering")
        if line.startswith(b"WELCOME"):
            return reader, writer


async def drain_forever(reader, stop):
    while not stop.is_set():
        data = await reader.read(1 << 20)
        if not data:
            return


async def attacker(port, name, stop, counter):
    reader, writer = await connect(port, name)
    drainer = asyncio.create_task(drain_forever(reader, stop))
    while not stop.is_set():
        writer.write(b"/who\n" * 10)
        counter[0] += 10
        await writer.drain()  # the server stops reading when the bucket is empty
        await asyncio.sleep(0)
    drainer.cancel()
    writer.close()


async def measure(port, seconds, pinger, watcher):
    (_, pw), (wr, _) = pinger, watcher
    latencies = []
    sent = {}
    stop_at = time.monotonic() + seconds

    async def send():
        n = 0
        while time.monotonic() < stop_at:
            sent[n] = time.monotonic()
            pw.write(f"ping {n}\n".encode())
            await pw.drain()
            n += 1
            await asyncio.sleep(0.1)  # 10 lines a second: within the default --rate 20

    async def receive():
        while time.monotonic() < stop_at + 2:
            try:
                line = await asyncio.wait_for(wr.readline(), timeout=max(0.1, stop_at + 2 - time.monotonic()))
            except asyncio.TimeoutError:
                return
            if not line:
                return
            parts = line.decode(errors="replace").split()
            if parts and parts[0] == "MSG" and "ping" in parts:
                n = int(parts[parts.index("ping") + 1])
                if n in sent:
                    latencies.append((time.monotonic() - sent.pop(n)) * 1000)

    await asyncio.gather(send(), receive())
    return latencies, len(sent)


def summary(label, lat, lost):
    lat.sort()
    if not lat:
        print(f"{label}: nothing arrived")
        return
    p95 = lat[int(0.95 * (len(lat) - 1))]
    print(f"{label}: {len(lat)} lines, median {statistics.median(lat):.2f} ms, "
          f"p95 {p95:.2f} ms, max {lat[-1]:.2f} ms, not arrived {lost}")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--attackers", type=int, default=90)
    ap.add_argument("--seconds", type=float, default=5)
    args = ap.parse_args()

    idle = []
    stop = asyncio.Event()
    # Idle members read nothing: the kernel's buffers hold the few KB a second they are sent,
    # and the measurement is the server's, not this script's, CPU.
    # Plain sockets, not asyncio's: those would be read (and cost this script's CPU) anyway.
    for i in range(args.members):
        sock = socket.create_connection(("127.0.0.1", args.port))
        sock.sendall(f"member-with-a-longish-name-{i}\n".encode())
        idle.append(sock)
    # The pinger and the watcher talk in a room of their own: what is measured is how the
    # server treats everyone else while the big room is being asked for its member list.
    pinger = await connect(args.port, "pinger")
    watcher = await connect(args.port, "watcher")
    for _, w in (pinger, watcher):
        w.write(b"/join #elsewhere\n/part #lobby\n")
        await w.drain()
    asyncio.create_task(drain_forever(pinger[0], stop))
    await asyncio.sleep(1)
    while True:  # skip what queued up during the joins
        try:
            await asyncio.wait_for(watcher[0].readline(), timeout=0.3)
        except asyncio.TimeoutError:
            break

    lat, lost = await measure(args.port, args.seconds, pinger, watcher)
    summary("quiet room     ", lat, lost)
    counter = [0]
    attack_stop = asyncio.Event()
    tasks = [asyncio.create_task(attacker(args.port, f"attacker-{i}", attack_stop, counter))
             for i in range(args.attackers)]
    await asyncio.sleep(1)
    lat, lost = await measure(args.port, args.seconds, pinger, watcher)
    summary("under /who flood", lat, lost)
    print(f"/who lines queued by the attackers (the server reads them at their --rate): {counter[0]}")
    attack_stop.set()
    stop.set()
    for t in tasks:
        t.cancel()


if __name__ == "__main__":
    asyncio.run(main())
