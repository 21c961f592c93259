# SPDX-License-Identifier: BSD-3-Clause
"""Answers of the real TMDb that nobody has recorded (issue 23): the stand-in gives each of its
variants (tests/standin/README.md, "Unrecorded answers"), and the module, through a real libpam
host, is right under every one of them:

- "not approved yet" from session/new or auth/access_token may be 41, 17 or 33: before the
  request token's own life ends each means "ask again", in prompt and in poll mode, so an
  approval after several of them succeeds; the login still ends at max_prompts,
  approval_timeout, the token's expiry, or at once when the return address reports a denial;
- a refused application credential (7, or 3 on a call made with the read access token) is a
  configuration error, PAM_SERVICE_ERR with a log line naming the option, never an outage;
- a 429 whose body is not JSON is handled like any 429 (retried, Retry-After honoured);
- deleting a session or access token TMDb no longer knows (404/6, 401/35, or a 200) counts as
  done: the logout says nothing is wrong, and the DELETE is sent once."""

import time

import pytest

from tmdbpam import ACCESS_TOKEN, API_KEY, assert_host_survived, assert_logged, count

TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
REQUEST_TOKEN = "/4/auth/request_token"
ACCESS = "/4/auth/access_token"
DELETE = "/3/authentication/session"
ACCOUNT = "/3/account"

# (flow, the variant that sets "not approved yet", its values: the default first)
NOT_YET = [("v3", "v3_not_approved", v) for v in ("401/17", "401/33")] + \
          [("v4", "v4_not_approved", v) for v in ("422/41", "401/33", "401/17")]
NOT_YET_IDS = ["%s-%s" % (f, v.replace("/", "_")) for f, _, v in NOT_YET]
# the try that turns an approved token into a credential, per flow
TRY = {"v3": ("POST", SESSION_NEW), "v4": ("POST", ACCESS)}


def use_flow(pam, flow):
    """v4: the application's read access token and the stand-in's approval page."""
    if flow == "v4":
        pam.conf["api_key"] = None
        pam.conf["access_token"] = ACCESS_TOKEN
        pam.conf["flow"] = "v4"
        pam.conf["approve_url_v4"] = pam.standin.url + "/auth/access?request_token="
    return pam


def run(pam, *args, **kw):
    r = pam.run(*args, **kw)
    assert_host_survived(r)
    return r


def tries(pam, flow):
    return count(pam.standin, *TRY[flow])


def errors(r):
    """Log lines at LOG_ERR or worse."""
    return [l["msg"] for l in r.logs if l["prio"] <= 3]


# -- the stand-in gives each variant -------------------------------------------------------------

def test_standin_variants_default_to_the_documented_answers(standin):
    assert standin.variants() == {"v4_not_approved": "422/41", "v3_not_approved": "401/17",
                                  "v3_spent": "401/17", "delete_unknown": "default",
                                  "bad_bearer": "401/7", "rate_limit": "json"}


def test_standin_variant_is_kept_until_reset(standin):
    assert standin.variant(v3_spent="401/33", rate_limit="text")["v3_spent"] == "401/33"
    assert standin.variants()["rate_limit"] == "text"
    standin.reset()
    assert standin.variants()["v3_spent"] == "401/17"


@pytest.mark.parametrize("query", ["v3_spent=401/99", "no_such_variant=1", "v3_spent="])
def test_standin_refuses_an_unknown_variant(standin, query):
    status, _, body = standin.request("POST", "/_standin/variant?" + query, body=b"")
    assert status == 400, body
    assert standin.variants()["v3_spent"] == "401/17"


def bearer(token=ACCESS_TOKEN):
    return {"Authorization": "Bearer " + token}


def v4_token(standin):
    status, _, body = standin.api("POST", REQUEST_TOKEN, body={}, headers=bearer(), key=False)
    assert status == 200, body
    return body["request_token"]


@pytest.mark.parametrize("value,status,code", [("422/41", 422, 41), ("401/33", 401, 33), ("401/17", 401, 17)])
def test_standin_v4_not_approved(standin, value, status, code):
    standin.variant(v4_not_approved=value)
    tok = v4_token(standin)
    got = standin.api("POST", ACCESS, body={"request_token": tok}, headers=bearer(), key=False)
    assert (got[0], got[2]["status_code"]) == (status, code)
    standin.deny(tok)
    got = standin.api("POST", ACCESS, body={"request_token": tok}, headers=bearer(), key=False)
    assert (got[0], got[2]["status_code"]) == (status, code)
    # an unknown token is 401/33 whatever the variant
    got = standin.api("POST", ACCESS, body={"request_token": "eyJx.y.z"}, headers=bearer(), key=False)
    assert (got[0], got[2]["status_code"]) == (401, 33)


@pytest.mark.parametrize("not_approved,spent", [("401/17", "401/17"), ("401/33", "401/17"),
                                                ("401/17", "401/33"), ("401/33", "401/33")])
def test_standin_v3_session_refusals(standin, not_approved, spent):
    standin.variant(v3_not_approved=not_approved, v3_spent=spent)
    want_new = int(not_approved.split("/")[1])
    want_spent = int(spent.split("/")[1])
    _, _, tok = standin.api("GET", TOKEN_NEW)
    tok = tok["request_token"]
    status, _, body = standin.api("POST", SESSION_NEW, body={"request_token": tok})
    assert (status, body["status_code"]) == (401, want_new)
    standin.deny(tok)
    status, _, body = standin.api("POST", SESSION_NEW, body={"request_token": tok})
    assert (status, body["status_code"]) == (401, want_spent)
    _, _, tok2 = standin.api("GET", TOKEN_NEW)
    standin.expire(tok2["request_token"])
    status, _, body = standin.api("POST", SESSION_NEW, body={"request_token": tok2["request_token"]})
    assert (status, body["status_code"]) == (401, want_spent)


@pytest.mark.parametrize("value,v3,v4", [("default", (404, 6), (401, 35)), ("404/6", (404, 6), (404, 6)),
                                         ("401/35", (401, 35), (401, 35)), ("200", (200, None), (200, None))])
def test_standin_delete_unknown(standin, value, v3, v4):
    standin.variant(delete_unknown=value)
    status, _, body = standin.api("DELETE", DELETE, body={"session_id": "0" * 40})
    assert (status, body.get("status_code")) == v3
    status, _, body = standin.api("DELETE", ACCESS, body={"access_token": "eyJx.y.z"}, headers=bearer(),
                                  key=False)
    assert (status, body.get("status_code")) == v4
    # a live one is deleted as before
    sid = standin.new_session("alice")
    status, _, body = standin.api("DELETE", DELETE, body={"session_id": sid})
    assert status == 200 and body == {"success": True}


@pytest.mark.parametrize("value,code", [("401/7", 7), ("401/3", 3)])
def test_standin_bad_bearer(standin, value, code):
    standin.variant(bad_bearer=value)
    status, _, body = standin.api("POST", REQUEST_TOKEN, body={}, headers=bearer("wrong"), key=False)
    assert (status, body["status_code"]) == (401, code)
    status, _, body = standin.api("GET", TOKEN_NEW, headers=bearer("wrong"), key=False)
    assert (status, body["status_code"]) == (401, code)
    # a bad api_key without a bearer is 7 under every variant
    status, _, body = standin.api("GET", TOKEN_NEW, params={"api_key": "wrong"})
    assert (status, body["status_code"]) == (401, 7)


@pytest.mark.parametrize("value", ["json", "json-retry-after", "text", "text-retry-after"])
def test_standin_rate_limit(standin, value):
    standin.variant(rate_limit=value)
    standin.fault(TOKEN_NEW, status=429, count=1)
    status, headers, body = standin.request("GET", TOKEN_NEW, params={"api_key": API_KEY})
    assert status == 429
    assert (headers.get("Retry-After") == "1") == value.endswith("retry-after")
    if value.startswith("text"):
        assert headers["Content-Type"].startswith("text/plain")
        assert body == b"Your request count (41) is over the allowed limit of 40."
    else:
        assert headers["Content-Type"].startswith("application/json")
        assert b'"status_code":25' in body
    # a fault's own Retry-After wins
    standin.fault(TOKEN_NEW, status=429, count=1, retry_after="7")
    _, headers, _ = standin.request("GET", TOKEN_NEW, params={"api_key": API_KEY})
    assert headers.get_all("Retry-After") == ["7"]


def test_standin_variant_on_the_command_line(tls, tmp_path):
    from standin import Standin
    with Standin(tls=tls, args=["--variant", "v4_not_approved=401/33", "--variant", "bad_bearer=401/3"],
                 workdir=tmp_path / "s") as s:
        assert s.variants()["v4_not_approved"] == "401/33" and s.variants()["bad_bearer"] == "401/3"
        s.variant(v4_not_approved="422/41")
        s.reset()  # back to the command line's, not to the built-in default
        assert s.variants()["v4_not_approved"] == "401/33"


# -- "not approved yet", whatever TMDb sends for it -----------------------------------------------

@pytest.mark.parametrize("flow,name,value", NOT_YET, ids=NOT_YET_IDS)
def test_prompt_mode_approval_after_several_not_yet(pam, flow, name, value):
    use_flow(pam, flow)
    pam.standin.variant(**{name: value})
    pam.conf["max_prompts"] = "4"
    r = run(pam, "authenticate", approve_as="alice", approve_after=3)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    not_yet = [c for c in r.conv if c["style"] == "PAM_ERROR_MSG" and "Not approved yet" in c["msg"]]
    assert len(not_yet) == 3, r.dump()
    assert tries(pam, flow) == 4
    assert not errors(r), r.dump()
    assert pam.standin.live_sessions_of("alice") >= 1 and "TMDB_SESSION_ID" in r.env


@pytest.mark.parametrize("flow,name,value", NOT_YET, ids=NOT_YET_IDS)
def test_poll_mode_approval_after_several_not_yet(pam, flow, name, value):
    use_flow(pam, flow)
    pam.standin.variant(**{name: value})
    pam.conf.update(approval="poll", poll_interval="1", approval_timeout="60")
    r = run(pam, "authenticate", approve_as="alice", extra=["--approve-delay-ms", "2500"])
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    # at once, then every second: at least three "not yet" before the approval came
    assert tries(pam, flow) >= 4, pam.standin.stats()
    assert not errors(r), r.dump()
    assert "TMDB_SESSION_ID" in r.env


@pytest.mark.parametrize("flow,name,value", NOT_YET, ids=NOT_YET_IDS)
def test_prompt_mode_still_ends_at_max_prompts(pam, flow, name, value):
    """A denial in the browser gives the same answer as "not yet" under every variant: the login
    ends after max_prompts Enter presses, as in the default."""
    use_flow(pam, flow)
    pam.standin.variant(**{name: value}, v3_spent=value if flow == "v3" else "401/17")
    r = run(pam, "authenticate", deny=True)
    assert r.op_list == [("authenticate", "PAM_MAXTRIES")], r.dump()
    assert tries(pam, flow) == 3
    assert_logged(r, "not approved after max_prompts=3")


@pytest.mark.parametrize("flow,name,value", NOT_YET, ids=NOT_YET_IDS)
def test_poll_mode_still_ends_at_approval_timeout(pam, flow, name, value):
    use_flow(pam, flow)
    pam.standin.variant(**{name: value})
    pam.conf.update(approval="poll", poll_interval="1", approval_timeout="2")
    start = time.monotonic()
    r = run(pam, "authenticate")
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert time.monotonic() - start >= 2
    assert tries(pam, flow) >= 2
    assert_logged(r, "not approved within approval_timeout")


@pytest.mark.parametrize("spent", ["401/17", "401/33"])
def test_v3_poll_mode_ends_at_the_tokens_expiry(pam, spent):
    """expires_at bounds the login, and after it a 33 (or 17) is final."""
    pam.standin.variant(v3_not_approved=spent, v3_spent=spent)
    pam.standin.configure(token_ttl=3)
    pam.conf.update(approval="poll", poll_interval="1", approval_timeout="300")
    r = run(pam, "authenticate", timeout=60)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert 2 <= tries(pam, "v3") <= 6
    # the last try comes at the token's end: 17 is "still not approved", 33 now final
    if spent == "401/33":
        assert_logged(r, "TMDb says the request token expired or is invalid")
    else:
        assert_logged(r, "not approved within approval_timeout or the token's life")


@pytest.mark.parametrize("flow,name,value", NOT_YET, ids=NOT_YET_IDS)
def test_the_return_address_denial_ends_at_once(pam, flow, name, value):
    use_flow(pam, flow)
    pam.standin.variant(**{name: value})
    pam.conf["allow_return_to"] = "yes"
    pam.conf["approval_timeout"] = "120"
    # two "not yet" answers, then the host's return address says the browser came back denied
    r = run(pam, "authenticate", answers=["", "", "denied"],
            extra=["--set-env", "TMDB_RETURN_TO=http://127.0.0.1:48213/pam_tmdb/back"])
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert_logged(r, "the browser came back denied")
    assert tries(pam, flow) == 2
    assert len([c for c in r.conv if c["style"] == "PAM_PROMPT_ECHO_ON"]) == 3


# -- the application's credential refused ---------------------------------------------------------

@pytest.mark.parametrize("flow", ["v3", "v4"])
@pytest.mark.parametrize("value", ["401/7", "401/3"])
def test_a_refused_read_access_token_is_a_configuration_error(pam, flow, value):
    use_flow(pam, flow)
    pam.conf["api_key"] = None
    pam.conf["access_token"] = "not-the-applications-token"
    pam.standin.variant(bad_bearer=value)
    r = run(pam, "authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "TMDb rejected the API key or access token: check access_token",
                  "status %s" % value.split("/")[1])
    assert pam.standin.stats()["total_requests"] == 1, "no retry, no approval asked"
    assert not [c for c in r.conv if "http" in c["msg"]], "no approval URL was shown"


def test_a_refused_api_key_is_a_configuration_error_naming_api_key(pam):
    pam.conf["api_key"] = "not-the-applications-key"
    pam.standin.variant(bad_bearer="401/3")  # a key is not a bearer: 7 all the same
    r = run(pam, "authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "check api_key in the configuration", "status 7")


def test_status_3_on_account_still_means_the_session_is_gone(pam):
    """3 on /3/account (a call that carries a session) is the session, not the application: a
    remembered session that TMDb refuses is replaced by a new approval."""
    pam.conf["api_key"] = None
    pam.conf["access_token"] = ACCESS_TOKEN
    pam.conf["reuse_session"] = "yes"
    first = run(pam, "authenticate", approve_as="alice")
    assert first.op_list == [("authenticate", "PAM_SUCCESS")], first.dump()
    pam.standin.revoke(first.env["TMDB_SESSION_ID"])
    pam.standin.variant(bad_bearer="401/3")
    r = run(pam, "authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert_logged(r, "remembered session no longer valid")


# -- 429 whatever its body ------------------------------------------------------------------------

RATE_STEPS = {"v3": TOKEN_NEW, "v4": REQUEST_TOKEN}


@pytest.mark.parametrize("flow", ["v3", "v4"])
@pytest.mark.parametrize("value", ["json", "json-retry-after", "text", "text-retry-after"])
def test_429_then_success(pam, flow, value):
    use_flow(pam, flow)
    pam.standin.variant(rate_limit=value)
    pam.conf.update(retries="2", timeout="8")
    pam.standin.fault(RATE_STEPS[flow], status=429, count=2)
    start = time.monotonic()
    r = run(pam, "authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    method = "GET" if flow == "v3" else "POST"
    assert count(pam.standin, method, RATE_STEPS[flow]) == 3
    assert_logged(r, "HTTP 429 from the server (attempt 1 of 3)", "HTTP 429 from the server (attempt 2 of 3)")
    if value.endswith("retry-after"):
        assert time.monotonic() - start >= 2.0, "Retry-After: 1, twice; the module came back earlier"


@pytest.mark.parametrize("flow", ["v3", "v4"])
@pytest.mark.parametrize("value", ["text", "text-retry-after"])
def test_429_plain_text_until_the_retries_run_out(pam, flow, value):
    use_flow(pam, flow)
    pam.standin.variant(rate_limit=value)
    pam.conf.update(retries="2", timeout="8")
    pam.standin.fault(RATE_STEPS[flow], status=429)
    r = run(pam, "authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_AUTHINFO_UNAVAIL")], r.dump()
    method = "GET" if flow == "v3" else "POST"
    assert count(pam.standin, method, RATE_STEPS[flow]) == 3
    assert_logged(r, "giving up after 3 attempts")


# -- deleting what TMDb no longer knows -----------------------------------------------------------

def env_args(env):
    out = []
    for k, v in env.items():
        out += ["--set-env", "%s=%s" % (k, v)]
    return out


@pytest.mark.parametrize("flow", ["v3", "v4"])
@pytest.mark.parametrize("value", ["default", "404/6", "401/35", "200"])
def test_logout_of_a_credential_tmdb_no_longer_knows(pam, flow, value):
    use_flow(pam, flow)
    pam.conf["logout_on_close"] = "yes"
    first = run(pam, "authenticate", approve_as="alice")
    assert first.op_list == [("authenticate", "PAM_SUCCESS")], first.dump()
    env = first.env
    # both gone on the server before the logout: TMDb's own expiry, or another logout
    pam.standin.revoke(env["TMDB_SESSION_ID"])
    if flow == "v4":
        status, _, _ = pam.standin.api("DELETE", ACCESS, body={"access_token": env["TMDB_ACCESS_TOKEN"]},
                                       headers=bearer(), key=False)
        assert status == 200
    pam.standin.reset()
    pam.standin.variant(delete_unknown=value)
    pam.args.append("debug")
    r = run(pam, "close_session", extra=env_args(env))
    assert r.op_list == [("close_session", "PAM_SUCCESS")], r.dump()
    assert not [m for m in r.log_messages if "could not be" in m], r.dump()
    assert not errors(r), r.dump()
    # each DELETE once: nothing retried
    assert count(pam.standin, "DELETE", DELETE) == 1
    assert count(pam.standin, "DELETE", ACCESS) == (1 if flow == "v4" else 0)
    assert pam.standin.stats()["total_requests"] == (2 if flow == "v4" else 1)
    if value != "200":
        assert_logged(r, "no longer knows it")
