# SPDX-License-Identifier: BSD-3-Clause
"""What other programs inherit from a PAM transaction (SECURITY.md, "Descriptors"): su and
login start the user's shell while the transaction is alive, without closing descriptors, and
the module keeps its libcurl handle (and so its TLS connection to TMDb) for the whole
transaction and, pooled, after it. Every descriptor it or libcurl keeps must be close-on-exec.

The program started lists its own descriptors (`ls -l /proc/$$/fd` of the shell, as the
review that found the defect did); a socket there is the module's connection or libcurl's
wake-up socket pair."""

import os
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import ssl

import pytest

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
