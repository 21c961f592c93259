# SPDX-License-Identifier: BSD-3-Clause
"""tmdb-login run by an ordinary user (NOBODY) whose configuration is root's (0640, the helper's
group): it signs in through pam_tmdb_helper (tmdb-login(1), pam_tmdb_helper(8)). The fake
browser of test_tmdb_login.py approves and comes back to the loopback return address."""

import json
import os
import re
import signal
import subprocess
import time
import urllib.parse

import pytest

from helperenv import ACCESS_TOKEN, API_KEY, NOBODY, TMDB_USER, USER, approve_shown_token, user_runs
from test_tmdb_login import FAKE_BROWSER, SESSION_RE, login_binary
from tmdbpam import count

SESSION_DELETE = "/3/authentication/session"


def _with_browser_dir(env):
    env.conf["allow_return_to"] = "yes"
    env.browser_dir = os.path.join(env.dir, "browser")
    os.mkdir(env.browser_dir)
    os.chown(env.browser_dir, NOBODY, NOBODY)


@pytest.fixture
def user_run(standin):
    yield from user_runs(standin, prepare=_with_browser_dir)


def login_env(user_run, browser="allow"):
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent"}
    if browser is not None:
        env.update({
            "DISPLAY": ":tmdb-login-test",
            "BROWSER": "/usr/bin/python3 '%s'" % FAKE_BROWSER,
            "FAKE_BROWSER_LOG": os.path.join(user_run.browser_dir, "browser.log"),
            "FAKE_BROWSER_ACTION": browser,
            "FAKE_BROWSER_USER": TMDB_USER,
            "FAKE_BROWSER_CAFILE": user_run.cafile,
            "FAKE_BROWSER_STANDIN": user_run.standin.url,
            "FAKE_BROWSER_PROBES": "0",
        })
    return env


def login_cmd(user_run, args):
    return [login_binary(), "--confdir", user_run.service_dir, "--service", user_run.service] + list(args)


def run_login(user_run, *args, browser="allow", timeout=120):
    user_run.write()
    p = subprocess.run(login_cmd(user_run, args), stdin=subprocess.DEVNULL, capture_output=True,
                       env=login_env(user_run, browser), timeout=timeout, **user_run.as_nobody())
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def browser_log(user_run):
    path = os.path.join(user_run.browser_dir, "browser.log")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f]


def live(user_run):
    return user_run.standin.live_sessions_of(TMDB_USER)


def test_json_through_the_helper_with_the_loopback_return_address(user_run):
    rc, out, err = run_login(user_run, "--format", "json")
    assert rc == 0, out + err
    obj = json.loads(out)
    assert SESSION_RE.match(obj["TMDB_SESSION_ID"]) and obj["TMDB_ACCOUNT_USERNAME"] == TMDB_USER
    urls = [e["url"] for e in browser_log(user_run) if "url" in e]
    assert urls and "redirect_to=http%3A%2F%2F127.0.0.1%3A" in urls[0], browser_log(user_run)
    back = [e for e in browser_log(user_run) if e.get("step") == "return"]
    assert back and back[0]["status"] == 200
    assert API_KEY not in out + err
    assert not user_run.wait_no_helper()


def test_exec_and_the_session_is_deleted_after(user_run):
    before = live(user_run)
    rc, out, err = run_login(user_run, "--exec", "sh", "-c", 'echo "sid=$TMDB_SESSION_ID"')
    assert rc == 0, out + err
    assert re.match(r"^sid=[0-9a-f]{40}\n$", out), out + err
    assert live(user_run) == before
    assert count(user_run.standin, "DELETE", SESSION_DELETE) == 1
    assert not user_run.wait_no_helper()


def test_flow_v4_through_the_helper(user_run):
    user_run.conf["api_key"] = None
    user_run.conf["access_token"] = ACCESS_TOKEN
    user_run.conf["flow"] = "v4"
    user_run.conf["approve_url_v4"] = user_run.standin.url + "/auth/access?request_token="
    # approved from the test, with the request token the URL shows
    user_run.write()
    proc = subprocess.Popen(login_cmd(user_run, ["--no-browser", "--format", "json"]),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=login_env(user_run, None), **user_run.as_nobody())
    try:
        seen, out, err = approve_shown_token(proc, user_run.standin, TMDB_USER)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, (seen + err).decode()
    obj = json.loads(out)
    assert obj["TMDB_ACCOUNT_USERNAME"] == TMDB_USER
    assert ACCESS_TOKEN not in (seen + err + out).decode()


def helper_children(user_run, parent):
    out = []
    for pid in user_run.helpers_running():
        try:
            with open("/proc/%d/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid == parent:
            out.append(pid)
    return out


def test_the_host_killed_mid_approval_leaves_no_helper_and_no_session(user_run):
    """tmdb-login waits for Enter (no browser): its helper waits for the answer. SIGKILL to
    tmdb-login: the helper ends at once, and no session was made; approving afterwards makes
    none either."""
    before = live(user_run)
    user_run.write()
    proc = subprocess.Popen(login_cmd(user_run, ["--no-browser", "--format", "json"]),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=login_env(user_run, None), **user_run.as_nobody())
    try:
        url = None
        while url is None:
            line = proc.stderr.readline()
            assert line, "tmdb-login ended before showing a URL"
            if line.startswith(b"https://"):
                url = line.decode().strip()
        helpers = helper_children(user_run, proc.pid)
        assert len(helpers) == 1, helpers
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not user_run.wait_no_helper(timeout=15), "the helper outlived its host"
    token = urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    user_run.standin.approve(token, TMDB_USER)
    time.sleep(0.5)
    assert live(user_run) == before
    assert count(user_run.standin, "POST", "/3/authentication/session/new") == 0
