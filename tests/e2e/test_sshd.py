# SPDX-License-Identifier: BSD-3-Clause
"""pam_tmdb under a real OpenSSH sshd (pam_tmdb(8) EXAMPLES "OpenSSH", CONVERSATION).

One sshd per test module (tests/e2e/sshd.py: its own mount namespace with a private
/etc/pam.d/sshd, a passwd copy holding the login user, keyboard-interactive only); the client is
paramiko. The module reads its configuration at every entry point, so each test writes the
settings it needs into the one configuration file the sshd's PAM stack names.

Skipped unless root, with openssh-server and python3-paramiko; skipped in the sanitizer and
valgrind phases (the module is then not loadable into sshd, or sshd is not wrapped).
"""

import os
import re
import signal
import subprocess
import time
from urllib.parse import urlparse

import pytest

import sshd as sshd_mod
from pamhost import builddir, security_module, write_private
from tmdbpam import API_KEY, module_path

why = sshd_mod.unavailable()
pytestmark = pytest.mark.skipif(why is not None, reason=why or "")

USER, UID = "sshalice", 4711          # a local user, bound to the stand-in's "alice"
INTRO = "To sign in, approve this login with your TMDb account in a browser:"
PROMPT = "Press Enter once you have approved it: "
URL_LINE = re.compile(r"^https://\S+/authenticate/([0-9A-Za-z]+)$")


class Rig:
    def __init__(self, tmp, standin):
        self.standin = standin
        self.conf_path = os.path.join(tmp, "pam_tmdb.conf")
        self.user_map = write_private(os.path.join(tmp, "pam_tmdb.users"), "%s alice\n" % USER)
        # the journal of live sessions (pam_tmdb(8) SESSION JOURNAL), never the system's
        self.state_dir = os.path.join(tmp, "state")
        os.mkdir(self.state_dir, 0o700)
        self.configure()
        mod = "%s conf=%s" % (module_path(), self.conf_path)
        self.lines = lines = ["auth     required  %s" % mod,
                 "account  required  %s" % mod,
                 "account  required  %s" % security_module("pam_permit.so"),
                 "session  optional  %s" % mod,
                 "session  required  %s" % security_module("pam_permit.so"),
                 "password required  %s" % security_module("pam_deny.so")]
        self.sshd = sshd_mod.Sshd(os.path.join(tmp, "sshd"), lines, {USER: UID})

    def configure(self, **keys):
        conf = {"api_key": API_KEY, "api_url": self.standin.url, "cafile": self.standin.cafile,
                "user_map": self.user_map, "approval_timeout": "60", "state_dir": self.state_dir}
        conf.update({k: str(v) for k, v in keys.items()})
        write_private(self.conf_path, "".join("%s = %s\n" % kv for kv in conf.items()))

    def login(self, on_round=None, **kw):
        return sshd_mod.Login(self.sshd.port, USER, on_round, **kw)

    def approver(self, action="approve"):
        """A keyboard-interactive handler that approves (or denies) the URL of the round it
        appears in through the stand-in's control API, as the user's browser would, and then
        presses Enter."""
        def on_round(login, rnd):
            for text in rnd.texts():
                for line in text.split("\n"):
                    m = URL_LINE.match(line)
                    if m:
                        if action == "approve":
                            self.standin.approve(m.group(1), "alice")
                        else:
                            self.standin.deny(m.group(1))
            return None
        return on_round


@pytest.fixture(scope="module")
def rig(tmp_path_factory, _standin_https_server):
    tmp = str(tmp_path_factory.mktemp("sshd-rig"))
    os.chmod(tmp, 0o755)
    r = Rig(tmp, _standin_https_server)
    yield r
    r.sshd.stop()


@pytest.fixture
def ssh(rig, standin):
    """The rig with a fresh stand-in (reset) and the default settings."""
    rig.configure()
    rig.sshd.write_pam(rig.lines)
    yield rig
    assert rig.sshd.proc.poll() is None, "sshd died:\n" + rig.sshd.log()
    # every connection of the test has ended (its PAM session closed) before the next test
    assert rig.sshd.wait_for_connections_to_end(), rig.sshd.processes()


def live(standin):
    return standin.live_sessions_of("alice")


def wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def gone_or_zombie(pid):
    """The process has exited (reaped, or a zombie); it may vanish while it is looked at."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def session_is_live(standin, sid):
    status, _, _ = standin.api("GET", "/3/account", params={"session_id": sid})
    return status == 200


def url_lines(rnd):
    return [line for text in rnd.texts() for line in text.split("\n") if URL_LINE.match(line)]


def requests_count(standin, key):
    return standin.stats()["requests"].get(key, 0)


def test_url_and_prompt_arrive_in_one_round_on_its_own_line(ssh):
    login = ssh.login(ssh.approver())
    try:
        assert login.ok, login.dump() + "\n" + ssh.sshd.log()[-3000:]
        first = login.rounds[0]
        assert len(first.prompts) == 1, login.dump()
        text, echo = first.prompts[0]
        lines = text.split("\n")
        # sshd puts the PAM_TEXT_INFO before the prompt of the same conversation call, in
        # the one keyboard-interactive request: intro, the URL alone, the prompt
        assert lines == [INTRO, lines[1], PROMPT], login.dump()
        assert URL_LINE.match(lines[1]), login.dump()
        assert echo is True, "PAM_PROMPT_ECHO_ON"
        host = urlparse(lines[1]).hostname
        assert host == "localhost", lines[1]
        # no round before the one with the URL, and the URL only once
        assert sum(len(url_lines(r)) for r in login.rounds) == 1, login.dump()
    finally:
        login.close()


def test_login_exports_the_session_and_logout_deletes_it(ssh):
    standin = ssh.standin
    before = live(standin)
    login = ssh.login(ssh.approver())
    try:
        assert login.ok, login.dump() + "\n" + ssh.sshd.log()[-3000:]
        status, out, err = login.run('printf "%s\\n" "$TMDB_SESSION_ID" "$TMDB_ACCOUNT_USERNAME" "$TMDB_ACCOUNT_ID"; id -un')
        assert status == 0, (out, err)
        sid, username, account_id, whoami = out.split("\n")[:4]
        assert sid and username == "alice" and account_id == "1001" and whoami == USER, out
        assert session_is_live(standin, sid)
        assert live(standin) == before + 1
    finally:
        login.close()
    assert ssh.sshd.wait_for_connections_to_end(), ssh.sshd.processes()
    assert wait_for(lambda: live(standin) == before), (live(standin), before)
    assert not session_is_live(standin, sid)
    assert requests_count(standin, "DELETE /3/authentication/session") == 1


def test_overlapping_logins_of_one_user_do_not_disturb_each_other(ssh):
    standin = ssh.standin
    before = live(standin)
    a = ssh.login(ssh.approver())
    b = ssh.login(ssh.approver())
    try:
        assert a.ok and b.ok, a.dump() + b.dump()
        sid_a = a.run("echo $TMDB_SESSION_ID")[1].strip()
        sid_b = b.run("echo $TMDB_SESSION_ID")[1].strip()
        assert sid_a and sid_b and sid_a != sid_b, (sid_a, sid_b)
        assert live(standin) == before + 2
        a.close()
        assert wait_for(lambda: live(standin) == before + 1), live(standin)
        assert not session_is_live(standin, sid_a)
        assert session_is_live(standin, sid_b), "closing the first login ended the second's session"
        # the second login goes on: a new command in it still has its own session
        assert b.run("echo $TMDB_SESSION_ID")[1].strip() == sid_b
    finally:
        a.close()
        b.close()
    assert ssh.sshd.wait_for_connections_to_end(), ssh.sshd.processes()
    assert wait_for(lambda: live(standin) == before), live(standin)


def test_denied_approval_fails_within_the_prompt_budget(ssh):
    """The browser denies; the user presses Enter at every prompt: after max_prompts=3 answers
    the login fails, far inside approval_timeout (60 s), and no session exists."""
    standin = ssh.standin
    before = live(standin)
    login = ssh.login(ssh.approver("deny"))
    try:
        assert not login.ok, login.dump()
        prompts = [r for r in login.rounds if r.prompts]
        assert len(prompts) == 3, login.dump()
        assert "Not approved yet." in prompts[1].prompts[0][0], login.dump()
        assert len(url_lines(prompts[0])) == 1 and not url_lines(prompts[1]), login.dump()
        assert login.elapsed < 10, login.dump()
        assert requests_count(standin, "POST /3/authentication/session/new") == 3
        assert live(standin) == before
    finally:
        login.close()
    assert ssh.sshd.wait_for_connections_to_end(), ssh.sshd.processes()


def test_poll_mode_never_shows_the_url_in_time(ssh):
    """pam_tmdb(8) "approval=poll": sshd holds PAM_TEXT_INFO back until the next prompt or
    the end of authentication, so the user never sees the URL in time: the login runs out
    its approval_timeout polling, and whatever the client is shown comes only after that."""
    timeout = 3
    ssh.configure(approval="poll", approval_timeout=timeout, poll_interval=1)
    standin = ssh.standin
    login = ssh.login()
    try:
        assert not login.ok, login.dump()
        assert login.elapsed >= timeout, login.dump()
        early = [r for r in login.rounds if r.t < timeout and any(t.strip() for t in r.texts())]
        assert early == [], "something was shown before the approval deadline\n" + login.dump()
        assert not [r for r in login.rounds if r.prompts], "poll mode sends no prompt\n" + login.dump()
        for r in login.rounds:
            if url_lines(r):
                assert r.t >= timeout, login.dump()
        # the module did ask: one token, polls every poll_interval until the deadline
        assert requests_count(standin, "GET /3/authentication/token/new") == 1
        assert requests_count(standin, "POST /3/authentication/session/new") >= timeout
    finally:
        login.close()
    assert ssh.sshd.wait_for_connections_to_end(), ssh.sshd.processes()


# --- no session outlives its login (pam_tmdb(8) SESSION JOURNAL) ---------------------------

def journal(rig):
    """{record name: {key: value}} of the journal's records."""
    d = os.path.join(rig.state_dir, "sessions")
    out = {}
    if os.path.isdir(d):
        for name in os.listdir(d):
            if not name.startswith("."):
                try:
                    with open(os.path.join(d, name)) as f:
                        lines = f.read().splitlines()
                except FileNotFoundError:
                    continue    # claimed (renamed) or removed by a login since listdir
                out[name] = dict(line.split(" ", 1) for line in lines[1:])
    return out


def record_of(rig, sid):
    recs = [r for r in journal(rig).values() if r["session_id"] == sid]
    assert len(recs) == 1, journal(rig)
    return recs[0]


def descendants(pid):
    """pid and every process below it."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def kill_tree(pid):
    """SIGKILL to pid and everything below it. The tree is first frozen (SIGSTOP, again until
    no new process appears), so that nothing forked meanwhile escapes to init."""
    tree = []
    for _ in range(50):
        now = [p for p in descendants(pid) if cmdline(p)]
        for p in now:
            try:
                os.kill(p, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        if sorted(now) == sorted(tree):
            break
        tree = now
        time.sleep(0.05)
    for p in tree:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.parametrize("reaper", ["next login", "tmdbctl"])
def test_refused_by_the_account_stack_leaves_no_live_session(ssh, reaper):
    """`account required pam_deny.so` after pam_tmdb: sshd runs authenticate and the account
    stack in its [pam] child, which exits without pam_end when the account is refused (the
    session never reaches the monitor). The journal names that child and its parent, the
    connection's monitor: once the connection has ended both are gone, and the next login on
    the host revokes the refused login's session after its own steps, as does
    `tmdbctl revoke --orphans` (the package's timer)."""
    standin = ssh.standin
    before = live(standin)
    lines = list(ssh.lines)
    lines.insert(2, "account  required  %s" % security_module("pam_deny.so"))
    ssh.sshd.write_pam(lines)
    refused = ssh.login(ssh.approver())
    try:
        assert not refused.ok, refused.dump()
    finally:
        refused.close()
    assert ssh.sshd.wait_for_connections_to_end(), ssh.sshd.processes()
    recs = list(journal(ssh).values())
    assert len(recs) == 1 and recs[0]["parent_pid"] != "0", recs
    assert live(standin) == before + 1
    ssh.sshd.write_pam(ssh.lines)
    if reaper == "tmdbctl":
        tmdbctl = os.path.join(builddir(), "admin", "tmdbctl")
        p = subprocess.run([tmdbctl, "--conf", ssh.conf_path, "revoke", "--orphans"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        assert (p.returncode, p.stdout) == (0, "revoked 1 session\n"), p.stderr
        assert live(standin) == before and journal(ssh) == {}
        return
    nxt = ssh.login(ssh.approver())
    try:
        assert nxt.ok, nxt.dump()
        sid = nxt.run("echo $TMDB_SESSION_ID")[1].strip()
        # the refused login's session is gone; only the open login's own is alive
        assert live(standin) == before + 1
        assert session_is_live(standin, sid)
        assert [r["session_id"] for r in journal(ssh).values()] == [sid]
    finally:
        nxt.close()
    assert ssh.sshd.wait_for_connections_to_end(), ssh.sshd.processes()
    assert wait_for(lambda: live(standin) == before), live(standin)
    assert journal(ssh) == {}


def test_killed_monitor_and_shell_are_revoked_by_the_next_login(ssh):
    """A logged-in connection whose monitor and shell are SIGKILLed (no close_session ever
    runs): its record names the monitor, which claimed it at open_session. The next login
    revokes it; a concurrent login that is still open is never touched."""
    standin = ssh.standin
    before = live(standin)
    open_one = ssh.login(ssh.approver())
    doomed = ssh.login(ssh.approver())
    try:
        assert open_one.ok and doomed.ok, open_one.dump() + doomed.dump()
        sid_open = open_one.run("echo $TMDB_SESSION_ID")[1].strip()
        sid_doomed = doomed.run("echo $TMDB_SESSION_ID")[1].strip()
        # a shell that stays: the monitor's user child and the shell below it
        chan = doomed.transport.open_session()
        chan.exec_command("sleep 300")
        rec = record_of(ssh, sid_doomed)
        monitor = int(rec["pid"])
        assert rec["parent_pid"] == "0", rec       # claimed by the monitor at open_session
        assert "[priv]" in cmdline(monitor), cmdline(monitor)
        assert wait_for(lambda: any(cmdline(p) == "sleep 300 " for p in descendants(monitor)))
        kill_tree(monitor)
        assert wait_for(lambda: gone_or_zombie(monitor))
        assert live(standin) == before + 2
        nxt = ssh.login(ssh.approver())
        try:
            assert nxt.ok, nxt.dump()
            assert not session_is_live(standin, sid_doomed)
            assert session_is_live(standin, sid_open)
            assert sid_doomed not in [r["session_id"] for r in journal(ssh).values()]
            assert open_one.run("echo $TMDB_SESSION_ID")[1].strip() == sid_open
        finally:
            nxt.close()
    finally:
        doomed.close()
        open_one.close()
    assert ssh.sshd.wait_for_connections_to_end(), [(p, cmdline(p)) for p in ssh.sshd.processes()]
    assert wait_for(lambda: live(standin) == before), live(standin)
    assert journal(ssh) == {}
