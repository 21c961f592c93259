# SPDX-License-Identifier: BSD-3-Clause
"""tmdbctl(8) on a build tree (--conf, --state-dir): `sessions` lists the journal (user, since,
process, state; never a session id), `revoke --orphans` deletes the sessions of logins that
are gone and leaves open ones alone, keeping a record while TMDb cannot be reached, `revoke
--user NAME` deletes every journal session of one user; usage errors exit 2."""

import os
import subprocess

import pytest

from journal_helpers import OpenLogin, dead_pid, records, write_record
from pamhost import builddir, write_private
from tmdbpam import pam  # noqa: F401 (fixture)


def tmdbctl_binary():
    return os.environ.get("TMDBCTL") or os.path.join(builddir(), "admin", "tmdbctl")


def tmdbctl(pam, *args, conf=None):
    pam.write()
    cmd = [tmdbctl_binary(), "--conf", str(conf or pam.conf_path)] + list(args)
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60)


@pytest.fixture(autouse=True)
def _built():
    if not os.path.exists(tmdbctl_binary()):
        pytest.skip("tmdbctl not built")


def revoked(pam, sid):
    return {s["session_id"]: s for s in pam.standin.sessions()}[sid]["revoked"]


def test_sessions_lists_the_journal_without_ids(pam):
    login = OpenLogin(pam)
    login.wait_stopped()
    try:
        orphan = pam.standin.new_session("alice")
        write_record(pam, "r-orphan", orphan, user="bob", pid=dead_pid())
        p = tmdbctl(pam, "sessions")
        assert p.returncode == 0, p.stderr
        lines = p.stdout.splitlines()
        assert lines[0].split() == ["USER", "SINCE", "PROCESS", "STATE"]
        rows = sorted(line.split() for line in lines[1:])
        assert [(r[0], r[3], r[4]) for r in rows] == [("alice", str(login.pid), "alive"),
                                                      ("bob", rows[1][3], "orphan")], p.stdout
        for sid in [orphan] + [s["session_id"] for s in pam.standin.sessions()]:
            assert sid not in p.stdout and sid not in p.stderr
    finally:
        assert login.finish().rc == 0


def test_sessions_with_state_dir_needs_no_configuration(pam, tmp_path):
    p = subprocess.run([tmdbctl_binary(), "--state-dir", str(pam.state_dir), "sessions"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "no sessions in the journal\n"


def test_revoke_orphans_leaves_open_logins_alone(pam):
    login = OpenLogin(pam)
    login.wait_stopped()
    try:
        orphan = pam.standin.new_session("alice")
        write_record(pam, "r-orphan", orphan, pid=dead_pid())
        p = tmdbctl(pam, "revoke", "--orphans")
        assert p.returncode == 0, p.stderr
        assert p.stdout == "revoked 1 session\n"
        assert "revoked the TMDb session of alice" in p.stderr
        assert revoked(pam, orphan)
        assert len(records(pam)) == 1
        assert pam.standin.live_sessions_of("alice") >= 1
    finally:
        assert login.finish().rc == 0
    assert records(pam) == []


def test_revoke_orphans_keeps_the_record_while_tmdb_is_unreachable(pam):
    orphan = pam.standin.new_session("alice")
    write_record(pam, "r-orphan", orphan, pid=dead_pid())
    down = dict(pam.conf, api_url="https://localhost:1", retries="0", connect_timeout="2")
    conf = write_private(pam.dir / "down.conf", "".join("%s = %s\n" % kv for kv in down.items() if kv[1]))
    p = tmdbctl(pam, "revoke", "--orphans", conf=conf)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "left in the journal for the next run" in p.stdout
    assert records(pam) == ["r-orphan"] and not revoked(pam, orphan)
    p = tmdbctl(pam, "revoke", "--orphans")
    assert p.returncode == 0, p.stderr
    assert revoked(pam, orphan) and records(pam) == []


def test_revoke_user_deletes_every_journal_session_of_that_user(pam):
    login = OpenLogin(pam)
    login.wait_stopped()
    try:
        other = pam.standin.new_session("alice")
        write_record(pam, "r-bob", other, user="bob")   # held by this (live) process
        p = tmdbctl(pam, "revoke", "--user", "alice")
        assert p.returncode == 0, p.stderr
        assert p.stdout == "revoked 1 session\n"
        assert records(pam) == ["r-bob"] and not revoked(pam, other)
    finally:
        r = login.finish()
    # the login's own logout then finds its session gone: logged, never blocking
    assert r.rc == 0, r.dump()


def test_state_dir_none(pam):
    pam.conf["state_dir"] = "none"
    p = tmdbctl(pam, "sessions")
    assert p.returncode == 0 and "journal is off" in p.stdout


@pytest.mark.parametrize("args", [[], ["nonsense"], ["revoke"], ["revoke", "--user"], ["sessions", "x"],
                                  ["--bogus", "sessions"]])
def test_usage_errors_exit_2(pam, args):
    p = tmdbctl(pam, *args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "usage" in p.stderr
