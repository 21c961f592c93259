# SPDX-License-Identifier: BSD-3-Clause
"""The stand-in's approval pages as a browser sees them (tests/standin/browser.c, signin.c).

Without a browser (http.client, redirects not followed): the sign-in form, the cookie and its
flags, the signed-in page's Approve and Deny forms, the 302 to redirect_to with the token and
the outcome, HTML escaping of a hostile redirect_to, and /login refusing a "next" that would
leave the stand-in.

With headless Chromium (tests/browser/tmdb_browser.py, marked `browser`: scripts/test.sh runs
them in the normal phase only): the browser signs in, clicks Approve or Deny, and a loopback
listener standing in for the application gets the redirect; the stand-in's token table and
session/new (v4: access_token) say what happened. Screenshots are kept under
$TMDB_BUILDDIR/artifacts/browser/<test>/. These tests fail, not skip, when Chromium,
chromedriver or selenium is missing.
"""

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest

from standin import DEFAULT_ACCESS_TOKEN, REPO, spki_of

BROWSER = REPO / "tests" / "browser" / "tmdb_browser.py"
COOKIE = "tmdb_standin_signin"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------
# helpers


def raw(standin, method, path, form=None, cookie=None):
    """One request on a fresh connection, redirects not followed. form: a dict sent as
    application/x-www-form-urlencoded. Returns (status, headers, body text)."""
    headers = {}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie is not None:
        headers["Cookie"] = "%s=%s" % (COOKIE, cookie)
    conn = standin.connection()
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read().decode()
    finally:
        conn.close()


def new_token(standin):
    status, hdrs, body = standin.api("GET", "/3/authentication/token/new")
    assert status == 200
    return body["request_token"]


def new_v4_token(standin, redirect_to=None):
    status, _, data = standin.request(
        "POST", "/4/auth/request_token", body={"redirect_to": redirect_to} if redirect_to else {},
        headers={"Authorization": "Bearer " + DEFAULT_ACCESS_TOKEN})
    assert status == 200, data
    return json.loads(data)["request_token"]


def token_row(standin, token):
    return next(t for t in standin.tokens() if t["request_token"] == token)


def session_new(standin, token):
    return standin.api("POST", "/3/authentication/session/new", body={"request_token": token})


def v4_access_token(standin, token):
    status, _, data = standin.request(
        "POST", "/4/auth/access_token", body={"request_token": token},
        headers={"Authorization": "Bearer " + DEFAULT_ACCESS_TOKEN})
    return status, json.loads(data)


def v3_page(token, redirect_to=None):
    path = "/authenticate/" + token
    if redirect_to is not None:
        path += "?" + urllib.parse.urlencode({"redirect_to": redirect_to})
    return path


def v4_page(token):
    return "/auth/access?" + urllib.parse.urlencode({"request_token": token})


def sign_in(standin, user="alice", password="alicepw", next_path="/authenticate/x"):
    """Signs in through POST /login; returns the cookie value."""
    status, hdrs, _ = raw(standin, "POST", "/login",
                          form={"username": user, "password": password, "next": next_path})
    assert status == 303 and hdrs["Location"] == next_path
    morsel = hdrs["Set-Cookie"].split(";")[0]
    name, value = morsel.split("=", 1)
    assert name == COOKIE and re.fullmatch(r"[0-9a-f]{40}", value)
    return value


# ---------------------------------------------------------------------------
# the pages without a browser


def test_page_without_sign_in_shows_the_form(standin):
    tok = new_token(standin)
    page = v3_page(tok, "http://127.0.0.1:9/cb?x=1")
    status, hdrs, html = raw(standin, "GET", page)
    assert status == 200 and hdrs["Content-Type"] == "text/html; charset=utf-8"
    assert '<form id="signin-form" method="post" action="/login">' in html
    assert 'name="username"' in html and 'name="password" type="password"' in html
    # the form returns to this very page (redirect_to kept), as a stand-in-relative path
    nxt = re.search(r'name="next" value="([^"]*)"', html).group(1)
    assert nxt == "/authenticate/%s?redirect_to=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fcb%%3Fx%%3D1" % tok
    assert 'id="approve"' not in html and 'id="deny"' not in html
    # the GET shortcuts stay listed for the test host
    assert ("/authenticate/%s/allow?user=alice" % tok) in html


def test_login_sets_an_httponly_samesite_cookie_and_returns(standin, standin_http):
    for server, secure in ((standin, True), (standin_http, False)):
        tok = new_token(server)
        status, hdrs, _ = raw(server, "POST", "/login",
                              form={"username": "ALICE", "password": "alicepw",
                                    "next": v3_page(tok)})
        assert status == 303
        assert hdrs["Location"] == v3_page(tok)
        flags = [f.strip() for f in hdrs["Set-Cookie"].split(";")]
        assert flags[0].startswith(COOKIE + "=")
        assert set(flags[1:]) == {"Path=/", "HttpOnly", "SameSite=Lax"} | ({"Secure"} if secure else set())
        cookie = flags[0].split("=", 1)[1]
        status, _, html = raw(server, "GET", v3_page(tok), cookie=cookie)
        assert status == 200
        assert '<p id="signed-in-as">Signed in as <strong>alice</strong>.</p>' in html


@pytest.mark.parametrize("user,password", [("alice", "wrong"), ("alice", ""), ("nobody", "x"),
                                           ("TMDbTestAccount", "alicepw")])
def test_wrong_login_shows_the_form_again(standin, user, password):
    tok = new_token(standin)
    status, hdrs, html = raw(standin, "POST", "/login",
                             form={"username": user, "password": password, "next": v3_page(tok)})
    assert status == 200
    assert "Set-Cookie" not in hdrs and "Location" not in hdrs
    assert '<p id="error" class="error">Wrong username or password.</p>' in html
    assert 'id="signin-form"' in html
    assert 'name="next" value="/authenticate/%s"' % tok in html
    assert token_row(standin, tok)["status"] == "new"


@pytest.mark.parametrize("nxt", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                 "javascript:alert(1)", "evil", "", "/ok\r\nSet-Cookie: x=y",
                                 "/caf\u00e9", None])
def test_login_refuses_a_next_that_leaves_the_standin(standin, nxt):
    form = {"username": "alice", "password": "alicepw"}
    if nxt is not None:
        form["next"] = nxt
    status, hdrs, html = raw(standin, "POST", "/login", form=form)
    assert status == 400
    assert "Set-Cookie" not in hdrs and "Location" not in hdrs
    assert "must be a path on this server" in html
    if nxt:
        status, hdrs, _ = raw(standin, "GET", "/login?" + urllib.parse.urlencode({"next": nxt}))
        assert status == 400 and "Location" not in hdrs


def test_malformed_form_bodies_are_refused(standin):
    tok = new_token(standin)
    cookie = sign_in(standin)
    conn = standin.connection()
    for body in (b"decision=appr%zzove", b"decision=approve%00", b"decision", b"&&&", b"\xff\xfe"):
        conn.request("POST", v3_page(tok), body=body,
                     headers={"Cookie": "%s=%s" % (COOKIE, cookie),
                              "Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        assert resp.status == 400 and b"Approve or deny." in resp.read()
    conn.close()
    assert token_row(standin, tok)["status"] == "new"


def test_signed_in_page_has_approve_and_deny_forms(standin):
    tok = new_token(standin)
    cookie = sign_in(standin, "TMDbTestAccount", "secret")
    page = v3_page(tok, "http://127.0.0.1:9/cb")
    status, _, html = raw(standin, "GET", page, cookie=cookie)
    assert status == 200
    assert "Signed in as <strong>TMDbTestAccount</strong>" in html
    forms = re.findall(r'<form method="post" action="([^"]*)">\s*<input type="hidden" '
                       r'name="decision" value="(\w+)">\s*<button id="(\w+)"', html)
    action = page.replace("&", "&amp;")
    assert forms == [(action, "approve", "approve"), (action, "deny", "deny")]
    assert 'id="signin-form"' not in html


@pytest.mark.parametrize("redirect_to,expected", [
    ("http://127.0.0.1:9/cb", "http://127.0.0.1:9/cb?request_token={t}&{o}"),
    ("http://127.0.0.1:9/cb?x=1", "http://127.0.0.1:9/cb?x=1&request_token={t}&{o}"),
    ("https://app.example/cb?", "https://app.example/cb?request_token={t}&{o}"),
    ("http://127.0.0.1:9/cb?x=1#top", "http://127.0.0.1:9/cb?x=1&request_token={t}&{o}#top"),
])
@pytest.mark.parametrize("decision", ["approve", "deny"])
def test_decision_redirects_with_token_and_outcome(standin, redirect_to, expected, decision):
    tok = new_token(standin)
    cookie = sign_in(standin)
    status, hdrs, html = raw(standin, "POST", v3_page(tok, redirect_to),
                             form={"decision": decision}, cookie=cookie)
    outcome = "approved=true" if decision == "approve" else "denied=true"
    assert status == 302
    assert hdrs["Location"] == expected.format(t=tok, o=outcome)
    row = token_row(standin, tok)
    if decision == "approve":
        assert (row["status"], row["username"]) == ("approved", "alice")
        status, _, body = session_new(standin, tok)
        assert status == 200 and body["success"] is True
    else:
        assert row["status"] == "denied"
        assert session_new(standin, tok)[0] == 401


def test_decision_without_redirect_shows_the_standin_pages(standin):
    tok = new_token(standin)
    cookie = sign_in(standin)
    status, hdrs, html = raw(standin, "POST", v3_page(tok), form={"decision": "approve"},
                             cookie=cookie)
    assert status == 200 and "Location" not in hdrs and "<h1>Approved</h1>" in html
    tok2 = new_token(standin)
    status, hdrs, html = raw(standin, "POST", v3_page(tok2), form={"decision": "deny"},
                             cookie=cookie)
    assert status == 200 and "Location" not in hdrs and "<h1>Denied</h1>" in html
    # a denied token has no page and cannot be approved any more
    assert raw(standin, "GET", v3_page(tok2), cookie=cookie)[0] == 404
    assert raw(standin, "POST", v3_page(tok2), form={"decision": "approve"}, cookie=cookie)[0] == 404
    assert token_row(standin, tok2)["status"] == "denied"


@pytest.mark.parametrize("cookie", [None, "0" * 40, "not-a-sign-in"])
def test_decision_needs_a_sign_in(standin, cookie):
    tok = new_token(standin)
    status, hdrs, html = raw(standin, "POST", v3_page(tok, "http://127.0.0.1:9/cb"),
                             form={"decision": "approve"}, cookie=cookie)
    assert status == 403 and "Location" not in hdrs and "Sign in before you answer." in html
    assert token_row(standin, tok)["status"] == "new"


def test_hostile_redirect_to_is_escaped_and_never_followed(standin):
    hostile = 'http://x.test/"><script>alert(1)</script>\'&<b>'
    tok = new_token(standin)
    page = v3_page(tok, hostile)
    for cookie in (None, sign_in(standin)):
        status, _, html = raw(standin, "GET", page, cookie=cookie)
        assert status == 200
        assert "<script>" not in html and "<b>" not in html
        assert ('<code id="redirect-to">http://x.test/&quot;&gt;&lt;script&gt;alert(1)'
                '&lt;/script&gt;&#39;&amp;&lt;b&gt;</code>') in html
    # a decision with a redirect_to that has spaces, quotes and brackets: refused, token untouched
    status, hdrs, html = raw(standin, "POST", page, form={"decision": "approve"}, cookie=cookie)
    assert status == 400 and "Location" not in hdrs and "<script>" not in html
    for bad in ("javascript:alert(1)", "data:text/html,x", "/relative", "http://x.test/a b"):
        status, hdrs, _ = raw(standin, "POST", v3_page(tok, bad), form={"decision": "deny"},
                              cookie=cookie)
        assert status == 400 and "Location" not in hdrs
    assert token_row(standin, tok)["status"] == "new"


def test_v4_page_signs_in_and_redirects_to_the_stored_redirect_to(standin):
    tok = new_v4_token(standin, "http://127.0.0.1:9/v4cb")
    page = v4_page(tok)
    status, _, html = raw(standin, "GET", page)
    assert status == 200 and 'id="signin-form"' in html
    assert re.search(r'name="next" value="([^"]*)"', html).group(1) == page
    assert '<code id="redirect-to">http://127.0.0.1:9/v4cb</code>' in html
    cookie = sign_in(standin, next_path=page)
    status, hdrs, _ = raw(standin, "POST", page, form={"decision": "approve"}, cookie=cookie)
    assert status == 302
    assert hdrs["Location"] == "http://127.0.0.1:9/v4cb?%s&approved=true" % urllib.parse.urlencode(
        {"request_token": tok})
    status, body = v4_access_token(standin, tok)
    assert status == 200 and body["success"] is True


def test_a_page_never_acts_on_the_other_versions_token(standin):
    cookie = sign_in(standin)
    v4 = new_v4_token(standin)
    v3 = new_token(standin)
    assert raw(standin, "POST", v3_page(v4), form={"decision": "approve"}, cookie=cookie)[0] == 404
    assert raw(standin, "POST", v4_page(v3), form={"decision": "approve"}, cookie=cookie)[0] == 404
    assert token_row(standin, v4)["status"] == "new" and token_row(standin, v3)["status"] == "new"


# ---------------------------------------------------------------------------
# headless Chromium


class CallbackListener:
    """The application's side of redirect_to: a loopback HTTP server that records every
    request and answers a small page (with an inline icon, so the browser asks for nothing
    else)."""

    def __init__(self):
        self.requests = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                listener.requests.append(("GET", self.path))
                body = (b"<!DOCTYPE html><html><head><link rel=\"icon\" href=\"data:,\">"
                        b"<title>Back at the application</title></head>"
                        b"<body><h1>Back at the application</h1></body></html>")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@pytest.fixture
def callback():
    listener = CallbackListener()
    yield listener
    listener.close()


def run_browser(standin, url, artifacts, action="approve", user="alice", password="alicepw"):
    """Runs tmdb_browser.py on url; returns (exit status, stderr, its JSON log record)."""
    log = artifacts / "browser.jsonl"
    env = dict(os.environ, TMDB_BROWSER_USER=user, TMDB_BROWSER_PASSWORD=password,
               TMDB_BROWSER_ACTION=action, TMDB_BROWSER_ARTIFACTS=str(artifacts),
               TMDB_BROWSER_LOG=str(log))
    if standin.https:
        env["TMDB_BROWSER_SPKI"] = spki_of(standin.tls.server_cert)
    proc = subprocess.run([sys.executable, str(BROWSER), url], env=env, capture_output=True,
                          text=True, timeout=300)
    lines = log.read_text().splitlines()
    assert len(lines) == 1, lines
    return proc.returncode, proc.stderr, json.loads(lines[0])


def assert_screenshots(record, artifacts, names):
    shots = [Path(p) for p in record["screenshots"]]
    assert [p.name.rsplit("-", 1)[1] for p in shots] == ["%s.png" % n for n in names]
    for p in shots:
        assert p.parent == artifacts and p.stat().st_size > 1000
        assert p.read_bytes()[:8] == PNG_MAGIC


def callback_query(callback, path):
    """The one request the listener got, at path: its decoded query."""
    assert len(callback.requests) == 1, callback.requests
    method, target = callback.requests[0]
    parts = urllib.parse.urlsplit(target)
    assert (method, parts.path) == ("GET", path)
    return urllib.parse.parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)


@pytest.mark.browser
@pytest.mark.parametrize("action", ["approve", "deny"])
def test_browser_v3_sign_in_and_decide(standin, callback, artifacts, action):
    tok = new_token(standin)
    url = standin.url + v3_page(tok, callback.url + "/cb?app=pam_tmdb")
    rc, err, rec = run_browser(standin, url, artifacts, action=action)
    assert rc == 0, err
    assert rec["ok"] is True and rec["error"] is None and rec["signed_in_as"] == "alice"
    assert isinstance(rec["click_monotonic"], float)
    outcome = "approved" if action == "approve" else "denied"
    assert callback_query(callback, "/cb") == {"app": ["pam_tmdb"], "request_token": [tok],
                                               outcome: ["true"]}
    assert rec["final_url"] == "%s/cb?app=pam_tmdb&request_token=%s&%s=true" % (
        callback.url, tok, outcome)
    assert_screenshots(rec, artifacts, ["approval", "final"])
    status, _, body = session_new(standin, tok)
    if action == "approve":
        assert status == 200 and body["success"] is True
        acct = standin.api("GET", "/3/account", params={"session_id": body["session_id"]})[2]
        assert acct["username"] == "alice"
    else:
        assert status == 401 and body["status_code"] == 17
        assert token_row(standin, tok)["status"] == "denied"


@pytest.mark.browser
def test_browser_wrong_password_approves_nothing(standin, callback, artifacts):
    tok = new_token(standin)
    url = standin.url + v3_page(tok, callback.url + "/cb")
    rc, err, rec = run_browser(standin, url, artifacts, password="not-alicepw")
    assert rc == 1
    assert "sign-in failed: Wrong username or password." in err
    assert rec["ok"] is False and rec["click_monotonic"] is None
    assert rec["error"] == "sign-in failed: Wrong username or password."
    assert callback.requests == []
    assert token_row(standin, tok)["status"] == "new"
    assert session_new(standin, tok)[0] == 401
    assert_screenshots(rec, artifacts, ["final"])


@pytest.mark.browser
def test_browser_without_redirect_ends_on_the_standin_page(standin_http, artifacts):
    tok = new_token(standin_http)
    rc, err, rec = run_browser(standin_http, standin_http.url + v3_page(tok), artifacts,
                               user="TMDbTestAccount", password="secret")
    assert rc == 0, err
    assert rec["final_url"] == standin_http.url + v3_page(tok)
    row = token_row(standin_http, tok)
    assert (row["status"], row["username"]) == ("approved", "TMDbTestAccount")
    assert_screenshots(rec, artifacts, ["approval", "final"])


@pytest.mark.browser
@pytest.mark.parametrize("action", ["approve", "deny"])
def test_browser_v4_page(standin_http, callback, artifacts, action):
    tok = new_v4_token(standin_http, callback.url + "/v4cb")
    rc, err, rec = run_browser(standin_http, standin_http.url + v4_page(tok), artifacts,
                               action=action)
    assert rc == 0, err
    outcome = "approved" if action == "approve" else "denied"
    assert callback_query(callback, "/v4cb") == {"request_token": [tok], outcome: ["true"]}
    assert_screenshots(rec, artifacts, ["approval", "final"])
    status, body = v4_access_token(standin_http, tok)
    if action == "approve":
        assert status == 200 and body["success"] is True
    else:
        assert status == 422 and body["status_code"] == 41
