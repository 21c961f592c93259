# SPDX-License-Identifier: BSD-3-Clause
"""Configuration end to end (SPEC: Configuration): every bad value, missing credential,
insecure file or forbidden scheme is logged with the key's name, gives PAM_SERVICE_ERR, and
sends no request at all."""

import os

import pytest

from tmdbpam import API_KEY, assert_logged, write_private


def assert_config_error(pam, r, *fragments):
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, *fragments)
    assert pam.standin.stats()["total_requests"] == 0
    assert [c["msg"] for c in r.conv] == ["Not signed in: pam_tmdb is not configured correctly; see the system log."], \
        "only that it is misconfigured is shown to the user"


@pytest.mark.parametrize("key,value", [
    ("approval", "sometimes"), ("max_prompts", "0"), ("max_prompts", "21"), ("approval_timeout", "0"),
    ("approval_timeout", "3601"), ("poll_interval", "x"), ("qrcode", "maybe"), ("account_match", "nobody"),
    ("user_map", "relative/path"), ("cache_dir", "cache"), ("reuse_session", "2"), ("export_env", "yes please"),
    ("conv_session", "nope"), ("logout_on_close", "-"), ("cafile", "ca.pem"), ("capath", "certs"),
    ("timeout", "0"), ("timeout", "601"), ("connect_timeout", "-5"), ("retries", "11"),
    ("max_response", "12"), ("allow_http", "perhaps"), ("debug", "verbose"), ("api_url", "ftp://x.example"),
    ("approve_url", "javascript:alert(1)"), ("redirect_to", "not a url"), ("api_key_file", "key.txt"),
    ("user_agent", "bad\tagent"),
])
def test_bad_value_in_file(pam, key, value):
    pam.conf[key] = value
    r = pam.run("authenticate")
    assert_config_error(pam, r, key)


@pytest.mark.parametrize("key,value", [("retries", "many"), ("approval", "push"), ("no_such_key", "1")])
def test_bad_module_argument(pam, key, value):
    pam.args.append("%s=%s" % (key, value))
    r = pam.run("authenticate")
    assert_config_error(pam, r, "module argument", key)


def test_unknown_key_in_file(pam):
    pam.conf["colour"] = "blue"
    r = pam.run("authenticate")
    assert_config_error(pam, r, "colour", "unknown option")


def test_missing_api_key(pam):
    pam.conf["api_key"] = None
    r = pam.run("authenticate")
    assert_config_error(pam, r, "api_key", "missing")


@pytest.mark.parametrize("key", ["api_url", "approve_url", "redirect_to"])
def test_http_url_without_allow_http(pam, key):
    pam.conf[key] = "http://localhost:1/"
    r = pam.run("authenticate")
    assert_config_error(pam, r, key, "allow_http")


def test_missing_conf_file(pam):
    pam.use_conf_file = False
    pam.args.append("conf=%s" % (pam.dir / "absent.conf"))
    r = pam.run("authenticate")
    assert_config_error(pam, r, "absent.conf", "does not exist")


def test_conf_file_symlink_refused(pam):
    pam.write()
    real = pam.dir / "real.conf"
    os.rename(pam.conf_path, real)
    os.symlink(real, pam.conf_path)
    pam.use_conf_file = False  # keep our symlink: write() would replace it
    pam.args.append("conf=%s" % pam.conf_path)
    r = pam.run("authenticate")
    assert_config_error(pam, r, "symbolic link")


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_conf_file_writable_by_others_refused(pam, mode):
    pam.write()
    os.chmod(pam.conf_path, mode)
    pam.use_conf_file = False
    pam.args.append("conf=%s" % pam.conf_path)
    r = pam.run("authenticate")
    assert_config_error(pam, r, "writable by group or others")


def test_conf_file_not_regular(pam):
    pam.use_conf_file = False
    pam.args.append("conf=%s" % pam.dir)
    r = pam.run("authenticate")
    assert_config_error(pam, r, "not a regular file")


def test_conf_file_too_large(pam):
    pam.raw_conf = "api_key = %s\n" % API_KEY + "# padding\n" * 8000
    r = pam.run("authenticate")
    assert_config_error(pam, r, "too large")


def test_conf_without_secrets_may_be_readable_by_others(pam):
    """A config file that holds no secret (the key is in api_key_file) may be mode 0644."""
    key_file = write_private(pam.dir / "api.key", API_KEY + "\n")
    pam.conf["api_key"] = None
    pam.conf["api_key_file"] = key_file
    pam.write()
    os.chmod(pam.conf_path, 0o644)
    pam.use_conf_file = False
    pam.args.append("conf=%s" % pam.conf_path)
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()


def test_api_key_file(pam):
    key_file = write_private(pam.dir / "api.key", API_KEY + "\nsecond line ignored\n")
    pam.conf["api_key"] = None
    pam.conf["api_key_file"] = key_file
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert all("api_key=" + API_KEY in q["query"] for q in pam.standin.requests())


def test_api_key_file_insecure(pam):
    key_file = write_private(pam.dir / "api.key", API_KEY + "\n", mode=0o622)
    pam.conf["api_key"] = None
    pam.conf["api_key_file"] = key_file
    r = pam.run("authenticate")
    assert_config_error(pam, r, "api_key_file", "writable by group or others")


def test_api_key_and_api_key_file_conflict(pam):
    pam.conf["api_key_file"] = write_private(pam.dir / "api.key", API_KEY + "\n")
    r = pam.run("authenticate")
    assert_config_error(pam, r, "api_key_file", "conflicts")


def test_invalid_api_key_is_a_service_error(pam):
    pam.conf["api_key"] = "wrong-key"
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "rejected the API key", "status 7")
    assert pam.standin.stats()["total_requests"] == 1


def test_suspended_key_status_10(pam):
    pam.standin.fault("/3/authentication/token/new", status=401,
                      body='{"status_code":10,"status_message":"Suspended API key: Access to your account has been suspended, contact TMDb."}')
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "status 10")


def test_bare_argument_means_yes(pam):
    pam.args.append("conv_session")
    r = pam.run("authenticate", approve_as="alice")
    assert r.conv[-1]["msg"] == "TMDB_SESSION_ID=" + r.env["TMDB_SESSION_ID"]


def test_comments_and_blank_lines(pam):
    pam.raw_conf = ("# pam_tmdb test\n\n   api_key = %s   # the key\n\napi_url=%s\ncafile =%s\n"
                    "cache_dir= none\nuser_map = %s\n" % (API_KEY, pam.standin.url, pam.standin.cafile, pam.user_map))
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
