# SPDX-License-Identifier: BSD-3-Clause
"""The browser rows (issue 12): from the click on Approve in a real browser to the session, with
tmdb-login as the PAM host. Each run starts tmdb-login (login/tmdb-login) with
tests/browser/tmdb_browser.py as $BROWSER: headless Chromium opens the stand-in's approval
page, signs in as alice and clicks Approve, noting time.monotonic() just before the click
(CLOCK_MONOTONIC, the same clock as ours). The run's time is from that click to the moment
tmdb-login's session line (--format json) reaches us: authenticate's PAM_SUCCESS, then
acct_mgmt and the print, so a little more than the bare PAM_SUCCESS.

The modes:
  return  allow_return_to=yes: the browser is sent back to tmdb-login's loopback listener,
          which lets the login go on at once (tmdb-login's own poll timer set out of the race)
  poll    the module's own polling (approval=poll, the default poll_interval of 5 s), no
          return address (tmdb-login --no-listen): for comparison

The stand-in here is a second one, without --auto-approve (the rig's approves every token at
once, which would leave nothing for the browser to do). Its API requests per login (token/new,
the session/new tries, account twice: authenticate and acct_mgmt) are counted from its request
log, reset before every run (paths under /3/ and /4/ only: the browser's favicon.ico is
logged too).
"""

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .common import API_KEY, USER, BenchError, summarize

BROWSER_SCRIPT = Path(__file__).resolve().parents[2] / "tests" / "browser" / "tmdb_browser.py"
CHROMIUM = os.environ.get("TMDB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TMDB_CHROMEDRIVER", "/usr/bin/chromedriver")
PASSWORD = "alicepw"      # the stand-in's default account alice (tests/standin/README.md)
MODES = {
    "return": ({"allow_return_to": "yes"}, ["--poll-interval", "3600"]),
    "poll": ({"approval": "poll", "allow_return_to": "no"}, ["--no-listen"]),
}


def available(builddir):
    """Why the browser rows cannot run here, or None."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        return "chromium or chromedriver missing"
    if importlib.util.find_spec("selenium") is None:
        return "python3-selenium missing"
    if not os.access(builddir / "login" / "tmdb-login", os.X_OK):
        return "login/tmdb-login not built"
    return None


class BrowserBench:
    """Gets the rig as an object (the stand-in module, TLS material, service dir) and adds its
    own stand-in and two services to it."""

    def __init__(self, rig):
        self.rig = rig
        self.dir = rig.dir / "browser"
        self.dir.mkdir()
        self.login = str(rig.builddir / "login" / "tmdb-login")
        self.s = rig.standin_mod.Standin(tls=rig.tls, workdir=self.dir / "standin",
                                         args=["--quiet"])
        user_map = rig.pamhost.write_private(self.dir / "pam_tmdb.users", "%s %s\n" % (USER, USER))
        common = {"api_key": API_KEY, "api_url": self.s.url, "cafile": self.s.cafile,
                  "user_map": user_map, "cache_dir": "none", "state_dir": "none"}
        for mode, (keys, _) in MODES.items():
            conf = self.dir / ("pam_tmdb-browser-%s.conf" % mode)
            rig.pamhost.write_private(conf, "".join(
                "%s = %s\n" % kv for kv in dict(common, **keys).items()))
            rig.pamhost.write_service(str(rig.svcdir), self.service(mode), [
                "auth required %s conf=%s" % (rig.module, conf),
                "account required %s conf=%s" % (rig.module, conf)])
        self.spki = rig.standin_mod.spki_of(rig.tls.server_cert)

    @staticmethod
    def service(mode):
        return "tmdb-browser-" + mode

    def close(self):
        self.s.stop()

    def _env(self, log):
        env = {k: v for k, v in os.environ.items()
               if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")
               and not k.startswith("TMDB_BROWSER_")}
        env.update({
            # tmdb-login opens a browser only for a desktop session; headless Chromium needs none
            "DISPLAY": ":tmdb-bench",
            "BROWSER": "%s '%s'" % (sys.executable, BROWSER_SCRIPT),
            "TMDB_BROWSER_USER": USER, "TMDB_BROWSER_PASSWORD": PASSWORD,
            "TMDB_BROWSER_ACTION": "approve", "TMDB_BROWSER_LOG": str(log),
            "TMDB_BROWSER_SPKI": self.spki,
        })
        return env

    def _browser_record(self, log, timeout=120):
        """The browser runs detached from tmdb-login and may still be quitting Chromium."""
        deadline = time.monotonic() + timeout
        while not (log.exists() and log.read_text().endswith("\n")):
            if time.monotonic() > deadline:
                raise BenchError("browser row: the browser wrote no log line")
            time.sleep(0.05)
        return json.loads(log.read_text().splitlines()[-1])

    def one(self, mode, i):
        """(seconds from the Approve click to the session line, API requests of the login)."""
        log = self.dir / ("browser-%s-%d.jsonl" % (mode, i))
        self.s.reset()
        cmd = [self.login, "--confdir", str(self.rig.svcdir), "--service", self.service(mode),
               "--user", USER, "--format", "json"] + MODES[mode][1]
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=self._env(log))
        line = p.stdout.readline()
        got = time.monotonic()
        out, err = p.communicate(timeout=300)
        rec = self._browser_record(log)
        if p.returncode != 0 or not line.strip():
            raise BenchError("browser row (%s): tmdb-login exited %d\n%s\nbrowser: %s" % (
                mode, p.returncode, err.decode("utf-8", "replace"), rec))
        if "TMDB_SESSION_ID" not in json.loads(line) or not rec.get("ok"):
            raise BenchError("browser row (%s): no session or the browser failed: %s" % (mode, rec))
        # the module's API requests; the stand-in also logs what the browser asks of it
        # that is not a page of its own (favicon.ico)
        requests = sum(1 for q in self.s.requests() if q["path"].startswith(("/3/", "/4/")))
        self.s.revoke(all=True)   # leave no session behind (--format keeps it alive)
        return got - rec["click_monotonic"], requests

    def measure(self, mode, n):
        """n logins of mode: summarize() of the times, plus the request counts."""
        times, counts = [], []
        for i in range(n):
            dt, req = self.one(mode, i)
            times.append(dt)
            counts.append(req)
        res = summarize(times)
        res["requests"] = summarize(counts)
        return res

