# SPDX-License-Identifier: BSD-3-Clause
"""The whole round trip with a real browser: tmdb-login (man/tmdb-login.1) runs pam_tmdb
through the real libpam against the HTTPS stand-in, opens the approval URL in
tests/browser/tmdb_browser.py (headless Chromium) given as $BROWSER; the browser signs in on
the stand-in's page and clicks Approve or Deny; the stand-in sends it back to tmdb-login's
return listener (allow_return_to=yes) with the token and the outcome, and tmdb-login prints
the session, or ends as refused.

--poll-interval 3600 takes tmdb-login's timer out of the race, so the login can only go on
through the browser's return. Marked `browser`: scripts/test.sh runs it in the normal phase
only. Screenshots are kept under $TMDB_BUILDDIR/artifacts/browser/<test>/.
"""

import json
import os
import subprocess
import sys
import time
import urllib.parse

import pytest

from standin import spki_of
from test_browser_pages import BROWSER, PNG_MAGIC
from test_tmdb_login import EXIT_OK, EXIT_REFUSED, SESSION_RE, login_cmd
from tmdbpam import count

SESSION_NEW = "/3/authentication/session/new"

pytestmark = pytest.mark.browser


def browser_record(log, proc_done, timeout=120):
    """The browser's JSON line: it runs detached from tmdb-login and may still be finishing
    (final page, screenshot, quitting Chromium) after tmdb-login has exited."""
    deadline = time.monotonic() + timeout
    while not (log.exists() and log.read_text().endswith("\n")):
        assert time.monotonic() < deadline, "the browser wrote no log line\n" + proc_done
        time.sleep(0.1)
    lines = log.read_text().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def run_login_with_browser(pam, artifacts, action):
    pam.conf["allow_return_to"] = "yes"
    pam.write()
    log = artifacts / "browser.jsonl"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER") and
           (not k.startswith("TMDB_") or k in ("TMDB_CHROMIUM", "TMDB_CHROMEDRIVER"))}
    env.update({
        # tmdb-login opens a browser only for a desktop session; headless Chromium needs none
        "DISPLAY": ":tmdb-browser-test",
        "BROWSER": "%s '%s'" % (sys.executable, BROWSER),
        "TMDB_BROWSER_USER": "alice", "TMDB_BROWSER_PASSWORD": "alicepw",
        "TMDB_BROWSER_ACTION": action,
        "TMDB_BROWSER_ARTIFACTS": str(artifacts), "TMDB_BROWSER_LOG": str(log),
        "TMDB_BROWSER_SPKI": spki_of(pam.standin.tls.server_cert),
    })
    proc = subprocess.Popen(login_cmd(pam, ["--poll-interval", "3600", "--format", "json"]),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 300
    while True:
        try:
            out, err = proc.communicate(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            pass
        # a browser that failed will never come back: do not wait out tmdb-login's timeout
        gave_up = log.exists() and log.read_text().endswith("\n") and \
            not json.loads(log.read_text().splitlines()[0])["ok"]
        if gave_up or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            break
    out, err = out.decode(), err.decode("utf-8", "replace")
    dump = "rc=%d\n--- stdout\n%s\n--- stderr\n%s" % (proc.returncode, out, err)
    rec = browser_record(log, dump)
    return proc.returncode, out, dump + "\n--- browser\n" + json.dumps(rec), rec


def assert_back_at_listener(rec, token_outcome, dump):
    assert rec["ok"] is True and rec["error"] is None, (rec, dump)
    assert isinstance(rec["click_monotonic"], float)
    assert rec["signed_in_as"] == "alice"
    back = urllib.parse.urlsplit(rec["final_url"])
    assert (back.scheme, back.hostname) == ("http", "127.0.0.1"), rec
    query = urllib.parse.parse_qs(back.query, strict_parsing=True)
    assert query[token_outcome] == ["true"] and len(query["request_token"]) == 1, rec
    # the browser was given tmdb-login's private local page (never the approval URL: see
    # test_inherit.py), which took it to the stand-in's page with tmdb-login's return address
    # as redirect_to
    assert rec["opened"].startswith("file:///") and rec["opened"].endswith("/approve.html"), rec
    start = urllib.parse.parse_qs(urllib.parse.urlsplit(rec["url"]).query)
    assert start["redirect_to"][0].startswith("http://127.0.0.1:%d/" % back.port)
    for p in rec["screenshots"]:
        with open(p, "rb") as f:
            assert f.read(8) == PNG_MAGIC
    assert [p.rsplit("-", 1)[1] for p in rec["screenshots"]] == ["approval.png", "final.png"]
    return query["request_token"][0]


def test_approve_in_chromium_prints_a_live_session(pam, standin, artifacts):
    rc, out, dump, rec = run_login_with_browser(pam, artifacts, "approve")
    assert rc == EXIT_OK, dump
    session = json.loads(out)
    sid = session["TMDB_SESSION_ID"]
    assert SESSION_RE.match(sid) and session["TMDB_ACCOUNT_USERNAME"] == "alice", dump
    token = assert_back_at_listener(rec, "approved", dump)
    # the session is live at TMDb, for alice, made from the token the browser approved
    status, _, acct = standin.api("GET", "/3/account", params={"session_id": sid})
    assert status == 200 and acct["username"] == "alice"
    row = next(t for t in standin.tokens() if t["request_token"] == token)
    assert (row["status"], row["username"]) == ("used", "alice")
    assert count(standin, "POST", SESSION_NEW) == 1


def test_deny_in_chromium_is_refused_without_a_session(pam, standin, artifacts):
    before = standin.live_sessions_of("alice")
    rc, out, dump, rec = run_login_with_browser(pam, artifacts, "deny")
    assert rc == EXIT_REFUSED, dump
    assert out == ""
    assert "denied in the browser" in dump
    token = assert_back_at_listener(rec, "denied", dump)
    assert next(t for t in standin.tokens() if t["request_token"] == token)["status"] == "denied"
    assert count(standin, "POST", SESSION_NEW) + count(standin, "GET", SESSION_NEW) == 0
    assert standin.live_sessions_of("alice") == before
