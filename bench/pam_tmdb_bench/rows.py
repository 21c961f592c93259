# SPDX-License-Identifier: BSD-3-Clause
"""The benchmark's rows: ONE table, ROWS, in the order of the report (and of the measurements),
and the PAM services they run. Data only: runner.py measures a row by its kind.

A Row declares
  id, label  the "#" and "measurement" columns; {name} fields in a label are filled in from the
             measurement (see the kind)
  kind       how it is measured and shown (runner.Runner.KINDS):
               time       wall time of a fresh process; all time rows run interleaved in one group
               sum        the sum of the floor rows' values (a floor)
               counts     the request/connection counts of row `of`, as checked on all its runs
               rss        peak RSS of a fresh process (GNU time %M)
               hung       time until authenticate gives up on a stalled token/new
               cg         callgrind total Ir      cg_part   inclusive Ir of function `part`
               cg_module  exclusive Ir of pam_tmdb.so and its core pam_tmdb_core.so, and the callgrind tables under the report
               loop, loop_rss, loop_counts   one long-lived host, --repeat N (one run for the three)
               loop_control                  the same loop with pam_permit
               threads    one host, --threads T --repeat N
               browser    Approve click in headless Chromium → tmdb-login's session line
                          (browser.py), in `mode`; the requests per login follow the label
  runs       what it runs: TRUE, CURL3, CURL1, host(SERVICE), pamtester(SERVICE)
  expect     what every run must cost on the stand-in, {"requests": R, "connections": C}:
             checked on every run (quick mode too); a wrong count makes the exit status 1
  floor      ids of the rows whose values add up to its reference ("vs floor" column)
  target     the target (information only: timings are never asserted); target_text as shown
  n          repetitions as (full run, quick run)
  quick      whether quick mode (make bench-quick) runs the row
  key        where the result goes in --json ("a.b": results["a"]["b"])
  missing    the row shown instead when a tool it needs is missing (else it is left out)
"""

from dataclasses import dataclass, field

from .common import ACCESS_TOKEN, MIB, USER


@dataclass(frozen=True, eq=False)
class Service:
    """A PAM service of the rig: pam_tmdb with COMMON_KEYS + keys (+ quick_keys in quick mode),
    or the system module `module`. prime: the counts of the authentication that must run once
    before the service is measured (to fill its cache)."""
    name: str
    keys: dict = field(default_factory=dict)
    quick_keys: dict = field(default_factory=dict)
    module: str = None
    prime: dict = None
    user_layout: str = None     # run by uid 65534: "own" (its own config), "helper" (root's)
    front: str = None   # "h1" or "h2": through the rig's nginx front (rig.py), needs nginx

    def conf(self, quick):
        if self.module:
            return None
        return dict(COMMON_KEYS, **self.keys, **(self.quick_keys if quick else {}))


@dataclass(frozen=True)
class Run:
    """What a row runs: how ("true", "curl3", "curl1", "host", "pamtester") and the service."""
    how: str
    service: Service = None
    extra: tuple = ()

    @property
    def needs(self):
        return {"pamtester": ("pamtester",), "user_host": ("user",),
                "user_pamtester": ("user", "pamtester")}.get(self.how, ()) + (
            ("nginx",) if self.service and self.service.front else ())


def host(service, *extra):
    """tmdb-host --service SERVICE --user alice [extra] -- authenticate"""
    return Run("host", service, tuple(extra))


def user_host(service):
    """setpriv (uid 65534) tmdb-host --service SERVICE --user nobody -- authenticate"""
    return Run("user_host", service)


def user_pamtester(service):
    """setpriv (uid 65534) pamtester SERVICE nobody authenticate, under pam_wrapper: a user-run
    host that, unlike tmdb-host, does not link libcurl itself (rows 3u, 3h)"""
    return Run("user_pamtester", service)


def pamtester(service):
    """pamtester SERVICE alice authenticate, under pam_wrapper"""
    return Run("pamtester", service)


TRUE = Run("true")      # /bin/true
CURL3 = Run("curl3")    # one curl: token/new, session/new, account over one connection
CURL1 = Run("curl1")    # one curl: GET account
CURL4 = Run("curl4")    # one curl: v4 request_token, access_token, convert/4, account


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    kind: str
    runs: Run = None
    expect: dict = None
    show_counts: bool = False   # time rows: " · R req / C conn" after the label
    floor: tuple = ()
    # time rows: (a, b) whose difference is the start of one more process the row must pay
    # (3h: the helper, a second process that loads libcurl: 1a - 0); "vs floor" shows the ratio
    # to floor + (a - b) as well. Information: the target is judged on the plain ratio
    extra_start: tuple = ()
    target: float = None
    target_text: str = None
    ratio: str = None           # cg rows: the format of the "vs floor" column
    base: Run = None            # cg rows: a second run, added to the floor, named in the label
    base_key: str = None
    part: str = None            # cg_part rows: the function
    of: tuple = ()              # counts, cg_module, threads: the rows it reads
    mode: str = None            # browser: "return" or "poll" (browser.MODES)
    outcome: str = None         # hung: the PAM result expected
    threads: int = None
    n: tuple = None
    quick: bool = True
    key: str = None
    missing: tuple = None

    @property
    def needs(self):
        tool = {"rss": ("time",), "helper_rss": ("time",), "cg": ("callgrind",), "cg_part": ("callgrind",),
                "cg_module": ("callgrind",), "browser": ("browser",)}.get(self.kind, ())
        return tool + (self.runs.needs if self.runs else ()) + (
            self.base.needs if self.base else ())


# ---- the services ------------------------------------------------------------------------

# every pam_tmdb service: the rig's stand-in and test CA; approval = poll (no prompt: the first
# session/new is tried at once, and the stand-in's --auto-approve has approved the token
# already); account_match is left at its default, map, so each needs a user_map (USER_MAP).
# Everything else at its default: timeout = 10, retries = 2, reuse_session = no,
# logout_on_close = yes (no row runs close_session), minimum_uid = 1000 (alice is not a
# system account).
# state_dir = none: the session journal (issue 20) only where a row asks for it, in a
# directory of the rig (never the system's /var/lib/pam_tmdb).
COMMON_KEYS = {"api_key": "{api_key}", "api_url": "{api_url}", "cafile": "{cafile}",
               "approval": "poll", "user_map": "{user_map}", "state_dir": "none"}
USER_MAP = "%s %s\n" % (USER, USER)     # local user alice is the stand-in's account alice

FRESH = {"requests": 3, "connections": 1}   # token/new, session/new, account; one connection
ONE = {"requests": 1, "connections": 1}     # account (a remembered session)
NONE = {"requests": 0, "connections": 0}
# a v4 login: request_token, access_token (approved already), convert/4, account; one connection
V4_FRESH = {"requests": 4, "connections": 1}

PERMIT = Service("permit", module="pam_permit.so")
# full approve flow: nothing remembered (reuse_session = no, the default; cache_dir = none
# makes it so whatever that default)
FULL = Service("tmdb-full", {"cache_dir": "none"})
# cached session: trusted-device mode, set explicitly since reuse_session = no became the
# default; one authentication beforehand remembers alice's session
CACHED = Service("tmdb-cached", {"reuse_session": "yes", "cache_dir": "{cache_dir}"},
                 prime=FRESH)
# the v4 flow (issue 13): the read access token (sent instead of the API key), nothing remembered
V4 = Service("tmdb-v4", {"cache_dir": "none", "flow": "v4", "access_token": ACCESS_TOKEN})
# issue 19: a host run by an ordinary user (uid 65534, PAM user nobody, bound to alice): with a
# config of its own (read in process), and with root's 0640 config (through pam_tmdb_helper)
USER_OWN = Service("tmdb-user-own", {"cache_dir": "none"}, user_layout="own")
USER_HELPER = Service("tmdb-user-helper", {"cache_dir": "none"}, user_layout="helper")
# the session journal (issue 20), full flow: an empty journal (each run records its session
# and, a credential request, removes the record at pam_end), and one holding 100 records of
# live logins (rig.LIVE_RECORDS, held by the bench process), which the reaper reads and keeps
JOURNAL = Service("tmdb-journal", {"cache_dir": "none", "state_dir": "{state_dir}"})
JOURNAL_100 = Service("tmdb-journal-100", {"cache_dir": "none", "state_dir": "{state_live}"})
# the full flow through nginx (issue 23: TMDb's CDN offers HTTP/2, which libcurl takes): the same
# server offering HTTP/2 (ALPN h2) or HTTP/1.1 only, in front of a stand-in of its own; the
# stand-in's counts see nginx, so rig.front's access log is what is checked (row 7h)
FRONT_H1 = Service("tmdb-front-h1", {"cache_dir": "none", "api_url": "{front_h1_url}"}, front="h1")
FRONT_H2 = Service("tmdb-front-h2", {"cache_dir": "none", "api_url": "{front_h2_url}"}, front="h2")
# hung server: the default timeout (quick mode: 2 s)
HUNG = Service("tmdb-hung", {"cache_dir": "none"},
               quick_keys={"timeout": "2", "connect_timeout": "1"})

# timed rows: runs and warm-up runs (full, quick); --runs and --warmup override
TIME_RUNS = (30, 5)
TIME_WARMUP = (3, 1)
SPAWN = "0"              # the row of one process start-up: the "one spawn" ratios subtract it
RSS_N = (10, 3)
CG_N = (3, 1)
LOOP_N = (10000, 1000)

# ---- the table ---------------------------------------------------------------------------

ROWS = [
    Row("0", "process spawn+wait overhead of this harness (`/bin/true`), in every row",
        "time", TRUE, key="spawn_true"),
    Row("1a", "PAM floor: tmdb-host + pam_permit", "time", host(PERMIT), expect=NONE,
        key="pam_floor_host"),
    Row("1b", "PAM floor: pamtester + pam_permit (pam_wrapper)", "time", pamtester(PERMIT),
        key="pam_floor_pamtester",
        missing=("1b", "PAM floor: pamtester + pam_permit",
                 "n/a (pamtester or libpam_wrapper missing)")),
    Row("2a", "HTTP floor: one curl, token/new + session/new + account, 1 conn", "time", CURL3,
        expect=FRESH, show_counts=True, key="http_floor_3"),
    Row("2b", "HTTP floor, 1 request: one curl, GET account", "time", CURL1, expect=ONE,
        show_counts=True, key="http_floor_1"),
    Row("2c", "HTTP floor, v4: one curl, request_token + access_token + convert/4 + account, "
        "1 conn", "time", CURL4, expect=V4_FRESH, show_counts=True, key="http_floor_v4"),
    Row("F", "floor, full flow = 1a + 2a", "sum", floor=("1a", "2a"), key="floor_full"),
    Row("F1", "floor, cached flow = 1a + 2b", "sum", floor=("1a", "2b"), key="floor_cached"),
    Row("F4", "floor, v4 flow = 1a + 2c", "sum", floor=("1a", "2c"), key="floor_v4"),
    Row("3", "full approve flow: tmdb-host + pam_tmdb (poll, auto-approved, no cache)", "time",
        host(FULL), expect=FRESH, show_counts=True, floor=("F",), target=1.10, key="full"),
    Row("3b", "full approve flow under pamtester (floor 1b + 2a; pamtester, unlike tmdb-host, "
        "does not load libcurl itself)", "time", pamtester(FULL), expect=FRESH,
        show_counts=True, floor=("1b", "2a"), target=1.10, key="full_pamtester"),
    Row("4", "cached session: tmdb-host + pam_tmdb (silent reuse)", "time", host(CACHED),
        expect=ONE, show_counts=True, floor=("F1",), target=1.05, key="cached"),
    Row("4b", "cached session under pamtester (floor 1b + 2b)", "time", pamtester(CACHED),
        expect=ONE, show_counts=True, floor=("1b", "2b"), target=1.05, key="cached_pamtester"),
    Row("3c", "full v4 flow: tmdb-host + pam_tmdb, flow=v4 (poll, auto-approved, no cache)",
        "time", host(V4), expect=V4_FRESH, show_counts=True, floor=("F4",), target=1.10,
        key="full_v4"),
    # 3u/3h: pamtester, which (unlike tmdb-host, whose approval code links libcurl) loads
    # libcurl only through pam_tmdb, as vlock or any other user-run host does
    Row("3u", "full flow, pamtester run by uid 65534 with a config of its own (in process)", "time",
        user_pamtester(USER_OWN), expect=FRESH, show_counts=True, key="full_user_in_process",
        missing=("3u/3h", "full flow through pam_tmdb_helper",
                 "n/a (needs root, setpriv, pamtester and libpam_wrapper)")),
    Row("3h", "full flow, pamtester run by uid 65534, root's config: through pam_tmdb_helper", "time",
        user_pamtester(USER_HELPER), expect=FRESH, show_counts=True, floor=("3u",), target=1.15,
        extra_start=("1a", "0"), key="full_helper"),
    Row("3j", "full approve flow with the session journal (record + remove, 0 orphans)", "time",
        host(JOURNAL), expect=FRESH, show_counts=True, floor=("3",), target=1.03,
        target_text="≤ 1.03× row 3", key="journal_empty"),
    Row("3k", "full approve flow, journal holding 100 records of live logins (read, kept)",
        "time", host(JOURNAL_100), expect=FRESH, show_counts=True, floor=("3",), target=1.03,
        target_text="≤ 1.03× row 3", key="journal_100_live"),
    # issue 23: does the module gain or lose by HTTP/2? Interleaved with the rows above
    Row("3h1", "full approve flow through nginx, HTTP/1.1 (ALPN offers http/1.1 only)", "time",
        host(FRONT_H1), key="full_front_h1",
        missing=("3h", "full approve flow through nginx, HTTP/1.1 and HTTP/2",
                 "n/a (nginx with http_v2 missing)")),
    Row("3h2", "full approve flow through nginx, HTTP/2 (ALPN h2, as TMDb's CDN); vs floor: vs 3h1",
        "time", host(FRONT_H2), floor=("3h1",), key="full_front_h2"),
    Row("7h", "requests / connections per fresh authentication through nginx, and the "
        "protocol, from nginx's access log (every run of 3h1, 3h2)", "front_counts",
        of=("3h1", "3h2"), expect=FRESH),
    Row("7a", "requests / TCP+TLS connections per fresh authentication (every run)", "counts",
        of=("3",)),
    Row("7b", "requests / connections per cached authentication (every run)", "counts",
        of=("4",)),
    Row("7c", "requests / TCP+TLS connections per fresh v4 authentication (every run)", "counts",
        of=("3c",)),
    Row("8a", "peak RSS: tmdb-host + pam_permit", "rss", host(PERMIT), n=RSS_N,
        key="rss_permit", missing=("8", "peak RSS", "n/a (/usr/bin/time missing)")),
    Row("8b", "peak RSS: curl, 3 requests", "rss", CURL3, n=RSS_N, key="rss_curl"),
    Row("8c", "peak RSS: tmdb-host + pam_tmdb, full flow (+{over} over pam_permit)", "rss",
        host(FULL), n=RSS_N, of=("8a",), floor=("8b",), ratio="%+.1f MiB vs curl",
        target=2 * MIB, target_text="≤ curl + 2 MiB", key="rss_full"),
    Row("8h", "peak RSS: pam_tmdb_helper itself, one full-flow login", "helper_rss",
        runs=user_host(USER_HELPER), n=RSS_N, key="rss_helper"),
    Row("8u", "peak RSS: pamtester run by uid 65534, full flow in process (3u)", "rss",
        user_pamtester(USER_OWN), n=RSS_N, key="rss_user_in_process"),
    Row("8uh", "peak RSS: pamtester run by uid 65534 through pam_tmdb_helper (3h), the host alone",
        "rss", user_pamtester(USER_HELPER), n=RSS_N, key="rss_user_helper_host"),
    Row("8d", "peak RSS: tmdb-host + pam_tmdb, cached (+{over} over pam_permit)", "rss",
        host(CACHED), n=RSS_N, of=("8a",), floor=("8b",), ratio="%+.1f MiB vs curl",
        target=2 * MIB, target_text="≤ curl + 2 MiB", key="rss_cached"),
    # issue 12: the approval noticed at once (tmdb-login's return address) against the
    # module's own polling; each run starts Chromium, so few runs
    Row("10a", "Approve click in Chromium → session from tmdb-login, return address "
        "(allow_return_to=yes)", "browser", mode="return", n=(9, 2), target=0.150,
        target_text="≤ 150 ms", key="browser_return",
        missing=("10", "Approve click → session (browser)", "n/a (Chromium, chromedriver, "
                 "selenium or tmdb-login missing)")),
    Row("10b", "Approve click in Chromium → session from tmdb-login, the module's poll "
        "(approval=poll, poll_interval=5), for comparison", "browser", mode="poll", n=(5, 1),
        key="browser_poll"),
    Row("9", "give up on a hung server (token/new delayed {delay} ms; timeout={budget:g} s"
        "{which})", "hung", host(HUNG), outcome="PAM_AUTHINFO_UNAVAIL", n=(3, 1),
        target=0.10, target_text="budget ±10%", key="hung"),
    Row("CGa", "callgrind: total Ir, tmdb-host + pam_permit", "cg", host(PERMIT), n=CG_N,
        key="callgrind_ref.permit", missing=("CG", "callgrind", "skipped")),
    Row("CGb", "callgrind: total Ir, curl with the 3 requests", "cg", CURL3, n=CG_N,
        key="callgrind_ref.curl3"),
    Row("CG3b", "callgrind full approve flow under pamtester: total Ir (pamtester + pam_permit:"
        " {base})", "cg", pamtester(FULL), n=CG_N, base=pamtester(PERMIT), floor=("CGb",),
        ratio="%.2f× Ir(pamtester permit + 2a)", key="callgrind_pamtester.full",
        base_key="callgrind_pamtester.permit"),
    Row("CG3d", "… of which dlopen of the modules (_dl_open: pam_tmdb.so, libcurl and its "
        "dependencies, bound at once)", "cg_part", pamtester(FULL), n=CG_N, part="_dl_open",
        ratio="%.1f%% of the process", key="callgrind_pamtester.full_dlopen"),
    Row("CG3", "callgrind full approve flow (3): total Ir of the host process", "cg",
        host(FULL), n=CG_N, floor=("CGa", "CGb"), ratio="%.2f× Ir(1a+2a)",
        key="callgrind_full.total_ir"),
    Row("CG3i", "callgrind full approve flow (3): Ir inclusive of pam_sm_authenticate",
        "cg_part", host(FULL), n=CG_N, part="pam_sm_authenticate", ratio="%.1f%% of the process",
        key="callgrind_full.pam_sm_authenticate_ir"),
    # issue 23: the module's work over HTTP/1.1 and HTTP/2 through the same nginx, counted in
    # instructions (deterministic, unlike the wall time of rows 3h1/3h2 on a shared machine)
    Row("CG3h1", "callgrind full approve flow through nginx, HTTP/1.1 (3h1): Ir inclusive of "
        "pam_sm_authenticate", "cg_part", host(FRONT_H1), n=CG_N, part="pam_sm_authenticate",
        ratio="%.1f%% of the process", key="callgrind_front.h1_pam_sm_authenticate_ir"),
    Row("CG3h2", "callgrind full approve flow through nginx, HTTP/2 (3h2): Ir inclusive of "
        "pam_sm_authenticate", "cg_part", host(FRONT_H2), n=CG_N, part="pam_sm_authenticate",
        ratio="%.1f%% of the process", key="callgrind_front.h2_pam_sm_authenticate_ir"),
    Row("CG4", "callgrind cached session (4): total Ir of the host process", "cg",
        host(CACHED), n=CG_N, floor=("CGa",), ratio="%.2f× Ir(1a) [no Ir(2b) ref.]",
        key="callgrind_cached.total_ir"),
    Row("CG4i", "callgrind cached session (4): Ir inclusive of pam_sm_authenticate", "cg_part",
        host(CACHED), n=CG_N, part="pam_sm_authenticate", ratio="%.1f%% of the process",
        key="callgrind_cached.pam_sm_authenticate_ir"),
    # full, cached and a long-lived host (the full flow with --repeat n, per transaction),
    # collected inside pam_sm_authenticate only
    Row("CGm", "callgrind: Ir of the module's own code (pam_tmdb.so + pam_tmdb_core.so) per "
        "authentication (exclusive; full / cached / long-lived)", "cg_module", host(FULL),
        of=("CG3", "CG4"), n=(20, 5), key="callgrind_long"),
    # 5 and 6 come last: they leave thousands of sessions behind
    Row("5a", "long-lived host: {n} sequential full-flow transactions in one process", "loop",
        host(FULL), n=LOOP_N, key="long_lived"),
    Row("5b", "long-lived host: RSS after {lo} → {n} transactions (1: {rss1}, 100: {rss100})",
        "loop_rss", host(FULL), n=LOOP_N, target=0, target_text="0 kB growth"),
    # the module's libcurl handles are pooled (module/curl_pool.c): one connection in all
    Row("5c", "long-lived host: requests / connections per transaction", "loop_counts",
        host(FULL), expect=FRESH, n=LOOP_N),
    Row("5d", "control: the same {n} transactions with pam_permit: RSS {lo} → {n}",
        "loop_control", host(PERMIT), n=LOOP_N, key="long_lived_permit"),
    # at most one pooled connection per thread, all sessions distinct
    Row("6", "{threads} threads in one host × {repeat} full-flow transactions each ({cores} "
        "cores)", "threads", host(FULL), expect=FRESH, threads=32, n=(100, 5), of=("5a",),
        key="threads"),
]


def services(rows=ROWS):
    """The services the rows run, each once, in order of first use."""
    out = []
    for r in rows:
        for run in (r.runs, r.base):
            if run and run.service and run.service not in out:
                out.append(run.service)
    return out
