# SPDX-License-Identifier: BSD-3-Clause
"""Measurements of fresh processes: wall time in interleaved rounds, request/connection counts
from the stand-in's /_standin/stats (checked on every run), peak RSS from GNU time. Knows
nothing of rows: it gets jobs, a stats function and an error list."""

import subprocess
import time
from dataclasses import dataclass

from .common import BenchError, stats_delta, summarize


@dataclass
class Job:
    """One command to run fresh each time. cmd, or prepare: a function returning the command,
    called before each run outside the timed region. expect: {"requests": R, "connections": C}
    that every run must cost (None: not counted)."""
    key: str
    cmd: list = None
    prepare: object = None
    env: dict = None
    expect: dict = None

    def command(self):
        return self.prepare() if self.prepare else self.cmd


def interleaved(jobs, runs, warmup, stats, errors):
    """Wall time of fresh processes: {key: summary, + counts (of the last run) and counts_ok}.
    The jobs are interleaved round-robin (one run of each per round, in a shifted order each
    round), so that drifts of a noisy machine hit every job alike. Counts are checked on every
    run, warm-up included; a wrong count is appended to errors, a failed run raises."""
    samples = {j.key: [] for j in jobs}
    counts = {j.key: [] for j in jobs}
    for rnd in range(warmup + runs):
        order = jobs[rnd % len(jobs):] + jobs[:rnd % len(jobs)]
        for j in order:
            c = j.command()
            before = stats() if j.expect else None
            t0 = time.perf_counter()
            p = subprocess.run(c, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=j.env)
            dt = time.perf_counter() - t0
            if p.returncode != 0:
                again = subprocess.run(c, stdin=subprocess.DEVNULL, capture_output=True,
                                       text=True, env=j.env, errors="replace")
                raise BenchError("%s: run %d exited %d\n%s\n%s" % (
                    j.key, rnd, p.returncode, again.stdout[-2000:], again.stderr[-2000:]))
            if j.expect:
                delta = stats_delta(before, stats())
                counts[j.key].append(delta)
                for k, v in j.expect.items():
                    if delta[k] != v:
                        errors.append("%s: run %d: %d %s, expected %d"
                                      % (j.key, rnd, delta[k], k, v))
            if rnd >= warmup:
                samples[j.key].append(dt)
    out = {}
    for j in jobs:
        res = summarize(samples[j.key])
        if counts[j.key]:
            res["counts"] = counts[j.key][-1]
            res["counts_ok"] = all(all(c[k] == v for k, v in j.expect.items())
                                   for c in counts[j.key])
        out[j.key] = res
    return out


def counted(stats, fn):
    """(fn(), the stand-in's counts while it ran)."""
    before = stats()
    ret = fn()
    return ret, stats_delta(before, stats())


def run_once(job):
    """One run with its output captured (subprocess.CompletedProcess, text)."""
    return subprocess.run(job.command(), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=job.env)


def peak_rss(time_bin, job, runs, scratch):
    """Peak RSS (kB) of a fresh process, from GNU time %M (the same measure for the host and
    for curl): summary over runs. scratch: a file for time's output."""
    vals = []
    for _ in range(runs):
        p = subprocess.run([time_bin, "-f", "%M", "-o", str(scratch)] + job.command(),
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=job.env)
        if p.returncode != 0:
            raise BenchError("%s: exited %d under /usr/bin/time" % (job.key, p.returncode))
        vals.append(int(scratch.read_text().split()[-1]))
    return summarize(vals)
