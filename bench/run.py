#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""pam_tmdb benchmark (issue #6): what does the module add to the cost of its HTTP requests?

One command runs everything against a private tmdb-standin over HTTPS on loopback (TLS material
made at run time) and prints one Markdown table; see bench/README.md for what each row means.

    /usr/bin/python3 bench/run.py --builddir BUILD [--quick] [--out FILE] [--json FILE]

Python standard library only; uses tests/e2e/standin.py and tests/e2e/pamhost.py. The rows are
declared in bench/pam_tmdb_bench/rows.py; this file is the command line only.
Exit status: 0 when every run succeeded and every request/connection count was as expected,
1 when a count or a run was wrong, 2 on a usage or set-up error. Timing is never asserted.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # nothing written into the source tree (__pycache__)
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pam_tmdb_bench import report  # noqa: E402
from pam_tmdb_bench.common import BenchError, loadavg  # noqa: E402
from pam_tmdb_bench.rig import Rig  # noqa: E402
from pam_tmdb_bench.runner import Runner  # noqa: E402


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

    load_start = loadavg()
    rig = Rig(args.builddir)
    bench = Runner(rig, quick=args.quick, runs=args.runs, warmup=args.warmup,
                   no_callgrind=args.no_callgrind)
    t0 = time.monotonic()
    try:
        rig.setup(bench.services(), bench.user_map())
        try:
            bench.run()
        except BenchError as e:
            bench.errors.append(str(e))
        finally:
            rig.teardown()
    except BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        return 2
    text = report.render(bench.table, bench.errors, args.quick, bench.warmup, bench.runs,
                         load_start, rig.curl, bench.callgrind)
    text += "\n_%.0f s in all._\n" % (time.monotonic() - t0)
    sys.stdout.write(text)
    if args.out:
        Path(args.out).write_text(text)
    if args.json:
        bench.results["errors"] = bench.errors
        Path(args.json).write_text(json.dumps(bench.results, indent=1, default=str) + "\n")
    if bench.errors:
        print("bench: %d error(s), see above" % len(bench.errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
