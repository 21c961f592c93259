# SPDX-License-Identifier: BSD-3-Clause
"""The libpam-tmdb package, round trip: build it, lintian it, then in an isolated root (a
private mount namespace with overlays on /etc, /usr and /var, see isolated.py) install it,
enable its pam-auth-update profile, sign in through the real common-* stack against the TMDb
stand-in, disable it, purge it, and find /etc/pam.d, /usr/share/pam-configs and /var/lib/pam
byte for byte as before. The machine's own files are checked unchanged at the end.

The tests run in order and share one isolated root (each needs the state the previous left).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[0] / "e2e"))

from isolated import IsolatedRoot, machine_snapshot, usable  # noqa: E402
from pamhost import HostResult, host_binary  # noqa: E402

MULTIARCH = subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"], stdout=subprocess.PIPE,
                           universal_newlines=True).stdout.strip() or "x86_64-linux-gnu"
ARCH = subprocess.run(["dpkg", "--print-architecture"], stdout=subprocess.PIPE,
                      universal_newlines=True).stdout.strip()
MODULE = "/lib/%s/security/pam_tmdb.so" % MULTIARCH
# the in-process steps, loaded by the thin module from its own directory (module/core_loader.h)
CORE = "/lib/%s/security/pam_tmdb_core.so" % MULTIARCH
CONFFILE = "/etc/security/pam_tmdb.conf"
USER_MAP = "/etc/security/pam_tmdb.users"
PROFILE = "/usr/share/pam-configs/tmdb"
LOGIN = "/usr/bin/tmdb-login"
HELPER = "/usr/libexec/pam_tmdb/pam_tmdb_helper"
TMDBCTL = "/usr/sbin/tmdbctl"
STATE_DIR = "/var/lib/pam_tmdb"
REAPER = "tmdbctl-revoke-orphans"
PAM_DIRS = ("/etc/pam.d", "/usr/share/pam-configs", "/var/lib/pam")
SERVICE = "tmdb-roundtrip"
# a user of the module's scope (uid >= 1000) bound to the stand-in's "alice", and one without
# a user_map line; both exist only in the isolated root's /etc/passwd
USER, USER_UID = "tmdbrt", 4242
OTHER, OTHER_UID = "tmdbother", 4243
MACHINE_PATHS = ["/etc/pam.d", "/usr/share/pam-configs", "/var/lib/pam", "/etc/security",
                 "/etc/passwd", "/etc/shadow", "/var/lib/dpkg/status", "/var/lib/dpkg/info/libpam-tmdb:%s.list" % ARCH,
                 "/lib/%s/security" % MULTIARCH, "/usr/share/doc/libpam-tmdb", "/var/cache/pam_tmdb",
                 "/usr/share/man/man8/pam_tmdb.8.gz", "/usr/bin/tmdb-login",
                 "/usr/share/man/man1/tmdb-login.1.gz", "/usr/sbin/tmdbctl", "/var/lib/pam_tmdb",
                 "/lib/systemd/system/tmdbctl-revoke-orphans.timer"]

why = usable()
pytestmark = pytest.mark.skipif(why is not None, reason="no isolated root: %s" % why)


@pytest.fixture(scope="session", autouse=True)
def machine_before():
    """Taken before anything else of this module runs, the package build included."""
    return machine_snapshot(MACHINE_PATHS)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    r = IsolatedRoot(tmp_path_factory.mktemp("root"))
    # man-db's trigger would rebuild the whole manual database: not what is tested here
    r.run("rm -f /var/lib/man-db/auto-update", check=True)
    r.before = r.checksums(*PAM_DIRS)
    yield r
    r.cleanup()


def dpkg(root, *args):
    return root.run(["dpkg", "--log=/dev/null"] + list(args))


def pam_lines(text, module="pam_tmdb.so"):
    return [line for line in text.splitlines() if not line.startswith("#") and module in line]


def run_host(root, standin, user, ops, approve_as=None, answers=(), service=SERVICE):
    cmd = [host_binary(), "--confdir", "/etc/pam.d", "--service", service, "--user", user,
           "--cafile", standin.cafile]
    if approve_as:
        cmd += ["--approve-as", approve_as]
    for a in answers:
        cmd += ["--answer", a]
    cmd += ["--"] + ops.split()
    r = root.run(cmd, timeout=120)
    return HostResult(r.cmd, r.rc, r.stdout, r.stderr)


def total_requests(standin):
    return standin.stats()["total_requests"]


def configure(root, standin):
    url = standin.url.replace("localhost", "127.0.0.1")
    root.write(CONFFILE, "api_key = %s\napi_url = %s\ncafile = %s\n"
               % (standin.api_key, url, standin.cafile), mode=0o600)
    root.write(USER_MAP, "%s alice\n" % USER, mode=0o644)


# -- the package ---------------------------------------------------------------------------------

def test_package_contents(package):
    listing = subprocess.run(["dpkg-deb", "-c", package.deb], stdout=subprocess.PIPE,
                             universal_newlines=True, check=True).stdout
    files = {}
    for line in listing.splitlines():
        perms, _, _, _, _, path = line.split(None, 5)
        files[path.split(" -> ")[0].lstrip(".")] = perms
    assert files.get(MODULE, "").startswith("-rw-r--r--"), listing
    assert files.get(CORE, "").startswith("-rw-r--r--"), "the core beside the module\n" + listing
    assert files.get(CONFFILE) == "-rw-------", "the configuration is 0600 from the start\n" + listing
    assert PROFILE in files, listing
    assert files.get(LOGIN) == "-rwxr-xr-x", "tmdb-login is shipped\n" + listing
    # no setgid file in the .deb: postinst sets the helper's mode (dpkg-statoverride)
    assert files.get(HELPER) == "-rwxr-xr-x", "the helper is shipped\n" + listing
    assert files.get(TMDBCTL) == "-rwxr-xr-x", "tmdbctl is shipped\n" + listing
    assert files.get(STATE_DIR + "/") == "drwx------", "the journal's directory is root's only\n" + listing
    for unit in ("service", "timer"):
        assert files.get("/lib/systemd/system/%s.%s" % (REAPER, unit), "").startswith("-rw-r--r--"), listing
    for page in ("/usr/share/man/man8/pam_tmdb.8.gz", "/usr/share/man/man5/pam_tmdb.conf.5.gz",
                 "/usr/share/man/man1/tmdb-login.1.gz", "/usr/share/man/man8/pam_tmdb_helper.8.gz",
                 "/usr/share/man/man8/tmdbctl.8.gz",
                 "/usr/share/doc/libpam-tmdb/examples/tmdb.pam.example",
                 "/usr/share/doc/libpam-tmdb/examples/tmdb-enroll.pam.example"):
        assert page in files, listing
    assert not [f for f in files if f.endswith(".la") or f.startswith("/etc/pam.d")], listing
    info = subprocess.run(["dpkg-deb", "-I", package.deb, "conffiles"], stdout=subprocess.PIPE,
                          universal_newlines=True, check=True).stdout
    assert info.split() == [CONFFILE]


def deb_file(package, path, tmp_path):
    subprocess.run(["dpkg-deb", "-x", package.deb, str(tmp_path / "x")], check=True)
    return (tmp_path / "x" / path.lstrip("/")).read_text()


def test_the_shipped_module_is_thin(package, tmp_path):
    """pam_tmdb.so needs no libcurl, yajl or libqrencode; its core beside it does."""
    subprocess.run(["dpkg-deb", "-x", package.deb, str(tmp_path / "x")], check=True)

    def needed(path):
        out = subprocess.run(["readelf", "-d", str(tmp_path / "x" / path.lstrip("/"))], stdout=subprocess.PIPE,
                             universal_newlines=True, check=True).stdout
        return re.findall(r"\(NEEDED\).*\[(.*)\]", out)

    thin, core = needed(MODULE), needed(CORE)
    assert not [n for n in thin if re.match(r"lib(curl|yajl|qrencode)\.", n)], thin
    assert [n for n in core if n.startswith("libcurl.")], core


def test_shipped_configuration_has_no_secret(package, tmp_path):
    text = deb_file(package, CONFFILE, tmp_path)
    active = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    active = [line for line in active if line]
    assert not [line for line in active if re.match(r"(api_key|api_key_file|access_token)\b", line)], active


def test_profile_is_off_by_default_and_scoped(package, tmp_path):
    text = deb_file(package, PROFILE, tmp_path)
    fields = dict(re.findall(r"^([A-Za-z-]+):[ \t]*(.*)$", text, re.M))
    assert fields["Default"] == "no"
    assert fields["Auth-Type"] == "Primary"
    assert fields["Account-Type"] == "Additional" and fields["Session-Type"] == "Additional"
    modules = pam_lines(text)
    # approval=prompt only: the hosts that run as the user (screen lockers) reach the helper,
    # which takes no other key from module arguments (pam_tmdb_helper(8))
    assert len(modules) == 3 and all(m.split("pam_tmdb.so", 1)[1].split() == ["approval=prompt"]
                                     for m in modules), modules


def test_lintian_is_clean(package):
    out = subprocess.run(["lintian", "--pedantic", "-I", "-E", "--show-overrides", package.deb,
                          package.changes], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=600)
    print(out.stdout)
    tags = [line for line in out.stdout.splitlines() if re.match(r"^[EWIPXO]: ", line)]
    assert not [t for t in tags if t[0] in "EW"], "lintian errors or warnings:\n" + out.stdout
    # every override is explained in debian/README.source
    readme = (HERE.parents[1] / "debian" / "README.source").read_text()
    for t in tags:
        if t.startswith("O: "):
            tag = t.split(": ", 2)[2].split()[0]
            assert tag in readme, "override %s is not explained in debian/README.source" % tag


# -- install, enable, sign in, disable, purge --------------------------------------------------

def test_install_changes_no_pam_stack(package, root):
    r = dpkg(root, "-i", package.deb)
    assert r.rc == 0, r.dump()
    now = root.checksums(*PAM_DIRS)
    changed = sorted(p for p in set(now) | set(root.before) if now.get(p) != root.before.get(p))
    # the profile is new, and pam-auth-update --package notes that it has seen it
    assert changed == [PROFILE, "/var/lib/pam/seen"], changed
    # pam_tmdb_helper(8): the helper and the configuration belong to the group pam_tmdb, set
    # through dpkg-statoverride
    assert root.run(["stat", "-c", "%a %U %G", CONFFILE]).stdout.split() == ["640", "root", "pam_tmdb"]
    assert root.run(["stat", "-c", "%a %U %G", HELPER]).stdout.split() == ["2755", "root", "pam_tmdb"]
    overrides = root.run(["dpkg-statoverride", "--list"], check=True).stdout
    assert "root pam_tmdb 2755 %s" % HELPER in overrides and "root pam_tmdb 640 %s" % CONFFILE in overrides
    # the journal: the helper records the sessions of user-run hosts there too (0770 root:pam_tmdb,
    # shipped 0700 and set by postinst); its sessions/ and the enrolment records' accounts/ are
    # made root's, never by the helper
    assert "root pam_tmdb 770 %s" % STATE_DIR in overrides
    for d in (STATE_DIR, STATE_DIR + "/sessions", STATE_DIR + "/accounts"):
        assert root.run(["stat", "-c", "%a %U %G", d]).stdout.split() == ["770", "root", "pam_tmdb"], d
    assert root.exists(MODULE)


def test_enable_puts_pam_tmdb_into_the_common_files(root):
    r = root.run(["pam-auth-update", "--enable", "tmdb"])
    assert r.rc == 0, r.dump()
    auth = pam_lines(root.read("/etc/pam.d/common-auth"), "pam_")
    assert "pam_tmdb.so" in auth[0] and "pam_unix.so" in auth[1], auth
    assert re.match(r"auth\s+\[success=2 default=ignore\]\s+pam_tmdb\.so approval=prompt", auth[0]), auth
    assert pam_lines(root.read("/etc/pam.d/common-account"))
    assert pam_lines(root.read("/etc/pam.d/common-session"))
    root.write("/etc/pam.d/" + SERVICE,
               "@include common-auth\n@include common-account\n@include common-session\n")
    for name, uid in ((USER, USER_UID), (OTHER, OTHER_UID)):
        # a locked password ("!"): pam_unix cannot let them in, the account itself is valid
        root.run("echo '%s:x:%d:%d:pam_tmdb test:/nonexistent:/usr/sbin/nologin' >> /etc/passwd && "
                 "echo '%s:!:19000:0:99999:7:::' >> /etc/shadow" % (name, uid, uid, name), check=True)


def test_unconfigured_module_refuses_and_locks_nobody_out(root, standin):
    """The shipped configuration has no key: pam_tmdb refuses (nothing sent), and the profile's
    account line ignores that refusal, so enabling the profile too early locks nobody out."""
    standin.reset()
    r = run_host(root, standin, USER, "authenticate")
    assert r.op_list != [("authenticate", "PAM_SUCCESS")], r.dump()
    assert not r.urls, r.dump()
    for user in ("root", OTHER, USER):
        # the password is still asked (pam_unix refuses these locked or unknown passwords)
        r = run_host(root, standin, user, "authenticate", answers=["not-the-password"])
        assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
        assert r.conv and r.conv[-1]["style"] == "PAM_PROMPT_ECHO_OFF", r.dump()
        r = run_host(root, standin, user, "acct_mgmt open_session close_session")
        assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 3, r.dump()
    assert total_requests(standin) == 0


def test_installed_tmdbctl_check_says_the_key_is_missing(root, standin):
    """tmdbctl(8) CHECK on a fresh install: the shipped configuration has no key, so a login
    cannot work (exit 1), and the check says which key and where; TMDb is not asked."""
    standin.reset()
    r = root.run([TMDBCTL, "check"])
    assert r.rc == 1, r.dump()
    assert "error: %s: [api_key] api_key: missing" % CONFFILE in r.stdout, r.dump()
    assert "common-auth" in r.stdout, "the enabled profile's services are listed\n" + r.dump()
    assert total_requests(standin) == 0


def test_login_through_the_common_stack(root, standin):
    standin.reset()
    configure(root, standin)
    before = standin.live_sessions_of("alice")
    r = run_host(root, standin, USER,
                 "authenticate acct_mgmt setcred open_session env close_session setcred:delete",
                 approve_as="alice")
    assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 6, r.dump()
    assert len(r.urls) == 1, r.dump()
    envs = [e for e in r.events if e["ev"] == "env" and e["name"] == "TMDB_SESSION_ID"]
    assert envs and envs[0]["value"], r.dump()
    stats = standin.stats()["requests"]
    assert stats.get("DELETE /3/authentication/session") == 1, stats
    assert standin.live_sessions_of("alice") == before, "the logout deleted the session"


def test_installed_tmdbctl_check_passes_once_configured(root, standin):
    """Configured (key, stand-in, its CA, a user map): the installed check finds no error, asks
    TMDb once (token/new, over TLS with the configured cafile), and prints no key."""
    standin.reset()
    configure(root, standin)
    r = root.run([TMDBCTL, "check", "--format", "json"])
    assert r.rc == 0, r.dump()
    assert standin.api_key not in r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["ok"] is True and doc["errors"] == 0, r.dump()
    assert any(s["name"] == "common-auth" and s["type"] == "auth" for s in doc["services"]), r.dump()
    assert standin.stats()["requests"] == {"GET /3/authentication/token/new": 1}


def test_installed_tmdb_login_signs_in_and_logs_out(root, standin):
    """/usr/bin/tmdb-login from the package, on the system's /etc/pam.d: --exec through the
    common stack gives the command the session, and the logout after it deletes it."""
    standin.reset()
    configure(root, standin)
    standin.configure(auto_approve="alice")
    before = standin.live_sessions_of("alice")
    r = root.run([LOGIN, "--service", SERVICE, "--user", USER, "--no-browser", "--exec",
                  "sh", "-c", 'echo "user=$TMDB_ACCOUNT_USERNAME"'], input="\n", timeout=120)
    assert r.rc == 0, r.dump()
    assert r.stdout == "user=alice\n", r.dump()
    assert standin.live_sessions_of("alice") == before, "the logout deleted the session"


def test_a_user_signs_in_with_tmdb_login_through_the_helper(root, standin):
    """The user (uid 4242, no group of the helper's) runs the installed tmdb-login: it cannot
    read the key (0640 root:pam_tmdb), and signs in through the installed setgid helper;
    --exec gets the session, and the logout after it deletes it."""
    standin.reset()
    configure(root, standin)
    r = root.run(["sh", "-c", 'cat "$0" > /etc/security/pam_tmdb-test-ca.pem && chmod 0644 '
                  '/etc/security/pam_tmdb-test-ca.pem', standin.cafile])
    assert r.rc == 0, r.dump()
    url = standin.url.replace("localhost", "127.0.0.1")
    # written into the existing file: it keeps the group pam_tmdb
    root.write(CONFFILE, "api_key = %s\napi_url = %s\ncafile = /etc/security/pam_tmdb-test-ca.pem\n"
               % (standin.api_key, url), mode=0o640)
    standin.configure(auto_approve="alice")
    as_user = ["setpriv", "--reuid", str(USER_UID), "--regid", str(USER_UID), "--clear-groups"]
    r = root.run(as_user + ["cat", CONFFILE])
    assert r.rc != 0 and standin.api_key not in r.stdout, "the user can read the key\n" + r.dump()
    before = standin.live_sessions_of("alice")
    r = root.run(as_user + [LOGIN, "--service", SERVICE, "--no-browser", "--exec",
                            "sh", "-c", 'echo "user=$TMDB_ACCOUNT_USERNAME uid=$(id -u)"'],
                 input="\n", timeout=120)
    assert r.rc == 0, r.dump()
    assert r.stdout == "user=alice uid=%d\n" % USER_UID, r.dump()
    assert standin.api_key not in r.stdout + r.stderr
    assert standin.live_sessions_of("alice") == before, "the logout deleted the session"
    # another user's name is refused before any request
    standin.reset()
    r = root.run(as_user + [LOGIN, "--service", SERVICE, "--user", OTHER, "--no-browser",
                            "--format", "json"], input="\n", timeout=120)
    assert r.rc != 0, r.dump()
    assert total_requests(standin) == 0
    configure(root, standin)      # as the tests after this one expect it
    root.run(["rm", "/etc/security/pam_tmdb-test-ca.pem"], check=True)


def test_a_user_enrols_with_the_installed_tmdb_login_then_signs_in(root, standin):
    """Self-service enrolment on the installed package (pam_tmdb(8) SELF-SERVICE ENROLMENT):
    the user without a user_map line (uid 4243) runs the installed tmdb-login --enroll through
    the installed setgid helper, with the shipped tmdb-enroll example as /etc/pam.d/tmdb-enroll;
    then signs in with no user_map line; after --unenroll the TMDb login no longer works."""
    standin.reset()
    example = root.run(["sh", "-c", "zcat -f /usr/share/doc/libpam-tmdb/examples/tmdb-enroll.pam.example*"])
    assert example.rc == 0 and "pam_tmdb.so enroll" in example.stdout, example.dump()
    root.write("/etc/pam.d/tmdb-enroll", example.stdout)
    r = root.run(["sh", "-c", 'cat "$0" > /etc/security/pam_tmdb-test-ca.pem && chmod 0644 '
                  '/etc/security/pam_tmdb-test-ca.pem', standin.cafile])
    assert r.rc == 0, r.dump()
    url = standin.url.replace("localhost", "127.0.0.1")
    root.write(CONFFILE, "api_key = %s\napi_url = %s\ncafile = /etc/security/pam_tmdb-test-ca.pem\n"
               "self_enroll = yes\n" % (standin.api_key, url), mode=0o640)
    standin.configure(auto_approve="alice")
    as_user = ["setpriv", "--reuid", str(OTHER_UID), "--regid", str(OTHER_UID), "--clear-groups"]
    signin = as_user + [LOGIN, "--service", SERVICE, "--no-browser", "--exec", "sh", "-c",
                        'echo "user=$TMDB_ACCOUNT_USERNAME"']
    r = root.run(signin, input="\n", timeout=120)
    assert r.rc != 0, "signed in before enrolling\n" + r.dump()
    r = root.run(as_user + [LOGIN, "--enroll", "--no-browser"], input="\n", timeout=120)
    assert r.rc == 0, r.dump()
    assert 'TMDb account "alice" (id 1001) is now enrolled for %s' % OTHER in r.stderr, r.dump()
    assert root.read(STATE_DIR + "/accounts/" + OTHER) == "#1001 alice\n"
    st = root.run(["stat", "-c", "%a %u %G", STATE_DIR + "/accounts/" + OTHER]).stdout.split()
    assert st == ["600", str(OTHER_UID), "pam_tmdb"], st
    r = root.run(signin, input="\n", timeout=120)
    assert r.rc == 0 and r.stdout == "user=alice\n", r.dump()
    r = root.run(as_user + [LOGIN, "--unenroll"], timeout=120)
    assert r.rc == 0 and not root.exists(STATE_DIR + "/accounts/" + OTHER), r.dump()
    configure(root, standin)      # as the tests after this one expect it
    root.run(["rm", "/etc/security/pam_tmdb-test-ca.pem", "/etc/pam.d/tmdb-enroll"], check=True)


def test_the_reaper_timer_is_installed_and_enabled(root):
    """The package runs tmdbctl revoke --orphans at boot and every 15 minutes: the timer is
    enabled (its timers.target.wants link), the service is what it starts."""
    timer = root.read("/lib/systemd/system/%s.timer" % REAPER)
    assert "OnBootSec=" in timer and "OnUnitActiveSec=15min" in timer, timer
    service = root.read("/lib/systemd/system/%s.service" % REAPER)
    assert "ExecStart=%s revoke --orphans" % TMDBCTL in service, service
    r = root.run(["readlink", "/etc/systemd/system/timers.target.wants/%s.timer" % REAPER])
    assert r.rc == 0 and r.stdout.strip().endswith("/%s.timer" % REAPER), r.dump()
    r = root.run(["systemctl", "--root=/", "is-enabled", REAPER + ".timer"])
    assert r.stdout.strip() == "enabled", r.dump()


def test_installed_tmdbctl_revokes_the_session_of_a_killed_login(root, standin):
    """A login through the common stack, killed (SIGKILL) with its session open: its record in
    the package's journal (/var/lib/pam_tmdb) is an orphan, and the installed
    `tmdbctl revoke --orphans` (what the timer runs) deletes its session."""
    standin.reset()
    configure(root, standin)
    standin.configure(auto_approve="alice")
    before = standin.live_sessions_of("alice")
    cmd = " ".join([host_binary(), "--confdir", "/etc/pam.d", "--service", SERVICE, "--user", USER,
                    "--cafile", standin.cafile, "--", "authenticate", "acct_mgmt", "open_session", "stop"])
    script = ('%s >/dev/null 2>&1 & pid=$!\n'
              'while [ "$(cut -d" " -f3 /proc/$pid/stat)" != T ]; do sleep 0.05; done\n'
              'kill -9 $pid; wait $pid; true' % cmd)
    r = root.run(script, input="\n\n\n", timeout=120)
    assert r.rc == 0, r.dump()
    assert standin.live_sessions_of("alice") == before + 1
    r = root.run([TMDBCTL, "sessions"])
    assert r.rc == 0 and " orphan" in r.stdout and USER in r.stdout, r.dump()
    r = root.run([TMDBCTL, "revoke", "--orphans"])
    assert (r.rc, r.stdout) == (0, "revoked 1 session\n"), r.dump()
    assert standin.live_sessions_of("alice") == before
    r = root.run([TMDBCTL, "sessions"])
    assert r.stdout == "no sessions in the journal\n", r.dump()


def test_users_outside_the_module_are_left_to_pam_unix(root, standin):
    standin.reset()
    for user in ("root", OTHER):
        r = run_host(root, standin, user, "authenticate", answers=["not-the-password"])
        assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
        assert not r.urls and [c["style"] for c in r.conv] == ["PAM_PROMPT_ECHO_OFF"], r.dump()
        r = run_host(root, standin, user, "acct_mgmt open_session close_session")
        assert [rc for _, rc in r.op_list] == ["PAM_SUCCESS"] * 3, r.dump()
    assert total_requests(standin) == 0


def test_a_local_profile_keeps_the_module_to_the_services_meant(root, standin):
    """pam_tmdb(8), THE PAM-AUTH-UPDATE PROFILE: a copy of the profile with a pam_succeed_if
    service filter, enabled instead of the package's; a service outside the filter reaches
    the password without a request, the one inside still signs in with TMDb."""
    text = root.read(PROFILE)
    local = re.sub(r"^Name: .*$", "Name: TMDb sign-in for %s only" % SERVICE, text, flags=re.M)
    local = local.replace("Auth:\n", "Auth:\n\t[success=ignore default=1]\tpam_succeed_if.so quiet "
                          "service in sshd:%s\n" % SERVICE, 1)
    root.write("/usr/share/pam-configs/tmdb-local", local)
    r = root.run(["pam-auth-update", "--disable", "tmdb", "--enable", "tmdb-local"])
    assert r.rc == 0, r.dump()
    auth = pam_lines(root.read("/etc/pam.d/common-auth"), "pam_")
    assert "pam_succeed_if.so" in auth[0] and "pam_tmdb.so" in auth[1], auth
    root.write("/etc/pam.d/tmdb-elsewhere", root.read("/etc/pam.d/" + SERVICE))
    standin.reset()
    other = run_host(root, standin, USER, "authenticate", answers=["not-the-password"],
                     service="tmdb-elsewhere")
    assert other.op_list == [("authenticate", "PAM_AUTH_ERR")] and not other.urls, other.dump()
    assert total_requests(standin) == 0, "no request from a service outside the filter"
    r = run_host(root, standin, USER, "authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")] and r.urls, r.dump()
    r = root.run(["pam-auth-update", "--disable", "tmdb-local", "--enable", "tmdb"])
    assert r.rc == 0, r.dump()
    root.run(["rm", "/usr/share/pam-configs/tmdb-local", "/etc/pam.d/tmdb-elsewhere"], check=True)
    assert root.run(["pam-auth-update", "--package", "--remove", "tmdb-local"]).rc == 0


def test_disable_restores_the_common_files(root):
    r = root.run(["pam-auth-update", "--disable", "tmdb"])
    assert r.rc == 0, r.dump()
    root.run(["rm", "/etc/pam.d/" + SERVICE], check=True)
    now = root.checksums("/etc/pam.d")
    assert now == {p: d for p, d in root.before.items() if p.startswith("/etc/pam.d/")}


def test_purge_leaves_nothing_behind(root):
    root.run("install -d -m 0700 /var/cache/pam_tmdb && echo x > /var/cache/pam_tmdb/tmdbrt", check=True)
    listed = root.run(["dpkg", "-L", "libpam-tmdb"], check=True).stdout.split()
    r = dpkg(root, "--purge", "libpam-tmdb")
    assert r.rc == 0, r.dump()
    left = root.run(["sh", "-c", 'for f; do [ -e "$f" ] && [ ! -d "$f" ] && echo "$f"; done; true',
                     "left"] + listed).stdout.split()
    assert left == [], left
    for path in (CONFFILE, "/var/cache/pam_tmdb", STATE_DIR, "/usr/share/doc/libpam-tmdb"):
        assert not root.exists(path), path
    assert root.exists(USER_MAP), "the administrator's user map is not the package's to remove"
    assert "pam_tmdb" not in root.run(["dpkg-statoverride", "--list"]).stdout
    assert root.run(["getent", "group", "pam_tmdb"]).rc != 0, "the helper's group is left"
    root.run(["rm", USER_MAP], check=True)
    assert root.checksums(*PAM_DIRS) == root.before
    assert "libpam-tmdb" not in root.run(["dpkg-query", "-W", "-f", "${Package}\n"]).stdout.split()


def test_remove_while_enabled_takes_pam_tmdb_out_of_the_stack(package, root):
    assert dpkg(root, "-i", package.deb).rc == 0
    assert root.run(["pam-auth-update", "--enable", "tmdb"]).rc == 0
    assert pam_lines(root.read("/etc/pam.d/common-auth"))
    r = dpkg(root, "--purge", "libpam-tmdb")
    assert r.rc == 0, r.dump()
    assert not pam_lines(root.read("/etc/pam.d/common-auth"))
    assert root.checksums(*PAM_DIRS) == root.before


def test_the_machine_was_never_touched(machine_before):
    """(Anything else that changes these files meanwhile, such as an apt-get run, shows here.)"""
    now = machine_snapshot(MACHINE_PATHS)
    changed = sorted(p for p in set(now) | set(machine_before) if now.get(p) != machine_before.get(p))
    assert changed == [], "changed on the machine: %s" % changed
