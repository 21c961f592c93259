# SPDX-License-Identifier: BSD-3-Clause
"""A real OpenSSH sshd on loopback for the end-to-end tests (root only), and a paramiko client.

``Sshd(workdir, pam_lines, users)`` starts ``/usr/sbin/sshd -D`` on 127.0.0.1 and a free port,
with a generated host key and a private sshd_config (UsePAM yes, KbdInteractiveAuthentication
yes, no password or public-key authentication). sshd runs in its own private mount namespace
(``unshare -m``), where

* /etc/pam.d is a private directory holding the ``sshd`` service built from ``pam_lines``
  (sshd's PAM service name is "sshd"; pam_wrapper is not used: sshd forks its PAM work into
  other processes and runs it as root, a private /etc/pam.d is simpler and closer to a real
  install),
* /etc/passwd and /etc/group are copies of the machine's with the test ``users`` added (sshd
  needs a real passwd entry for the login user; the machine's files are never written),
* /run is a fresh tmpfs holding sshd's privilege-separation directory /run/sshd.

Everything sshd starts (connection handlers, the PAM process, the user's commands) lives in
that namespace; ``stop()`` ends the listener and kills every process left in the namespace, so
nothing outlives a test, also when it fails. The namespace's mounts vanish with its processes.

``login(port, user, on_prompt)`` signs in with keyboard-interactive through paramiko and
returns a ``Login`` that records every keyboard-interactive round with its time.
"""

import os
import signal
import socket
import subprocess
import time
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # paramiko 2.12 + cryptography 38: deprecated ciphers
    try:
        import paramiko
    except ImportError:  # pragma: no cover
        paramiko = None

SSHD = "/usr/sbin/sshd"

# Inside the namespace: $1 passwd copy, $2 group copy, $3 private pam.d, then the command.
_SETUP = r'''
set -e
mount --bind "$1" /etc/passwd
mount --bind "$2" /etc/group
mount --bind "$3" /etc/pam.d
mount -t tmpfs -o mode=0755 sshd-run /run
mkdir -m 0755 /run/sshd
shift 3
exec "$@"
'''


def unavailable():
    """None if a private sshd can run here, else why not."""
    if os.geteuid() != 0:
        return "not running as root"
    if not os.access(SSHD, os.X_OK):
        return "%s not found (openssh-server)" % SSHD
    if paramiko is None:
        return "paramiko not found (python3-paramiko)"
    if subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        return "unshare -m does not work here"
    if os.environ.get("TMDB_SANITIZERS") == "yes":
        return "a sanitizer build of the module cannot be loaded into sshd"
    if os.environ.get("TMDB_HOST_WRAPPER"):
        return "sshd does not run under the host wrapper (valgrind): covered by the normal phase"
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _die_with_parent():
    """In the child before exec: SIGKILL when the test process dies (even killed outright),
    so a listener never outlives its test run."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _mnt_ns(pid):
    try:
        return os.readlink("/proc/%d/ns/mnt" % pid)
    except OSError:
        return None


class Sshd:
    """One sshd in its own mount namespace. ``users``: {name: uid} added to the passwd copy
    (group = uid, home /, shell /bin/sh)."""

    def __init__(self, workdir, pam_lines, users, options=None):
        self.dir = os.path.abspath(str(workdir))
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.host_key = os.path.join(self.dir, "ssh_host_ed25519_key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pam_tmdb-test",
                        "-f", self.host_key], check=True, stdin=subprocess.DEVNULL)
        self.pam_dir = os.path.join(self.dir, "pam.d")
        os.makedirs(self.pam_dir, exist_ok=True)
        os.chmod(self.pam_dir, 0o755)
        self.write_pam(pam_lines)
        self.passwd = os.path.join(self.dir, "passwd")
        self.group = os.path.join(self.dir, "group")
        self._write_accounts(users)
        opts = {
            "ListenAddress": "127.0.0.1:%d" % self.port,
            "HostKey": self.host_key,
            "UsePAM": "yes",
            "KbdInteractiveAuthentication": "yes",
            "PasswordAuthentication": "no",
            "PubkeyAuthentication": "no",
            "AuthorizedKeysFile": "none",
            "PermitRootLogin": "no",
            "PidFile": "none",
            "PrintMotd": "no",
            "PrintLastLog": "no",
            "UseDNS": "no",
            "StrictModes": "no",
            "X11Forwarding": "no",
            "MaxStartups": "50",
            "MaxSessions": "10",
            "LoginGraceTime": "120",
            "LogLevel": "DEBUG1",
        }
        opts.update(options or {})
        self.config = os.path.join(self.dir, "sshd_config")
        with open(self.config, "w") as f:
            for k, v in opts.items():
                f.write("%s %s\n" % (k, v))
        self.log_path = os.path.join(self.dir, "sshd.log")
        self._log = open(self.log_path, "wb")
        cmd = ["unshare", "-m", "--propagation", "private", "--", "sh", "-c", _SETUP, "sshd-ns",
               self.passwd, self.group, self.pam_dir, SSHD, "-D", "-e", "-f", self.config]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        self.ns = None
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def write_pam(self, lines):
        """(Re)writes the private /etc/pam.d/sshd; sshd reads it at every login."""
        path = os.path.join(self.pam_dir, "sshd")
        with open(path, "w") as f:
            f.write("".join(line.rstrip("\n") + "\n" for line in lines))
        other = os.path.join(self.pam_dir, "other")
        if not os.path.exists(other):
            with open(other, "w") as f:
                for t in ("auth", "account", "password", "session"):
                    f.write("%s required pam_deny.so\n" % t)

    def _write_accounts(self, users):
        with open("/etc/passwd") as f:
            passwd = f.read()
        with open("/etc/group") as f:
            group = f.read()
        names = {line.split(":", 1)[0] for line in passwd.splitlines() if line}
        if "sshd" not in names:  # the privilege separation user (openssh-server adds it)
            passwd += "sshd:x:65533:65534::/run/sshd:/usr/sbin/nologin\n"
        for name, uid in users.items():
            assert name not in names, "test user %s exists on this machine" % name
            passwd += "%s:x:%d:%d:pam_tmdb sshd test:/:/bin/sh\n" % (name, uid, uid)
            group += "%s:x:%d:\n" % (name, uid)
        for path, text in ((self.passwd, passwd), (self.group, group)):
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o644)

    def _wait_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sshd exited with %s:\n%s" % (self.proc.returncode, self.log()))
            if self.ns is None:
                # the namespace of the exec'ed sshd (after unshare, before it differs: wait)
                ns = _mnt_ns(self.proc.pid)
                if ns and ns != _mnt_ns(os.getpid()):
                    self.ns = ns
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.settimeout(2)
                    if s.recv(64).startswith(b"SSH-"):
                        if self.ns is None:
                            self.ns = _mnt_ns(self.proc.pid)
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("sshd did not answer on port %d in %d s:\n%s" % (self.port, timeout, self.log()))

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def processes(self):
        """Pids of every process in sshd's mount namespace (sshd and all it started)."""
        if not self.ns:
            return []
        out = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid() and _mnt_ns(int(entry)) == self.ns:
                out.append(int(entry))
        return out

    def wait_for_connections_to_end(self, timeout=10):
        """Waits until only the listener is left in the namespace (every connection's processes
        have ended, so every PAM session is closed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if [p for p in self.processes() if p != self.proc.pid] == []:
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        """Ends sshd and every process in its namespace. Idempotent."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for _ in range(50):
            left = self.processes()
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        if not self._log.closed:
            self._log.close()
        assert not self.processes(), "processes left in sshd's namespace: %s" % self.processes()


class Round:
    """One keyboard-interactive request as the client saw it."""

    def __init__(self, t, title, instructions, prompts):
        self.t = t                  # seconds since the login started
        self.title = title
        self.instructions = instructions
        self.prompts = prompts      # [(text, echo)]

    def texts(self):
        return [self.instructions] + [p for p, _ in self.prompts]

    def __repr__(self):
        return "Round(t=%.2f, title=%r, instructions=%r, prompts=%r)" % (
            self.t, self.title, self.instructions, self.prompts)


class Login:
    """A keyboard-interactive login through paramiko. ``on_round(login, round)`` is called for
    every round and returns the answers (default: "" for each prompt, i.e. Enter)."""

    def __init__(self, port, user, on_round=None, timeout=60):
        self.rounds = []
        self.error = None
        self.start = time.monotonic()
        self.elapsed = None
        self.on_round = on_round
        self.transport = paramiko.Transport(("127.0.0.1", port))
        self.transport.banner_timeout = timeout
        self.transport.auth_timeout = timeout
        try:
            self.transport.start_client(timeout=timeout)
            self.transport.auth_interactive(user, self._handler)
        except paramiko.AuthenticationException as e:
            self.error = e
        except paramiko.SSHException as e:
            self.error = e
        self.elapsed = time.monotonic() - self.start

    def _handler(self, title, instructions, prompt_list):
        r = Round(time.monotonic() - self.start, title, instructions, list(prompt_list))
        self.rounds.append(r)
        answers = self.on_round(self, r) if self.on_round else None
        if answers is None:
            answers = [""] * len(prompt_list)
        return answers

    @property
    def ok(self):
        return self.error is None and self.transport.is_authenticated()

    def run(self, command, timeout=30):
        """Runs a command in a new session channel: (exit status, stdout, stderr)."""
        chan = self.transport.open_session(timeout=timeout)
        chan.settimeout(timeout)
        chan.exec_command(command)
        out, err = b"", b""
        while True:
            data = chan.recv(65536)
            if not data:
                break
            out += data
        while True:
            data = chan.recv_stderr(65536)
            if not data:
                break
            err += data
        status = chan.recv_exit_status()
        chan.close()
        return status, out.decode(errors="replace"), err.decode(errors="replace")

    def close(self):
        self.transport.close()

    def dump(self):
        return "rounds:\n%s\nerror: %r\nelapsed: %.2f s" % (
            "\n".join(repr(r) for r in self.rounds), self.error, self.elapsed or -1)
