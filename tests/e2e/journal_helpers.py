# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the tests of the session journal (test_journal.py, test_tmdbctl.py): its records
as the module writes them (module/journal.c), and open logins to look at or kill."""

import os
import signal
import subprocess
import time

from pamhost import HostResult, host_command


def records(pam):
    d = pam.state_dir / "sessions"
    return sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) if d.exists() else []


def set_aside(pam):
    d = pam.state_dir / "sessions"
    return sorted(p.name for p in d.iterdir() if p.name.startswith(".damaged-")) if d.exists() else []


def leftovers(pam):
    """Temporary files of the atomic write: none may stay."""
    d = pam.state_dir / "sessions"
    return [p.name for p in d.iterdir() if p.name.startswith(".tmp-")] if d.exists() else []


def record(pam, name):
    lines = (pam.state_dir / "sessions" / name).read_text().splitlines()
    assert lines[0] == "pam_tmdb-journal 1"
    return dict(line.split(" ", 1) for line in lines[1:])


def boot_id():
    with open("/proc/sys/kernel/random/boot_id") as f:
        return f.read().strip()


def start_time(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[19]


def write_record(pam, name, sid, user="alice", pid=None, boot=None, parent=0, since=None, mode=0o600):
    """A record as the module writes it (journal.c journal_format)."""
    pid = pid or os.getpid()
    text = ("pam_tmdb-journal 1\nuser %s\nsince %d\nboot %s\npid %d\nstart %s\nparent_pid %d\n"
            "parent_start %s\nsession_id %s\n") % (
        user, since if since is not None else int(time.time()), boot or boot_id(), pid,
        start_time(pid) if os.path.exists("/proc/%d" % pid) else "1", parent,
        start_time(parent) if parent else "0", sid)
    d = pam.state_dir / "sessions"
    d.mkdir(mode=0o700, exist_ok=True)
    path = d / name
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(str(path), mode)
    return path


def dead_pid():
    """A pid that ran and is gone (its number may come back, its start time will not)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


class OpenLogin:
    """tmdb-host stopped (SIGSTOP) after opening its session: an open login to look at, then
    to SIGCONT (it closes) or SIGKILL (it dies)."""

    def __init__(self, pam, user="alice", ops="authenticate acct_mgmt setcred open_session stop close_session",
                 approve_as=None, write=True):
        if write:  # (not while other hosts read the files)
            pam.write()
        cmd = host_command(str(pam.service_dir), pam.service, user, ops, approve_as=approve_as or user,
                           cafile=pam.standin.cafile)
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, universal_newlines=True)
        self.pid = self.p.pid

    def wait_stopped(self, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                with open("/proc/%d/stat" % self.pid) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                state = "gone"
            if state == "T":
                return
            if state in ("Z", "gone"):
                out, err = self.p.communicate()
                raise AssertionError("host ended before stopping\n%s\n%s" % (out, err))
            time.sleep(0.02)
        raise AssertionError("host did not stop")

    def kill(self):
        self.p.kill()
        self.p.communicate()

    def finish(self):
        os.kill(self.pid, signal.SIGCONT)
        out, err = self.p.communicate(timeout=60)
        return HostResult(self.p.args, self.p.returncode, out, err)
