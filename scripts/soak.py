#!/usr/bin/env python3
"""make soak: vigil under mixed, hostile load for a long time (issue 12; not in CI).

One `vigil run --rules rules/sigma --emit threshold` with a UDP and a TCP listener and stdin, for
SOAK_MINUTES (default 30):

- stdin: gen-authlog lines (the shared workload generator), re-stamped with the wall clock as they
  are sent, at SOAK_RATE lines/s (default 50,000). Every `Failed password` line sent also goes,
  through a FIFO, to truth-ssh-bruteforce.py, so the brute-force alerts can be checked exactly
  against SEC's SingleWithThreshold (what --emit threshold reproduces).
- UDP and TCP: a sender that cycles through the attacks issue 12 names, one cycle every 5 s: a real
  brute force from its own address (192.0.2.0/24 and 198.51.100.0/24: gen-authlog never uses them),
  a message from the year 2200, untimed binary noise, sudo lines with 60 KB user names, a flood of
  20,000 addresses failing once, oversize TCP frames, and idle TCP connections left open.

Every 10 s it samples vigil's RSS. At the end it stops the senders, lets vigil drain, sends
SIGTERM, and prints: RSS over time (and whether it stayed flat after warm-up), events in against
events accounted for per input, and alert counts against the truth. Exit status 1 when a check
fails.
"""
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("VIGIL_SHARED", os.path.join(ROOT, "..", "shared"))
if not os.path.isdir(os.path.join(SHARED, "tools")):
    SHARED = "/work/shared"
VIGIL = os.environ.get("VIGIL", os.path.join(ROOT, ".build", "release", "vigil"))
MINUTES = float(os.environ.get("SOAK_MINUTES", "30"))
RATE = int(os.environ.get("SOAK_RATE", "50000"))
WARMUP = min(120.0, MINUTES * 60 / 5)
ATTACK_NETS = ("192.0.2.", "198.51.100.")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def stamp(t=None):
    g = time.gmtime(t if t is not None else time.time())
    return "%s %2d %02d:%02d:%02d" % (MONTHS[g.tm_mon - 1], g.tm_mday, g.tm_hour, g.tm_min, g.tm_sec)


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}

    def add(self, key, n=1):
        with self.lock:
            self.values[key] = self.values.get(key, 0) + n


def stdin_sender(pipe, truth, lines, stop, counts):
    """gen-authlog lines, re-stamped, at RATE lines/s in chunks of a tenth of a second."""
    chunk = max(1, RATE // 10)
    index = 0
    started = time.time()
    sent = 0
    while not stop.is_set():
        now = stamp()
        block = []
        failures = []
        for _ in range(chunk):
            line = now + lines[index][15:]
            index = (index + 1) % len(lines)
            block.append(line)
            if "Failed password" in line:
                failures.append(line)
        try:
            pipe.write("".join(block).encode())
            pipe.flush()
        except BrokenPipeError:
            break
        truth.write("".join(failures))
        sent += len(block)
        counts.add("stdin_lines", len(block))
        counts.add("stdin_failures", len(failures))
        ahead = sent / RATE - (time.time() - started)
        if ahead > 0:
            time.sleep(ahead)
    pipe.close()
    truth.close()


def attack_sender(udp_port, tcp_port, stop, counts):
    """One cycle of hostile traffic every 5 s, over UDP and TCP."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    idle = []
    cycle = 0
    while not stop.is_set():
        began = time.time()
        now = stamp()
        net = ATTACK_NETS[cycle % 2]
        attacker = "%s%d" % (net, 1 + (cycle // 2) % 250)
        tcp = socket.create_connection(("127.0.0.1", tcp_port))
        lines = []
        # A real brute force: six failures (one alert with --emit threshold), over TCP.
        for i in range(6):
            lines.append("<38>%s bastion-%d sshd[%d]: Failed password for root from %s port %d ssh2" % (
                now, cycle % 7, 1000 + i, attacker, 40000 + i))
        # Sudo with 60 KB user names (bounded group values).
        for i in range(3):
            lines.append("<85>%s bastion sudo: %s : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls" % (
                now, "u%d-%d" % (cycle, i) + "x" * 60000))
        payload = "".join(l + "\n" for l in lines).encode()
        # An oversize frame (cut at --max-message-size and counted).
        payload += b"<13>" + now.encode() + b" big app: " + b"y" * 200000 + b"\n"
        tcp.sendall(payload)
        counts.add("tcp_lines", len(lines) + 1)
        tcp.close()
        # One datagram from the year 2200, binary noise, and a flood of one-event groups.
        datagrams = [b"<13>1 2200-01-01T00:00:00Z evil app - - - from the future",
                     bytes(random.getrandbits(8) for _ in range(300))]
        for i in range(20000):
            datagrams.append(("<38>%s flood-%d sshd[7]: Failed password for root from 10.%d.%d.%d port 22 ssh2" % (
                now, i % 16, cycle & 255, i >> 8, i & 255)).encode())
        for d in datagrams:
            try:
                udp.sendto(d, ("127.0.0.1", udp_port))
                counts.add("udp_datagrams")
            except OSError:
                counts.add("udp_send_errors")
        # Idle connections, left open (the idle timeout and the connection cap deal with them).
        for _ in range(5):
            try:
                idle.append(socket.create_connection(("127.0.0.1", tcp_port), timeout=2))
                counts.add("idle_opened")
            except OSError:
                counts.add("idle_refused")
        cycle += 1
        counts.add("cycles")
        time.sleep(max(0.0, 5.0 - (time.time() - began)))
    for s in idle:
        s.close()


def main():
    workdir = tempfile.mkdtemp(prefix="vigil-soak-")
    gen = os.path.join(workdir, "gen")
    subprocess.run([sys.executable, os.path.join(SHARED, "tools", "gen-authlog.py"), "-n", "400000", "--out", gen],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(gen + ".log", encoding="utf-8", errors="replace") as f:
        lines = [l if l.endswith("\n") else l + "\n" for l in f if len(l) > 16]
    fifo = os.path.join(workdir, "failures.fifo")
    os.mkfifo(fifo)
    truth_proc = subprocess.Popen([sys.executable, os.path.join(SHARED, "tools", "truth-ssh-bruteforce.py"), fifo],
                                  stdout=subprocess.PIPE, text=True)
    truth = open(fifo, "w")
    stats_path = os.path.join(workdir, "stats.json")
    alerts_path = os.path.join(workdir, "alerts.jsonl")
    errors = open(os.path.join(workdir, "stderr.log"), "w+")
    vigil = subprocess.Popen(
        [VIGIL, "run", "--rules", "rules/sigma", "--emit", "threshold", "--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0",
         "--log-level", "info", "--stats-json", stats_path, "--alerts", alerts_path, "-"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
    ports = {}
    for _ in range(200):
        errors.seek(0)
        for m in re.finditer(r"listening on (udp|tcp) \S*:(\d+)", errors.read()):
            ports[m.group(1)] = int(m.group(2))
        if len(ports) == 2:
            break
        time.sleep(0.1)
    if len(ports) != 2:
        errors.seek(0)
        sys.exit("vigil did not start its listeners:\n" + errors.read())
    print("soak: %.0f min, stdin %d lines/s, attack cycle every 5 s; work files in %s" % (MINUTES, RATE, workdir), flush=True)
    stop = threading.Event()
    counts = Counts()
    threads = [threading.Thread(target=stdin_sender, args=(vigil.stdin, truth, lines, stop, counts)),
               threading.Thread(target=attack_sender, args=(ports["udp"], ports["tcp"], stop, counts))]
    for t in threads:
        t.start()
    started = time.time()
    samples = []
    while time.time() - started < MINUTES * 60:
        time.sleep(10)
        elapsed = time.time() - started
        samples.append((elapsed, rss_kib(vigil.pid)))
        if len(samples) % 6 == 0:
            print("  %5.0f s  RSS %6.1f MiB" % (elapsed, samples[-1][1] / 1024), flush=True)
        if vigil.poll() is not None:
            break
    stop.set()
    for t in threads:
        t.join()
    time.sleep(15)  # listeners' batches drained, windows decided by the idle watermark
    vigil.send_signal(15)
    status = vigil.wait(timeout=120)
    truth_result = json.loads(truth_proc.communicate(timeout=600)[0])
    stats = json.load(open(stats_path))
    failures = []

    print("\nRSS over time (MiB):")
    for elapsed, kib in samples[::max(1, len(samples) // 20)]:
        print("  %6.0f s  %7.1f" % (elapsed, kib / 1024))
    settled = [kib for elapsed, kib in samples if elapsed >= WARMUP]
    if len(settled) >= 4:
        half = len(settled) // 2
        first, second = max(settled[:half]), max(settled[half:])
        flat = second <= first * 1.10 + 32 * 1024
        print("after warm-up: peak %.1f MiB in the first half, %.1f MiB in the second: %s" % (
            first / 1024, second / 1024, "flat" if flat else "GROWING"))
        if not flat:
            failures.append("RSS grew after warm-up")

    print("\nEvents in against events accounted for:")
    inputs = {i["name"]: i for i in stats["inputs"]}
    c = counts.values
    stdin = inputs.get("stdin", {})
    udp = next((v for k, v in inputs.items() if k.startswith("udp")), {})
    tcp = next((v for k, v in inputs.items() if k.startswith("tcp")), {})
    rows = [("stdin lines", c.get("stdin_lines", 0), stdin.get("messages", 0), 0),
            ("udp datagrams", c.get("udp_datagrams", 0), udp.get("messages", 0),
             udp.get("dropped_by_kernel", 0) + udp.get("dropped_backpressure", 0)),
            ("tcp lines", c.get("tcp_lines", 0), tcp.get("messages", 0), tcp.get("lost_at_shutdown", 0))]
    for name, sent, taken, dropped in rows:
        ok = sent == taken + dropped
        print("  %-14s sent %10d  taken %10d  dropped (counted) %8d  %s" % (name, sent, taken, dropped, "ok" if ok else "MISMATCH"))
        if not ok:
            failures.append("%s: %d sent, %d taken + %d counted" % (name, sent, taken, dropped))
    events = stats.get("events", 0)
    print("  events parsed %d = messages taken %d: %s" % (events, sum(r[2] for r in rows), "ok" if events == sum(r[2] for r in rows) else "MISMATCH"))
    if events != sum(r[2] for r in rows):
        failures.append("events parsed differ from messages taken")

    print("\nBrute-force alerts (ssh_bruteforce, --emit threshold):")
    gen_alerts = attack_alerts = 0
    with open(alerts_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if '"ssh_bruteforce"' not in line:
                continue
            alert = json.loads(line)
            if alert.get("kind") != "correlation" or alert.get("rule", {}).get("name") != "ssh_bruteforce":
                continue
            source = str((alert.get("group") or {}).get("src_ip", ""))
            if source.startswith(ATTACK_NETS):
                attack_alerts += 1
            elif not source.startswith("10."):
                gen_alerts += 1
    expected = truth_result["alerts_sec_singlewiththreshold"]
    print("  gen-authlog on stdin: %d alerts, truth (SEC SingleWithThreshold) %d: %s" % (
        gen_alerts, expected, "ok" if gen_alerts == expected else "MISMATCH"))
    print("  attack cycles: %d alerts for %d cycles (one brute force each)" % (attack_alerts, c.get("cycles", 0)))
    if gen_alerts != expected:
        failures.append("gen-authlog alerts differ from the truth")
    if attack_alerts < c.get("cycles", 0):
        failures.append("a cycle's brute force raised no alert")
    print("\nvigil exit status %d; sender counts %s" % (status, json.dumps(c)))
    if status != 0:
        failures.append("vigil exited %d" % status)
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        sys.exit(1)
    print("\nsoak passed")


if __name__ == "__main__":
    main()
