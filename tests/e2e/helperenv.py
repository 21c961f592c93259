# SPDX-License-Identifier: BSD-3-Clause
"""pam_tmdb for a host that runs as an ordinary user: the setgid helper (helper/, man
pam_tmdb_helper(8)) and the files it reads, laid out as the package lays them out, in a
directory of the test's own; hosts run as NOBODY (uid 65534, no supplementary groups).

    def test_x(user_run):                 # fixture in test_helper.py / test_helper_login.py
        r = user_run.host("authenticate", approve_as="alice")

* ``dir``: a 0755 directory under /tmp (every component root's: the helper believes no other
  file) holding the journal's ``state_dir`` (root:HELPER_GID 0770), the helper copy (root:HELPER_GID 02755), the config (root:HELPER_GID 0640, the
  API key inside), the user map and the CA (root 0644), and a pam.d directory (0755).
* HELPER_GID stands for the group ``pam_tmdb``: a gid that NOBODY is not in. No group entry is
  needed: the kernel checks numbers; nothing on the machine is changed.
* NOBODY's PAM user is ``nobody`` (its own account), bound to the stand-in's ``alice``.

Needs root, a mount without nosuid, and the helper built; ``unavailable()`` says why not.
"""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from pamhost import HostResult, builddir, host_command, write_service
from tmdbpam import API_KEY, ACCESS_TOKEN, module_path

NOBODY = 65534
HELPER_GID = 64123          # the helper's group (pam_tmdb on an installed system)
USER = "nobody"             # NOBODY's own account name
TMDB_USER = "alice"         # the stand-in account it is bound to


def helper_binary():
    return os.environ.get("TMDB_HELPER") or os.path.join(builddir(), "helper", "pam_tmdb_helper")


def nobody_name():
    try:
        return pwd.getpwuid(NOBODY).pw_name
    except KeyError:
        return None


def unavailable():
    """Why these tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "not running as root"
    if not os.path.isfile(helper_binary()):
        return "pam_tmdb_helper not built (%s)" % helper_binary()
    if nobody_name() != USER:
        return "uid %d is not %r here" % (NOBODY, USER)
    if os.statvfs("/tmp").f_flag & os.ST_NOSUID:
        return "/tmp is on a nosuid mount"
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("NoNewPrivs:") and line.split()[1] != "0":
                return "no_new_privs is set on this process"
    if os.environ.get("TMDB_HOST_WRAPPER"):
        return "a setgid helper cannot run under a wrapper (valgrind)"
    return None


def user_runs(standin, prepare=None):
    """The body of every helper test file's user_run fixture: skips where the helper cannot
    run (unavailable()), one UserRun, shaped by prepare(env) if given, cleaned up after."""
    why = unavailable()
    if why:
        pytest.skip(why)
    env = UserRun(standin)
    if prepare is not None:
        prepare(env)
    yield env
    env.cleanup()


def pamtester_as_user(user_run):
    """The real pamtester and the pam_wrapper environment for user_run's service dir, or a
    skip when either is missing."""
    from pamhost import pam_wrapper_env, pamtester_binary
    exe = pamtester_binary()
    if not exe:
        pytest.skip("pamtester not found")
    try:
        return exe, pam_wrapper_env(user_run.service_dir)
    except FileNotFoundError as e:
        pytest.skip(str(e))


def approve_shown_token(proc, standin, account, timeout=120):
    """Reads proc's standard error up to the approval URL, approves its request token as
    account at the stand-in, then presses Enter: (the error output up to the URL, proc's
    output, the rest of its error output). The caller kills proc if this fails."""
    import re
    seen = b""
    while True:
        line = proc.stderr.readline()
        assert line, "no URL:\n%s" % seen.decode()
        seen += line
        m = re.search(rb"request_token=([A-Za-z0-9._-]+)", line)
        if m:
            break
    standin.approve(m.group(1).decode(), account)
    out, err = proc.communicate(b"\n", timeout=timeout)
    return seen, out, err


def _root_file(path, text, mode, gid=0):
    with open(path, "w") as f:
        f.write(text)
    os.chown(path, 0, gid)
    os.chmod(path, mode)
    return path


def unreachable_for_others(path):
    """The first directory above path that other users cannot enter, or None. The tests run
    the build's tmdb-host, tmdb-login and pam_tmdb.so as uid NOBODY, as an ordinary user runs
    installed programs, so the build tree must be reachable (a checkout under a 0700 home is
    not; .ci/run makes its copy's directory 0755)."""
    d = os.path.dirname(os.path.abspath(path))
    while True:
        if not os.stat(d).st_mode & 0o001:
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


class UserRun:
    """The layout above, for one test. ``conf`` and ``args`` as in tmdbpam.PamEnv; write()
    puts them on disk (done by host())."""

    def __init__(self, standin):
        closed = unreachable_for_others(module_path())
        if closed is not None:
            # a failure, not a skip: these tests are the only proof of the user-run path
            pytest.fail("uid %d cannot reach the build tree: %s is not searchable by others; run "
                        "the tests from a checkout other users can enter" % (NOBODY, closed))
        self.standin = standin
        self._tmp = tempfile.TemporaryDirectory(prefix="helper-", dir="/tmp")
        self.dir = self._tmp.name
        os.chmod(self.dir, 0o755)
        self.helper = os.path.join(self.dir, "pam_tmdb_helper")
        shutil.copyfile(helper_binary(), self.helper)
        os.chown(self.helper, 0, HELPER_GID)
        os.chmod(self.helper, 0o2755)          # after chown, which clears the setgid bit
        self.cafile = os.path.join(self.dir, "ca.pem")
        shutil.copyfile(standin.cafile, self.cafile)
        os.chmod(self.cafile, 0o644)
        self.user_map = _root_file(os.path.join(self.dir, "pam_tmdb.users"),
                                   "%s %s\n" % (USER, TMDB_USER), 0o644)
        self.conf_path = os.path.join(self.dir, "pam_tmdb.conf")
        self.service_dir = os.path.join(self.dir, "pam.d")
        self.service = "tmdb"
        # the journal as the package lays it out: root's, the helper's group may enter
        self.state_dir = os.path.join(self.dir, "state")
        os.mkdir(self.state_dir)
        os.chown(self.state_dir, 0, HELPER_GID)
        os.chmod(self.state_dir, 0o770)
        sessions = os.path.join(self.state_dir, "sessions")   # root makes it, never the helper
        os.mkdir(sessions)
        os.chown(sessions, 0, HELPER_GID)
        os.chmod(sessions, 0o770)
        self.conf = {
            "api_key": API_KEY,
            "api_url": standin.url,
            "cafile": self.cafile,
            "user_map": self.user_map,
            "cache_dir": "none",
            "state_dir": self.state_dir,
        }
        self.args = ["helper=%s" % self.helper]
        self.conf_arg = True
        self.lines = None

    def write(self):
        text = "".join("%s = %s\n" % (k, v) for k, v in self.conf.items() if v is not None)
        _root_file(self.conf_path, text, 0o640, HELPER_GID)
        args = (["conf=%s" % self.conf_path] if self.conf_arg else []) + list(self.args)
        lines = self.lines or ["%s required %s %s" % (t, module_path(), " ".join(args))
                               for t in ("auth", "account", "session", "password")]
        write_service(self.service_dir, self.service, lines)
        os.chmod(self.service_dir, 0o755)
        for name in os.listdir(self.service_dir):
            os.chmod(os.path.join(self.service_dir, name), 0o644)

    def as_nobody(self):
        """subprocess keyword arguments that run a command as NOBODY, no other groups."""
        return dict(user=NOBODY, group=NOBODY, extra_groups=[], cwd="/")

    def host(self, ops="authenticate", user=USER, extra=(), timeout=120, **kw):
        """tmdb-host as NOBODY; kw as pamhost.host_command (approve_as, deny, answers...)."""
        self.write()
        kw.setdefault("cafile", self.cafile)
        cmd = host_command(self.service_dir, self.service, user, ops, extra=extra, **kw)
        env = {"PATH": os.environ.get("PATH", os.defpath)}
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=timeout,
                           universal_newlines=True, errors="surrogateescape", **self.as_nobody())
        return HostResult(cmd, p.returncode, p.stdout, p.stderr)

    def helpers_running(self):
        """Pids of processes running this test's helper copy."""
        out = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.readlink("/proc/%s/exe" % pid) == self.helper:
                    out.append(int(pid))
            except OSError:
                pass
        return out

    def wait_no_helper(self, timeout=30):
        deadline = time.monotonic() + timeout
        while self.helpers_running() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.helpers_running()

    def cleanup(self):
        for pid in self.helpers_running():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self._tmp.cleanup()


__all__ = ["UserRun", "unavailable", "helper_binary", "NOBODY", "HELPER_GID", "USER",
           "TMDB_USER", "API_KEY", "ACCESS_TOKEN"]


# -- the protocol (module/helper_proto.h), for running the helper directly as its caller -------

import socket  # noqa: E402
import struct  # noqa: E402

HP_REQUEST, HP_CONV, HP_CONV_REPLY, HP_LOG, HP_RESULT, HP_TAKEN, HP_OUTCOME = 1, 2, 3, 4, 5, 6, 7
OP_AUTHENTICATE, OP_ACCOUNT, OP_LOGOUT, OP_FORGET = 1, 2, 3, 4
CLAIM, FORGET, REVOKE = 1, 2, 3      # the OUTCOME after TAKEN
VERSION = 2
ABSENT = 0xFFFFFFFF
PAM_TEXT_INFO, PAM_PROMPT_ECHO_ON = 4, 2


def frame(ftype, payload):
    return struct.pack(">IB", len(payload) + 1, ftype) + payload


def u32(v):
    return struct.pack(">I", v)


def string(s):
    if s is None:
        return u32(ABSENT)
    b = s.encode() if isinstance(s, str) else s
    return u32(len(b)) + b


def request(op=OP_AUTHENTICATE, user=USER, args=(), service="tmdb", flags=0, has_conv=1,
            tty=None, xdisplay=None, rhost=None, return_to=None, session=None, version=VERSION, enroll=None):
    p = u32(version) + u32(op) + u32(flags) + u32(has_conv)
    p += string(service) + string(user) + string(tty) + string(xdisplay) + string(rhost)
    p += string(return_to) + string(enroll) + u32(len(args)) + b"".join(string(a) for a in args)
    if session is None:
        p += u32(0)
    else:
        p += u32(1) + string(session["session_id"]) + string(str(session["account_id"]))
        p += string(session["username"]) + string(session.get("access_token"))
        p += string(session.get("account_object_id"))
    return frame(HP_REQUEST, p)


class Reader:
    def __init__(self, data):
        self.data, self.off = data, 0

    def u32(self):
        v = struct.unpack_from(">I", self.data, self.off)[0]
        self.off += 4
        return v

    def str(self):
        n = self.u32()
        if n == ABSENT:
            return None
        s = self.data[self.off:self.off + n].decode("utf-8", "replace")
        self.off += n
        return s


class DirectHelper:
    """The helper started by the test as its caller would: NOBODY, with the environment, argv
    and extra descriptors given; ``sock`` is the test's end."""

    def __init__(self, user_run, argv=None, env=None, pass_fds=(), stdin=None):
        self.sock, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        argv = [user_run.helper] if argv is None else argv
        self.proc = subprocess.Popen(argv, executable=user_run.helper,
                                     stdin=child if stdin is None else stdin,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env if env is not None else {}, pass_fds=pass_fds,
                                     **user_run.as_nobody())
        child.close()
        self.events = []

    def send(self, data):
        self.sock.sendall(data)

    def recv_frame(self, timeout=60):
        self.sock.settimeout(timeout)
        head = b""
        while len(head) < 5:
            chunk = self.sock.recv(5 - len(head))
            if not chunk:
                return None
            head += chunk
        n, ftype = struct.unpack(">IB", head)
        body = b""
        while len(body) < n - 1:
            chunk = self.sock.recv(n - 1 - len(body))
            if not chunk:
                return None
            body += chunk
        return ftype, body

    def converse(self, answer=None, take=True, timeout=60):
        """Reads frames until RESULT: LOG lines into events, CONV calls answered ("" or
        answer(text)); returns the result dict. With a session and take, sends TAKEN."""
        while True:
            f = self.recv_frame(timeout)
            if f is None:
                return None
            ftype, body = f
            r = Reader(body)
            if ftype == HP_LOG:
                self.events.append(("log", r.u32(), r.str()))
            elif ftype == HP_CONV:
                msgs = [(r.u32(), r.str()) for _ in range(r.u32())]
                self.events.append(("conv", msgs))
                reply = answer(msgs) if answer else ""
                self.send(frame(HP_CONV_REPLY, u32(0) + string(reply)))
            elif ftype == HP_RESULT:
                res = {"rc": r.u32(), "export_env": r.u32(), "forget": r.u32()}
                if r.u32():
                    res["session"] = {"session_id": r.str(), "account_id": int(r.str()),
                                      "username": r.str(), "access_token": r.str(),
                                      "account_object_id": r.str()}
                    if take:
                        self.send(frame(HP_TAKEN, u32(0)))
                return res
            else:
                raise AssertionError("unexpected frame type %d" % ftype)

    def outcome(self, what, timeout=60):
        """After TAKEN: tells the helper what became of the login (CLAIM, FORGET, REVOKE) and
        returns the rc of its RESULT (its LOG lines go to events), or None if it sent none."""
        self.send(frame(HP_OUTCOME, u32(what)))
        res = self.converse(timeout=timeout)
        return None if res is None else res["rc"]

    def logs(self):
        return [e[2] for e in self.events if e[0] == "log"]

    def convs(self):
        return [m for e in self.events if e[0] == "conv" for m in e[1]]

    def wait(self, timeout=60):
        try:
            rc = self.proc.wait(timeout=timeout)
        finally:
            self.sock.close()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc
