# SPDX-License-Identifier: BSD-3-Clause
"""Callers the module cannot see: the caller that put a setuid host in motion (su, sudo), and
callers that cannot put the approval URL in front of a person (cron, scripts, sudo -n).

* su/sudo shape: tmdb-setuid-host copied setuid root and run as nobody, once with a small clean
  environment and once with a hostile one (a Turkish locale installed system-wide in a private
  mount namespace, a HOME and CURL_HOME with a .curlrc, proxies, SSLKEYLOGFILE, OpenSSL and CA
  variables, PATH, TZ, TMPDIR, umask 0). The login must be decided identically: the same op
  results, the same conversation, the same requests at the stand-in.
* Non-interactive callers get a non-success code at once, in both approval modes, never a wait
  of approval_timeout: a conversation that fails (PAM_CONV_ERR), no conversation function at all
  (cron's shape), pamtester with stdin closed. Their account and session calls (cron runs those,
  never auth) send nothing and do not fail.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from listeners import Listener
from pamhost import (SetuidHostResult, pam_wrapper_library, pamtester_binary, run_pamtester,
                     security_module, setuid_host_binary)
from tmdbpam import count

TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
NOBODY = 65534
APPROVAL_TIMEOUT = 30
AT_ONCE = 10            # seconds: "at once", far below APPROVAL_TIMEOUT
TURKISH = "tr_TR.ISO-8859-9"


# -- su/sudo shape: the caller's environment decides nothing -----------------------------------

@pytest.fixture(scope="module")
def system_locale_dir(tmp_path_factory):
    """A directory to bind over /usr/lib/locale in a private mount namespace, holding the
    Turkish locale (made with localedef) and C.utf8. A setuid program ignores LOCPATH (glibc's
    secure mode), so a caller's Turkish locale reaches su or sudo only when it is installed on
    the system: this makes it so, for the namespace only."""
    d = tmp_path_factory.mktemp("system-locale")
    os.chmod(str(d), 0o755)
    try:
        subprocess.run(["localedef", "-i", "tr_TR", "-f", "ISO-8859-9", str(d / TURKISH)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.fail("cannot make a Turkish locale (package locales): %s" % e)
    if os.path.isdir("/usr/lib/locale/C.utf8"):
        shutil.copytree("/usr/lib/locale/C.utf8", str(d / "C.utf8"))
    return str(d)


@pytest.fixture
def suid(pam, suid_dir):
    if subprocess.run(["unshare", "-m", "true"]).returncode != 0 or not shutil.which("setpriv"):
        pytest.skip("needs unshare -m and setpriv")
    exe = os.path.join(suid_dir, "tmdb-setuid-host")
    shutil.copyfile(setuid_host_binary(), exe)
    os.chown(exe, 0, 0)
    os.chmod(exe, 0o4755)
    pam.suid_exe = exe
    return pam


# Runs as root in a private mount namespace: binds $1 over /usr/lib/locale, sets umask $2, then
# becomes nobody (no supplementary groups, no_new_privs untouched) and execs the rest under
# `env -i`, so the setuid host gets exactly the environment given.
_SU_SHAPE = r'''
mount --bind "$1" /usr/lib/locale || exit 97
umask "$2"
shift 2
exec setpriv --reuid=%d --regid=%d --clear-groups -- "$@"
''' % (NOBODY, NOBODY)


def run_su_shape(pam, locale_dir, env, ops, umask="077"):
    pam.write()
    cmd = ["unshare", "-m", "--propagation", "private", "--", "sh", "-c", _SU_SHAPE, "su-shape",
           locale_dir, umask, "env", "-i"] + ["%s=%s" % kv for kv in env.items()]
    cmd += [pam.suid_exe, str(pam.service_dir), pam.service, "alice"] + ops.split()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       cwd="/", timeout=120, universal_newlines=True, errors="surrogateescape")
    return SetuidHostResult(cmd, p.returncode, p.stdout, p.stderr)


_IDS = re.compile(r"[0-9a-f]{32,}")


def normalised(text):
    return _IDS.sub("<id>", text or "")


def what_the_server_saw(standin):
    out = []
    for r in standin.requests():
        headers = {k: normalised(v) for k, v in r["headers"].items()}
        out.append((r["method"], r["path"], normalised(r["query"]), normalised(r.get("body")),
                    sorted(headers.items()), r["tls"], r["status"]))
    return out


def decision(result, standin):
    return {
        "ids": result.ids,
        "ops": result.op_list,
        "conv": [(c["style"], normalised(c["msg"])) for c in result.conv],
        "env": sorted((k, normalised(v)) for k, v in result.env.items()),
        "requests": what_the_server_saw(standin),
        "connections": standin.stats()["connections"],
    }


def hostile_environment(home, keylog, decoy_url, locale_dir):
    return {
        "LANG": TURKISH, "LC_ALL": TURKISH, "LC_CTYPE": TURKISH, "LANGUAGE": "tr",
        "LOCPATH": locale_dir,
        "HOME": home, "CURL_HOME": home, "XDG_CONFIG_HOME": home,
        "https_proxy": decoy_url, "HTTPS_PROXY": decoy_url, "http_proxy": decoy_url,
        "ALL_PROXY": decoy_url, "all_proxy": decoy_url, "NO_PROXY": "", "no_proxy": "",
        "SSLKEYLOGFILE": keylog, "OPENSSL_CONF": os.path.join(home, "openssl.cnf"),
        "OPENSSL_MODULES": home, "OPENSSL_ENGINES": home,
        "SSL_CERT_FILE": os.path.join(home, "evil-ca.pem"), "SSL_CERT_DIR": home,
        "CURL_CA_BUNDLE": os.path.join(home, "evil-ca.pem"), "CURL_SSL_BACKEND": "gnutls",
        "PATH": home + ":/nonexistent", "TZ": "XXX-14", "TMPDIR": home,
        "USER": "root", "LOGNAME": "root", "SHELL": "/bin/false", "IFS": "/",
        "TERM": "dumb", "COLUMNS": "1", "MALLOC_CHECK_": "3",
    }


@pytest.mark.parametrize("mode", ["prompt", "poll"])
def test_setuid_login_is_decided_alike_whatever_the_callers_environment(suid, system_locale_dir, mode):
    pam = suid
    pam.conf["approval"] = mode
    pam.conf["poll_interval"] = "1"
    ops = "authenticate acct_mgmt open_session close_session"
    plain = {"PATH": "/usr/bin:/bin", "LANG": "C", "TZ": "UTC", "HOME": "/nonexistent"}

    pam.standin.reset()
    pam.standin.configure(auto_approve="alice")
    first = run_su_shape(pam, system_locale_dir, plain, ops)
    assert first.op_list == [(op, "PAM_SUCCESS") for op in ops.split()], first.dump()
    want = decision(first, pam.standin)

    home = tempfile.mkdtemp(prefix="hostile-home-", dir="/tmp")
    os.chmod(home, 0o755)
    root_only = tempfile.mkdtemp(prefix="root-only-", dir="/tmp")
    decoy = Listener()
    decoy_url = "http://127.0.0.1:%d" % decoy.port
    try:
        keylog = os.path.join(root_only, "keylog")
        with open(os.path.join(home, ".curlrc"), "w") as f:
            f.write("proxy = %s\ninsecure\ntrace = %s/trace\n" % (decoy_url, root_only))
        with open(os.path.join(home, "openssl.cnf"), "w") as f:
            f.write("this is not an OpenSSL configuration\n")
        shutil.copyfile(str(pam.standin.tls.untrusted_ca_cert), os.path.join(home, "evil-ca.pem"))
        # the control: the Turkish locale is installed for a process that cannot use LOCPATH
        probe = subprocess.run(
            ["unshare", "-m", "--propagation", "private", "--", "sh", "-c", _SU_SHAPE, "probe",
             system_locale_dir, "077", "env", "-i", "LC_ALL=" + TURKISH, "PATH=/usr/bin:/bin",
             "python3", "-c", "import locale; locale.setlocale(locale.LC_ALL, ''); "
             "print(locale.nl_langinfo(locale.CODESET))"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        assert probe.stdout.split()[:1] == ["ISO-8859-9"], probe.stdout + probe.stderr

        pam.standin.reset()
        pam.standin.configure(auto_approve="alice")
        second = run_su_shape(pam, system_locale_dir,
                              hostile_environment(home, keylog, decoy_url, system_locale_dir),
                              ops, umask="000")
        got = decision(second, pam.standin)
        assert got == want, "decided differently\nplain:\n%s\nhostile:\n%s" % (first.dump(), second.dump())
        assert os.listdir(root_only) == [], "nothing was written where the caller pointed"
        assert decoy.connections == 0, "nothing went to the caller's proxy"
    finally:
        decoy.close()
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(root_only, ignore_errors=True)


# -- callers that cannot show the URL to anyone -------------------------------------------------

def timed(fn, *args, **kw):
    t = time.monotonic()
    r = fn(*args, **kw)
    return r, time.monotonic() - t


@pytest.mark.parametrize("mode", ["prompt", "poll"])
@pytest.mark.parametrize("caller", ["--conv-fail", "--no-conv"])
def test_a_caller_without_a_working_conversation_fails_at_once(pam, mode, caller):
    pam.conf["approval"] = mode
    pam.conf["approval_timeout"] = str(APPROVAL_TIMEOUT)
    before = pam.standin.live_sessions_of("alice")
    r, elapsed = timed(pam.run, "authenticate", extra=[caller], timeout=APPROVAL_TIMEOUT + 30)
    assert r.op_list == [("authenticate", "PAM_CONV_ERR")], r.dump()
    assert elapsed < AT_ONCE, "took %.1f s (approval_timeout=%d)" % (elapsed, APPROVAL_TIMEOUT)
    assert count(pam.standin, "POST", SESSION_NEW) == 0, "nothing waited for an approval"
    assert pam.standin.live_sessions_of("alice") == before
    if caller == "--no-conv":
        assert r.conv == []
        # refused before anything is asked of TMDb: no request token is spent
        assert pam.standin.stats()["total_requests"] == 0


def cron_stack(pam):
    """cron's shape: no auth at all, account and session with pam_tmdb among other modules."""
    permit = security_module("pam_permit.so")
    pam.lines = [pam.module_line("account", "required"), "account required %s" % permit,
                 pam.module_line("session", "optional"), "session required %s" % permit]


@pytest.mark.parametrize("user", ["alice", "root"])
def test_cron_shape_account_and_session_send_nothing(pam, user):
    cron_stack(pam)
    r, elapsed = timed(pam.run, "acct_mgmt open_session close_session", user=user, extra=["--no-conv"])
    assert r.op_list == [("acct_mgmt", "PAM_SUCCESS"), ("open_session", "PAM_SUCCESS"),
                         ("close_session", "PAM_SUCCESS")], r.dump()
    assert pam.standin.stats()["total_requests"] == 0 and r.conv == []
    assert elapsed < AT_ONCE


def test_pamtester_with_stdin_closed_fails_at_once(pam):
    """pamtester's conversation (pam_misc) prints the URL and reads end-of-file for the answer,
    which it passes on as an empty answer: an Enter that nobody pressed. Prompt mode asks the
    server once per answer and stops after max_prompts (3) of them, so the login fails without
    waiting for approval_timeout."""
    if not pamtester_binary() or not pam_wrapper_library():
        pytest.skip("pamtester or pam_wrapper missing")
    pam.conf["approval"] = "prompt"
    pam.conf["approval_timeout"] = str(APPROVAL_TIMEOUT)
    pam.write()
    r, elapsed = timed(run_pamtester, str(pam.service_dir), pam.service, "alice", "authenticate",
                       input="", timeout=APPROVAL_TIMEOUT + 30)
    assert r.rc != 0, r.stdout + r.stderr
    assert elapsed < AT_ONCE, "took %.1f s" % elapsed
    assert "/authenticate/" in r.stdout, "the URL was printed before the prompt"
    assert count(pam.standin, "POST", SESSION_NEW) <= 3
