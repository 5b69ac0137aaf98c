#!/usr/bin/env python3
"""Writes samples/cron.log: the hourly cron run (/etc/cron.hourly at 17 past, as Debian's /etc/crontab
schedules it) of the 20 hosts of samples/auth.log on 1 March, as cron logs it to auth.log, plus
backup-01, which runs its jobs until 13:17 and then goes quiet (the host the shipped host_silent rule
is there to notice). Run from the repository root: python3 samples/make-cron.py"""

HOSTS = ([f"web-{i:02d}" for i in range(1, 9)] + [f"db-{i:02d}" for i in range(1, 4)]
         + ["bastion-01", "bastion-02", "mail-01"] + [f"ci-{i:02d}" for i in range(1, 4)]
         + [f"k8s-node-{i:02d}" for i in range(1, 4)])
QUIET_HOST, LAST_HOUR = "backup-01", 13

with open("samples/cron.log", "w") as out:
    pids = {host: 40000 + 1000 * i for i, host in enumerate(HOSTS + [QUIET_HOST])}
    for hour in range(24):
        for host in HOSTS + [QUIET_HOST]:
            if host == QUIET_HOST and hour > LAST_HOUR:
                continue
            pids[host] += 7
            pid, stamp = pids[host], f"Mar  1 {hour:02d}:17:01"
            out.write(f"{stamp} {host} CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)\n")
            out.write(f"{stamp} {host} CRON[{pid}]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)\n")
            out.write(f"{stamp} {host} CRON[{pid}]: pam_unix(cron:session): session closed for user root\n")
