# SPDX-License-Identifier: BSD-3-Clause
"""Every message names what to fix (pam_tmdb(8), MESSAGES): the file read, the line, the valid
values; and every log line about a login names the user, the service and the remote host, like
pam_unix's "user=alice". Each message is provoked here and read as the host's log saw it."""

import pytest

from tmdbpam import assert_logged, write_private


def logged(r, fragment):
    return [m for m in r.log_messages if fragment in m]


# -- whose login it was -------------------------------------------------------------------------

def test_no_user_map_entry_names_user_service_rhost(pam):
    r = pam.run("authenticate", user="zoe", extra=["--rhost", "192.0.2.7"])
    assert r.op_list == [("authenticate", "PAM_USER_UNKNOWN")], r.dump()
    assert_logged(r, "user_map: no entry for this user in %s; user=zoe service=tmdb rhost=192.0.2.7" % pam.user_map)


def test_wrong_account_names_the_local_user(pam):
    r = pam.run("authenticate", user="carol", approve_as="alice", extra=["--rhost", "media-pc.lan"])
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert_logged(r, "may not sign in as this user (account_match=map); user=carol service=tmdb rhost=media-pc.lan")


def test_success_names_the_user_without_rhost_when_none(pam):
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    line = logged(r, "authenticated")
    assert line and line[0].endswith("; user=alice service=tmdb"), r.dump()


def test_rhost_is_sanitised(pam):
    r = pam.run("authenticate", user="zoe", extra=["--rhost", "evil\nhost\x1b[31m"])
    line = logged(r, "user=zoe")
    assert line and "rhost=evilhost[31m" in line[0] and "\n" not in line[0], r.dump()


# -- the user map: line numbers -----------------------------------------------------------------

def test_malformed_user_map_line_is_numbered(pam):
    write_private(pam.user_map, "# who is who\nalice alice\n\nbob\ncarol carol\n")
    r = pam.run("authenticate", user="carol")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "user_map: %s line 4 is malformed" % pam.user_map, "user=carol")


def test_malformed_line_after_the_users_own_is_reported_at_once(pam):
    """alice's line comes first and she signs in; bob's broken line further down, which would
    refuse bob, is named now rather than when bob tries."""
    write_private(pam.user_map, "alice alice\nbob bob extra\n")
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert_logged(r, "user_map: %s line 2 is malformed" % pam.user_map, "logins that reach it are refused")


# -- values: what is valid ----------------------------------------------------------------------

@pytest.mark.parametrize("key,value,valid", [
    ("account_match", "mapped", "valid: map|user|any"),
    ("approval", "wait", "valid: prompt|poll"),
    ("flow", "v5", "valid: v3|v4"),
    ("qrcode", "maybe", "valid: yes|no|true|false|on|off|1|0"),
    ("user_map", "pam_tmdb.users", "must be an absolute path"),
    ("cache_dir", "cache", "must be an absolute path, printable ASCII without spaces, or none"),
    ("api_url", "ftp://example.org", "must be an https:// URL"),
    ("proxy", "proxy.lan:3128", "must be a URL starting with http://"),
    ("max_prompts", "many", "expected a whole number from 1 to 20"),
])
def test_value_error_lists_valid_values(pam, key, value, valid):
    pam.conf[key] = value
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "%s: line " % pam.conf_path, '%s: ' % key, valid)


def test_value_error_in_a_module_argument_names_the_service(pam):
    pam.args.append("account_match=mapped")
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, 'module argument of service tmdb: account_match: invalid value "mapped" (valid: map|user|any)')


# -- the file that was read ---------------------------------------------------------------------

def test_missing_key_names_the_file_read(pam):
    pam.conf["api_key"] = None
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "api_key: missing (set api_key, api_key_file or access_token); read %s and the module "
                  "arguments of service tmdb" % pam.conf_path)


def test_missing_conf_file_is_named(pam, tmp_path):
    pam.write()
    pam.use_conf_file = False
    pam.args.append("conf=%s" % (tmp_path / "no-such.conf"))
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "conf: cannot use %s" % (tmp_path / "no-such.conf"))


def test_relative_conf_argument_is_shown(pam):
    pam.use_conf_file = False
    pam.args.append("conf=pam_tmdb.conf")
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "conf: must be an absolute path (module argument conf=pam_tmdb.conf)")


def test_secret_as_module_argument_names_the_service_not_the_value(pam):
    pam.args.append("api_key=do-not-log-me")
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "module argument of service tmdb: api_key is not allowed here")
    assert not any("do-not-log-me" in m for m in r.log_messages), r.dump()
