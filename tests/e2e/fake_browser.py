#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A scripted browser for tmdb-login's tests, started by tmdb-login as $BROWSER with the
file:// URL of its private page as its one argument (tests/e2e/test_tmdb_login.py): like a
browser it reads the page and follows its meta refresh to the approval URL.

Like a user: it approves (or denies) the request token on the stand-in's page (the GET
shortcut .../allow?user=NAME or .../deny), then comes back to the URL's redirect_to with
request_token=TOKEN&approved=true (or denied=true) added, as TMDb sends the browser back.

Environment (all set by the test):
    FAKE_BROWSER_LOG     a file: one JSON line per step (appended)
    FAKE_BROWSER_CAFILE  the stand-in's test CA
    FAKE_BROWSER_ACTION  allow (default) | deny | none (only records the URL)
                         | forge: first a forged approved=true return while the token is
                           not approved, then (once the module has asked TMDb and heard
                           "not yet") the real approval and return
    FAKE_BROWSER_USER    the TMDb account to approve as
    FAKE_BROWSER_PROBES  1: before anything else, send the listener malformed requests
                         (recorded as {"probe": name, "status": N}); a probe that ends
                         the wait would make the login go on without approval
    FAKE_BROWSER_STANDIN the stand-in's URL (forge: its control API tells when the module asked)
    FAKE_BROWSER_DELAY   seconds to wait after reading the page, before anything else
    FAKE_BROWSER_LINGER  seconds to keep running at the end, as a real browser does

Log entries: {"argv": [...], "page": path, "page_mode": "0o600", "dir_mode": "0o700",
"url": the approval URL the page leads to}, then the steps.
"""

import html
import json
import os
import re
import stat
import socket
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

SESSION_NEW = "POST /3/authentication/session/new"


def log(**entry):
    with open(os.environ["FAKE_BROWSER_LOG"], "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def opener():
    ctx = ssl.create_default_context(cafile=os.environ.get("FAKE_BROWSER_CAFILE") or None)
    return urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                       urllib.request.HTTPSHandler(context=ctx))


def get(url):
    try:
        with opener().open(url, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read().decode("utf-8", "replace")


def raw(host, port, data, read=True):
    """Sends bytes to the listener; returns the status code of its answer (0: none)."""
    with socket.create_connection((host, port), timeout=15) as s:
        s.sendall(data)
        if not read:
            return 0
        answer = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def session_new_count(standin):
    req = urllib.request.Request(standin + "/_standin/stats")
    with opener().open(req, timeout=30) as resp:
        return json.loads(resp.read())["requests"].get(SESSION_NEW, 0)


def follow_page(arg):
    """The approval URL that a file:// page leads to (its meta refresh), as a browser reads it."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(arg).path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]*)">', text)
    entry = {"argv": sys.argv[1:], "page": path,
             "page_mode": oct(stat.S_IMODE(os.stat(path).st_mode)),
             "dir_mode": oct(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode))}
    if m is None:
        log(no_refresh=text, **entry)
        sys.exit(1)
    url = html.unescape(m.group(1))
    log(url=url, **entry)
    return url


def inherited_fds():
    """{fd: target} of what this process got from tmdb-login (before it opens anything)."""
    me = "/proc/%d/fd" % os.getpid()
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink("/proc/self/fd/" + name)
        except OSError:
            continue  # the listing's own descriptor, closed by now
        if target != me:
            fds[name] = target
    return fds


def main():
    fds = inherited_fds()
    arg = sys.argv[1]
    log(fds=fds)
    if arg.startswith("file://"):
        url = follow_page(arg)
    else:
        url = arg
        log(url=url, argv=sys.argv[1:])
    time.sleep(float(os.environ.get("FAKE_BROWSER_DELAY") or 0))
    try:
        visit(url)
    finally:
        time.sleep(float(os.environ.get("FAKE_BROWSER_LINGER") or 0))


def visit(url):
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    token = parts.path.rstrip("/").rsplit("/", 1)[-1]
    page = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    back = query.get("redirect_to", [None])[0]
    action = os.environ.get("FAKE_BROWSER_ACTION", "allow")
    if action == "none":
        return
    if back is not None:
        b = urllib.parse.urlsplit(back)
        host, port, path = b.hostname, b.port, b.path
        if os.environ.get("FAKE_BROWSER_PROBES") == "1":
            good = "request_token=%s&approved=true" % token
            probes = [
                ("wrong_path", b"GET /tmdb-login/0123456789abcdef0123456789abcdef?%s HTTP/1.1\r\n\r\n" % good.encode()),
                ("missing_token", b"GET %s?approved=true HTTP/1.1\r\n\r\n" % path.encode()),
                ("wrong_token", b"GET %s?request_token=%s&approved=true HTTP/1.1\r\n\r\n"
                 % (path.encode(), b"f" * 40)),
                ("post", b"POST %s?%s HTTP/1.1\r\nContent-Length: 0\r\n\r\n" % (path.encode(), good.encode())),
                ("oversized", b"GET %s?%s HTTP/1.1\r\nX-Pad: %s\r\n\r\n"
                 % (path.encode(), good.encode(), b"a" * 8192)),
                ("not_http", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
            ]
            for name, data in probes:
                try:
                    status = raw(host, port, data)
                except OSError as e:
                    status = "error: %s" % e
                log(probe=name, status=status)
    if action == "forge":
        before = session_new_count(os.environ["FAKE_BROWSER_STANDIN"])
        status, _ = get(back + "?request_token=%s&approved=true" % token)
        log(step="forged_return", status=status)
        # the module asks TMDb once after the forged return and hears "not approved yet"
        deadline = time.monotonic() + 60
        while session_new_count(os.environ["FAKE_BROWSER_STANDIN"]) == before:
            if time.monotonic() > deadline:
                log(step="module_never_asked")
                return
            time.sleep(0.05)
        log(step="module_asked")
        action = "allow"
    if action == "allow":
        status, _ = get(page + "/allow?user=" + urllib.parse.quote(os.environ["FAKE_BROWSER_USER"]))
        outcome = "approved=true"
    else:
        status, _ = get(page + "/deny")
        outcome = "denied=true"
    log(step=action, status=status)
    if back is not None:
        status, body = get(back + "?request_token=%s&%s" % (token, outcome))
        log(step="return", status=status, body=body)


if __name__ == "__main__":
    main()
