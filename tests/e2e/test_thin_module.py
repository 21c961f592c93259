# SPDX-License-Identifier: BSD-3-Clause
"""The thin pam_tmdb.so and its core (module/core_loader.h): the core is pam_tmdb_core.so in
the directory the module was loaded from, loaded only when a login's steps run in process.
Without it, an in-process login is PAM_SERVICE_ERR with a log line naming the file; what the
thin module answers itself (scope, the helper path) needs no core. Copies of the built module
in temporary directories; real libpam, the stand-in."""

import os
import shutil

import pytest

from helperenv import TMDB_USER, user_runs
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
