# SPDX-License-Identifier: BSD-3-Clause
"""Every PAM stack the documents show, under every failure the administrator may meet
(pam_tmdb(8), "Failures and the stack"), through the real libpam and the real pam_unix.

The stacks are read from the documents themselves (README.md's code blocks, pam_tmdb(8)'s
examples, conf/tmdb.pam.example, the Debian pam-auth-update profile), so a stack added there is
tested here. Each runs for three users of a private passwd/shadow (a mount namespace; the
machine's files are never touched): root (uid 0), daemon (uid 1, a system account) and alice
(uid 1001, in the user map). All three have the password "secret".

The rule checked: for root and daemon, whom pam_tmdb does not serve, a broken configuration,
a missing configuration file, an unreachable TMDb change nothing at all: every entry point gives
what it gives with a sound configuration, and the conversation is the same (pam_unix's
"Password: " where the stack has pam_unix). Where pam_unix follows, they sign in with their
password. alice, whom pam_tmdb serves, is refused with pam_tmdb's one-line reason where the
stack lets pam_tmdb decide, or falls back to her password where the stack says so.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pamhost import SRCDIR, run_host, security_module, write_private, write_service
from tmdbpam import API_KEY, module_path

PASSWORD = "secret"
# openssl passwd -6 -salt abcdefgh secret
PASSWORD_HASH = "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG."
OPS = ["authenticate", "acct_mgmt", "setcred", "open_session", "close_session"]
NOT_SERVED = ("root", "daemon")
CONFIG_MSG = "Not signed in: pam_tmdb is not configured correctly; see the system log."
UNREACHABLE_MSG = "Not signed in: TMDb cannot be reached right now. Try again later."
PAM_LINE = re.compile(r"^\s*-?(auth|account|session|password)\s+(\[[^\]]*\]|\S+)\s+(\S+)(.*)$")


# -- the stacks, as the documents show them ------------------------------------------------------

def _stack_lines(text):
    return [ln.strip() for ln in text.splitlines() if PAM_LINE.match(ln)]


def _readme_stacks():
    text = (Path(SRCDIR) / "README.md").read_text()
    for i, block in enumerate(re.findall(r"```[a-z]*\n(.*?)```", text, re.S)):
        lines = _stack_lines(block)
        if any("pam_tmdb.so" in ln for ln in lines):
            yield "README.md block %d" % (i + 1), lines


def _man_stacks():
    for page in ("man/pam_tmdb.8", "man/pam_tmdb.conf.5"):
        text = (Path(SRCDIR) / page).read_text()
        for i, block in enumerate(re.findall(r"^\.EX\n(.*?)^\.EE", text, re.S | re.M)):
            lines = _stack_lines(block.replace("\\-", "-"))
            if any("pam_tmdb.so" in ln for ln in lines):
                yield "%s example %d" % (page, i + 1), lines


def _example_stack():
    return "conf/tmdb.pam.example", _stack_lines((Path(SRCDIR) / "conf" / "tmdb.pam.example").read_text())


def _profile_stack():
    """common-auth/-account/-session as pam-auth-update writes them with the profile enabled
    (its Auth, Account and Session lines around Debian's pam_unix blocks)."""
    text = (Path(SRCDIR) / "debian" / "libpam-tmdb.pam-auth-update").read_text()
    sections, cur = {}, None
    for ln in text.splitlines():
        m = re.match(r"^(Auth|Account|Session):\s*$", ln)
        if m:
            cur = sections.setdefault(m.group(1), [])
        elif cur is not None and ln.startswith("\t"):
            cur.append(ln.strip())
        else:
            cur = None
    auth = [re.sub(r"success=end", "success=2", ln) for ln in sections["Auth"]]
    return "debian pam-auth-update profile", (
        ["auth %s" % ln for ln in auth] +
        ["auth [success=1 default=ignore] pam_unix.so nullok try_first_pass",
         "auth requisite pam_deny.so", "auth required pam_permit.so",
         "account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so",
         "account requisite pam_deny.so", "account required pam_permit.so"] +
        ["account %s" % ln for ln in sections["Account"]] +
        ["session required pam_unix.so"] + ["session %s" % ln for ln in sections["Session"]])


def documented_stacks():
    stacks = list(_readme_stacks()) + list(_man_stacks()) + [_example_stack(), _profile_stack()]
    assert len(stacks) >= 5, stacks
    return stacks


STACKS = documented_stacks()


# -- the machine: a private passwd and shadow ----------------------------------------------------

def _isolation_unavailable():
    if os.geteuid() != 0:
        return "needs root (a private mount namespace, pam_unix reading shadow)"
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        return "unshare -m does not work here"
    if os.environ.get("TMDB_HOST_WRAPPER"):
        return "the mount namespace wrapper and a valgrind wrapper do not combine"
    if os.environ.get("TMDB_SANITIZERS") == "yes":
        # seen: SEGV at address 0 called from pam_unix.so; most likely ASan's crypt()
        # interceptor, set up when the host starts, before pam_unix's dlopen brings libcrypt
        # in, so that it has nothing to call. The module's own paths here (scope first,
        # configuration errors) run under ASan in test_trust_model.py,
        # test_options_and_refusals.py and test_messages.py; these stacks run in the normal phase
        return "pam_unix's password check cannot run in a sanitizer-built host (ASan's crypt interceptor)"
    return None


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    why = _isolation_unavailable()
    if why:
        pytest.skip(why)
    d = tmp_path_factory.mktemp("accounts")
    passwd = [ln for ln in Path("/etc/passwd").read_text().splitlines() if not ln.startswith("alice:")]
    passwd.append("alice:x:1001:1001:Alice:/nonexistent:/bin/sh")
    shadow = []
    for ln in passwd:
        name = ln.split(":")[0]
        pw = PASSWORD_HASH if name in ("root", "daemon", "alice") else "*"
        shadow.append("%s:%s:19000:0:99999:7:::" % (name, pw))
    p = write_private(d / "passwd", "\n".join(passwd) + "\n", 0o644)
    s = write_private(d / "shadow", "\n".join(shadow) + "\n", 0o600)
    return ["unshare", "-m", "--", "sh", "-c",
            'mount --bind "$0" /etc/passwd && mount --bind "$1" /etc/shadow && shift && exec "$@"', p, s]


def _write_stack(tmp_path, lines, conf_path):
    out = []
    for ln in lines:
        kind, control, mod, rest = PAM_LINE.match(ln).groups()
        if mod == "pam_rootok.so":
            continue  # the test host runs as root: su's caller is an ordinary user
        args = [a for a in rest.split() if not a.startswith("conf=")]
        if mod == "pam_tmdb.so":
            out.append(" ".join([kind, control, module_path(), "conf=%s" % conf_path] + args))
        else:
            out.append(" ".join([kind, control, security_module(mod)] + args))
    write_service(str(tmp_path / "pam.d"), "stack", out)


def _conf(standin, tmp_path):
    write_private(tmp_path / "pam_tmdb.users", "alice alice\n")
    return {"api_key": API_KEY, "api_url": standin.url, "cafile": standin.cafile,
            "user_map": str(tmp_path / "pam_tmdb.users")}


def _failures(standin, tmp_path):
    """name -> (config text or None for no file, file mode, what alice is told)."""
    good = _conf(standin, tmp_path)

    def text(d):
        return "".join("%s = %s\n" % kv for kv in d.items())
    missing_key = dict(good)
    del missing_key["api_key"]
    typo = dict(good)
    typo["api_kye"] = typo.pop("api_key")
    bad_value = dict(good, account_match="mapped")
    unreachable = dict(good, api_url="https://127.0.0.1:1", retries="0", timeout="2")
    return {
        "key name typo": (text(typo), 0o600, CONFIG_MSG),
        "key missing": (text(missing_key), 0o600, CONFIG_MSG),
        "bad value": (text(bad_value), 0o600, CONFIG_MSG),
        "file writable by others": (text(good), 0o666, CONFIG_MSG),
        "file missing": (None, 0o600, CONFIG_MSG),
        "TMDb unreachable": (text(unreachable), 0o600, UNREACHABLE_MSG),
    }


def _run(tmp_path, accounts, conf_path, user):
    r = run_host(str(tmp_path / "pam.d"), "stack", user, OPS, answers=[PASSWORD], extra=["--keep-going"],
                 wrapper=accounts)
    assert r.ended, r.dump()
    return r


def _shape(r):
    return r.op_list, [(c["style"], c["msg"]) for c in r.conv]


@pytest.mark.parametrize("name,lines", STACKS, ids=[s[0] for s in STACKS])
def test_documented_stack_never_locks_out_whom_pam_tmdb_does_not_serve(standin, tmp_path, accounts, name, lines):
    conf_path = tmp_path / "pam_tmdb.conf"
    _write_stack(tmp_path, lines, conf_path)
    has_unix_auth = any(PAM_LINE.match(ln).group(1) == "auth" and "pam_unix.so" in ln for ln in lines)

    # the control: a sound configuration
    write_private(conf_path, "".join("%s = %s\n" % kv for kv in _conf(standin, tmp_path).items()))
    control = {u: _shape(_run(tmp_path, accounts, conf_path, u)) for u in NOT_SERVED}
    for user, (ops, conv) in control.items():
        if has_unix_auth:
            assert ops[0] == ("authenticate", "PAM_SUCCESS"), (name, user, ops, conv)
            assert ("PAM_PROMPT_ECHO_OFF", "Password: ") in conv, (name, user, conv)
    assert standin.requests() == [], "no request for users out of scope"

    for failure, (text, mode, told) in _failures(standin, tmp_path).items():
        if conf_path.exists():
            conf_path.unlink()
        if text is not None:
            write_private(conf_path, text, mode)
        for user in NOT_SERVED:
            r = _run(tmp_path, accounts, conf_path, user)
            assert _shape(r) == control[user], "%s, %s, %s:\n%s" % (name, failure, user, r.dump())
            assert not any("configuration" in m or "conf:" in m for m in r.log_messages), r.dump()
        r = _run(tmp_path, accounts, conf_path, "alice")
        ops, conv = _shape(r)
        if ops[0] == ("authenticate", "PAM_SUCCESS"):
            # the stack falls back to the password for the users pam_tmdb serves
            assert ("PAM_PROMPT_ECHO_OFF", "Password: ") in conv, r.dump()
        else:
            assert ("PAM_ERROR_MSG", told) in conv, "%s, %s, alice:\n%s" % (name, failure, r.dump())
            assert ("PAM_PROMPT_ECHO_OFF", "Password: ") not in conv or "requisite" in " ".join(lines), r.dump()
    assert standin.requests() == [], "a broken configuration sends nothing"


def test_minimum_uid_from_a_broken_file_still_decides_scope(standin, tmp_path, accounts):
    """The file's minimum_uid line counts even when another line is broken: minimum_uid = 0
    puts root in scope, so root meets the configuration error (the administrator chose so);
    the module argument wins over the file."""
    conf_path = tmp_path / "pam_tmdb.conf"
    _write_stack(tmp_path, ["auth [success=done ignore=ignore default=die] pam_tmdb.so",
                            "auth required pam_unix.so"], conf_path)
    write_private(conf_path, "minimum_uid = 0   # root too\napi_kye = x\n")
    r = _run(tmp_path, accounts, conf_path, "root")
    assert r.op_list[0] == ("authenticate", "PAM_SERVICE_ERR"), r.dump()
    assert ("PAM_ERROR_MSG", CONFIG_MSG) in _shape(r)[1]

    _write_stack(tmp_path, ["auth [success=done ignore=ignore default=die] pam_tmdb.so minimum_uid=1000",
                            "auth required pam_unix.so"], conf_path)
    r = _run(tmp_path, accounts, conf_path, "root")
    assert r.op_list[0] == ("authenticate", "PAM_SUCCESS"), r.dump()

    # an invalid minimum_uid value decides nothing: the default keeps root out of scope
    _write_stack(tmp_path, ["auth [success=done ignore=ignore default=die] pam_tmdb.so",
                            "auth required pam_unix.so"], conf_path)
    write_private(conf_path, "minimum_uid = zero\n")
    r = _run(tmp_path, accounts, conf_path, "root")
    assert r.op_list[0] == ("authenticate", "PAM_SUCCESS"), r.dump()
    assert standin.requests() == []


def test_readme_shows_the_shipped_example_service():
    """README's /etc/pam.d/tmdb is conf/tmdb.pam.example, line for line (without comments)."""
    example = _example_stack()[1]
    readme = [lines for _, lines in _readme_stacks()]
    assert [" ".join(ln.split()) for ln in example] in [[" ".join(ln.split()) for ln in b] for b in readme], \
        "README.md has no block equal to conf/tmdb.pam.example"
