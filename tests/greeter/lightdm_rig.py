# SPDX-License-Identifier: BSD-3-Clause
"""A real graphical login for the tests: LightDM in --test-mode with lightdm-gtk-greeter, run as
root, on Xephyr nested in Xvfb, with PAM for real through pam_wrapper.

What it takes, found on Debian 12 (LightDM 1.26, lightdm-gtk-greeter 2.0.8) without systemd:

* LightDM run as root wants a system bus: a private dbus-daemon, named as
  DBUS_SYSTEM_BUS_ADDRESS. It is also the greeter's session bus (set through the greeter's own
  PAM stack with pam_env), so the greeter does not start dbus-launch; its policy lets the
  greeter's user (lightdm) connect.
* Run as root, LightDM adds "vtN -novtswitch" to the X server's arguments, which Xephyr
  rejects, and in test mode it ignores xserver-command: a wrapper named Xephyr first on PATH
  drops them.
* pam_wrapper (LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR) routes the
  services lightdm-greeter (the greeter), lightdm (the user) and other to the rig's own stacks;
  nothing reads or writes /etc/pam.d. PAM_WRAPPER_DEBUGLEVEL=2 puts the module's log lines on
  LightDM's output (PWRAP_... SYSLOG lines).
* An empty session-wrapper makes the session fail to start: /usr/bin/env runs the command.
* The greeter asks for a session by the name it found in the system's session directories
  (lightdm-xsession on Debian), so the rig's own session file carries that name and user-session
  says it too.
* The user exists only inside a private mount namespace (unshare -m): copies of /etc/passwd and
  /etc/group with the user added are bound over the real ones. The same namespace binds private
  directories over the ones LightDM and the greeter write (/var/lib/lightdm,
  /var/lib/lightdm-data, /var/log/wtmp, /var/log/btmp) and a greeter configuration without the
  AT-SPI launcher, so the machine is left as it was.
* Every process LightDM starts lives in that namespace: teardown ends LightDM, then every
  process still in the namespace, then Xvfb and the bus, each by its pid.
"""

import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

NEEDED = ("lightdm", "lightdm-gtk-greeter", "Xvfb", "Xephyr", "xdotool", "import", "convert", "tesseract", "dbus-daemon",
          "unshare", "mount")
GREETER_SESSION = "lightdm-xsession"   # the name Debian's greeter asks for
DEFAULT_WAIT = 60.0   # seconds; only a failing run waits it out (a loaded 2-core CI box is slow)

_SETUP = r'''
set -e
rig=$1; shift
mount --bind "$rig/etc/passwd" /etc/passwd
mount --bind "$rig/etc/group" /etc/group
mount --bind "$rig/var/lightdm" /var/lib/lightdm
mount --bind "$rig/var/lightdm-data" /var/lib/lightdm-data
mount --bind "$rig/etc/lightdm-gtk-greeter.conf" /etc/lightdm/lightdm-gtk-greeter.conf
for f in wtmp btmp; do
	if [ -e "/var/log/$f" ]; then mount --bind "$rig/var/$f" "/var/log/$f"; fi
done
exec "$@"
'''

XEPHYR_WRAPPER = r'''#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# LightDM run as root adds "vtN -novtswitch", which Xephyr rejects
for a do shift; case $a in vt[0-9]*|-novtswitch) continue ;; esac; set -- "$@" "$a"; done
exec %(xephyr)s "$@" -screen 1024x768
'''

SESSION_SCRIPT = r'''#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The user's session: records what it got, then stays until the rig ends it.
printf 'uid=%s\nTMDB_SESSION_ID=%s\n' "$(id -u)" "${TMDB_SESSION_ID-}" > "$HOME/session.tmp"
mv "$HOME/session.tmp" "$HOME/session"
exec sleep 600
'''

BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%(socket)s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
'''


class RigError(AssertionError):
    pass


def missing_tools():
    return [t for t in NEEDED if shutil.which(t) is None]


def _security_module(name):
    for d in ("/lib/x86_64-linux-gnu/security", "/usr/lib/x86_64-linux-gnu/security",
              "/lib/aarch64-linux-gnu/security", "/usr/lib/aarch64-linux-gnu/security",
              "/lib64/security", "/usr/lib64/security", "/lib/security", "/usr/lib/security"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    raise RigError("no %s found" % name)


def _pam_wrapper():
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"):
        p = os.path.join(d, "libpam_wrapper.so")
        if os.path.exists(p):
            return p
    raise RigError("libpam_wrapper.so not found (libpam-wrapper)")


def _free_display(start=90):
    for n in range(start, 400, 2):
        if not any(os.path.exists(p) for p in ("/tmp/.X%d-lock" % n, "/tmp/.X%d-lock" % (n + 1),
                                               "/tmp/.X11-unix/X%d" % n, "/tmp/.X11-unix/X%d" % (n + 1))):
            return n
    raise RigError("no free X display number")


def _free_uid(passwd_text, start=20000):
    used = {int(f[2]) for f in (l.split(":") for l in passwd_text.splitlines()) if len(f) > 2 and f[2].isdigit()}
    uid = start
    while uid in used:
        uid += 1
    return uid


def _write(path, text, mode=0o644):
    path = Path(path)
    path.write_text(text)
    os.chmod(str(path), mode)
    return path


class GreeterRig:
    """One graphical login: write(stack lines) then start(); type()/key() at the greeter;
    wait_log(); screenshot(); session(); stop() (always, from a fixture)."""

    def __init__(self, artifacts, user="tmdbgreeter"):
        if os.geteuid() != 0:
            raise RigError("the greeter tests need root (LightDM --test-mode as root, unshare -m)")
        missing = missing_tools()
        if missing:
            raise RigError("missing for the greeter tests: %s (scripts/debian-packages.txt)" % " ".join(missing))
        self.artifacts = Path(artifacts)
        self.user = user
        # /tmp, 0755: the greeter (user lightdm) and the session (the user) reach into it
        self.dir = Path(tempfile.mkdtemp(prefix="tmdb-greeter-", dir="/tmp"))
        os.chmod(str(self.dir), 0o755)
        self.procs = {}           # name -> Popen, the processes the rig started itself
        self.namespace = None     # "mnt:[inode]" of LightDM's private mount namespace
        self.lightdm_log = self.dir / "lightdm.out"
        self.display = None
        self.displays = ()
        self.xauthority = None
        self._layout()

    # -- files ------------------------------------------------------------------------------

    def _layout(self):
        d = self.dir
        for sub in ("bin", "etc", "var/lightdm", "var/lightdm-data", "pam.d", "sessions", "log", "run", "cache"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(str(d / "pam.d"), 0o700)
        passwd = Path("/etc/passwd").read_text()
        self.uid = _free_uid(passwd)
        self.home = d / "home" / self.user
        self.home.mkdir(parents=True)
        os.chown(str(self.home), self.uid, self.uid)
        os.chmod(str(self.home), 0o700)
        _write(d / "etc/passwd", passwd.rstrip("\n") + "\n%s:x:%d:%d:TMDb greeter test:%s:/bin/sh\n"
               % (self.user, self.uid, self.uid, self.home))
        _write(d / "etc/group", Path("/etc/group").read_text().rstrip("\n") + "\n%s:x:%d:\n" % (self.user, self.uid))
        import pwd
        lightdm = pwd.getpwnam("lightdm")
        os.chown(str(d / "var/lightdm"), lightdm.pw_uid, lightdm.pw_gid)
        os.chmod(str(d / "var/lightdm"), 0o750)
        for f in ("wtmp", "btmp"):
            _write(d / "var" / f, "", 0o600)
        _write(d / "etc/lightdm-gtk-greeter.conf", "[greeter]\nat-spi-enabled = false\n")
        _write(d / "bin/Xephyr", XEPHYR_WRAPPER % {"xephyr": shutil.which("Xephyr")}, 0o755)
        self.session_script = _write(d / "session.sh", SESSION_SCRIPT, 0o755)
        _write(d / "sessions" / (GREETER_SESSION + ".desktop"),
               "[Desktop Entry]\nName=pam_tmdb test session\nExec=%s\nType=Application\n" % self.session_script)
        self.bus_socket = d / "bus"
        _write(d / "bus.conf", BUS_CONFIG % {"socket": self.bus_socket})
        _write(d / "greeter-env.conf", "NO_AT_BRIDGE DEFAULT=1\nDBUS_SESSION_BUS_ADDRESS DEFAULT=unix:path=%s\n"
               % self.bus_socket)

    def write_stacks(self, user_lines):
        """The PAM services: lightdm (the user's login) from user_lines; lightdm-greeter lets the
        greeter in and sets its environment; other denies."""
        pam_d = self.dir / "pam.d"
        permit, deny = _security_module("pam_permit.so"), _security_module("pam_deny.so")
        env = _security_module("pam_env.so")
        _write(pam_d / "lightdm", "".join(l + "\n" for l in user_lines), 0o600)
        _write(pam_d / "lightdm-greeter", "auth required %s\naccount required %s\npassword required %s\n"
               "session required %s readenv=1 envfile=/dev/null conffile=%s\nsession required %s\n"
               % (permit, permit, deny, env, self.dir / "greeter-env.conf", permit), 0o600)
        _write(pam_d / "other", "".join("%s required %s\n" % (t, deny) for t in ("auth", "account", "password", "session")), 0o600)

    # -- processes --------------------------------------------------------------------------

    def _start_xvfb(self, n):
        p = subprocess.Popen(["Xvfb", ":%d" % n, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                             stdin=subprocess.DEVNULL, stdout=open(str(self.dir / "xvfb.log"), "wb"),
                             stderr=subprocess.STDOUT)
        self.procs["Xvfb"] = p
        env = dict(os.environ, DISPLAY=":%d" % n)
        env.pop("XAUTHORITY", None)
        deadline = time.monotonic() + DEFAULT_WAIT
        while p.poll() is None and time.monotonic() < deadline:
            if subprocess.run(["xdotool", "getdisplaygeometry"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                return
            time.sleep(0.2)
        raise RigError("Xvfb :%d did not start:\n%s" % (n, (self.dir / "xvfb.log").read_text()))

    def _start_bus(self):
        p = subprocess.Popen(["dbus-daemon", "--config-file=%s" % (self.dir / "bus.conf"), "--nofork",
                              "--print-address=1"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=open(str(self.dir / "bus.log"), "wb"))
        self.procs["dbus-daemon"] = p
        ready, _, _ = select.select([p.stdout], [], [], DEFAULT_WAIT)
        line = p.stdout.readline().decode().strip() if ready else ""
        if not line:
            raise RigError("the private bus did not start:\n%s" % (self.dir / "bus.log").read_text())
        os.chmod(str(self.bus_socket), 0o777)
        return line

    def start(self):
        n = _free_display()
        self.displays = (n, n + 1)
        self._start_xvfb(n)
        bus = self._start_bus()
        self.display = ":%d" % (n + 1)
        conf = _write(self.dir / "lightdm.conf",
                      "[LightDM]\nminimum-display-number=%d\nsessions-directory=%s\nuser-authority-in-system-dir=true\n"
                      "[Seat:*]\ngreeter-session=lightdm-gtk-greeter\nuser-session=%s\nsession-wrapper=/usr/bin/env\n"
                      "greeter-hide-users=true\nallow-guest=false\n" % (n + 1, self.dir / "sessions", GREETER_SESSION))
        env = {
            "PATH": "%s:%s" % (self.dir / "bin", os.environ.get("PATH", os.defpath)),
            "DISPLAY": ":%d" % n,              # where Xephyr draws
            "DBUS_SYSTEM_BUS_ADDRESS": bus,
            "NO_AT_BRIDGE": "1",
            "LANG": "C.UTF-8",
            "LD_PRELOAD": _pam_wrapper(),
            "PAM_WRAPPER": "1",
            "PAM_WRAPPER_SERVICE_DIR": str(self.dir / "pam.d"),
            "PAM_WRAPPER_DEBUGLEVEL": "2",
        }
        d = self.dir
        cmd = ["unshare", "-m", "--propagation", "private", "--", "sh", "-c", _SETUP, "greeter-rig", str(d),
               "lightdm", "--test-mode", "-d", "-c", str(conf), "--log-dir=%s" % (d / "log"),
               "--run-dir=%s" % (d / "run"), "--cache-dir=%s" % (d / "cache")]
        our_ns = os.readlink("/proc/self/ns/mnt")
        p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=open(str(self.lightdm_log), "wb"),
                             stderr=subprocess.STDOUT, start_new_session=True)
        self.procs["lightdm"] = p
        deadline = time.monotonic() + DEFAULT_WAIT
        while self.namespace is None and time.monotonic() < deadline and p.poll() is None:
            try:
                ns = os.readlink("/proc/%d/ns/mnt" % p.pid)
                if ns != our_ns:
                    self.namespace = ns
            except OSError:
                pass
            time.sleep(0.05)
        if self.namespace is None:
            raise RigError("LightDM did not start in its own mount namespace:\n" + self.log())
        self.xauthority = str(d / "run" / "root" / self.display)
        # the greeter has asked for a user name (the user's PAM conversation starts only then),
        # and its window is on the screen; keys typed before that would be lost
        _, at = self.wait_log(r"Greeter start authentication$", what="the greeter")
        self.wait_log(r"Prompt greeter with 1 message\(s\)$", what="the user name prompt", after=at)
        self._x(["xdotool", "search", "--sync", "--onlyvisible", "--classname", "lightdm-gtk-greeter"])
        time.sleep(0.5)  # GTK focuses the user name entry just after mapping the window

    # -- the screen -------------------------------------------------------------------------

    def _x(self, cmd, **kw):
        env = dict(os.environ, DISPLAY=self.display, XAUTHORITY=self.xauthority)
        return subprocess.run(cmd, env=env, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=DEFAULT_WAIT, **kw)

    def type(self, text):
        self._x(["xdotool", "type", "--delay", "30", text])

    def key(self, name):
        self._x(["xdotool", "key", name])

    def click(self, x, y):
        self._x(["xdotool", "mousemove", str(x), str(y), "click", "1"])

    def screenshot(self, name):
        """The greeter's screen (Xephyr's root window) as <artifacts>/<name>.png."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        out = self.artifacts / (name + ".png")
        self._x(["import", "-window", "root", str(out)])
        return out

    # -- what happened ----------------------------------------------------------------------

    def log(self):
        try:
            return self.lightdm_log.read_text(errors="replace")
        except OSError:
            return ""

    def wait_log(self, pattern, what=None, timeout=DEFAULT_WAIT, after=0):
        """Waits until LightDM's output (from offset `after`) has a line matching pattern;
        returns (match, end offset)."""
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            text = self.log()
            m = rx.search(text, after)
            if m:
                return m, m.end()
            if time.monotonic() >= deadline or self.procs["lightdm"].poll() is not None:
                raise RigError("no %s (/%s/) in LightDM's output:\n%s" % (what or "line", pattern, text[-6000:]))
            time.sleep(0.1)

    def session_file(self):
        return self.home / "session"

    def wait_session(self, timeout=DEFAULT_WAIT):
        """{key: value} the user's session recorded."""
        deadline = time.monotonic() + timeout
        while not self.session_file().exists():
            if time.monotonic() >= deadline:
                raise RigError("the user's session did not start:\n" + self.log()[-6000:])
            time.sleep(0.1)
        return dict(l.split("=", 1) for l in self.session_file().read_text().splitlines())

    def module_log(self):
        """The PAM modules' log lines (pam_wrapper prints pam_syslog as "PWRAP_... SYSLOG(prio): msg";
        the rig's stacks hold no other module that logs)."""
        return [l for l in self.log().splitlines() if "SYSLOG(" in l]

    # -- the end ----------------------------------------------------------------------------

    def _in_namespace(self):
        """Live processes in LightDM's mount namespace (a zombie has ended already: it waits
        only for its parent, which may be an init that does not reap)."""
        pids = []
        if self.namespace is None:
            return pids
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.readlink("/proc/%s/ns/mnt" % entry) != self.namespace:
                        continue
                    with open("/proc/%s/stat" % entry) as f:
                        if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                            continue
                    pids.append(int(entry))
                except (OSError, IndexError):
                    pass
        return pids

    @staticmethod
    def _describe(pids):
        out = []
        for pid in pids:
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    out.append("%d %s" % (pid, f.read().replace(b"\0", b" ").decode(errors="replace")))
            except OSError:
                out.append(str(pid))
        return out

    @staticmethod
    def _signal(pid, sig):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def stop(self):
        """Ends every process the rig started, by pid: LightDM (which ends its X server,
        greeter and sessions), whatever is still in its namespace, then the bus and Xvfb.
        Copies the logs to the artifacts. Raises if a process outlived it."""
        left = []
        p = self.procs.get("lightdm")
        if p is not None and p.poll() is None:
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        # a process may start another while it is being ended (the greeter's helpers): rounds
        for sig in (signal.SIGTERM, signal.SIGTERM, signal.SIGKILL, signal.SIGKILL):
            pids = self._in_namespace()
            for pid in pids:
                self._signal(pid, sig)
            deadline = time.monotonic() + 5
            while pids and time.monotonic() < deadline:
                pids = self._in_namespace()
                time.sleep(0.1)
            if sig == signal.SIGTERM and pids:
                left += self._describe(pids)
        for name in ("dbus-daemon", "Xvfb"):
            q = self.procs.get(name)
            if q is not None and q.poll() is None:
                q.terminate()
                try:
                    q.wait(10)
                except subprocess.TimeoutExpired:
                    q.kill()
                    q.wait()
        if self.procs.get("dbus-daemon") is not None and self.procs["dbus-daemon"].stdout:
            self.procs["dbus-daemon"].stdout.close()
        self.artifacts.mkdir(parents=True, exist_ok=True)
        # what LightDM left behind for the rig to end
        (self.artifacts / "teardown.txt").write_text("".join(l + "\n" for l in left))
        for src in [self.lightdm_log] + sorted((self.dir / "log").glob("*.log")):
            if src.exists():
                shutil.copyfile(str(src), str(self.artifacts / src.name))
        for n in self.displays:
            # an X server that failed at its start leaves its lock file behind
            lock = Path("/tmp/.X%d-lock" % n)
            try:
                os.kill(int(lock.read_text().strip()), 0)
            except (OSError, ValueError):
                lock.unlink(missing_ok=True)
        still = self._in_namespace()
        shutil.rmtree(str(self.dir), ignore_errors=True)
        if still:
            raise RigError("processes outlived SIGKILL in the rig's namespace: %s" % self._describe(still))
        return left
