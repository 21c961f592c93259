# SPDX-License-Identifier: BSD-3-Clause
"""What other programs inherit from a PAM transaction (SECURITY.md, "Descriptors"): su and
login start the user's shell while the transaction is alive, without closing descriptors, and
the module keeps its libcurl handle (and so its TLS connection to TMDb) for the whole
transaction and, pooled, after it. Every descriptor it or libcurl keeps must be close-on-exec.

The program started lists its own descriptors (`ls -l /proc/$$/fd` of the shell, as the
review that found the defect did); a socket there is the module's connection or libcurl's
wake-up socket pair."""

import os
import pty
import re
import select
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import ssl

import pytest
from pathlib import Path

from tmdbpam import count, module_path

SESSION_NEW = "/3/authentication/session/new"
# the program's own descriptors, and its parent's (the host's) for comparison
LIST_FDS = 'ls -l /proc/$$/fd > "%s"; ls -l /proc/$PPID/fd > "%s.parent"'


def listed_fds(path):
    """{fd: target} from an `ls -l /proc/PID/fd` listing."""
    fds = {}
    with open(path) as f:
        for line in f:
            m = re.search(r" (\d+) -> (.*)$", line.rstrip("\n"))
            if m:
                fds[int(m.group(1))] = m.group(2)
    return fds


def sockets(fds):
    return {fd: t for fd, t in fds.items() if t.startswith("socket:")}


# -- an in-process host (tmdb-host on the real libpam) --------------------------------------


@pytest.mark.parametrize("when", ["after_open_session", "after_end"])
def test_program_started_by_an_in_process_host_gets_no_socket(pam, standin, tmp_path, when):
    """authenticate, acct_mgmt, open_session, then a program started without closing
    descriptors (spawn:), while the transaction holds the module's connection; after_end: a
    new transaction on the same process (the pooled handle, connection kept) starts it."""
    out = tmp_path / "fds.txt"
    ops = ["authenticate", "acct_mgmt", "setcred", "open_session"]
    if when == "after_end":
        ops += ["end", "authenticate"]
    ops += ["spawn:" + LIST_FDS % (out, out)]
    pam.conf["approval"] = "poll"
    pam.conf["poll_interval"] = "1"
    r = pam.run(ops, approve_as="alice")
    assert r.rc == 0, r.dump()
    assert r.op_list[-1] == ("spawn", "PAM_SUCCESS"), r.dump()
    fds = listed_fds(out)
    assert 0 in fds and 1 in fds and 2 in fds, fds
    assert sockets(fds) == {}, "the program inherited %s\n%s" % (sockets(fds), r.dump())
    # the host held the module's sockets (its TLS connection to the stand-in, libcurl's
    # wake-up pair) at that moment: they were there to be inherited
    assert sockets(listed_fds(str(out) + ".parent")), r.dump()


# -- real su, in a private mount namespace with the test's own /etc/pam.d -------------------

SU_SCRIPT = r'''
set -e
mount --bind "$1" /etc/pam.d
mount --bind "$2" /etc/passwd
shift 2
exec "$@"
'''


def su_unavailable():
    if os.geteuid() != 0:
        return "not running as root"
    for tool in ("unshare", "mount", "su"):
        if shutil.which(tool) is None:
            return "%s not found" % tool
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        return "unshare -m fails: %s" % p.stdout.decode(errors="replace").strip()
    return None


def approve(standin, url, user):
    """What the user does in the browser: approve on the stand-in's page."""
    parts = urllib.parse.urlsplit(url)
    page = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    ctx = ssl.create_default_context(cafile=standin.cafile)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=ctx))
    with opener.open(page + "/allow?user=" + urllib.parse.quote(user), timeout=30) as resp:
        return resp.status


def test_shell_started_by_su_gets_no_socket(pam, standin, tmp_path, request):
    """util-linux su, root to alice (a passwd entry bound over /etc/passwd in the namespace),
    with the test's su service bound over /etc/pam.d: pam_tmdb in auth, account and session,
    poll mode. su starts the shell while the transaction (and the module's connection) is
    alive, without closing descriptors; the shell lists its own and su's."""
    why = su_unavailable()
    if why:
        pytest.skip(why)
    pam.conf["approval"] = "poll"
    pam.conf["poll_interval"] = "1"
    pam.write()
    pamd = tmp_path / "su-pam.d"
    pamd.mkdir()
    (pamd / "su").write_text("".join(pam.module_line(t) + "\n"
                                     for t in ("auth", "account", "session")))
    passwd = tmp_path / "passwd"
    with open("/etc/passwd") as f:
        mine = f.read()
    passwd.write_text(mine + "alice:x:1001:1001:alice:%s:/bin/sh\n" % tmp_path)
    os.chmod(str(tmp_path), 0o755)
    # alice's shell writes here; the test (root) reads su's own descriptors meanwhile, and
    # lets the shell end by creating "go"
    # (tmp_path is below pytest's 0700 directory: alice cannot reach it)
    shared = Path(tempfile.mkdtemp(prefix="tmdb-su-"))
    request.addfinalizer(lambda: shutil.rmtree(str(shared), ignore_errors=True))
    os.chown(str(shared), 1001, 1001)
    out, ppid_file, go = shared / "fds.txt", shared / "ppid", shared / "go"
    shell = ('ls -l /proc/$$/fd > "%s"; echo $PPID > "%s.tmp"; mv "%s.tmp" "%s"; '
             'i=0; while [ ! -e "%s" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; '
             'echo SHELL-RAN'
             % (out, ppid_file, ppid_file, ppid_file, go))
    su_fds = None
    cmd = ["unshare", "-m", "--propagation", "private", "--", "sh", "-c", SU_SCRIPT, "su-test",
           str(pamd), str(passwd), "su", "alice", "-s", "/bin/sh", "-c", shell]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    # a terminal, as su has one: its conversation (misc_conv) buffers stdout on a pipe, and the
    # URL would only come out after the wait for approval
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    text, url = "", None
    try:
        deadline = time.monotonic() + 90
        while proc.poll() is None or select.select([master], [], [], 0)[0]:
            assert time.monotonic() < deadline, "su did not finish:\n" + text
            if su_fds is None and ppid_file.exists():
                su_pid = int(ppid_file.read_text())
                su_fds = {int(n): os.readlink("/proc/%d/fd/%s" % (su_pid, n))
                          for n in os.listdir("/proc/%d/fd" % su_pid)}
                go.touch()
            if not select.select([master], [], [], 0.2)[0]:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's last holder closed it
                break
            text += chunk.decode("utf-8", "replace")
            if url is None:
                m = re.search(r"^(https://\S+)\r?$", text, re.M)
                if m:
                    url = m.group(1)
                    assert approve(standin, url, "alice") == 200
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
    dump = "rc=%s\n--- terminal\n%s" % (proc.returncode, text)
    assert proc.returncode == 0 and "SHELL-RAN" in text, dump
    assert count(standin, "POST", SESSION_NEW) >= 1, dump  # the shell ran after approval
    fds = listed_fds(out)
    assert 0 in fds and 1 in fds and 2 in fds, fds
    assert sockets(fds) == {}, "the shell inherited %s\n%s" % (sockets(fds), dump)
    # su itself held the module's sockets while the shell ran: there was something to inherit
    assert sockets(su_fds), "su held no socket: %s\n%s" % (su_fds, dump)
