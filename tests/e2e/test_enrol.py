# SPDX-License-Identifier: BSD-3-Clause
"""Self-service enrolment (pam_tmdb(8) SELF-SERVICE ENROLMENT, tmdb-login(1) --enroll): a
user binds the TMDb account that approves to themselves, in {state_dir}/accounts/{user}, and
account_match=map then takes it with self_enroll=yes. Real libpam, module, helper, tmdb-login
and the stand-in; the layout of helperenv.py (root's configuration, the setgid helper copy,
NOBODY as the ordinary user).

The local users must exist (the record belongs to its user): NOBODY ("nobody") enrols
through the helper; "daemon" (uid 1) stands for a second user, with minimum_uid = 1 so that
it is in scope. The stand-in approves every request token as "alice" (id 1001), and
tmdb-login runs without a browser (the Enter prompt answered from stdin)."""

import os
import pwd
import stat
import subprocess

import pytest

from helperenv import HELPER_GID, NOBODY, USER, approve_shown_token, user_runs
from pamhost import run_host, write_service
from test_tmdb_login import login_binary
from tmdbpam import ALICE_ID, TEST_ACCOUNT, count, fault_bytes, module_path, tree_snapshot

SECOND = "daemon"           # a second local user, never enrolled unless a test says so
TOKEN_NEW = "/3/authentication/token/new"
SESSION_DELETE = "/3/authentication/session"
ENROL_SERVICE = "tmdb-enroll"


def _prepare(env):
    try:
        pwd.getpwnam(SECOND)
    except KeyError:
        pytest.skip("no local user %r" % SECOND)
    # the records' directory as debian/postinst makes it: root's, the helper's group
    env.accounts = os.path.join(env.state_dir, "accounts")
    os.mkdir(env.accounts)
    os.chown(env.accounts, 0, HELPER_GID)
    os.chmod(env.accounts, 0o770)
    # a user map that names neither user: only a record binds them
    with open(env.user_map, "w") as f:
        f.write("someoneelse alice\n")
    env.conf["self_enroll"] = "yes"
    env.conf["minimum_uid"] = "1"
    env.standin.configure(auto_approve="alice")


@pytest.fixture
def user_run(standin):
    yield from user_runs(standin, prepare=_prepare)


def write_services(env):
    """The login service ("tmdb", as helperenv writes it) and the enrolment service, as
    conf/tmdb-enroll.pam.example has it."""
    env.write()
    args = "conf=%s helper=%s" % (env.conf_path, env.helper)
    write_service(env.service_dir, ENROL_SERVICE,
                  ["auth required %s %s enroll" % (module_path(), args),
                   "account required pam_deny.so", "session required pam_deny.so",
                   "password required pam_deny.so"])
    for name in os.listdir(env.service_dir):
        os.chmod(os.path.join(env.service_dir, name), 0o644)


def enrol(env, *args, as_root=False, stdin=b"\n"):
    """tmdb-login with the given action, as NOBODY (through the helper) or as root (in
    process); returns (rc, stderr)."""
    write_services(env)
    cmd = [login_binary(), "--confdir", env.service_dir, "--no-browser", "--no-listen"] + list(args)
    kw = {} if as_root else env.as_nobody()
    p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent"}, **kw)
    return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


def login_as_root(env, user, approve_as="alice"):
    """A login of user by a host run by root (in process, as sshd or login would)."""
    write_services(env)
    return run_host(env.service_dir, "tmdb", user, "authenticate", approve_as=approve_as,
                    cafile=env.cafile)


def record_path(env, user=USER):
    return os.path.join(env.accounts, user)


def record_bytes(env, user=USER):
    with open(record_path(env, user), "rb") as f:
        return f.read()


def plant(env, text, uid=NOBODY, gid=HELPER_GID, mode=0o600, user=USER):
    path = record_path(env, user)
    with open(path, "wb") as f:
        f.write(text)
    os.chown(path, uid, gid)
    os.chmod(path, mode)
    return path


def logs(r):
    return "\n".join(r.log_messages)


# -- the whole round through the helper --------------------------------------------------------

def test_a_user_enrols_through_the_helper_and_then_signs_in(user_run):
    # no map line, no record: refused before any approval is asked
    r = login_as_root(user_run, USER)
    assert r.op_list == [("authenticate", "PAM_USER_UNKNOWN")], r.dump()
    assert "no enrolled TMDb account" in logs(r)

    live_before = user_run.standin.live_sessions_of("alice")
    rc, out = enrol(user_run, "--enroll")
    assert rc == 0, out
    assert 'TMDb account "alice" (id %d) is now enrolled for nobody' % ALICE_ID in out, out
    # the session that proved it is gone at once
    assert user_run.standin.live_sessions_of("alice") == live_before
    assert count(user_run.standin, "DELETE", SESSION_DELETE) == 1
    # one line, bound by id; the user's own file, the directory's group, 0600
    assert record_bytes(user_run) == b"#1001 alice\n"
    st = os.lstat(record_path(user_run))
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (NOBODY, HELPER_GID, 0o600)
    assert not user_run.wait_no_helper()

    # enrolling the same account again changes nothing
    rc, out = enrol(user_run, "--enroll")
    assert rc == 0 and "was already enrolled" in out, out
    assert record_bytes(user_run) == b"#1001 alice\n"

    # the user signs in with no user_map line: through the helper, and in a root host
    r = user_run.host("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    r = login_as_root(user_run, USER)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    # a second user, not enrolled, is refused before any approval
    tokens = count(user_run.standin, "GET", TOKEN_NEW)
    r = login_as_root(user_run, SECOND)
    assert r.op_list == [("authenticate", "PAM_USER_UNKNOWN")], r.dump()
    assert count(user_run.standin, "GET", TOKEN_NEW) == tokens
    # the enrolled account only: another TMDb account is refused for the user
    r = login_as_root(user_run, USER, approve_as=TEST_ACCOUNT)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()

    rc, out = enrol(user_run, "--enrolled")
    assert rc == 0 and "#1001 alice" in out, out

    rc, out = enrol(user_run, "--unenroll")
    assert rc == 0 and "were removed" in out, out
    assert not os.path.exists(record_path(user_run))
    r = user_run.host("authenticate", approve_as="alice")
    assert r.op_list[0][1] != "PAM_SUCCESS", r.dump()
    rc, out = enrol(user_run, "--enrolled")
    assert rc == 0 and "No TMDb account is enrolled for nobody" in out, out


def test_self_enroll_no_refuses_and_writes_nothing(user_run):
    user_run.conf["self_enroll"] = "no"
    before = tree_snapshot(user_run.state_dir)
    for who in ({}, {"as_root": True}):
        args = ["--enroll"] + (["--user", SECOND] if who else [])
        rc, out = enrol(user_run, *args, **who)
        assert rc == 1, out
        assert "self_enroll = yes" in out, out
    assert tree_snapshot(user_run.state_dir) == before
    assert user_run.standin.stats()["total_requests"] == 0


def test_self_enroll_no_never_reads_a_record(user_run):
    plant(user_run, b"#1001 alice\n")
    user_run.conf["self_enroll"] = "no"
    r = login_as_root(user_run, USER)
    assert r.op_list == [("authenticate", "PAM_USER_UNKNOWN")], r.dump()


def test_the_enrol_service_signs_nobody_in(user_run):
    # without an action (a host that is not tmdb-login) authenticate refuses; acct_mgmt always
    # denies; the session calls find nothing of theirs
    write_services(user_run)
    args = "conf=%s helper=%s enroll" % (user_run.conf_path, user_run.helper)
    write_service(user_run.service_dir, "all-enroll",
                  ["%s required %s %s" % (t, module_path(), args) for t in ("auth", "account", "session")])
    os.chmod(os.path.join(user_run.service_dir, "all-enroll"), 0o644)
    ops = "authenticate acct_mgmt open_session close_session"
    r = run_host(user_run.service_dir, "all-enroll", USER, ops, approve_as="alice", cafile=user_run.cafile,
                 extra=["--keep-going"])
    assert [rc for _, rc in r.op_list] == ["PAM_AUTH_ERR", "PAM_PERM_DENIED", "PAM_SUCCESS", "PAM_SUCCESS"], r.dump()
    assert "signs nobody in" in r.conv[0]["msg"]
    assert r.env == {}
    assert user_run.standin.stats()["total_requests"] == 0


def test_the_login_service_does_not_enrol(user_run):
    rc, out = enrol(user_run, "--enroll", "--service", "tmdb")
    assert rc == 4 and "does not enrol" in out, out
    assert os.listdir(user_run.accounts) == []


# -- root, and other users ---------------------------------------------------------------------

def test_root_enrols_another_user_with_the_qr_code(user_run):
    rc, out = enrol(user_run, "--enroll", "--user", SECOND, as_root=True)
    assert rc == 0, out
    assert "is now enrolled for %s" % SECOND in out, out
    assert "\u2588" in out or "\u2580" in out, "no QR code:\n" + out
    assert record_bytes(user_run, SECOND) == b"#1001 alice\n"
    st = os.lstat(record_path(user_run, SECOND))
    # given to its user, so that the user's own host (through the helper) reads it too
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (pwd.getpwnam(SECOND).pw_uid, HELPER_GID, 0o600)
    r = login_as_root(user_run, SECOND)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    rc, out = enrol(user_run, "--unenroll", "--user", SECOND, as_root=True)
    assert rc == 0 and not os.path.exists(record_path(user_run, SECOND)), out


@pytest.mark.parametrize("action", ["--enroll", "--unenroll"])
def test_a_user_cannot_act_for_another(user_run, action):
    plant(user_run, b"#1001 alice\n", uid=pwd.getpwnam(SECOND).pw_uid, user=SECOND)
    before = tree_snapshot(user_run.state_dir)
    rc, out = enrol(user_run, action, "--user", SECOND)
    assert rc == 1, out
    assert tree_snapshot(user_run.state_dir) == before
    assert count(user_run.standin, "GET", TOKEN_NEW) == 0


def test_a_user_with_a_config_of_their_own_cannot_act_for_another(user_run, tmp_path):
    """In process (no helper): the module's own caller check."""
    own = os.path.join(user_run.dir, "own")
    os.mkdir(own, 0o700)
    os.chown(own, NOBODY, NOBODY)
    state = os.path.join(own, "state")
    os.mkdir(state, 0o700)
    os.chown(state, NOBODY, NOBODY)
    conf = os.path.join(own, "pam_tmdb.conf")
    with open(conf, "w") as f:
        f.write("".join("%s = %s\n" % (k, v) for k, v in dict(user_run.conf, state_dir=state).items()
                        if v is not None))
    os.chown(conf, NOBODY, NOBODY)
    os.chmod(conf, 0o600)
    write_services(user_run)
    write_service(user_run.service_dir, "own-enroll", ["auth required %s conf=%s enroll" % (module_path(), conf)])
    os.chmod(os.path.join(user_run.service_dir, "own-enroll"), 0o644)
    rc, out = enrol(user_run, "--enroll", "--service", "own-enroll", "--user", SECOND)
    assert rc == 1 and "only their own account" in out, out
    assert os.listdir(state) in ([], ["sessions"]) and count(user_run.standin, "GET", TOKEN_NEW) == 0


# -- the limit, damaged records ---------------------------------------------------------------

def test_the_limit_of_eight(user_run):
    text = b"".join(b"#%d acct%d\n" % (5000 + i, i) for i in range(8))
    plant(user_run, text)
    rc, out = enrol(user_run, "--enroll")
    assert rc == 1 and "already has 8 TMDb accounts" in out, out
    assert record_bytes(user_run) == text
    assert count(user_run.standin, "GET", TOKEN_NEW) == 0


def _symlink(env):
    target = os.path.join(env.dir, "elsewhere")
    with open(target, "wb") as f:
        f.write(b"#1001 alice\n")
    os.chown(target, NOBODY, HELPER_GID)
    os.chmod(target, 0o600)
    os.symlink(target, record_path(env))


DAMAGED = {
    "symlink": (_symlink, "is a symbolic link"),
    "garbage": (lambda env: plant(env, b"#1001 alice\nnobody 1001\n"), "damaged"),
    "wrong_owner": (lambda env: plant(env, b"#1001 alice\n", uid=2), "owned by another user"),
    "wrong_mode": (lambda env: plant(env, b"#1001 alice\n", mode=0o640), "wrong mode"),
    "too_large": (lambda env: plant(env, b"#1001 alice\n" * 2000), "too large"),
}


@pytest.mark.parametrize("kind", sorted(DAMAGED))
def test_a_damaged_record_is_ignored_and_logged(user_run, kind):
    make, why = DAMAGED[kind]
    make(user_run)
    r = login_as_root(user_run, USER)
    assert r.op_list == [("authenticate", "PAM_USER_UNKNOWN")], r.dump()
    assert "the record accounts/nobody is ignored: %s" % why in logs(r), r.dump()
    # through the helper too
    r = user_run.host("authenticate", approve_as="alice")
    assert r.op_list[0][1] != "PAM_SUCCESS", r.dump()


# -- hostile names ------------------------------------------------------------------------------

def account_body(username_json, aid=ALICE_ID):
    return ('{"avatar":{"gravatar":{"hash":""},"tmdb":{"avatar_path":null}},"id":%d,"iso_639_1":"en",'
            '"iso_3166_1":"BE","name":"Alice","include_adult":false,"username":%s}' % (aid, username_json))


TAKEN = {
    # the name the TMDb account has -> the record's bytes
    "hash_and_spaces": ('"#6089455 TMDbTestAccount"', b"#1001 \\x236089455\\x20TMDbTestAccount\n"),
    "backslash_escape": ('"a\\\\x0a#2 b"', b"#1001 a\\x5cx0a\\x232\\x20b\n"),
    "c1_controls": ('"evil\\u0085\\u009b2J"', b"#1001 evil\\xc2\\x85\\xc2\\x9b2J\n"),
    "100_bytes": ('"%s"' % ("a" * 100), b"#1001 " + b"a" * 64 + b"...\n"),
}

REFUSED = {
    # names the module refuses outright (control characters, over 128 bytes): nothing written
    "newline": '"alice\\n#6089455 TMDbTestAccount"',
    "control": '"a\\u0001b\\u001b[2J"',
    "10000_bytes": '"%s"' % ("x" * 10000),
}


@pytest.mark.parametrize("kind", sorted(TAKEN))
def test_a_hostile_account_name_never_forges_a_binding(user_run, kind):
    name, want = TAKEN[kind]
    fault_bytes(user_run.standin, "/3/account", account_body(name).encode(), status=200, count=1)
    rc, out = enrol(user_run, "--enroll")
    assert rc == 0, out
    assert record_bytes(user_run) == want
    # bound by id: the account whose id the name spells is still refused
    r = login_as_root(user_run, USER, approve_as=TEST_ACCOUNT)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    r = login_as_root(user_run, USER)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_an_account_name_the_module_refuses_writes_nothing(user_run, kind):
    fault_bytes(user_run.standin, "/3/account", account_body(REFUSED[kind]).encode(), status=200, count=1)
    live_before = user_run.standin.live_sessions_of("alice")
    rc, out = enrol(user_run, "--enroll")
    assert rc != 0, out
    assert os.listdir(user_run.accounts) == []
    assert user_run.standin.live_sessions_of("alice") == live_before


@pytest.mark.parametrize("name", ["../x", ".hidden", "a/b", "x" * 300, ".."])
def test_a_hostile_pam_user_name_never_names_a_file(user_run, name):
    # a record where "../x" would lead: never read
    plant(user_run, b"#1001 alice\n", uid=0, gid=0, user="../x")
    before = tree_snapshot(user_run.dir)
    rc, out = enrol(user_run, "--enroll", "--user", name, as_root=True)
    assert rc != 0, out
    r = login_as_root(user_run, name)
    assert r.op_list[0][1] != "PAM_SUCCESS", r.dump()
    assert tree_snapshot(user_run.dir, skip=("pam.d", "pam_tmdb.conf")) == \
        {k: v for k, v in before.items() if not k.startswith("pam.d") and k != "pam_tmdb.conf"}


def test_flow_v4_enrolment_deletes_the_session_and_the_access_token(user_run):
    from helperenv import ACCESS_TOKEN
    user_run.conf["api_key"] = None
    user_run.conf["access_token"] = ACCESS_TOKEN
    user_run.conf["flow"] = "v4"
    user_run.conf["approve_url_v4"] = user_run.standin.url + "/auth/access?request_token="
    write_services(user_run)
    live_before = user_run.standin.live_sessions_of("alice")
    cmd = [login_binary(), "--confdir", user_run.service_dir, "--no-browser", "--no-listen", "--enroll"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent"},
                            **user_run.as_nobody())
    try:
        seen, out, err = approve_shown_token(proc, user_run.standin, "alice")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, (seen + err).decode()
    assert record_bytes(user_run) == b"#1001 alice\n"
    assert user_run.standin.live_sessions_of("alice") == live_before
    assert count(user_run.standin, "DELETE", "/4/auth/access_token") == 1
    assert ACCESS_TOKEN.encode() not in seen + out + err


def test_enroll_in_the_configuration_file_is_refused(user_run):
    user_run.conf["enroll"] = "yes"
    r = login_as_root(user_run, USER)
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert "enroll: only allowed as a module argument" in logs(r)
    assert user_run.standin.stats()["total_requests"] == 0


def test_a_broken_configuration_is_told_as_such(user_run):
    user_run.conf["no_such_key"] = "1"
    rc, out = enrol(user_run, "--enroll", "--user", SECOND, as_root=True)
    assert rc == 4, out
    assert "not configured correctly" in out and "does not enrol" not in out, out
    assert os.listdir(user_run.accounts) == []
