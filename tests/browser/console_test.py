#!/usr/bin/env python3
"""The console in a real browser: headless Chromium, driven by Selenium, against `vigil run --http`.

    .venv/bin/python tests/browser/console_test.py [--vigil .build/debug/vigil]

It starts `vigil run --rules rules/sigma --udp 127.0.0.1:U --http 127.0.0.1:H --state-dir TMP` itself
(free loopback ports, a temporary state directory), and checks, as an analyst would see it:

1. an SSH brute force sent over UDP shows in the tier-2 queue within 2 s (the live stream);
2. acknowledging and escalating it by clicking the page's buttons moves it to tier 3, escalated, with
   both actions (who, when, note) in its history;
3. alert text is text: user names `<img src=x onerror=...>` show as those characters in the evidence,
   no element is made of them and no script of theirs runs (no dialog, `window.__xss` never set);
4. after SIGTERM and a restart on the same state directory, the open page reconnects by itself and
   shows a new alert live, and a reload shows the same triage state and the same history;
5. the browser logged no Content-Security-Policy violation and no script error.

Exit status 0 when every check held, 1 with `console_test: FAIL: ...` when one did not, 2 when the
setup is missing (Selenium, Chromium, chromedriver). `--vigil` may be a command
(`"python3 tests/browser/standin_server.py --vigil .build/debug/vigil"`) that takes `vigil run`'s
arguments.
"""

import argparse
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PAYLOAD = "<img src=x onerror=alert(1)>"
PAYLOAD_FLAG = "<img src=x onerror=window.__xss=1>"


class Failure(Exception):
    """A check that did not hold."""


def say(message):
    print(f"console_test: {message}", flush=True)


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def syslog_time():
    # RFC 3164 stamps are local time; vigil reads them so.
    return time.strftime("%b %e %H:%M:%S")


class Vigil:
    """`vigil run` with a UDP listener and the HTTP server, started and stopped by the test."""

    def __init__(self, command, workdir, rules):
        self.command = command
        self.workdir = workdir
        self.udp_port = free_port(socket.SOCK_DGRAM)
        self.http_port = free_port(socket.SOCK_STREAM)
        self.state_dir = os.path.join(workdir, "state")
        self.rules = rules
        self.process = None
        self.runs = 0
        self.log_path = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def start(self):
        self.runs += 1
        self.log_path = os.path.join(self.workdir, f"vigil-{self.runs}.log")
        arguments = self.command + [
            "run", "--rules", self.rules, "--udp", f"127.0.0.1:{self.udp_port}", "--http", f"127.0.0.1:{self.http_port}",
            "--state-dir", self.state_dir, "--log-level", "info",
        ]
        say(f"starting: {shlex.join(arguments)}")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(arguments, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failure(f"vigil exited with status {self.process.returncode} while starting:\n{self.log_tail()}")
            # Ready: the HTTP server says so and the UDP listener is bound (datagrams sent before are lost).
            if self.listening_on_udp() and self.ready():
                return
            time.sleep(0.1)
        raise Failure(f"{self.url}/readyz did not answer 200, or vigil logged no 'listening on udp', within 60 s:\n{self.log_tail()}")

    def ready(self):
        try:
            with urllib.request.urlopen(self.url + "/readyz", timeout=2) as answer:
                return answer.status == 200
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def listening_on_udp(self):
        with open(self.log_path, errors="replace") as f:
            return f"listening on udp 127.0.0.1:{self.udp_port}" in f.read()

    def stop(self):
        """SIGTERM; vigil must drain and exit 0 within 30 s."""
        if not self.process or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise Failure(f"vigil did not exit within 30 s of SIGTERM:\n{self.log_tail()}")
        return status

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def send(self, lines):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for line in lines:
                s.sendto(line.encode(), ("127.0.0.1", self.udp_port))


def brute_force(source, host="bastion", attempts=6):
    """Failed passwords from one source: the shipped ssh_bruteforce correlation (5 in 60 s), tier 2."""
    return [
        f"<38>{syslog_time()} {host} sshd[{5100 + i}]: Failed password for root from {source} port {40100 + i} ssh2"
        for i in range(attempts)
    ]


def user_created(host, name):
    """A new local account: the shipped SigmaHQ rule 'Local User Account Created', tier 1."""
    return f"<86>{syslog_time()} {host} useradd[4242]: new user: name={name}, UID=1001, GID=1001, home=/home/x, shell=/bin/bash"


class Console:
    """The page in headless Chromium."""

    def __init__(self, options, workdir):
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError as error:
            raise SetupMissing(f"Selenium is not installed for {sys.executable} ({error}); run `make .venv`")
        for path in (options.chromium, options.chromedriver):
            if not os.access(path, os.X_OK):
                raise SetupMissing(f"{path} is missing; run `make deps` (Debian packages chromium, chromium-driver)")
        chrome = webdriver.ChromeOptions()
        chrome.binary_location = options.chromium
        for argument in ("--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                         "--no-first-run", "--disable-extensions", "--disable-background-networking",
                         f"--user-data-dir={os.path.join(workdir, 'chromium-profile')}"):
            chrome.add_argument(argument)
        if os.geteuid() == 0:
            chrome.add_argument("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        chrome.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        chrome.unhandled_prompt_behavior = "ignore"
        service = Service(executable_path=options.chromedriver, log_output=os.path.join(workdir, "chromedriver.log"))
        self.driver = webdriver.Chrome(service=service, options=chrome)
        self.workdir = workdir
        self.browser_log = []

    def quit(self):
        try:
            self.driver.quit()
        except Exception:  # noqa: BLE001 - quitting is best effort
            pass

    # -- finding things ------------------------------------------------------------------------

    def css(self, selector):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def one(self, selector):
        found = self.css(selector)
        return found[0] if found else None

    def wait(self, what, condition, timeout=10.0):
        """Polls `condition` until it returns something true; Failure naming `what` after `timeout`."""
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

        deadline = time.monotonic() + timeout
        while True:
            self.check_no_dialog()
            try:
                value = condition()
                if value:
                    return value
            except (StaleElementReferenceException, NoSuchElementException):
                pass
            if time.monotonic() >= deadline:
                raise Failure(f"timed out after {timeout:g} s waiting for {what}\n{self.describe()}")
            time.sleep(0.05)

    def check_no_dialog(self):
        from selenium.common.exceptions import NoAlertPresentException

        try:
            text = self.driver.switch_to.alert.text
        except NoAlertPresentException:
            return
        raise Failure(f"a JavaScript dialog opened ({text!r}): markup from an alert ran as script")

    def describe(self):
        """What the page shows, for failure messages; also saves a screenshot."""
        try:
            shot = os.path.join(self.workdir, f"failure-{int(time.time() * 1000)}.png")
            self.driver.save_screenshot(shot)
            script = """
                const text = (s) => { const n = document.querySelector(s); return n ? n.innerText : '(none)'; };
                return ['status: ' + text('#stream-status'), 'banner: ' + text('#banner'),
                        'T1: ' + text('#queue-1 tbody'), 'T2: ' + text('#queue-2 tbody'), 'T3: ' + text('#queue-3 tbody'),
                        'detail: ' + text('#detail-facts'), 'history: ' + text('#history'),
                        'action error: ' + text('#action-error')].join('\\n');
            """
            return f"page {self.driver.current_url} (screenshot {shot}):\n{self.driver.execute_script(script)}"
        except Exception as error:  # noqa: BLE001 - a description must not hide the failure
            return f"(page not readable: {error})"

    def rows(self, tier, *texts):
        """The rows of queue `tier` whose text has every one of `texts`."""
        return [row for row in self.css(f"#queue-{tier} tr[data-episode-id]") if all(t in row.text for t in texts)]

    def detail_triage(self):
        node = self.one("#detail-triage")
        return node.get_attribute("data-triage") if node and self.one("#detail").is_displayed() else None

    def history(self):
        return [item.text for item in self.css("#history li[data-action]")]

    # -- doing things --------------------------------------------------------------------------

    def open(self, url):
        self.driver.get(url)
        self.ready()

    def ready(self):
        self.wait("the queues (no sign-in on loopback)", lambda: self.one("#app").is_displayed(), timeout=15)
        self.wait("the live stream (#stream-status live)",
                  lambda: self.one("#stream-status").get_attribute("data-status") == "live", timeout=15)

    def select(self, row):
        episode = row.get_attribute("data-episode-id")
        row.click()
        self.wait(f"the detail of episode {episode}",
                  lambda: self.one("#detail").is_displayed() and self.one("#detail").get_attribute("data-episode-id") == episode)
        return episode

    def note(self, text):
        field = self.one("#note")
        field.clear()
        field.send_keys(text)

    def collect_log(self):
        try:
            self.browser_log += self.driver.get_log("browser")
        except Exception:  # noqa: BLE001 - older drivers have no log
            pass


class SetupMissing(Exception):
    """What the test needs is not installed."""


def scenario(options, workdir):
    vigil = Vigil(shlex.split(options.vigil), workdir, options.rules)
    console = None
    try:
        vigil.start()
        console = Console(options, workdir)
        console.open(vigil.url + "/")
        say(f"console open at {vigil.url}/, stream live")

        # 1. Live: the brute force in the tier-2 queue within the limit.
        source = "198.51.100.77"
        sent = time.monotonic()
        vigil.send(brute_force(source))
        row = console.wait(f"the SSH brute force from {source} in #queue-2",
                           lambda: (console.rows(2, "SSH brute force", source) or [None])[0], timeout=max(options.live_timeout, 10))
        took = time.monotonic() - sent
        if took > options.live_timeout:
            raise Failure(f"the brute force showed in #queue-2 after {took:.2f} s, over the {options.live_timeout:g} s limit")
        say(f"brute force in #queue-2 after {took:.2f} s")
        if row.get_attribute("data-triage") != "new":
            raise Failure(f"a fresh episode's triage is {row.get_attribute('data-triage')!r}, not 'new'")

        # 2. Acknowledge, then escalate to tier 3, through the page's buttons.
        episode = console.select(row)
        if console.detail_triage() != "new":
            raise Failure(f"the detail shows triage {console.detail_triage()!r}, not 'new'")
        ack_note = "looking at it <b>now</b>"
        console.note(ack_note)
        console.one("#ack").click()
        console.wait("triage 'acknowledged' in the detail", lambda: console.detail_triage() == "acknowledged")
        console.wait("the acknowledge entry in #history", lambda: console.css("#history li[data-action=acknowledge]"))
        console.wait(f"row {episode} acknowledged in #queue-2",
                     lambda: console.one(f"#queue-2 tr[data-episode-id='{episode}'][data-triage=acknowledged]"))

        from selenium.webdriver.support.ui import Select

        Select(console.one("#escalate-tier")).select_by_value("3")
        escalate_note = "same source hit 40 hosts: incident"
        console.note(escalate_note)
        console.one("#escalate").click()
        console.wait("triage 'escalated' in the detail", lambda: console.detail_triage() == "escalated")
        console.wait(f"row {episode} escalated in #queue-3",
                     lambda: console.one(f"#queue-3 tr[data-episode-id='{episode}'][data-triage=escalated]"))
        if console.css(f"#queue-2 tr[data-episode-id='{episode}']"):
            raise Failure(f"episode {episode} is still in #queue-2 after its escalation to tier 3")
        history = console.wait("two history entries", lambda: len(console.history()) == 2 and console.history())
        expectations = [("acknowledge", "local", "acknowledged", ack_note), ("escalate", "local", "from tier 2 to tier 3", escalate_note)]
        for text, (action, actor, words, note) in zip(history, expectations):
            for expected in (actor, words, note):
                if expected not in text:
                    raise Failure(f"the {action} history entry {text!r} lacks {expected!r}")
        if console.css("#history b, #detail b"):
            raise Failure("a note's <b> became an element")
        say(f"episode {episode} acknowledged and escalated; history: {history}")

        # 3. Alert text is text.
        vigil.send([user_created("xss-a", PAYLOAD), user_created("xss-b", PAYLOAD_FLAG)])
        for host, payload in (("xss-a", PAYLOAD), ("xss-b", PAYLOAD_FLAG)):
            row = console.wait(f"the account creation on {host} in #queue-1",
                               lambda host=host: (console.rows(1, "Local User Account Created", host) or [None])[0])
            console.select(row)
            evidence = console.wait("the evidence in #alerts", lambda: "\n".join(p.text for p in console.css("#alerts pre")))
            if payload not in evidence:
                raise Failure(f"the evidence does not show {payload!r} literally:\n{evidence}")
        if console.css("img"):
            raise Failure(f"the page has {len(console.css('img'))} <img> element(s): alert text became markup")
        time.sleep(0.5)  # an image error handler would have run by now
        console.check_no_dialog()
        if console.driver.execute_script("return window.__xss !== undefined"):
            raise Failure("window.__xss is set: an onerror handler from an alert ran")
        say("markup in alerts shows as text; no element, no script")

        # 4. Restart on the same state directory. The open page reconnects by itself and goes on live;
        # a reload then shows the same triage state and history.
        console.collect_log()
        status = vigil.stop()
        if status != 0:
            raise Failure(f"vigil exited with status {status} on SIGTERM:\n{vigil.log_tail()}")
        say("vigil stopped (SIGTERM, status 0); starting it again on the same state directory")
        console.wait("the page to see the stream go (#stream-status not live)",
                     lambda: console.one("#stream-status").get_attribute("data-status") != "live")
        vigil.start()
        console.wait("the page to reconnect by itself (#stream-status live)",
                     lambda: console.one("#stream-status").get_attribute("data-status") == "live", timeout=30)
        sent = time.monotonic()
        vigil.send(brute_force("198.51.100.78", host="bastion-2"))
        console.wait("a second brute force in #queue-2 after the restart, without a reload",
                     lambda: console.rows(2, "SSH brute force", "198.51.100.78"), timeout=max(options.live_timeout, 10))
        took = time.monotonic() - sent
        if took > options.live_timeout:
            raise Failure(f"after the restart, a brute force showed after {took:.2f} s, over {options.live_timeout:g} s")
        say(f"the page reconnected by itself and is live again ({took:.2f} s)")

        console.collect_log()
        console.driver.refresh()
        console.ready()
        row = console.wait(f"episode {episode} in #queue-3 after the reload",
                           lambda: console.one(f"#queue-3 tr[data-episode-id='{episode}']"))
        if row.get_attribute("data-triage") != "escalated":
            raise Failure(f"after the restart episode {episode} is {row.get_attribute('data-triage')!r}, not 'escalated'")
        console.select(row)
        if console.detail_triage() != "escalated":
            raise Failure(f"after the restart the detail shows triage {console.detail_triage()!r}")
        after = console.wait("the history after the restart", lambda: console.history())
        if after != history:
            raise Failure(f"the history changed across the restart:\nbefore: {history}\nafter:  {after}")
        if not console.rows(2, "SSH brute force", "198.51.100.78"):
            raise Failure("after the reload the second brute force is not in #queue-2")
        say("after the restart and a reload: same triage state and history")

        # 5. The browser's own log.
        console.collect_log()
        problems = [entry["message"] for entry in console.browser_log
                    if "Content Security Policy" in entry["message"] or "Uncaught" in entry["message"]
                    or "/x " in entry["message"] or entry["message"].endswith("/x")]
        if problems:
            raise Failure("the browser logged CSP violations or script errors:\n" + "\n".join(problems))
        status = vigil.stop()
        if status != 0:
            raise Failure(f"vigil exited with status {status} on SIGTERM:\n{vigil.log_tail()}")
        say("PASS")
    finally:
        if console:
            console.quit()
        vigil.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vigil", default=os.path.join(ROOT, ".build/debug/vigil"),
                        help="the vigil binary, or a command taking `run` and its arguments (default: %(default)s)")
    parser.add_argument("--rules", default="rules/sigma", help="--rules for vigil run, from the repository root")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--live-timeout", type=float, default=2.0, help="seconds an alert may take to show (default 2)")
    parser.add_argument("--workdir", help="where the state, logs and screenshots go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args()
    # Started from a test's thread, this process may inherit a mask that blocks SIGTERM; vigil must not.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    workdir = options.workdir or tempfile.mkdtemp(prefix="vigil-console-")
    os.makedirs(workdir, exist_ok=True)
    status = 0
    try:
        scenario(options, workdir)
    except SetupMissing as missing:
        print(f"console_test: SETUP: {missing}", file=sys.stderr, flush=True)
        status = 2
    except Failure as failure:
        print(f"console_test: FAIL: {failure}", file=sys.stderr, flush=True)
        status = 1
    except Exception as error:  # noqa: BLE001 - anything else is a failure too, with its trace
        import traceback

        traceback.print_exc()
        print(f"console_test: FAIL: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        status = 1
    if options.keep or status != 0:
        print(f"console_test: logs and screenshots in {workdir}", file=sys.stderr, flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
