#!/usr/bin/env python3
"""Writes samples/web.log and samples/ufw.log: hand-written line patterns for the demo, expanded
deterministically (nginx access lines sent to syslog, with one scanner hammering 404s; UFW blocks
with one host sweeping ports). Run from the repository root: python3 samples/make-web-ufw.py"""
import random

rng = random.Random(42)
paths_ok = ["/", "/index.html", "/about", "/blog/2024/03/hello", "/static/app.js", "/static/site.css", "/api/v1/items"]
paths_scan = ["/wp-login.php", "/.env", "/phpmyadmin/", "/admin/config.php", "/.git/config", "/cgi-bin/luci",
              "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/xmlrpc.php", "/actuator/env", "/boaform/admin/formLogin"]
agents = ["Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
          "curl/8.5.0"]
scanner, sweeper = "198.51.100.23", "203.0.113.250"

def stamp(second):
    h, m, s = second // 3600, second // 60 % 60, second % 60
    return f"Mar  1 {h:02d}:{m:02d}:{s:02d}", f"01/Mar/2026:{h:02d}:{m:02d}:{s:02d} +0000"

with open("samples/web.log", "w") as out:
    second = 36000
    for i in range(600):
        second += rng.randint(0, 3)
        syslog_time, clf_time = stamp(second)
        if 200 <= i < 260:
            ip, path, status, agent = scanner, rng.choice(paths_scan), 404, "Mozilla/5.0 zgrab/0.x"
        else:
            ip = f"192.0.2.{rng.randint(2, 250)}"
            path, status, agent = rng.choice(paths_ok), rng.choice([200, 200, 200, 304, 404]), rng.choice(agents)
        size = 0 if status == 304 else rng.randint(200, 40000)
        out.write(f'{syslog_time} web-01 nginx: {ip} - - [{clf_time}] "GET {path} HTTP/1.1" {status} {size} "-" "{agent}"\n')

with open("samples/ufw.log", "w") as out:
    second = 36000
    for i in range(400):
        second += rng.randint(0, 2)
        syslog_time, _ = stamp(second)
        if 100 <= i < 180:
            src, port = sweeper, 20 + (i - 100) * 7
        else:
            src, port = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", rng.choice([22, 23, 445, 3389, 8080, 5900])
        out.write(f"{syslog_time} bastion-01 kernel: [{second * 1.000173:.6f}] [UFW BLOCK] IN=eth0 OUT= "
                  f"MAC=52:54:00:12:34:56:fe:54:00:ab:cd:ef:08:00 SRC={src} DST=203.0.113.10 LEN=44 TOS=0x00 PREC=0x00 "
                  f"TTL={rng.randint(30, 250)} ID={rng.randint(1, 65535)} PROTO=TCP SPT={rng.randint(1024, 65535)} DPT={port} "
                  f"WINDOW=1024 RES=0x00 SYN URGP=0\n")
