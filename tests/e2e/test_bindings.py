# SPDX-License-Identifier: BSD-3-Clause
"""PAM bindings of scripting languages as hosts, as applications use them: Debian's PyPAM
(python3-pam, ``import PAM``) and Perl's Authen::PAM (libauthen-pam-perl), each on the real
libpam. The bindings cannot name a configuration directory, so the service is routed through
pam_wrapper (pamhost.pam_wrapper_env), as the pamtester tests do.

Each binding runs a small script (below, one per binding) that speaks one JSON event per line on
stdout and waits on stdin where a person would act:

    {"ev": "conv", "style": "PAM_TEXT_INFO", "msg": "..."}  each message its callback got
    {"ev": "prompt"}                       before answering a prompt with "" (Enter)
    {"ev": "op", "op": "authenticate", "rc": 0}   authenticate, acct_mgmt, open_session
    {"ev": "env", "env": {...}}            the PAM environment after open_session
    {"ev": "wait"}                         the login is open; close_session after a line
    {"ev": "op", "op": "close_session", "rc": 0}
    {"ev": "end"}                          after pam_end

At the prompt the test plays the person: it opens the approval URL the callback got at the
stand-in's approval page and allows (or denies) it there, then lets the script press Enter.

Not in the valgrind phase (conftest.NO_WRAPPED_HOST): the host here is an interpreter, never
TMDB_HOST_WRAPPER, and the module's code under a host is what the other tests put under
valgrind.
"""

import json
import os
import subprocess
import threading
from urllib.parse import urlsplit

import pytest

from pamhost import pam_wrapper_env, pam_wrapper_library
from tmdbpam import TEST_ACCOUNT, count

# Linux-PAM's return codes (security/_pam_types.h)
PAM_SUCCESS = 0
PAM_AUTH_ERR = 7
PAM_MAXTRIES = 11
DELETE = "/3/authentication/session"
TIMEOUT = 60            # seconds for one script run: a hang fails the test, it does not stall it

PYPAM_SCRIPT = r'''
import json
import sys

import PAM

STYLES = {PAM.PAM_PROMPT_ECHO_OFF: "PAM_PROMPT_ECHO_OFF", PAM.PAM_PROMPT_ECHO_ON: "PAM_PROMPT_ECHO_ON",
          PAM.PAM_ERROR_MSG: "PAM_ERROR_MSG", PAM.PAM_TEXT_INFO: "PAM_TEXT_INFO"}


def emit(**ev):
    sys.stdout.write(json.dumps(ev) + "\n")
    sys.stdout.flush()


def converse(pamh, messages, data):
    answers = []
    for text, style in messages:
        emit(ev="conv", style=STYLES.get(style, str(style)), msg=text)
        if style in (PAM.PAM_PROMPT_ECHO_ON, PAM.PAM_PROMPT_ECHO_OFF):
            emit(ev="prompt")
            sys.stdin.readline()
        answers.append(("", 0))
    return answers


def call(op, fn):
    try:
        fn()
        rc = PAM.PAM_SUCCESS
    except PAM.error as e:
        rc = e.args[1]
    emit(ev="op", op=op, rc=rc)
    return rc == PAM.PAM_SUCCESS


pamh = PAM.pam()
pamh.start(sys.argv[1], sys.argv[2], converse)
if (call("authenticate", pamh.authenticate) and call("acct_mgmt", pamh.acct_mgmt)
        and call("open_session", pamh.open_session)):
    emit(ev="env", env=dict(e.split("=", 1) for e in pamh.getenvlist()))
    emit(ev="wait")
    sys.stdin.readline()
    call("close_session", pamh.close_session)
del pamh                # PyPAM has no end(): pam_end runs when the handle goes
emit(ev="end")
'''

AUTHEN_PAM_SCRIPT = r'''
use strict;
use warnings;
use Authen::PAM qw(:constants);
use JSON::PP;

$| = 1;
my %STYLES = (PAM_PROMPT_ECHO_OFF() => "PAM_PROMPT_ECHO_OFF", PAM_PROMPT_ECHO_ON() => "PAM_PROMPT_ECHO_ON",
              PAM_ERROR_MSG() => "PAM_ERROR_MSG", PAM_TEXT_INFO() => "PAM_TEXT_INFO");
# not ->utf8: the module's UTF-8 bytes go out as they came
my $json = JSON::PP->new->canonical;

sub emit { print $json->encode({@_}), "\n"; }

sub converse {
    my @res;
    while (@_) {
        my ($style, $msg) = splice(@_, 0, 2);
        emit(ev => "conv", style => $STYLES{$style} // "$style", msg => $msg);
        if ($style == PAM_PROMPT_ECHO_ON() || $style == PAM_PROMPT_ECHO_OFF()) {
            emit(ev => "prompt");
            my $line = <STDIN>;
        }
        push @res, (0, "");
    }
    push @res, PAM_SUCCESS();
    return @res;
}

sub call {
    my ($op, $rc) = @_;
    emit(ev => "op", op => $op, rc => $rc + 0);
    return $rc == PAM_SUCCESS();
}

my ($service, $user) = @ARGV;
my $pamh = Authen::PAM->new($service, $user, \&converse);
ref($pamh) or die "pam_start failed: $pamh\n";
if (call("authenticate", $pamh->pam_authenticate(0)) && call("acct_mgmt", $pamh->pam_acct_mgmt(0))
        && call("open_session", $pamh->pam_open_session(0))) {
    my %env = $pamh->pam_getenvlist;
    emit(ev => "env", env => \%env);
    emit(ev => "wait");
    my $line = <STDIN>;
    call("close_session", $pamh->pam_close_session(0));
}
undef $pamh;            # pam_end
emit(ev => "end");
'''

# binding: (command before service and user, Debian package, the check that it is installed).
# Debian's python3-pam is built for Debian's own interpreter, /usr/bin/python3, which need not
# be the python3 that runs pytest.
BINDINGS = {
    "pypam": (["/usr/bin/python3", "-c", PYPAM_SCRIPT], "python3-pam",
              ["/usr/bin/python3", "-c", "import PAM"]),
    "authen-pam": (["/usr/bin/perl", "-e", AUTHEN_PAM_SCRIPT], "libauthen-pam-perl",
                   ["/usr/bin/perl", "-MAuthen::PAM", "-MJSON::PP", "-e", "1"]),
}


class BindingRun:
    """What a binding script printed: ``events`` in order, ``stderr`` (pam_wrapper's lines)."""

    def __init__(self, events, rc, stderr):
        self.events, self.rc, self.stderr = events, rc, stderr

    def of(self, kind):
        return [e for e in self.events if e["ev"] == kind]

    @property
    def ops(self):
        return [(e["op"], e["rc"]) for e in self.of("op")]

    @property
    def conv(self):
        return [(e["style"], e["msg"]) for e in self.of("conv")]

    @property
    def env(self):
        (e,) = self.of("env")
        return e["env"]

    def dump(self):
        return "rc: %s\nevents:\n%s\nstderr:\n%s" % (
            self.rc, "\n".join(json.dumps(e) for e in self.events), self.stderr)


def need_binding(name):
    """The binding must be there: a missing one fails the test and names its Debian package."""
    _, package, probe = BINDINGS[name]
    try:
        p = subprocess.run(probe, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=TIMEOUT)
        ok, why = p.returncode == 0, p.stdout.strip()
    except OSError as e:
        ok, why = False, str(e)
    if not ok:
        pytest.fail("the %s binding is missing: install Debian's %s (%s)" % (name, package, why))
    if not pam_wrapper_library():
        pytest.fail("libpam_wrapper.so missing: install Debian's libpam-wrapper")


def run_binding(name, pam, on_prompt, on_open):
    """Runs binding ``name`` for user alice against pam's service through pam_wrapper.
    ``on_prompt(events so far)`` runs before each Enter, ``on_open(events so far)`` while the
    login is open (between open_session and close_session)."""
    command = BINDINGS[name][0]
    pam.write()
    env = dict(os.environ)
    env.update(pam_wrapper_env(str(pam.service_dir)))
    proc = subprocess.Popen(command + [pam.service, "alice"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            universal_newlines=True, encoding="utf-8", errors="surrogateescape")
    stderr = []
    drain = threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)
    drain.start()
    watchdog = threading.Timer(TIMEOUT, proc.kill)
    watchdog.start()
    events = []
    try:
        for line in proc.stdout:
            events.append(json.loads(line))
            kind = events[-1]["ev"]
            if kind in ("prompt", "wait"):
                (on_prompt if kind == "prompt" else on_open)(events)
                proc.stdin.write("\n")
                proc.stdin.flush()
        rc = proc.wait()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        drain.join(TIMEOUT)
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()
    run = BindingRun(events, rc, "".join(stderr))
    assert rc == 0 and run.events and run.events[-1]["ev"] == "end", run.dump()
    return run


def approval_url(events, standin):
    """The approval URL among the messages the callback got: a line of its own that points at
    the stand-in."""
    urls = [line.strip() for e in events if e["ev"] == "conv" for line in e["msg"].split("\n")
            if line.strip().startswith(standin.url + "/")]
    assert len(urls) == 1, "one approval URL in the messages: %r" % [e for e in events if e["ev"] == "conv"]
    return urls[0]


def browser(standin, approve_as=None):
    """A person at the approval page: on the first prompt, allows the URL as ``approve_as`` (or
    denies it when None), as tmdb-host's --approve-as / --deny do; later prompts just Enter."""
    decided = []

    def on_prompt(events):
        if decided:
            return
        path = urlsplit(approval_url(events, standin)).path.rstrip("/")
        if approve_as is None:
            status, _, body = standin.request("GET", path + "/deny")
        else:
            status, _, body = standin.request("GET", path + "/allow", params={"user": approve_as})
        assert status == 200, (status, body)
        decided.append(path)
    return on_prompt


def is_live(standin, sid):
    return [s["revoked"] for s in standin.sessions() if s["session_id"] == sid] == [False]


@pytest.fixture
def prompt_pam(pam):
    pam.conf["approval"] = "prompt"
    pam.conf["logout_on_close"] = "yes"     # close_session ends the login's TMDb session
    pam.conf["reuse_session"] = "no"
    return pam


@pytest.mark.parametrize("binding", sorted(BINDINGS))
def test_binding_signs_in_exports_the_session_and_ends_it(prompt_pam, binding):
    need_binding(binding)
    pam, standin = prompt_pam, prompt_pam.standin
    before = standin.live_sessions_of("alice")
    seen_open = {}

    def on_open(events):
        (env,) = [e["env"] for e in events if e["ev"] == "env"]
        sid = env.get("TMDB_SESSION_ID")
        seen_open.update(sid=sid, live=is_live(standin, sid) if sid else None,
                         count=standin.live_sessions_of("alice"))

    run = run_binding(binding, pam, browser(standin, approve_as="alice"), on_open)
    assert run.ops == [("authenticate", PAM_SUCCESS), ("acct_mgmt", PAM_SUCCESS),
                       ("open_session", PAM_SUCCESS), ("close_session", PAM_SUCCESS)], run.dump()
    # the URL reached the callback, on its own line, before the prompt it was approved at
    styles = [s for s, _ in run.conv]
    assert "PAM_PROMPT_ECHO_ON" in styles, run.dump()
    first_prompt = run.events.index(run.of("prompt")[0])
    approval_url(run.events[:first_prompt], standin)
    sid = run.env["TMDB_SESSION_ID"]
    assert sid and run.env.get("TMDB_ACCOUNT_USERNAME") == "alice", run.dump()
    assert seen_open == {"sid": sid, "live": True, "count": before + 1}, (seen_open, run.dump())
    # close_session deleted it at TMDb
    assert not is_live(standin, sid)
    assert standin.live_sessions_of("alice") == before
    assert count(standin, "DELETE", DELETE) == 1


@pytest.mark.parametrize("refusal", ["denied", "wrong_account"])
@pytest.mark.parametrize("binding", sorted(BINDINGS))
def test_binding_gets_the_refusal_code_and_no_session(prompt_pam, binding, refusal):
    """Denied at the approval page: prompt mode asks max_prompts (3) times, then PAM_MAXTRIES.
    Approved as another TMDb account than alice's: PAM_AUTH_ERR, and the session TMDb made for
    that account is deleted. Either way the application gets the code, the refusal message and
    no session, and goes no further."""
    need_binding(binding)
    pam, standin = prompt_pam, prompt_pam.standin
    before = {u: standin.live_sessions_of(u) for u in ("alice", TEST_ACCOUNT)}
    approve_as = TEST_ACCOUNT if refusal == "wrong_account" else None
    run = run_binding(binding, pam, browser(standin, approve_as=approve_as),
                      on_open=lambda events: pytest.fail("a refused login was opened"))
    want = PAM_AUTH_ERR if refusal == "wrong_account" else PAM_MAXTRIES
    assert run.ops == [("authenticate", want)], run.dump()
    assert run.of("env") == [], run.dump()
    style, msg = run.conv[-1]
    assert style == "PAM_ERROR_MSG" and msg.startswith("Not signed in: "), run.dump()
    assert {u: standin.live_sessions_of(u) for u in before} == before
    if refusal == "wrong_account":
        assert count(standin, "DELETE", DELETE) == 1, "the other account's session was deleted"
