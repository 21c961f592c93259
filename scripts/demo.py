#!/usr/bin/env python3
"""The quick-start demo: a real PAM host (tests/host/tmdb-host on libpam) authenticates through
pam_tmdb.so against the bundled TMDb stand-in, served over TLS on loopback with a CA made for
this run. A scripted 'browser' approves the URL the module shows, as the user would."""

import argparse
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))


def show_events(result):
    for ev in result.events:
        kind = ev["ev"]
        if kind == "conv":
            label = {"PAM_TEXT_INFO": "PAM info", "PAM_ERROR_MSG": "PAM error",
                     "PAM_PROMPT_ECHO_ON": "PAM prompt", "PAM_PROMPT_ECHO_OFF": "PAM prompt"}[ev["style"]]
            for i, line in enumerate(ev["msg"].split("\n")):
                print("  %-12s| %s" % (label if i == 0 else "", line))
        elif kind == "approve":
            print("  %-12s| the user opens the URL and approves as %s (HTTP %s)"
                  % ("browser", ev["url"].rsplit("user=", 1)[-1], ev["status"]))
        elif kind == "answer":
            print("  %-12s| %s" % ("user", "<Enter>" if ev["text"] == "" else ev["text"]))
        elif kind == "log":
            print("  %-12s| %s" % ("syslog", ev["msg"]))
        elif kind == "op":
            print("  %-12s| pam_%s -> %s" % ("host", ev["op"].split(":")[0], ev["name"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--builddir", required=True)
    args = ap.parse_args()
    os.environ["TMDB_BUILDDIR"] = os.path.abspath(args.builddir)

    from pamhost import run_host, write_service
    from standin import Standin, make_tls

    module = os.path.join(os.path.abspath(args.builddir), "module", ".libs", "pam_tmdb.so")
    work = tempfile.mkdtemp(prefix="pam_tmdb-demo-")
    tls = make_tls(os.path.join(work, "tls"))
    server = Standin(tls=tls)
    try:
        users = os.path.join(work, "pam_tmdb.users")
        with open(users, "w") as f:
            f.write("# local user   TMDb account (username, or #id)\nalice alice\n")
        os.chmod(users, 0o644)
        conf = os.path.join(work, "pam_tmdb.conf")
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, ("# written by the demo; every other key keeps its safe default\n"
                      "api_key = %s\napi_url = %s\ncafile = %s\nuser_map = %s\n"
                      % (server.api_key, server.url, tls.ca_cert, users)).encode())
        os.close(fd)
        service_dir = os.path.join(work, "pam.d")
        write_service(service_dir, "tmdb-demo", ["%s required %s conf=%s" % (t, module, conf)
                                                 for t in ("auth", "account", "session")])
        print("pam_tmdb demo")
        print("  TMDb stand-in : %s (TLS; test CA made for this run)" % server.url)
        print("  PAM host      : tests/host/tmdb-host on the system libpam, service dir %s" % service_dir)
        print("  module        : %s" % module)
        print("  binding       : %s maps PAM user alice to TMDb account alice" % users)
        print()
        print("[1] Login of PAM user 'alice': request token, approval in the browser, session, account")
        first = run_host(service_dir, "tmdb-demo", "alice", "authenticate acct_mgmt setcred open_session",
                         approve_as="alice", cafile=str(tls.ca_cert))
        show_events(first)
        stats = server.stats()
        print()
        print("  Session handed to the host through the PAM environment:")
        for k, v in sorted(first.env.items()):
            print("    %s=%s" % (k, v))
        print("  The stand-in saw %d requests on %d TLS connection(s) (acct_mgmt checks the session once more): %s"
              % (stats["total_requests"], stats["tls_connections"],
                 ", ".join("%s x%d" % (k, n) for k, n in sorted(stats["requests"].items()))))
        print("  Live TMDb sessions of alice: %d" % server.live_sessions_of("alice"))
        print()
        server.reset()
        print("[2] Logout (in another process, as sshd does it): the session is deleted on TMDb")
        env_args = []
        for k, v in sorted(first.env.items()):
            env_args += ["--set-env", "%s=%s" % (k, v)]
        logout = run_host(service_dir, "tmdb-demo", "alice", "close_session setcred:delete",
                          cafile=str(tls.ca_cert), extra=env_args)
        show_events(logout)
        left = server.live_sessions_of("alice")
        print("  Live TMDb sessions of alice: %d" % left)
        print()
        server.reset()
        print("[3] Next login: a fresh approval again (presence is proved every time)")
        second = run_host(service_dir, "tmdb-demo", "alice", "authenticate open_session close_session",
                          approve_as="alice", cafile=str(tls.ca_cert))
        show_events(second)
        print("  Approval URL shown: %s; new session: %s; live TMDb sessions of alice after logout: %d"
              % ("yes" if second.urls else "no",
                 "yes" if second.of("approve") else "no", server.live_sessions_of("alice")))
        ok = (first.rc == 0 and logout.rc == 0 and second.rc == 0 and left == 0 and bool(second.urls)
              and server.live_sessions_of("alice") == 0)
        print()
        print("demo: %s" % ("authenticated, session obtained, logged out and deleted" if ok else "FAILED"))
        return 0 if ok else 1
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
