# SPDX-License-Identifier: BSD-3-Clause
"""The thin pam_tmdb.so and its core (module/core_loader.h): the core is pam_tmdb_core.so in
the directory the module was loaded from, loaded only when a login's steps run in process.
Without it, an in-process login is PAM_SERVICE_ERR with a log line naming the file; what the
thin module answers itself (scope, the helper path) needs no core. Copies of the built module
in temporary directories; real libpam, the stand-in."""

import os
import re
import shutil
import subprocess

import pytest

from helperenv import NOBODY, TMDB_USER, USER, pamtester_as_user, user_runs
from tmdbpam import assert_logged, module_path

CORE = "pam_tmdb_core.so"


def lone_module(directory, core_from=None):
    """pam_tmdb.so copied alone into directory, with core_from copied beside it as the core."""
    os.makedirs(directory, mode=0o755, exist_ok=True)
    os.chmod(directory, 0o755)
    path = os.path.join(directory, "pam_tmdb.so")
    shutil.copyfile(module_path(), path)
    os.chmod(path, 0o755)
    if core_from is not None:
        shutil.copyfile(core_from, os.path.join(directory, CORE))
        os.chmod(os.path.join(directory, CORE), 0o755)
    return path


def lines_for(pam, path):
    args = ["conf=%s" % pam.conf_path] + list(pam.args)
    return ["%s required %s %s" % (t, path, " ".join(args)) for t in pam.TYPES]


def test_without_the_core_an_in_process_login_is_a_service_error_naming_the_file(pam, tmp_path):
    path = lone_module(str(tmp_path / "alone"))
    pam.lines = lines_for(pam, path)
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "cannot load %s" % os.path.join(str(tmp_path / "alone"), CORE))
    assert pam.standin.stats()["total_requests"] == 0


def test_a_core_without_its_entry_points_is_a_service_error_naming_the_file(pam, tmp_path):
    # the thin module itself put where the core belongs: it loads, but has no core entry point
    path = lone_module(str(tmp_path / "wrong"), core_from=module_path())
    pam.lines = lines_for(pam, path)
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "cannot use %s: it has no pam_tmdb_core_authenticate"
                  % os.path.join(str(tmp_path / "wrong"), CORE))
    assert pam.standin.stats()["total_requests"] == 0


def test_the_core_is_found_beside_the_module_wherever_it_is(pam, tmp_path):
    core = os.path.join(os.path.dirname(module_path()), CORE)
    path = lone_module(str(tmp_path / "moved"), core_from=core)
    pam.lines = lines_for(pam, path)
    r = pam.run("authenticate acct_mgmt setcred open_session close_session", approve_as="alice")
    assert r.rc == 0, r.dump()
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 5, r.dump()


def test_scope_and_configuration_errors_need_no_core(pam, tmp_path):
    path = lone_module(str(tmp_path / "alone"))
    pam.lines = lines_for(pam, path)
    # root is out of scope: the thin module ignores it before anything is loaded
    r = pam.run("authenticate", user="root")
    assert r.op_list == [("authenticate", "PAM_PERM_DENIED")], r.dump()   # libpam's, for a stack that only ignored
    # a configuration error is told by the thin module itself
    pam.conf["approval"] = "sometimes"
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert_logged(r, "approval")
    assert not any("cannot load" in m for m in r.log_messages), r.dump()


@pytest.fixture
def user_run(standin):
    yield from user_runs(standin)


def test_the_helper_path_never_loads_the_core(user_run):
    # a host run by an ordinary user, with a module that has no core beside it at all
    path = lone_module(os.path.join(user_run.dir, "alone"))
    args = ["conf=%s" % user_run.conf_path] + list(user_run.args)
    user_run.lines = ["%s required %s %s" % (t, path, " ".join(args))
                      for t in ("auth", "account", "session", "password")]
    r = user_run.host("authenticate acct_mgmt setcred open_session close_session", approve_as=TMDB_USER)
    assert r.rc == 0, r.dump()
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 5, r.dump()
    assert not any("cannot load" in m for m in r.log_messages), r.dump()


def loaded_libraries(stderr):
    """The objects the dynamic loader loaded, from LD_DEBUG=files output."""
    return set(re.findall(r"file=(\S+) \[\d+\];  (?:needed by|dynamically loaded by)", stderr))


def test_a_user_run_host_through_the_helper_never_loads_libcurl(user_run):
    """pamtester (which links no libcurl itself) as the user: through the helper neither
    libcurl, yajl nor libqrencode comes into the host; with a config of the user's own (in
    process) the core brings libcurl in, which shows the check sees it."""
    exe, wrap = pamtester_as_user(user_run)
    if os.environ.get("TMDB_HOST_WRAPPER") or os.environ.get("TMDB_SANITIZERS") == "yes":
        pytest.skip("counts the host's own libraries: a plain build, no wrapper")
    user_run.standin.configure(auto_approve=TMDB_USER)
    user_run.args.append("approval=poll")

    def run():
        user_run.write()
        env = dict(wrap, PATH=os.environ.get("PATH", os.defpath), LD_DEBUG="files")
        return subprocess.run([exe, user_run.service, USER, "authenticate"], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, env=env, timeout=120, **user_run.as_nobody())

    p = run()
    assert p.returncode == 0, p.stdout + p.stderr[-3000:]
    libs = loaded_libraries(p.stderr)
    assert any("pam_tmdb.so" in f for f in libs), sorted(libs)
    assert not [f for f in libs if any(n in f for n in ("libcurl", "libyajl", "libqrencode", CORE))], sorted(libs)
    # the same host with a config of the user's own: in process, through the core
    mine = os.path.join(user_run.dir, "mine")
    os.mkdir(mine)
    os.chown(mine, NOBODY, NOBODY)
    conf = os.path.join(mine, "pam_tmdb.conf")
    with open(conf, "w") as f:
        f.write("".join("%s = %s\n" % (k, v) for k, v in user_run.conf.items() if v is not None))
    os.chown(conf, NOBODY, NOBODY)
    os.chmod(conf, 0o600)
    user_run.lines = ["auth required %s conf=%s approval=poll" % (module_path(), conf)]
    p = run()
    assert p.returncode == 0, p.stdout + p.stderr[-3000:]
    libs = loaded_libraries(p.stderr)
    assert [f for f in libs if CORE in f] and [f for f in libs if "libcurl" in f], sorted(libs)
