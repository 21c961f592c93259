# SPDX-License-Identifier: BSD-3-Clause
"""A real terminal screen locker run by the user: vlock(1) on a pty, as NOBODY, in a private
mount namespace whose /etc/pam.d is the test's own (a bind mount; the machine's files are not
touched). vlock asks pam_tmdb, which cannot read the key and goes through the helper.
Approve, press Enter: it unlocks. Deny: it stays locked."""

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import time

import pytest

from helperenv import NOBODY, TMDB_USER, user_runs
from tmdbpam import module_path

VLOCK = shutil.which("vlock")


def _as_vlock(env):
    # vlock's own service name, in a directory bound over /etc/pam.d inside the namespace
    env.service = "vlock"


@pytest.fixture
def user_run(standin):
    if VLOCK is None:
        pytest.skip("vlock not installed")
    if subprocess.run(["unshare", "-m", "--propagation", "private", "true"]).returncode != 0:
        pytest.skip("unshare -m fails here")
    yield from user_runs(standin, prepare=_as_vlock)


class Terminal:
    def __init__(self, cmd):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True)
        os.close(slave)
        self.seen = b""

    def wait_for(self, pattern, timeout=60):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.seen)
            if m:
                return m
            left = deadline - time.monotonic()
            assert left > 0, "no %r on the terminal; it shows:\n%s" % (pattern, self.seen.decode("utf-8", "replace"))
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    assert False, "the terminal closed; it showed:\n%s" % self.seen.decode("utf-8", "replace")
                self.seen += chunk

    def type(self, text):
        os.write(self.master, text)

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)


def vlock_terminal(user_run):
    user_run.write()
    # the sanitizer build's module in a host built without it (as pamhost.pam_wrapper_env does
    # for pamtester); vlock-main's exit-time leak check would see vlock's own allocations
    asan = ("ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 "
            if os.environ.get("TMDB_SANITIZERS") == "yes" else "")
    # Debian installs vlock-main setuid root, and it runs PAM with euid 0 (in process: root may
    # read the key); here it runs as the user, as a locker without privileges does (swaylock,
    # xscreensaver): a nosuid bind mount of it, in the namespace only
    script = ('mount --bind "$0" /etc/pam.d && '
              'mount --bind /usr/sbin/vlock-main /usr/sbin/vlock-main && '
              'mount -o remount,bind,nosuid /usr/sbin/vlock-main && '
              'exec setpriv --reuid %d --regid %d --clear-groups '
              'env -i %sTERM=dumb HOME=/nonexistent USER=nobody LOGNAME=nobody PATH=/usr/bin:/bin '
              '%s --current' % (NOBODY, NOBODY, asan, VLOCK))
    return Terminal(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                     user_run.service_dir])


def approval_token(term):
    m = term.wait_for(rb"https://[^\s]*/authenticate/([0-9a-f]+)")
    return m.group(1).decode()


def test_approve_then_enter_unlocks(user_run):
    term = vlock_terminal(user_run)
    try:
        term.wait_for(rb"press \[ENTER\] to unlock")
        term.type(b"\r")
        token = approval_token(term)
        term.wait_for(rb"Press Enter once you have approved it")
        # vlock-main is setuid root on Debian but runs PAM as the user: through the helper
        assert len(user_run.helpers_running()) == 1, "no helper serves vlock"
        user_run.standin.approve(token, TMDB_USER)
        term.type(b"\r")
        rc = term.proc.wait(timeout=60)
    finally:
        term.close()
    assert rc == 0, term.seen.decode("utf-8", "replace")
    assert user_run.standin.stats()["requests"].get("POST /3/authentication/session/new") == 1
    assert not user_run.wait_no_helper()


def test_deny_keeps_it_locked(user_run):
    user_run.args.append("max_prompts=1")
    term = vlock_terminal(user_run)
    try:
        term.wait_for(rb"press \[ENTER\] to unlock")
        term.type(b"\r")
        token = approval_token(term)
        term.wait_for(rb"Press Enter once you have approved it")
        user_run.standin.deny(token)
        term.type(b"\r")
        term.wait_for(rb"Not signed in")
        time.sleep(1)
        assert term.proc.poll() is None, "vlock unlocked on a denied approval"
    finally:
        term.close()
    assert not user_run.wait_no_helper()
