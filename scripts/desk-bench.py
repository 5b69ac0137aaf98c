#!/usr/bin/env python3
"""make bench-desk: the analyst's desk under load (issue 14; a benchmark, not a test).

Two measurements on the release binary, with the shipped rules:

1. Latency. `vigil run --udp --http` takes a background load of benign syslog lines (cron and sshd
   session lines no shipped rule alerts on) at RATE lines/s (default 100,000) over UDP on loopback.
   Every 200 ms a probe goes out on the same socket: either one sshd "Too many authentication
   failures" line from a host of its own (a detection that opens an episode at once: tier 1) or five
   "Failed password" lines from an address of its own (the ssh_bruteforce correlation, gte 5: an
   early alert). A subscriber on /alerts/stream notes when each probe's alert arrives; latency is from
   sending the line that makes it (the fifth for a correlation) to its SSE event. Prints p50/p99/max
   per kind and the load actually sent.
2. Subscribers. The 2 M-line gen-authlog file (made with ../shared/tools/gen-authlog.py when missing)
   through `vigil run --http` read from a FIFO, with 0 and with 50 subscribers on the stream
   (alternating, ROUNDS each, default 3): events/s from the first byte fed to vigil's exit, and the cost
   of the subscribers (curl processes on the same two cores).

Environment: VIGIL (binary, default .build/release/vigil), RATE, SECONDS (latency run, default 20),
ROUNDS, BENCH_FILE (the 2 M-line file, default /tmp/gen2m.log).
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIGIL = os.environ.get("VIGIL", os.path.join(ROOT, ".build", "release", "vigil"))
RATE = int(os.environ.get("RATE", "100000"))
SECONDS = float(os.environ.get("SECONDS", "20"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
BENCH_FILE = os.environ.get("BENCH_FILE", "/tmp/gen2m.log")
SHARED = os.environ.get("VIGIL_SHARED", os.path.join(ROOT, "..", "shared"))


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stamp():
    return time.strftime("%b %e %H:%M:%S", time.gmtime())


def start_vigil(arguments, stdin=None):
    process = subprocess.Popen(
        [VIGIL, "run", "--rules", "rules/sigma", "--log-level", "info", "--no-stdout"] + arguments,
        cwd=ROOT, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ports = {}
    deadline = time.time() + 30
    while time.time() < deadline and ("http" not in ports or ("--udp" in arguments and "udp" not in ports)):
        line = process.stderr.readline().decode(errors="replace")
        if not line:
            break
        if "listening on " in line:
            words = line.split("listening on ", 1)[1].split()
            if len(words) >= 2 and words[1].rsplit(":", 1)[-1].isdigit():
                ports[words[0]] = int(words[1].rsplit(":", 1)[-1])
    threading.Thread(target=lambda: process.stderr.read(), daemon=True).start()
    return process, ports


class Subscriber(threading.Thread):
    """Reads /alerts/stream; with `on_alert`, hands each alert (parsed) to it with its arrival time."""

    def __init__(self, port, on_alert=None):
        super().__init__(daemon=True)
        self.port = port
        self.on_alert = on_alert
        self.connected = threading.Event()
        self.alerts = 0

    def run(self):
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.sendall(b"GET /alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        buffer = b""
        self.connected.set()
        while True:
            try:
                chunk = sock.recv(1 << 16)
            except OSError:
                return
            if not chunk:
                return
            now = time.monotonic()
            if self.on_alert is None:
                self.alerts += chunk.count(b"event: alert")
                continue
            buffer += chunk
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                if b"event: alert" not in event:
                    continue
                for line in event.split(b"\n"):
                    if line.startswith(b"data: "):
                        self.alerts += 1
                        self.on_alert(json.loads(line[6:]), now)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def latency_run():
    udp_port = free_port(socket.SOCK_DGRAM)
    state = tempfile.mkdtemp(prefix="vigil-desk-bench-")
    stats = os.path.join(state, "stats.json")
    vigil, ports = start_vigil(["--udp", f"127.0.0.1:{udp_port}", "--http", "127.0.0.1:0", "--state-dir", state, "--stats-json", stats])
    if "http" not in ports:
        sys.exit("vigil did not start its console")
    sent_at = {}
    seen = {"detection": [], "correlation": []}

    def on_alert(alert, arrived):
        key = None
        if alert.get("kind") == "detection":
            key = alert.get("host")
        elif alert.get("kind") == "correlation":
            key = (alert.get("entity") or {}).get("src_ip")
        if key in sent_at and alert.get("episode", {}).get("state") == "opened":
            kind, sent = sent_at.pop(key)
            seen[kind].append((arrived - sent) * 1000)

    subscriber = Subscriber(ports["http"], on_alert)
    subscriber.start()
    subscriber.connected.wait(5)
    time.sleep(0.5)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    target = ("127.0.0.1", udp_port)
    background = [
        f"<78>{stamp()} app-{i % 50} CRON[{1000 + i}]: (root) CMD (run-parts /etc/cron.hourly)".encode() for i in range(500)
    ] + [f"<38>{stamp()} app-{i % 50} sshd[{2000 + i}]: pam_unix(sshd:session): session closed for user deploy".encode() for i in range(500)]
    chunk = max(1, RATE // 100)
    sent = 0
    probes = 0
    started = time.monotonic()
    next_probe = started + 1.0
    while time.monotonic() - started < SECONDS:
        tick = time.monotonic()
        for i in range(chunk):
            sock.sendto(background[(sent + i) % len(background)], target)
        sent += chunk
        if tick >= next_probe:
            probes += 1
            if probes % 2:
                host = f"probe-{probes}"
                line = f"<38>{stamp()} {host} sshd[77]: Disconnecting invalid user odoo 203.0.113.{probes % 250} port 2222: Too many authentication failures [preauth]"
                sent_at[host] = ("detection", time.monotonic())
                sock.sendto(line.encode(), target)
            else:
                address = f"198.51.{probes // 250}.{probes % 250}"
                for attempt in range(5):
                    line = f"<38>{stamp()} web-1 sshd[88]: Failed password for root from {address} port {30000 + attempt} ssh2"
                    if attempt == 4:
                        sent_at[address] = ("correlation", time.monotonic())
                    sock.sendto(line.encode(), target)
            next_probe += 0.2
        # Paced to RATE in 10 ms steps.
        pause = started + (sent / RATE) - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    elapsed = time.monotonic() - started
    time.sleep(1.0)
    vigil.terminate()
    vigil.wait(timeout=30)
    print(f"latency: {sent / elapsed:,.0f} background lines/s sent over UDP for {elapsed:.1f} s, {probes} probes")
    for kind, values in seen.items():
        if values:
            print(f"  {kind:11}: {len(values)} alerts, p50 {percentile(values, 0.5):.1f} ms, p99 {percentile(values, 0.99):.1f} ms, max {max(values):.1f} ms")
        else:
            print(f"  {kind:11}: no alerts seen")
    print(f"  probes without an alert: {len(sent_at)}")
    with open(stats) as file:
        summary = json.load(file)
    print(f"  vigil took {summary.get('events', '?')} events; input summary: {json.dumps(summary.get('inputs', summary.get('drops', {})))[:300]}")


def subscribers_run(count):
    state = tempfile.mkdtemp(prefix="vigil-desk-bench-")
    fifo = os.path.join(state, "input")
    os.mkfifo(fifo)
    stats = os.path.join(state, "stats.json")
    # vigil opens the FIFO before it serves; the writer opens it right after.
    # Held open so that vigil's open of the FIFO returns; closed once cat has it.
    writer = {}
    opener = threading.Thread(target=lambda: writer.setdefault("fd", os.open(fifo, os.O_WRONLY)))
    opener.start()
    vigil, ports = start_vigil(["--http", "127.0.0.1:0", "--state-dir", state, "--stats-json", stats, fifo])
    opener.join(30)
    # Subscribers are curl processes (C, as lean as a client gets), each keeping what it read in a file.
    outputs = [os.path.join(state, f"subscriber-{n}") for n in range(count)]
    readers = [
        subprocess.Popen(["curl", "-sN", "-o", path, f"http://127.0.0.1:{ports['http']}/alerts/stream"]) for path in outputs
    ]
    time.sleep(1.0)
    # cat, not Python, feeds the FIFO: the feeder should cost the two cores as little as it can.
    fed = time.monotonic()
    feeder = subprocess.Popen(["sh", "-c", f"cat '{BENCH_FILE}' > '{fifo}'"])
    time.sleep(0.3)
    os.close(writer["fd"])
    vigil.wait(timeout=600)
    # From the first byte fed to the exit (the summary's own rate counts the wait for the subscribers too).
    elapsed = time.monotonic() - fed
    feeder.wait()
    for reader in readers:
        reader.wait(timeout=30)
    with open(stats) as file:
        summary = json.load(file)
    rate = summary.get("events", 0) / elapsed
    delivered = 0
    dropped = 0
    for path in outputs:
        with open(path, "rb") as file:
            text = file.read()
        delivered += text.count(b"event: alert")
        dropped += text.count(b"event: dropped")
    return rate, delivered, dropped


def main():
    if not os.access(VIGIL, os.X_OK):
        sys.exit(f"{VIGIL}: build it first (swift build -c release --product vigil)")
    latency_run()
    if not os.path.exists(BENCH_FILE):
        subprocess.run([sys.executable, os.path.join(SHARED, "tools", "gen-authlog.py"), "-n", "2000000", "--out", BENCH_FILE], check=True)
    if ROUNDS <= 0:
        return
    rates = {0: [], 50: []}
    for _ in range(ROUNDS):
        for count in (0, 50):
            rate, delivered, dropped = subscribers_run(count)
            rates[count].append(rate)
            print(f"subscribers {count:2}: {rate:,.0f} events/s; the subscribers got {delivered} alert events, {dropped} dropped notices")
    base, loaded = statistics.median(rates[0]), statistics.median(rates[50])
    print(f"median events/s: 0 subscribers {base:,.0f}, 50 subscribers {loaded:,.0f}: cost {100 * (base - loaded) / base:.1f} %")


if __name__ == "__main__":
    main()
