# SPDX-License-Identifier: BSD-3-Clause
"""Self-service enrolment under a real OpenSSH sshd: a user who enrolled (tmdb-login --enroll,
run as that user through the setgid helper) signs in over ssh with no user_map line, a second
user with no record is refused, and after --unenroll the first is refused too.

The users exist only in the sshd's private mount namespace (tests/e2e/sshd.py: a passwd copy),
so tmdb-login runs inside it (nsenter into its mount namespace, then setpriv to the user's uid
with no other group), as the user would run it on that machine. The layout (root's
configuration 0640 with the helper's group, the setgid helper copy, state_dir 0770 and its
accounts/) is helperenv.py's."""

import os
import subprocess

import pytest

import sshd as sshd_mod
from helperenv import HELPER_GID, UserRun, unavailable
from pamhost import security_module
from test_enrol import write_services
from test_sshd import URL_LINE
from test_tmdb_login import login_binary
from tmdbpam import module_path

ENROLLED, ENROLLED_UID = "sshenrol", 4721
OTHER, OTHER_UID = "sshother", 4722


def _why_not():
    return sshd_mod.unavailable() or unavailable()


why = _why_not()
pytestmark = pytest.mark.skipif(why is not None, reason=why or "")


@pytest.fixture
def rig(tmp_path, standin):
    env = UserRun(standin)
    try:
        accounts = os.path.join(env.state_dir, "accounts")
        os.mkdir(accounts)
        os.chown(accounts, 0, HELPER_GID)
        os.chmod(accounts, 0o770)
        env.accounts = accounts
        with open(env.user_map, "w") as f:
            f.write("someoneelse alice\n")
        env.conf["self_enroll"] = "yes"
        env.conf["approval_timeout"] = "60"
        write_services(env)
        mod = "%s conf=%s" % (module_path(), env.conf_path)
        lines = ["auth     required  %s" % mod,
                 "account  required  %s" % mod,
                 "account  required  %s" % security_module("pam_permit.so"),
                 "session  optional  %s" % mod,
                 "session  required  %s" % security_module("pam_permit.so"),
                 "password required  %s" % security_module("pam_deny.so")]
        workdir = os.path.join(str(tmp_path), "sshd")
        os.chmod(str(tmp_path), 0o755)
        env.sshd = sshd_mod.Sshd(workdir, lines, {ENROLLED: ENROLLED_UID, OTHER: OTHER_UID})
        yield env
    finally:
        if getattr(env, "sshd", None) is not None:
            env.sshd.stop()
        env.cleanup()


def tmdb_login(rig, uid, *args):
    """tmdb-login as uid inside the sshd's mount namespace (its passwd knows the user)."""
    cmd = ["nsenter", "--mount=/proc/%d/ns/mnt" % rig.sshd.proc.pid, "--",
           "setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups", "--",
           login_binary(), "--confdir", rig.service_dir, "--no-browser", "--no-listen"] + list(args)
    p = subprocess.run(cmd, input=b"\n", capture_output=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/"}, cwd="/")
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def approver(standin, seen):
    def on_round(login, rnd):
        for text in rnd.texts():
            for line in text.split("\n"):
                m = URL_LINE.match(line)
                if m:
                    seen.append(m.group(1))
                    standin.approve(m.group(1), "alice")
        return None
    return on_round


def ssh_login(rig, user):
    seen = []
    login = sshd_mod.Login(rig.sshd.port, user, approver(rig.standin, seen))
    try:
        return login.ok, seen, login.dump()
    finally:
        login.close()


def test_an_enrolled_user_signs_in_over_ssh_and_others_do_not(rig):
    ok, urls, dump = ssh_login(rig, ENROLLED)
    assert not ok and not urls, "signed in before enrolling:\n" + dump

    rig.standin.configure(auto_approve="alice")
    rc, out = tmdb_login(rig, ENROLLED_UID, "--enroll")
    assert rc == 0, out
    assert 'TMDb account "alice" (id 1001) is now enrolled for %s' % ENROLLED in out, out
    path = os.path.join(rig.accounts, ENROLLED)
    with open(path, "rb") as f:
        assert f.read() == b"#1001 alice\n"
    assert os.stat(path).st_uid == ENROLLED_UID
    rig.standin.configure(auto_approve="")

    ok, urls, dump = ssh_login(rig, ENROLLED)
    assert ok and len(urls) == 1, dump
    # the second user has no record and no map line: refused before any approval
    ok, urls, dump = ssh_login(rig, OTHER)
    assert not ok and not urls, dump

    rc, out = tmdb_login(rig, ENROLLED_UID, "--unenroll")
    assert rc == 0, out
    assert not os.path.exists(path)
    ok, urls, dump = ssh_login(rig, ENROLLED)
    assert not ok and not urls, dump
    assert rig.sshd.proc.poll() is None, rig.sshd.log()
