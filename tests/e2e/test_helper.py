# SPDX-License-Identifier: BSD-3-Clause
"""pam_tmdb in a host that runs as an ordinary user (NOBODY), which may not read the API key:
the module hands each entry point to the setgid pam_tmdb_helper and relays the conversation
(pam_tmdb(8) USER-RUN HOSTS, pam_tmdb_helper(8)). Real libpam, the real module and helper,
the stand-in; layout in helperenv.py."""

import os

import pytest

from helperenv import ACCESS_TOKEN, API_KEY, NOBODY, TMDB_USER, USER, pamtester_as_user, user_runs
from tmdbpam import TEST_ACCOUNT, count, without_refusal

SESSION_DELETE = "/3/authentication/session"


@pytest.fixture
def user_run(standin):
    yield from user_runs(standin)


def logs(r):
    return "\n".join(r.log_messages)


def test_the_config_is_unreadable_by_the_user_and_the_helper_signs_in(user_run):
    import subprocess
    r = user_run.host("authenticate acct_mgmt setcred open_session env close_session",
                      approve_as=TMDB_USER)
    assert r.op_list[0] == ("authenticate", "PAM_SUCCESS"), r.dump()
    assert r.rc == 0, r.dump()
    sid = [e["value"] for e in r.of("env") if e["name"] == "TMDB_SESSION_ID"]
    assert sid and len(sid[0]) == 40
    # the approval URL reached the host through the relay, alone on its line
    assert any("/authenticate/" in u for u in r.urls), r.dump()
    # close_session ended it through the helper
    assert count(user_run.standin, "DELETE", SESSION_DELETE) == 1
    assert API_KEY not in r.stdout + r.stderr
    assert not user_run.wait_no_helper()
    # the user itself cannot read the key
    denied = subprocess.run(["cat", user_run.conf_path], capture_output=True, text=True,
                            **user_run.as_nobody())
    assert denied.returncode != 0 and API_KEY not in denied.stdout


def live(user_run):
    return user_run.standin.live_sessions_of(TMDB_USER)


def test_full_login_hands_over_and_logout_deletes(user_run):
    before = live(user_run)
    r = user_run.host("authenticate acct_mgmt setcred open_session env close_session env",
                      approve_as=TMDB_USER)
    assert r.rc == 0, r.dump()
    envs = [e for e in r.of("env")]
    first = {e["name"]: e["value"] for e in envs[:3]}
    assert first["TMDB_ACCOUNT_USERNAME"] == TMDB_USER and first["TMDB_ACCOUNT_ID"] == "1001"
    # after close_session the session is gone from the PAM environment and from TMDb
    assert r.env == {}
    assert live(user_run) == before
    assert count(user_run.standin, "GET", "/3/account") == 2   # bind + acct_mgmt's check
    assert "TMDb account 1001 authenticated" in logs(r)


def test_acct_mgmt_of_a_revoked_session_is_denied(user_run):
    user_run.standin.configure(auto_approve=TMDB_USER)
    r = user_run.host("authenticate env", answers=[""])
    assert r.rc == 0, r.dump()
    sid = r.env["TMDB_SESSION_ID"]
    user_run.standin.revoke(sid)
    r = user_run.host("acct_mgmt", extra=["--set-env", "TMDB_SESSION_ID=" + sid,
                                          "--set-env", "TMDB_ACCOUNT_ID=1001",
                                          "--set-env", "TMDB_ACCOUNT_USERNAME=alice"])
    assert r.op_list == [("acct_mgmt", "PAM_PERM_DENIED")], r.dump()
    assert "revoked" in logs(r)


def test_poll_mode_and_the_qr_code_are_relayed(user_run):
    user_run.args += ["approval=poll", "qrcode=yes", "poll_interval=1"]
    r = user_run.host("authenticate", approve_as=TMDB_USER)
    assert r.rc == 0, r.dump()
    assert [c["style"] for c in r.conv][:2] == ["PAM_TEXT_INFO", "PAM_TEXT_INFO"], r.dump()
    assert "\u2588" in r.conv[1]["msg"] or "#" in r.conv[1]["msg"], r.dump()
    assert not any(c["style"].startswith("PAM_PROMPT") for c in r.conv)


def test_conv_session_and_export_env_are_the_callers_to_choose(user_run):
    user_run.args += ["conv_session=yes", "export_env=no"]
    r = user_run.host("authenticate env", approve_as=TMDB_USER)
    assert r.rc == 0, r.dump()
    said = [c["msg"] for c in r.conv if c["msg"].startswith("TMDB_SESSION_ID=")]
    assert len(said) == 1 and len(said[0]) == len("TMDB_SESSION_ID=") + 40
    assert r.env == {}


def test_flow_v4_through_the_helper(user_run):
    user_run.conf["api_key"] = None
    user_run.conf["access_token"] = ACCESS_TOKEN
    user_run.conf["flow"] = "v4"
    user_run.conf["approve_url_v4"] = user_run.standin.url + "/auth/access?request_token="
    before = live(user_run)
    r = user_run.host("authenticate env close_session", approve_as=TMDB_USER)
    assert r.rc == 0, r.dump()
    envs = {e["name"]: e["value"] for e in r.of("env")}
    assert envs["TMDB_ACCESS_TOKEN"] and envs["TMDB_ACCOUNT_OBJECT_ID"]
    assert live(user_run) == before
    assert count(user_run.standin, "DELETE", "/4/auth/access_token") == 1
    assert ACCESS_TOKEN not in r.stdout + r.stderr


def test_minimum_uid_from_the_root_config(user_run):
    user_run.conf["minimum_uid"] = str(NOBODY + 1)
    user_run.args.append("debug")
    r = user_run.host("authenticate")
    # the module's PAM_IGNORE; libpam answers PAM_PERM_DENIED for a stack that only ignored
    assert r.op_list == [("authenticate", "PAM_PERM_DENIED")], r.dump()
    assert "uid %d is below minimum_uid=%d" % (NOBODY, NOBODY + 1) in logs(r)
    assert user_run.standin.stats()["total_requests"] == 0


def test_wrong_account_is_refused_and_its_session_deleted(user_run):
    before = user_run.standin.live_sessions_of(TEST_ACCOUNT)
    r = user_run.host("authenticate", approve_as=TEST_ACCOUNT)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert '"%s"' % TEST_ACCOUNT in r.conv[-1]["msg"] and r.conv[-1]["msg"].startswith("Not signed in")
    assert user_run.standin.live_sessions_of(TEST_ACCOUNT) == before


def test_reuse_session_is_not_used_through_the_helper(user_run):
    user_run.conf["reuse_session"] = "yes"
    r = user_run.host("authenticate", approve_as=TMDB_USER)
    assert r.rc == 0, r.dump()
    assert "reuse_session: not used" in logs(r)


# -- refusals ---------------------------------------------------------------------------------

def test_helper_no_is_a_service_error_that_says_why(user_run):
    user_run.args = ["helper=no"]
    r = user_run.host("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert "helper=no" in logs(r)
    assert user_run.standin.stats()["total_requests"] == 0
    assert without_refusal(r) == []


def test_another_users_name_is_refused_before_any_request(user_run):
    r = user_run.host("authenticate", user="alice")
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert "only the caller's own account" in logs(r)
    assert user_run.standin.stats()["total_requests"] == 0
    assert r.conv and "own account" in r.conv[-1]["msg"]


@pytest.mark.parametrize("user", ["root", "daemon"])
def test_root_and_system_accounts_are_out_of_scope_before_the_helper(user_run, user):
    """Scope comes first (pam_tmdb(8), Scope): root and the system accounts are ignored before
    any configuration or helper is involved, so the stack's next module decides; libpam answers
    PAM_PERM_DENIED for a stack that only ignored. No request, no message."""
    r = user_run.host("authenticate", user=user)
    assert r.op_list == [("authenticate", "PAM_PERM_DENIED")], r.dump()
    assert user_run.standin.stats()["total_requests"] == 0
    assert r.conv == []


@pytest.mark.parametrize("arg", ["api_url=https://localhost:1", "cafile=/tmp/x.pem",
                                 "proxy=http://127.0.0.1:3128", "account_match=any",
                                 "user_map=/tmp/users", "minimum_uid=0", "allow_http=yes",
                                 "reuse_session=yes"])
def test_module_arguments_cannot_move_settings(user_run, arg):
    user_run.args.append(arg)
    r = user_run.host("authenticate acct_mgmt", extra=["--keep-going"])
    key = arg.split("=")[0]
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR"), ("acct_mgmt", "PAM_SERVICE_ERR")], r.dump()
    assert "module argument: %s cannot be given here" % key in logs(r)
    assert user_run.standin.stats()["total_requests"] == 0


def test_conf_owned_by_the_user_is_refused(user_run, tmp_path):
    """A config file of the user's own, naming another api_url and a key of theirs: the module
    reads it in process (it is theirs), never the helper. Owned by the user but made 0640 with
    the helper's group, the helper refuses it: it takes only root's files."""
    mine = os.path.join(user_run.dir, "mine")
    os.mkdir(mine)
    os.chown(mine, NOBODY, NOBODY)
    conf = os.path.join(mine, "pam_tmdb.conf")
    with open(conf, "w") as f:
        f.write("api_key = users-own-key\napi_url = %s\ncafile = %s\nuser_map = %s\n"
                % (user_run.standin.url, user_run.cafile, user_run.user_map))
    os.chown(conf, NOBODY, 64123)
    os.chmod(conf, 0o040)       # the user cannot read it, the helper's group can
    user_run.conf_arg = False
    user_run.args.append("conf=%s" % conf)
    r = user_run.host("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert "pam_tmdb_helper does not use %s" % conf in logs(r) or "not owned by root" in logs(r)
    assert user_run.standin.stats()["total_requests"] == 0


def test_conf_in_a_directory_the_user_may_write_is_refused(user_run):
    mine = os.path.join(user_run.dir, "mine")
    os.mkdir(mine)
    os.chown(mine, NOBODY, NOBODY)
    conf = os.path.join(mine, "pam_tmdb.conf")
    user_run.write()
    os.link(user_run.conf_path, conf)  # root's file, in a directory the user may rename in
    user_run.conf_arg = False
    user_run.args.append("conf=%s" % conf)
    r = user_run.host("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert "component of its path is not owned by root" in logs(r)
    assert user_run.standin.stats()["total_requests"] == 0


def test_a_helper_without_its_group_cannot_read_either(user_run):
    os.chown(user_run.helper, 0, 0)
    os.chmod(user_run.helper, 0o755)
    r = user_run.host("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert "pam_tmdb_helper cannot read the configuration either" in logs(r)


def test_a_missing_helper_is_a_service_error(user_run):
    user_run.args = ["helper=/nonexistent/pam_tmdb_helper"]
    r = user_run.host("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert "cannot run the helper /nonexistent/pam_tmdb_helper" in logs(r)
    assert r.conv and "not configured correctly" in r.conv[-1]["msg"]


# -- load -------------------------------------------------------------------------------------

def test_fifty_logins_through_the_helper_at_once(user_run):
    user_run.standin.configure(auto_approve=TMDB_USER)
    user_run.args += ["approval=poll"]
    before = live(user_run)
    r = user_run.host("authenticate close_session", extra=["--threads", "50", "--repeat", "1"],
                      timeout=600)
    s = r.summary
    assert s is not None, r.dump()
    assert (s["transactions"], s["ok"], s["failed"]) == (50, 50, 0), s
    assert count(user_run.standin, "POST", "/3/authentication/session/new") == 50
    assert count(user_run.standin, "DELETE", SESSION_DELETE) == 50
    assert not user_run.wait_no_helper(), "a helper is still running"
    assert live(user_run) == before


def test_pamtester_run_by_the_user(user_run):
    """The real pamtester, as NOBODY, under pam_wrapper (pamhost.pam_wrapper_env)."""
    exe, wrap = pamtester_as_user(user_run)
    import subprocess
    user_run.standin.configure(auto_approve=TMDB_USER)
    user_run.write()
    env = dict(wrap, PATH=os.environ.get("PATH", os.defpath))
    before = live(user_run)
    p = subprocess.run([exe, "-v", user_run.service, USER, "authenticate", "acct_mgmt",
                        "open_session", "close_session"], input="\n", capture_output=True,
                       text=True, env=env, timeout=120, **user_run.as_nobody())
    assert p.returncode == 0, p.stdout + p.stderr
    assert "successfully authenticated" in p.stdout + p.stderr
    assert "To sign in, approve this login" in p.stdout
    assert API_KEY not in p.stdout + p.stderr
    assert live(user_run) == before
    assert not user_run.wait_no_helper()


def test_a_config_of_the_users_own_is_read_in_process(user_run):
    """SPEC: a user with a key of their own runs a host with their own config file (theirs,
    0600): the module reads it in process; the helper (here a path that does not exist) is
    never started."""
    mine = os.path.join(user_run.dir, "mine")
    os.mkdir(mine)
    os.chown(mine, NOBODY, NOBODY)
    conf = os.path.join(mine, "pam_tmdb.conf")
    with open(conf, "w") as f:
        f.write("api_key = %s\napi_url = %s\ncafile = %s\nuser_map = %s\n"
                % (API_KEY, user_run.standin.url, user_run.cafile, user_run.user_map))
    os.chown(conf, NOBODY, NOBODY)
    os.chmod(conf, 0o600)
    user_run.conf_arg = False
    user_run.args = ["conf=%s" % conf, "helper=/nonexistent/pam_tmdb_helper", "api_url=%s" % user_run.standin.url]
    r = user_run.host("authenticate", approve_as=TMDB_USER)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert "cannot run the helper" not in logs(r)
