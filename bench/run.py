#!/usr/bin/python3
"""pam_tmdb benchmark (issue #6): what does the module add to the cost of its HTTP requests?

One command runs everything against a private tmdb-standin over HTTPS on loopback (TLS material
made at run time) and prints one Markdown table; see bench/README.md for what each row means.

    /usr/bin/python3 bench/run.py --builddir BUILD [--quick] [--out FILE] [--json FILE]

Python standard library only; uses tests/e2e/standin.py and tests/e2e/pamhost.py.
Exit status: 0 when every run succeeded and every request/connection count was as expected,
1 when a count or a run was wrong, 2 on a usage or set-up error. Timing is never asserted.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRCDIR = Path(__file__).resolve().parents[1]
sys.dont_write_bytecode = True  # nothing written into the source tree (tests/e2e/__pycache__)
sys.path.insert(0, str(SRCDIR / "tests" / "e2e"))

API_KEY = "standin-api-key"
USER = "alice"            # a default stand-in account (id 1001)
TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
ACCOUNT = "/3/account"

MIB = 1024


class BenchError(RuntimeError):
    """A run failed or a count was wrong: reported, and the exit status becomes 1."""


# --------------------------------------------------------------------------------------------
# small helpers


def fmt_ms(s):
    return "%.2f ms" % (s * 1000.0) if s < 1.0 else "%.3f s" % s


def fmt_range(lo, hi, fmt):
    return "%s – %s" % (fmt(lo), fmt(hi))


def fmt_int(n):
    return "{:,}".format(int(n))


def fmt_kib(kb):
    return "%.1f MiB" % (kb / 1024.0)


def summarize(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "n": len(samples)}




def _loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def stats_delta(before, after):
    """Per-run counts from two /_standin/stats snapshots."""
    return {"requests": after["total_requests"] - before["total_requests"],
            "connections": after["connections"] - before["connections"],
            "tls_connections": after["tls_connections"] - before["tls_connections"]}


# --------------------------------------------------------------------------------------------
# the benchmark


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.builddir = Path(args.builddir).resolve()
        os.environ["TMDB_BUILDDIR"] = str(self.builddir)
        # never go through a proxy from the caller's environment (curl would honour it)
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                    "all_proxy"):
            os.environ.pop(var, None)
        import pamhost
        import standin
        self.pamhost = pamhost
        self.standin_mod = standin
        self.host = pamhost.host_binary()
        self.module = str(self.builddir / "module" / ".libs" / "pam_tmdb.so")
        for p in (self.host, self.module, str(standin.standin_binary())):
            if not os.path.isfile(p):
                raise SystemExit("bench: %s not found: run `make` in the build directory first" % p)
        self.runs = args.runs or (5 if self.quick else 30)
        self.warmup = args.warmup if args.warmup is not None else (1 if self.quick else 3)
        self.repeat = 1000 if self.quick else 10000
        self.thread_repeat = 5 if self.quick else 100
        self.threads = 32
        self.hung_runs = 1 if self.quick else 3
        self.cg_runs = 1 if self.quick else 3
        self.rss_runs = 3 if self.quick else 10
        self.curl = shutil.which("curl")
        self.pamtester = pamhost.pamtester_binary()
        self.pam_wrapper = pamhost.pam_wrapper_library()
        self.valgrind = shutil.which("valgrind")
        self.annotate = shutil.which("callgrind_annotate")
        self.time_bin = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
        self.errors = []
        self.rows = []        # (id, label, median, range, n, ratio, target, met)
        self.results = {}     # machine-readable, for --json
        self.notes = []
        self.extra_sections = []
        self.load_start = _loadavg()

    # ---- set-up ---------------------------------------------------------------------------

    def setup(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pam_tmdb-bench-")
        d = Path(self.tmp.name)
        self.dir = d
        t0 = time.monotonic()
        self.tls = self.standin_mod.make_tls(d / "tls")
        self.s = self.standin_mod.Standin(tls=self.tls, workdir=d / "standin",
                                          args=["--auto-approve", USER, "--quiet"])
        self.cafile = self.s.cafile
        self.svcdir = d / "pam.d"
        self.cache_dir = d / "cache"
        self.cache_dir.mkdir(mode=0o700)
        os.chmod(self.cache_dir, 0o700)
        base = {"api_key": API_KEY, "api_url": self.s.url, "cafile": self.cafile,
                "approval": "poll"}
        self.confs = {
            "full": dict(base, cache_dir="none"),
            "cached": dict(base, cache_dir=str(self.cache_dir)),
            "hung": dict(base, cache_dir="none"),
        }
        if self.quick:
            self.confs["hung"].update(timeout="2", connect_timeout="1")
        self.hung_budget = float(self.confs["hung"].get("timeout", 10))
        for name, conf in self.confs.items():
            path = d / ("pam_tmdb-%s.conf" % name)
            self.pamhost.write_private(path, "".join("%s = %s\n" % kv for kv in conf.items()))
            self.pamhost.write_service(str(self.svcdir), "tmdb-" + name,
                                       ["auth required %s conf=%s" % (self.module, path)])
        self.pamhost.write_service(str(self.svcdir), "permit",
                                   ["auth required %s"
                                    % self.pamhost.security_module("pam_permit.so")])
        self.setup_seconds = time.monotonic() - t0

    def teardown(self):
        try:
            self.s.stop()
        finally:
            self.tmp.cleanup()

    # ---- commands -------------------------------------------------------------------------

    def host_cmd(self, service, extra=()):
        return [self.host, "--confdir", str(self.svcdir), "--service", service,
                "--user", USER] + list(extra) + ["--", "authenticate"]

    def pamtester_cmd(self, service):
        return [self.pamtester, service, USER, "authenticate"]

    def pamtester_env(self):
        env = dict(os.environ)
        env.update(self.pamhost.pam_wrapper_env(str(self.svcdir)))
        return env

    def curl_segment(self, url, body=None):
        seg = ["--silent", "--show-error", "--fail", "--noproxy", "*", "--cacert", self.cafile,
               "--output", "/dev/null", "-H", "Accept: application/json"]
        if body is not None:
            seg += ["-H", "Content-Type: application/json;charset=utf-8", "--data-raw", body]
        return seg + [url]

    def curl3_cmd(self, token, session_id):
        """The module's three requests, one curl process, one connection (--next)."""
        u = self.s.url
        return ([self.curl, "-q"]
                + self.curl_segment("%s%s?api_key=%s" % (u, TOKEN_NEW, API_KEY)) + ["--next"]
                + self.curl_segment("%s%s?api_key=%s" % (u, SESSION_NEW, API_KEY),
                                    body=json.dumps({"request_token": token})) + ["--next"]
                + self.curl_segment("%s%s?api_key=%s&session_id=%s"
                                    % (u, ACCOUNT, API_KEY, session_id)))

    def curl1_cmd(self, session_id):
        return [self.curl, "-q"] + self.curl_segment(
            "%s%s?api_key=%s&session_id=%s" % (self.s.url, ACCOUNT, API_KEY, session_id))

    def curl3_prepare(self):
        """An approved token (the stand-in runs with --auto-approve) and a live session, made
        outside the timed region, so that one curl command line can carry all 3 requests."""
        status, _, data = self.s.api("GET", TOKEN_NEW)
        if status != 200:
            raise BenchError("curl floor set-up: token/new answered %d" % status)
        sid = self.s.new_session(USER)
        return self.curl3_cmd(data["request_token"], sid)

    # ---- timing ---------------------------------------------------------------------------

    def timed(self, jobs, runs=None, warmup=None):
        """Wall time of fresh processes. jobs: list of dicts with key, cmd (or prepare: a
        function returning the command, run outside the timed region), env, expect
        ({"requests": R, "connections": C}, checked on every run, warm-up included).
        The jobs are interleaved round-robin (one run of each per round, in a shifted order
        each round), so that drifts of a noisy machine hit every row alike."""
        runs = runs or self.runs
        warmup = self.warmup if warmup is None else warmup
        samples = {j["key"]: [] for j in jobs}
        counts = {j["key"]: [] for j in jobs}
        for rnd in range(warmup + runs):
            order = jobs[rnd % len(jobs):] + jobs[:rnd % len(jobs)]
            for j in order:
                key, env, expect = j["key"], j.get("env"), j.get("expect")
                c = j["prepare"]() if j.get("prepare") else j["cmd"]
                before = self.s.stats() if expect else None
                t0 = time.perf_counter()
                p = subprocess.run(c, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=env)
                dt = time.perf_counter() - t0
                if p.returncode != 0:
                    again = subprocess.run(c, stdin=subprocess.DEVNULL, capture_output=True,
                                           text=True, env=env, errors="replace")
                    raise BenchError("%s: run %d exited %d\n%s\n%s" % (
                        key, rnd, p.returncode, again.stdout[-2000:], again.stderr[-2000:]))
                if expect:
                    delta = stats_delta(before, self.s.stats())
                    counts[key].append(delta)
                    for k, v in expect.items():
                        if delta[k] != v:
                            self.errors.append("%s: run %d: %d %s, expected %d"
                                               % (key, rnd, delta[k], k, v))
                if rnd >= warmup:
                    samples[key].append(dt)
        out = {}
        for j in jobs:
            key, expect = j["key"], j.get("expect")
            res = summarize(samples[key])
            if counts[key]:
                res["counts"] = counts[key][-1]
                res["counts_ok"] = all(all(c[k] == v for k, v in expect.items())
                                       for c in counts[key])
            self.results[key] = res
            out[key] = res
        return out

    def peak_rss(self, key, cmd, env=None, prepare=None):
        """Peak RSS (kB) of a fresh process, from /usr/bin/time (GNU time %M): the same
        measure for the host and for curl."""
        if not self.time_bin:
            return None
        vals = []
        out = self.dir / "time.out"
        for _ in range(self.rss_runs):
            c = prepare() if prepare else cmd
            p = subprocess.run([self.time_bin, "-f", "%M", "-o", str(out)] + c,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
            if p.returncode != 0:
                raise BenchError("%s: exited %d under /usr/bin/time" % (key, p.returncode))
            vals.append(int(out.read_text().split()[-1]))
        res = summarize(vals)
        self.results[key] = res
        return res

    # ---- rows -----------------------------------------------------------------------------

    def row(self, rid, label, median="", rng="", n="", ratio="", target="", met=""):
        self.rows.append((rid, label, median, rng, n, ratio, target, met))

    def time_row(self, rid, label, res, floor=None, target=None, counts=None):
        ratio = ""
        met = ""
        if floor:
            r = res["median"] / floor
            ratio = "%.2f×" % r
            res["ratio"] = r
            spawn = self.results.get("spawn_true", {}).get("median")
            if spawn and floor > spawn:
                # the floor holds two process start-ups, the measured row one
                res["ratio_one_spawn"] = res["median"] / (floor - spawn)
                ratio += " (%.2f× one spawn)" % res["ratio_one_spawn"]
            if target is not None:
                met = "yes" if r <= target else "**no**"
        tgt = "≤ %.2f× floor" % target if target is not None else ""
        lbl = label + (" · %d req / %d conn" % (counts["requests"], counts["connections"])
                       if counts else "")
        self.row(rid, lbl, fmt_ms(res["median"]), fmt_range(res["min"], res["max"], fmt_ms),
                 str(res["n"]), ratio, tgt, met)

    def run_all(self):
        s = self.s
        fresh = {"requests": 3, "connections": 1}
        one = {"requests": 1, "connections": 1}

        if not self.curl:
            raise SystemExit("bench: curl not found (needed for the HTTP floor)")
        have_pt = bool(self.pamtester and self.pam_wrapper)

        # 4 needs one approval beforehand: the cache then holds alice's session
        for f in self.cache_dir.iterdir():
            f.unlink()
        before = s.stats()
        p = subprocess.run(self.host_cmd("tmdb-cached"), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True)
        d = stats_delta(before, s.stats())
        if p.returncode != 0 or not (self.cache_dir / USER).exists():
            raise BenchError("cached flow: the priming authentication failed:\n" + p.stdout)
        if d["requests"] != 3 or d["connections"] != 1:
            self.errors.append("cached flow priming: %(requests)d requests, %(connections)d "
                               "connections, expected 3/1" % d)
        sid = s.new_session(USER)   # for the 1-request HTTP floor

        jobs = [
            # process start-up as this harness sees it: included in every wall-time row
            {"key": "spawn_true", "cmd": ["/bin/true"]},
            # 1. PAM floor
            {"key": "pam_floor_host", "cmd": self.host_cmd("permit"),
             "expect": {"requests": 0, "connections": 0}},
            # 2. HTTP floor
            {"key": "http_floor_3", "prepare": self.curl3_prepare, "expect": fresh},
            {"key": "http_floor_1", "cmd": self.curl1_cmd(sid), "expect": one},
            # 3. full approve flow, 4. cached session
            {"key": "full", "cmd": self.host_cmd("tmdb-full"), "expect": fresh},
            {"key": "cached", "cmd": self.host_cmd("tmdb-cached"), "expect": one},
        ]
        if have_pt:
            ptenv = self.pamtester_env()
            jobs += [{"key": "pam_floor_pamtester", "cmd": self.pamtester_cmd("permit"),
                      "env": ptenv},
                     {"key": "full_pamtester", "cmd": self.pamtester_cmd("tmdb-full"),
                      "env": ptenv, "expect": fresh},
                     {"key": "cached_pamtester", "cmd": self.pamtester_cmd("tmdb-cached"),
                      "env": ptenv, "expect": one}]
        R = self.timed(jobs)

        spawn = R["spawn_true"]
        self.row("0", "process spawn+wait overhead of this harness (`/bin/true`), in every row",
                 fmt_ms(spawn["median"]), fmt_range(spawn["min"], spawn["max"], fmt_ms),
                 str(spawn["n"]))
        pam_floor = R["pam_floor_host"]
        self.time_row("1a", "PAM floor: tmdb-host + pam_permit", pam_floor)
        pt = R.get("pam_floor_pamtester")
        if pt:
            self.time_row("1b", "PAM floor: pamtester + pam_permit (pam_wrapper)", pt)
        else:
            self.row("1b", "PAM floor: pamtester + pam_permit", "n/a (pamtester or "
                     "libpam_wrapper missing)")
        http3, http1 = R["http_floor_3"], R["http_floor_1"]
        self.time_row("2a", "HTTP floor: one curl, token/new + session/new + account, 1 conn",
                      http3, counts=http3["counts"])
        self.time_row("2b", "HTTP floor, 1 request: one curl, GET account", http1,
                      counts=http1["counts"])
        floor_full = pam_floor["median"] + http3["median"]
        floor_cached = pam_floor["median"] + http1["median"]
        self.results["floor_full"] = floor_full
        self.results["floor_cached"] = floor_cached
        self.row("F", "floor, full flow = 1a + 2a", fmt_ms(floor_full))
        self.row("F1", "floor, cached flow = 1a + 2b", fmt_ms(floor_cached))
        full = R["full"]
        self.time_row("3", "full approve flow: tmdb-host + pam_tmdb (poll, auto-approved, "
                      "no cache)", full, floor_full, 1.10, full["counts"])
        if pt:
            ptf = R["full_pamtester"]
            self.time_row("3b", "full approve flow under pamtester (floor 1b + 2a; pamtester, "
                          "unlike tmdb-host, does not load libcurl itself)",
                          ptf, pt["median"] + http3["median"], 1.10, ptf["counts"])
        cached = R["cached"]
        self.time_row("4", "cached session: tmdb-host + pam_tmdb (silent reuse)", cached,
                      floor_cached, 1.05, cached["counts"])
        if pt:
            ptc = R["cached_pamtester"]
            self.time_row("4b", "cached session under pamtester (floor 1b + 2b)", ptc,
                          pt["median"] + http1["median"], 1.05, ptc["counts"])

        # 7. requests and connections per authentication (checked on every run above)
        for key, rid, label, exp in (("full", "7a", "requests / TCP+TLS connections per fresh "
                                      "authentication (every run)", fresh),
                                     ("cached", "7b", "requests / connections per cached "
                                      "authentication (every run)", one)):
            r = self.results[key]
            c = r["counts"]
            self.row(rid, label, "%d / %d" % (c["requests"], c["connections"]), "", "", "",
                     "%d / %d" % (exp["requests"], exp["connections"]),
                     "yes" if r["counts_ok"] else "**no**")

        # 8. peak RSS
        if self.time_bin:
            rss_permit = self.peak_rss("rss_permit", self.host_cmd("permit"))
            rss_full = self.peak_rss("rss_full", self.host_cmd("tmdb-full"))
            rss_cached = self.peak_rss("rss_cached", self.host_cmd("tmdb-cached"))
            rss_curl = self.peak_rss("rss_curl", None, prepare=self.curl3_prepare)
            limit = rss_curl["median"] + 2 * MIB
            rr = lambda r: fmt_range(r["min"], r["max"], fmt_kib)  # noqa: E731
            self.row("8a", "peak RSS: tmdb-host + pam_permit", fmt_kib(rss_permit["median"]),
                     rr(rss_permit), str(rss_permit["n"]))
            self.row("8b", "peak RSS: curl, 3 requests", fmt_kib(rss_curl["median"]),
                     rr(rss_curl), str(rss_curl["n"]))
            for rid, lbl, r in (("8c", "peak RSS: tmdb-host + pam_tmdb, full flow", rss_full),
                                ("8d", "peak RSS: tmdb-host + pam_tmdb, cached", rss_cached)):
                self.row(rid, lbl + " (+%s over pam_permit)"
                         % fmt_kib(r["median"] - rss_permit["median"]),
                         fmt_kib(r["median"]), rr(r), str(r["n"]),
                         "%+.1f MiB vs curl" % ((r["median"] - rss_curl["median"]) / 1024.0),
                         "≤ curl + 2 MiB", "yes" if r["median"] <= limit else "**no**")
        else:
            self.row("8", "peak RSS", "n/a (/usr/bin/time missing)")

        # 9. time to give up on a hung server
        self.hung()

        # callgrind
        if self.valgrind and self.annotate and not self.args.no_callgrind:
            self.callgrind()
        else:
            self.row("CG", "callgrind", "skipped")

        # 5. long-lived host, 6. threads (last: they leave thousands of sessions behind)
        self.long_lived()
        self.long_lived_permit()
        self.threaded()

    def hung(self):
        s = self.s
        budget = self.hung_budget
        delay = int((budget + 5) * 1000)
        samples = []
        for i in range(self.hung_runs):
            s.reset()
            s.fault(TOKEN_NEW, delay_ms=delay, count=1)
            t0 = time.perf_counter()
            r = self.pamhost.run_host(str(self.svcdir), "tmdb-hung", USER, "authenticate",
                                      timeout=budget * 3 + 30)
            dt = time.perf_counter() - t0
            names = r.ops.get("authenticate", [])
            if names != ["PAM_AUTHINFO_UNAVAIL"]:
                self.errors.append("hung server: authenticate returned %s, expected "
                                   "PAM_AUTHINFO_UNAVAIL" % names)
            samples.append(dt)
        s.reset()
        res = summarize(samples)
        self.results["hung"] = dict(res, budget=budget)
        err = res["median"] / budget - 1.0
        self.row("9", "give up on a hung server (token/new delayed %d ms; timeout=%g s%s)"
                 % (delay, budget, ", the default" if budget == 10 else ", quick mode"),
                 fmt_ms(res["median"]), fmt_range(res["min"], res["max"], fmt_ms),
                 str(res["n"]), "%+.1f%% vs budget" % (err * 100), "budget ±10%",
                 "yes" if abs(err) <= 0.10 else "**no**")

    def long_lived(self):
        s = self.s
        n = self.repeat
        before = s.stats()
        r = self.pamhost.run_host(str(self.svcdir), "tmdb-full", USER, "authenticate",
                                  extra=["--repeat", str(n)], timeout=n * 0.5 + 120)
        d = stats_delta(before, s.stats())
        summ = r.summary
        if r.rc != 0 or not summ or summ["ok"] != n:
            raise BenchError("long-lived host: %s" % r.dump()[-3000:])
        # pooled libcurl handles (module/curl_pool.c) keep one connection for the whole run
        if d["requests"] != 3 * n or not 1 <= d["connections"] <= 2:
            self.errors.append("long-lived host: %d requests / %d connections for %d "
                               "transactions, expected %d / 1"
                               % (d["requests"], d["connections"], n, 3 * n))
        tps = n / summ["seconds"]
        rss = summ["rss_kb_at"]
        lo, hi = str(n // 10), str(n)
        growth = rss[hi] - rss[lo]
        self.results["long_lived"] = {"transactions": n, "seconds": summ["seconds"],
                                      "tps": tps, "rss_kb_at": rss, "growth_kb": growth,
                                      "counts": d}
        self.row("5a", "long-lived host: %s sequential full-flow transactions in one process"
                 % fmt_int(n), "%.0f txn/s" % tps, "%.2f ms/txn" % (summ["seconds"] / n * 1000),
                 "1", "", "", "")
        self.row("5b", "long-lived host: RSS after %s → %s transactions (1: %s, 100: %s)"
                 % (fmt_int(int(lo)), fmt_int(n), fmt_kib(rss["1"]), fmt_kib(rss["100"])),
                 "%+d kB" % growth, "%s → %s" % (fmt_kib(rss[lo]), fmt_kib(rss[hi])), "1", "",
                 "0 kB growth", "yes" if growth <= 0 else "**no**")
        self.row("5c", "long-lived host: requests / connections per transaction",
                 "%.2f / %.2f" % (d["requests"] / n, d["connections"] / n), "", "", "",
                 "3 / ≤ 1", "yes" if d["requests"] == 3 * n and d["connections"] <= n else
                 "**no**")

    def long_lived_permit(self):
        """The same loop with pam_permit: what the host and libpam alone do to RSS."""
        n = self.repeat
        r = self.pamhost.run_host(str(self.svcdir), "permit", USER, "authenticate",
                                  extra=["--repeat", str(n)], timeout=n * 0.1 + 60)
        summ = r.summary
        if r.rc != 0 or not summ or summ["ok"] != n:
            raise BenchError("long-lived host with pam_permit: %s" % r.dump()[-3000:])
        rss = summ["rss_kb_at"]
        lo, hi = str(n // 10), str(n)
        growth = rss[hi] - rss[lo]
        self.results["long_lived_permit"] = {"transactions": n, "seconds": summ["seconds"],
                                             "rss_kb_at": rss, "growth_kb": growth}
        self.row("5d", "control: the same %s transactions with pam_permit: RSS %s → %s"
                 % (fmt_int(n), fmt_int(int(lo)), fmt_int(n)), "%+d kB" % growth,
                 "%s → %s" % (fmt_kib(rss[lo]), fmt_kib(rss[hi])), "1",
                 "%.0f txn/s" % (n / summ["seconds"]), "", "")

    def threaded(self):
        s = self.s
        t, n = self.threads, self.thread_repeat
        total = t * n
        before = s.stats()
        r = self.pamhost.run_host(str(self.svcdir), "tmdb-full", USER, "authenticate",
                                  extra=["--threads", str(t), "--repeat", str(n)],
                                  timeout=total * 0.5 + 120)
        d = stats_delta(before, s.stats())
        summ = r.summary
        if r.rc != 0 or not summ or summ["ok"] != total:
            raise BenchError("threaded host: %s" % r.dump()[-3000:])
        # at most one pooled connection per thread that ran at the same time
        if d["requests"] != 3 * total or not 1 <= d["connections"] <= t:
            self.errors.append("threaded host: %d requests / %d connections for %d "
                               "transactions, expected %d / at most %d"
                               % (d["requests"], d["connections"], total, 3 * total, t))
        if summ.get("distinct_sessions") != total:
            self.errors.append("threaded host: %s distinct sessions for %d transactions"
                               % (summ.get("distinct_sessions"), total))
        tps = total / summ["seconds"]
        self.results["threads"] = {"threads": t, "repeat": n, "seconds": summ["seconds"],
                                   "tps": tps, "counts": d}
        seq = self.results.get("long_lived", {}).get("tps")
        self.row("6", "%d threads in one host × %d full-flow transactions each (%d cores)"
                 % (t, n, os.cpu_count() or 0), "%.0f txn/s" % tps,
                 "%.3f s for %s txn" % (summ["seconds"], fmt_int(total)), "1",
                 "%.2f× sequential (5a)" % (tps / seq) if seq else "", "", "")

    # ---- callgrind ------------------------------------------------------------------------

    def _callgrind(self, cmd, out, extra=(), env=None, prepare=None):
        c = prepare() if prepare else cmd
        p = subprocess.run([self.valgrind, "--tool=callgrind", "--callgrind-out-file=" + str(out)]
                           + list(extra) + c, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        if p.returncode != 0:
            raise BenchError("callgrind %s: exit %d\n%s" % (c[0], p.returncode, p.stderr[-2000:]))

    def _annotate(self, out, inclusive=False):
        args = [self.annotate, "--threshold=100"]
        if inclusive:
            args.append("--inclusive=yes")
        text = subprocess.run(args + [str(out)], capture_output=True, text=True,
                              check=True).stdout
        total = None
        funcs = []
        for line in text.splitlines():
            m = re.match(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(.*)$", line)
            if not m:
                continue
            ir = int(m.group(1).replace(",", ""))
            name = m.group(2).strip()
            if name.startswith("PROGRAM TOTALS"):
                total = ir
            elif name:
                funcs.append((ir, name))
        return total, funcs

    @staticmethod
    def _short(name):
        """'./malloc/malloc.c:_int_malloc [/usr/lib/.../libc.so.6]' -> '_int_malloc (libc.so.6)'"""
        m = re.match(r"^(.*?)(?:\s+\[(.*)\])?$", name)
        fn, obj = m.group(1), m.group(2)
        fn = fn.rsplit(":", 1)[-1] if ":" in fn else fn
        return "%s (%s)" % (fn, os.path.basename(obj)) if obj else fn

    # inclusive Ir of these, per authentication, shows where the time goes
    LANDMARKS = (
        ("pam_sm_authenticate: all of the module's work", "pam_sm_authenticate"),
        ("… request 1, token/new (connect, TLS, request)", "tmdb_new_token"),
        ("… request 2, session/new", "tmdb_new_session"),
        ("… request 3, account", "tmdb_get_account"),
        ("curl_easy_perform (all requests)", "curl_easy_perform"),
        ("TLS handshake (SSL_connect)", "SSL_connect"),
        ("… server chain verification (X509_verify_cert)", "X509_verify_cert"),
        ("… ECDHE key generation (EVP_PKEY_keygen)", "EVP_PKEY_keygen"),
        ("TLS context per connection (SSL_CTX_new)", "SSL_CTX_new"),
        ("CA file parsing (X509_STORE_load_file)", "X509_STORE_load_file"),
        ("DRBG instantiation (RAND_get0_primary)", "RAND_get0_primary"),
        ("curl_easy_init", "curl_easy_init"),
    )

    @staticmethod
    def _self_costs(path):
        """Exclusive Ir per (object, function) from a callgrind output file (format 1, one
        event, default positions): the cost lines after fn=, minus the call lines."""
        ids = {"ob": {}, "fn": {}, "fl": {}}
        space = {"ob": "ob", "cob": "ob", "fn": "fn", "cfn": "fn", "fl": "fl", "fi": "fl",
                 "fe": "fl", "cfl": "fl", "cfi": "fl"}
        cur = {"ob": "?", "fn": "?"}
        costs = {}
        skip = False
        with open(path, errors="replace") as f:
            for line in f:
                c = line[:1]
                if c.isdigit() or c in "+-*":
                    if skip:
                        skip = False
                        continue
                    parts = line.split()
                    if len(parts) > 1:
                        k = (cur["ob"], cur["fn"])
                        costs[k] = costs.get(k, 0) + int(parts[1])
                    continue
                if "=" not in line:
                    continue
                key, val = line.rstrip("\n").split("=", 1)
                if key in space:
                    m = re.match(r"^\((\d+)\)(?:\s(.*))?$", val)
                    table = ids[space[key]]
                    if m:
                        if m.group(2) is not None:
                            table[m.group(1)] = m.group(2)
                        name = table.get(m.group(1), "?")
                    else:
                        name = val
                    if key in ("ob", "fn"):
                        cur[key] = name
                elif key == "calls":
                    skip = True
        return costs

    def _landmarks(self, funcs):
        """{landmark regex: inclusive Ir} from callgrind_annotate --inclusive=yes lines."""
        out = {}
        for _, fn in self.LANDMARKS:
            rx = re.compile(r"(^|:)%s(\s|$)" % re.escape(fn))
            out[fn] = max((ir for ir, name in funcs if rx.search(name)), default=0)
        return out

    def callgrind(self):
        cgdir = self.dir / "callgrind"
        cgdir.mkdir()
        toggle = ["--collect-atstart=no", "--toggle-collect=pam_sm_authenticate"]
        refs = {}
        # references: the host with pam_permit, curl with the 3 requests
        for key, cmd, prep in (("permit", self.host_cmd("permit"), None),
                               ("curl3", None, self.curl3_prepare)):
            vals = []
            for i in range(self.cg_runs):
                out = cgdir / ("%s.%d.out" % (key, i))
                self._callgrind(cmd, out, prepare=prep)
                vals.append(self._annotate(out)[0])
            refs[key] = statistics.median(vals)
        self.results["callgrind_ref"] = refs
        self.row("CGa", "callgrind: total Ir, tmdb-host + pam_permit", fmt_int(refs["permit"]),
                 "", str(self.cg_runs))
        self.row("CGb", "callgrind: total Ir, curl with the 3 requests", fmt_int(refs["curl3"]),
                 "", str(self.cg_runs))
        if self.pamtester and self.pam_wrapper:
            # pamtester does not link libcurl: here dlopen(pam_tmdb.so) pays for loading and
            # binding (libpam uses RTLD_NOW) libcurl and its dependency tree
            env = self.pamtester_env()
            pt = {}
            for key, svc in (("permit", "permit"), ("full", "tmdb-full")):
                vals, dl = [], []
                for i in range(self.cg_runs):
                    out = cgdir / ("pt-%s.%d.out" % (key, i))
                    self._callgrind(self.pamtester_cmd(svc), out, env=env)
                    total, funcs = self._annotate(out, inclusive=True)
                    vals.append(total)
                    dl.append(max((ir for ir, n in funcs if re.search(r":_dl_open(\s|$)", n)),
                                  default=0))
                pt[key] = (statistics.median(vals), statistics.median(dl))
            floor = pt["permit"][0] + refs["curl3"]
            self.results["callgrind_pamtester"] = {"permit": pt["permit"][0],
                                                   "full": pt["full"][0],
                                                   "full_dlopen": pt["full"][1]}
            self.row("CG3b", "callgrind full approve flow under pamtester: total Ir "
                     "(pamtester + pam_permit: %s)" % fmt_int(pt["permit"][0]),
                     fmt_int(pt["full"][0]), "", str(self.cg_runs),
                     "%.2f× Ir(pamtester permit + 2a)" % (pt["full"][0] / floor), "", "")
            self.row("CG3d", "… of which dlopen of the modules (_dl_open: pam_tmdb.so, "
                     "libcurl and its dependencies, bound at once)", fmt_int(pt["full"][1]),
                     "", str(self.cg_runs), "%.1f%% of the process"
                     % (pt["full"][1] / pt["full"][0] * 100), "", "")
        k = 5 if self.quick else 20
        flows = (("full", self.host_cmd("tmdb-full"), "full approve flow (3)", 1),
                 ("cached", self.host_cmd("tmdb-cached"), "cached session (4)", 1),
                 ("long", self.host_cmd("tmdb-full", ["--repeat", str(k)]),
                  "long-lived host, per transaction of %d" % k, k))
        marks, by_obj, tops = {}, {}, {}
        for key, cmd, label, div in flows:
            if key != "long":
                totals, incls = [], []
                for i in range(self.cg_runs):
                    out = cgdir / ("%s.%d.out" % (key, i))
                    self._callgrind(cmd, out)
                    total, funcs = self._annotate(out, inclusive=True)
                    totals.append(total)
                    incls.append(self._landmarks(funcs)["pam_sm_authenticate"])
                total, incl = statistics.median(totals), statistics.median(incls)
                floor = refs["permit"] + (refs["curl3"] if key == "full" else 0)
                rid = "CG3" if key == "full" else "CG4"
                self.row(rid, "callgrind %s: total Ir of the host process" % label,
                         fmt_int(total), "", str(self.cg_runs),
                         "%.2f× Ir(1a+2a)" % (total / floor) if key == "full" else
                         "%.2f× Ir(1a) [no Ir(2b) ref.]" % (total / floor), "", "")
                self.row(rid + "i", "callgrind %s: Ir inclusive of pam_sm_authenticate"
                         % label, fmt_int(incl), "", str(self.cg_runs),
                         "%.1f%% of the process" % (incl / total * 100), "", "")
                self.results["callgrind_" + key] = {"total_ir": total,
                                                    "pam_sm_authenticate_ir": incl}
            # collection only inside pam_sm_authenticate: the module's work
            out = cgdir / ("%s.module.out" % key)
            self._callgrind(cmd, out, extra=toggle)
            mod_total, funcs = self._annotate(out, inclusive=True)
            marks[key] = {fn: ir / div for fn, ir in self._landmarks(funcs).items()}
            selfc = self._self_costs(out)
            objs = {}
            for (ob, _), ir in selfc.items():
                b = os.path.basename(ob)
                objs[b] = objs.get(b, 0) + ir / div
            by_obj[key] = objs
            tops[key] = sorted(((ir, ob, fn) for (ob, fn), ir in selfc.items()),
                               reverse=True)[:10]
            res = self.results.setdefault("callgrind_" + key, {})
            res.update(landmarks=marks[key], by_object=objs,
                       top10=[(ir, fn, os.path.basename(ob)) for ir, ob, fn in tops[key]])
        own = by_obj["full"].get("pam_tmdb.so", 0)
        self.row("CGm", "callgrind: Ir of pam_tmdb.so's own code per authentication "
                 "(exclusive; full / cached / long-lived)", fmt_int(own), "%s / %s" % (
                     fmt_int(by_obj["cached"].get("pam_tmdb.so", 0)),
                     fmt_int(by_obj["long"].get("pam_tmdb.so", 0))), "", "%.2f%% of "
                 "pam_sm_authenticate" % (own / max(marks["full"]["pam_sm_authenticate"], 1)
                                          * 100), "", "")

        # supplementary tables
        cols = ("full", "cached", "long")
        hdr = ("| Ir per authentication (inclusive) | full (3) | cached (4) | long-lived (5), "
               "per txn of %d |\n|---|---:|---:|---:|" % k)
        lines = ["Where the instructions of pam_sm_authenticate go (callgrind "
                 "--toggle-collect=pam_sm_authenticate, callgrind_annotate --inclusive=yes):",
                 "", hdr]
        for label, fn in self.LANDMARKS:
            lines.append("| %s | %s |" % (label, " | ".join(fmt_int(marks[c][fn]) for c in cols)))
        self.extra_sections.append("\n".join(lines))
        objs = sorted(set().union(*[by_obj[c] for c in cols]),
                      key=lambda o: -by_obj["full"].get(o, 0))
        lines = ["Exclusive Ir inside pam_sm_authenticate by object, per authentication:", "",
                 "| object | full (3) | cached (4) | long-lived (5), per txn |",
                 "|---|---:|---:|---:|"]
        for o in objs:
            if max(by_obj[c].get(o, 0) for c in cols) < 1000:
                continue
            lines.append("| %s | %s |" % (o, " | ".join(fmt_int(by_obj[c].get(o, 0))
                                                        for c in cols)))
        self.extra_sections.append("\n".join(lines))
        for key, label in (("full", "full approve flow (3)"), ("cached", "cached session (4)"),
                           ("long", "long-lived host (5), %d transactions" % k)):
            tot = sum(ir for ir, _, _ in tops[key]) and sum(
                v for v in self._self_costs(cgdir / ("%s.module.out" % key)).values())
            lines = ["Top 10 functions by exclusive Ir inside pam_sm_authenticate, %s "
                     "(%s Ir):" % (label, fmt_int(tot)), "",
                     "| Ir | % | function (object) |", "|---:|---:|---|"]
            for ir, ob, fn in tops[key]:
                lines.append("| %s | %.1f%% | %s (%s) |" % (
                    fmt_int(ir), ir / (tot or 1) * 100, fn.replace("|", "\\|"),
                    os.path.basename(ob)))
            self.extra_sections.append("\n".join(lines))

    # ---- output ---------------------------------------------------------------------------

    def table(self):
        hdr = ("| # | measurement | median | min – max | n | vs floor | target | met |\n"
               "|---|---|---:|---:|---:|---:|---|---|")
        lines = [hdr]
        for r in self.rows:
            lines.append("| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |")
        return "\n".join(lines)

    def report(self):
        import platform
        cpu = ""
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        curl_v = subprocess.run([self.curl, "--version"], capture_output=True,
                                text=True).stdout.split("\n")[0] if self.curl else "?"
        head = ["## pam_tmdb benchmark%s" % (" (quick mode)" if self.quick else ""), "",
                "%s · %s · %d CPUs · %s · %s" % (time.strftime("%Y-%m-%d %H:%M"),
                                                platform.platform(), os.cpu_count() or 0, cpu,
                                                curl_v),
                "Load average at start %s, at end %s (other processes share the machine: "
                "mind the min – max columns)." % (self.load_start, _loadavg()),
                "Stand-in over HTTPS on 127.0.0.1 (test CA made at run time); wall time of a "
                "fresh process per run, %d warm-up + %d timed runs per row unless noted."
                % (self.warmup, self.runs), ""]
        body = [self.table()]
        for sec in self.extra_sections:
            body += ["", sec]
        tail = [""]
        if self.errors:
            tail.append("**Count/run errors:**")
            tail += ["- " + e for e in self.errors]
        else:
            tail.append("All runs succeeded; every request/connection count was as expected.")
        return "\n".join(head + body + tail) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--builddir", default=os.environ.get("TMDB_BUILDDIR") or os.getcwd(),
                    help="configured and built tree (default: $TMDB_BUILDDIR or the cwd)")
    ap.add_argument("--quick", action="store_true",
                    help="short mode for CI (< 1 min): fewer runs, 1,000 transactions, "
                    "timeout=2 for the hung-server row")
    ap.add_argument("--out", help="also write the Markdown report to this file")
    ap.add_argument("--json", help="write the raw results as JSON to this file")
    ap.add_argument("--runs", type=int, help="timed runs per row (default 30, quick 5)")
    ap.add_argument("--warmup", type=int, help="warm-up runs per row (default 3, quick 1)")
    ap.add_argument("--no-callgrind", action="store_true", help="skip the callgrind rows")
    args = ap.parse_args()
    if args.runs is not None and args.runs < 1:
        ap.error("--runs must be >= 1")

    b = Bench(args)
    t0 = time.monotonic()
    status = 0
    try:
        b.setup()
        try:
            b.run_all()
        except BenchError as e:
            b.errors.append(str(e))
        finally:
            b.teardown()
    except BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        return 2
    text = b.report()
    text += "\n_%.0f s in all._\n" % (time.monotonic() - t0)
    sys.stdout.write(text)
    if args.out:
        Path(args.out).write_text(text)
    if args.json:
        b.results["errors"] = b.errors
        Path(args.json).write_text(json.dumps(b.results, indent=1, default=str) + "\n")
    if b.errors:
        print("bench: %d error(s), see above" % len(b.errors), file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
