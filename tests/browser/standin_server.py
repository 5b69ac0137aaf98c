#!/usr/bin/env python3
"""A stand-in for `vigil run --http`, for working on the console before (or apart from) the server.

    python3 tests/browser/standin_server.py --vigil .build/debug/vigil run --rules rules/sigma \
        --udp 127.0.0.1:5514 --http 127.0.0.1:8080 --state-dir /tmp/state

It takes `vigil run`'s arguments, removes `--http HOST:PORT`, runs the real vigil with the rest (its
alerts on a pipe) and serves the subset of docs/http-api.md the console uses, from memory, kept in
`--state-dir` (stand-in-*.json*) across restarts: loopback, no tokens (`local`, `admin`), episodes,
counts, an alert's detail and history, ack/escalate/close, exceptions (listed, never applied) and the
live stream with Last-Event-ID. It is a test aid, not the server: no limits, no TLS, no bounds.
SIGTERM stops vigil (which keeps its state) and then itself.
"""

import argparse
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

CONSOLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../Sources/VigilServer/Console")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
TYPES = {"index.html": "text/html; charset=utf-8", "console.js": "text/javascript; charset=utf-8",
         "console.css": "text/css; charset=utf-8"}


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Store:
    def __init__(self, directory):
        os.makedirs(directory, exist_ok=True)
        self.alerts_path = os.path.join(directory, "stand-in-alerts.jsonl")
        self.triage_path = os.path.join(directory, "stand-in-triage.json")
        self.lock = threading.RLock()
        self.alerts = []  # with "seq"
        self.by_id = {}
        self.triage = {}  # episode id (str) -> {"triage","resolution","tier","history":[...]}
        self.exceptions = []
        self.history_seq = 0
        self.listeners = []
        if os.path.exists(self.alerts_path):
            with open(self.alerts_path) as f:
                for line in f:
                    if line.strip():
                        alert = json.loads(line)
                        self.alerts.append(alert)
                        self.by_id[alert["id"]] = alert
        if os.path.exists(self.triage_path):
            with open(self.triage_path) as f:
                saved = json.load(f)
            self.triage, self.exceptions, self.history_seq = saved["triage"], saved["exceptions"], saved["history_seq"]

    @staticmethod
    def episode_key(alert):
        episode = alert.get("episode") or {}
        return str(episode.get("id", alert["id"]))

    def save_triage(self):
        with open(self.triage_path + ".tmp", "w") as f:
            json.dump({"triage": self.triage, "exceptions": self.exceptions, "history_seq": self.history_seq}, f)
        os.replace(self.triage_path + ".tmp", self.triage_path)

    def add(self, alert):
        with self.lock:
            alert["seq"] = len(self.alerts) + 1
            self.alerts.append(alert)
            self.by_id[alert["id"]] = alert
            with open(self.alerts_path, "a") as f:
                f.write(json.dumps(alert) + "\n")
            key = self.episode_key(alert)
            record = self.triage.get(key)
            state = (alert.get("episode") or {}).get("state")
            changes = []
            if record and record["triage"] == "closed" and state in ("opened", "updated"):
                record.update(triage="new", resolution=None)
                changes.append(self.entry(key, "reopened", "vigil", ""))
                self.save_triage()
            self.broadcast("alert", alert, alert["id"])
            for entry in changes:
                self.broadcast("triage", {"entry": entry, "episode": self.episode(key)})

    def broadcast(self, event, data, event_id=None):
        for listener in list(self.listeners):
            listener.put((event, data, event_id))

    def episode_alerts(self, key):
        return [a for a in self.alerts if self.episode_key(a) == key]

    def episode(self, key):
        alerts = self.episode_alerts(key)
        latest = alerts[-1]
        info = latest.get("episode") or {}
        record = self.triage.get(key, {})
        return {
            "episode_id": info.get("id", latest["id"]), "kind": latest["kind"], "rule": latest["rule"],
            "entity": latest.get("entity"), "host": latest.get("host"),
            "tier": max(latest["tier"], record.get("tier") or 0), "alert_state": info.get("state"),
            "count": info.get("count", 1), "first_seen": info.get("first_seen", alerts[0]["time"]),
            "last_seen": info.get("last_seen", latest["time"]), "latest_alert_id": latest["id"],
            "latest_seq": latest["seq"], "triage": record.get("triage", "new"), "resolution": record.get("resolution"),
        }

    def entry(self, key, action, actor, note, **extra):
        self.history_seq += 1
        entry = {"seq": self.history_seq, "episode_id": int(key) if key.isdigit() else key, "action": action,
                 "actor": actor, "at": now(), "note": note, "from_tier": None, "to_tier": None,
                 "resolution": None, "exception_id": None}
        entry.update(extra)
        self.triage.setdefault(key, {"triage": "new", "resolution": None, "tier": None, "history": []})
        self.triage[key]["history"].append(entry)
        return entry


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    store = None
    stopping = threading.Event()
    ready = threading.Event()

    def log_message(self, *args):
        pass

    def headers_common(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")

    def reply(self, status, payload=None, content_type="application/json", body=None):
        if body is None:
            body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.headers_common()
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, message):
        self.reply(status, {"error": message})

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path
        store = self.store
        if path in ("/", "/console.js", "/console.css"):
            name = "index.html" if path == "/" else path[1:]
            with open(os.path.join(CONSOLE, name), "rb") as f:
                return self.reply(200, body=f.read(), content_type=TYPES[name])
        if path == "/healthz" or (path == "/readyz" and self.ready.is_set()):
            return self.reply(200, {"ok": True})
        if path == "/readyz":
            return self.error(503, "not ready")
        if path == "/session":
            return self.reply(200, {"name": "local", "role": "admin", "tiers": [1, 2, 3]})
        if path == "/alerts/stream":
            return self.stream(query)
        with store.lock:
            if path == "/episodes":
                return self.reply(200, {"episodes": self.episodes(query), "next": None})
            if path == "/episodes/counts":
                tiers = {str(t): {"new": 0, "acknowledged": 0, "escalated": 0, "closed": 0} for t in (1, 2, 3)}
                for key in {store.episode_key(a) for a in store.alerts}:
                    episode = store.episode(key)
                    tiers[str(episode["tier"])][episode["triage"]] += 1
                return self.reply(200, {"tiers": tiers})
            if path == "/exceptions":
                return self.reply(200, {"exceptions": store.exceptions})
            match = re.fullmatch(r"/alerts/([0-9a-f]{32})(/history)?", path)
            if match:
                alert = store.by_id.get(match.group(1))
                if not alert:
                    return self.error(404, "no such alert")
                key = store.episode_key(alert)
                if match.group(2):
                    return self.reply(200, {"history": store.triage.get(key, {}).get("history", [])})
                return self.reply(200, {"alert": alert, "episode": store.episode(key), "alerts": store.episode_alerts(key)})
        self.error(404, "not found")

    def episodes(self, query):
        store = self.store
        keys, seen = [], set()
        for alert in reversed(store.alerts):
            key = store.episode_key(alert)
            if key not in seen:
                seen.add(key)
                keys.append(key)
        result = []
        for key in keys:
            episode = store.episode(key)
            if "tier" in query and str(episode["tier"]) not in query["tier"].split(","):
                continue
            if query.get("triage") and episode["triage"] not in query["triage"].split(","):
                continue
            if query.get("state") and episode["alert_state"] != query["state"]:
                continue
            rule = episode["rule"]
            if query.get("rule") and query["rule"] not in (rule.get("id"), rule.get("name"), rule.get("title")):
                continue
            if query.get("entity") and query["entity"] not in json.dumps(episode["entity"]):
                continue
            if query.get("text") and not any(query["text"] in json.dumps(a) for a in store.episode_alerts(key)):
                continue
            result.append(episode)
        return result[: int(query.get("limit", "100"))]

    def do_POST(self):
        match = re.fullmatch(r"/alerts/([0-9a-f]{32})/(ack|escalate|close)", urlparse(self.path).path)
        if urlparse(self.path).path == "/session":
            return self.reply(204)
        if not match:
            return self.error(404, "not found")
        length = int(self.headers.get("Content-Length", "0"))
        if length > 65536:
            return self.error(413, "body over 64 KiB")
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self.error(400, "body is not JSON")
        store = self.store
        with store.lock:
            alert = store.by_id.get(match.group(1))
            if not alert:
                return self.error(404, "no such alert")
            key = store.episode_key(alert)
            episode = store.episode(key)
            note = body.get("note") or ""
            action = match.group(2)
            if episode["triage"] == "closed":
                return self.error(409, "the episode is closed")
            if action == "ack":
                if episode["triage"] == "acknowledged":
                    return self.error(409, "already acknowledged")
                entry = store.entry(key, "acknowledge", "local", note)
                store.triage[key]["triage"] = "acknowledged"
            elif action == "escalate":
                tier = body.get("tier")
                if not isinstance(tier, int) or tier <= episode["tier"] or tier > 3:
                    return self.error(409, "the tier must be above the episode's and at most 3")
                entry = store.entry(key, "escalate", "local", note, from_tier=episode["tier"], to_tier=tier)
                store.triage[key].update(triage="escalated", tier=tier)
            else:
                resolution = body.get("resolution")
                if resolution not in ("true_positive", "false_positive", "benign"):
                    return self.error(400, "resolution: true_positive, false_positive or benign")
                exception_id = None
                if body.get("exception"):
                    if resolution != "false_positive":
                        return self.error(400, "an exception only with false_positive")
                    days = int(re.sub(r"\D", "", str(body["exception"].get("expires", "7d"))) or 7)
                    exception_id = len(store.exceptions) + 1
                    store.exceptions.append({
                        "id": exception_id, "rule_id": alert["rule"]["id"], "entity": alert.get("entity"),
                        "created_at": now(), "expires_at": (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "created_by": "local", "note": note, "episode_id": episode["episode_id"], "applied": 0, "expired": False})
                entry = store.entry(key, "close", "local", note, resolution=resolution, exception_id=exception_id)
                store.triage[key].update(triage="closed", resolution=resolution)
            store.save_triage()
            change = {"entry": entry, "episode": store.episode(key)}
            store.broadcast("triage", change)
        self.reply(200, change)

    def do_DELETE(self):
        self.reply(204)

    def stream(self, query):
        store = self.store
        mailbox = queue.Queue()
        last = self.headers.get("Last-Event-ID") or query.get("last_event_id")
        with store.lock:
            backlog = []
            if last and last in store.by_id:
                backlog = store.alerts[store.by_id[last]["seq"]:]
            store.listeners.append(mailbox)
        self.send_response(200)
        self.headers_common()
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(b": hello\n\n")
            self.wfile.flush()
            for alert in backlog:
                self.send_event("alert", alert, alert["id"])
            while not self.stopping.is_set():
                try:
                    event, data, event_id = mailbox.get(timeout=1)
                except queue.Empty:
                    self.wfile.write(b": heartbeat\n\n")
                    self.wfile.flush()
                    continue
                self.send_event(event, data, event_id)
                if event == "shutdown":
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            store.listeners.remove(mailbox)

    def send_event(self, event, data, event_id):
        text = f"event: {event}\n" + (f"id: {event_id}\n" if event_id else "") + f"data: {json.dumps(data)}\n\n"
        self.wfile.write(text.encode())
        self.wfile.flush()


def main():
    # A child started from a test thread may inherit a mask that blocks SIGTERM.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vigil", required=True, help="the vigil binary")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="run and its arguments, with --http HOST:PORT")
    options = parser.parse_args()
    arguments = list(options.command)
    if "--http" not in arguments:
        sys.exit("stand-in: --http HOST:PORT is missing")
    at = arguments.index("--http")
    host, port = arguments[at + 1].rsplit(":", 1)
    del arguments[at: at + 2]
    state_dir = arguments[arguments.index("--state-dir") + 1] if "--state-dir" in arguments else "vigil-state"
    Handler.store = store = Store(state_dir)
    vigil = subprocess.Popen([options.vigil] + arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    listening = threading.Event()

    def relay():
        # vigil's log goes on to ours; ready once its listeners are bound (or after 10 s: no --log-level info).
        for line in vigil.stderr:
            sys.stderr.buffer.write(line)
            sys.stderr.flush()
            if b"listening on " in line:
                listening.set()
        listening.set()

    threading.Thread(target=relay, daemon=True).start()

    def pump():
        for line in vigil.stdout:
            try:
                store.add(json.loads(line))
            except ValueError:
                pass

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    threading.Thread(target=lambda: (listening.wait(10), Handler.ready.set()), daemon=True).start()
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True

    def stop(*_):
        vigil.send_signal(signal.SIGTERM)
        vigil.wait(30)
        reader.join(5)
        store.broadcast("shutdown", {})
        time.sleep(0.2)
        Handler.stopping.set()
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"stand-in: listening on http {host}:{port}", file=sys.stderr, flush=True)
    server.serve_forever()
    sys.exit(vigil.returncode or 0)


if __name__ == "__main__":
    main()
