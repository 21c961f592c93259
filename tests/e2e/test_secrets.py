# SPDX-License-Identifier: BSD-3-Clause
"""Secrets stay secret (issue "Hardening proof"; SPEC: Conversation, Configuration `debug`,
Session cache). Representative flows run with the module argument ``debug`` (the most
talkative setting) and conv_session off; afterwards no log line and no conversation message
may hold the API key, the access token, a request token (except inside the approval URL, which
is the point of that message) or a session id; the stand-in's request log shows each secret
only where the protocol needs it; the cache file is 0600 and nothing is written outside
cache_dir (a snapshot of the test's directory, the host's working directory, HOME and TMPDIR
before and after).

The flows run in both flows (``flow`` parameter): in flow=v4 the user's access token is one
more secret, allowed on the wire only in the bodies of session/convert/4 and of its DELETE, and
the v4 request token only in the body of /4/auth/access_token (and in the approval URL).
"""

import os
import re

import pytest

from pamhost import run_host
from tmdbpam import (ACCESS_TOKEN, ACCOUNT, API_KEY, DELETE, SESSION_NEW, TEST_ACCOUNT, TOKEN_NEW, V4_ACCESS,
                     V4_CONVERT, V4_TOKEN, all_texts, assert_host_survived, count, file_mode, tree_snapshot,
                     write_private)

FLOWS = ["v3", "v4"]


def set_flow(pam, flow):
    """flow=v4: the application's read access token, no API key, the approval page on the
    stand-in."""
    if flow == "v4":
        pam.conf.update(api_key=None, access_token=ACCESS_TOKEN, flow="v4",
                        approve_url_v4=pam.standin.url + "/auth/access?request_token=")


def poll_path(flow):
    """The request the approval loop repeats."""
    return V4_ACCESS if flow == "v4" else SESSION_NEW


def deletions(pam, flow):
    """DELETE requests of a revoked credential: the session's, and the access token's in v4."""
    return count(pam.standin, "DELETE", DELETE) + (count(pam.standin, "DELETE", V4_ACCESS) if flow == "v4" else 0)


@pytest.fixture
def sec(pam, tmp_path, monkeypatch):
    """debug on, conv_session off (the default, written out), a private cwd/HOME/TMPDIR for the
    host; ``sec.go(ops, **kw)`` runs without rewriting any file first and checks everything."""
    pam.args.append("debug")
    pam.conf["conv_session"] = "no"
    for d in ("cwd", "home", "tmpdir"):
        (tmp_path / d).mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    pam.extra_secrets = []

    def go(ops, user="alice", write=True, **kw):
        if write:
            pam.write()
        before = tree_snapshot(tmp_path, skip=("cache", "state"))
        kw.setdefault("cafile", pam.standin.cafile)
        env = dict(kw.pop("env", {}) or {})
        env.update(HOME=str(tmp_path / "home"), TMPDIR=str(tmp_path / "tmpdir"))
        r = run_host(str(pam.service_dir), pam.service, user, ops, env=env, **kw)
        assert_host_survived(r)
        after = tree_snapshot(tmp_path, skip=("cache", "state"))
        assert after == before, "files changed outside cache_dir and state_dir: %s" % sorted(
            set(after.items()) ^ set(before.items()))
        check_cache_dir(pam)
        check_state_dir(pam)
        check_no_secrets(pam, r)
        return r

    pam.go = go
    return pam


def check_state_dir(pam):
    """The session journal holds session ids like the cache: 0600 records, no temporary file
    left, nothing else."""
    d = pam.state_dir / "sessions"
    for name in (os.listdir(str(d)) if d.exists() else []):
        assert name.startswith("r-"), "not a record: %s" % name
        p = d / name
        assert not os.path.islink(str(p)) and file_mode(p) == 0o600, (name, oct(file_mode(p)))
        assert os.lstat(str(p)).st_uid == os.geteuid()
    assert file_mode(pam.state_dir) == 0o700, "state_dir itself untouched"


def check_cache_dir(pam):
    for name in os.listdir(str(pam.cache_dir)):
        assert not name.startswith("."), "temporary file left behind: %s" % name
        p = pam.cache_dir / name
        assert not os.path.islink(str(p)) and file_mode(p) == 0o600, (name, oct(file_mode(p)))
        assert os.lstat(str(p)).st_uid == os.geteuid()
    assert file_mode(pam.cache_dir) == 0o700, "cache_dir itself untouched"


def secrets(pam):
    """(name, value) of every secret the stand-in ever handed out, plus the credentials."""
    out = [("api_key", API_KEY), ("access_token", ACCESS_TOKEN)]
    out += [("configured api_key", pam.conf["api_key"])] if pam.conf.get("api_key") else []
    out += [("extra", s) for s in pam.extra_secrets]
    out += [("request token", t["request_token"]) for t in pam.standin.tokens()]
    out += [("session id", s["session_id"]) for s in pam.standin.sessions()]
    out += [("user access token", a["access_token"]) for a in pam.standin.access_tokens()]
    return out


URL_MESSAGE = re.compile(r"[^\n]*\n(https://localhost:\d+/(?:authenticate/|auth/access\?request_token=)"
                         r"([0-9a-f]{40}|eyJ[A-Za-z0-9_.-]+))")


def check_no_secrets(pam, r):
    found = []
    for kind, text in all_texts(r):
        for name, value in secrets(pam):
            if value not in text:
                continue
            if kind == "conv" and name == "request token":
                # the approval URL carries the token: allowed there and only there
                m = URL_MESSAGE.fullmatch(text)
                if m and m.group(2) == value:
                    continue
            found.append((kind, name, text))
    assert not found, "secrets in logs/conversation:\n%s" % "\n".join(map(repr, found))
    assert "TMDB_SESSION_ID=" not in "".join(c["msg"] for c in r.conv), "conv_session is off"


def check_requests(pam):
    """Where each secret went on the wire."""
    sids = [s["session_id"] for s in pam.standin.sessions()]
    toks = [t["request_token"] for t in pam.standin.tokens()]
    users = [a["access_token"] for a in pam.standin.access_tokens()]
    for q in pam.standin.requests():
        where = q["method"] + " " + q["path"]
        headers = " ".join("%s: %s" % kv for kv in q["headers"].items())
        for sid in sids:
            if where == "GET " + ACCOUNT:
                assert sid not in (q["body"] or "") and sid not in headers
            elif where == "DELETE " + DELETE:
                assert sid not in q["query"] and sid not in headers
            else:
                assert sid not in q["query"] + (q["body"] or "") + headers, (where, q)
        for tok in toks:
            assert tok not in q["query"] + headers, ("request token in a query or header", q)
            if where not in ("POST " + SESSION_NEW, "POST " + V4_ACCESS):
                assert tok not in (q["body"] or ""), q
        for user in users:
            # the Bearer header is always the application's token, never the user's
            assert user not in q["query"] + headers, ("user access token in a query or header", q)
            if where not in ("POST " + V4_CONVERT, "DELETE " + V4_ACCESS):
                assert user not in (q["body"] or ""), q
        if "authorization" in q["headers"]:
            assert "api_key=" not in q["query"], "one credential per request"
        assert API_KEY not in headers and API_KEY not in (q["body"] or "")
        assert ACCESS_TOKEN not in q["query"] + (q["body"] or "")
    # and the places where they must be
    for q in pam.standin.requests():
        if q["method"] == "GET" and q["path"] == ACCOUNT:
            assert re.search(r"(^|&)session_id=[0-9a-f]{40}(&|$)", q["query"]), q
        if q["method"] == "DELETE" and q["path"] == DELETE:
            assert re.fullmatch(r'\{"session_id":"[0-9a-f]{40}"\}', q["body"]), q
        if (q["method"], q["path"]) in (("POST", V4_CONVERT), ("DELETE", V4_ACCESS)):
            assert re.fullmatch(r'\{"access_token":"eyJ[A-Za-z0-9_.-]+"\}', q["body"]), q
        if q["method"] == "POST" and q["path"] == V4_ACCESS:
            assert re.fullmatch(r'\{"request_token":"eyJ[A-Za-z0-9_.-]+"\}', q["body"]), q


# -- the flows ----------------------------------------------------------------------------------

@pytest.mark.parametrize("flow", FLOWS)
def test_prompt_flow_to_logout(sec, flow):
    set_flow(sec, flow)
    sec.conf["logout_on_close"] = "yes"
    r = sec.go("authenticate acct_mgmt setcred open_session close_session setcred:delete",
               approve_as="alice")
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 6, r.dump()
    assert any(l["prio"] == 7 for l in r.logs), "debug lines were written"
    assert deletions(sec, flow) == (2 if flow == "v4" else 1)
    check_requests(sec)


@pytest.mark.parametrize("flow", FLOWS)
def test_poll_flow(sec, flow):
    set_flow(sec, flow)
    sec.conf.update(approval="poll", poll_interval="1")
    r = sec.go("authenticate", approve_as="alice", extra=["--approve-delay-ms", "300"])
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    check_requests(sec)


@pytest.mark.parametrize("flow", FLOWS)
def test_not_approved_rounds_then_success(sec, flow):
    set_flow(sec, flow)
    r = sec.go("authenticate", approve_as="alice", approve_after=2)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert count(sec.standin, "POST", poll_path(flow)) == 3
    check_requests(sec)


@pytest.mark.parametrize("flow", FLOWS)
def test_never_approved(sec, flow):
    set_flow(sec, flow)
    sec.conf["max_prompts"] = "2"
    r = sec.go("authenticate")
    assert r.op_list == [("authenticate", "PAM_MAXTRIES")], r.dump()


@pytest.mark.parametrize("flow", FLOWS)
def test_poll_timeout(sec, flow):
    set_flow(sec, flow)
    sec.conf.update(approval="poll", poll_interval="1", approval_timeout="1")
    r = sec.go("authenticate")
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()


@pytest.mark.parametrize("flow", FLOWS)
def test_wrong_account(sec, flow):
    set_flow(sec, flow)
    r = sec.go("authenticate", approve_as=TEST_ACCOUNT)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert deletions(sec, flow) == (2 if flow == "v4" else 1)
    check_requests(sec)


@pytest.mark.parametrize("flow", FLOWS)
def test_reuse_from_cache_and_later_entry_points(sec, flow):
    set_flow(sec, flow)
    sec.conf["reuse_session"] = "yes"
    first = sec.go("authenticate", approve_as="alice")
    assert first.op_list == [("authenticate", "PAM_SUCCESS")], first.dump()
    r = sec.go("authenticate acct_mgmt", write=False)
    assert r.op_list == [("authenticate", "PAM_SUCCESS"), ("acct_mgmt", "PAM_SUCCESS")], r.dump()
    assert r.conv == []
    for ops in ("setcred", "setcred:reinit", "setcred:refresh", "open_session", "acct_mgmt",
                "close_session"):
        r = sec.go(ops, write=False)
        assert r.op_list == [(ops, "PAM_SUCCESS")], r.dump()
    check_requests(sec)


@pytest.mark.parametrize("flow", FLOWS)
def test_revoked_session_in_acct_mgmt_and_reauthentication(sec, flow):
    set_flow(sec, flow)
    sec.conf["reuse_session"] = "yes"
    first = sec.go("authenticate", approve_as="alice")
    sec.standin.revoke(first.env["TMDB_SESSION_ID"])
    r = sec.go("acct_mgmt", write=False)
    assert r.op_list == [("acct_mgmt", "PAM_PERM_DENIED")], r.dump()
    first = sec.go("authenticate", approve_as="alice", write=False)
    sec.standin.revoke(first.env["TMDB_SESSION_ID"])
    r = sec.go("authenticate", approve_as="alice", write=False)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()


@pytest.mark.parametrize("flow", FLOWS)
def test_sshd_split_processes(sec, flow):
    """Session handed over in the environment, as OpenSSH's later processes see it."""
    set_flow(sec, flow)
    sec.conf["logout_on_close"] = "yes"
    first = sec.go("authenticate acct_mgmt", approve_as="alice")
    env_args = []
    for k, v in first.env.items():
        env_args += ["--set-env", "%s=%s" % (k, v)]
    r = sec.go("setcred open_session close_session", write=False, extra=env_args)
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 3, r.dump()
    assert deletions(sec, flow) == (2 if flow == "v4" else 1)
    check_requests(sec)


def test_access_token_flow(sec):
    sec.conf["api_key"] = None
    sec.conf["access_token"] = ACCESS_TOKEN
    sec.conf["logout_on_close"] = "yes"
    r = sec.go("authenticate acct_mgmt open_session close_session", approve_as="alice")
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 4, r.dump()
    for q in sec.standin.requests():
        assert q["headers"].get("authorization") == "Bearer " + ACCESS_TOKEN
        assert "api_key" not in q["query"]
    check_requests(sec)


def test_rejected_access_token(sec):
    token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXJlamVjdGVk.c2lnbmF0dXJl"
    sec.extra_secrets.append(token)
    sec.conf["api_key"] = None
    sec.conf["access_token"] = token
    r = sec.go("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()


def test_rejected_api_key(sec):
    sec.conf["api_key"] = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    r = sec.go("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()


# -- configuration errors -----------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "api_key = %s extra" % API_KEY,                     # a space: invalid value
    "api_key = %s\x01" % API_KEY,                       # a control character
    "api_key = " + API_KEY * 20,                        # too long
    "access_token = %s\x7f" % ACCESS_TOKEN,
    "access_token = %s %s" % (ACCESS_TOKEN, ACCESS_TOKEN),
    "api-key = %s" % API_KEY,                           # a misspelt key
    "timeout = %s" % API_KEY,                           # the key pasted into a number
    # (not here: the key pasted as the value of a non-secret string key such as user_map; the
    # module shows such values on purpose, to help the administrator)
])
def test_config_errors(sec, line):
    sec.raw_conf = "api_url = %s\ncafile = %s\ncache_dir = %s\n%s\n" % (
        sec.standin.url, sec.standin.cafile, sec.cache_dir, line)
    r = sec.go("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert r.log_messages, "the error is logged"
    assert sec.standin.stats()["total_requests"] == 0


@pytest.mark.parametrize("arg", ["api_key=%s\x02" % API_KEY, "access_token=%s\x02" % ACCESS_TOKEN])
def test_bad_secret_module_argument(sec, arg):
    sec.args.append(arg)
    r = sec.go("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()


def test_api_key_file_with_a_bad_first_line(sec):
    sec.conf["api_key"] = None
    sec.conf["api_key_file"] = write_private(sec.dir / "api.key", API_KEY + " trailing words\n")
    r = sec.go("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()


@pytest.mark.parametrize("where", ["file", "argument"])
def test_pasted_secret_is_not_logged_as_an_unknown_key(sec, where):
    if where == "file":
        sec.raw_conf = "api_url = %s\ncafile = %s\n%s\n" % (sec.standin.url, sec.standin.cafile, API_KEY)
    else:
        sec.args.append(API_KEY)
    r = sec.go("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()


# -- network faults -------------------------------------------------------------------------------

@pytest.mark.parametrize("path,opts", [
    (TOKEN_NEW, dict(status=503, tmdb_status=9)),
    (SESSION_NEW, dict(status=503, tmdb_status=9)),
    (ACCOUNT, dict(status=503, tmdb_status=9)),
    (ACCOUNT, dict(delay_ms=3000)),
    (ACCOUNT, dict(close_mid_body=1)),
    (ACCOUNT, dict(status=401, tmdb_status=3)),
    (SESSION_NEW, dict(status=200, body='{"success":true,"session_id":"not a session id"}')),
    (SESSION_NEW, dict(close_mid_body=1)),
    (DELETE, dict(status=500)),
])
def test_network_faults(sec, path, opts):
    sec.conf.update(timeout="2", connect_timeout="1", retries="1", logout_on_close="yes")
    sec.standin.fault(path, **opts)
    r = sec.go("authenticate open_session close_session", approve_as="alice")
    assert r.op_list, r.dump()
    check_requests(sec)


@pytest.mark.parametrize("path,opts", [
    (V4_TOKEN, dict(status=503, tmdb_status=9)),
    (V4_TOKEN, dict(status=200, body='{"success":true,"status_code":1,"request_token":"not a token"}')),
    (V4_ACCESS, dict(method="POST", status=503, tmdb_status=9)),
    (V4_ACCESS, dict(method="POST", close_mid_body=1)),
    (V4_ACCESS, dict(method="POST", status=200, body='{"success":true,"access_token":"a b","account_id":"x"}')),
    (V4_CONVERT, dict(status=401, tmdb_status=35)),
    (V4_CONVERT, dict(status=503, tmdb_status=9)),
    (V4_CONVERT, dict(delay_ms=3000)),
    (ACCOUNT, dict(status=401, tmdb_status=3)),
    (ACCOUNT, dict(close_mid_body=1)),
    (V4_ACCESS, dict(method="DELETE", status=500)),
    (V4_ACCESS, dict(method="DELETE", status=401, tmdb_status=35)),
    (DELETE, dict(status=500)),
])
def test_v4_network_faults(sec, path, opts):
    set_flow(sec, "v4")
    sec.conf.update(timeout="2", connect_timeout="1", retries="1", logout_on_close="yes")
    sec.standin.fault(path, **opts)
    r = sec.go("authenticate open_session close_session", approve_as="alice")
    assert r.op_list, r.dump()
    check_requests(sec)


def test_v4_needs_the_read_access_token(sec):
    """flow=v4 with only an API key: a configuration error naming the key, nothing sent."""
    sec.conf["flow"] = "v4"
    r = sec.go("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert any("access_token: missing" in m for m in r.log_messages), r.dump()
    assert sec.standin.stats()["total_requests"] == 0


@pytest.mark.parametrize("flow", FLOWS)
def test_cache_file_stays_private_under_a_permissive_umask(sec, flow):
    set_flow(sec, flow)
    sec.conf["reuse_session"] = "yes"
    r = sec.go("authenticate", approve_as="alice",
               wrapper=["/bin/sh", "-c", 'umask 000; exec "$@"', "sh"])
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert file_mode(sec.cache_file()) == 0o600
