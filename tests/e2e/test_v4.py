# SPDX-License-Identifier: BSD-3-Clause
"""flow=v4 end to end (issue 13): a v4 request token, the user's approval (prompt and poll
mode, QR code), the user's access token, converted into a v3 session; the host gets the v3
session as in v3 and also TMDB_ACCESS_TOKEN / TMDB_ACCOUNT_OBJECT_ID; logout, a refused login
and a failed conversion leave neither the session nor the access token alive on the server.

Each test reads what the stand-in holds (tokens, access tokens, sessions) to check what the
module did, not only what it said."""

import os
import re
import threading
import time

import pytest

from tmdbpam import (ACCESS_TOKEN, ALICE_ID, API_KEY, REFUSAL_PREFIX, TEST_ACCOUNT, assert_host_survived,
                     assert_logged, count, file_mode, requests_to)

REQUEST_TOKEN = "/4/auth/request_token"
ACCESS = "/4/auth/access_token"
CONVERT = "/3/authentication/session/convert/4"
ACCOUNT = "/3/account"
DELETE = "/3/authentication/session"
HEX40 = re.compile(r"^[0-9a-f]{40}$")
JWT = r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"


@pytest.fixture
def v4(pam):
    """The pam fixture in flow=v4: the application's read access token, no API key, the
    approval page on the stand-in."""
    pam.conf["api_key"] = None
    pam.conf["access_token"] = ACCESS_TOKEN
    pam.conf["flow"] = "v4"
    pam.conf["approve_url_v4"] = pam.standin.url + "/auth/access?request_token="
    run = pam.run

    def checked_run(*args, **kw):
        # every run: the host neither crashed nor reported a sanitizer or valgrind error
        r = run(*args, **kw)
        assert_host_survived(r)
        return r

    pam.run = checked_run
    return pam


def v4_url(standin):
    return re.compile(re.escape(standin.url) + r"/auth/access\?request_token=(" + JWT + ")")


def access_of(standin, token):
    (a,) = [a for a in standin.access_tokens() if a["access_token"] == token]
    return a


def session_of(standin, sid):
    (s,) = [s for s in standin.sessions() if s["session_id"] == sid]
    return s


def assert_alive(standin, env, alive=True):
    """The session and the access token the host was given are both alive (or both dead) on
    the stand-in."""
    assert session_of(standin, env["TMDB_SESSION_ID"])["revoked"] is (not alive)
    assert access_of(standin, env["TMDB_ACCESS_TOKEN"])["revoked"] is (not alive)


def assert_nothing_alive(standin, known_sessions=(), known_tokens=()):
    """Every session and access token made since known_* was taken is revoked."""
    new_s = [s for s in standin.sessions() if s["session_id"] not in known_sessions]
    new_a = [a for a in standin.access_tokens() if a["access_token"] not in known_tokens]
    assert all(s["revoked"] for s in new_s), new_s
    assert all(a["revoked"] for a in new_a), new_a
    return new_s, new_a


def snapshot(standin):
    return ({s["session_id"] for s in standin.sessions()},
            {a["access_token"] for a in standin.access_tokens()})


# -- logins -----------------------------------------------------------------------------------

def test_prompt_mode_full_flow(v4):
    r = v4.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()

    # shown as in v3: the URL alone on the second line of a message sent with the prompt
    info, prompt = r.conv[0], r.conv[1]
    assert info["style"] == "PAM_TEXT_INFO" and prompt["style"] == "PAM_PROMPT_ECHO_ON"
    assert info["call"] == prompt["call"] == 1
    lines = info["msg"].split("\n")
    assert len(lines) == 2 and not lines[0].startswith("http")
    m = v4_url(v4.standin).fullmatch(lines[1])
    assert m, lines[1]
    request_token = m.group(1)

    # token, access_token, convert, account: four requests on one connection
    stats = v4.standin.stats()
    assert stats["requests"] == {"POST " + REQUEST_TOKEN: 1, "POST " + ACCESS: 1, "POST " + CONVERT: 1,
                                 "GET " + ACCOUNT: 1}, stats
    assert stats["connections"] == 1
    for q in v4.standin.requests():
        assert q["headers"].get("authorization") == "Bearer " + ACCESS_TOKEN
        assert "api_key" not in q["query"]
    (tok_req,) = requests_to(v4.standin, REQUEST_TOKEN)
    assert tok_req["body"] == "{}"
    (acc_req,) = requests_to(v4.standin, ACCESS)
    assert acc_req["body"] == '{"request_token":"%s"}' % request_token

    # the host has the v3 session and the v4 credential; all of it live on the server
    env = r.env
    assert HEX40.match(env["TMDB_SESSION_ID"])
    assert env["TMDB_ACCOUNT_ID"] == str(ALICE_ID)
    assert env["TMDB_ACCOUNT_USERNAME"] == "alice"
    assert re.fullmatch(JWT, env["TMDB_ACCESS_TOKEN"])
    acc = access_of(v4.standin, env["TMDB_ACCESS_TOKEN"])
    assert acc["username"] == "alice" and not acc["revoked"]
    assert env["TMDB_ACCOUNT_OBJECT_ID"] == acc["account_id"]
    (conv_req,) = requests_to(v4.standin, CONVERT)
    assert conv_req["body"] == '{"access_token":"%s"}' % env["TMDB_ACCESS_TOKEN"]
    sess = session_of(v4.standin, env["TMDB_SESSION_ID"])
    assert sess["converted"] and not sess["revoked"] and sess["username"] == "alice"
    status, _, body = v4.standin.api("GET", ACCOUNT, params={"session_id": env["TMDB_SESSION_ID"]})
    assert status == 200 and body["id"] == ALICE_ID
    assert_logged(r, "TMDb account %d authenticated (v4 access token" % ALICE_ID)


def test_poll_mode(v4):
    v4.conf.update(approval="poll", poll_interval="1")
    r = v4.run("authenticate", approve_as="alice", extra=["--approve-delay-ms", "300"])
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert [c["style"] for c in r.conv] == ["PAM_TEXT_INFO"]
    assert v4_url(v4.standin).fullmatch(r.conv[0]["msg"].split("\n")[1])
    assert count(v4.standin, "POST", ACCESS) >= 2  # at once (not yet: 422/41), then after approval
    assert_alive(v4.standin, r.env)


def test_poll_mode_immediate_approval_is_four_requests_on_one_connection(v4):
    v4.conf["approval"] = "poll"
    v4.standin.configure(auto_approve="alice")
    r = v4.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    stats = v4.standin.stats()
    assert stats["total_requests"] == 4 and stats["connections"] == 1, stats


def test_not_approved_yet_says_so_and_prompts_again(v4):
    r = v4.run("authenticate", approve_as="alice", approve_after=1)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    second = [c for c in r.conv if c["call"] == 2]
    assert [c["style"] for c in second] == ["PAM_ERROR_MSG", "PAM_PROMPT_ECHO_ON"]
    assert "Not approved yet" in second[0]["msg"]
    assert count(v4.standin, "POST", ACCESS) == 2
    assert count(v4.standin, "POST", REQUEST_TOKEN) == 1
    # 422/41 is an expected answer: not an error line
    assert not [l for l in r.logs if l["prio"] <= 3], r.dump()


def test_qrcode_follows_the_url(v4):
    v4.conf["qrcode"] = "yes"
    r = v4.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    first_call = [c for c in r.conv if c["call"] == 1]
    assert [c["style"] for c in first_call] == ["PAM_TEXT_INFO", "PAM_TEXT_INFO", "PAM_PROMPT_ECHO_ON"]
    qr = first_call[1]["msg"].split("\n")
    assert len(qr) >= 12 and len(set(len(row) for row in qr)) == 1
    assert set("".join(qr)) <= set(" \u2580\u2584\u2588")


def test_default_approval_page_is_tmdbs(v4):
    """approve_url_v4 defaults to TMDb's page; the stand-in approves by itself here, so no
    browser goes to the internet."""
    v4.conf["approve_url_v4"] = None
    v4.standin.configure(auto_approve="alice")
    r = v4.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    (url,) = r.urls
    assert re.fullmatch(r"https://www\.themoviedb\.org/auth/access\?request_token=" + JWT, url), url


def test_redirect_to_goes_in_the_request_token_body(v4):
    v4.conf["redirect_to"] = 'https://app.example/done?x=1&y="2"'
    r = v4.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    (tok_req,) = requests_to(v4.standin, REQUEST_TOKEN)
    assert tok_req["body"] == '{"redirect_to":"https://app.example/done?x=1&y=\\"2\\""}'
    (url,) = r.urls
    assert "redirect_to" not in url
    # the stand-in's page offers it after approval, as TMDb sends the browser there
    tok = v4_url(v4.standin).fullmatch(url).group(1)
    assert [t for t in v4.standin.tokens() if t["request_token"] == tok][0]["status"] == "used"


# -- refusals -------------------------------------------------------------------------------------

def test_denied_in_the_browser(v4):
    known = snapshot(v4.standin)
    r = v4.run("authenticate", deny=True)
    assert r.op_list == [("authenticate", "PAM_MAXTRIES")], r.dump()
    assert r.approvals and r.approvals[0]["action"] == "deny" and r.approvals[0]["status"] == 200
    assert "/auth/access/deny?request_token=" in r.approvals[0]["url"]
    assert count(v4.standin, "POST", ACCESS) == 3
    assert count(v4.standin, "POST", CONVERT) == 0
    new_s, new_a = assert_nothing_alive(v4.standin, *known)
    assert new_s == [] and new_a == []
    assert not [k for k in r.env if k.startswith("TMDB_")]
    assert r.conv[-1]["msg"].startswith(REFUSAL_PREFIX + "the login was not approved")


@pytest.mark.parametrize("how", ["control_api", "token_life"])
def test_expired_request_token(v4, how):
    """TMDb's 401/33 while the request token is within its own life (15 minutes) may be TMDb's
    "not approved yet" (nobody has recorded which it sends): the module asks again until
    approval_timeout, never longer (test_unrecorded_answers.py has the rest)."""
    v4.conf.update(approval="poll", poll_interval="1", approval_timeout="3")
    stop = threading.Event()
    if how == "token_life":
        v4.standin.configure(v4_token_ttl=2)
    else:
        def expire():
            while not stop.is_set():
                for t in v4.standin.tokens():
                    if t["version"] == 4 and t["status"] == "new":
                        v4.standin.expire(t["request_token"])
                time.sleep(0.1)
        threading.Thread(target=expire, daemon=True).start()
    start = time.monotonic()
    try:
        r = v4.run("authenticate")
    finally:
        stop.set()
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert time.monotonic() - start >= 3
    assert_logged(r, "not approved within approval_timeout")
    assert count(v4.standin, "POST", ACCESS) >= 3
    assert count(v4.standin, "POST", CONVERT) == 0


def test_approval_timeout(v4):
    v4.conf.update(approval="poll", poll_interval="1", approval_timeout="2")
    start = time.monotonic()
    r = v4.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert 2 <= time.monotonic() - start < 10
    assert_logged(r, "not approved within approval_timeout")


def test_wrong_account_revokes_session_and_access_token(v4):
    known = snapshot(v4.standin)
    r = v4.run("authenticate", approve_as=TEST_ACCOUNT)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert r.conv[-1]["msg"] == (REFUSAL_PREFIX + 'this login was approved as TMDb account "%s", which may '
                                 'not sign in as "alice".' % TEST_ACCOUNT)
    new_s, new_a = assert_nothing_alive(v4.standin, *known)
    assert len(new_s) == 1 and new_s[0]["converted"] and len(new_a) == 1
    assert count(v4.standin, "DELETE", DELETE) == 1
    assert count(v4.standin, "DELETE", ACCESS) == 1
    assert not [k for k in r.env if k.startswith("TMDB_")]


def test_a_failed_conversion_revokes_the_access_token(v4):
    """The access token was handed out but no session came of it (TMDb refused to convert):
    the token is revoked, the login refused."""
    known = snapshot(v4.standin)
    v4.standin.fault(CONVERT, status=401, tmdb_status=35)
    r = v4.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    new_s, new_a = assert_nothing_alive(v4.standin, *known)
    assert new_s == [] and len(new_a) == 1
    assert count(v4.standin, "DELETE", ACCESS) == 1
    assert_logged(r, "session/convert/4: HTTP 401, TMDb status 35")


@pytest.mark.parametrize("conf", [{"access_token": None, "api_key": API_KEY},
                                  {"access_token": None, "api_key": None}])
def test_v4_needs_the_read_access_token(v4, conf):
    v4.conf.update(conf)
    if conf["api_key"] is None:
        v4.conf["api_key_file"] = None
    r = v4.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "access_token: missing (flow=v4 needs the API read access token)")
    assert v4.standin.stats()["total_requests"] == 0


@pytest.mark.parametrize("value", ["v5", "V4", "4", ""])
def test_flow_accepts_v3_and_v4_only(v4, value):
    v4.conf["flow"] = value
    r = v4.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "flow")
    assert v4.standin.stats()["total_requests"] == 0


def test_approve_url_v4_must_be_https(v4):
    v4.conf["approve_url_v4"] = "http://localhost/auth/access?request_token="
    r = v4.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "approve_url_v4: http:// URL without allow_http=yes")


# -- hand-over, logout, later entry points ---------------------------------------------------------

def test_module_data_environment_and_conv_session(v4):
    """conv_session=yes carries the session id only, never the access token."""
    v4.conf["conv_session"] = "yes"
    r = v4.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    sid, tok = r.env["TMDB_SESSION_ID"], r.env["TMDB_ACCESS_TOKEN"]
    assert [c["msg"] for c in r.conv if sid in c["msg"]] == ["TMDB_SESSION_ID=" + sid]
    assert not [c for c in r.conv if tok in c["msg"]]


def test_export_env_no(v4):
    v4.conf["export_env"] = "no"
    r = v4.run("authenticate env", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert not [k for k in r.env if k.startswith("TMDB_")]


def env_after(r, op):
    """The PAM environment printed by an "env" step right after op."""
    out, on = {}, False
    for e in r.events:
        if e["ev"] == "op":
            on = e["op"] == op
        elif e["ev"] == "env" and on:
            out[e["name"]] = e["value"]
    return out


def test_logout_in_one_process_revokes_both(v4):
    before = v4.standin.live_sessions_of("alice")
    r = v4.run("authenticate acct_mgmt setcred open_session env close_session setcred:delete",
               approve_as="alice")
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 6, r.dump()
    env = env_after(r, "open_session")
    assert set(env) >= {"TMDB_SESSION_ID", "TMDB_ACCOUNT_ID", "TMDB_ACCOUNT_USERNAME", "TMDB_ACCESS_TOKEN",
                        "TMDB_ACCOUNT_OBJECT_ID"}, env
    assert_alive(v4.standin, env, alive=False)
    assert count(v4.standin, "DELETE", DELETE) == 1 and count(v4.standin, "DELETE", ACCESS) == 1
    (d,) = requests_to(v4.standin, ACCESS, "DELETE")
    assert d["body"] == '{"access_token":"%s"}' % env["TMDB_ACCESS_TOKEN"]
    assert not [k for k in r.env if k.startswith("TMDB_")]
    assert v4.standin.live_sessions_of("alice") == before


def test_sshd_split_processes_find_both_in_the_environment(v4):
    """authenticate and acct_mgmt in one process; setcred/open_session in a second, which finds
    the session and the access token in the PAM environment and exports both again; the close in
    a third revokes both on the server."""
    first = v4.run("authenticate acct_mgmt", approve_as="alice")
    assert first.op_list == [("authenticate", "PAM_SUCCESS"), ("acct_mgmt", "PAM_SUCCESS")], first.dump()
    env = first.env
    env_args = []
    for k, v in env.items():
        env_args += ["--set-env", "%s=%s" % (k, v)]
    second = v4.run("setcred open_session", extra=env_args)
    assert second.op_list == [("setcred", "PAM_SUCCESS"), ("open_session", "PAM_SUCCESS")], second.dump()
    assert {k: v for k, v in second.env.items() if k.startswith("TMDB_")} == env
    assert_alive(v4.standin, env)
    third = v4.run("close_session", extra=env_args)
    assert third.op_list == [("close_session", "PAM_SUCCESS")], third.dump()
    assert_alive(v4.standin, env, alive=False)
    assert not [k for k in third.env if k.startswith("TMDB_")]


@pytest.mark.parametrize("bad", [
    {"TMDB_ACCESS_TOKEN": "not a token"},
    {"TMDB_ACCOUNT_OBJECT_ID": "a\x01b"},
    {"TMDB_ACCOUNT_OBJECT_ID": None},
])
def test_a_malformed_v4_environment_is_ignored(v4, bad):
    """A half or malformed v4 credential in the environment is not used (logged); nothing is
    sent for it."""
    first = v4.run("authenticate", approve_as="alice")
    env = dict(first.env)
    env.update(bad)
    env_args = []
    for k, v in env.items():
        if v is not None:
            env_args += ["--set-env", "%s=%s" % (k, v)]
    v4.standin.reset()
    r = v4.run("close_session", extra=env_args)
    assert r.op_list == [("close_session", "PAM_SUCCESS")], r.dump()
    assert_logged(r, "ignoring a malformed TMDB_ACCESS_TOKEN/TMDB_ACCOUNT_OBJECT_ID")
    assert v4.standin.stats()["total_requests"] == 0
    assert_alive(v4.standin, first.env)


def test_logout_on_close_no_keeps_both(v4):
    v4.conf["logout_on_close"] = "no"
    r = v4.run("authenticate open_session close_session env", approve_as="alice")
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 3, r.dump()
    assert count(v4.standin, "DELETE", ACCESS) == 0 and count(v4.standin, "DELETE", DELETE) == 0


def test_logout_revokes_the_token_even_when_the_session_is_gone(v4):
    first = v4.run("authenticate", approve_as="alice")
    env = first.env
    v4.standin.revoke(env["TMDB_SESSION_ID"])
    env_args = []
    for k, v in env.items():
        env_args += ["--set-env", "%s=%s" % (k, v)]
    r = v4.run("close_session", extra=env_args)
    assert r.op_list == [("close_session", "PAM_SUCCESS")], r.dump()
    # a session TMDb no longer knows (404/6) is deleted already: nothing to warn about
    assert not [m for m in r.log_messages if "could not be" in m], r.dump()
    assert count(v4.standin, "DELETE", DELETE) == 1
    assert access_of(v4.standin, env["TMDB_ACCESS_TOKEN"])["revoked"]


# -- trusted-device mode ----------------------------------------------------------------------------

def test_reuse_session_remembers_both(v4):
    v4.conf["reuse_session"] = "yes"
    first = v4.run("authenticate", approve_as="alice")
    assert first.op_list == [("authenticate", "PAM_SUCCESS")], first.dump()
    env = first.env
    path = v4.cache_file()
    assert file_mode(path) == 0o600
    lines = path.read_text().splitlines()
    assert lines == ["pam_tmdb-cache 2",
                     "session_id " + env["TMDB_SESSION_ID"],
                     "account_id %d" % ALICE_ID,
                     "account_username alice",
                     "access_token " + env["TMDB_ACCESS_TOKEN"],
                     "account_object_id " + env["TMDB_ACCOUNT_OBJECT_ID"]]

    # silent: one request, checked as in v3 (GET /3/account on the remembered session)
    v4.standin.reset()
    r = v4.run("authenticate acct_mgmt open_session close_session env")
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 4, r.dump()
    assert r.conv == []
    assert v4.standin.stats()["requests"] == {"GET " + ACCOUNT: 2}
    # the remembered credential outlives the login: close_session revoked nothing
    assert_alive(v4.standin, env)

    # sshd-style: a later process that finds it in the environment leaves it alive too
    env_args = []
    for k, v in env.items():
        env_args += ["--set-env", "%s=%s" % (k, v)]
    r = v4.run("close_session", extra=env_args)
    assert r.op_list == [("close_session", "PAM_SUCCESS")], r.dump()
    assert_alive(v4.standin, env)


def test_reuse_session_hands_the_remembered_token_over(v4):
    v4.conf["reuse_session"] = "yes"
    first = v4.run("authenticate", approve_as="alice")
    r = v4.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert {k: v for k, v in r.env.items() if k.startswith("TMDB_")} == first.env


def test_remembered_session_revoked_on_the_server_asks_again(v4):
    v4.conf["reuse_session"] = "yes"
    first = v4.run("authenticate", approve_as="alice")
    v4.standin.revoke(first.env["TMDB_SESSION_ID"])
    r = v4.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert r.env["TMDB_ACCESS_TOKEN"] != first.env["TMDB_ACCESS_TOKEN"]
    assert "access_token " + r.env["TMDB_ACCESS_TOKEN"] in v4.cache_file().read_text()


def test_a_v3_entry_is_not_used_by_v4_and_a_v4_entry_not_by_v3(v4):
    """Each flow takes only its own kind of remembered entry (a v4 host wants the access token
    a v3 entry lacks); the new login replaces the entry."""
    v4.conf.update(reuse_session="yes", flow="v3", access_token=None, api_key=API_KEY)
    v3 = v4.run("authenticate", approve_as="alice")
    assert v3.op_list == [("authenticate", "PAM_SUCCESS")], v3.dump()
    assert v4.cache_file().read_text().startswith("pam_tmdb-cache 1\n")

    v4.conf.update(flow="v4", access_token=ACCESS_TOKEN, api_key=None)
    r = v4.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert count(v4.standin, "POST", REQUEST_TOKEN) == 1, "a full v4 login"
    assert v4.cache_file().read_text().startswith("pam_tmdb-cache 2\n")

    v4.standin.reset()
    v4.conf.update(flow="v3", access_token=None, api_key=API_KEY)
    r = v4.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert count(v4.standin, "GET", "/3/authentication/token/new") == 1, "a full v3 login"
    assert "TMDB_ACCESS_TOKEN" not in r.env


@pytest.mark.parametrize("entry", [
    "pam_tmdb-cache 2\nsession_id %s\naccount_id 1001\naccount_username alice\n",        # lines missing
    "pam_tmdb-cache 1\nsession_id %s\naccount_id 1001\naccount_username alice\naccess_token a.b.c\n"
    "account_object_id 0123\n",                                                           # v4 lines, v3 magic
    "pam_tmdb-cache 2\nsession_id %s\naccount_id 1001\naccount_username alice\naccess_token a b\n"
    "account_object_id 0123\n",                                                           # token with a space
    "pam_tmdb-cache 2\nsession_id %s\naccount_id 1001\naccount_username alice\n"
    "account_object_id 0123\naccess_token a.b.c\n",                                       # order
])
def test_damaged_v4_cache_entries_are_refused(v4, entry):
    v4.conf["reuse_session"] = "yes"
    sid = v4.standin.new_session("alice")
    fd = os.open(str(v4.cache_file()), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(entry % sid)
    r = v4.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert_logged(r, "cache entry for this user is damaged; ignored")
    assert r.env["TMDB_SESSION_ID"] != sid
    assert v4.cache_file().read_text().startswith("pam_tmdb-cache 2\n")


def test_acct_mgmt_checks_the_converted_session(v4):
    first = v4.run("authenticate", approve_as="alice")
    env_args = []
    for k, v in first.env.items():
        env_args += ["--set-env", "%s=%s" % (k, v)]
    r = v4.run("acct_mgmt", extra=env_args)
    assert r.op_list == [("acct_mgmt", "PAM_SUCCESS")], r.dump()
    v4.standin.revoke(first.env["TMDB_SESSION_ID"])
    r = v4.run("acct_mgmt", extra=env_args)
    assert r.op_list == [("acct_mgmt", "PAM_PERM_DENIED")], r.dump()
