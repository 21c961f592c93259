# SPDX-License-Identifier: BSD-3-Clause
"""The rig: what every row runs against. A private tmdb-standin over HTTPS on loopback (test CA
made at run time, --auto-approve), the PAM service and pam_tmdb config files in a temporary
directory, and the commands of the hosts (tmdb-host, pamtester under pam_wrapper).

Knows nothing of rows: the runner hands it the services to write. Uses tests/e2e/standin.py and
tests/e2e/pamhost.py.
"""

import os
import pwd
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .common import ACCESS_TOKEN, API_KEY, MINIMUM_UID, USER, BenchError

SRCDIR = Path(__file__).resolve().parents[2]
LIVE_RECORDS = 100   # row 3k: journal records of live logins (this process holds them)


def write_live_records(state_dir, n):
    """n journal records (module/journal.c's format) held by this process: alive for the whole
    run, so every reaper reads and keeps them."""
    d = state_dir / "sessions"
    d.mkdir(mode=0o700)
    with open("/proc/self/stat") as f:
        start = f.read().rsplit(")", 1)[1].split()[19]
    with open("/proc/sys/kernel/random/boot_id") as f:
        boot = f.read().strip()
    for i in range(n):
        text = ("pam_tmdb-journal 1\nuser %s\nsince %d\nboot %s\npid %d\nstart %s\nparent_pid 0\n"
                "parent_start 0\nsession_id %040x\n") % (USER, int(time.time()), boot, os.getpid(), start, i + 1)
        # named as the module names them (journal.h): boot, holder pid and start, random
        name = "r-%s-%d-%s-bench%03d" % (boot[:8], os.getpid(), start, i)
        fd = os.open(str(d / name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)


class Rig:
    def __init__(self, builddir):
        self.builddir = Path(builddir).resolve()
        os.environ["TMDB_BUILDDIR"] = str(self.builddir)
        # never go through a proxy from the caller's environment (curl would honour it)
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                    "all_proxy"):
            os.environ.pop(var, None)
        if str(SRCDIR / "tests" / "e2e") not in sys.path:
            sys.path.insert(0, str(SRCDIR / "tests" / "e2e"))
        import pamhost
        import standin
        self.pamhost = pamhost
        self.standin_mod = standin
        self.host = pamhost.host_binary()
        self.module = str(self.builddir / "module" / ".libs" / "pam_tmdb.so")
        for p in (self.host, self.module, str(standin.standin_binary())):
            if not os.path.isfile(p):
                raise SystemExit("bench: %s not found: run `make` in the build directory first" % p)
        self.curl = shutil.which("curl")
        self.pamtester = pamhost.pamtester_binary()
        self.pam_wrapper = pamhost.pam_wrapper_library()
        self.valgrind = shutil.which("valgrind")
        self.annotate = shutil.which("callgrind_annotate")
        self.time_bin = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
        self.s = None
        self.front = None    # the nginx front (tests/e2e/h2front.py) when a service uses it
        self.tmp = None
        self.cleanups = []   # callables run at teardown, last first (e.g. a second stand-in)

    def has(self, tool):
        """Optional tools: "pamtester" (with libpam_wrapper), "time" (GNU time), "callgrind"
        (valgrind and callgrind_annotate), "curl", "nginx" (with http_v2)."""
        if tool == "nginx":
            import h2front
            return h2front.nginx_missing() is None
        return bool({"pamtester": self.pamtester and self.pam_wrapper,
                     "time": self.time_bin,
                     "callgrind": self.valgrind and self.annotate,
                     "curl": self.curl}[tool])

    # ---- set-up ---------------------------------------------------------------------------

    def setup(self, services, user_map):
        """services: (name, module, keys) per PAM service: module None is pam_tmdb with a
        config file of keys (values may hold {api_key}, {api_url}, {cafile}, {user_map},
        {cache_dir}, {state_dir}, {state_live}), else a system module such as "pam_permit.so". user_map: its text."""
        try:
            uid = pwd.getpwnam(USER).pw_uid
        except KeyError:
            uid = None
        if uid is not None and uid < MINIMUM_UID:
            raise BenchError("user %s exists here with uid %d < minimum_uid %d: pam_tmdb "
                             "would ignore it" % (USER, uid, MINIMUM_UID))
        self.tmp = tempfile.TemporaryDirectory(prefix="pam_tmdb-bench-")
        d = Path(self.tmp.name)
        self.dir = d
        t0 = time.monotonic()
        self.tls = self.standin_mod.make_tls(d / "tls")
        self.s = self.standin_mod.Standin(tls=self.tls, workdir=d / "standin",
                                          args=["--auto-approve", USER, "--quiet"])
        self.url = self.s.url
        self.cafile = self.s.cafile
        self.svcdir = d / "pam.d"
        self.cache_dir = d / "cache"
        self.cache_dir.mkdir(mode=0o700)
        os.chmod(self.cache_dir, 0o700)
        self.state_dir = d / "state"
        self.state_dir.mkdir(mode=0o700)
        self.state_live = d / "state-live"
        self.state_live.mkdir(mode=0o700)
        write_live_records(self.state_live, LIVE_RECORDS)
        user_map_path = self.pamhost.write_private(d / "pam_tmdb.users", user_map)
        values = {"api_key": API_KEY, "api_url": self.url, "cafile": self.cafile,
                  "user_map": user_map_path, "cache_dir": str(self.cache_dir),
                  "state_dir": str(self.state_dir), "state_live": str(self.state_live)}
        values.update(front_h1_url="https://localhost:1", front_h2_url="https://localhost:1")
        if self.has("nginx") and any("{front_" in str(v) for _, _, keys in services
                                     for v in (keys or {}).values()):
            # nginx on loopback, HTTP/2 and HTTP/1.1 listeners, before a stand-in of its own
            import h2front
            self.front = h2front.H2Front(self.tls, d / "front",
                                         standin_args=["--auto-approve", USER, "--quiet"])
            self.cleanups.append(self.front.stop)
            values.update(front_h1_url=self.front.h1_url, front_h2_url=self.front.url)
        for name, module, keys in services:
            if module:
                line = "auth required %s" % self.pamhost.security_module(module)
            else:
                path = d / ("pam_tmdb-%s.conf" % name)
                self.pamhost.write_private(path, "".join(
                    "%s = %s\n" % (k, str(v).format(**values)) for k, v in keys.items()))
                line = "auth required %s conf=%s" % (self.module, path)
            self.pamhost.write_service(str(self.svcdir), name, [line])
        self.setup_seconds = time.monotonic() - t0

    def teardown(self):
        try:
            while self.cleanups:
                self.cleanups.pop()()
            if self.s:
                self.s.stop()
        finally:
            if self.tmp:
                self.tmp.cleanup()

    # ---- commands -------------------------------------------------------------------------

    def host_cmd(self, service, extra=()):
        return [self.host, "--confdir", str(self.svcdir), "--service", service,
                "--user", USER] + list(extra) + ["--", "authenticate"]

    def pamtester_cmd(self, service):
        return [self.pamtester, service, USER, "authenticate"]

    def pamtester_env(self):
        env = dict(os.environ)
        env.update(self.pamhost.pam_wrapper_env(str(self.svcdir)))
        return env

    def run_host(self, service, extra=(), timeout=60):
        """tmdb-host, output parsed (pamhost.HostResult: rc, ops, summary, dump())."""
        return self.pamhost.run_host(str(self.svcdir), service, USER, "authenticate",
                                     extra=list(extra), timeout=timeout)

    def clear_cache(self):
        for f in self.cache_dir.iterdir():
            f.unlink()

    def cached(self, user=USER):
        """Whether a remembered session of user is in the cache directory."""
        return (self.cache_dir / user).exists()

    # ---- the stand-in ---------------------------------------------------------------------

    def stats(self):
        return self.s.stats()

    def api(self, method, path):
        return self.s.api(method, path)

    def v4(self, path, body):
        """A v4 POST with the application's read access token: (status, parsed JSON)."""
        status, _, data = self.s.api("POST", path, body=body, key=False,
                                     headers={"Authorization": "Bearer " + ACCESS_TOKEN})
        return status, data

    def new_session(self, user=USER):
        return self.s.new_session(user)

    def fault(self, path, **opts):
        return self.s.fault(path, **opts)

    def reset(self):
        return self.s.reset()
