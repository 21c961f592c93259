# SPDX-License-Identifier: BSD-3-Clause
"""pam_tmdb benchmark (issue #6), run by bench/run.py; see bench/README.md.

Layers: each module imports only the ones listed after it, so every dependency runs one way
(down) and there is no cycle:

    run.py      the command line, exit status, --out / --json   → report, runner, rig, common
    report      the Markdown report from data                    → common
    runner      walks the table, measures each row by its kind   → rows, floor, measure,
                                                                   callgrind, browser, common
    rows        ONE table: every row, what it runs, what it      → common
                counts, its target; the PAM services (data only)
    floor       the HTTP floor: the module's requests by curl    → common
    measure     wall time (interleaved), counts, peak RSS        → common
    callgrind   callgrind runs and the parsing of their output   → common
    browser     Approve click in Chromium → tmdb-login's session → common
    rig         stand-in over TLS, PAM services, host commands   → common (+ tests/e2e)
    common      constants, BenchError, number formatting         → nothing

runner, floor and browser get the rig as an object (made by run.py) and never import it.
"""
