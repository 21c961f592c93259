# SPDX-License-Identifier: BSD-3-Clause
"""Network rules end to end (SPEC: Network rules, Return codes): TLS always verified, no
redirects, bounded time and size, retries with Retry-After, one connection, TMDb error bodies."""

import socket
import time

import pytest

from tmdbpam import PamEnv, assert_logged, count, without_refusal

TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
ACCOUNT = "/3/account"


def unavailable(r):
    return r.op_list == [("authenticate", "PAM_AUTHINFO_UNAVAIL")]


def trust_error(r):
    """A TLS trust failure is a configuration error (pam_tmdb(8), MESSAGES): PAM_SERVICE_ERR, and
    the user is pointed to the log, never told to try again later."""
    return (r.op_list == [("authenticate", "PAM_SERVICE_ERR")] and
            [c["msg"] for c in r.conv] == ["Not signed in: pam_tmdb is not configured correctly; see the system log."])


@pytest.mark.parametrize("kind", ["untrusted", "wrong_host", "expired"])
def test_bad_certificates_are_refused(tmp_path, tls, odd_servers, kind):
    server = odd_servers[kind]
    env = PamEnv(tmp_path, server)
    env.conf["cafile"] = str(tls.ca_cert)
    r = env.run("authenticate")
    assert trust_error(r), r.dump()
    assert without_refusal(r) == [], "no URL is shown when the server cannot be trusted"
    # the line names what to fix: the trust anchors' file and the server
    assert_logged(r, "token/new: TLS: the certificate of the server %s is not trusted by cafile %s"
                  % (server.url, tls.ca_cert))
    assert count(server, "GET", "/3/authentication/token/new") == 0


@pytest.mark.parametrize("what", ["missing", "a private key", "empty"])
def test_unusable_cafile_is_a_configuration_error(pam, tls, tmp_path, what):
    """A cafile that does not exist, holds a key instead of certificates, or is empty: named in
    the log as the file to fix, PAM_SERVICE_ERR, and no retry (one attempt)."""
    cafile = tmp_path / "ca-bundle.pem"
    if what == "a private key":
        cafile.write_text(open(str(tls.server_key)).read())
    elif what == "empty":
        cafile.write_text("")
    pam.conf["cafile"] = str(cafile)
    pam.conf["retries"] = "2"
    r = pam.run("authenticate")
    assert trust_error(r), r.dump()
    assert_logged(r, str(cafile))
    assert not any("giving up" in m or "attempt" in m for m in r.log_messages), r.dump()


def test_capath_is_honoured(pam, tls, tmp_path):
    # a CA directory with only the unrelated CA: the stand-in's certificate is not trusted
    import shutil
    import subprocess
    d = tmp_path / "capath"
    d.mkdir()
    shutil.copy(str(tls.untrusted_ca_cert), str(d / "other.pem"))
    subprocess.run(["openssl", "rehash", str(d)], check=True)
    pam.conf["cafile"] = None
    pam.conf["capath"] = str(d)
    r = pam.run("authenticate")
    assert trust_error(r), r.dump()
    assert_logged(r, "is not trusted by capath %s" % d)


def test_refused_connection(pam):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    pam.conf["api_url"] = "https://localhost:%d" % port
    pam.conf["retries"] = "1"
    r = pam.run("authenticate")
    assert unavailable(r), r.dump()
    assert_logged(r, "Couldn't connect", "giving up after 2 attempts")


def test_connect_never_answered(pam):
    """A listening socket that never accepts, with a full backlog: the TLS handshake never
    completes, and timeout bounds the wait."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    port = s.getsockname()[1]
    pam.conf.update(api_url="https://localhost:%d" % port, timeout="2", connect_timeout="1", retries="0")
    try:
        start = time.monotonic()
        r = pam.run("authenticate")
        elapsed = time.monotonic() - start
    finally:
        s.close()
    assert unavailable(r), r.dump()
    assert elapsed < 30


def test_slow_server_times_out(pam):
    pam.standin.fault(TOKEN_NEW, delay_ms=5000)
    pam.conf.update(timeout="1", connect_timeout="1")
    r = pam.run("authenticate")
    assert unavailable(r), r.dump()
    assert_logged(r, "timeout=1")


def test_redirect_is_not_followed(pam):
    pam.standin.fault(TOKEN_NEW, redirect=pam.standin.url + "/3/authentication/token/new?again=1")
    r = pam.run("authenticate")
    assert unavailable(r), r.dump()
    assert_logged(r, "redirects are not followed")
    assert pam.standin.stats()["total_requests"] == 1


def test_oversized_body(pam):
    pam.conf["max_response"] = "2048"
    pam.standin.fault(TOKEN_NEW, pad_bytes=4096)
    r = pam.run("authenticate")
    assert unavailable(r), r.dump()
    assert_logged(r, "larger than max_response=2048")


def test_small_body_within_max_response(pam):
    pam.conf["max_response"] = "2048"
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_then_success_is_retried(pam, status):
    pam.standin.fault(TOKEN_NEW, status=status, count=2)
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert count(pam.standin, "GET", TOKEN_NEW) == 3


def test_5xx_until_retries_run_out(pam):
    pam.conf["retries"] = "1"
    pam.standin.fault(TOKEN_NEW, status=503, tmdb_status=9)
    r = pam.run("authenticate")
    assert unavailable(r), r.dump()
    assert count(pam.standin, "GET", TOKEN_NEW) == 2
    assert_logged(r, "HTTP 503", "giving up")


def test_retries_zero(pam):
    pam.conf["retries"] = "0"
    pam.standin.fault(TOKEN_NEW, status=500)
    r = pam.run("authenticate")
    assert unavailable(r), r.dump()
    assert count(pam.standin, "GET", TOKEN_NEW) == 1


def test_429_honours_retry_after(pam):
    pam.standin.fault(TOKEN_NEW, status=429, tmdb_status=25, retry_after="1", count=1)
    start = time.monotonic()
    r = pam.run("authenticate", approve_as="alice")
    elapsed = time.monotonic() - start
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert count(pam.standin, "GET", TOKEN_NEW) == 2
    assert elapsed >= 1.0  # the server asked for a second; we did not come back earlier


def test_retry_after_beyond_the_budget_gives_up_at_once(pam):
    pam.standin.fault(TOKEN_NEW, status=429, retry_after="86400")
    start = time.monotonic()
    r = pam.run("authenticate")
    assert unavailable(r), r.dump()
    assert time.monotonic() - start < 9  # far less than the 10 s budget, let alone a day
    assert count(pam.standin, "GET", TOKEN_NEW) == 1
    assert_logged(r, "does not fit the remaining")


def test_retry_after_zero(pam):
    pam.standin.fault(TOKEN_NEW, status=429, retry_after="0", count=1)
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert count(pam.standin, "GET", TOKEN_NEW) == 2


def test_connection_dropped_then_retried(pam):
    pam.standin.fault(TOKEN_NEW, close=1, count=1)
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()


def test_one_connection_for_the_whole_transaction(pam):
    r = pam.run("authenticate acct_mgmt setcred open_session close_session", approve_as="alice")
    assert r.rc == 0, r.dump()
    stats = pam.standin.stats()
    # token, session, account; account again in acct_mgmt; the session's DELETE at close
    assert stats["total_requests"] == 5
    assert stats["connections"] == 1


@pytest.mark.parametrize("body,why", [
    ("{\"success\":true", "not valid JSON"),
    ("<html><body>Bad gateway</body></html>", "not valid JSON"),
    ("{\"success\":true,\"expires_at\":\"2026-01-01 00:00:00 UTC\",\"request_token\":\"abc\"}", "40 hexadecimal"),
    ("{\"success\":true,\"expires_at\":1,\"request_token\":\"0123456789abcdef0123456789abcdef01234567\"}", "wrong type"),
    ("null", "not a JSON object"),
])
def test_malformed_token_answer(pam, body, why):
    pam.standin.fault(TOKEN_NEW, status=200, body=body)
    r = pam.run("authenticate")
    assert unavailable(r), r.dump()
    assert_logged(r, "malformed answer", why)
    assert without_refusal(r) == []


def test_server_text_is_sanitised_in_logs(pam):
    pam.args.append("debug")
    pam.standin.fault(SESSION_NEW, status=401,
                      body='{"success":false,"status_code":17,"status_message":"Session\\u001b[2J denied\\r\\nFAKE LOG LINE"}')
    pam.conf["max_prompts"] = "1"
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_MAXTRIES")], r.dump()
    for m in r.log_messages:
        assert "\x1b" not in m and "\n" not in m and "\r" not in m
    assert_logged(r, "Session[2J deniedFAKE LOG LINE")
