# SPDX-License-Identifier: BSD-3-Clause
"""Tests of tmdb-standin itself: the TMDb endpoints, their likeness to the recorded
TMDb responses in tests/data/tmdb-captures/, the browser pages, faults, counters and the
request log."""

import http.client
import json
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest

from standin import DEFAULT_API_KEY, Standin, captures_dir, standin_binary

HEX40 = re.compile(r"^[0-9a-f]{40}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
TMDB_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")
JSON_TYPE = "application/json; charset=utf-8"

MSG = {
    3: "Authentication failed: You do not have permissions to access the service.",
    5: "Invalid parameters: Your request parameters are incorrect.",
    6: "Invalid id: The pre-requisite id is invalid or not found.",
    7: "Invalid API key: You must be granted a valid key.",
    17: "Session denied.",
    30: "Invalid username and/or password: You did not provide a valid login.",
    34: "The resource you requested could not be found.",
}


def err(code):
    body = {"success": False, "status_code": code, "status_message": MSG[code]}
    if code == 17:
        body = {"success": False, "failure": True, "status_code": 17,
                "status_message": MSG[17]}
    return body


def parse_time(s):
    return datetime.strptime(s, "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=timezone.utc)


def raw_head(s, method, path, body=b"", extra=""):
    """Sends one request over a raw (TLS) socket; returns (status line,
    [(name, value)] with the exact case sent, the rest of the bytes read)."""
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    if s.https:
        sock = s.ssl_context.wrap_socket(sock, server_hostname="localhost")
    with sock:
        req = ("%s %s HTTP/1.1\r\nHost: localhost:%d\r\n%sContent-Length: %d\r\n\r\n"
               % (method, path, s.port, extra, len(body))).encode() + body
        sock.sendall(req)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() if i else part for i, part in enumerate(line.split(":", 1)))
               for line in lines[1:]]
    return lines[0], headers, rest


def new_token(s):
    status, hdrs, body = s.api("GET", "/3/authentication/token/new")
    assert status == 200
    return body["request_token"]


def session_for(s, user="alice"):
    tok = new_token(s)
    s.approve(tok, user)
    status, _, body = s.api("POST", "/3/authentication/session/new",
                            body={"request_token": tok})
    assert status == 200, body
    return body["session_id"]


# ---------------------------------------------------------------------------
# TMDb endpoints


def test_authentication_with_key_or_bearer(standin):
    assert standin.api("GET", "/3/authentication")[0::2] == (200, {"success": True})
    status, _, body = standin.api("GET", "/3/authentication", key=False,
                                  headers={"Authorization": "Bearer standin-access-token"})
    assert (status, body) == (200, {"success": True})


@pytest.mark.parametrize("params,headers", [
    ({}, {}),
    ({"api_key": "wrong"}, {}),
    ({}, {"Authorization": "Bearer wrong"}),
    ({}, {"Authorization": "Basic c3RhbmRpbi1hcGkta2V5"}),
])
def test_bad_credentials_give_status_7(standin, params, headers):
    for path in ("/3/authentication", "/3/authentication/token/new", "/3/account"):
        status, hdrs, body = standin.api("GET", path, params=params, headers=headers, key=False)
        assert status == 401
        assert body == err(7)
        assert hdrs["Content-Type"] == JSON_TYPE


@pytest.mark.parametrize("path", ["/3/nope", "/3/authentication/token", "/", "/3/account/x",
                                  "/authenticat"])
def test_unknown_path_gives_status_34(standin, path):
    status, _, body = standin.api("GET", path)
    assert (status, body) == (404, err(34))


def test_wrong_method_gives_405(standin):
    status, hdrs, body = standin.api("DELETE", "/3/authentication/token/new")
    assert status == 405
    assert body["status_code"] == 42 and body["success"] is False
    assert hdrs["Allow"] == "GET,HEAD"
    status, _, body = standin.api("GET", "/3/authentication/session")
    assert status == 405


def test_token_new(standin):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    status, hdrs, body = standin.api("GET", "/3/authentication/token/new")
    assert status == 200
    assert list(body) == ["success", "expires_at", "request_token"]
    assert body["success"] is True
    assert HEX40.match(body["request_token"])
    assert TMDB_TIME.match(body["expires_at"])
    expires = parse_time(body["expires_at"])
    assert before + timedelta(seconds=3599) <= expires <= before + timedelta(seconds=3602)
    assert hdrs["authentication-callback"] == "%s/authenticate/%s" % (
        standin.url, body["request_token"])
    assert standin.tokens()[-1]["request_token"] == body["request_token"]
    assert standin.tokens()[-1]["status"] == "new"


def test_tokens_are_unique(standin):
    assert len({new_token(standin) for _ in range(20)}) == 20


def test_full_flow_through_browser(standin):
    status, hdrs, body = standin.api("GET", "/3/authentication/token/new")
    tok = body["request_token"]
    page = urllib.parse.urlsplit(hdrs["authentication-callback"]).path

    status, h, html = standin.request("GET", page, params={"redirect_to": "https://x.test/"})
    assert status == 200 and h["Content-Type"] == "text/html; charset=utf-8"
    assert ("/authenticate/%s/allow?user=alice" % tok).encode() in html
    assert ("/authenticate/%s/deny" % tok).encode() in html

    # Not approved yet: denied.
    status, _, body = standin.api("POST", "/3/authentication/session/new",
                                  body={"request_token": tok})
    assert (status, body) == (401, err(17))

    status, _, html = standin.request("GET", page + "/allow",
                                      params={"user": "alice", "redirect_to": "https://x.test/"})
    assert status == 200 and b"approved" in html and b"https://x.test/" in html

    status, _, body = standin.api("POST", "/3/authentication/session/new",
                                  body={"request_token": tok})
    assert status == 200 and list(body) == ["success", "session_id"]
    assert body["success"] is True and HEX40.match(body["session_id"])
    sid = body["session_id"]

    # The token is consumed.
    status, _, body = standin.api("POST", "/3/authentication/session/new",
                                  body={"request_token": tok})
    assert (status, body) == (401, err(17))

    status, _, acct = standin.api("GET", "/3/account", params={"session_id": sid})
    assert status == 200
    assert acct["id"] == 1001 and acct["username"] == "alice" and acct["name"] == "Alice"

    status, _, body = standin.api("DELETE", "/3/authentication/session",
                                  body={"session_id": sid})
    assert (status, body) == (200, {"success": True})
    status, _, body = standin.api("GET", "/3/account", params={"session_id": sid})
    assert (status, body) == (401, err(3))
    status, _, body = standin.api("DELETE", "/3/authentication/session",
                                  body={"session_id": sid})
    assert (status, body) == (404, err(6))


def test_browser_deny_and_errors(standin):
    tok = new_token(standin)
    status, _, html = standin.request("GET", "/authenticate/%s/deny" % tok)
    assert status == 200 and b"denied" in html
    assert standin.api("POST", "/3/authentication/session/new",
                       body={"request_token": tok})[0::2] == (401, err(17))
    # A denied token cannot be approved any more.
    assert standin.request("GET", "/authenticate/%s/allow?user=alice" % tok)[0] == 404

    tok = new_token(standin)
    assert standin.request("GET", "/authenticate/%s/allow?user=nobody" % tok)[0] == 404
    assert standin.request("GET", "/authenticate/%s/allow" % tok)[0] == 404
    assert standin.request("GET", "/authenticate/%s" % ("0" * 40))[0] == 404
    assert standin.request("GET", "/authenticate/%s/allow?user=alice" % ("0" * 40))[0] == 404
    assert standin.request("GET", "/authenticate/%s/what" % tok)[0] == 404
    standin.expire(tok)
    assert standin.request("GET", "/authenticate/%s" % tok)[0] == 404


def test_browser_needs_no_api_key_and_is_not_api_traffic(standin):
    tok = new_token(standin)
    standin.request("GET", "/authenticate/%s?redirect_to=x" % tok)
    stats = standin.stats()
    assert stats["total_requests"] == 1 and stats["browser_requests"] == 1


@pytest.mark.parametrize("body", [None, b"", b"{", b"[]", b'{"request_token":5}', b'{"x":"y"}'])
def test_session_new_bad_body_gives_status_5(standin, body):
    status, _, data = standin.request("POST", "/3/authentication/session/new",
                                      params={"api_key": DEFAULT_API_KEY}, body=body or b"")
    assert status == 422
    assert json.loads(data) == {"success": False, "status_code": 5, "status_message": MSG[5]}


def test_session_new_unknown_or_expired_token(standin):
    assert standin.api("POST", "/3/authentication/session/new",
                       body={"request_token": "f" * 40})[0::2] == (401, err(17))
    tok = new_token(standin)
    standin.approve(tok, "alice")
    standin.expire(tok)
    assert standin.api("POST", "/3/authentication/session/new",
                       body={"request_token": tok})[0::2] == (401, err(17))


def test_validate_with_login(standin):
    tok = new_token(standin)
    status, _, body = standin.api("POST", "/3/authentication/token/validate_with_login",
                                  body={"username": "alice", "password": "wrong",
                                        "request_token": tok})
    assert (status, body) == (401, err(30))
    status, _, body = standin.api("POST", "/3/authentication/token/validate_with_login",
                                  body={"username": "alice", "password": "alicepw",
                                        "request_token": tok})
    assert status == 200 and list(body) == ["success", "expires_at", "request_token"]
    assert body["request_token"] == tok and body["success"] is True
    status, _, body = standin.api("POST", "/3/authentication/session/new",
                                  body={"request_token": tok})
    assert status == 200
    acct = standin.api("GET", "/3/account", params={"session_id": body["session_id"]})[2]
    assert acct["username"] == "alice"
    # Good login, bad token.
    status, _, body = standin.api("POST", "/3/authentication/token/validate_with_login",
                                  body={"username": "alice", "password": "alicepw",
                                        "request_token": "0" * 40})
    assert status == 401 and body["status_code"] == 33
    status, _, body = standin.api("POST", "/3/authentication/token/validate_with_login",
                                  body={"request_token": tok})
    assert status == 400 and body["status_code"] == 26


def test_guest_session(standin):
    status, _, body = standin.api("GET", "/3/authentication/guest_session/new")
    assert status == 200
    assert list(body) == ["success", "guest_session_id", "expires_at"]
    assert HEX32.match(body["guest_session_id"]) and TMDB_TIME.match(body["expires_at"])


def test_account_errors(standin):
    assert standin.api("GET", "/3/account")[0::2] == (401, err(3))
    assert standin.api("GET", "/3/account", params={"session_id": "0" * 40})[0::2] == \
        (401, err(3))


def test_delete_session_bad_body(standin):
    status, _, body = standin.api("DELETE", "/3/authentication/session", body={"x": 1})
    assert status == 422 and body["status_code"] == 5


def test_plain_http(standin_http):
    assert standin_http.url.startswith("http://localhost:")
    status, hdrs, body = standin_http.api("GET", "/3/authentication/token/new")
    assert status == 200
    assert hdrs["authentication-callback"] == "%s/authenticate/%s" % (
        standin_http.url, body["request_token"])
    assert standin_http.stats()["tls_connections"] == 0
    assert standin_http.stats()["connections"] == 1


# ---------------------------------------------------------------------------
# Likeness to the recorded TMDb responses

CAPTURES = sorted(captures_dir().glob("*.json"))
RANDOM_VALUES = {"request_token": HEX40, "session_id": HEX40, "guest_session_id": HEX32,
                 "hash": HEX32, "expires_at": TMDB_TIME}


def same_shape(expected, actual, where="body"):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert list(actual) == list(expected), where
        for k in expected:
            if k in RANDOM_VALUES:
                assert isinstance(actual[k], str), where + "." + k
                assert RANDOM_VALUES[k].match(expected[k]), where + "." + k
                assert RANDOM_VALUES[k].match(actual[k]), where + "." + k
            else:
                same_shape(expected[k], actual[k], where + "." + k)
    else:
        assert type(actual) is type(expected), where
        assert actual == expected, where


def test_captures_are_there():
    assert len(CAPTURES) == 6, "expected six captures under %s" % captures_dir()


@pytest.mark.parametrize("capture", CAPTURES, ids=[c.stem for c in CAPTURES])
def test_matches_capture(standin, capture):
    rec = json.loads(capture.read_text())
    req, resp = rec["Request"], rec["Response"]
    method = req["Methods"][0]
    path = req["Path"]["Matchers"][0]["Pattern"]
    params = {p["Name"]: p["Matchers"][0]["Pattern"] for p in req.get("Params") or []}
    params["api_key"] = DEFAULT_API_KEY
    if path == "/3/account":
        params["session_id"] = standin.new_session(resp["BodyAsJson"]["username"])
    target = path + "?" + urllib.parse.urlencode(params)

    status_line, headers, rest = raw_head(standin, method, target)
    assert status_line.split(" ")[1] == str(resp["StatusCode"]), status_line
    names = [n for n, _ in headers]
    lower = {n.lower(): v for n, v in headers}
    for name, value in resp["Headers"].items():
        if name == "authentication-callback":
            assert name in names, "header name case: %s" % names
            assert re.fullmatch(re.escape(standin.url) + r"/authenticate/[0-9a-f]{40}",
                                lower[name])
        elif name.lower() == "connection":
            assert lower["connection"].lower() == value.lower()
        else:
            assert lower[name.lower()] == value, name
    assert "content-length" not in lower

    # Read the chunked body to the end on a keep-alive connection.
    conn = standin.connection()
    conn.request(method, target)
    r = conn.getresponse()
    assert r.status == resp["StatusCode"]
    assert r.getheader("Transfer-Encoding") == "chunked"
    assert r.getheader("Content-Length") is None
    body = json.loads(r.read())
    conn.close()
    same_shape(resp["BodyAsJson"], body)
    if "authentication-callback" in resp["Headers"]:
        assert r.getheader("authentication-callback").endswith("/" + body["request_token"])


# ---------------------------------------------------------------------------
# Faults


def test_fault_status_with_retry_after_then_normal(standin):
    standin.fault("/3/authentication/token/new", status=503, retry_after="2", count=2)
    for _ in range(2):
        status, hdrs, body = standin.api("GET", "/3/authentication/token/new")
        assert status == 503 and hdrs["Retry-After"] == "2"
        assert body == {"success": False, "status_code": 9, "status_message":
                        "Service offline: This service is temporarily offline, try again later."}
    status, hdrs, body = standin.api("GET", "/3/authentication/token/new")
    assert status == 200 and "Retry-After" not in hdrs and HEX40.match(body["request_token"])
    # A status fault does not create a token.
    assert len([t for t in standin.tokens() if t["status"] == "new"]) >= 1


def test_faults_queue_in_order(standin):
    path = "/3/authentication"
    standin.fault(path, status=503, count=1)
    standin.fault(path, status=429, retry_after="1", count=1)
    standin.fault(path, status=401, tmdb_status=10, count=1)
    standin.fault(path, status=200, body='{"odd":', count=1)
    got = [standin.request("GET", path, params={"api_key": DEFAULT_API_KEY})
           for _ in range(5)]
    assert [g[0] for g in got] == [503, 429, 401, 200, 200]
    assert got[1][1]["Retry-After"] == "1"
    assert json.loads(got[1][2])["status_code"] == 25
    assert json.loads(got[2][2])["status_code"] == 10
    assert got[3][2] == b'{"odd":'
    assert json.loads(got[4][2]) == {"success": True}


def test_fault_until_reset_and_method_filter(standin):
    standin.fault("/3/authentication", status=500, method="POST")
    standin.fault("/3/authentication/guest_session/new", status=502)
    assert standin.api("GET", "/3/authentication")[0] == 200
    for _ in range(3):
        assert standin.api("GET", "/3/authentication/guest_session/new")[0] == 502
    standin.reset()
    assert standin.api("GET", "/3/authentication/guest_session/new")[0] == 200


def test_fault_redirect(standin):
    standin.fault("/3/authentication", redirect="https://evil.invalid/x")
    conn = standin.connection()
    conn.request("GET", "/3/authentication?api_key=" + DEFAULT_API_KEY)
    r = conn.getresponse()
    r.read()
    assert r.status == 302 and r.getheader("Location") == "https://evil.invalid/x"
    conn.close()


def test_fault_close(standin):
    standin.fault("/3/authentication", close=1, count=1)
    conn = standin.connection()
    conn.request("GET", "/3/authentication?api_key=" + DEFAULT_API_KEY)
    with pytest.raises((http.client.HTTPException, OSError)):
        conn.getresponse().read()
    conn.close()
    assert standin.api("GET", "/3/authentication")[0] == 200
    log = standin.requests()
    assert log[0]["status"] is None and log[0]["fault"] is True


def test_fault_close_mid_body(standin):
    standin.fault("/3/authentication/token/new", close_mid_body=1, count=1)
    conn = standin.connection()
    conn.request("GET", "/3/authentication/token/new?api_key=" + DEFAULT_API_KEY)
    r = conn.getresponse()
    assert r.status == 200
    with pytest.raises((http.client.HTTPException, OSError)):
        r.read()
    conn.close()


def test_fault_delay_and_trickle(standin):
    standin.fault("/3/authentication", delay_ms=300, count=1)
    t0 = time.monotonic()
    assert standin.api("GET", "/3/authentication")[0::2] == (200, {"success": True})
    assert time.monotonic() - t0 >= 0.29

    standin.fault("/3/authentication", trickle_ms=25, count=1)   # 16 bytes
    t0 = time.monotonic()
    assert standin.api("GET", "/3/authentication")[0::2] == (200, {"success": True})
    assert time.monotonic() - t0 >= 0.35


def test_fault_endless(standin):
    standin.fault("/3/authentication", endless=1)
    conn = standin.connection(timeout=5)
    conn.request("GET", "/3/authentication?api_key=" + DEFAULT_API_KEY)
    r = conn.getresponse()
    assert r.status == 200
    assert r.read(16) == b'{"success":true}'
    # Whitespace keeps coming, slowly, and the body never ends.
    got, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 0.5:
        chunk = r.read(64)
        assert chunk.strip() == b"" and chunk
        got += len(chunk)
    assert not r.isclosed() and 0 < got < 100000
    conn.close()


def test_fault_no_callback_content_type_header_bytes_pad(standin):
    standin.fault("/3/authentication/token/new", no_callback=1, count=1)
    status, hdrs, body = standin.api("GET", "/3/authentication/token/new")
    assert status == 200 and "authentication-callback" not in hdrs
    assert HEX40.match(body["request_token"])

    standin.fault("/3/authentication", content_type="text/html", header_bytes=20000,
                  pad_bytes=100000, count=1)
    status, hdrs, data = standin.request("GET", "/3/authentication",
                                         params={"api_key": DEFAULT_API_KEY})
    assert status == 200 and hdrs["Content-Type"] == "text/html"
    assert len(hdrs["X-Standin-Padding"]) == 20000
    assert len(data) == len(b'{"success":true}') + 100000
    assert json.loads(data) == {"success": True}


def test_fault_on_browser_page(standin):
    tok = new_token(standin)
    standin.fault("/authenticate/%s" % tok, status=500, body="<p>oops</p>", count=1)
    assert standin.request("GET", "/authenticate/%s" % tok)[0::2] == (500, b"<p>oops</p>")
    assert standin.request("GET", "/authenticate/%s" % tok)[0] == 200


@pytest.mark.parametrize("opts", [{"path": None}, {"path": "/x", "bogus": "1"},
                                  {"path": "/x", "status": "abc"},
                                  {"path": "/x", "count": "0"}, {"path": "nopath"}])
def test_fault_bad_options(standin, opts):
    status, _, data = standin.request(
        "POST", "/_standin/fault?" + urllib.parse.urlencode(
            {k: v for k, v in opts.items() if v is not None}), body=b"")
    assert status == 400 and json.loads(data)["success"] is False


# ---------------------------------------------------------------------------
# Counters and request log


def test_three_requests_on_one_connection(standin):
    conn = standin.connection()
    headers = {"User-Agent": "pam_tmdb/test", "Authorization": "Bearer standin-access-token"}
    conn.request("GET", "/3/authentication/token/new", headers=headers)
    r = conn.getresponse()
    tok = json.loads(r.read())["request_token"]
    standin.approve(tok, "TMDbTestAccount")
    body = json.dumps({"request_token": tok})
    conn.request("POST", "/3/authentication/session/new", body=body,
                 headers=dict(headers, **{"Content-Type": "application/json"}))
    r = conn.getresponse()
    sid = json.loads(r.read())["session_id"]
    conn.request("GET", "/3/account?session_id=" + sid, headers=headers)
    r = conn.getresponse()
    assert json.loads(r.read())["id"] == 6089455
    conn.close()

    stats = standin.stats()
    assert stats["connections"] == 1 and stats["tls_connections"] == 1
    assert stats["total_requests"] == 3
    assert stats["requests"] == {"GET /3/authentication/token/new": 1,
                                 "POST /3/authentication/session/new": 1,
                                 "GET /3/account": 1}

    log = standin.requests()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/3/authentication/token/new", 200),
        ("POST", "/3/authentication/session/new", 200),
        ("GET", "/3/account", 200)]
    assert len({e["connection"] for e in log}) == 1
    for e in log:
        assert e["headers"]["authorization"] == "Bearer standin-access-token"
        assert e["headers"]["user-agent"] == "pam_tmdb/test"
        assert e["tls"] is True
    assert log[1]["body"] == body
    assert log[2]["query"] == "session_id=" + sid


def test_separate_connections_are_counted(standin):
    for _ in range(2):
        standin.api("GET", "/3/authentication")
    standin.stats()   # control traffic is not counted
    stats = standin.stats()
    assert stats["connections"] == 2 and stats["total_requests"] == 2
    assert stats["control_requests"] >= 1
    log = standin.requests()
    assert len({e["connection"] for e in log}) == 2
    assert log[0]["query"] == "api_key=" + DEFAULT_API_KEY


def test_reset_clears_counters_and_log_but_keeps_sessions(standin):
    sid = session_for(standin)
    standin.reset()
    assert standin.stats()["total_requests"] == 0 and standin.requests() == []
    assert standin.api("GET", "/3/account", params={"session_id": sid})[0] == 200


def test_request_log_keeps_raw_query_and_odd_bytes(standin):
    standin.request("POST", "/3/authentication/session/new?api_key=%s&x=a%%20b" % DEFAULT_API_KEY,
                    body=b'{"request_token":"\xff\x00"}')
    e = standin.requests()[-1]
    assert e["query"] == "api_key=%s&x=a%%20b" % DEFAULT_API_KEY
    assert e["body"] == '{"request_token":"\ufffd\x00"}'


def test_request_log_is_bounded(standin_http):
    for _ in range(210):
        standin_http.request("GET", "/3/nope")
    assert len(standin_http.requests()) == 200
    assert standin_http.stats()["total_requests"] == 210


def test_64_concurrent_keepalive_clients(standin):
    n = 64
    barrier = threading.Barrier(n)
    errors = []

    def client():
        try:
            conn = standin.connection(timeout=30)
            conn.connect()
            barrier.wait(timeout=30)
            for _ in range(3):
                conn.request("GET", "/3/authentication/token/new?api_key=" + DEFAULT_API_KEY)
                r = conn.getresponse()
                assert r.status == 200
                json.loads(r.read())
            conn.close()
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))

    threads = [threading.Thread(target=client) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    stats = standin.stats()
    assert stats["connections"] == n and stats["total_requests"] == 3 * n


# ---------------------------------------------------------------------------
# Control API


def test_control_revoke_approve_session_config(standin):
    sid1, sid2 = standin.new_session("alice"), standin.new_session("TMDbTestAccount")
    assert standin.api("GET", "/3/account", params={"session_id": sid1})[2]["username"] == "alice"
    standin.revoke(sid1)
    assert standin.api("GET", "/3/account", params={"session_id": sid1})[0] == 401
    assert standin.api("GET", "/3/account", params={"session_id": sid2})[0] == 200
    assert standin.revoke(all=True)["revoked"] >= 1
    assert standin.api("GET", "/3/account", params={"session_id": sid2})[0] == 401
    assert {s["session_id"]: s["revoked"] for s in standin.sessions()}[sid2] is True
    with pytest.raises(Exception):
        standin.revoke(sid1)
    with pytest.raises(Exception):
        standin.approve(new_token(standin), "nobody")

    standin.configure(auto_approve="alice", token_ttl=120)
    status, _, body = standin.api("GET", "/3/authentication/token/new")
    expires = parse_time(body["expires_at"])
    assert expires <= datetime.now(timezone.utc) + timedelta(seconds=121)
    assert standin.api("POST", "/3/authentication/session/new",
                       body={"request_token": body["request_token"]})[0] == 200
    standin.reset()     # back to the command-line settings
    tok = new_token(standin)
    assert standin.api("POST", "/3/authentication/session/new",
                       body={"request_token": tok})[0] == 401


def test_live_sessions_count_creations_minus_revocations(standin):
    """The module-shared stand-in keeps sessions across tests: compare with a baseline."""
    before = standin.live_sessions()
    assert set(before) == {"TMDbTestAccount", "alice"}
    assert standin.live_sessions_of("ALICE") == before["alice"]

    def delta():
        now = standin.live_sessions()
        return {u: now[u] - before[u] for u in now}

    a1, a2, a3 = session_for(standin), session_for(standin), standin.new_session("alice")
    t1 = standin.new_session("TMDbTestAccount")
    assert delta() == {"alice": 3, "TMDbTestAccount": 1}

    # TMDb's own logout, then a second attempt at the same session (404, no double count)
    assert standin.api("DELETE", "/3/authentication/session",
                       body={"session_id": a1})[0::2] == (200, {"success": True})
    assert standin.api("DELETE", "/3/authentication/session",
                       body={"session_id": a1})[0] == 404
    assert delta() == {"alice": 2, "TMDbTestAccount": 1}
    standin.revoke(a3)
    with pytest.raises(Exception):
        standin.revoke(a3)
    assert delta() == {"alice": 1, "TMDbTestAccount": 1}

    # neither a failed session/new nor a guest session is a session
    assert standin.api("POST", "/3/authentication/session/new",
                       body={"request_token": new_token(standin)})[0] == 401
    assert standin.api("GET", "/3/authentication/guest_session/new")[0] == 200
    standin.reset()     # keeps sessions, so the counts stay
    assert delta() == {"alice": 1, "TMDbTestAccount": 1}
    assert standin.api("GET", "/3/account", params={"session_id": a2})[0] == 200
    assert standin.api("GET", "/3/account", params={"session_id": t1})[0] == 200
    with pytest.raises(KeyError):
        standin.live_sessions_of("nobody")


def test_live_sessions_exact_on_fresh_standin():
    with run_standin(["--account", "7:bob:pw", "--account", "8:carol",
                      "--account", "9:BOB"]) as s:   # BOB is bob: never a second key
        assert s.live_sessions() == {"bob": 0, "carol": 0}
        sids = [s.new_session("bob") for _ in range(3)] + [s.new_session("Carol")]
        assert s.live_sessions() == {"bob": 3, "carol": 1}
        s.api("DELETE", "/3/authentication/session", body={"session_id": sids[0]})
        assert s.live_sessions() == {"bob": 2, "carol": 1}
        assert s.revoke(all=True)["revoked"] == 3
        assert s.live_sessions() == {"bob": 0, "carol": 0}
        assert s.request("POST", "/_standin/live", body=b"")[0] == 405


def test_control_unknown_and_wrong_method(standin):
    assert standin.request("GET", "/_standin/nope")[0] == 404
    assert standin.request("GET", "/_standin/reset")[0] == 405
    assert standin.request("POST", "/_standin/stats", body=b"")[0] == 405


# ---------------------------------------------------------------------------
# Command line and TLS material


def run_standin(args, tls=None, **kw):
    if not standin_binary().is_file():
        pytest.skip("tmdb-standin not built")
    return Standin(tls=tls, args=args, **kw)


def test_cli_keys_accounts_public_url():
    with run_standin(["--api-key", "k1", "--api-key", "k2", "--access-token", "tok",
                      "--account", "42:bob:pw:Bob Smith", "--account", "43:carol",
                      "--public-url", "https://example.test/"]) as s:
        s.api_key = "k2"
        assert s.api("GET", "/3/authentication")[0] == 200
        assert s.api("GET", "/3/authentication", params={"api_key": "k1"})[0] == 200
        assert s.api("GET", "/3/authentication",
                     params={"api_key": DEFAULT_API_KEY})[0::2] == (401, err(7))
        assert s.api("GET", "/3/authentication", key=False,
                     headers={"Authorization": "Bearer tok"})[0] == 200
        status, hdrs, body = s.api("GET", "/3/authentication/token/new")
        assert hdrs["authentication-callback"] == \
            "https://example.test/authenticate/" + body["request_token"]
        assert s.api("POST", "/3/authentication/token/validate_with_login",
                     body={"username": "carol", "password": "",
                           "request_token": body["request_token"]})[0] == 401
        assert s.api("POST", "/3/authentication/token/validate_with_login",
                     body={"username": "bob", "password": "pw",
                           "request_token": body["request_token"]})[0] == 200
        sid = s.api("POST", "/3/authentication/session/new",
                    body={"request_token": body["request_token"]})[2]["session_id"]
        acct = s.api("GET", "/3/account", params={"session_id": sid})[2]
        assert (acct["id"], acct["username"], acct["name"]) == (42, "bob", "Bob Smith")


def test_cli_auto_approve_and_ttl():
    with run_standin(["--auto-approve", "alice", "--token-ttl", "1"]) as s:
        tok = new_token(s)
        assert s.tokens()[-1]["status"] == "approved"
        time.sleep(1.2)
        assert s.api("POST", "/3/authentication/session/new",
                     body={"request_token": tok})[0::2] == (401, err(17))
        # a fresh token is auto-approved too; a longer life, so that a loaded machine taking
        # more than a second between the two requests cannot expire it
        s.configure(token_ttl=600)
        tok = new_token(s)
        assert s.api("POST", "/3/authentication/session/new",
                     body={"request_token": tok})[0] == 200


def test_cli_sigint_exits_zero(tls):
    s = run_standin(["--quiet"], tls=tls)
    assert s.api("GET", "/3/authentication")[0] == 200
    assert s.stop(sig=signal.SIGINT) == 0


def test_cli_startup_line(tls):
    s = run_standin([], tls=tls)
    assert "tmdb-standin: listening on https://127.0.0.1:%d" % s.port in s.log()
    s.stop()


def test_cli_stop_with_request_in_flight():
    outcome = []

    def slow_request():
        try:
            outcome.append(s.request("GET", "/3/authentication", timeout=30)[0])
        except (OSError, http.client.HTTPException) as e:
            outcome.append(e)      # the connection is dropped: expected

    with run_standin([]) as s:
        s.fault("/3/authentication", delay_ms=60000)
        t = threading.Thread(target=slow_request)
        t.start()
        time.sleep(0.2)
        t0 = time.monotonic()
        assert s.stop() == 0
        assert time.monotonic() - t0 < 5
        t.join(10)
        assert outcome and not isinstance(outcome[0], int)


@pytest.mark.parametrize("args", [["--port", "abc"], ["--auto-approve", "nobody"],
                                  ["--account", "x:y"], ["--tls-cert", "/nonexistent"],
                                  ["--tls-cert", "/nonexistent", "--tls-key", "/nonexistent"],
                                  ["--bind", "not-an-ip"], ["extra"]])
def test_cli_bad_arguments(args):
    if not standin_binary().is_file():
        pytest.skip("tmdb-standin not built")
    proc = subprocess.run([str(standin_binary()), "--port", "0", *args],
                          capture_output=True, timeout=10)
    assert proc.returncode != 0 and proc.stderr


@pytest.mark.parametrize("which,reason", [
    ("untrusted", "unable to get local issuer certificate"),
    ("wrong_host", "mismatch"),
    ("expired", "certificate has expired"),
])
def test_tls_material_fails_verification(tls, which, reason):
    s = run_standin([], tls=tls, cert=getattr(tls, which + "_cert"),
                    key=getattr(tls, which + "_key"))
    try:
        with pytest.raises(ssl.SSLCertVerificationError) as exc:
            conn = s.connection()
            conn.request("GET", "/3/authentication")
        assert reason in str(exc.value)
    finally:
        s.stop()


def test_tls_material_good_cert_verifies_by_ip_too(tls):
    s = run_standin([], tls=tls)
    try:
        ctx = ssl.create_default_context(cafile=str(tls.ca_cert))
        conn = http.client.HTTPSConnection("127.0.0.1", s.port, context=ctx, timeout=5)
        conn.request("GET", "/3/authentication?api_key=" + DEFAULT_API_KEY)
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        s.stop()


def test_cli_accounts_alone_keep_default_key():
    with run_standin(["--account", "5:zed:pw"]) as s:
        tok = new_token(s)
        with pytest.raises(Exception):
            s.approve(tok, "alice")
        s.approve(tok, "ZED")       # user names match case-insensitively
        sid = s.api("POST", "/3/authentication/session/new",
                    body={"request_token": tok})[2]["session_id"]
        acct = s.api("GET", "/3/account", params={"session_id": sid})[2]
        assert (acct["id"], acct["username"], acct["name"]) == (5, "zed", "")
