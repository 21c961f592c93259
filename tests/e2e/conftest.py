# SPDX-License-Identifier: BSD-3-Clause
"""Shared pytest fixtures for the end-to-end tests.

tls           session: test CA, server certs (good, untrusted, wrong host, expired); see
              standin.make_tls / standin.TLSMaterial
standin       an HTTPS tmdb-standin (one per test module), reset() before each test;
              .url is https://localhost:PORT, .cafile the test CA
standin_http  the same over plain HTTP

The stand-in binary comes from $TMDB_STANDIN, else $TMDB_BUILDDIR/tests/standin/tmdb-standin
(TMDB_BUILDDIR defaults to the repository root). Tests that need it are skipped when it
was not built (libmicrohttpd missing).
"""

import os
import re
import shutil
import ssl
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from standin import Standin, builddir, make_tls, standin_binary  # noqa: E402


# The hostile-server tests that prove time budgets and retry counts: each waits out its budget
# (seconds of wall time) and runs the same http.c code as the parser cases, which the
# ASan+LSan phase runs in full.
TIME_BOUND_HOSTILE = {
    "test_connect_never_answered", "test_headers_never_sent", "test_body_trickled_beyond_the_budget",
    "test_endless_chunked_body", "test_5xx_until_the_retries_run_out", "test_5xx_then_success_recovers_at_every_step",
    "test_429_retry_after", "test_final_tmdb_error_is_not_retried", "test_redirect_is_not_followed",
}


def pytest_addoption(parser):
    parser.addoption("--valgrind-selection", action="store_true",
                     help="scripts/test.sh's valgrind phase: each test function's first parameter set, "
                          "without the tests that start no wrapped PAM host, and of test_hostile.py "
                          "neither the v4 steps nor the time-bound cases; the ASan phase runs them all")
    parser.addoption("--no-browser", action="store_true",
                     help="leave out the tests marked `browser` (headless Chromium): scripts/test.sh "
                          "runs them in the normal phase only")
    parser.addoption("--no-http2", action="store_true",
                     help="leave out the tests marked `http2` (nginx in front of the stand-in): "
                          "scripts/test.sh leaves them out of the valgrind phase")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless Chromium (tests/browser/)")
    config.addinivalue_line("markers", "http2: through nginx with HTTP/2 on TLS (tests/e2e/h2front.py)")


# test_unrecorded_answers.py under valgrind: of each matrix only the answers that take the new
# paths of the module (33 as "not yet", 3 as a refused token, plain-text 429 with Retry-After,
# 35 for a deleted session); the defaults are the same code as the rest of the suite, and
# every value runs in the normal and ASan phases
UNRECORDED_UNDER_VALGRIND = {"401/33", "401/3", "text-retry-after", "401/35"}


# Files whose tests start no PAM host under TMDB_HOST_WRAPPER: the stand-in's and the approval
# pages' own tests, real sshd (it cannot run under valgrind) and the setuid host (likewise), and
# the scripting-language bindings (their host is a Python or Perl interpreter, never wrapped, and
# slow under valgrind; the module code they reach is the one the wrapped tmdb-host runs).
NO_WRAPPED_HOST = {"test_standin.py", "test_browser_pages.py", "test_sshd.py", "test_setuid_host.py",
                   "test_bindings.py"}


def _left_out_under_valgrind(item, first_params):
    """What valgrind adds to the ASan+UBSan phase (which runs every test) is the module in an
    uninstrumented host: uninitialised reads and leaks that only show outside ASan's runtime.
    Every test function's code path is run once under it; the further parameter sets of a
    parametrized test feed other input to the same code (ASan runs them all, the fuzzers the
    parsers), so only the first one of each is kept."""
    if item.fspath.basename in NO_WRAPPED_HOST:
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    if item.fspath.basename == "test_unrecorded_answers.py" and "value" in params:
        return params["value"] not in UNRECORDED_UNDER_VALGRIND
    if item.fspath.basename == "test_hostile.py" and (
            str(params.get("step", "")).startswith("v4_") or item.originalname in TIME_BOUND_HOSTILE):
        return True
    if params:
        key = (str(item.fspath), item.originalname)
        first = first_params.setdefault(key, item.nodeid)
        return first != item.nodeid
    return False


def _left_out(config, item, first_params):
    if config.getoption("--no-browser") and item.get_closest_marker("browser") is not None:
        return True
    if config.getoption("--no-http2") and item.get_closest_marker("http2") is not None:
        return True
    return config.getoption("--valgrind-selection") and _left_out_under_valgrind(item, first_params)


def pytest_collection_modifyitems(config, items):
    first_params = {}
    drop = {i.nodeid for i in items if _left_out(config, i, first_params)}
    if drop:
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid in drop])
        items[:] = [i for i in items if i.nodeid not in drop]


@pytest.fixture
def suid_dir():
    """A directory (0755, under /tmp) for a setuid-root copy of tmdb-setuid-host, which an
    unprivileged user can reach. Skips where such a binary cannot run with euid 0 (not root,
    nosuid, no_new_privs) and under a host wrapper (valgrind cannot run a setuid binary; the
    setuid tests run in the other phases)."""
    from pamhost import setuid_tempdir, setuid_unavailable
    why = setuid_unavailable("/tmp")
    if why:
        pytest.skip("setuid host cannot run here: %s" % why)
    if os.environ.get("TMDB_HOST_WRAPPER"):
        pytest.skip("a setuid binary cannot run under a wrapper (valgrind)")
    d = setuid_tempdir("/tmp")
    yield d.name
    d.cleanup()


def _need_binary():
    if not standin_binary().is_file():
        pytest.skip("tmdb-standin not built (%s)" % standin_binary())


@pytest.fixture(scope="session")
def tls(tmp_path_factory):
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def _standin_https_server(tls):
    _need_binary()
    server = Standin(tls=tls)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def _standin_http_server():
    _need_binary()
    server = Standin(tls=None)
    yield server
    server.stop()


@pytest.fixture
def standin(_standin_https_server):
    _standin_https_server.reset()
    return _standin_https_server


@pytest.fixture
def standin_http(_standin_http_server):
    _standin_http_server.reset()
    return _standin_http_server


@pytest.fixture(scope="module")
def odd_servers(tls):
    """Stand-ins whose certificate a careful client must refuse: signed by an unrelated CA,
    for another host name, expired. The tests reach their control API unverified."""
    servers = {
        "untrusted": Standin(tls=tls, cert=tls.untrusted_cert, key=tls.untrusted_key),
        "wrong_host": Standin(tls=tls, cert=tls.wrong_host_cert, key=tls.wrong_host_key),
        "expired": Standin(tls=tls, cert=tls.expired_cert, key=tls.expired_key),
    }
    for s in servers.values():
        # the test itself reaches the control API without checking the certificate
        s.ssl_context = ssl._create_unverified_context()
        s._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                urllib.request.HTTPSHandler(context=s.ssl_context))
    yield servers
    for s in servers.values():
        s.stop()


# pam_tmdb under test: `pam` (HTTPS stand-in) and `pam_http` (plain HTTP), see tmdbpam.py.
@pytest.fixture
def artifacts(request):
    """A fresh directory for this test's browser screenshots, kept under the build tree
    ($TMDB_BUILDDIR/artifacts/browser/<test>/) as the test's artifacts."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    d = builddir() / "artifacts" / "browser" / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    print("browser screenshots: %s" % d)
    return d


from tmdbpam import pam, pam_http  # noqa: E402,F401  (fixtures)
