# SPDX-License-Identifier: BSD-3-Clause
"""The trusted-device mode (reuse_session=yes, pam_tmdb.conf(5)): the remembered session's file,
silent reuse, revocation, setcred/acct_mgmt/open_session/close_session in the orders real hosts
use, and the cache's defences against planted files and hostile user names. Every test here
turns reuse_session on; the default (presence) lifecycle is in test_trust_model.py."""

import os
import shutil
import stat
import tempfile

import pytest

from pamhost import run_host, write_service
from tmdbpam import ALICE_ID, API_KEY, TEST_ACCOUNT, assert_logged, count, file_mode, module_path, write_private

ACCOUNT = "/3/account"
TOKEN_NEW = "/3/authentication/token/new"
DELETE = "/3/authentication/session"


@pytest.fixture
def pam(pam):
    pam.conf["reuse_session"] = "yes"
    return pam


def login(pam, ops="authenticate", **kw):
    kw.setdefault("approve_as", "alice")
    return pam.run(ops, **kw)


def test_first_login_writes_the_cache(pam):
    r = login(pam)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    f = pam.cache_file()
    st = os.lstat(str(f))
    assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_uid == os.geteuid()
    assert pam.cache_entry() == {"session_id": r.env["TMDB_SESSION_ID"], "account_id": str(ALICE_ID),
                                 "account_username": "alice"}
    assert [p.name for p in pam.cache_dir.iterdir()] == ["alice"], "no temporary file left behind"


def test_second_login_is_silent_with_one_request(pam):
    first = login(pam)
    pam.standin.reset()
    second = pam.run("authenticate")  # no approval this time
    assert second.op_list == [("authenticate", "PAM_SUCCESS")], second.dump()
    assert second.conv == []
    assert pam.standin.stats()["requests"] == {"GET " + ACCOUNT: 1}
    assert second.env["TMDB_SESSION_ID"] == first.env["TMDB_SESSION_ID"]
    assert second.env["TMDB_ACCOUNT_USERNAME"] == "alice"


def test_revoked_session_leads_to_a_fresh_approval(pam):
    first = login(pam)
    pam.standin.revoke(first.env["TMDB_SESSION_ID"])
    second = login(pam)
    assert second.op_list == [("authenticate", "PAM_SUCCESS")], second.dump()
    assert second.urls, "the user was asked to approve again"
    assert second.env["TMDB_SESSION_ID"] != first.env["TMDB_SESSION_ID"]
    assert pam.cache_entry()["session_id"] == second.env["TMDB_SESSION_ID"]
    assert_logged(second, "no longer valid")


def test_reuse_session_no_always_asks(pam):
    login(pam)
    pam.conf["reuse_session"] = "no"
    r = login(pam)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert r.urls
    assert pam.cache_entry()["session_id"] != r.env["TMDB_SESSION_ID"], "reuse_session=no writes nothing"


def test_unreachable_server_never_reuses_blindly(pam):
    login(pam)
    pam.standin.fault(ACCOUNT, status=503)
    pam.conf["retries"] = "0"
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_AUTHINFO_UNAVAIL")], r.dump()
    assert "TMDB_SESSION_ID" not in r.env
    assert pam.cache_file().exists(), "a session that could not be checked is kept for later"


def test_cached_session_of_another_account_is_not_used(pam):
    other = pam.standin.new_session(TEST_ACCOUNT)
    sid = other["session_id"] if isinstance(other, dict) else other
    write_private(pam.cache_file(), "pam_tmdb-cache 1\nsession_id %s\naccount_id %d\naccount_username alice\n" % (sid, ALICE_ID))
    r = login(pam)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert r.urls and r.env["TMDB_SESSION_ID"] != sid
    assert pam.cache_entry()["session_id"] == r.env["TMDB_SESSION_ID"]


@pytest.mark.parametrize("content", [
    b"", b"garbage\n", b"pam_tmdb-cache 1\nsession_id abc\n", b"pam_tmdb-cache 2\nsession_id a\naccount_id 1\naccount_username alice\n",
    b"\x00\xff\xfe binary", b"pam_tmdb-cache 1\nsession_id ../x\naccount_id 1\naccount_username alice\n",
])
def test_damaged_cache_file_is_ignored_and_replaced(pam, content):
    fd = os.open(str(pam.cache_file()), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, content)
    os.close(fd)
    r = login(pam)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert r.urls
    assert pam.cache_entry()["session_id"] == r.env["TMDB_SESSION_ID"]


def test_cache_file_readable_by_others_is_ignored(pam):
    first = login(pam)
    os.chmod(str(pam.cache_file()), 0o644)
    r = login(pam)
    assert r.urls and r.env["TMDB_SESSION_ID"] != first.env["TMDB_SESSION_ID"]
    assert_logged(r, "must be mode 0600")
    assert file_mode(pam.cache_file()) == 0o600


def test_symlink_at_the_entry_is_not_followed(pam, tmp_path):
    target = tmp_path / "victim"
    target.write_text("precious\n")
    os.chmod(str(target), 0o644)
    os.symlink(str(target), str(pam.cache_file()))
    r = login(pam)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert target.read_text() == "precious\n" and file_mode(target) == 0o644
    assert not os.path.islink(str(pam.cache_file()))
    assert pam.cache_entry()["session_id"] == r.env["TMDB_SESSION_ID"]


def test_symlinked_cache_dir_is_not_used(pam, tmp_path):
    real = tmp_path / "realcache"
    real.mkdir(mode=0o700)
    link = tmp_path / "linkcache"
    os.symlink(str(real), str(link))
    pam.conf["cache_dir"] = str(link)
    r = login(pam)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert list(real.iterdir()) == []
    assert_logged(r, "cache_dir", "not used")


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777, 0o1777])
def test_insecure_cache_dir_is_not_used(pam, mode):
    os.chmod(str(pam.cache_dir), mode)
    r = login(pam)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert list(pam.cache_dir.iterdir()) == []
    assert_logged(r, "not used", "writable by group or others")


def test_missing_cache_dir(pam):
    pam.conf["cache_dir"] = str(pam.dir / "absent")
    r = login(pam)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert not (pam.dir / "absent").exists()
    assert_logged(r, "does not exist")


def test_cache_dir_none(pam):
    pam.conf["cache_dir"] = "none"
    login(pam)
    r = login(pam)
    assert r.urls, "without a cache every login asks"
    assert list(pam.cache_dir.iterdir()) == []


@pytest.mark.parametrize("user", ["../../escape", "a/b", ".hidden", "..", "x%2Fy", "user@REALM.EXAMPLE", "sp ace"])
def test_user_names_never_escape_the_cache_dir(pam, user):
    pam.conf["account_match"] = "any"
    pam.write()
    before = set(os.listdir(str(pam.dir)))
    r = login(pam, user=user)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    entries = os.listdir(str(pam.cache_dir))
    assert len(entries) == 1
    name = entries[0]
    assert "/" not in name and not name.startswith(".")
    assert set(os.listdir(str(pam.dir))) == before
    # the same user finds the entry again
    pam.standin.reset()
    r2 = pam.run("authenticate", user=user)
    assert r2.conv == [] and r2.env["TMDB_SESSION_ID"] == r.env["TMDB_SESSION_ID"]


def test_distinct_users_distinct_entries(pam):
    pam.conf["account_match"] = "any"
    login(pam, user="a.b")
    login(pam, user="a%2Eb")
    assert len(os.listdir(str(pam.cache_dir))) == 2


# -- entry points after authenticate -------------------------------------------------------

def test_login_order(pam):
    """login(1): authenticate, acct_mgmt, setcred, open_session ... close_session, setcred(DELETE)."""
    r = login(pam, ops="authenticate acct_mgmt setcred open_session close_session setcred:delete")
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 6, r.dump()
    # the remembered session outlives the login: neither logout_on_close nor PAM_DELETE_CRED
    # touches it
    sid = pam.cache_entry()["session_id"]
    assert count(pam.standin, "DELETE", DELETE) == 0
    assert pam.standin.live_sessions().get("alice", 0) >= 1
    assert [s for s in pam.standin.sessions() if s["session_id"] == sid][0]["revoked"] is False


def test_sshd_split_processes_find_the_session_in_the_environment(pam):
    """OpenSSH: authenticate + acct_mgmt in one process, setcred/open_session in another that
    sees the PAM environment but not the module data."""
    pam.conf["cache_dir"] = "none"
    pam.conf["logout_on_close"] = "no"
    first = login(pam, ops="authenticate acct_mgmt")
    assert [rc for _, rc in first.op_list] == ["PAM_SUCCESS"] * 2, first.dump()
    env_args = []
    for k, v in first.env.items():
        env_args += ["--set-env", "%s=%s" % (k, v)]
    second = pam.run("setcred open_session close_session", extra=env_args)
    assert [rc for _, rc in second.op_list] == ["PAM_SUCCESS"] * 3, second.dump()
    assert second.env["TMDB_SESSION_ID"] == first.env["TMDB_SESSION_ID"]


def test_open_session_exports_from_the_cache_when_setcred_was_skipped(pam):
    first = login(pam)
    r = pam.run("open_session")
    assert r.op_list == [("open_session", "PAM_SUCCESS")], r.dump()
    assert r.env["TMDB_SESSION_ID"] == first.env["TMDB_SESSION_ID"]


@pytest.mark.parametrize("flag", ["setcred", "setcred:reinit", "setcred:refresh"])
def test_setcred_reexports(pam, flag):
    first = login(pam, ops="authenticate")
    r = pam.run(flag)
    assert r.op_list == [(flag, "PAM_SUCCESS")], r.dump()
    assert r.env["TMDB_SESSION_ID"] == first.env["TMDB_SESSION_ID"]


def test_setcred_with_nothing_known_succeeds(pam):
    r = pam.run("setcred")
    assert r.op_list == [("setcred", "PAM_SUCCESS")], r.dump()
    assert pam.standin.stats()["total_requests"] == 0


def test_acct_mgmt(pam):
    first = login(pam, ops="authenticate acct_mgmt")
    assert first.op_list == [("authenticate", "PAM_SUCCESS"), ("acct_mgmt", "PAM_SUCCESS")], first.dump()
    # later, from the cache
    r = pam.run("acct_mgmt")
    assert r.op_list == [("acct_mgmt", "PAM_SUCCESS")], r.dump()
    pam.standin.revoke(first.env["TMDB_SESSION_ID"])
    r = pam.run("acct_mgmt")
    assert r.op_list == [("acct_mgmt", "PAM_PERM_DENIED")], r.dump()
    assert not pam.cache_file().exists(), "a revoked cached session is dropped"


def test_acct_mgmt_without_session_ignores(pam):
    pam.lines = [pam.module_line("account")]
    r = pam.run("acct_mgmt")
    # the only module returned PAM_IGNORE: libpam turns an all-ignore stack into a failure
    assert r.op_list[0][1] != "PAM_SUCCESS", r.dump()
    assert pam.standin.stats()["total_requests"] == 0


def test_acct_mgmt_session_of_another_account(pam):
    other = pam.standin.new_session(TEST_ACCOUNT)
    sid = other["session_id"] if isinstance(other, dict) else other
    r = pam.run("acct_mgmt", extra=["--set-env", "TMDB_SESSION_ID=" + sid, "--set-env", "TMDB_ACCOUNT_ID=%d" % ALICE_ID,
                                     "--set-env", "TMDB_ACCOUNT_USERNAME=alice"])
    assert r.op_list == [("acct_mgmt", "PAM_PERM_DENIED")], r.dump()


def test_close_session_logout(pam):
    pam.conf["logout_on_close"] = "yes"
    pam.conf["reuse_session"] = "no"
    known = {x["session_id"] for x in pam.standin.sessions()}
    first = login(pam, ops="authenticate open_session close_session")
    assert [rc for _, rc in first.op_list] == ["PAM_SUCCESS"] * 3, first.dump()
    assert count(pam.standin, "DELETE", DELETE) == 1
    (s,) = [x for x in pam.standin.sessions() if x["session_id"] not in known]
    assert s["revoked"] is True
    assert not pam.cache_file().exists()
    assert "TMDB_SESSION_ID" not in first.env, "the logged-out session is no longer exported"


def test_close_session_without_logout_keeps_everything(pam):
    pam.conf["logout_on_close"] = "no"
    login(pam, ops="authenticate open_session close_session")
    assert count(pam.standin, "DELETE", DELETE) == 0
    assert pam.cache_file().exists()


def test_close_session_never_blocks_logout(pam):
    pam.conf["logout_on_close"] = "yes"
    pam.conf["reuse_session"] = "no"
    first = login(pam)
    pam.conf["api_url"] = "https://localhost:1"
    env_args = []
    for k, v in first.env.items():
        env_args += ["--set-env", "%s=%s" % (k, v)]
    r = pam.run("close_session", extra=env_args)
    assert r.op_list == [("close_session", "PAM_SUCCESS")], r.dump()
    assert_logged(r, "could not be deleted")
    assert not pam.cache_file().exists()


def test_chauthtok_is_ignored(pam):
    pam.lines = [pam.module_line("password")]
    r = pam.run("chauthtok")
    assert r.op_list[0][1] != "PAM_SUCCESS"
    assert pam.standin.stats()["total_requests"] == 0 and r.conv == []


# -- a host that is not root ----------------------------------------------------------------

@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to an unprivileged user")
def test_non_root_host_uses_its_own_cache(standin, monkeypatch):
    """The host runs as nobody: its cache dir (owned by nobody) is used, files are owned by
    nobody; a config that holds the key must be private to the host's user (owner nobody,
    mode 0600: the effective user may own it)."""
    d = tempfile.mkdtemp(prefix="pam_tmdb-nonroot-")
    try:
        os.chmod(d, 0o755)
        nobody = 65534
        cache = os.path.join(d, "cache")
        os.mkdir(cache, 0o700)
        os.chown(cache, nobody, nobody)
        ca = shutil.copy(standin.cafile, os.path.join(d, "ca.pem"))
        os.chmod(ca, 0o644)
        # the build tree may sit below a directory nobody cannot enter (/root): copy the
        # host and the module where nobody can read them
        from pamhost import host_binary
        host = shutil.copy(host_binary(), os.path.join(d, "tmdb-host"))
        module = shutil.copy(module_path(), os.path.join(d, "pam_tmdb.so"))
        # and its core, which the module loads from its own directory (module/core_loader.h)
        core = shutil.copy(os.path.join(os.path.dirname(module_path()), "pam_tmdb_core.so"), d)
        os.chmod(host, 0o755)
        os.chmod(module, 0o755)
        os.chmod(core, 0o755)
        monkeypatch.setenv("TMDB_HOST", host)
        conf = write_private(os.path.join(d, "pam_tmdb.conf"),
                             "api_key = %s\napi_url = %s\ncafile = %s\ncache_dir = %s\n"
                             "reuse_session = yes\naccount_match = any\n" % (API_KEY, standin.url, ca, cache),
                             mode=0o600)
        os.chown(conf, nobody, nobody)
        svc = os.path.join(d, "pam.d")
        write_service(svc, "tmdb", ["%s required %s conf=%s" % (t, module, conf)
                                    for t in ("auth", "account", "session")])
        os.chmod(svc, 0o755)
        for f in os.listdir(svc):
            os.chmod(os.path.join(svc, f), 0o644)
        wrapper = ["setpriv", "--reuid=%d" % nobody, "--regid=%d" % nobody, "--clear-groups", "--"]
        r = run_host(svc, "tmdb", "alice", "authenticate", approve_as="alice", cafile=ca, wrapper=wrapper)
        assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
        st = os.lstat(os.path.join(cache, "alice"))
        assert st.st_uid == nobody and stat.S_IMODE(st.st_mode) == 0o600
        # root's cache dir is not writable for nobody: logged, login still works
        os.chown(cache, 0, 0)
        os.chmod(cache, 0o755)
        os.unlink(os.path.join(cache, "alice"))
        r = run_host(svc, "tmdb", "alice", "authenticate", approve_as="alice", cafile=ca, wrapper=wrapper)
        assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
        assert_logged(r, "cannot write the cache entry")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_forked_child_does_not_touch_the_parents_connection(pam):
    """sshd forks after authenticate: the child's close_session (with logout) must open its own
    connection, and the parent's connection must stay usable for its next request."""
    pam.conf["logout_on_close"] = "yes"
    pam.conf["cache_dir"] = "none"
    r = pam.run("authenticate fork:close_session acct_mgmt", approve_as="alice", extra=["--keep-going"])
    assert r.op_list == [("authenticate", "PAM_SUCCESS"), ("fork:close_session", "PAM_SUCCESS"),
                         ("acct_mgmt", "PAM_PERM_DENIED")], r.dump()
    stats = pam.standin.stats()
    assert count(pam.standin, "DELETE", DELETE) == 1
    assert stats["total_requests"] == 5 and stats["connections"] == 2, stats
    # the parent's four requests on its one connection, the child's delete on another
    conn = {(q["method"], q["path"]): q["connection"] for q in pam.standin.requests()}
    by_conn = [q["connection"] for q in pam.standin.requests()]
    parent = conn[("GET", "/3/authentication/token/new")]
    assert conn[("DELETE", DELETE)] != parent
    assert by_conn.count(parent) == 4, pam.standin.requests()
    for m in r.log_messages:
        assert "SSL" not in m and "giving up" not in m, m
