# SPDX-License-Identifier: BSD-3-Clause
"""Tests of tmdb-setuid-host itself (tests/host/setuid_host.c), the setuid-root PAM host that
module tests run as an unprivileged user with a hostile environment: ids, op results,
conversation lines, PAM environment, and that the environment given is exactly the one the
process gets. Uses system modules and pam_hostcheck.so only. Needs root and a mount without
nosuid; skipped otherwise."""

import os

import pytest

from pamhost import (SETUID_HOST_OPS, hostcheck_module, run_setuid_host, security_module,
                     write_service)

NOBODY = 65534


def service(d, name, lines):
    """A private service dir inside suid_dir (0700 root: only euid 0 reads it)."""
    conf = os.path.join(d, "pam.d")
    write_service(conf, name, lines)
    return conf


def permit_all(extra_auth=()):
    permit = security_module("pam_permit.so")
    return list(extra_auth) + ["%s required %s" % (t, permit)
                               for t in ("auth", "account", "session")]


def test_runs_with_euid_0_as_the_calling_user(suid_dir):
    echo = security_module("pam_echo.so")
    conf = service(suid_dir, "svc", permit_all(["auth required %s hello %%u" % echo]))
    r = run_setuid_host(suid_dir, conf, "svc", "alice", list(SETUID_HOST_OPS),
                        NOBODY, NOBODY, env={"LANG": "C.UTF-8"})
    assert r.rc == 0, r.dump()
    assert r.ids == {"uid": NOBODY, "euid": 0, "gid": NOBODY, "egid": NOBODY}
    assert r.op_list == [(op, "PAM_SUCCESS") for op in SETUID_HOST_OPS]
    assert [(c["style"], c["msg"]) for c in r.conv] == [("TEXT_INFO", "hello alice")]
    assert r.ended and r.env == {}
    st = os.stat(r.cmd[0])
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (0, 0, 0o4755)


def test_prompts_are_answered_with_enter_and_pam_env_is_printed(suid_dir):
    module = hostcheck_module()
    if not os.path.exists(module):
        pytest.skip("pam_hostcheck.so not built (%s)" % module)
    conf = service(suid_dir, "svc", permit_all(
        ["auth required %s url=https://example.test/approve rounds=2" % module]))
    r = run_setuid_host(suid_dir, conf, "svc", "bob", "authenticate", NOBODY, NOBODY, env={})
    assert r.rc == 0, r.dump()
    assert [c["style"] for c in r.conv] == ["TEXT_INFO", "PROMPT_ECHO_ON",
                                            "ERROR_MSG", "PROMPT_ECHO_ON"]
    assert "https://example.test/approve" in r.conv[0]["msg"]
    assert r.env["TMDB_SESSION_ID"]


def test_stops_at_the_first_failure_unless_keep_going(suid_dir):
    deny, permit = security_module("pam_deny.so"), security_module("pam_permit.so")
    conf = service(suid_dir, "svc", ["auth required %s" % deny,
                                     "account required %s" % permit])
    r = run_setuid_host(suid_dir, conf, "svc", "alice", "authenticate acct_mgmt",
                        NOBODY, NOBODY)
    assert r.rc == 1 and r.op_list == [("authenticate", "PAM_AUTH_ERR")] and r.ended
    r = run_setuid_host(suid_dir, conf, "svc", "alice", "authenticate acct_mgmt",
                        NOBODY, NOBODY, keep_going=True)
    assert r.rc == 1
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR"), ("acct_mgmt", "PAM_SUCCESS")]


def test_missing_service_and_usage_errors(suid_dir):
    conf = service(suid_dir, "svc", permit_all())
    r = run_setuid_host(suid_dir, conf, "nosuch", "alice", "authenticate", NOBODY, NOBODY)
    assert r.rc == 1 and r.op_list == [("authenticate", "PAM_AUTH_ERR")]   # "other" denies
    bare = os.path.join(suid_dir, "bare")
    write_service(bare, "svc", permit_all(), other=False)
    r = run_setuid_host(suid_dir, bare, "nosuch", "alice", "authenticate", NOBODY, NOBODY)
    assert r.rc == 1 and r.op_list[0][0] == "start" and r.ended
    r = run_setuid_host(suid_dir, conf, "svc", "alice", "chauthtok", NOBODY, NOBODY)
    assert r.rc == 2 and r.events == [] and "unknown op" in r.stderr


def test_the_environment_given_is_exactly_what_the_process_gets(suid_dir):
    """pam_exec (as root, seteuid) reads the host's /proc/PID/environ and reports it through
    the conversation: nothing of the caller's environment leaks in, PATH aside."""
    script = os.path.join(suid_dir, "show-parent-env")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n"
                "if env=$(tr '\\0' '\\n' < /proc/$PPID/environ); then printf '%s\\n' \"$env\";"
                " else echo UNREADABLE; fi\n")
    os.chmod(script, 0o755)
    conf = service(suid_dir, "svc", ["auth required %s stdout seteuid %s"
                                     % (security_module("pam_exec.so"), script)])
    env = {"TMDB_PROBE": "hostile value", "SSLKEYLOGFILE": "/tmp/keys", "LC_ALL": "C"}
    r = run_setuid_host(suid_dir, conf, "svc", "alice", "authenticate", NOBODY, NOBODY, env=env)
    assert r.rc == 0, r.dump()
    lines = [c["msg"] for c in r.conv]
    if lines == ["UNREADABLE"]:
        pytest.skip("cannot read a setuid process's environ here (no CAP_SYS_PTRACE)")
    got = dict(line.split("=", 1) for line in lines)
    assert got == dict(env, PATH=os.environ.get("PATH", os.defpath))
