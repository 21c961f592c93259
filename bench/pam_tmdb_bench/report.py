# SPDX-License-Identifier: BSD-3-Clause
"""The Markdown report: header (machine, load, how runs were made), the table, the callgrind
tables and the errors. Gets data only (imports nothing of the bench but common)."""

import os
import platform
import subprocess
import time

from .common import fmt_int, loadavg

HEADER = ("| # | measurement | median | min – max | n | vs floor | target | met |\n"
          "|---|---|---:|---:|---:|---:|---|---|")


def table(rows):
    lines = [HEADER]
    for r in rows:
        lines.append("| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |")
    return "\n".join(lines)


def callgrind_sections(cg):
    """The tables under the report, from Runner.callgrind: inclusive Ir of the landmarks, the
    exclusive Ir by object, the top 10 functions of each flow (full, cached, long-lived)."""
    cols = cg["flows"]
    full = cols[0]
    marks, by_obj, tops, totals, k = (cg["landmarks"], cg["by_object"], cg["top10"],
                                      cg["totals"], cg["repeat"])
    out = []
    hdr = ("| Ir per authentication (inclusive) | full (3) | cached (4) | long-lived (5), "
           "per txn of %d |\n|---|---:|---:|---:|" % k)
    lines = ["Where the instructions of pam_sm_authenticate go (callgrind "
             "--toggle-collect=pam_sm_authenticate, callgrind_annotate --inclusive=yes):",
             "", hdr]
    for label, fn in cg["landmark_names"]:
        lines.append("| %s | %s |" % (label, " | ".join(fmt_int(marks[c][fn]) for c in cols)))
    out.append("\n".join(lines))
    objs = sorted(set().union(*[by_obj[c] for c in cols]),
                  key=lambda o: -by_obj[full].get(o, 0))
    lines = ["Exclusive Ir inside pam_sm_authenticate by object, per authentication:", "",
             "| object | full (3) | cached (4) | long-lived (5), per txn |",
             "|---|---:|---:|---:|"]
    for o in objs:
        if max(by_obj[c].get(o, 0) for c in cols) < 1000:
            continue
        lines.append("| %s | %s |" % (o, " | ".join(fmt_int(by_obj[c].get(o, 0))
                                                    for c in cols)))
    out.append("\n".join(lines))
    for c, label in zip(cols, ("full approve flow (3)", "cached session (4)",
                               "long-lived host (5), %d transactions" % k)):
        tot = totals[c]
        lines = ["Top 10 functions by exclusive Ir inside pam_sm_authenticate, %s "
                 "(%s Ir):" % (label, fmt_int(tot)), "",
                 "| Ir | % | function (object) |", "|---:|---:|---|"]
        for ir, ob, fn in tops[c]:
            lines.append("| %s | %.1f%% | %s (%s) |" % (
                fmt_int(ir), ir / (tot or 1) * 100, fn.replace("|", "\\|"),
                os.path.basename(ob)))
        out.append("\n".join(lines))
    return out


def render(rows, errors, quick, warmup, runs, load_start, curl=None, callgrind=None):
    """The whole report (without the closing "_N s in all._" line)."""
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    curl_v = subprocess.run([curl, "--version"], capture_output=True,
                            text=True).stdout.split("\n")[0] if curl else "?"
    head = ["## pam_tmdb benchmark%s" % (" (quick mode)" if quick else ""), "",
            "%s · %s · %d CPUs · %s · %s" % (time.strftime("%Y-%m-%d %H:%M"),
                                            platform.platform(), os.cpu_count() or 0, cpu,
                                            curl_v),
            "Load average at start %s, at end %s (other processes share the machine: "
            "mind the min – max columns)." % (load_start, loadavg()),
            "Stand-in over HTTPS on 127.0.0.1 (test CA made at run time); wall time of a "
            "fresh process per run, %d warm-up + %d timed runs per row unless noted."
            % (warmup, runs), ""]
    body = [table(rows)]
    for sec in callgrind_sections(callgrind) if callgrind else ():
        body += ["", sec]
    tail = [""]
    if errors:
        tail.append("**Count/run errors:**")
        tail += ["- " + e for e in errors]
    else:
        tail.append("All runs succeeded; every request/connection count was as expected.")
    return "\n".join(head + body + tail) + "\n"
