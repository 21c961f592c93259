# SPDX-License-Identifier: BSD-3-Clause
"""`tmdbctl check` (tmdbctl(8) CHECK) on a build tree, against the stand-in over real TLS: each
test breaks exactly one thing and reads what the check says of it, in text and in JSON (file,
line, key, a fix), and its exit status (0: a login could work, 1: it could not). The PAM
directory is the test's own (--pam-dir), the helper path a file of the test's (--helper). No
run ever prints a secret: every run is searched for the keys and tokens it could hold."""

import json
import os
import re
import socket
import subprocess

import pytest

from pamhost import write_private, write_service
from test_tmdbctl import tmdbctl_binary
from tmdbpam import ACCESS_TOKEN, API_KEY, module_path, pam  # noqa: F401 (fixture)

WRONG_KEY = "wrong-key-0123456789abcdef"
SECRETS = (API_KEY, ACCESS_TOKEN, WRONG_KEY, "argument-secret-42")


@pytest.fixture(autouse=True)
def _built():
    if not os.path.exists(tmdbctl_binary()):
        pytest.skip("tmdbctl not built")


@pytest.fixture
def env(pam):
    """The pam fixture with a map of users that exist here (root), so a sound setup has no
    warning either; the helper path names a file that does not exist."""
    pam.user_map = write_private(pam.dir / "users", "root root\n")
    pam.conf["user_map"] = pam.user_map
    pam.helper = str(pam.dir / "pam_tmdb_helper")
    return pam


def run(env, *args, write=True):
    """Both forms: (text process, json process, json document). Asserts that no secret shows."""
    if write:
        env.write()
    base = [tmdbctl_binary(), "--conf", str(env.conf_path), "check", "--pam-dir", str(env.service_dir),
            "--helper", env.helper] + list(args)
    out = []
    for fmt in ("text", "json"):
        p = subprocess.run(base + ["--format", fmt], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        for secret in SECRETS:
            assert secret not in p.stdout and secret not in p.stderr, "a secret was printed:\n" + p.stdout + p.stderr
        out.append(p)
    text, js = out
    doc = json.loads(js.stdout)
    assert text.returncode == js.returncode, (text.stdout, js.stdout)
    assert doc["ok"] is (js.returncode == 0)
    assert doc["errors"] == sum(1 for p in doc["problems"] if p["severity"] == "error")
    return text, js, doc


def problems(doc, check=None, key=None, severity=None):
    return [p for p in doc["problems"]
            if (check is None or p["check"] == check) and (key is None or p["key"] == key)
            and (severity is None or p["severity"] == severity)]


def one(doc, **kw):
    found = problems(doc, **kw)
    assert len(found) == 1, "expected one problem %r in %s" % (kw, json.dumps(doc, indent=1))
    return found[0]


def in_text(text, p):
    """The text form has the same problem: file[:line], [key], message, then its fix (the two
    forms come from two runs: a time that libcurl quotes may differ)."""
    where = p["file"] + (":%d" % p["line"] if p["line"] else "")
    head = "%s: %s: %s%s" % (p["severity"], where, "[%s] " % p["key"] if p["key"] else "", p["message"])
    head = re.sub(r"\d+ ms\b", "N ms", head)
    lines = [re.sub(r"\d+ ms\b", "N ms", line) for line in text.stdout.splitlines()]
    assert head in lines, "%r not in:\n%s" % (head, text.stdout)
    assert lines[lines.index(head) + 1] == "  fix: " + p["fix"]


def test_a_sound_configuration_exits_0(env):
    text, js, doc = run(env)
    assert text.returncode == 0, text.stdout + text.stderr
    assert [p for p in doc["problems"] if p["severity"] != "note"] == [], doc
    assert text.stdout.splitlines()[-1] == "result: no errors, 0 warnings: a login could work"
    assert doc["schema"] == 1 and doc["pam_dir"] == str(env.service_dir)
    rows = [(s["name"], s["type"], s["line"], s["user_run"]) for s in doc["services"]]
    assert rows == [("tmdb", t, i + 1, False) for i, t in enumerate(("auth", "account", "session", "password"))]
    assert doc["services"][0]["arguments"] == "conf=%s" % env.conf_path
    # the key was tried once a run on TMDb: one token/new
    assert [r["path"] for r in env.standin.requests()] == ["/3/authentication/token/new"] * 2
    # the helper is not needed here: a note, not a warning
    assert one(doc, key="helper")["severity"] == "note"


def test_unknown_key_and_bad_value_are_both_reported(env):
    env.raw_conf = env.conf_text() + "frobnicate = yes\nmax_prompts = 99\n"
    text, _, doc = run(env)
    assert text.returncode == 1
    n = len(env.conf_text().splitlines())
    unknown = one(doc, key="frobnicate")
    assert (unknown["check"], unknown["file"], unknown["line"]) == ("config", str(env.conf_path), n - 1)
    assert unknown["message"] == 'unknown option "frobnicate"'
    bad = one(doc, key="max_prompts")
    assert (bad["line"], bad["message"]) == (n, "max_prompts: expected a whole number from 1 to 20")
    assert "max_prompts" in bad["fix"]
    in_text(text, unknown)
    in_text(text, bad)
    assert text.stdout.splitlines()[-1].startswith("result: 2 errors,")


def test_a_pasted_key_as_a_line_is_not_echoed(env):
    env.raw_conf = env.conf_text() + WRONG_KEY + "\n"
    text, _, doc = run(env)
    assert text.returncode == 1
    p = one(doc, check="config", severity="error")
    assert p["key"] is None and p["line"] == len(env.conf_text().splitlines())
    assert "name not shown" in p["message"]


def test_world_readable_config_with_a_key(env):
    env.write()
    os.chmod(str(env.conf_path), 0o644)
    text, _, doc = run(env, write=False)
    assert text.returncode == 1
    p = one(doc, check="files", key="api_key")
    assert p["file"] == str(env.conf_path)
    assert p["message"] == "holds api_key but others may access it (mode 0644)"
    assert p["fix"] == "chmod o-rwx %s" % env.conf_path
    in_text(text, p)


def test_key_file_readable_by_others(env):
    env.conf["api_key"] = None
    env.conf["api_key_file"] = write_private(env.dir / "key", API_KEY + "\n", mode=0o644)
    text, _, doc = run(env)
    assert text.returncode == 1
    p = one(doc, key="api_key_file")
    assert (p["file"], p["message"]) == (env.conf["api_key_file"], "the key file is accessible by others (mode 0644)")
    in_text(text, p)


def test_user_map_writable_by_others(env):
    env.write()
    os.chmod(env.user_map, 0o646)
    text, _, doc = run(env, write=False)
    assert text.returncode == 1
    p = one(doc, key="user_map")
    assert (p["check"], p["file"]) == ("files", env.user_map)
    assert p["message"] == "the user map cannot be used: writable by group or others"
    assert p["fix"] == "chmod go-w %s" % env.user_map
    in_text(text, p)


def test_user_map_lines(env):
    write_private(env.user_map, "# comment\nroot root\nroot someoneelse\nbroken\nno-such-user-x carol\n")
    text, _, doc = run(env)
    assert text.returncode == 1  # a malformed line refuses the users after it
    found = {p["line"]: p for p in problems(doc, check="user_map")}
    assert sorted(found) == [3, 4, 5], doc
    assert (found[3]["severity"], found[3]["message"]) == (
        "warning", "root is listed again (first on line 2): only the first line counts")
    assert found[4]["severity"] == "error" and found[4]["message"].startswith("malformed line")
    assert (found[5]["severity"], found[5]["message"]) == ("warning", "no local user no-such-user-x")
    for p in found.values():
        assert p["file"] == env.user_map
        in_text(text, p)


def test_wrong_ca_names_cafile_and_server(env, tls):
    env.conf["cafile"] = str(tls.untrusted_ca_cert)
    text, _, doc = run(env)
    assert text.returncode == 1
    p = one(doc, check="tls")
    assert p["key"] == "cafile"
    assert p["message"].startswith("TLS with the server %s failed, trusting cafile %s: "
                                   % (env.standin.url, tls.untrusted_ca_cert)), p
    assert "certificate" in p["message"]
    assert "cafile" in p["fix"] and env.standin.url in p["fix"]
    in_text(text, p)
    assert env.standin.requests() == []


def test_key_refused_by_tmdb(env):
    env.conf["api_key"] = WRONG_KEY
    text, _, doc = run(env)
    assert text.returncode == 1
    p = one(doc, check="api")
    assert (p["key"], p["file"]) == ("api_key", str(env.conf_path))
    assert p["message"].startswith("TMDb at %s refuses the API key: " % env.standin.url)
    assert "status 7" in p["message"]
    in_text(text, p)


def test_key_refused_names_the_key_file(env):
    env.conf["api_key"] = None
    env.conf["api_key_file"] = write_private(env.dir / "key", WRONG_KEY + "\n")
    _, _, doc = run(env)
    p = one(doc, check="api")
    assert (p["key"], p["file"]) == ("api_key_file", env.conf["api_key_file"])


def test_api_url_unreachable(env):
    # bound but not listening: connections are refused, and no other process gets the port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        env.conf["api_url"] = "https://127.0.0.1:%d" % port
        text, _, doc = run(env)
    assert text.returncode == 1
    p = one(doc, check="network")
    assert p["key"] == "api_url"
    assert p["message"].startswith("https://127.0.0.1:%d cannot be reached: " % port)
    assert "connect" in p["message"].lower()
    in_text(text, p)


def test_lockers_using_the_module_need_the_helper(env):
    line = "auth required %s conf=%s" % (module_path(), env.conf_path)
    env.write()
    d = str(env.service_dir)
    write_service(d, "i3lock", [line], other=False)
    write_service(d, "common-auth", [line, "auth required pam_permit.so"], other=False)
    write_service(d, "xscreensaver", ["@include common-auth"], other=False)
    write_service(d, "sudo", ["auth [success=1 default=ignore] pam_unix.so", "auth include common-auth"], other=False)
    text, _, doc = run(env, write=False)
    assert text.returncode == 0, text.stdout  # a login through sudo or tmdb still works
    rows = {(s["name"], s["file"], s["line"], s["user_run"]) for s in doc["services"] if s["type"] == "auth"}
    common = os.path.join(d, "common-auth")
    assert rows == {("common-auth", common, 1, False), ("i3lock", os.path.join(d, "i3lock"), 1, True),
                    ("sudo", common, 1, False), ("tmdb", os.path.join(d, "tmdb"), 1, False),
                    ("xscreensaver", common, 1, True)}
    p = one(doc, key="helper")
    assert p["severity"] == "warning" and p["file"] == env.helper
    assert p["message"] == ("the helper is missing: i3lock, xscreensaver run as the user and cannot read the "
                            "key without it")
    in_text(text, p)
    assert "  i3lock           auth     %s:1 (run by the user: needs the helper)  conf=%s" % (
        os.path.join(d, "i3lock"), env.conf_path) in text.stdout.splitlines()

    # a helper that is there but not setgid: said plainly
    with open(env.helper, "w") as f:
        f.write("#!/bin/sh\n")
    os.chmod(env.helper, 0o755)
    _, _, doc = run(env, write=False)
    p = one(doc, key="helper")
    assert p["message"] == ("the helper has no setgid bit: it cannot read the key file on the user's behalf; "
                            "used by i3lock, xscreensaver")


def check_without_helper_option(env):
    """tmdbctl check as an administrator runs it: the helper path from the configuration's
    helper key (no --helper), JSON form."""
    env.write()
    p = subprocess.run([tmdbctl_binary(), "--conf", str(env.conf_path), "check", "--pam-dir",
                        str(env.service_dir), "--format", "json"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    for secret in SECRETS:
        assert secret not in p.stdout and secret not in p.stderr
    return json.loads(p.stdout)


def test_helper_key_names_the_helper_checked(env):
    """helper = PATH in the configuration is the helper the check looks at, and helper = no is
    said plainly when a user-run host uses the module."""
    line = "auth required %s conf=%s" % (module_path(), env.conf_path)
    own = str(env.dir / "my_helper")
    env.conf["helper"] = own
    env.write()
    write_service(str(env.service_dir), "vlock", [line], other=False)
    p = one(check_without_helper_option(env), key="helper")
    assert (p["severity"], p["file"]) == ("warning", own), p
    assert p["message"] == "the helper is missing: vlock run as the user and cannot read the key without it"

    env.conf["helper"] = "no"
    p = one(check_without_helper_option(env), key="helper")
    assert p["severity"] == "warning" and p["fix"] == 'remove "helper = no"', p
    assert p["message"] == "the helper is off (helper = no): vlock run as the user and cannot read the key"


def test_service_arguments_are_read_with_service(env):
    env.write()
    d = str(env.service_dir)
    write_service(d, "sshd", ["auth required %s conf=%s approval=sideways api_key=argument-secret-42"
                              % (module_path(), env.conf_path)], other=False)
    text, _, doc = run(env, "--service", "sshd", write=False)
    assert text.returncode == 1
    sshd = os.path.join(d, "sshd")
    bad = one(doc, key="approval")
    assert (bad["file"], bad["line"]) == (sshd, 1)
    assert bad["message"].startswith('module argument: approval: invalid value "sideways"'), bad
    secret = one(doc, check="services", key="api_key")
    assert (secret["file"], secret["line"]) == (sshd, 1)
    assert "readable by everyone" in secret["message"]
    in_text(text, bad)
    in_text(text, secret)
    assert [s["arguments"] for s in doc["services"] if s["name"] == "sshd"] == [
        "conf=%s approval=sideways api_key=(hidden)" % env.conf_path]

    # without --service the arguments of sshd are not the configuration's: only the secret shows
    _, _, doc = run(env, write=False)
    assert problems(doc, key="approval") == []
    one(doc, check="services", key="api_key")


def test_unknown_service(env):
    text, _, doc = run(env, "--service", "nosuch")
    assert text.returncode == 1
    p = one(doc, check="services")
    assert p["message"] == "no service nosuch in %s" % env.service_dir


def test_missing_key_says_so(env):
    env.conf["api_key"] = None
    text, _, doc = run(env)
    assert text.returncode == 1
    p = one(doc, key="api_key", severity="error")
    assert p["message"] == "api_key: missing (set api_key, api_key_file or access_token)"
    assert "api_key_file" in p["fix"]
    in_text(text, p)
    assert env.standin.requests() == []  # nothing to try on TMDb


def test_state_dir_open_to_others_is_a_warning(env):
    os.chmod(str(env.state_dir), 0o755)
    text, _, doc = run(env)
    assert text.returncode == 0
    p = one(doc, key="state_dir")
    assert (p["severity"], p["file"]) == ("warning", str(env.state_dir))
    assert p["message"].startswith("mode 0755 is too open: ")
    assert p["fix"] == "chmod o-rwx %s" % env.state_dir
    in_text(text, p)


def test_the_journal_directory_owned_like_its_state_dir_is_sound(env):
    (env.state_dir / "sessions").mkdir(mode=0o700)
    _, _, doc = run(env)
    assert problems(doc, key="state_dir") == []


@pytest.mark.parametrize("case", ["another owner", "open to others", "a symlink", "not the helper's group"])
def test_the_journal_directory_not_owned_like_its_state_dir_is_a_warning(env, case):
    """journal.c refuses {state_dir}/sessions unless it is owned like its state_dir."""
    d = env.state_dir / "sessions"
    if case == "a symlink":
        (env.state_dir / "elsewhere").mkdir(mode=0o700)
        d.symlink_to(env.state_dir / "elsewhere")
    else:
        d.mkdir(mode=0o700)
    if case == "another owner":
        os.chown(str(d), 65534, 0)
    elif case == "open to others":
        os.chmod(str(d), 0o705)
    elif case == "not the helper's group":          # state_dir 0770 root:GID, sessions/ root's
        os.chown(str(env.state_dir), 0, 64123)
        os.chmod(str(env.state_dir), 0o770)
    text, _, doc = run(env)
    assert text.returncode == 0                      # logins still work
    p = one(doc, key="state_dir")
    assert (p["severity"], p["file"]) == ("warning", str(d))
    if case == "another owner":
        assert p["message"].startswith("owned by uid 65534, not by the state_dir's owner (uid 0): ")
        assert p["fix"] == "chown 0 %s" % d
    elif case == "open to others":
        assert p["message"].startswith("mode 0705 is too open: ")
        assert p["fix"] == "chmod o-rwx %s" % d
    elif case == "a symlink":
        assert p["message"].startswith("is not a directory (or is a symlink): ")
    else:
        assert p["message"].startswith("group 0 mode 0700, not the state_dir's (group 64123 mode 0770): ")
        assert p["fix"] == "chgrp 64123 %s; chmod g=rwx %s" % (d, d)
    in_text(text, p)


def test_v4_token_is_tried_with_request_token(env):
    env.conf["api_key"] = None
    env.conf["access_token"] = ACCESS_TOKEN
    env.conf["flow"] = "v4"
    text, _, doc = run(env)
    assert text.returncode == 0, text.stdout
    assert [r["path"] for r in env.standin.requests()] == ["/4/auth/request_token"] * 2


def test_usage_errors(env):
    for args in (["--format", "yaml"], ["--service"], ["--service", "../x"], ["--bogus", "1"]):
        p = subprocess.run([tmdbctl_binary(), "check"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        assert p.returncode == 2 and p.stdout == "" and "usage: tmdbctl" in p.stderr, args


def test_every_problem_between_keys_is_reported(env):
    """options_validate stops at the first: the check names each, on the line that set the key."""
    env.conf["api_key"] = None
    env.conf["api_url"] = "http://127.0.0.1:1"
    env.conf["connect_timeout"] = "30"
    env.conf["timeout"] = "10"
    text, _, doc = run(env)
    assert text.returncode == 1
    lines = {k: i + 1 for i, k in enumerate(k for k, v in env.conf.items() if v is not None)}
    got = [(p["key"], p["line"]) for p in problems(doc, check="config", severity="error")]
    assert got == [("api_key", None), ("api_url", lines["api_url"]), ("connect_timeout", lines["connect_timeout"])]
    for p in problems(doc, check="config", severity="error"):
        in_text(text, p)


def test_self_enroll_and_the_records_directory(env):
    text, _, doc = run(env)
    p = one(doc, key="self_enroll")
    assert p["severity"] == "note" and p["message"].startswith("self_enroll = no"), p
    env.conf["self_enroll"] = "yes"
    text, _, doc = run(env)
    accounts = str(env.state_dir / "accounts")
    p = one(doc, key="self_enroll")
    assert (p["severity"], p["file"]) == ("warning", accounts), p
    assert "does not exist" in p["message"] and p["fix"].startswith("install -d -o root -g ")
    in_text(text, p)
    os.mkdir(accounts, 0o700)
    text, _, doc = run(env)
    p = one(doc, key="self_enroll")
    assert p["severity"] == "note" and "records in %s (owner uid 0" % accounts in p["message"], p
    assert "mode 0700" in p["message"]
    assert text.returncode == 0
    os.chmod(accounts, 0o705)
    _, _, doc = run(env)
    assert [q["severity"] for q in problems(doc, key="self_enroll")] == ["note", "warning"], doc
    assert problems(doc, key="self_enroll")[1]["message"].startswith("mode 0705 is too open")
