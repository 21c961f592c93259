# SPDX-License-Identifier: BSD-3-Clause
"""A threaded host (issue "Hardening proof"; SPEC: Entry points, Session cache). One tmdb-host
process runs many PAM transactions at once on the real libpam (--threads T --repeat N: each
thread its own pam_start/pam_end per transaction), as a media server or a display manager
would. Every transaction must succeed, sessions must not be mixed up between threads, the
shared cache must stay one valid file, and a ThreadSanitizer build must report no race in
pam_tmdb.

The TSan test needs a ThreadSanitizer build of the tree, given by TMDB_TSAN_BUILDDIR (from
the top of the checkout):

    src=$PWD && mkdir -p /tmp/htsan && cd /tmp/htsan && \\
      "$src/configure" CFLAGS="-fsanitize=thread -g -O1" LDFLAGS=-fsanitize=thread && make -j2
    cd "$src" && TMDB_TSAN_BUILDDIR=/tmp/htsan python3 -m pytest tests/e2e/test_concurrency.py

Races inside system libraries that the host cannot avoid (libaudit, called by libpam) are
suppressed by tests/e2e/tsan.supp; nothing of pam_tmdb is.
"""

import ctypes
import ctypes.util
import os
import re
import stat

import pytest

from tmdbpam import ALICE_ID, assert_host_survived, count

TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
ACCOUNT = "/3/account"
HERE = os.path.dirname(os.path.abspath(__file__))
TSAN_SUPP = os.path.join(HERE, "tsan.supp")
# this checkout's configure script, for the hint when no TSan build is given
CONFIGURE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "configure")

THREADS, REPEAT = 32, 20
FULL_OPS = "authenticate acct_mgmt setcred open_session close_session"


def load(pam, ops="authenticate", threads=THREADS, repeat=REPEAT, **kw):
    kw.setdefault("timeout", 600)
    return pam.run(ops, extra=["--threads", str(threads), "--repeat", str(repeat)], **kw)


@pytest.fixture
def auto(pam):
    """Poll mode and a stand-in that approves every token for alice at once: no prompt,
    no browser, three requests per fresh authentication."""
    pam.standin.configure(auto_approve="alice")
    pam.conf["approval"] = "poll"
    return pam


def assert_all_ok(r, transactions):
    assert_host_survived(r)
    s = r.summary
    assert s is not None, r.dump()
    assert (s["transactions"], s["ok"], s["failed"], s["fail_rc"]) == (transactions, transactions, 0, {}), s
    assert r.rc == 0, r.dump()
    return s


def test_threads_without_cache_get_distinct_sessions(auto):
    auto.conf["cache_dir"] = "none"
    n = THREADS * REPEAT
    r = load(auto)
    s = assert_all_ok(r, n)
    assert s["threads"] == THREADS
    assert s["distinct_sessions"] == n, "every transaction its own session: none mixed up"
    stats = auto.standin.stats()
    assert stats["requests"] == {"GET " + TOKEN_NEW: n, "POST " + SESSION_NEW: n, "GET " + ACCOUNT: n}
    assert stats["total_requests"] == 3 * n
    # module/curl_pool.c keeps idle libcurl handles (and their connections) for the next
    # transaction, so there are at most n connections, usually about one per thread; the
    # distinct sessions above show that none carried another transaction's answers
    assert 1 <= stats["connections"] <= n
    live = [x for x in auto.standin.sessions() if x["username"] == "alice" and not x["revoked"]]
    assert len(live) >= n


def test_threads_share_one_cache_entry(auto):
    """reuse_session=yes (trusted-device mode): the threads share the one remembered session."""
    auto.conf["reuse_session"] = "yes"
    n = THREADS * REPEAT
    r = load(auto, FULL_OPS)
    s = assert_all_ok(r, n)
    # Each thread runs at most one full flow: its first transaction may race the others to
    # an empty cache, every later one finds an entry that the server still accepts.
    fresh = count(auto.standin, "GET", TOKEN_NEW)
    assert 1 <= fresh <= THREADS
    assert count(auto.standin, "POST", SESSION_NEW) == fresh
    assert s["distinct_sessions"] <= THREADS
    # one entry, private, whole, and for a session the server accepts as alice's
    assert sorted(os.listdir(str(auto.cache_dir))) == ["alice"], "no temporary file left behind"
    st = os.lstat(str(auto.cache_file()))
    assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_uid == os.geteuid()
    entry = auto.cache_entry()
    assert set(entry) == {"session_id", "account_id", "account_username"}
    assert re.fullmatch(r"[0-9a-f]{40}", entry["session_id"])
    assert entry["account_id"] == str(ALICE_ID) and entry["account_username"] == "alice"
    status, _, body = auto.standin.api("GET", ACCOUNT, params={"session_id": entry["session_id"]})
    assert status == 200 and body["username"] == "alice"


def test_concurrent_logins_of_one_user_are_independent(auto):
    """The defaults: each login holds its own session and its logout deletes only that one, so
    no login ever finds its session revoked by another (acct_mgmt runs after others' logouts),
    nothing is written to cache_dir, and no session is left alive."""
    threads, repeat = 16, 10
    before = auto.standin.live_sessions().get("alice", 0)
    r = load(auto, FULL_OPS, threads=threads, repeat=repeat)
    assert_all_ok(r, threads * repeat)
    assert count(auto.standin, "POST", SESSION_NEW) == threads * repeat
    assert count(auto.standin, "DELETE", "/3/authentication/session") == threads * repeat
    assert auto.standin.live_sessions().get("alice", 0) == before
    assert os.listdir(str(auto.cache_dir)) == []


def test_libcurl_global_init_is_thread_safe():
    """pam_tmdb calls curl_global_init under pthread_once (module/http.c); that serialises
    its own threads only. Other users of libcurl in the same host are safe only when libcurl
    reports CURL_VERSION_THREADSAFE (7.84+). SECURITY.md relies on this."""
    name = ctypes.util.find_library("curl") or "libcurl.so.4"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        pytest.skip("libcurl not loadable through ctypes (%s)" % name)

    class VersionInfo(ctypes.Structure):  # the leading fields of curl_version_info_data
        _fields_ = [("age", ctypes.c_int), ("version", ctypes.c_char_p),
                    ("version_num", ctypes.c_uint), ("host", ctypes.c_char_p),
                    ("features", ctypes.c_int)]

    lib.curl_version_info.restype = ctypes.POINTER(VersionInfo)
    info = lib.curl_version_info(10).contents  # CURLVERSION_TENTH; older libcurl answer older ages
    CURL_VERSION_THREADSAFE = 1 << 30
    assert info.features & CURL_VERSION_THREADSAFE, (
        "libcurl %s: curl_global_init is not thread-safe; a threaded host must call it before "
        "starting threads" % info.version.decode())


# -- ThreadSanitizer ---------------------------------------------------------------------------

def tsan_builddir():
    d = os.environ.get("TMDB_TSAN_BUILDDIR")
    if not d:
        pytest.skip("no ThreadSanitizer build: set TMDB_TSAN_BUILDDIR (%s "
                    "CFLAGS=-fsanitize=thread LDFLAGS=-fsanitize=thread)" % CONFIGURE)
    so = os.path.join(d, "module", ".libs", "pam_tmdb.so")
    host = os.path.join(d, "tests", "host", "tmdb-host")
    if not (os.path.exists(so) and os.access(host, os.X_OK)):
        pytest.skip("TMDB_TSAN_BUILDDIR=%s has no module/.libs/pam_tmdb.so or tests/host/tmdb-host" % d)
    return so, host


TSAN_EXIT = 66


@pytest.mark.parametrize("mode", ["no_cache", "shared_cache", "logout"])
def test_thread_sanitizer(auto, monkeypatch, mode):
    so, host = tsan_builddir()
    monkeypatch.setenv("PAM_TMDB_SO", so)
    monkeypatch.setenv("TMDB_HOST", host)
    ops = FULL_OPS
    if mode == "no_cache":
        auto.conf["cache_dir"] = "none"
        ops = "authenticate"
    elif mode == "shared_cache":
        auto.conf["reuse_session"] = "yes"
        auto.conf["logout_on_close"] = "no"
    # "logout": the defaults, each login deleting its own session at close
    tsan = "suppressions=%s halt_on_error=0 exitcode=%d second_deadlock_stack=1" % (TSAN_SUPP, TSAN_EXIT)
    r = load(auto, ops, env={"TSAN_OPTIONS": tsan})
    reports = re.findall(r"WARNING: ThreadSanitizer: .*", r.stderr)
    assert not reports and r.rc != TSAN_EXIT, "ThreadSanitizer:\n%s" % r.stderr[-20000:]
    assert_all_ok(r, THREADS * REPEAT)
