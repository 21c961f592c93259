#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The quick-start demo: tmdb-login (the installed program, from the build tree) signs user
alice in through pam_tmdb.so on the system libpam, against the bundled TMDb stand-in served
over TLS on loopback with a CA made for this run. A scripted browser ($BROWSER, the tests'
tests/e2e/fake_browser.py) approves on the stand-in's page and comes back to tmdb-login's
loopback return address, as a browser does after the user's decision on TMDb."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(HERE, "..", "tests", "e2e")
sys.path.insert(0, E2E)


def run_login(login, service_dir, work, server, args):
    """Runs tmdb-login with the scripted browser; returns (rc, stdout) and shows its stderr."""
    log = os.path.join(work, "browser.log")
    if os.path.exists(log):
        os.unlink(log)
    env = dict(os.environ, DISPLAY=":demo", BROWSER="/usr/bin/python3 '%s'" % os.path.join(E2E, "fake_browser.py"),
               FAKE_BROWSER_LOG=log, FAKE_BROWSER_ACTION="allow", FAKE_BROWSER_USER="alice",
               FAKE_BROWSER_CAFILE=server.cafile, FAKE_BROWSER_STANDIN=server.url)
    cmd = [login, "--confdir", service_dir, "--service", "tmdb-demo", "--user", "alice"] + args
    print("  $ tmdb-login --confdir %s --service tmdb-demo --user alice %s" % (service_dir, " ".join(
        "'%s'" % a if " " in a else a for a in args)))
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    for line in p.stderr.splitlines():
        print("  %-10s| %s" % ("stderr", line))
    for line in p.stdout.splitlines():
        print("  %-10s| %s" % ("stdout", line))
    if os.path.exists(log):
        for e in (json.loads(x) for x in open(log)):
            if e.get("step") == "allow":
                print("  %-10s| the user approves as alice on TMDb's page (HTTP %s)" % ("browser", e["status"]))
            elif e.get("step") == "return":
                print("  %-10s| TMDb sends it back to tmdb-login's return address (HTTP %s)" % ("browser", e["status"]))
    print("  %-10s| exit status %d" % ("", p.returncode))
    return p.returncode, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--builddir", required=True)
    args = ap.parse_args()
    build = os.path.abspath(args.builddir)
    os.environ["TMDB_BUILDDIR"] = build

    from pamhost import write_service
    from standin import Standin, make_tls

    module = os.path.join(build, "module", ".libs", "pam_tmdb.so")
    login = os.path.join(build, "login", "tmdb-login")
    work = tempfile.mkdtemp(prefix="pam_tmdb-demo-")
    tls = make_tls(os.path.join(work, "tls"))
    server = Standin(tls=tls)
    try:
        users = os.path.join(work, "pam_tmdb.users")
        with open(users, "w") as f:
            f.write("# local user   TMDb account (username, or #id)\nalice alice\n")
        os.chmod(users, 0o644)
        # the session journal in the demo's directory, never the system's /var/lib/pam_tmdb
        state = os.path.join(work, "state")
        os.mkdir(state, 0o700)
        conf = os.path.join(work, "pam_tmdb.conf")
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, ("# written by the demo; every other key keeps its safe default\n"
                      "api_key = %s\napi_url = %s\ncafile = %s\nuser_map = %s\n"
                      "allow_return_to = yes\nstate_dir = %s\n"
                      % (server.api_key, server.url, tls.ca_cert, users, state)).encode())
        os.close(fd)
        service_dir = os.path.join(work, "pam.d")
        write_service(service_dir, "tmdb-demo", ["%s required %s conf=%s" % (t, module, conf)
                                                 for t in ("auth", "account", "session")])
        print("pam_tmdb demo")
        print("  TMDb stand-in : %s (TLS; test CA made for this run)" % server.url)
        print("  program       : %s (installed as /usr/bin/tmdb-login; man tmdb-login)" % login)
        print("  PAM service   : %s/tmdb-demo, the module %s" % (service_dir, module))
        print("  binding       : %s maps PAM user alice to TMDb account alice" % users)
        print()
        print("[1] tmdb-login --exec: the command gets the session; when it ends, the logout deletes it on TMDb")
        rc1, _ = run_login(login, service_dir, work, server, [
            "--exec", "sh", "-c", 'echo "command sees TMDB_ACCOUNT_USERNAME=$TMDB_ACCOUNT_USERNAME '
            'TMDB_ACCOUNT_ID=$TMDB_ACCOUNT_ID TMDB_SESSION_ID=$(echo $TMDB_SESSION_ID | cut -c1-8)..."'])
        deleted = server.stats()["requests"].get("DELETE /3/authentication/session", 0)
        left = server.live_sessions_of("alice")
        print("  TMDb sessions deleted at logout: %d; live TMDb sessions of alice: %d" % (deleted, left))
        print()
        server.reset()
        print("[2] Next login, for a script (--format json): a fresh approval again; the script keeps the session")
        rc2, out = run_login(login, service_dir, work, server, ["--format", "json"])
        sid = json.loads(out)["TMDB_SESSION_ID"] if rc2 == 0 else None
        alive = server.live_sessions_of("alice")
        print("  Live TMDb sessions of alice: %d; the script deletes its session when done:" % alive)
        status, _, answer = server.api("DELETE", "/3/authentication/session", body={"session_id": sid})
        print("    DELETE /3/authentication/session -> HTTP %d %s" % (status, json.dumps(answer)))
        print("  Live TMDb sessions of alice: %d" % server.live_sessions_of("alice"))
        ok = (rc1 == 0 and deleted == 1 and left == 0 and rc2 == 0 and alive == 1 and status == 200
              and server.live_sessions_of("alice") == 0)
        print()
        print("demo: %s" % ("authenticated, session obtained, logged out and deleted" if ok else "FAILED"))
        return 0 if ok else 1
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
