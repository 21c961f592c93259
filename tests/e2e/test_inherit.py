# SPDX-License-Identifier: BSD-3-Clause
"""What other programs inherit from a PAM transaction (SECURITY.md, "Descriptors"): su and
login start the user's shell while the transaction is alive, without closing descriptors, and
the module keeps its libcurl handle (and so its TLS connection to TMDb) for the whole
transaction and, pooled, after it. Every descriptor it or libcurl keeps must be close-on-exec.

The program started lists its own descriptors (`ls -l /proc/$$/fd` of the shell, as the
review that found the defect did); a socket there is the module's connection or libcurl's
wake-up socket pair."""

import json
import os
import pty
import re
import select
import socket
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import ssl
import sys

import pytest
from pathlib import Path

from test_tmdb_login import login_binary, login_cmd, login_env
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
    if os.environ.get("TMDB_SANITIZERS") == "yes":
        # (the in-process host test above runs the sanitizer build of the module in tmdb-host)
        return "a sanitizer build of the module cannot be loaded into su"
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


# -- tmdb-login: what another local user can see of a login in progress ----------------------

NOBODY = 65534

# Run as nobody while a login waits: every 20 ms, every process's arguments (readable by all
# users), and the files named on the command line; at end of stdin, one JSON line of all it saw.
SNOOP = r'''
import json, os, select, sys, time
seen, files = set(), {}
end = time.monotonic() + 180   # never outlives a test that failed without stopping it
def scan():
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    seen.add(f.read().replace(b"\0", b" ").decode("utf-8", "replace"))
            except OSError:
                pass
    for path in sys.argv[1:]:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                files[path] = f.read()
        except OSError as e:
            files.setdefault(path, None)
while True:
    scan()
    if select.select([0], [], [], 0.02)[0] or time.monotonic() > end:
        break
print(json.dumps({"cmdlines": sorted(seen), "files": files}))
'''


class Snoop:
    """Another local user (nobody) reading what it can while a login runs."""

    def __init__(self, *paths):
        if os.geteuid() != 0:
            pytest.skip("needs root to run a scan as another user")
        self.proc = subprocess.Popen([sys.executable, "-c", SNOOP] + [str(p) for p in paths],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     user=NOBODY, group=NOBODY, extra_groups=[], cwd="/")

    def files(self):
        """What it can read of the files now (one scan), leaving it running."""
        return self.result(stop=False)["files"]

    def result(self, stop=True):
        if not stop:
            one = subprocess.run([sys.executable, "-c", SNOOP] + self.proc.args[3:], input=b"",
                                 stdout=subprocess.PIPE, user=NOBODY, group=NOBODY,
                                 extra_groups=[], cwd="/", check=True)
            return json.loads(one.stdout)
        out, _ = self.proc.communicate(b"", timeout=30)
        return json.loads(out)


def secrets_of(url):
    """The request token, the return address and its secret path in an approval URL."""
    parts = urllib.parse.urlsplit(url)
    token = parts.path.rstrip("/").rsplit("/", 1)[-1]
    back = urllib.parse.parse_qs(parts.query)["redirect_to"][0]
    return token, back, urllib.parse.urlsplit(back).path


def test_approval_url_stands_in_no_process_arguments(pam, standin, tmp_path):
    """tmdb-login waits while its browser runs (and keeps running after it came back, as a
    browser does); nobody scans /proc/*/cmdline all along and tries the page the browser was
    given. It sees the browser, but no request token, no redirect_to, no secret path."""
    pam.conf["allow_return_to"] = "yes"
    pam.write()
    env = login_env(pam.dir, standin, "allow")
    env.update(FAKE_BROWSER_DELAY="1.5", FAKE_BROWSER_LINGER="3")
    snoop = Snoop()
    proc = subprocess.run(login_cmd(pam, ["--format", "json"]), stdin=subprocess.DEVNULL,
                          capture_output=True, env=env, timeout=120)
    log = pam.dir / "browser.log"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    url = next(e["url"] for e in entries if "url" in e)
    assert proc.returncode == 0, (proc.stderr, entries)
    # the browser is still running (LINGER): the scan goes on while it holds its arguments
    time.sleep(1)
    argv = next(e["argv"] for e in entries if "argv" in e)
    page = next((e for e in entries if "page" in e), {"page": "(none)"})
    seen = Snoop(page["page"], os.path.dirname(page["page"])).files()
    got = snoop.result()
    token, back, secret = secrets_of(url)
    assert any("fake_browser.py" in c and argv[0] in c for c in got["cmdlines"]), got
    for c in got["cmdlines"]:
        for s in (token, secret, back):
            assert s not in c, "%r in a process's arguments: %r" % (s, c)
        # (other logins may run on the machine at the same time: the word itself is looked
        # for only in this login's processes)
        if argv[0] in c or login_binary() in c:
            assert "redirect_to" not in c, c
    # the browser was given the page, which leads to the approval URL; no one else could read
    # it, and it is gone
    assert argv == ["file://" + page["page"]], entries
    assert (page["page_mode"], page["dir_mode"]) == ("0o600", "0o700"), page
    assert set(seen.values()) == {None}, seen
    assert not os.path.exists(os.path.dirname(page["page"])), "the page was not removed"
    # the URL is still on the user's own terminal (stderr)
    assert url in proc.stderr.decode()


def test_forged_denied_with_a_secret_others_could_read_does_not_end_the_login(
        pam, standin, tmp_path, request):
    """stderr goes to a log file everyone may read: the approval URL, and the return address's
    secret in it, are there for nobody to read. Nobody reads it (and every process's
    arguments), and sends the listener denied=true with the token and the secret. The login
    goes on (tmdb-login asks TMDb instead); the user approves; it succeeds."""
    pam.conf["allow_return_to"] = "yes"
    pam.write()
    shared = Path(tempfile.mkdtemp(prefix="tmdb-log-"))
    request.addfinalizer(lambda: shutil.rmtree(str(shared), ignore_errors=True))
    os.chmod(str(shared), 0o755)
    errlog = shared / "login.log"
    env = login_env(pam.dir, standin)               # no browser: the URL is only printed
    with open(str(errlog), "w") as err:
        os.chmod(str(errlog), 0o644)
        proc = subprocess.Popen(login_cmd(pam, ["--format", "json", "--poll-interval", "3600"]),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env)
    try:
        snoop = Snoop(errlog)
        deadline = time.monotonic() + 30
        url = None
        while url is None:
            assert time.monotonic() < deadline and proc.poll() is None, errlog.read_text()
            text = snoop.files()[str(errlog)] or ""
            m = re.search(r"^(https://\S+redirect_to=\S+)$", text, re.M)
            url = m.group(1) if m else None
            time.sleep(0.05)
        token, back, _ = secrets_of(url)
        asked = count(standin, "POST", SESSION_NEW)
        forged = subprocess.run(
            [sys.executable, "-c", "import sys, urllib.request as u\n"
             "try:\n  r = u.urlopen(sys.argv[1], timeout=15); print(r.status)\n"
             "except Exception as e:\n  print(getattr(e, 'code', e))",
             back + "?request_token=%s&denied=true" % token],
            stdout=subprocess.PIPE, text=True, user=NOBODY, group=NOBODY, extra_groups=[],
            cwd="/", timeout=30, env={"PATH": "/usr/bin:/bin", "no_proxy": "*"})
        # the listener took it (so the attack reached it), and tmdb-login asked TMDb, which
        # says "not approved yet": the wait goes on
        assert forged.stdout.strip() == "200", forged.stdout
        deadline = time.monotonic() + 30
        while count(standin, "POST", SESSION_NEW) == asked:
            assert time.monotonic() < deadline and proc.poll() is None, errlog.read_text()
            time.sleep(0.05)
        time.sleep(0.5)
        assert proc.poll() is None, errlog.read_text()
        # the user approves, and presses Enter
        assert approve(standin, url, "alice") == 200
        out, _ = proc.communicate(b"\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = errlog.read_text()
    assert proc.returncode == 0, text
    assert json.loads(out)["TMDB_ACCOUNT_USERNAME"] == "alice"
    assert "denied in the browser" not in text
    assert "a denied return may be forged, so TMDb is asked" in text, text
    snoop.result()


def test_exec_command_and_browser_get_only_standard_descriptors(pam, standin, tmp_path):
    """tmdb-login --exec: the command lists its descriptors: 0, 1 and 2, not the module's
    connection, libcurl's socket pair, the listener, nor a descriptor tmdb-login itself was
    given (a pipe here). The browser (fake_browser.py) lists its own: the same."""
    pam.conf["allow_return_to"] = "yes"
    pam.write()
    env = login_env(pam.dir, standin, "allow")
    r, w = os.pipe()
    try:
        proc = subprocess.run(login_cmd(pam, ["--exec", "sh", "-c", "ls -l /proc/$$/fd"]),
                              stdin=subprocess.DEVNULL, capture_output=True, env=env,
                              timeout=120, pass_fds=(w,))
    finally:
        os.close(r)
        os.close(w)
    assert proc.returncode == 0, proc.stderr
    fds = {}
    for line in proc.stdout.decode().splitlines():
        m = re.search(r" (\d+) -> (.*)$", line)
        if m:
            fds[int(m.group(1))] = m.group(2)
    assert sorted(fds) == [0, 1, 2], fds
    entries = [json.loads(line) for line in (pam.dir / "browser.log").read_text().splitlines()]
    browser_fds = next(e["fds"] for e in entries if "fds" in e)
    assert sorted(browser_fds) == ["0", "1", "2"], browser_fds
    assert set(browser_fds.values()) == {"/dev/null"}, browser_fds


def test_a_flood_of_connections_is_told_once(pam, standin):
    """Anyone may connect to the listener's port. 40 connections that send nothing (more than
    it reads at once: the oldest are dropped) and 20 refused requests: one line for the drops,
    at most 8 refused lines and one more, not one line per connection; the login still
    succeeds."""
    pam.conf["allow_return_to"] = "yes"
    pam.write()
    env = login_env(pam.dir, standin)                   # no browser
    proc = subprocess.Popen(login_cmd(pam, ["--format", "json", "--poll-interval", "3600"]),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    err = []
    reader = threading.Thread(target=lambda: err.extend(iter(proc.stderr.readline, b"")))
    reader.start()
    held = []
    try:
        deadline = time.monotonic() + 30
        url = None
        while url is None:
            assert time.monotonic() < deadline, b"".join(err)
            m = re.search(r"^(https://\S+redirect_to=\S+)$",
                          b"".join(err).decode("utf-8", "replace"), re.M)
            url = m.group(1) if m else None
            time.sleep(0.05)
        token, back, path = secrets_of(url)
        port = urllib.parse.urlsplit(back).port
        for _ in range(40):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(b"GET /nothing HTTP/1.1\r\n\r\n")
                s.recv(4096)
        assert approve(standin, url, "alice") == 200
        out, _ = proc.communicate(b"\n", timeout=60)
    finally:
        for s in held:
            s.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=10)
    text = b"".join(err).decode("utf-8", "replace")
    assert proc.returncode == 0 and json.loads(out)["TMDB_ACCOUNT_USERNAME"] == "alice", text
    assert text.count("too many connections at once") == 1, text
    assert text.count("return address: refused a request") == 8, text
    assert text.count("refused more requests; no further ones are told") == 1, text
