# SPDX-License-Identifier: BSD-3-Clause
"""Options that never surprise (pam_tmdb.conf(5)): defaults that follow what the administrator
set, arguments that win over the file, bare keys; and refusals that tell the user why, in one
PAM_ERROR_MSG (pam_tmdb(8) "MESSAGES")."""

import pytest

from tmdbpam import ALICE_ID, API_KEY, assert_logged, count, write_private

TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
ACCOUNT = "/3/account"


def error_messages(r):
    return [c["msg"] for c in r.conv if c["style"] == "PAM_ERROR_MSG"]


# -- defaults never conflict with what was set ---------------------------------------------------

@pytest.mark.parametrize("key,value", [("timeout", "1"), ("timeout", "3"), ("connect_timeout", "15"),
                                       ("connect_timeout", "600")])
def test_one_timeout_alone_never_conflicts_with_the_others_default(pam, key, value):
    pam.conf[key] = value
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()


def test_both_timeouts_set_against_each_other_is_an_error(pam):
    pam.conf.update(timeout="4", connect_timeout="5")
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "connect_timeout")


# -- module arguments win ------------------------------------------------------------------------

def test_api_key_file_argument_wins_over_api_key_in_the_file(pam):
    pam.conf["api_key"] = "the-old-key-in-the-file"
    pam.args.append("api_key_file=" + write_private(pam.dir / "api.key", API_KEY + "\n"))
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert all("api_key=" + API_KEY in q["query"] for q in pam.standin.requests())


@pytest.mark.parametrize("key,file_value,arg_value", [
    ("approval", "prompt", "poll"), ("account_match", "user", "any"), ("max_prompts", "1", "3"),
    ("logout_on_close", "no", "yes"), ("minimum_uid", "70000", "1000"),
])
def test_arguments_win_over_the_file(pam, key, file_value, arg_value):
    pam.conf[key] = file_value
    pam.args.append("%s=%s" % (key, arg_value))
    if key == "minimum_uid":
        pam.conf["account_match"] = "any"
    # max_prompts: approved only before the third prompt, which the file's 1 would not reach
    r = pam.run("authenticate open_session close_session", user="nobody" if key == "minimum_uid" else "alice",
                approve_as="alice", approve_after=2 if key == "max_prompts" else 0, extra=["--keep-going"])
    ops = dict(r.op_list)
    if key == "approval":
        assert not any(c["style"] == "PAM_PROMPT_ECHO_ON" for c in r.conv), r.dump()
    elif key == "account_match":
        assert ops["authenticate"] == "PAM_SUCCESS", r.dump()
    elif key == "max_prompts":
        assert ops["authenticate"] == "PAM_SUCCESS", r.dump()
    elif key == "logout_on_close":
        assert count(pam.standin, "DELETE", "/3/authentication/session") == 1, r.dump()
    elif key == "minimum_uid":
        # nobody is uid 65534: below 70000 (file) it would be ignored, at 1000 (argument) it runs
        assert count(pam.standin, "GET", TOKEN_NEW) == 1, r.dump()


# -- bare keys -----------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["argument", "file"])
@pytest.mark.parametrize("key", ["access_token", "api_url", "timeout", "proxy"])
def test_a_bare_key_that_is_not_boolean_is_an_error(pam, where, key):
    if where == "argument":
        if key == "access_token":
            pytest.skip("access_token is refused as an argument anyway (test_trust_model.py)")
        pam.args.append(key)
    else:
        pam.raw_conf = pam.conf_text() + "%s\n" % key
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, key, "needs a value")
    assert pam.standin.stats()["total_requests"] == 0, "no request (no \"Bearer yes\")"


def test_a_bare_boolean_means_yes(pam):
    pam.args.append("export_env")
    pam.conf["export_env"] = "no"
    r = pam.run("authenticate", approve_as="alice")
    assert r.env.get("TMDB_ACCOUNT_ID") == str(ALICE_ID), r.dump()


# -- refusals say why --------------------------------------------------------------------------

def test_not_approved_says_so_once_at_the_end(pam):
    pam.conf["max_prompts"] = "2"
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_MAXTRIES")], r.dump()
    msgs = error_messages(r)
    assert msgs[-1].startswith("Not signed in: the login was not approved"), msgs
    assert sum("Not signed in" in m for m in msgs) == 1, msgs


def test_denied_in_poll_mode_says_not_approved(pam):
    pam.conf.update(approval="poll", poll_interval="1", approval_timeout="2")
    r = pam.run("authenticate", deny=True)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert error_messages(r) == ["Not signed in: the login was not approved in the browser (or it was denied)."]


def test_wrong_account_names_both(pam):
    r = pam.run("authenticate", user="bob", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert error_messages(r) == ['Not signed in: this login was approved as TMDb account "alice", '
                                 'which may not sign in as "bob".']


def test_unreachable_says_so(pam):
    pam.conf.update(api_url="https://127.0.0.1:1", retries="0", timeout="2")
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_AUTHINFO_UNAVAIL")], r.dump()
    assert error_messages(r) == ["Not signed in: TMDb cannot be reached right now. Try again later."]
    assert not r.urls


def test_misconfiguration_points_to_the_log_without_details(pam):
    pam.conf["max_prompts"] = "many"
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert error_messages(r) == ["Not signed in: pam_tmdb is not configured correctly; see the system log."]
    assert_logged(r, "max_prompts")


def test_misconfiguration_is_not_shown_to_root_and_system_users(pam):
    """A profile enabled before the key was set must not touch root's logins: users below the
    default minimum_uid are out of scope before the file is parsed (pam_tmdb(8), "Failures and
    the stack"), so they get PAM_IGNORE (libpam's PAM_PERM_DENIED when pam_tmdb is the whole
    stack), no message and no configuration error; alice, in scope, is told."""
    pam.conf["api_key"] = None
    for user in ("root", "daemon"):
        r = pam.run("authenticate", user=user)
        assert r.op_list == [("authenticate", "PAM_PERM_DENIED")], r.dump()
        assert r.conv == [], r.dump()
        assert not any("api_key" in m for m in r.log_messages), r.dump()
    r = pam.run("authenticate", user="alice")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert error_messages(r) == ["Not signed in: pam_tmdb is not configured correctly; see the system log."]
    assert_logged(r, "api_key: missing")


def test_silent_refusal_says_nothing(pam):
    pam.conf.update(api_url="https://127.0.0.1:1", retries="0", timeout="2")
    r = pam.run("authenticate", silent=True)
    assert r.op_list == [("authenticate", "PAM_AUTHINFO_UNAVAIL")], r.dump()
    assert r.conv == []
