# SPDX-License-Identifier: BSD-3-Clause
"""The session journal on the helper's path (pam_tmdb(8) SESSION JOURNAL, pam_tmdb_helper(8)):
a host run by NOBODY authenticates through pam_tmdb_helper, which records the session before the
hand-over in a state_dir of root's with the helper's group (0770 root:HELPER_GID), owned by
NOBODY, mode 0600, with the host as its holder, and stays until the host's login is set up:
open_session keeps the record (CLAIM), a credential request's pam_end(PAM_SUCCESS) removes it
(FORGET), a refusal's pam_end deletes the session (REVOKE), and a host that dies before any of
these has its session deleted by the helper at once. close_session removes the record; a host
killed after open_session leaves an orphan that root's next authentication or `tmdbctl revoke
--orphans` revokes. Root's readers still set aside a record whose owner is not the user it
names. Layout in helperenv.py."""

import os
import re
import signal
import subprocess
import time

import pytest

from helperenv import HELPER_GID, NOBODY, OP_FORGET, TMDB_USER, USER, DirectHelper, request, user_runs
from journal_helpers import boot_id, dead_pid, start_time
from pamhost import HostResult, host_command
from test_tmdbctl import tmdbctl_binary
from tmdbpam import assert_host_survived, count

SESSION_DELETE = "/3/authentication/session"


@pytest.fixture
def user_run(standin):
    if not os.path.exists(tmdbctl_binary()):
        pytest.skip("tmdbctl not built")
    yield from user_runs(standin)


def sessions_dir(user_run):
    return os.path.join(user_run.state_dir, "sessions")


def records(user_run):
    d = sessions_dir(user_run)
    return sorted(n for n in os.listdir(d) if not n.startswith(".")) if os.path.isdir(d) else []


def set_aside(user_run):
    d = sessions_dir(user_run)
    return sorted(n for n in os.listdir(d) if n.startswith(".damaged-")) if os.path.isdir(d) else []


def fields(path):
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0] == "pam_tmdb-journal 1"
    return dict(line.split(" ", 1) for line in lines[1:])


def wait_stopped(pid, proc, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        if state == "T":
            return
        if state == "Z":
            out, err = proc.communicate()
            raise AssertionError("host ended before stopping\n%s\n%s" % (out, err))
        time.sleep(0.05)
    raise AssertionError("host did not stop")


class UserLogin:
    """tmdb-host run by NOBODY, stopped (SIGSTOP) after open_session through the helper (or
    after the ops given)."""

    def __init__(self, user_run, ops="authenticate acct_mgmt setcred open_session stop close_session"):
        user_run.write()
        cmd = host_command(user_run.service_dir, user_run.service, USER, ops,
                           approve_as=TMDB_USER, cafile=user_run.cafile)
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, universal_newlines=True,
                                  env={"PATH": os.environ.get("PATH", os.defpath)},
                                  **user_run.as_nobody())
        self.pid = self.p.pid
        wait_stopped(self.pid, self.p)

    def finish(self):
        os.kill(self.pid, signal.SIGCONT)
        out, err = self.p.communicate(timeout=120)
        return HostResult(self.p.args, self.p.returncode, out, err)

    def kill(self):
        os.kill(self.pid, signal.SIGKILL)
        self.p.communicate(timeout=60)


def live(user_run):
    """Ids of the live sessions (created, not revoked) at the stand-in."""
    return {s["session_id"] for s in user_run.standin.sessions() if not s["revoked"]}


def helper_runs(r):
    """The helper runs of a host's login, as the helper logs them with debug=yes."""
    runs = (re.search(r"(?:\): |^PAM )(pam_tmdb_helper: \w+)$", m) for m in r.log_messages)
    return [m.group(1) for m in runs if m]


def test_open_session_through_the_helper_is_recorded_and_close_session_removes_it(user_run):
    before = live(user_run)
    user_run.conf["debug"] = "yes"
    login = UserLogin(user_run)
    try:
        names = records(user_run)
        assert len(names) == 1, names
        path = os.path.join(sessions_dir(user_run), names[0])
        st = os.stat(path, follow_symlinks=False)
        # the caller's record: its uid, the helper's group, 0600
        assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (NOBODY, HELPER_GID, 0o600)
        e = fields(path)
        # held by the host, not by the short-lived helper: claimed at once (no parent)
        assert e["user"] == USER
        assert (int(e["pid"]), e["start"]) == (login.pid, start_time(login.pid))
        assert (e["parent_pid"], e["boot"]) == ("0", boot_id())
        assert names[0].startswith("r-%s-%d-%s-" % (boot_id()[:8], login.pid, e["start"]))
        assert live(user_run) - before == {e["session_id"]}
        # root's tmdbctl takes the record as the caller's own: listed alive, nothing set aside
        p = subprocess.run([tmdbctl_binary(), "--state-dir", user_run.state_dir, "sessions"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        assert p.returncode == 0, p.stderr
        assert [line.split()[0] for line in p.stdout.splitlines()[1:]] == [USER], p.stdout
        assert "alive" in p.stdout and set_aside(user_run) == []
    finally:
        r = login.finish()
    assert r.rc == 0, r.dump()
    assert records(user_run) == [] and set_aside(user_run) == [], r.dump()
    assert live(user_run) == before
    # authenticate (whose helper stays until open_session), acct_mgmt, close_session: no run
    # of its own for open_session's record
    assert helper_runs(r) == ["pam_tmdb_helper: authenticate", "pam_tmdb_helper: acct_mgmt",
                              "pam_tmdb_helper: close_session"], r.dump()
    assert not user_run.wait_no_helper()


def test_a_credential_request_through_the_helper_is_not_recorded(user_run):
    r = user_run.host("authenticate acct_mgmt env", approve_as=TMDB_USER)
    assert r.rc == 0, r.dump()
    assert records(user_run) == []
    assert r.env["TMDB_SESSION_ID"] in live(user_run)   # kept: the host asked for it
    assert not user_run.wait_no_helper()


def test_a_credential_request_is_recorded_until_pam_end_which_forgets_it(user_run):
    """Recorded at authenticate, held by the host (a host killed now would lose it to the
    helper), removed at pam_end(PAM_SUCCESS), the session kept."""
    before = live(user_run)
    login = UserLogin(user_run, "authenticate acct_mgmt stop env")
    try:
        names = records(user_run)
        assert len(names) == 1, names
        e = fields(os.path.join(sessions_dir(user_run), names[0]))
        assert (int(e["pid"]), e["parent_pid"]) == (login.pid, "0")
        assert len(user_run.helpers_running()) == 1       # waiting for the outcome
    finally:
        r = login.finish()
    assert r.rc == 0, r.dump()
    assert records(user_run) == [] and set_aside(user_run) == [], r.dump()
    assert live(user_run) - before == {e["session_id"]} == {r.env["TMDB_SESSION_ID"]}
    assert not user_run.wait_no_helper()


def test_a_login_left_open_at_pam_end_keeps_its_session_and_its_record_goes(user_run):
    """pam_end(PAM_SUCCESS) after open_session without close_session (tmdb-login --keep): as in
    process, the host keeps the session and the record goes (the helper's FORGET op), so that
    the session is not revoked once the host exits."""
    before = live(user_run)
    user_run.conf["debug"] = "yes"
    r = user_run.host("authenticate acct_mgmt open_session env", approve_as=TMDB_USER)
    assert r.op_list[-1] == ("open_session", "PAM_SUCCESS"), r.dump()
    assert records(user_run) == [] and set_aside(user_run) == [], r.dump()
    assert live(user_run) - before == {r.env["TMDB_SESSION_ID"]}
    assert helper_runs(r) == ["pam_tmdb_helper: authenticate", "pam_tmdb_helper: acct_mgmt",
                              "pam_tmdb_helper: forget"], r.dump()
    assert not user_run.wait_no_helper()


def test_the_forget_op_removes_only_the_callers_own_records(user_run):
    """Run directly with the session id of a record of root's: the helper cannot read it, and
    it stays; its own record of the same session goes."""
    sid = user_run.standin.new_session(TMDB_USER)
    write_foreign(user_run, "r-roots", sid, USER, 0, gid=0)
    write_foreign(user_run, "r-own", sid, USER, NOBODY)
    h = DirectHelper(user_run)
    h.send(request(op=OP_FORGET, args=["conf=%s" % user_run.conf_path],
                   session={"session_id": sid, "account_id": 1001, "username": TMDB_USER}))
    user_run.write()
    res = h.converse()
    assert h.wait() == 0 and res["rc"] == 0, h.events
    assert records(user_run) == ["r-roots"]
    assert sid in live(user_run)


def test_a_host_killed_after_authenticate_before_open_session_has_its_session_deleted(user_run):
    """The helper sees its socket close and the host gone: it deletes the session at once
    (no reaper runs here) and removes the record."""
    before = live(user_run)
    deletes = count(user_run.standin, "DELETE", SESSION_DELETE)
    login = UserLogin(user_run, "authenticate acct_mgmt stop open_session close_session")
    names = records(user_run)
    assert len(names) == 1, names
    sid = fields(os.path.join(sessions_dir(user_run), names[0]))["session_id"]
    assert live(user_run) - before == {sid}
    login.kill()
    assert not user_run.wait_no_helper()
    assert live(user_run) == before
    assert count(user_run.standin, "DELETE", SESSION_DELETE) == deletes + 1
    assert records(user_run) == [] and set_aside(user_run) == []


def test_a_host_killed_while_the_session_is_being_created_has_it_deleted(user_run):
    """session/new has made the session on the server, its answer is held back, and the host
    is killed: the helper sees the request through, records the session (held by the dead
    host) and deletes it at once; nothing is left alive or recorded."""
    before = live(user_run)
    user_run.standin.fault("/3/authentication/session/new", hold_ms=3000, count=1)
    user_run.write()
    cmd = host_command(user_run.service_dir, user_run.service, USER, "authenticate open_session",
                       approve_as=TMDB_USER, cafile=user_run.cafile)
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env={"PATH": os.environ.get("PATH", os.defpath)}, **user_run.as_nobody())
    try:
        end = time.monotonic() + 60
        while not live(user_run) - before:
            assert time.monotonic() < end and p.poll() is None, "no session was created"
            time.sleep(0.02)
        assert count(user_run.standin, "GET", "/3/account") == 0   # still in session/new
    finally:
        p.kill()
        p.communicate(timeout=60)
    assert not user_run.wait_no_helper()
    assert live(user_run) == before
    assert count(user_run.standin, "DELETE", SESSION_DELETE) == 1, [(q["method"], q["path"], q.get("status"), q.get("connection")) for q in user_run.standin.requests()]
    assert records(user_run) == [] and set_aside(user_run) == []


@pytest.mark.parametrize("logout_on_close", ["yes", "no"])
@pytest.mark.parametrize("how", ["account refused by pam_deny", "host gives up (pam_end(PAM_ABORT))"])
def test_a_login_refused_after_authenticate_through_the_helper_is_deleted(user_run, how, logout_on_close):
    """Whatever logout_on_close says: that is about closing a login, and this one never opened."""
    before = live(user_run)
    user_run.conf["logout_on_close"] = logout_on_close
    user_run.conf["debug"] = "yes"
    if how.startswith("account"):
        user_run.write()
        line = open(os.path.join(user_run.service_dir, user_run.service)).read().splitlines()
        user_run.lines = [l for l in line if l.startswith(("auth", "account"))] + \
            ["account required pam_deny.so"]
        r = user_run.host("authenticate acct_mgmt", approve_as=TMDB_USER)
        assert r.op_list == [("authenticate", "PAM_SUCCESS"), ("acct_mgmt", "PAM_AUTH_ERR")], r.dump()
    else:
        r = user_run.host("authenticate end:abort", approve_as=TMDB_USER)
        assert r.op_list[0] == ("authenticate", "PAM_SUCCESS"), r.dump()
    assert_host_survived(r)   # the guard ran inside pam_end
    assert live(user_run) == before, r.dump()
    assert count(user_run.standin, "DELETE", SESSION_DELETE) == 1
    assert "the helper ended its TMDb session" in "\n".join(r.log_messages), r.dump()
    assert records(user_run) == [] and set_aside(user_run) == []
    # the helper that authenticated ended it: no helper run of its own for the refusal
    assert helper_runs(r).count("pam_tmdb_helper: authenticate") == 1, r.dump()
    assert "pam_tmdb_helper: close_session" not in helper_runs(r), r.dump()
    assert not user_run.wait_no_helper()


def root_login(user_run):
    """The next authentication on the host, by a root host (in process: root reads the key)."""
    cmd = host_command(user_run.service_dir, user_run.service, USER, "authenticate",
                       approve_as=TMDB_USER, cafile=user_run.cafile)
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120)
    return HostResult(cmd, p.returncode, p.stdout, p.stderr)


def revoke_orphans(user_run):
    user_run.write()
    p = subprocess.run([tmdbctl_binary(), "--conf", user_run.conf_path, "revoke", "--orphans"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p


@pytest.mark.parametrize("reaper", ["next root authentication", "tmdbctl revoke --orphans"])
def test_a_host_killed_after_open_session_leaves_an_orphan_that_is_revoked(user_run, reaper):
    before = live(user_run)
    login = UserLogin(user_run)
    names = records(user_run)
    assert len(names) == 1, names
    sid = fields(os.path.join(sessions_dir(user_run), names[0]))["session_id"]
    login.kill()
    assert not user_run.wait_no_helper()
    assert sid in live(user_run)   # the journal is what ends it
    deletes = count(user_run.standin, "DELETE", SESSION_DELETE)
    if reaper == "tmdbctl revoke --orphans":
        revoke_orphans(user_run)
    else:
        r = root_login(user_run)
        assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
        new = live(user_run) - before - {sid}
        assert len(new) == 1                              # the root login's own session
        user_run.standin.revoke(new.pop())
    assert sid not in live(user_run)
    assert count(user_run.standin, "DELETE", SESSION_DELETE) == deletes + 1
    assert records(user_run) == [] and set_aside(user_run) == []


def write_foreign(user_run, name, sid, user, uid, gid=HELPER_GID):
    d = sessions_dir(user_run)
    pid = dead_pid()
    text = ("pam_tmdb-journal 1\nuser %s\nsince %d\nboot %s\npid %d\nstart 1\nparent_pid 0\n"
            "parent_start 0\nsession_id %s\n") % (user, int(time.time()), boot_id(), pid, sid)
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    os.chown(path, uid, gid)
    os.chmod(path, 0o600)


@pytest.mark.parametrize("case", ["names another user", "owner is another uid", "root's group"])
def test_a_foreign_record_is_still_set_aside(user_run, case):
    sid = user_run.standin.new_session(TMDB_USER)
    if case == "names another user":      # the helper's record of NOBODY claiming to be daemon's
        write_foreign(user_run, "r-foreign", sid, "daemon", NOBODY)
    elif case == "owner is another uid":  # uid 1 (daemon) writing a record that names nobody
        write_foreign(user_run, "r-foreign", sid, USER, 1)
    else:                                 # the user's own, but not with the journal's group
        write_foreign(user_run, "r-foreign", sid, USER, NOBODY, gid=NOBODY)
    deletes = count(user_run.standin, "DELETE", SESSION_DELETE)
    p = revoke_orphans(user_run)
    assert "r-foreign" in p.stderr and "set aside" in p.stderr, p.stderr
    assert set_aside(user_run) == [".damaged-r-foreign"]
    assert sid in live(user_run)
    assert count(user_run.standin, "DELETE", SESSION_DELETE) == deletes


def test_the_users_own_orphan_record_is_revoked(user_run):
    """The rule's other half, alone: owned by the user it names, with the journal's group."""
    sid = user_run.standin.new_session(TMDB_USER)
    write_foreign(user_run, "r-own", sid, USER, NOBODY)
    revoke_orphans(user_run)
    assert sid not in live(user_run)
    assert records(user_run) == [] and set_aside(user_run) == []
