# SPDX-License-Identifier: BSD-3-Clause
"""Self-tests of tmdb-host and the pamhost helpers, with system PAM modules (pam_permit, pam_deny,
pam_debug, pam_env, pam_echo, pam_unix), tmdb-host's own network-free pam_hostcheck.so, a local
approval server, and pamtester under pam_wrapper. No pam_tmdb, no network, no root needed."""

import http.server
import json
import os
import shutil
import ssl
import subprocess
import threading

import pytest

import pamhost
from pamhost import run_host, run_pamtester, security_module, write_service

PAM_DEBUG_CODES = {
    "success": "PAM_SUCCESS", "perm_denied": "PAM_PERM_DENIED", "auth_err": "PAM_AUTH_ERR",
    "authinfo_unavail": "PAM_AUTHINFO_UNAVAIL", "user_unknown": "PAM_USER_UNKNOWN",
    "maxtries": "PAM_MAXTRIES", "service_err": "PAM_SERVICE_ERR", "conv_err": "PAM_CONV_ERR",
    "buf_err": "PAM_BUF_ERR", "acct_expired": "PAM_ACCT_EXPIRED",
}

needs_host = pytest.mark.skipif(not os.access(pamhost.host_binary(), os.X_OK),
                                reason="tmdb-host not built")
needs_hostcheck = pytest.mark.skipif(not os.path.exists(pamhost.hostcheck_module()),
                                     reason="pam_hostcheck.so not built")
needs_pamtester = pytest.mark.skipif(
    not (pamhost.pamtester_binary() and pamhost.pam_wrapper_library()),
    reason="pamtester or libpam_wrapper not installed")

pytestmark = needs_host


def mod(name):
    return security_module(name)


@pytest.fixture
def confdir(tmp_path):
    d = tmp_path / "pam.d"
    d.mkdir(mode=0o700)
    return d


def permit_service(confdir, name="permit"):
    p = mod("pam_permit.so")
    write_service(confdir, name, ["%s required %s" % (t, p)
                                  for t in ("auth", "account", "session", "password")])
    return name


class ApprovalServer:
    """Stands in for the browser side of the TMDb stand-in: records every GET path."""

    def __init__(self, tls=None):
        paths = self.paths = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                paths.append(self.path)
                body = b"ok"
                self.send_response(200 if "/allow" in self.path or "/deny" in self.path else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.port, path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = ApprovalServer()
    yield s
    s.close()


# --- return codes, op order, flags -------------------------------------------------------------

def test_permit_runs_ops_in_order(confdir):
    svc = permit_service(confdir)
    ops = ["authenticate", "acct_mgmt", "setcred", "open_session", "close_session",
           "setcred:refresh", "setcred:reinit", "setcred:delete"]
    r = run_host(confdir, svc, "alice", ops)
    assert r.rc == 0, r.dump()
    assert r.op_list == [(op, "PAM_SUCCESS") for op in ops]
    assert all(e["rc"] == 0 for e in r.of("op"))
    assert r.ended
    # the deny-all "other" written by write_service keeps libpam from complaining
    assert not any("no default config" in m for m in r.log_messages)


def test_deny_stops_at_first_failure(confdir):
    write_service(confdir, "deny", ["auth required %s" % mod("pam_deny.so"),
                                    "account required %s" % mod("pam_permit.so")])
    r = run_host(confdir, "deny", "alice", ["authenticate", "acct_mgmt"])
    assert r.rc == 1
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")]
    assert r.of("op")[0]["rc"] == 7
    assert r.ended


def test_keep_going(confdir):
    write_service(confdir, "deny", ["auth required %s" % mod("pam_deny.so"),
                                    "account required %s" % mod("pam_permit.so")])
    r = run_host(confdir, "deny", "alice", ["authenticate", "acct_mgmt"], extra=["--keep-going"])
    assert r.rc == 1
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR"), ("acct_mgmt", "PAM_SUCCESS")]


@pytest.mark.parametrize("value,name", sorted(PAM_DEBUG_CODES.items()))
def test_rc_names(confdir, value, name):
    write_service(confdir, "dbg", ["auth required %s auth=%s" % (mod("pam_debug.so"), value)])
    r = run_host(confdir, "dbg", "alice", ["authenticate"])
    assert r.ops == {"authenticate": [name]}
    assert r.rc == (0 if name == "PAM_SUCCESS" else 1)


def test_each_op_reaches_its_module_type(confdir):
    write_service(confdir, "dbg", [
        "auth required %s auth=success cred=cred_err" % mod("pam_debug.so"),
        "account required %s acct=acct_expired" % mod("pam_debug.so"),
        "session required %s open_session=session_err close_session=perm_denied"
        % mod("pam_debug.so"),
        "password required %s prechauthtok=success chauthtok=authtok_err" % mod("pam_debug.so"),
    ])
    r = run_host(confdir, "dbg", "alice",
                 ["authenticate", "setcred", "acct_mgmt", "open_session", "close_session",
                  "chauthtok"], extra=["--keep-going"])
    assert r.op_list == [("authenticate", "PAM_SUCCESS"), ("setcred", "PAM_CRED_ERR"),
                         ("acct_mgmt", "PAM_ACCT_EXPIRED"), ("open_session", "PAM_SESSION_ERR"),
                         ("close_session", "PAM_PERM_DENIED"), ("chauthtok", "PAM_AUTHTOK_ERR")]


def test_silent_flag_reaches_the_module(confdir, tmp_path):
    msg = tmp_path / "motd.txt"
    msg.write_text("hello from pam_echo\n")
    write_service(confdir, "echo", ["auth optional %s file=%s" % (mod("pam_echo.so"), msg),
                                    "auth required %s" % mod("pam_permit.so")])
    loud = run_host(confdir, "echo", "alice", ["authenticate"])
    assert [c["msg"] for c in loud.conv] == ["hello from pam_echo"]
    assert loud.conv[0]["style"] == "PAM_TEXT_INFO"
    quiet = run_host(confdir, "echo", "alice", ["authenticate"], silent=True)
    assert quiet.rc == 0 and quiet.conv == []


def test_usage_errors():
    for args in ([], ["--service", "x"], ["--confdir", "/", "--service", "x", "--user", "u"],
                 ["--confdir", "/", "--service", "x", "--user", "u", "fly"],
                 ["--confdir", "/", "--service", "x", "--user", "u", "--bogus", "authenticate"],
                 ["--confdir", "/", "--service", "x", "--user", "u", "--repeat", "0", "env"],
                 ["--confdir", "/", "--service", "x", "--user", "u", "--approve-as", "a",
                  "--deny", "authenticate"]):
        p = subprocess.run([pamhost.host_binary()] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        assert p.returncode == 2, args
        assert p.stdout == b""


def test_missing_service(confdir, tmp_path):
    permit_service(confdir)              # also writes the deny-all "other"
    r = run_host(confdir, "nosuch", "alice", ["authenticate"])
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")]      # libpam falls back to "other"
    bare = tmp_path / "bare"
    write_service(bare, "permit", ["auth required %s" % mod("pam_permit.so")], other=False)
    r = run_host(bare, "nosuch", "alice", ["authenticate"])
    assert r.rc == 1
    assert r.op_list[0][0] == "start" and r.op_list[0][1] != "PAM_SUCCESS", r.dump()
    assert "authenticate" not in r.ops and r.ended


# --- environment, end ----------------------------------------------------------------------------

def test_set_env_and_env_op(confdir):
    svc = permit_service(confdir)
    r = run_host(confdir, svc, "alice", ["env", "authenticate"],
                 extra=["--set-env", "TMDB_SESSION_ID=abc", "--set-env", "X=a=b"])
    assert r.rc == 0
    assert r.env == {"TMDB_SESSION_ID": "abc", "X": "a=b"}
    first = r.events.index(r.of("env")[0])
    assert first < r.events.index(r.of("op")[0])   # the env op printed before authenticate


def test_end_starts_a_new_handle(confdir):
    svc = permit_service(confdir)
    r = run_host(confdir, svc, "alice", ["authenticate", "end", "acct_mgmt", "setcred"])
    assert r.rc == 0
    assert r.op_list == [("authenticate", "PAM_SUCCESS"), ("end", "PAM_SUCCESS"),
                         ("acct_mgmt", "PAM_SUCCESS"), ("setcred", "PAM_SUCCESS")]


@needs_hostcheck
def test_end_loses_env_unless_keep_env(confdir):
    write_service(confdir, "hc", ["auth required %s poll" % pamhost.hostcheck_module(),
                                  "account required %s" % mod("pam_permit.so")])
    r = run_host(confdir, "hc", "alice", ["authenticate", "end", "acct_mgmt"])
    assert r.rc == 0 and "TMDB_SESSION_ID" not in r.env
    r = run_host(confdir, "hc", "alice", ["authenticate", "env", "end:keep-env", "acct_mgmt"])
    assert r.rc == 0
    sid = [e["value"] for e in r.of("env") if e["name"] == "TMDB_SESSION_ID"]
    assert len(sid) == 2 and sid[0] == sid[1] and r.env["TMDB_SESSION_ID"] == sid[0]


# --- conversation ----------------------------------------------------------------------------------

def test_answers_in_order_then_enter(confdir):
    write_service(confdir, "unix", ["auth required %s" % mod("pam_unix.so")])
    r = run_host(confdir, "unix", "nosuchuser-tmdbhost", ["authenticate"], answers=["s3cret"])
    assert r.rc == 1
    assert [(c["style"], c["msg"]) for c in r.conv] == [("PAM_PROMPT_ECHO_OFF", "Password: ")]
    assert r.answers == ["s3cret"]
    r = run_host(confdir, "unix", "nosuchuser-tmdbhost", ["authenticate"])
    assert r.answers == [""]


def test_conv_fail(confdir):
    write_service(confdir, "unix", ["auth required %s" % mod("pam_unix.so")])
    r = run_host(confdir, "unix", "nosuchuser-tmdbhost", ["authenticate"],
                 extra=["--conv-fail"], answers=["x"])
    assert r.rc == 1
    assert len(r.conv) == 1 and r.answers == []      # shown, never answered
    assert any("conversation failed" in m for m in r.log_messages)


@needs_hostcheck
def test_conv_fail_and_no_conv_give_conv_err(confdir):
    write_service(confdir, "hc", ["auth required %s" % pamhost.hostcheck_module()])
    assert run_host(confdir, "hc", "alice", ["authenticate"],
                    extra=["--conv-fail"]).ops == {"authenticate": ["PAM_CONV_ERR"]}
    r = run_host(confdir, "hc", "alice", ["authenticate"], extra=["--no-conv"])
    assert r.ops == {"authenticate": ["PAM_CONV_ERR"]} and r.conv == []


@needs_hostcheck
def test_max_prompts_abort(confdir):
    write_service(confdir, "hc", ["auth required %s rounds=10" % pamhost.hostcheck_module()])
    r = run_host(confdir, "hc", "alice", ["authenticate"], extra=["--max-prompts-abort", "3"])
    assert r.ops == {"authenticate": ["PAM_CONV_ERR"]}
    assert len(r.answers) == 3
    assert r.of("abort") == [{"ev": "abort", "reason": "max-prompts-abort", "prompts": 3}]


def test_json_escaping(confdir, tmp_path):
    msg = tmp_path / "weird.txt"
    raw = b'q"uote back\\slash \x01\x1f\x7f tab\tcr\r\nutf8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xac' \
          b' bad \xff\xc3 \xed\xa0\x80 \xc0\xaf end'
    msg.write_bytes(raw)
    write_service(confdir, "echo", ["auth optional %s file=%s" % (mod("pam_echo.so"), msg),
                                    "auth required %s" % mod("pam_permit.so")])
    r = run_host(confdir, "echo", "alice", ["authenticate"])
    line = [ln for ln in r.stdout.splitlines() if '"conv"' in ln][0]
    assert all(32 <= ord(ch) for ch in line)          # no raw control characters
    line.encode("utf-8")                              # valid UTF-8 (no surrogates)
    got = r.conv[0]["msg"]
    expected = ('q"uote back\\slash \x01\x1f\x7f tab\tcr\r\nutf8 \u00e9\u20ac\U0001f3ac'
                ' bad \u00ff\u00c3 \u00ed\u00a0\u0080 \u00c0\u00af end')
    assert got == expected
    assert "\\u0001" in line and "\\u007f" in line and "\\u00ff" in line


# --- logs ------------------------------------------------------------------------------------------

def test_syslog_capture(confdir):
    write_service(confdir, "envbad", ["auth required %s bogus_arg" % mod("pam_env.so"),
                                      "auth required %s" % mod("pam_permit.so")])
    r = run_host(confdir, "envbad", "alice", ["authenticate", "setcred"])
    assert r.rc == 0, r.dump()
    logs = [e for e in r.logs if "bogus_arg" in e["msg"]]
    assert logs, r.dump()
    assert logs[0]["prio"] == 3 and logs[0]["facility"] == 10     # LOG_ERR, LOG_AUTHPRIV
    assert logs[0]["msg"].startswith("pam_env(envbad:setcred): ")
    # the log event comes before the op that caused it
    assert r.events.index(logs[0]) < r.events.index(r.of("op")[1])


def test_syslog_capture_pam_unix(confdir):
    write_service(confdir, "unix", ["auth required %s" % mod("pam_unix.so")])
    r = run_host(confdir, "unix", "nosuchuser-tmdbhost", ["authenticate"])
    assert any("pam_unix(unix:auth)" in m for m in r.log_messages), r.dump()


# --- browser approval ------------------------------------------------------------------------------

@needs_hostcheck
def test_approve_in_prompt_mode(confdir, server):
    url = server.url("/authenticate/TOKEN1?redirect_to=https%3A%2F%2Fexample.org%2F")
    write_service(confdir, "hc", ["auth required %s url=%s rounds=1"
                                  % (pamhost.hostcheck_module(), url)])
    r = run_host(confdir, "hc", "alice", ["authenticate"], approve_as="al ice+1")
    assert r.rc == 0, r.dump()
    assert r.urls == [url]
    # URL and prompt arrive in the same conversation call
    assert [(c["style"], c["call"], c["index"]) for c in r.conv] == [
        ("PAM_TEXT_INFO", 1, 0), ("PAM_PROMPT_ECHO_ON", 1, 1)]
    assert server.paths == ["/authenticate/TOKEN1/allow?user=al%20ice%2B1"]
    a = r.approvals[0]
    assert a["status"] == 200 and a["action"] == "allow"
    kinds = [e["ev"] for e in r.events]
    assert kinds.index("approve") < kinds.index("answer")   # approved before pressing Enter
    assert r.env["TMDB_SESSION_ID"].startswith("hc")


@needs_hostcheck
def test_approve_after_n_rounds(confdir, server):
    url = server.url("/authenticate/TOKEN2")
    write_service(confdir, "hc", ["auth required %s url=%s rounds=4"
                                  % (pamhost.hostcheck_module(), url)])
    r = run_host(confdir, "hc", "bob", ["authenticate"], approve_as="bob", approve_after=2)
    assert r.rc == 0
    kinds = [e["ev"] for e in r.events if e["ev"] in ("answer", "approve")]
    assert kinds == ["answer", "answer", "approve", "answer", "answer"]
    assert server.paths == ["/authenticate/TOKEN2/allow?user=bob"]
    assert [c["style"] for c in r.conv if c["call"] == 2] == ["PAM_ERROR_MSG",
                                                              "PAM_PROMPT_ECHO_ON"]


@needs_hostcheck
def test_deny_and_poll_mode_background_approval(confdir, server):
    url = server.url("/authenticate/TOKEN3?redirect_to=x")
    write_service(confdir, "hc", ["auth required %s url=%s poll sleep_ms=400"
                                  % (pamhost.hostcheck_module(), url)])
    r = run_host(confdir, "hc", "carol", ["authenticate"], deny=True,
                 extra=["--approve-delay-ms", "100"])
    assert r.rc == 0
    assert server.paths == ["/authenticate/TOKEN3/deny"]
    assert [c["style"] for c in r.conv] == ["PAM_TEXT_INFO"]
    kinds = [e["ev"] for e in r.events]
    assert kinds.index("url") < kinds.index("approve") < kinds.index("op")
    assert r.approvals[0]["url"].endswith("/authenticate/TOKEN3/deny")


@needs_hostcheck
def test_no_approval_without_option(confdir, server):
    url = server.url("/authenticate/TOKEN4")
    write_service(confdir, "hc", ["auth required %s url=%s" % (pamhost.hostcheck_module(), url)])
    r = run_host(confdir, "hc", "dave", ["authenticate"])
    assert r.urls == [url] and r.approvals == [] and server.paths == []


@pytest.fixture
def tls_pair(tmp_path):
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(cert), str(key)


@needs_hostcheck
def test_approve_over_https_verifies_the_peer(confdir, tls_pair):
    srv = ApprovalServer(tls=tls_pair)
    try:
        url = srv.url("/authenticate/TOKEN5")
        write_service(confdir, "hc", ["auth required %s url=%s"
                                      % (pamhost.hostcheck_module(), url)])
        r = run_host(confdir, "hc", "erin", ["authenticate"], approve_as="erin",
                     cafile=tls_pair[0])
        assert r.approvals[0]["status"] == 200, r.dump()
        assert srv.paths == ["/authenticate/TOKEN5/allow?user=erin"]
        # without the CA the TLS handshake must fail: status 0 and an error text
        r = run_host(confdir, "hc", "erin", ["authenticate"], approve_as="erin")
        assert r.approvals[0]["status"] == 0 and r.approvals[0]["error"]
        assert len(srv.paths) == 1
    finally:
        srv.close()


# --- load modes ------------------------------------------------------------------------------------

def test_repeat_summary(confdir):
    svc = permit_service(confdir)
    r = run_host(confdir, svc, "alice", ["authenticate", "acct_mgmt"],
                 extra=["--repeat", "100"])
    assert r.rc == 0, r.dump()
    assert [e["ev"] for e in r.events] == ["summary", "end"]
    s = r.summary
    assert (s["transactions"], s["ok"], s["failed"], s["distinct_sessions"]) == (100, 100, 0, 0)
    assert set(s["rss_kb_at"]) == {"1", "10", "100"}
    assert all(v > 0 for v in s["rss_kb_at"].values()) and s["max_rss_kb"] > 0
    assert s["seconds"] >= 0


def test_repeat_counts_failures(confdir):
    write_service(confdir, "deny", ["auth required %s" % mod("pam_deny.so")])
    r = run_host(confdir, "deny", "alice", ["authenticate"], extra=["--repeat", "10"])
    assert r.rc == 1
    assert (r.summary["ok"], r.summary["failed"]) == (0, 10)
    assert r.summary["fail_rc"] == {"PAM_AUTH_ERR": 10}


def test_threads_with_system_modules(confdir):
    svc = permit_service(confdir)
    r = run_host(confdir, svc, "alice", ["authenticate", "setcred", "acct_mgmt"],
                 extra=["--threads", "4", "--repeat", "50"])
    assert r.rc == 0, r.dump()
    assert (r.summary["transactions"], r.summary["ok"], r.summary["threads"]) == (200, 200, 4)


@needs_hostcheck
def test_threads_distinct_sessions_and_approvals(confdir, server):
    url = server.url("/authenticate/T")
    write_service(confdir, "hc", ["auth required %s url=%s rounds=2"
                                  % (pamhost.hostcheck_module(), url)])
    r = run_host(confdir, "hc", "alice", ["authenticate"], approve_as="alice", approve_after=1,
                 extra=["--threads", "4", "--repeat", "50"])
    assert r.rc == 0, r.dump()
    s = r.summary
    assert (s["transactions"], s["ok"], s["distinct_sessions"]) == (200, 200, 200)
    assert s["logs"] == 200                     # one captured pam_syslog per transaction
    assert len(server.paths) == 200             # every transaction approved once, in its thread


@needs_hostcheck
def test_verbose_repeat_prints_each_transaction(confdir):
    write_service(confdir, "hc", ["auth required %s poll" % pamhost.hostcheck_module()])
    r = run_host(confdir, "hc", "alice", ["authenticate"],
                 extra=["--repeat", "3", "--verbose"])
    assert len(r.of("txn")) == 3 and len(r.of("op")) == 3
    assert r.summary["distinct_sessions"] == 3
    # conversation call numbers restart with every transaction
    assert [c["call"] for c in r.conv] == [1, 1, 1]


# --- pamtester through pam_wrapper -----------------------------------------------------------------

@needs_pamtester
def test_pamtester_permit_and_deny(tmp_path):
    d = tmp_path / "services"
    write_service(d, "ok", ["auth required %s" % mod("pam_permit.so"),
                            "account required %s" % mod("pam_permit.so")])
    write_service(d, "no", ["auth required %s" % mod("pam_deny.so")])
    r = run_pamtester(d, "ok", "alice", ["authenticate", "acct_mgmt"])
    assert r.rc == 0, r.stderr
    assert "successfully authenticated" in r.stdout
    r = run_pamtester(d, "no", "alice")
    assert r.rc == 1 and "Authentication failure" in r.stderr
    r = run_pamtester(d, "missing", "alice")
    assert r.rc == 1


@needs_pamtester
def test_pamtester_logs_and_prompts_under_wrapper(tmp_path):
    d = tmp_path / "services"
    write_service(d, "unix", ["auth required %s" % mod("pam_unix.so")])
    r = run_pamtester(d, "unix", "nosuchuser-tmdbhost", input="pw\n")
    assert r.rc == 1
    assert "Password:" in r.stderr
    write_service(d, "envbad", ["auth required %s" % mod("pam_permit.so"),
                                "auth required %s bogus_arg" % mod("pam_env.so")])
    r = run_pamtester(d, "envbad", "alice", ["authenticate", "setcred"])
    assert r.rc == 0
    assert any("unknown option: bogus_arg" in m for m in r.logs), r.stderr


@needs_pamtester
def test_host_under_pam_wrapper(tmp_path):
    d = tmp_path / "services"
    write_service(d, "envbad", ["auth required %s" % mod("pam_permit.so"),
                                "auth required %s bogus_arg" % mod("pam_env.so")])
    env = pamhost.pam_wrapper_env(d, use_syslog=True)
    r = run_host(None, "envbad", "alice", ["authenticate", "setcred"], env=env)
    assert r.rc == 0, r.dump()
    assert any("unknown option: bogus_arg" in m for m in r.log_messages), r.dump()
