# SPDX-License-Identifier: BSD-3-Clause
"""pam_tmdb_helper run directly by its caller, as a hostile user may run it: with any argv,
environment, descriptors and input (pam_tmdb_helper(8), SECURITY.md). The test speaks the
protocol itself (helperenv.DirectHelper); the helper is the setgid copy of helperenv.py and
the caller is NOBODY."""

import os
import re
import socket
import stat
import struct
import time
import urllib.parse

import pytest

from helperenv import (API_KEY, FORGET, DirectHelper, HP_OUTCOME, HP_REQUEST, HP_TAKEN, NOBODY, OP_ACCOUNT,
                       OP_AUTHENTICATE, OP_LOGOUT, TMDB_USER, UserRun, frame, request, string, u32,
                       user_runs)
from tmdbpam import count

EXIT_SERVED, EXIT_USAGE, EXIT_BAD_INPUT = 0, 2, 3


@pytest.fixture
def user_run(standin):
    yield from user_runs(standin, prepare=UserRun.write)


def conf_args(user_run, *more):
    return ["conf=%s" % user_run.conf_path] + list(more)


def approver(standin, user=TMDB_USER):
    """An answer function that approves the URL of the first message on the stand-in."""
    def answer(msgs):
        for _, text in msgs:
            m = re.search(r"/authenticate/([0-9a-f]+)", text or "")
            if m:
                standin.approve(m.group(1), user)
        return ""
    return answer


HOSTILE_ENV = {
    "LD_PRELOAD": "/nonexistent/evil.so",
    "LD_LIBRARY_PATH": "/tmp",
    "https_proxy": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "CURL_CA_BUNDLE": "/dev/null",
    "SSL_CERT_FILE": "/dev/null",
    "OPENSSL_CONF": "/dev/null",
    "MALLOC_CHECK_": "3",
    "PATH": "/tmp/evil-bin",
}


def test_a_login_with_a_hostile_environment(user_run, tmp_path):
    keylog = "/tmp/helper-keylog-%d" % os.getpid()
    env = dict(HOSTILE_ENV, SSLKEYLOGFILE=keylog)
    h = DirectHelper(user_run, env=env)
    h.send(request(args=conf_args(user_run)))
    res = h.converse(approver(user_run.standin))
    assert h.outcome(FORGET) == 0, h.events   # a credential request: the session stays
    assert h.wait() == EXIT_SERVED
    assert res["rc"] == 0, h.events
    assert res["session"]["username"] == TMDB_USER and len(res["session"]["session_id"]) == 40
    assert not os.path.exists(keylog), "the helper took SSLKEYLOGFILE from its caller"
    assert all(API_KEY not in str(e) for e in h.events)


def test_no_taken_means_the_session_is_deleted(user_run):
    before = user_run.standin.live_sessions_of(TMDB_USER)
    h = DirectHelper(user_run)
    h.send(request(args=conf_args(user_run)))
    res = h.converse(approver(user_run.standin), take=False)
    assert res["rc"] == 0 and "session" in res
    h.sock.shutdown(socket.SHUT_RDWR)        # the host went away with the session in hand
    assert h.wait() == EXIT_SERVED
    assert user_run.standin.live_sessions_of(TMDB_USER) == before
    assert count(user_run.standin, "DELETE", "/3/authentication/session") == 1


@pytest.mark.parametrize("how", ["closed", "garbage", "an unknown outcome"])
def test_a_closed_socket_after_taken_with_no_known_holder_deletes_the_session(user_run, how):
    """The test made the socket pair as root, so its peer is not the caller's uid: the holder
    cannot be told alive (nothing recorded), and without an outcome the session is deleted."""
    before = user_run.standin.live_sessions_of(TMDB_USER)
    h = DirectHelper(user_run)
    h.send(request(args=conf_args(user_run)))
    res = h.converse(approver(user_run.standin))
    assert res["rc"] == 0 and "session" in res, h.events
    if how == "garbage":
        h.send(b"GET / HTTP/1.0\r\n\r\n")
    elif how == "an unknown outcome":
        h.send(frame(HP_OUTCOME, u32(9)))
    h.sock.shutdown(socket.SHUT_WR)
    assert h.wait() == EXIT_SERVED
    assert user_run.standin.live_sessions_of(TMDB_USER) == before
    assert count(user_run.standin, "DELETE", "/3/authentication/session") == 1


@pytest.mark.parametrize("mode", ["prompt", "poll"])
def test_the_host_gone_mid_approval_ends_the_helper(user_run, mode):
    before = user_run.standin.live_sessions_of(TMDB_USER)
    h = DirectHelper(user_run)
    h.send(request(args=conf_args(user_run, "approval=%s" % mode, "poll_interval=300")))
    f = h.recv_frame()
    while f[0] != 2:        # the conversation call with the URL
        f = h.recv_frame()
    if mode == "poll":
        h.send(frame(3, u32(0) + string(None)))
        time.sleep(0.5)     # now in its poll wait, no conversation pending
    h.sock.close()
    t0 = time.monotonic()
    rc = h.proc.wait(timeout=20)
    assert rc == 0 and time.monotonic() - t0 < 15
    assert user_run.standin.live_sessions_of(TMDB_USER) == before


def test_arguments_are_refused(user_run):
    h = DirectHelper(user_run, argv=[user_run.helper, "--conf=/tmp/x", "debug"])
    assert h.wait() == EXIT_USAGE


def test_standard_input_that_is_not_its_socket(user_run):
    r, w = os.pipe()
    h = DirectHelper(user_run, stdin=r)
    os.close(r)
    os.write(w, request(args=conf_args(user_run)))
    os.close(w)
    assert h.wait() == EXIT_USAGE
    assert user_run.standin.stats()["total_requests"] == 0


@pytest.mark.parametrize("data", [
    b"GET / HTTP/1.0\r\n\r\n",                                  # garbage: a huge length
    struct.pack(">IB", 0x7FFFFFFF, HP_REQUEST),                 # oversized frame
    struct.pack(">IB", 65537 + 1, HP_REQUEST) + b"x" * 100,     # just over the limit
    struct.pack(">IB", 100, HP_REQUEST) + b"x" * 10,            # truncated, then closed
    frame(HP_TAKEN, u32(0)),                                    # not a request
    frame(HP_REQUEST, b""),                                     # empty request
    request()[:-1] ,                                            # cut inside the frame
    frame(HP_REQUEST, request()[5:] + b"\0"),                   # trailing byte
    request(version=1),                                         # RECORD op, no OUTCOME
    request(version=3),
    request(op=5),
    request(op=9),
    request(args=["x"] * 33),                                   # too many arguments
    request(user="a\nb"),                                       # control character
    request(session={"session_id": "x", "account_id": 0, "username": "u"}),
    b"\0\0\0\0",                                                # zero length
])
def test_bad_input_ends_it_before_any_request(user_run, data):
    h = DirectHelper(user_run)
    h.send(data)
    h.sock.shutdown(socket.SHUT_WR)
    rc = h.proc.wait(timeout=20)
    h.wait()
    assert rc == EXIT_BAD_INPUT
    assert user_run.standin.stats()["total_requests"] == 0


@pytest.mark.parametrize("arg", ["api_url=https://localhost:1", "cafile=/tmp/ca.pem", "proxy=http://x:1",
                                 "account_match=any", "user_map=/tmp/m", "helper=/tmp/h",
                                 "api_key=stolen"])
def test_settings_given_directly_are_refused(user_run, arg):
    h = DirectHelper(user_run)
    h.send(request(args=conf_args(user_run, arg)))
    res = h.converse()
    assert h.wait() == EXIT_SERVED
    assert res["rc"] == 3, h.events          # PAM_SERVICE_ERR
    key = arg.split("=")[0]
    assert any("%s cannot be given to pam_tmdb_helper" % key in m for m in h.logs()), h.events
    assert "stolen" not in str(h.events)
    assert user_run.standin.stats()["total_requests"] == 0


@pytest.mark.parametrize("op", [OP_AUTHENTICATE, OP_ACCOUNT, OP_LOGOUT])
def test_another_user_is_refused_directly(user_run, op):
    sid = user_run.standin.new_session(TMDB_USER)
    session = None if op == OP_AUTHENTICATE else {"session_id": sid, "account_id": 1001,
                                                   "username": TMDB_USER}
    h = DirectHelper(user_run)
    h.send(request(op=op, user="root", args=conf_args(user_run), session=session))
    res = h.converse()
    assert h.wait() == EXIT_SERVED
    assert res["rc"] == 7                    # PAM_AUTH_ERR
    assert user_run.standin.stats()["total_requests"] == 0


def test_what_the_caller_can_see_of_it(user_run):
    """Mid-approval (waiting for the host's answer): the key is not in its cmdline or
    environ, it is not dumpable (its /proc files are root's, its memory closed to the caller),
    and only its socket and /dev/null are open, not the descriptor the caller left open."""
    marker = os.path.join(user_run.dir, "inherited-marker")
    with open(marker, "w") as f:
        f.write("x")
    fd = os.open(marker, os.O_RDONLY)
    os.set_inheritable(fd, True)
    try:
        h = DirectHelper(user_run, pass_fds=(fd,), env={"TMDB_PROBE": "hostile"})
    finally:
        os.close(fd)
    h.send(request(args=conf_args(user_run)))
    f = h.recv_frame()
    while f[0] != 2:
        f = h.recv_frame()
    pid = h.proc.pid
    proc = "/proc/%d" % pid
    with open(proc + "/cmdline", "rb") as fh:
        cmdline = fh.read()
    assert API_KEY.encode() not in cmdline
    assert cmdline.split(b"\0")[0] == user_run.helper.encode()
    with open(proc + "/environ", "rb") as fh:
        environ = fh.read()
    # what the caller gave it at exec (the kernel shows that, whatever clearenv does)
    assert API_KEY.encode() not in environ
    # not dumpable: its /proc files belong to root, and the caller cannot read them
    assert os.stat(proc + "/environ").st_uid == 0
    probe = ("import sys\n"
             "for p in sys.argv[1:]:\n"
             "    try:\n"
             "        open(p, 'rb').read(1); print('read', p)\n"
             "    except OSError as e:\n"
             "        print('denied', p, e.errno)\n")
    import subprocess
    out = subprocess.run(["/usr/bin/python3", "-c", probe, proc + "/environ", proc + "/mem"],
                         capture_output=True, text=True, **user_run.as_nobody()).stdout
    assert out.count("denied") == 2 and "read" not in out, out
    # descriptors: the socket, /dev/null twice, and what it opened itself (its HTTPS socket)
    targets = {int(n): os.readlink(proc + "/fd/" + n) for n in os.listdir(proc + "/fd")}
    assert targets[0].startswith("socket:") and targets[1] == targets[2] == "/dev/null", targets
    assert marker not in targets.values(), targets
    for n, t in targets.items():
        assert t.startswith(("socket:", "anon_inode:", "pipe:")) or t == "/dev/null", targets
    h.sock.close()
    h.proc.wait(timeout=20)
    h.wait()
