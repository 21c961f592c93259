# SPDX-License-Identifier: BSD-3-Clause
"""Walks the table of rows.py: each row is measured by the method of its kind (Runner.KINDS: the
method _KIND), with the rig, the curl floor, measure and callgrind, and becomes one line of the
table (cells as text), results for --json and, for a wrong count, an error."""

import os
import statistics
import time

from . import browser, callgrind, measure, user_run
from .common import (DEFAULT_TIMEOUT, MIB, TOKEN_NEW, USER, BenchError, fmt_int, fmt_kib,
                     fmt_ms, fmt_range, summarize)
from .floor import CurlFloor
from .rig import LIVE_RECORDS
from .rows import ROWS, SPAWN, TIME_RUNS, TIME_WARMUP, USER_MAP, host, services


MODULE_OBJECTS = ("pam_tmdb.so", "pam_tmdb_core.so")


class Runner:
    KINDS = ("time", "sum", "counts", "front_counts", "rss", "hung", "cg", "cg_part", "cg_module",
             "loop", "loop_rss", "loop_counts", "loop_control", "threads", "browser", "helper_rss")

    def __init__(self, rig, quick=False, runs=None, warmup=None, no_callgrind=False):
        self.rig = rig
        self.quick = quick
        self.runs = runs or TIME_RUNS[quick]
        self.warmup = warmup if warmup is not None else TIME_WARMUP[quick]
        self.no_callgrind = no_callgrind
        self.rows = [r for r in ROWS if r.quick or not quick]
        self.by_id = {r.id: r for r in self.rows}
        self.floor = CurlFloor(rig)
        self.table = []       # (id, label, median, range, n, ratio, target, met), as text
        self.results = {}     # machine-readable, for --json
        self.values = {}      # row id -> the number other rows use (median, sum, total Ir)
        self.callgrind = None  # the data of the callgrind tables under the table (cg_module)
        self.errors = []
        self._memo = {}
        self._primed = set()
        for r in self.rows:
            if r.kind not in self.KINDS:
                raise ValueError("row %s: unknown kind %r" % (r.id, r.kind))

    # ---- the walk -------------------------------------------------------------------------

    def services(self):
        """(name, module, keys) of the services the rows run, for Rig.setup."""
        return [(s.name, s.module, s.conf(self.quick)) for s in services(self.rows)
                if not s.user_layout]

    def user_map(self):
        return USER_MAP

    def has(self, tool):
        if tool == "callgrind" and self.no_callgrind:
            return False
        if tool == "browser":
            return browser.available(self.rig.builddir) is None
        if tool == "user":
            return user_run.unavailable(self.rig.builddir) is None
        return self.rig.has(tool)

    def run(self):
        if not self.rig.has("curl"):
            raise SystemExit("bench: curl not found (needed for the HTTP floor)")
        for row in self.rows:
            if not all(self.has(t) for t in row.needs):
                if row.missing:
                    self.emit(*row.missing)
                continue
            getattr(self, "_" + row.kind)(row)
        self.check_journals()

    def check_journals(self):
        """Rows 3j/3k measured what they say: every run's record was removed (the empty
        journal has no record left, but was used), and the 100 live records were kept."""
        names = {r.runs.service.name for r in self.rows if r.runs and r.runs.service}

        def rec(d):
            if not (d / "sessions").is_dir():
                return None
            return [p.name for p in (d / "sessions").iterdir() if not p.name.startswith(".")]
        if "tmdb-journal" in names and rec(self.rig.state_dir) != []:
            self.errors.append("journal row: the journal was not used or kept records: %s"
                               % rec(self.rig.state_dir))
        if "tmdb-journal-100" in names and len(rec(self.rig.state_live) or []) != LIVE_RECORDS:
            self.errors.append("journal row: %s of the %d live records left"
                               % (len(rec(self.rig.state_live) or []), LIVE_RECORDS))

    def n(self, row):
        return row.n[1] if self.quick else row.n[0]

    def emit(self, rid, label, median="", rng="", n="", ratio="", target="", met=""):
        self.table.append((rid, label, median, rng, n, ratio, target, met))

    def put(self, key, value):
        """results[key] = value; "a.b" is results["a"]["b"]."""
        if "." in key:
            outer, inner = key.split(".", 1)
            self.results.setdefault(outer, {})[inner] = value
        else:
            self.results[key] = value

    def floor_of(self, row):
        return sum(self.values[f] for f in row.floor) if row.floor else None

    # ---- what a row runs ------------------------------------------------------------------

    def job(self, run, key=None):
        """The measure.Job of a rows.Run."""
        key = key or run.how
        if run.how == "true":
            return measure.Job(key, cmd=["/bin/true"])
        if run.how == "curl3":
            return measure.Job(key, prepare=self.floor.prepare_three)
        if run.how == "curl4":
            return measure.Job(key, prepare=self.floor.prepare_four)
        if run.how == "curl1":
            return measure.Job(key, cmd=self.floor.prepare_one())
        self.prime(run.service)
        if run.how == "host":
            return measure.Job(key, cmd=self.rig.host_cmd(run.service.name, run.extra))
        if run.how == "pamtester":
            return measure.Job(key, cmd=self.rig.pamtester_cmd(run.service.name),
                               env=self.rig.pamtester_env())
        if run.how == "user_host":
            return measure.Job(key, cmd=self.user_layout().host_cmd(run.service.name))
        if run.how == "user_pamtester":
            layout = self.user_layout()
            return measure.Job(key, cmd=layout.pamtester_cmd(run.service.name), env=layout.pamtester_env())
        raise ValueError(run.how)

    def user_layout(self):
        """The user-run layout (user_run.py), made once for every user-run service."""
        if "user" not in self._memo:
            svcs = [(s.name, s.user_layout, s.conf(self.quick)) for s in services(self.rows)
                    if s.user_layout]
            layout = user_run.UserLayout(self.rig, svcs)
            self.rig.cleanups.append(layout.cleanup)
            self._memo["user"] = layout
        return self._memo["user"]

    def _helper_rss(self, row):
        layout = self.user_layout()
        res = summarize([layout.helper_rss_kb(row.runs.service.name) for _ in range(self.n(row))])
        self.put(row.key, res)
        self.emit(row.id, row.label, fmt_kib(res["median"]), fmt_range(res["min"], res["max"], fmt_kib),
                  str(res["n"]))

    def prime(self, service):
        """Once per service with prime: one authentication fills the cache (alice's session)."""
        if not service.prime or service.name in self._primed:
            return
        self._primed.add(service.name)
        self.rig.clear_cache()
        p, d = measure.counted(self.rig.stats, lambda: measure.run_once(
            measure.Job("prime", cmd=self.rig.host_cmd(service.name))))
        if p.returncode != 0 or not self.rig.cached(USER):
            raise BenchError("cached flow: the priming authentication failed:\n" + p.stdout)
        if any(d[k] != v for k, v in service.prime.items()):
            self.errors.append("cached flow priming: %d requests, %d connections, expected "
                               "%d/%d" % (d["requests"], d["connections"],
                                          service.prime["requests"],
                                          service.prime["connections"]))

    # ---- time, sum, counts ----------------------------------------------------------------

    def _timed_group(self):
        """All the time rows whose tools are there, interleaved, measured once."""
        if "time" not in self._memo:
            jobs = []
            for r in self.rows:
                if r.kind == "time" and all(self.has(t) for t in r.needs):
                    j = self.job(r.runs, r.key)
                    j.expect = r.expect
                    jobs.append(j)
            res = measure.interleaved(jobs, self.runs, self.warmup, self.rig.stats,
                                      self.errors)
            self.results.update(res)
            self._memo["time"] = res
        return self._memo["time"]

    def _time(self, row):
        res = self._timed_group()[row.key]
        self.values[row.id] = res["median"]
        floor = self.floor_of(row)
        ratio = met = ""
        if floor:
            r = res["median"] / floor
            ratio = "%.2f×" % r
            res["ratio"] = r
            spawn = self.values.get(SPAWN)
            one_process = len(row.floor) == 1 and self.by_id[row.floor[0]].kind == "time"
            if spawn and floor > spawn and not one_process:
                # the floor holds two process start-ups, the measured row one
                res["ratio_one_spawn"] = res["median"] / (floor - spawn)
                ratio += " (%.2f× one spawn)" % res["ratio_one_spawn"]
            a, b = row.extra_start or (None, None)
            if a in self.values and b in self.values:
                start = self.values[a] - self.values[b]
                res["ratio_with_start"] = res["median"] / (floor + start)
                ratio += (" (%.2f× vs %s + (%s − %s), one more start of a libcurl process: %s)"
                          % (res["ratio_with_start"], " + ".join(row.floor), a, b, fmt_ms(start)))
            if row.target is not None:
                met = "yes" if r <= row.target else "**no**"
        tgt = "≤ %.2f× floor" % row.target if row.target is not None else ""
        c = res.get("counts") if row.show_counts else None
        label = row.label + (" · %d req / %d conn" % (c["requests"], c["connections"])
                             if c else "")
        self.emit(row.id, label, fmt_ms(res["median"]),
                  fmt_range(res["min"], res["max"], fmt_ms), str(res["n"]), ratio, tgt, met)

    def _sum(self, row):
        v = self.floor_of(row)
        self.values[row.id] = v
        self.put(row.key, v)
        self.emit(row.id, row.label, fmt_ms(v))

    def _counts(self, row):
        of = self.by_id[row.of[0]]
        r = self.results.get(of.key)
        if not r or "counts" not in r:
            return
        c, exp = r["counts"], of.expect
        self.emit(row.id, row.label, "%d / %d" % (c["requests"], c["connections"]), "", "", "",
                  "%d / %d" % (exp["requests"], exp["connections"]),
                  "yes" if r["counts_ok"] else "**no**")

    def _front_counts(self, row):
        """The nginx front's access log: per listener, every module request in the protocol the
        listener is for, `expect` requests on each connection, one connection per run."""
        if "time" not in self._memo or not self.rig.front:
            return
        want = {"h1": "HTTP/1.1", "h2": "HTTP/2.0"}
        shown, ok = [], True
        for rid in row.of:
            of = self.by_id.get(rid)
            if of is None or of.key not in self.results:
                continue
            front = of.runs.service.front
            port = self.rig.front.h1_port if front == "h1" else self.rig.front.port
            log = self.rig.front.api_log(port)
            conns = {}
            for e in log:
                conns.setdefault(e["connection"], []).append(e)
            runs = self.results[of.key]["n"] + self.warmup
            per = {len(v) for v in conns.values()}
            protocols = {e["protocol"] for e in log}
            good = (len(conns) == runs and per == {row.expect["requests"]}
                    and protocols == {want[front]})
            if not good:
                self.errors.append("%s: nginx saw %d connections for %d runs, %s requests each, "
                                   "protocols %s (expected %s)" % (
                                       of.id, len(conns), runs, sorted(per), sorted(protocols),
                                       want[front]))
            ok &= good
            shown.append("%s %d / %d" % (want[front], len(log) // max(runs, 1),
                                         len(conns) // max(runs, 1)))
            self.put(of.key + "_protocol", sorted(protocols))
        self.emit(row.id, row.label, " · ".join(shown), "", "", "",
                  "%d / %d" % (row.expect["requests"], row.expect["connections"]),
                  "yes" if ok else "**no**")

    # ---- peak RSS, hung server ------------------------------------------------------------

    def _rss(self, row):
        res = measure.peak_rss(self.rig.time_bin, self.job(row.runs, row.key), self.n(row),
                               self.rig.dir / "time.out")
        self.put(row.key, res)
        self.values[row.id] = res["median"]
        label = row.label
        if row.of:
            label = label.format(over=fmt_kib(res["median"] - self.values[row.of[0]]))
        ratio = met = ""
        if row.floor:
            ref = self.floor_of(row)
            ratio = row.ratio % ((res["median"] - ref) / float(MIB))
            met = "yes" if res["median"] <= ref + row.target else "**no**"
        self.emit(row.id, label, fmt_kib(res["median"]),
                  fmt_range(res["min"], res["max"], fmt_kib), str(res["n"]), ratio,
                  row.target_text or "", met)

    def _hung(self, row):
        service = row.runs.service
        budget = float(service.conf(self.quick).get("timeout", DEFAULT_TIMEOUT))
        delay = int((budget + 5) * 1000)
        samples = []
        for _ in range(self.n(row)):
            self.rig.reset()
            self.rig.fault(TOKEN_NEW, delay_ms=delay, count=1)
            t0 = time.perf_counter()
            r = self.rig.run_host(service.name, timeout=budget * 3 + 30)
            dt = time.perf_counter() - t0
            names = r.ops.get("authenticate", [])
            if names != [row.outcome]:
                self.errors.append("hung server: authenticate returned %s, expected %s"
                                   % (names, row.outcome))
            samples.append(dt)
        self.rig.reset()
        res = summarize(samples)
        self.put(row.key, dict(res, budget=budget))
        err = res["median"] / budget - 1.0
        which = ", the default" if budget == DEFAULT_TIMEOUT else ", quick mode"
        self.emit(row.id, row.label.format(delay=delay, budget=budget, which=which),
                  fmt_ms(res["median"]), fmt_range(res["min"], res["max"], fmt_ms),
                  str(res["n"]), "%+.1f%% vs budget" % (err * 100), row.target_text,
                  "yes" if abs(err) <= row.target else "**no**")

    # ---- the browser round trip ---------------------------------------------------------

    def _browser(self, row):
        if "browser" not in self._memo:
            bb = browser.BrowserBench(self.rig)
            self.rig.cleanups.append(bb.close)
            self._memo["browser"] = bb
        try:
            res = self._memo["browser"].measure(row.mode, self.n(row))
        except BenchError as e:
            # a failed browser run is an error of this row; the rows after it still run
            self.errors.append(str(e))
            self.emit(row.id, row.label, "failed")
            return
        self.put(row.key, res)
        req = res["requests"]
        label = row.label + " · %s API req/login" % (
            "%d" % req["median"] if req["min"] == req["max"] else
            "%g (%d–%d)" % (req["median"], req["min"], req["max"]))
        met = ""
        if row.target is not None:
            met = "yes" if res["median"] <= row.target else "**no**"
        self.emit(row.id, label, fmt_ms(res["median"]), fmt_range(res["min"], res["max"], fmt_ms),
                  str(res["n"]), "", row.target_text or "", met)

    # ---- callgrind ------------------------------------------------------------------------

    def _cgdir(self):
        d = self.rig.dir / "callgrind"
        d.mkdir(exist_ok=True)
        return d

    def _name(self, run):
        return "-".join([run.how] + ([run.service.name] if run.service else []))

    def cg_runs(self, run, n):
        """[(total Ir, inclusive functions)] of n callgrind runs of run, measured once."""
        memo = ("cg", run, n)
        if memo not in self._memo:
            out = []
            for i in range(n):
                f = self._cgdir() / ("%s.%d.out" % (self._name(run), i))
                job = self.job(run)
                callgrind.run(self.rig.valgrind, job.command(), f, env=job.env)
                out.append(callgrind.annotate(self.rig.annotate, f))
            self._memo[memo] = out
        return self._memo[memo]

    def _cg(self, row):
        n = self.n(row)
        total = statistics.median(t for t, _ in self.cg_runs(row.runs, n))
        self.values[row.id] = total
        self.put(row.key, total)
        label, ref = row.label, self.floor_of(row) or 0
        if row.base:
            base = statistics.median(t for t, _ in self.cg_runs(row.base, n))
            self.put(row.base_key, base)
            label = label.format(base=fmt_int(base))
            ref += base
        ratio = row.ratio % (total / ref) if row.ratio and ref else ""
        self.emit(row.id, label, fmt_int(total), "", str(n), ratio, "", "")

    def _cg_part(self, row):
        n = self.n(row)
        runs = self.cg_runs(row.runs, n)
        total = statistics.median(t for t, _ in runs)
        part = statistics.median(callgrind.inclusive(funcs, row.part) for _, funcs in runs)
        self.put(row.key, part)
        self.emit(row.id, row.label, fmt_int(part), "", str(n),
                  row.ratio % (part / total * 100), "", "")

    def _cg_module(self, row):
        """Collected inside pam_sm_authenticate only (the module's work), one run each: the
        flows of the rows `of` and a long-lived host (row.runs with --repeat k, per
        transaction). Adds the landmark, by-object and top-10 tables under the report."""
        k = self.n(row)
        flows = [(self.by_id[rid].key.split(".")[0], self.by_id[rid].runs, 1) for rid in row.of]
        flows.append((row.key, host(row.runs.service, "--repeat", str(k)), k))
        names = [key[len("callgrind_"):] for key, _, _ in flows]
        marks, by_obj, tops, totals = {}, {}, {}, {}
        for (key, run, div), name in zip(flows, names):
            out = self._cgdir() / ("%s.module.out" % name)
            job = self.job(run)
            callgrind.run(self.rig.valgrind, job.command(), out, extra=callgrind.TOGGLE,
                          env=job.env)
            _, funcs = callgrind.annotate(self.rig.annotate, out)
            marks[name] = {fn: ir / div for fn, ir in callgrind.landmarks(funcs).items()}
            selfc = callgrind.self_costs(out)
            objs = {}
            for (ob, _), ir in selfc.items():
                b = os.path.basename(ob)
                objs[b] = objs.get(b, 0) + ir / div
            by_obj[name] = objs
            tops[name] = sorted(((ir, ob, fn) for (ob, fn), ir in selfc.items()),
                                reverse=True)[:10]
            totals[name] = sum(selfc.values()) if tops[name] else 0
            res = self.results.setdefault(key, {})
            res.update(landmarks=marks[name], by_object=objs,
                       top10=[(ir, fn, os.path.basename(ob)) for ir, ob, fn in tops[name]])
        full, cached, long_ = names

        def module_ir(objs):
            # the thin module and its core (module/core_loader.h): the module's own code is both
            return sum(objs.get(o, 0) for o in MODULE_OBJECTS)
        own = module_ir(by_obj[full])
        self.emit(row.id, row.label, fmt_int(own), "%s / %s" % (
            fmt_int(module_ir(by_obj[cached])), fmt_int(module_ir(by_obj[long_]))), "",
            "%.2f%% of pam_sm_authenticate"
            % (own / max(marks[full]["pam_sm_authenticate"], 1) * 100), "", "")
        self.callgrind = {"flows": names, "landmarks": marks, "by_object": by_obj, "top10": tops,
                          "totals": totals, "repeat": k,
                          "landmark_names": callgrind.LANDMARKS}

    # ---- long-lived and threaded hosts ----------------------------------------------------

    def host_loop(self, run, n, threads=None, what="long-lived host"):
        """One tmdb-host running n transactions (per thread): (summary, counts), once."""
        memo = ("loop", run, n, threads)
        if memo not in self._memo:
            extra = (["--threads", str(threads)] if threads else []) + ["--repeat", str(n)]
            total = n * (threads or 1)
            r, d = measure.counted(self.rig.stats, lambda: self.rig.run_host(
                run.service.name, extra, timeout=total * 0.5 + 120))
            summ = r.summary
            if r.rc != 0 or not summ or summ["ok"] != total:
                raise BenchError("%s: %s" % (what, r.dump()[-3000:]))
            self._memo[memo] = (summ, d)
        return self._memo[memo]

    def _loop(self, row):
        n = self.n(row)
        summ, d = self.host_loop(row.runs, n)
        rss = summ["rss_kb_at"]
        growth = rss[str(n)] - rss[str(n // 10)]
        tps = n / summ["seconds"]
        self.values[row.id] = tps
        self.put(row.key, {"transactions": n, "seconds": summ["seconds"], "tps": tps,
                           "rss_kb_at": rss, "growth_kb": growth, "counts": d})
        self.emit(row.id, row.label.format(n=fmt_int(n)), "%.0f txn/s" % tps,
                  "%.2f ms/txn" % (summ["seconds"] / n * 1000), "1", "", "", "")

    def _loop_rss(self, row):
        n = self.n(row)
        summ, _ = self.host_loop(row.runs, n)
        rss = summ["rss_kb_at"]
        lo, hi = str(n // 10), str(n)
        growth = rss[hi] - rss[lo]
        self.emit(row.id, row.label.format(lo=fmt_int(int(lo)), n=fmt_int(n),
                                           rss1=fmt_kib(rss["1"]), rss100=fmt_kib(rss["100"])),
                  "%+d kB" % growth, "%s → %s" % (fmt_kib(rss[lo]), fmt_kib(rss[hi])), "1", "",
                  row.target_text, "yes" if growth <= row.target else "**no**")

    def _loop_counts(self, row):
        n = self.n(row)
        _, d = self.host_loop(row.runs, n)
        req = row.expect["requests"] * n
        # pooled libcurl handles (module/curl_pool.c) keep one connection for the whole run
        if d["requests"] != req or not 1 <= d["connections"] <= 2:
            self.errors.append("long-lived host: %d requests / %d connections for %d "
                               "transactions, expected %d / %d"
                               % (d["requests"], d["connections"], n, req,
                                  row.expect["connections"]))
        self.emit(row.id, row.label, "%.2f / %.2f" % (d["requests"] / n, d["connections"] / n),
                  "", "", "", "%d / ≤ %d" % (row.expect["requests"], row.expect["connections"]),
                  "yes" if d["requests"] == req and d["connections"] <= n else "**no**")

    def _loop_control(self, row):
        """The same loop with pam_permit: what the host and libpam alone do to RSS."""
        n = self.n(row)
        summ, _ = self.host_loop(row.runs, n, what="long-lived host with pam_permit")
        rss = summ["rss_kb_at"]
        lo, hi = str(n // 10), str(n)
        growth = rss[hi] - rss[lo]
        self.put(row.key, {"transactions": n, "seconds": summ["seconds"], "rss_kb_at": rss,
                           "growth_kb": growth})
        self.emit(row.id, row.label.format(n=fmt_int(n), lo=fmt_int(int(lo))),
                  "%+d kB" % growth, "%s → %s" % (fmt_kib(rss[lo]), fmt_kib(rss[hi])), "1",
                  "%.0f txn/s" % (n / summ["seconds"]), "", "")

    def _threads(self, row):
        t, n = row.threads, self.n(row)
        total = t * n
        summ, d = self.host_loop(row.runs, n, threads=t, what="threaded host")
        req = row.expect["requests"] * total
        # at most one pooled connection per thread that ran at the same time
        if d["requests"] != req or not 1 <= d["connections"] <= t:
            self.errors.append("threaded host: %d requests / %d connections for %d "
                               "transactions, expected %d / at most %d"
                               % (d["requests"], d["connections"], total, req, t))
        if summ.get("distinct_sessions") != total:
            self.errors.append("threaded host: %s distinct sessions for %d transactions"
                               % (summ.get("distinct_sessions"), total))
        tps = total / summ["seconds"]
        self.put(row.key, {"threads": t, "repeat": n, "seconds": summ["seconds"], "tps": tps,
                           "counts": d})
        seq = self.values.get(row.of[0]) if row.of else None
        self.emit(row.id, row.label.format(threads=t, repeat=n, cores=os.cpu_count() or 0),
                  "%.0f txn/s" % tps, "%.3f s for %s txn" % (summ["seconds"], fmt_int(total)),
                  "1", "%.2f× sequential (%s)" % (tps / seq, row.of[0]) if seq else "", "", "")

