# SPDX-License-Identifier: BSD-3-Clause
"""Binding the TMDb account to the PAM user (SPEC: account_match, user_map; Return codes):
a session that will not be handed over is deleted on the server."""

from tmdbpam import ALICE_ID, TEST_ACCOUNT, TEST_ACCOUNT_ID, assert_logged, count, write_private

DELETE = "/3/authentication/session"


def test_wrong_account_is_refused_and_its_session_deleted(pam):
    r = pam.run("authenticate", user="alice", approve_as=TEST_ACCOUNT)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert "TMDB_SESSION_ID" not in r.env
    assert count(pam.standin, "DELETE", DELETE) == 1
    sessions = pam.standin.sessions()
    assert len(sessions) == 1 and sessions[0]["revoked"] is True
    assert_logged(r, TEST_ACCOUNT, "may not sign in")
    assert not pam.cache_file("alice").exists()


def test_username_match_is_byte_exact(pam):
    """account_match=user: local names are case-sensitive, so TMDb TMDbTestAccount is not local
    tmdbtestaccount, and the session it got is deleted; the exact name signs in."""
    pam.conf["account_match"] = "user"
    r = pam.run("authenticate", user="tmdbtestaccount", approve_as=TEST_ACCOUNT)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert "TMDB_SESSION_ID" not in r.env
    assert count(pam.standin, "DELETE", "/3/authentication/session") == 1
    r = pam.run("authenticate", user=TEST_ACCOUNT, approve_as=TEST_ACCOUNT)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert r.env["TMDB_ACCOUNT_ID"] == str(TEST_ACCOUNT_ID)


def test_map_mode(pam):
    pam.conf["account_match"] = "map"
    pam.conf["user_map"] = write_private(pam.dir / "users", "# local tmdb\nbob alice\ncarol TMDbTestAccount\n")
    r = pam.run("authenticate", user="bob", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert r.env["TMDB_ACCOUNT_ID"] == str(ALICE_ID)
    pam.standin.reset()
    pam.conf["cache_dir"] = "none"  # else bob's cached session would be reused silently
    r = pam.run("authenticate", user="bob", approve_as=TEST_ACCOUNT)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert count(pam.standin, "DELETE", DELETE) == 1


def test_map_mode_user_without_entry(pam):
    pam.conf["account_match"] = "map"
    pam.conf["user_map"] = write_private(pam.dir / "users", "bob alice\n")
    r = pam.run("authenticate", user="dave", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_USER_UNKNOWN")], r.dump()
    assert pam.standin.stats()["total_requests"] == 0, "no approval is asked for an unmapped user"
    assert not r.conv


def test_map_mode_insecure_or_missing_map(pam):
    pam.conf["account_match"] = "map"
    pam.conf["user_map"] = write_private(pam.dir / "users", "bob alice\n", mode=0o666)
    r = pam.run("authenticate", user="bob")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "user_map", "writable by group or others")
    pam.conf["user_map"] = str(pam.dir / "absent")
    r = pam.run("authenticate", user="bob")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "user_map", "does not exist")


def test_map_mode_malformed_map(pam):
    pam.conf["account_match"] = "map"
    pam.conf["user_map"] = write_private(pam.dir / "users", "bob\n")
    r = pam.run("authenticate", user="bob")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "malformed")


def test_any_mode_binds_nothing(pam):
    pam.conf["account_match"] = "any"
    r = pam.run("authenticate", user="mediaapp", approve_as=TEST_ACCOUNT)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert r.env["TMDB_ACCOUNT_USERNAME"] == TEST_ACCOUNT


def test_hostile_user_names_are_refused(pam):
    r = pam.run("authenticate", user="evil\nuser", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_USER_UNKNOWN")], r.dump()
    r = pam.run("authenticate", user="x" * 300, approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_USER_UNKNOWN")], r.dump()
    assert pam.standin.stats()["total_requests"] == 0
