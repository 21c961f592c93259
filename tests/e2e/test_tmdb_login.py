# SPDX-License-Identifier: BSD-3-Clause
"""tmdb-login (login/, man/tmdb-login.1): the installed program that runs the TMDb login
through PAM for the user, through the real libpam, pam_tmdb.so and the stand-in.

The browser is tests/e2e/fake_browser.py given as $BROWSER (with a DISPLAY, since tmdb-login
opens a browser only for a desktop session): it approves or denies on the stand-in's page and
comes back to the return address in the approval URL's redirect_to, as TMDb sends a browser
back. The module takes the return address only with allow_return_to=yes."""

import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from pamhost import _wrapper_prefix, builddir
from standin import Standin
from tmdbpam import ALICE_ID, TEST_ACCOUNT, PamEnv, count

HERE = Path(__file__).resolve().parent
FAKE_BROWSER = HERE / "fake_browser.py"
SESSION_NEW = "/3/authentication/session/new"
SESSION_DELETE = "/3/authentication/session"

# the exit statuses of tmdb-login(1)
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_CONFIG, EXIT_NO_ANSWER = 0, 1, 2, 3, 4, 5

SESSION_RE = re.compile(r"^[0-9a-f]{40}$")


def login_binary():
    p = Path(os.environ.get("TMDB_LOGIN") or Path(builddir()) / "login" / "tmdb-login")
    if not p.is_file():
        pytest.skip("tmdb-login not built (%s)" % p)
    return str(p)


class Login:
    def __init__(self, proc_rc, stdout, stderr, browser_log):
        self.rc = proc_rc
        self.stdout = stdout
        self.stderr = stderr
        self.browser_log = browser_log

    def browser(self):
        """The fake browser's log entries so far."""
        if not self.browser_log.exists():
            return []
        return [json.loads(line) for line in self.browser_log.read_text().splitlines()]

    def browser_step(self, step, timeout=60):
        """The browser's entry for step: it runs detached and may still be finishing."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.browser():
                if e.get("step") == step:
                    return e
            assert time.monotonic() < deadline, "no browser step %r:\n%s" % (step, self.dump())
            time.sleep(0.05)

    def url(self):
        return next(e["url"] for e in self.browser() if "url" in e)

    def dump(self):
        return "rc=%r\n--- stdout\n%s\n--- stderr\n%s\n--- browser\n%s" % (
            self.rc, self.stdout, self.stderr, self.browser())


def login_env(tmp_path, standin, browser=None, user="alice", probes=False):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER") and not k.startswith("TMDB_")}
    env["FAKE_BROWSER_LOG"] = str(tmp_path / "browser.log")
    if browser is not None:
        env["DISPLAY"] = ":tmdb-login-test"
        env["BROWSER"] = "/usr/bin/python3 '%s'" % FAKE_BROWSER
        env["FAKE_BROWSER_ACTION"] = browser
        env["FAKE_BROWSER_USER"] = user
        env["FAKE_BROWSER_CAFILE"] = standin.cafile or ""
        env["FAKE_BROWSER_STANDIN"] = standin.url
        env["FAKE_BROWSER_PROBES"] = "1" if probes else "0"
    return env


def login_cmd(pam, args, user="alice"):
    return _wrapper_prefix(None) + [login_binary(), "--confdir", str(pam.service_dir),
                                    "--service", pam.service, "--user", user] + list(args)


def run_login(pam, *args, browser="allow", approve_as="alice", probes=False, user="alice",
              stdin=b"", timeout=120, return_to=True):
    """Writes the service and runs tmdb-login with the fake browser (browser=None: none)."""
    if return_to:
        pam.conf["allow_return_to"] = "yes"
    pam.write()
    env = login_env(pam.dir, pam.standin, browser, approve_as, probes)
    proc = subprocess.run(login_cmd(pam, args, user), input=stdin, capture_output=True,
                          env=env, timeout=timeout)
    return Login(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                 proc.stderr.decode("utf-8", "replace"), pam.dir / "browser.log")


def live(standin, user="alice"):
    return standin.live_sessions_of(user)


def sh_eval(text, names, cwd=None):
    """Evaluates text in sh and prints the variables: what a script using eval sees."""
    script = 'eval "$1"; ' + "; ".join('printf "%%s\\n" "$%s"' % n for n in names)
    out = subprocess.run(["sh", "-c", script, "sh", text], capture_output=True, text=True,
                         check=True, cwd=cwd)
    return dict(zip(names, out.stdout.split("\n")))


# -- output formats -------------------------------------------------------------------------


def test_shell_format_is_eval_safe_and_gives_the_session(pam, standin):
    before = live(standin)
    r = run_login(pam, "--format", "shell")
    assert r.rc == EXIT_OK, r.dump()
    got = sh_eval(r.stdout, ["TMDB_SESSION_ID", "TMDB_ACCOUNT_ID", "TMDB_ACCOUNT_USERNAME"])
    assert SESSION_RE.match(got["TMDB_SESSION_ID"]), r.dump()
    assert got["TMDB_ACCOUNT_ID"] == str(ALICE_ID)
    assert got["TMDB_ACCOUNT_USERNAME"] == "alice"
    for line in r.stdout.splitlines():
        assert re.match(r"^export TMDB_[A-Z_]+='[^']*'$", line), line
    # the session is the caller's now: alive on TMDb, and never on stderr
    assert live(standin) == before + 1
    assert got["TMDB_SESSION_ID"] not in r.stderr
    # the browser came back approved and was told to return to the application
    back = r.browser_step("return")
    assert back["status"] == 200 and "You can return to the application" in back["body"], r.dump()
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(r.url()).query)["redirect_to"][0].startswith(
        "http://127.0.0.1:")


def test_shell_quoting_survives_any_username(tmp_path, tls):
    """The values are server text: a username with quotes, $, ; and backquotes stays one
    literal value when the output is eval'd."""
    name = "x'$(touch pwned);`touch pwned2`\"y"
    server = Standin(tls=tls, args=["--account", "777001:%s:pw:Odd" % name])
    try:
        pam = PamEnv(tmp_path, server)
        pam.conf["account_match"] = "any"
        r = run_login(pam, "--format", "shell", approve_as=name)
        assert r.rc == EXIT_OK, r.dump()
        got = sh_eval(r.stdout, ["TMDB_ACCOUNT_USERNAME", "TMDB_ACCOUNT_ID"], cwd=tmp_path)
    finally:
        server.stop()
    assert got == {"TMDB_ACCOUNT_USERNAME": name, "TMDB_ACCOUNT_ID": "777001"}
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_json_format_parses(pam, standin):
    r = run_login(pam, "--format", "json")
    assert r.rc == EXIT_OK, r.dump()
    obj = json.loads(r.stdout)
    assert SESSION_RE.match(obj["TMDB_SESSION_ID"])
    assert obj["TMDB_ACCOUNT_ID"] == str(ALICE_ID)
    assert obj["TMDB_ACCOUNT_USERNAME"] == "alice"
    assert r.stdout.count("\n") == 1


def test_env_format_lines(pam, standin):
    r = run_login(pam, "--format", "env")
    assert r.rc == EXIT_OK, r.dump()
    pairs = dict(line.split("=", 1) for line in r.stdout.splitlines())
    assert set(pairs) == {"TMDB_SESSION_ID", "TMDB_ACCOUNT_ID", "TMDB_ACCOUNT_USERNAME"}
    assert SESSION_RE.match(pairs["TMDB_SESSION_ID"])
    assert pairs["TMDB_ACCOUNT_USERNAME"] == "alice"


def test_shell_is_the_default_when_stdout_is_not_a_terminal(pam, standin):
    r = run_login(pam)
    assert r.rc == EXIT_OK, r.dump()
    assert SESSION_RE.match(sh_eval(r.stdout, ["TMDB_SESSION_ID"])["TMDB_SESSION_ID"]), r.dump()


def test_terminal_without_format_shows_no_session_id(pam, standin):
    """On a terminal, without --format, nothing secret is printed; stderr says how to get it."""
    pam.conf["allow_return_to"] = "yes"
    pam.write()
    env = login_env(pam.dir, standin, "allow")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(login_cmd(pam, []), stdin=subprocess.DEVNULL, stdout=slave,
                                stderr=subprocess.PIPE, env=env)
        os.close(slave)
        slave = None
        shown = b""
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            assert ready, "no output on the terminal within 120 s"
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other end closed
                break
            if not chunk:
                break
            shown += chunk
        _, err = proc.communicate(timeout=120)
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)
    err = err.decode("utf-8", "replace")
    assert proc.returncode == EXIT_OK, err
    sessions = [s["session_id"] for s in standin.sessions() if s.get("session_id")]
    assert sessions
    for sid in sessions:
        assert sid.encode() not in shown and sid not in err
    assert shown == b""
    assert "--format" in err and "signed in as TMDb account alice" in err


# -- --exec ----------------------------------------------------------------------------------


def test_exec_gets_the_variables_and_the_session_is_deleted_after(pam, standin, tmp_path):
    out = tmp_path / "seen"
    before = live(standin)
    r = run_login(pam, "--exec", "sh", "-c",
                  'env | grep "^TMDB_" | sort > "$0"; echo "live=$TMDB_SESSION_ID"', str(out))
    assert r.rc == EXIT_OK, r.dump()
    seen = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert set(seen) == {"TMDB_SESSION_ID", "TMDB_ACCOUNT_ID", "TMDB_ACCOUNT_USERNAME"}, seen
    assert SESSION_RE.match(seen["TMDB_SESSION_ID"])
    assert seen["TMDB_ACCOUNT_USERNAME"] == "alice"
    # the command's stdout is its own; tmdb-login printed nothing there
    assert r.stdout == "live=%s\n" % seen["TMDB_SESSION_ID"]
    # close_session deleted it on TMDb
    assert live(standin) == before
    assert count(standin, "DELETE", SESSION_DELETE) == 1


def test_exec_keep_leaves_the_session_alive(pam, standin):
    before = live(standin)
    r = run_login(pam, "--keep", "--exec", "true")
    assert r.rc == EXIT_OK, r.dump()
    assert live(standin) == before + 1
    assert count(standin, "DELETE", SESSION_DELETE) == 0


@pytest.mark.parametrize("cmd,status", [
    (["sh", "-c", "exit 7"], 7),
    (["sh", "-c", "kill -TERM $$"], 128 + 15),
    (["/nonexistent/tmdb-login-test-command"], 127),
])
def test_exec_status_is_the_commands(pam, standin, cmd, status):
    before = live(standin)
    r = run_login(pam, "--exec", *cmd)
    assert r.rc == status, r.dump()
    # whatever way the command ended, the session was closed
    assert live(standin) == before


def test_listener_is_closed_once_the_login_is_done(pam, standin, tmp_path):
    """The command runs after pam_authenticate: the return address refuses connections."""
    probe = ("import json,os,socket,urllib.parse\n"
             "u=[json.loads(l)['url'] for l in open(os.environ['FAKE_BROWSER_LOG']) if 'url' in l][0]\n"
             "b=urllib.parse.urlsplit(urllib.parse.parse_qs(urllib.parse.urlsplit(u).query)['redirect_to'][0])\n"
             "try:\n socket.create_connection((b.hostname,b.port),timeout=10); print('open')\n"
             "except ConnectionRefusedError: print('refused')\n")
    r = run_login(pam, "--exec", "/usr/bin/python3", "-c", probe)
    assert r.rc == EXIT_OK, r.dump()
    assert r.stdout == "refused\n", r.dump()


# -- exit statuses ---------------------------------------------------------------------------


def test_denied_in_the_browser_ends_the_login_at_once(pam, standin):
    """The denial comes back through the listener: refused without waiting for any timer and
    without asking TMDb for a session."""
    before = live(standin)
    r = run_login(pam, "--poll-interval", "3600", "--format", "shell", browser="deny")
    assert r.rc == EXIT_REFUSED, r.dump()
    assert r.stdout == ""
    assert count(standin, "POST", SESSION_NEW) + count(standin, "GET", SESSION_NEW) == 0
    assert live(standin) == before
    back = r.browser_step("return")
    assert back["status"] == 200 and "Login denied" in back["body"]
    assert "denied in the browser" in r.stderr


def test_wrong_account_is_refused(pam, standin):
    r = run_login(pam, "--format", "shell", approve_as=TEST_ACCOUNT)
    assert r.rc == EXIT_REFUSED, r.dump()
    assert r.stdout == ""


def test_standin_down_is_unreachable(pam, standin):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pam.conf["api_url"] = "https://localhost:%d" % port
    r = run_login(pam, "--format", "shell", browser=None)
    assert r.rc == EXIT_UNREACHABLE, r.dump()
    assert r.stdout == ""


def test_bad_configuration_is_a_config_error(pam, standin):
    pam.conf["no_such_key"] = "1"
    r = run_login(pam, "--format", "shell", browser=None)
    assert r.rc == EXIT_CONFIG, r.dump()
    assert count(standin, "GET", "/3/authentication/token/new") == 0


def test_service_with_a_missing_module_is_a_config_error(pam, standin):
    pam.lines = ["auth required %s/no-such-module.so" % pam.dir, "account required %s/no-such-module.so" % pam.dir]
    r = run_login(pam, "--format", "json", browser=None)
    assert r.rc == EXIT_CONFIG, r.dump()
    assert r.stdout == ""


def test_missing_service_file_is_refused_by_name(pam, standin):
    """No service file: libpam would fall back to "other", which on most systems asks for the
    Unix password; tmdb-login refuses instead (exit 4) and names the file to create. The
    "other" service here prompts, so a fallback would show up as a prompt on stdin."""
    from pamhost import security_module, write_service
    pam.write()
    os.unlink(str(pam.service_dir / pam.service))
    write_service(str(pam.service_dir), "other", ["auth required %s" % security_module("pam_unix.so"),
                                                  "account required %s" % security_module("pam_permit.so")])
    env = login_env(pam.dir, pam.standin)
    proc = subprocess.run(login_cmd(pam, ["--format", "shell"]), input=b"password\n", capture_output=True,
                          env=env, timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == EXIT_CONFIG, err
    assert "the PAM service %s does not exist: create %s" % (pam.service, pam.service_dir / pam.service) in err
    assert "Password" not in err and proc.stdout == b""
    assert standin.requests() == []


def test_end_of_input_at_another_modules_prompt_is_no_answer(pam, standin):
    """tmdb-login(1): end of input at a prompt is exit 5, whatever code the module made of it
    (pam_unix turns the failed conversation into PAM_AUTHTOK_ERR)."""
    from pamhost import security_module
    pam.lines = ["auth required %s" % security_module("pam_unix.so"),
                 "account required %s" % security_module("pam_permit.so")]
    r = run_login(pam, "--format", "shell", browser=None, user="root", return_to=False)
    assert r.rc == EXIT_NO_ANSWER, r.dump()
    assert "Password:" in r.stderr and "no answer (end of input)" in r.stderr, r.dump()


def test_tls_trust_failure_is_a_config_error(pam, standin, tls):
    """The wrong CA is a configuration error (exit 4, "see the system log"), not "try again"."""
    pam.conf["cafile"] = str(tls.untrusted_ca_cert)
    r = run_login(pam, "--format", "shell", browser=None)
    assert r.rc == EXIT_CONFIG, r.dump()
    assert "not configured correctly" in r.stderr and "Try again later" not in r.stderr, r.dump()


@pytest.mark.parametrize("args", [
    ["--format", "xml"],
    ["--keep"],
    ["--exec"],
    ["--format", "json", "--exec", "true"],
    ["--poll-interval", "0"],
    ["--timeout", "soon"],
    ["--no-such-option"],
    ["stray-argument"],
])
def test_usage_errors(pam, standin, args):
    r = run_login(pam, *args, browser=None)
    assert r.rc == EXIT_USAGE, r.dump()
    assert "Try 'tmdb-login --help'" in r.stderr
    assert standin.requests() == []


def test_no_answer_when_stdin_ends_at_a_plain_prompt(pam, standin):
    """Without a return address the module's prompt wants Enter; at end of input tmdb-login
    gives no answer rather than a pretended Enter."""
    r = run_login(pam, "--no-browser", "--format", "shell", browser=None, return_to=False)
    assert r.rc == EXIT_NO_ANSWER, r.dump()
    assert "no answer" in r.stderr


# -- the conversation without a return address ----------------------------------------------


def test_enter_on_stdin_without_browser_or_return_address(pam, standin):
    """allow_return_to=no (the default): the module ignores the return address and asks the
    user to press Enter; tmdb-login passes the typed Enter on."""
    pam.write()
    env = login_env(pam.dir, standin, None)
    env["DISPLAY"] = ":tmdb-login-test"   # --no-browser wins even with a desktop
    env["BROWSER"] = "/bin/false"
    proc = subprocess.Popen(login_cmd(pam, ["--no-browser", "--format", "json"]),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    try:
        url = None
        seen = b""
        while url is None:
            line = proc.stderr.readline()
            assert line, "tmdb-login ended before showing a URL:\n%s" % seen.decode()
            seen += line
            if line.startswith(b"https://"):
                url = line.decode().strip()
        assert "redirect_to" not in url
        token = urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        standin.approve(token, "alice")
        out, err = proc.communicate(b"\n", timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == EXIT_OK, (seen + err).decode()
    assert json.loads(out)["TMDB_ACCOUNT_USERNAME"] == "alice"
    assert b"opened the approval page" not in seen + err


# -- the listener ----------------------------------------------------------------------------


def test_malformed_returns_are_refused_and_the_wait_goes_on(pam, standin):
    """Wrong path, no token, a token not this login's, POST, an oversized request and bytes
    that are no HTTP: each gets its 4xx, none ends the wait (the poll timer is an hour), and
    the real return afterwards signs the user in."""
    r = run_login(pam, "--poll-interval", "3600", "--format", "json", probes=True)
    assert r.rc == EXIT_OK, r.dump()
    probes = {e["probe"]: e["status"] for e in r.browser() if "probe" in e}
    assert probes == {"wrong_path": 404, "missing_token": 400, "wrong_token": 400, "post": 405,
                      "oversized": 431, "not_http": 400}, r.dump()
    assert r.browser_step("return")["status"] == 200
    assert r.stderr.count("return address: refused a request") == 6, r.dump()
    # none of them made the module ask TMDb before the approval
    assert count(standin, "POST", SESSION_NEW) + count(standin, "GET", SESSION_NEW) == 1


def test_forged_return_does_not_sign_in(pam, standin):
    """A well-formed approved=true before the user approved: the module asks TMDb, hears
    "not yet" and waits on; the real approval then signs the user in."""
    r = run_login(pam, "--poll-interval", "3600", "--format", "json", browser="forge")
    assert r.rc == EXIT_OK, r.dump()
    steps = [e["step"] for e in r.browser() if "step" in e]
    assert steps[:3] == ["forged_return", "module_asked", "allow"], r.dump()
    assert r.browser_step("forged_return")["status"] == 200
    assert r.browser_step("return")["status"] == 200
    assert count(standin, "POST", SESSION_NEW) + count(standin, "GET", SESSION_NEW) == 2
    assert json.loads(r.stdout)["TMDB_ACCOUNT_USERNAME"] == "alice"


def test_listener_closes_at_its_timeout_and_the_wait_goes_on(pam, standin):
    """--timeout 1: the return address closes (said on stderr) while the user has not
    approved; the poll timer still answers, until the module's approval_timeout refuses."""
    pam.conf["approval_timeout"] = "4"
    r = run_login(pam, "--timeout", "1", "--poll-interval", "1", "--format", "json", browser="none")
    assert r.rc == EXIT_REFUSED, r.dump()
    assert "return address closed after 1 s (--timeout)" in r.stderr, r.dump()
    # with no browser coming back, the poll timer made the module ask TMDb
    assert count(standin, "POST", SESSION_NEW) + count(standin, "GET", SESSION_NEW) >= 1, r.dump()
    assert r.stdout == ""


# -- installation ----------------------------------------------------------------------------


def test_make_install_installs_program_and_manual(tmp_path):
    build = Path(builddir())
    if not (build / "Makefile").is_file():
        pytest.skip("no configured build tree at %s" % build)
    dest = tmp_path / "dest"
    proc = subprocess.run(["make", "-s", "-C", str(build), "install",
                           "DESTDIR=%s" % dest], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    progs = list(dest.glob("**/bin/tmdb-login"))
    mans = list(dest.glob("**/man1/tmdb-login.1"))
    assert len(progs) == 1 and os.access(progs[0], os.X_OK), list(dest.rglob("*"))
    assert len(mans) == 1 and '.SH "EXIT STATUS"' in mans[0].read_text()
    assert subprocess.run([str(progs[0]), "--version"], capture_output=True).returncode == 0


# -- --ipv6 ----------------------------------------------------------------------------------


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_ipv6_listener_is_the_return_address_and_the_login_succeeds(pam, standin):
    """--ipv6: the return address is on [::1]; the browser comes back there approved."""
    if not have_ipv6_loopback():
        pytest.skip("no IPv6 loopback (::1) on this machine")
    before = live(standin)
    r = run_login(pam, "--ipv6", "--poll-interval", "3600", "--format", "json")
    assert r.rc == EXIT_OK, r.dump()
    redirect = urllib.parse.parse_qs(urllib.parse.urlsplit(r.url()).query)["redirect_to"][0]
    back = urllib.parse.urlsplit(redirect)
    assert back.scheme == "http" and back.netloc.startswith("[::1]:") and back.port, redirect
    assert re.fullmatch(r"/tmdb-login/[0-9a-f]{32}", back.path), redirect
    # the poll timer is an hour: only the return through [::1] can have ended the wait
    ret = r.browser_step("return")
    assert ret["status"] == 200 and "You can return to the application" in ret["body"], r.dump()
    assert json.loads(r.stdout)["TMDB_ACCOUNT_USERNAME"] == "alice"
    assert live(standin) == before + 1


# -- --exec: signals -------------------------------------------------------------------------

# The command: blocks SIGTERM, writes "PID SESSION_ID" to argv[1], waits for SIGTERM and
# writes "SIGNO SENDER_PID" to argv[1].sig, then dies of it (the default action).
SIGNAL_RECORDER = """\
import os, signal, sys
out = sys.argv[1]
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
with open(out + ".tmp", "w") as f:
    f.write("%d %s" % (os.getpid(), os.environ["TMDB_SESSION_ID"]))
os.rename(out + ".tmp", out)
info = signal.sigwaitinfo({signal.SIGTERM})
with open(out + ".sig.tmp", "w") as f:
    f.write("%d %d" % (info.si_signo, info.si_pid))
os.rename(out + ".sig.tmp", out + ".sig")
signal.signal(signal.SIGTERM, signal.SIG_DFL)
os.kill(os.getpid(), signal.SIGTERM)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
"""


@pytest.mark.parametrize("keep", [False, True])
def test_exec_forwards_sigterm_and_then_closes_the_session(pam, standin, tmp_path, keep):
    """SIGTERM sent to tmdb-login reaches the command (sent by tmdb-login); tmdb-login exits
    with 128+15 as the command did, and deletes the TMDb session after the command ended
    (unless --keep)."""
    record = tmp_path / "command"
    pam.conf["allow_return_to"] = "yes"
    pam.write()
    env = login_env(pam.dir, standin, "allow")
    before = live(standin)
    args = (["--keep"] if keep else []) + ["--exec", "/usr/bin/python3", "-c", SIGNAL_RECORDER, str(record)]
    proc = subprocess.Popen(login_cmd(pam, args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    command_pid = None
    try:
        deadline = time.monotonic() + 120
        while not record.exists():
            assert proc.poll() is None, "tmdb-login ended (%r) before the command ran:\n%s" % (
                proc.returncode, proc.stderr.read().decode("utf-8", "replace"))
            assert time.monotonic() < deadline, "the command did not start within 120 s"
            time.sleep(0.05)
        command_pid, sid = record.read_text().split()
        # the command runs with the session, which is live at the stand-in meanwhile
        assert SESSION_RE.match(sid)
        assert live(standin) == before + 1
        assert count(standin, "DELETE", SESSION_DELETE) == 0
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        # a command that never got the signal waits for it forever
        if command_pid is not None and not (tmp_path / "command.sig").exists():
            try:
                os.kill(int(command_pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
    err = err.decode("utf-8", "replace")
    signo, sender = (int(x) for x in (tmp_path / "command.sig").read_text().split())
    assert signo == signal.SIGTERM
    assert sender == proc.pid, "the SIGTERM came from pid %d, not tmdb-login (%d)" % (sender, proc.pid)
    assert int(command_pid) != proc.pid
    # tmdb-login(1): with --exec, 128+N when the command was ended by signal N
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert out == b""
    revoked = {s["session_id"]: s["revoked"] for s in standin.sessions() if s.get("session_id")}
    if keep:
        assert live(standin) == before + 1, err
        assert count(standin, "DELETE", SESSION_DELETE) == 0
        assert revoked[sid] is False
    else:
        # pam_close_session ran after the command ended: the session is deleted on TMDb
        assert live(standin) == before, err
        assert count(standin, "DELETE", SESSION_DELETE) == 1
        assert revoked[sid] is True
