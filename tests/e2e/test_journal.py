# SPDX-License-Identifier: BSD-3-Clause
"""No session outlives its login (pam_tmdb(8) SESSION JOURNAL), in process on the real libpam:
logins refused after authenticate leave no live session at the stand-in, a credential request
keeps its session, the journal under state_dir records exactly the sessions handed to logins
that will close them, and the next authentication revokes the sessions of logins that died
(SIGKILL, a reboot), keeping a record while TMDb cannot be reached. Damaged, symlinked or
foreign records and an insecure state_dir are logged and never stop a login."""

import os
import subprocess
import time

import pytest

from journal_helpers import (OpenLogin, boot_id, dead_pid, leftovers, record, records, set_aside, start_time,
                             write_record)
from pamhost import HostResult, host_command
from tmdbpam import ACCESS_TOKEN, TEST_ACCOUNT, assert_host_survived, assert_logged, count, file_mode, write_private
from tmdbpam import pam as pam_env  # noqa: F401,F811 (fixture)

DELETE = "/3/authentication/session"
# the stand-in's second account stands for bob and carol: carol's login is the "next
# authentication on the host" that reaps, bob holds a concurrent open login
OTHER = TEST_ACCOUNT


@pytest.fixture
def pam(pam_env):
    pam_env.conf["user_map"] = write_private(pam_env.dir / "users",
                                             "alice alice\nbob %s\ncarol %s\n" % (OTHER, OTHER))
    return pam_env


def next_login(pam):
    """The next authentication on the host: carol's credential request."""
    r = pam.run("authenticate", user="carol", approve_as=OTHER)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert_host_survived(r)  # the reaper ran in it: no crash, no sanitizer report
    return r


def module_lines(pam, account_deny=False):
    lines = [pam.module_line("auth"), pam.module_line("account")]
    if account_deny:
        lines.append("account required pam_deny.so")
    return lines + [pam.module_line("session")]


def live(pam, user="alice"):
    return pam.standin.live_sessions_of(user)


# --- refused after authenticate --------------------------------------------------------------

def test_refused_by_another_modules_account_check_deletes_the_session(pam):
    before = live(pam)
    pam.lines = module_lines(pam, account_deny=True)
    r = pam.run("authenticate acct_mgmt", approve_as="alice")
    # pam_deny refuses the account (PAM_AUTH_ERR); the host ends with that status
    assert r.op_list == [("authenticate", "PAM_SUCCESS"), ("acct_mgmt", "PAM_AUTH_ERR")], r.dump()
    assert_host_survived(r)  # the guard's cleanup ran inside pam_end
    assert live(pam) == before
    assert count(pam.standin, "DELETE", DELETE) == 1
    assert_logged(r, "after authentication: its TMDb session was deleted")
    assert records(pam) == [] and leftovers(pam) == []


def test_host_that_gives_up_after_authenticate_deletes_the_session(pam):
    before = live(pam)
    r = pam.run("authenticate end:abort", approve_as="alice")
    assert r.op_list[0] == ("authenticate", "PAM_SUCCESS"), r.dump()
    assert_host_survived(r)
    assert live(pam) == before
    assert records(pam) == []


def test_refused_v4_login_revokes_the_access_token_too(pam):
    pam.conf["api_key"] = None
    pam.conf["access_token"] = ACCESS_TOKEN
    pam.conf["flow"] = "v4"
    pam.conf["approve_url_v4"] = pam.standin.url + "/auth/access?request_token="
    pam.lines = module_lines(pam, account_deny=True)
    r = pam.run("authenticate acct_mgmt", approve_as="alice")
    assert r.op_list[1] == ("acct_mgmt", "PAM_AUTH_ERR"), r.dump()
    assert all(t["revoked"] for t in pam.standin.access_tokens() if t["username"] == "alice")
    assert count(pam.standin, "DELETE", "/4/auth/access_token") == 1


def test_credential_request_keeps_its_session_and_no_record(pam):
    before = live(pam)
    r = pam.run("authenticate acct_mgmt", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS"), ("acct_mgmt", "PAM_SUCCESS")], r.dump()
    assert live(pam) == before + 1
    assert count(pam.standin, "DELETE", DELETE) == 0
    assert records(pam) == []


def test_a_closed_login_leaves_neither_session_nor_record(pam):
    before = live(pam)
    r = pam.run("authenticate acct_mgmt setcred open_session close_session", approve_as="alice")
    assert all(rc == "PAM_SUCCESS" for _, rc in r.op_list), r.dump()
    assert live(pam) == before
    assert records(pam) == [] and leftovers(pam) == []


# --- the journal of open logins ----------------------------------------------------------

def test_an_open_login_is_recorded_with_its_process(pam):
    login = OpenLogin(pam)
    login.wait_stopped()
    try:
        names = records(pam)
        assert len(names) == 1
        rec = record(pam, names[0])
        # the name names the holder too (the reaper's fast path: journal.h)
        assert names[0].startswith("r-%s-%d-%s-" % (boot_id()[:8], login.pid, start_time(login.pid))), names
        assert rec["user"] == "alice"
        assert rec["pid"] == str(login.pid) and rec["start"] == start_time(login.pid)
        assert rec["boot"] == boot_id()
        # claimed by the process that opened the session: no parent may take it over any more
        assert rec["parent_pid"] == "0"
        assert file_mode(pam.state_dir / "sessions" / names[0]) == 0o600
        assert os.lstat(str(pam.state_dir / "sessions" / names[0])).st_uid == os.geteuid()
    finally:
        r = login.finish()
    assert r.rc == 0, r.dump()
    assert records(pam) == []


@pytest.mark.parametrize("option,value", [("logout_on_close", "no"), ("reuse_session", "yes")])
def test_open_login_is_never_recorded(pam, option, value):
    """A session the login asked to keep (SPEC: No session outlives its login) is never
    recorded, not even while the login is open."""
    pam.conf[option] = value
    login = OpenLogin(pam)
    login.wait_stopped()
    try:
        assert records(pam) == []
    finally:
        login.kill()


@pytest.mark.skipif(bool(os.environ.get("TMDB_HOST_WRAPPER")),
                    reason="33 hosts under valgrind at once: the normal and ASan phases run it")
def test_concurrent_logins_some_killed_exactly_those_are_revoked(pam):
    """32 open logins of one user; 12 are SIGKILLed, 20 close normally. The journal holds 32
    records while they are open, then the 12 of the killed ones; the next authentication
    revokes exactly those 12, and the other user's concurrent open login is never touched."""
    before = live(pam)
    pam.write()
    logins = [OpenLogin(pam, write=False) for _ in range(32)]
    for lg in logins:
        lg.wait_stopped()
    assert len(records(pam)) == 32
    other = OpenLogin(pam, user="bob", approve_as=OTHER, write=False)
    other.wait_stopped()
    bob_before = live(pam, OTHER)
    killed, kept = logins[:12], logins[12:]
    for lg in killed:
        lg.kill()
    for lg in kept:
        assert lg.finish().rc == 0
    assert live(pam) == before + 12
    left = records(pam)
    assert sorted(int(record(pam, n)["pid"]) for n in left if record(pam, n)["user"] == "alice") == \
        sorted(lg.pid for lg in killed)
    deletes = count(pam.standin, "DELETE", DELETE)
    # the next authentication on the host (a credential request by carol) reaps after its steps
    r = next_login(pam)
    assert count(pam.standin, "DELETE", DELETE) - deletes == 12
    assert sum("revoked the TMDb session of alice" in m for m in r.log_messages) == 12
    assert live(pam) == before
    assert live(pam, OTHER) == bob_before + 1  # carol's credential request
    assert [record(pam, n)["user"] for n in records(pam)] == ["bob"]
    assert leftovers(pam) == [] and set_aside(pam) == []
    assert other.finish().rc == 0
    assert records(pam) == []


def test_records_of_another_boot_are_orphans(pam):
    """A reboot: the record names a process that runs (this one), but on another boot."""
    sid = pam.standin.new_session("alice")
    write_record(pam, "r-otherboot", sid, boot="00000000-1111-2222-3333-444444444444")
    next_login(pam)
    assert {s["session_id"]: s for s in pam.standin.sessions()}[sid]["revoked"]
    assert records(pam) == []


def test_reboot_in_a_private_mount_namespace(pam):
    """The machine is not rebooted: in a private mount namespace another boot id is bound over
    /proc/sys/kernel/random/boot_id, and a login there finds the record of an open login
    (written on this boot) an orphan."""
    if subprocess.run(["unshare", "-m", "--propagation", "private", "true"]).returncode != 0:
        pytest.skip("unshare -m is not available")
    sid = pam.standin.new_session("alice")
    write_record(pam, "r-thisboot", sid)    # this process: alive on this boot
    fake = pam.dir / "boot_id"
    fake.write_text("99999999-8888-7777-6666-555555555555\n")
    pam.write()
    cmd = host_command(str(pam.service_dir), pam.service, "carol", "authenticate", approve_as=OTHER,
                       cafile=pam.standin.cafile)
    script = 'mount --bind "$0" /proc/sys/kernel/random/boot_id && exec "$@"'
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, str(fake)] + cmd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    r = HostResult(cmd, p.returncode, p.stdout, p.stderr)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert {s["session_id"]: s for s in pam.standin.sessions()}[sid]["revoked"]
    assert records(pam) == []


def test_a_login_being_set_up_is_not_reaped(pam):
    """sshd's split: the process that authenticated is gone, its parent (which opens the
    session) lives: the record is being set up, not an orphan, until the grace runs out."""
    sid = pam.standin.new_session("alice")
    write_record(pam, "r-settingup", sid, pid=dead_pid(), parent=os.getpid())
    sid2 = pam.standin.new_session("alice")
    write_record(pam, "r-graceover", sid2, pid=dead_pid(), parent=os.getpid(), since=int(time.time()) - 3600)
    next_login(pam)
    sessions = {s["session_id"]: s for s in pam.standin.sessions()}
    assert not sessions[sid]["revoked"]
    assert sessions[sid2]["revoked"]
    assert records(pam) == ["r-settingup"]


def test_tmdb_unreachable_while_reaping_keeps_the_record(pam):
    sid = pam.standin.new_session("alice")
    write_record(pam, "r-orphan", sid, pid=dead_pid())
    # every DELETE fails (503, retries included) during the first login's reaping
    pam.standin.fault(DELETE, method="DELETE", status=503, count=10)
    pam.conf["retries"] = "0"
    r = next_login(pam)
    assert records(pam) == ["r-orphan"]
    assert_logged(r, "left for the next run")
    pam.standin.reset()
    r = next_login(pam)
    assert {s["session_id"]: s for s in pam.standin.sessions()}[sid]["revoked"]
    assert records(pam) == []


# --- records and directories that cannot be trusted ------------------------------------

def test_damaged_symlinked_and_foreign_records_are_set_aside(pam):
    d = pam.state_dir / "sessions"
    d.mkdir(mode=0o700)
    good = pam.standin.new_session("alice")
    write_record(pam, "r-good", good, pid=dead_pid())
    (d / "r-truncated").write_text("pam_tmdb-journal 1\nuser alice\nsince 1")
    (d / "r-garbage").write_bytes(b"\x00\xff garbage\n")
    target = pam.dir / "elsewhere"
    target.write_text("pam_tmdb-journal 1\n")
    os.symlink(str(target), str(d / "r-symlink"))
    sid = pam.standin.new_session("alice")
    write_record(pam, "r-foreign", sid, pid=dead_pid())
    os.chown(str(d / "r-foreign"), 4242, 4242)
    sid2 = pam.standin.new_session("alice")
    write_record(pam, "r-readable", sid2, pid=dead_pid(), mode=0o644)
    for n in ("r-truncated", "r-garbage"):
        os.chmod(str(d / n), 0o600)
    r = next_login(pam)
    for name in ("r-truncated", "r-garbage", "r-symlink", "r-foreign", "r-readable"):
        assert_logged(r, "record %s ignored and set aside" % name)
    assert set_aside(pam) == sorted(".damaged-" + n for n in
                                    ("r-foreign", "r-garbage", "r-readable", "r-symlink", "r-truncated"))
    sessions = {s["session_id"]: s for s in pam.standin.sessions()}
    assert sessions[good]["revoked"]
    assert not sessions[sid]["revoked"] and not sessions[sid2]["revoked"]
    assert target.read_text() == "pam_tmdb-journal 1\n"
    assert records(pam) == []


@pytest.mark.parametrize("mode", [0o777, 0o705])
def test_insecure_state_dir_means_no_journal_and_the_login_works(pam, mode):
    os.chmod(str(pam.state_dir), mode)
    r = pam.run("authenticate open_session close_session", approve_as="alice")
    assert all(rc == "PAM_SUCCESS" for _, rc in r.op_list), r.dump()
    assert_logged(r, "not used (no session journal): accessible by others")
    assert not (pam.state_dir / "sessions").exists()


def test_state_dir_owned_by_another_user_is_not_used(pam):
    os.chown(str(pam.state_dir), 4242, 4242)
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert_logged(r, "not used (no session journal): owned by another user")


def test_state_dir_none_turns_the_journal_off(pam):
    pam.conf["state_dir"] = "none"
    login = OpenLogin(pam)
    login.wait_stopped()
    try:
        assert not (pam.state_dir / "sessions").exists()
    finally:
        assert login.finish().rc == 0
