# SPDX-License-Identifier: BSD-3-Clause
"""The module over HTTP/2, as production most likely runs it (issue 23): TMDb's API sits behind
a CDN that offers HTTP/2, and libcurl (Debian's, with nghttp2) takes it unless told otherwise.
Here nginx with `http2` on TLS (h2front.py, started by the test) stands in front of the
stand-in; nginx's access log shows the protocol and the connection of every request.

Each test checks that the module's requests arrived as HTTP/2.0 on one connection and that the
flow works there: v3 and v4 logins, the logout's DELETEs, a remembered session, a 429 with
Retry-After, and "not yet" answers of another shape. Marked `http2`: scripts/test.sh runs them in
the normal and ASan phases, not under valgrind (see conftest.py)."""

import time

import pytest

from h2front import H2Front, nginx_missing
from tmdbpam import ACCESS_TOKEN, ALICE_ID, PamEnv, assert_host_survived, count

pytestmark = pytest.mark.http2

TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
ACCOUNT = "/3/account"
DELETE = "/3/authentication/session"
REQUEST_TOKEN = "/4/auth/request_token"
ACCESS = "/4/auth/access_token"
CONVERT = "/3/authentication/session/convert/4"


@pytest.fixture(scope="module")
def front(tls, tmp_path_factory):
    why = nginx_missing()
    if why:
        pytest.skip(why)
    f = H2Front(tls, tmp_path_factory.mktemp("h2front"))
    yield f
    f.stop()


@pytest.fixture
def h2(front, tls, tmp_path):
    """A PamEnv whose api_url is the HTTP/2 front; the stand-in behind it is reset."""
    front.standin.reset()
    front.clear_log()
    env = PamEnv(tmp_path, front.standin)
    env.conf["api_url"] = front.url
    env.conf["cafile"] = str(tls.ca_cert)
    env.front = front
    run = env.run

    def checked_run(*args, **kw):
        kw.setdefault("cafile", str(tls.ca_cert))  # the host's approval goes through the front too
        r = run(*args, **kw)
        assert_host_survived(r)
        return r

    env.run = checked_run
    return env


def v4(env):
    env.conf["api_key"] = None
    env.conf["access_token"] = ACCESS_TOKEN
    env.conf["flow"] = "v4"
    env.conf["approve_url_v4"] = env.front.url + "/auth/access?request_token="
    return env


def requests_seen(env):
    """[(method, uri, status)] of the module's requests, after checking that every one came as
    HTTP/2.0 on one connection (the Network rules' one connection per transaction)."""
    log = env.front.api_log()
    assert log, "no request reached nginx"
    assert {e["protocol"] for e in log} == {"HTTP/2.0"}, log
    assert len({e["connection"] for e in log}) == 1, log
    return [(e["method"], e["uri"], int(e["status"])) for e in log]


def test_v3_login_speaks_http2_on_one_connection(h2):
    r = h2.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert requests_seen(h2) == [("GET", TOKEN_NEW, 200), ("POST", SESSION_NEW, 200), ("GET", ACCOUNT, 200)]
    assert r.env["TMDB_ACCOUNT_ID"] == str(ALICE_ID)
    # the approval URL came from the Authentication-Callback header, through the front
    (url,) = r.urls
    assert url.startswith(h2.front.url + "/authenticate/"), url


def test_v4_login_speaks_http2_on_one_connection(h2):
    v4(h2)
    r = h2.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert requests_seen(h2) == [("POST", REQUEST_TOKEN, 200), ("POST", ACCESS, 200), ("POST", CONVERT, 200),
                                 ("GET", ACCOUNT, 200)]
    assert "TMDB_ACCESS_TOKEN" in r.env


@pytest.mark.parametrize("flow", ["v3", "v4"])
def test_logout_deletes_over_http2(h2, flow):
    if flow == "v4":
        v4(h2)
    before = h2.front.standin.live_sessions_of("alice")
    r = h2.run("authenticate open_session close_session", approve_as="alice")
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 3, r.dump()
    seen = requests_seen(h2)
    deletes = [s for s in seen if s[0] == "DELETE"]
    want = [("DELETE", DELETE, 200)] + ([("DELETE", ACCESS, 200)] if flow == "v4" else [])
    assert deletes == want, seen
    assert h2.front.standin.live_sessions_of("alice") == before
    assert not [m for m in r.log_messages if "could not be" in m], r.dump()


def test_remembered_session_is_one_http2_request(h2):
    h2.conf["reuse_session"] = "yes"
    first = h2.run("authenticate", approve_as="alice")
    assert first.op_list == [("authenticate", "PAM_SUCCESS")], first.dump()
    h2.front.clear_log()
    second = h2.run("authenticate")
    assert second.op_list == [("authenticate", "PAM_SUCCESS")], second.dump()
    assert requests_seen(h2) == [("GET", ACCOUNT, 200)]


@pytest.mark.parametrize("flow", ["v3", "v4"])
def test_429_with_retry_after_over_http2(h2, flow):
    """The 429 and the retry travel on the same HTTP/2 connection; Retry-After is honoured."""
    step = TOKEN_NEW if flow == "v3" else REQUEST_TOKEN
    if flow == "v4":
        v4(h2)
    h2.conf.update(retries="2", timeout="8")
    h2.front.standin.fault(step, status=429, retry_after="1", count=1)
    start = time.monotonic()
    r = h2.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert time.monotonic() - start >= 1.0, "Retry-After: 1 was not waited for"
    seen = requests_seen(h2)
    assert [s for s in seen if s[1] == step] == [(seen[0][0], step, 429), (seen[0][0], step, 200)], seen


@pytest.mark.parametrize("value", ["401/33", "401/17"])
def test_v4_not_yet_of_another_shape_over_http2(h2, value):
    v4(h2)
    h2.front.standin.variant(v4_not_approved=value)
    r = h2.run("authenticate", approve_as="alice", approve_after=1)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert [s for s in requests_seen(h2) if s[1] == ACCESS] == [("POST", ACCESS, 401), ("POST", ACCESS, 200)]
    assert count(h2.front.standin, "POST", ACCESS) == 2


def test_the_http1_listener_is_http1(h2):
    """The front's second listener offers HTTP/1.1 only (the bench compares the two): the same
    login arrives there as HTTP/1.1, still on one connection."""
    h2.conf["api_url"] = h2.front.h1_url
    r = h2.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    log = h2.front.api_log(h2.front.h1_port)
    assert [e["protocol"] for e in log] == ["HTTP/1.1"] * 3, log
    assert len({e["connection"] for e in log}) == 1, log
