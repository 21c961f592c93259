# SPDX-License-Identifier: BSD-3-Clause
"""Helpers to drive PAM hosts from the end-to-end tests (stdlib only).

tmdb-host (tests/host/tmdb-host) is the project's own PAM host: it runs PAM operations on the
real libpam with pam_start_confdir (no /etc/pam.d, no root needed) and prints one JSON event per
line on stdout. ``run_host`` runs it and parses the events.

``run_setuid_host`` runs tests/host/tmdb-setuid-host as a setuid-root copy under an
unprivileged uid with exactly the environment given (root only; ``setuid_unavailable`` says why
not).

``run_pamtester`` runs the real ``pamtester`` through pam_wrapper (cwrap), also without root.
Conventions found for libpam-wrapper 1.1.4 on Debian 12 (libpam 1.5.2):

* ``LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=<dir>``: ``<dir>`` holds
  one file per service, named exactly like the service (the first argument of pamtester).
  pam_wrapper copies the whole directory to ``/tmp/pam.<c>`` (one letter/digit slot per running
  process; stale slots of dead processes are reused and it removes its copy at exit) and calls the
  system libpam's pam_start_confdir on the copy.
* Module paths: our own modules must be given by absolute path (pam_wrapper(1) says so); relative
  names (``pam_permit.so``) still resolve to the system module directory with Debian's libpam.
  ``write_service`` always writes absolute paths for system modules via ``security_module``.
* Without a service file named ``other`` in the dir libpam logs "_pam_init_handlers: no default
  config other" (harmless); ``write_service`` adds a deny-all ``other`` unless told not to.
* A missing service file: pam_start fails ("Initialization failure", pamtester exit 1).
* pamtester exits 0 when every operation succeeded, 1 otherwise; it prints
  "pamtester: successfully authenticated" on stdout and its -v trace and errors on stderr; prompts
  are answered from stdin (``input``). PAM_TEXT_INFO messages go to stdout.
* Logs: pam_wrapper replaces pam_syslog/pam_vsyslog and writes them to stderr as
  ``PWRAP_ERROR[...] - SYSLOG(3): <msg>`` (the level shown depends on PAM_WRAPPER_DEBUGLEVEL,
  0=ERROR .. 3=TRACE; errors are always shown). With ``PAM_WRAPPER_USE_SYSLOG=1`` the messages go
  to the real syslog instead, which is what tmdb-host (with ``--no-confdir``) captures as "log"
  events.
* Sanitizer builds: pam_wrapper dlopens libpam with RTLD_DEEPBIND, which ASan refuses; the switch
  documented as PAM_WRAPPER_DISABLE_DEEPBIND=1 is read as UID_WRAPPER_DISABLE_DEEPBIND=1 by
  pam_wrapper 1.1.4, so ``pam_wrapper_env`` sets both; ASan also needs
  ASAN_OPTIONS=verify_asan_link_order=0 because libpam_wrapper is preloaded before its runtime.
"""

import json
import os
import shlex
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))

_SECURITY_DIRS = (
    "/lib/x86_64-linux-gnu/security",
    "/usr/lib/x86_64-linux-gnu/security",
    "/lib/aarch64-linux-gnu/security",
    "/usr/lib/aarch64-linux-gnu/security",
    "/lib64/security",
    "/usr/lib64/security",
    "/lib/security",
    "/usr/lib/security",
)


def builddir():
    return os.environ.get("TMDB_BUILDDIR") or SRCDIR


def security_dir():
    """The system's PAM module directory (where pam_permit.so lives)."""
    env = os.environ.get("TMDB_PAM_SECURITY_DIR")
    if env:
        return env
    try:
        import sysconfig
        multiarch = sysconfig.get_config_var("MULTIARCH")
    except Exception:  # pragma: no cover
        multiarch = None
    candidates = list(_SECURITY_DIRS)
    if multiarch:
        candidates[:0] = ["/lib/%s/security" % multiarch, "/usr/lib/%s/security" % multiarch]
    for d in candidates:
        if os.path.exists(os.path.join(d, "pam_permit.so")):
            return d
    raise FileNotFoundError("no PAM module directory with pam_permit.so found")


def security_module(name):
    """Absolute path of a system PAM module, e.g. security_module('pam_permit.so')."""
    return os.path.join(security_dir(), name)


def host_binary():
    return os.environ.get("TMDB_HOST") or os.path.join(builddir(), "tests", "host", "tmdb-host")


def hostcheck_module():
    """pam_hostcheck.so: tmdb-host's network-free test module (built by tests/host/local.mk)."""
    return os.environ.get("TMDB_HOSTCHECK_MODULE") or os.path.join(
        builddir(), "tests", "host", ".libs", "pam_hostcheck.so")


def pam_wrapper_library():
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
              "/usr/lib", "/usr/local/lib"):
        p = os.path.join(d, "libpam_wrapper.so")
        if os.path.exists(p):
            return p
    return None


def write_private(path, text, mode=0o600):
    """Writes a file the module accepts as secure (owned by us, not group/other-writable)."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(str(path), mode)
    return str(path)


def write_service(dirpath, service, lines, other=True):
    """Writes service file ``dirpath/service`` (mode 0600) and returns its path.

    ``lines`` is a list of PAM config lines (or one string). With ``other`` a deny-all
    ``other`` service is added if missing, as on a real system (it also keeps libpam from
    logging "no default config other")."""
    os.makedirs(dirpath, mode=0o700, exist_ok=True)
    if isinstance(lines, str):
        lines = [lines]
    path = os.path.join(dirpath, service)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        for line in lines:
            f.write(line.rstrip("\n") + "\n")
    os.chmod(path, 0o600)
    other_path = os.path.join(dirpath, "other")
    if other and service != "other" and not os.path.exists(other_path):
        deny = security_module("pam_deny.so")
        write_service(dirpath, "other",
                      ["%s required %s" % (t, deny)
                       for t in ("auth", "account", "password", "session")], other=False)
    return path


class HostResult:
    """What tmdb-host printed: ``rc`` (process exit), ``events`` (list of dicts, in order),
    ``stdout``, ``stderr``, ``cmd``."""

    def __init__(self, cmd, rc, stdout, stderr):
        self.cmd = cmd
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.events = []
        # split("\n"), not splitlines(): a server's U+2028 inside a message is not a line end
        for n, line in enumerate(stdout.split("\n"), 1):
            if not line.strip():
                continue
            try:
                ev = json.loads(line)
            except ValueError as e:
                raise AssertionError("tmdb-host line %d is not JSON (%s): %r\nstderr:\n%s"
                                     % (n, e, line, stderr))
            if not isinstance(ev, dict) or "ev" not in ev:
                raise AssertionError("tmdb-host line %d is not an event: %r" % (n, line))
            self.events.append(ev)

    def of(self, kind):
        return [e for e in self.events if e["ev"] == kind]

    @property
    def ops(self):
        """{op: [rc name, ...]} (a list: an op may run more than once)."""
        out = {}
        for e in self.of("op"):
            out.setdefault(e["op"], []).append(e["name"])
        return out

    @property
    def op_list(self):
        """[(op, rc name), ...] in order."""
        return [(e["op"], e["name"]) for e in self.of("op")]

    @property
    def conv(self):
        return self.of("conv")

    @property
    def answers(self):
        return [e["text"] for e in self.of("answer")]

    @property
    def logs(self):
        return self.of("log")

    @property
    def log_messages(self):
        return [e["msg"] for e in self.of("log")]

    @property
    def urls(self):
        return [e["url"] for e in self.of("url")]

    @property
    def approvals(self):
        return self.of("approve")

    @property
    def env(self):
        """The PAM environment printed after the last op (as a dict)."""
        last_op = max((i for i, e in enumerate(self.events) if e["ev"] == "op"), default=-1)
        return {e["name"]: e["value"] for e in self.events[last_op + 1:] if e["ev"] == "env"}

    @property
    def summary(self):
        s = self.of("summary")
        return s[-1] if s else None

    @property
    def ended(self):
        return bool(self.events) and self.events[-1]["ev"] == "end"

    def __repr__(self):
        return "HostResult(rc=%r, events=%d)" % (self.rc, len(self.events))

    def dump(self):
        return "cmd: %s\nrc: %s\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(shlex.quote(c) for c in self.cmd), self.rc, self.stdout, self.stderr)


VALGRIND_SUPP = os.path.join(SRCDIR, "tests", "host", "valgrind.supp")


def _wrapper_prefix(wrapper):
    """The command prefix; a valgrind prefix also gets tests/host/valgrind.supp (known libpam
    leaks that the host cannot avoid)."""
    if wrapper:
        prefix = list(wrapper)
    else:
        env = os.environ.get("TMDB_HOST_WRAPPER")
        prefix = shlex.split(env) if env else []
    if prefix and os.path.basename(prefix[0]) == "valgrind" and os.path.exists(VALGRIND_SUPP):
        supp = "--suppressions=" + VALGRIND_SUPP
        if supp not in prefix:
            prefix.insert(1, supp)
    return prefix


def host_command(confdir, service, user, ops, answers=(), approve_as=None, approve_after=0,
                 deny=False, cafile=None, silent=False, extra=(), wrapper=None):
    if isinstance(ops, str):
        ops = ops.split()
    cmd = _wrapper_prefix(wrapper) + [host_binary()]
    cmd += ["--no-confdir"] if confdir is None else ["--confdir", str(confdir)]
    cmd += ["--service", service]
    cmd += ["--no-user"] if user is None else ["--user", user]
    for a in answers:
        cmd += ["--answer", a]
    if approve_as is not None:
        cmd += ["--approve-as", approve_as]
    if approve_after:
        cmd += ["--approve-after", str(approve_after)]
    if deny:
        cmd += ["--deny"]
    if cafile:
        cmd += ["--cafile", str(cafile)]
    if silent:
        cmd += ["--silent"]
    cmd += [str(x) for x in extra]
    cmd += ["--"] + list(ops)
    return cmd


def run_host(confdir, service, user, ops, answers=(), approve_as=None, approve_after=0,
             deny=False, cafile=None, silent=False, extra=(), env=None, timeout=60, wrapper=None):
    """Runs tmdb-host and returns a HostResult.

    ``confdir=None`` runs with --no-confdir (for pam_wrapper; pass ``env=pam_wrapper_env(dir)``).
    ``user=None`` passes --no-user. ``ops`` is a list or a space-separated string. ``extra`` holds
    further options (``--keep-going``, ``--repeat``, ``--threads``, ``--set-env``, ...).
    ``env`` entries are added to (not substituted for) the current environment.
    ``wrapper`` (a list) or env TMDB_HOST_WRAPPER (a shell-split string) prefixes the command,
    e.g. ``valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite``."""
    cmd = host_command(confdir, service, user, ops, answers, approve_as, approve_after, deny,
                       cafile, silent, extra, wrapper)
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=full_env, timeout=timeout,
                       universal_newlines=True, errors="surrogateescape")
    return HostResult(cmd, p.returncode, p.stdout, p.stderr)


# --------------------------------------------------------------------------
# tmdb-setuid-host: the module under a setuid-root host run by an unprivileged user

SETUID_HOST_OPS = ("authenticate", "acct_mgmt", "setcred", "open_session", "close_session",
                   "setcred_delete")


def setuid_host_binary():
    """tests/host/tmdb-setuid-host (a check program: built by ``make check`` or
    ``make tests/host/tmdb-setuid-host``); env TMDB_SETUID_HOST overrides."""
    return os.environ.get("TMDB_SETUID_HOST") or os.path.join(
        builddir(), "tests", "host", "tmdb-setuid-host")


def setuid_unavailable(directory="/tmp"):
    """Why a setuid-root binary in ``directory`` could not run with euid 0 here, or None if it
    can: not root, a nosuid mount, no_new_privs set on this process (inherited, so setuid
    would not elevate), or tmdb-setuid-host not built."""
    if os.geteuid() != 0:
        return "not running as root"
    if os.statvfs(str(directory)).f_flag & os.ST_NOSUID:
        return "%s is on a nosuid mount" % directory
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("NoNewPrivs:") and line.split()[1] != "0":
                    return "no_new_privs is set on this process"
    except OSError:
        pass
    if not os.path.isfile(setuid_host_binary()):
        return "tmdb-setuid-host not built (%s; make check builds it)" % setuid_host_binary()
    return None


def setuid_tempdir(base="/tmp"):
    """A tempfile.TemporaryDirectory under ``base`` with mode 0755, so that an unprivileged
    user can reach a binary copied into it (pytest's tmp_path is 0700 on the way)."""
    import tempfile
    d = tempfile.TemporaryDirectory(prefix="setuid-host-", dir=base)
    os.chmod(d.name, 0o755)
    return d


class SetuidHostResult(HostResult):
    """HostResult for tmdb-setuid-host, plus ``ids`` ({"uid","euid","gid","egid"} as the host
    saw them after exec). ``conv`` events carry "style" TEXT_INFO, ERROR_MSG, PROMPT_ECHO_ON,
    PROMPT_ECHO_OFF or OTHER (no PAM_ prefix, unlike tmdb-host) and "msg"."""

    @property
    def ids(self):
        e = self.of("ids")
        return {k: v for k, v in e[0].items() if k != "ev"} if e else None

    def __repr__(self):
        return "SetuidHostResult(rc=%r, events=%d)" % (self.rc, len(self.events))


def run_setuid_host(copy_dir, confdir, service, user, ops, run_as_uid, run_as_gid, env=None,
                    timeout=60, keep_going=False, umask=-1):
    """Copies tmdb-setuid-host into ``copy_dir`` (which run_as_uid must be able to reach, see
    setuid_tempdir), makes the copy root:root 04755 and runs it as run_as_uid/run_as_gid with no
    supplementary groups, so it runs with uid=run_as_uid, euid=0 as su or sudo would.

    Needs root (see setuid_unavailable). ``env`` is the child's whole environment: nothing of
    os.environ is passed on, except PATH when ``env`` has none. ``ops`` is a list or a
    space-separated string of SETUID_HOST_OPS. ``umask`` (e.g. 0) is the caller's umask, as
    an attacker would set it (-1: inherited). Returns a SetuidHostResult (rc 0: every op
    PAM_SUCCESS, 1: not, 2: usage error); the copy is left in copy_dir."""
    if isinstance(ops, str):
        ops = ops.split()
    src = setuid_host_binary()
    if not os.path.isfile(src):
        raise FileNotFoundError("tmdb-setuid-host not built: %s" % src)
    exe = os.path.join(str(copy_dir), "tmdb-setuid-host")
    if os.path.lexists(exe):
        os.unlink(exe)
    shutil.copyfile(src, exe)
    os.chown(exe, 0, 0)
    os.chmod(exe, 0o4755)      # after chown: chown clears the set-user-ID bit
    cmd = [exe] + (["--keep-going"] if keep_going else []) + [str(confdir), service, user]
    cmd += list(ops)
    child_env = {str(k): str(v) for k, v in (env or {}).items()}
    child_env.setdefault("PATH", os.environ.get("PATH", os.defpath))
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=child_env, cwd="/", timeout=timeout,
                           user=run_as_uid, group=run_as_gid, extra_groups=[], umask=umask,
                           universal_newlines=True, errors="surrogateescape")
    except PermissionError as e:
        raise PermissionError("cannot run %s as uid %d: is every directory on its path "
                              "searchable by that user? (%s)" % (exe, run_as_uid, e)) from e
    return SetuidHostResult(cmd, p.returncode, p.stdout, p.stderr)


def pam_wrapper_env(service_dir, debuglevel=None, use_syslog=False, disable_deepbind=True):
    """Environment that makes a PAM application read its services from ``service_dir``.

    ``disable_deepbind`` (default on): pam_wrapper then loads libpam without RTLD_DEEPBIND, which
    AddressSanitizer builds need (they abort otherwise) and valgrind prefers; no other effect
    seen. ``use_syslog``: pam_syslog goes to syslog (= tmdb-host's "log" events) instead of
    pam_wrapper's stderr lines."""
    lib = pam_wrapper_library()
    if not lib:
        raise FileNotFoundError("libpam_wrapper.so not found (libpam-wrapper)")
    preload = os.environ.get("LD_PRELOAD")
    env = {
        "LD_PRELOAD": lib + (" " + preload if preload else ""),
        "PAM_WRAPPER": "1",
        "PAM_WRAPPER_SERVICE_DIR": os.path.abspath(str(service_dir)),
    }
    if debuglevel is not None:
        env["PAM_WRAPPER_DEBUGLEVEL"] = str(debuglevel)
    if use_syslog:
        env["PAM_WRAPPER_USE_SYSLOG"] = "1"
    if disable_deepbind:
        # pam_wrapper 1.1.4 (Debian 12) reads UID_WRAPPER_DISABLE_DEEPBIND (a copy-paste slip,
        # later fixed to the documented PAM_WRAPPER_DISABLE_DEEPBIND): set both.
        env["PAM_WRAPPER_DISABLE_DEEPBIND"] = "1"
        env["UID_WRAPPER_DISABLE_DEEPBIND"] = "1"
    # An AddressSanitizer build (configure --enable-sanitizers) refuses to start when another
    # library is preloaded before its runtime; harmless for everything else.
    asan = os.environ.get("ASAN_OPTIONS", "")
    if "verify_asan_link_order" not in asan:
        env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "verify_asan_link_order=0"
    return env


class PamtesterResult:
    def __init__(self, cmd, rc, stdout, stderr):
        self.cmd, self.rc, self.stdout, self.stderr = cmd, rc, stdout, stderr

    @property
    def ok(self):
        return self.rc == 0

    @property
    def logs(self):
        """pam_syslog messages as printed by pam_wrapper on stderr."""
        out = []
        for line in self.stderr.splitlines():
            if line.startswith("PWRAP_") and " - SYSLOG(" in line:
                out.append(line.split("): ", 1)[1] if "): " in line else line)
        return out

    def __repr__(self):
        return "PamtesterResult(rc=%r)" % self.rc


def pamtester_binary():
    return os.environ.get("PAMTESTER") or shutil.which("pamtester")


def run_pamtester(service_dir, service, user, op="authenticate", env=None, input="",
                  timeout=60, verbose=True, debuglevel=None):
    """Runs ``pamtester [-v] service user op...`` under pam_wrapper with ``service_dir``.

    ``op`` is one operation or a list (pamtester accepts several, e.g. authenticate acct_mgmt
    open_session close_session); ``input`` is fed to the prompts on stdin."""
    exe = pamtester_binary()
    if not exe:
        raise FileNotFoundError("pamtester not found")
    ops = [op] if isinstance(op, str) else list(op)
    cmd = [exe] + (["-v"] if verbose else []) + [service, user] + ops
    full_env = dict(os.environ)
    full_env.update(pam_wrapper_env(service_dir, debuglevel=debuglevel))
    if env:
        full_env.update(env)
    p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=full_env, timeout=timeout, universal_newlines=True,
                       errors="surrogateescape")
    return PamtesterResult(cmd, p.returncode, p.stdout, p.stderr)
