# SPDX-License-Identifier: BSD-3-Clause
"""The user-run rows (issue 19): a PAM host (pamtester, rows 3u/3h) run by an ordinary user (uid 65534) against the rig's
stand-in, once with a configuration of the user's own (the module reads it in process) and once
with root's (0640 root:GID: the module goes through a setgid copy of pam_tmdb_helper), and the
helper's own peak RSS (GNU time on the helper, driven through its socket as the module drives
it). Laid out like tests/e2e/helperenv.py: a 0755 directory under /tmp whose every component is
root's. Needs root (setpriv, chown); Rig.has("user") says whether it can run."""

import os
import shutil
import socket
import subprocess
import tempfile

from .common import API_KEY, BenchError

NOBODY = 65534
HELPER_GID = 64123      # stands for the group pam_tmdb
AS_NOBODY = ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups"]


def unavailable(builddir):
    if os.geteuid() != 0:
        return "not root"
    if shutil.which("setpriv") is None:
        return "setpriv missing"
    if not os.path.isfile(helper_binary(builddir)):
        return "pam_tmdb_helper not built"
    if os.statvfs("/tmp").f_flag & os.ST_NOSUID:
        return "/tmp is nosuid"
    return None


def helper_binary(builddir):
    return os.path.join(str(builddir), "helper", "pam_tmdb_helper")


def _write(path, text, mode, uid=0, gid=0):
    with open(path, "w") as f:
        f.write(text)
    os.chown(path, uid, gid)
    os.chmod(path, mode)


class UserLayout:
    """services: [(name, layout, keys)] with layout "own" or "helper"; keys as Rig.setup's
    (values may hold {api_key}, {api_url}, {cafile}, {user_map})."""

    def __init__(self, rig, services):
        self.rig = rig
        self.dir = tempfile.mkdtemp(prefix="pam_tmdb-bench-user-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        d = self.dir
        self.helper = os.path.join(d, "pam_tmdb_helper")
        shutil.copyfile(helper_binary(rig.builddir), self.helper)
        os.chown(self.helper, 0, HELPER_GID)
        os.chmod(self.helper, 0o2755)
        self.cafile = os.path.join(d, "ca.pem")
        shutil.copyfile(rig.cafile, self.cafile)
        os.chmod(self.cafile, 0o644)
        self.user_map = os.path.join(d, "pam_tmdb.users")
        _write(self.user_map, "nobody alice\n", 0o644)
        self.scratch = os.path.join(d, "scratch")
        os.mkdir(self.scratch)
        os.chown(self.scratch, NOBODY, NOBODY)
        self.svcdir = os.path.join(d, "pam.d")
        self.conf = {}
        values = {"api_key": API_KEY, "api_url": rig.url, "cafile": self.cafile,
                  "user_map": self.user_map}
        for name, layout, keys in services:
            path = os.path.join(d, "pam_tmdb-%s.conf" % name)
            text = "".join("%s = %s\n" % (k, str(v).format(**values)) for k, v in keys.items())
            if layout == "helper":
                _write(path, text, 0o640, 0, HELPER_GID)
                args = "conf=%s helper=%s" % (path, self.helper)
            else:
                _write(path, text, 0o600, NOBODY, NOBODY)
                args = "conf=%s" % path
            self.conf[name] = path
            rig.pamhost.write_service(self.svcdir, name, ["auth required %s %s" % (rig.module, args)])
        os.chmod(self.svcdir, 0o755)
        for n in os.listdir(self.svcdir):
            os.chmod(os.path.join(self.svcdir, n), 0o644)

    def host_cmd(self, name):
        return AS_NOBODY + [self.rig.host, "--confdir", self.svcdir, "--service", name,
                            "--user", "nobody", "--", "authenticate"]

    def pamtester_cmd(self, name):
        return AS_NOBODY + [self.rig.pamtester, name, "nobody", "authenticate"]

    def pamtester_env(self):
        """pam_wrapper reading this layout's services, and nothing else of the caller's."""
        env = {"PATH": os.environ.get("PATH", os.defpath)}
        env.update(self.rig.pamhost.pam_wrapper_env(self.svcdir))
        return env

    def helper_rss_kb(self, name):
        """One login through the helper, run under GNU time and driven as the module drives it
        (the protocol of tests/e2e/helperenv.py): the helper's own peak RSS in kB."""
        import helperenv
        out = os.path.join(self.scratch, "time.out")
        mine, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        proc = subprocess.Popen(AS_NOBODY + [self.rig.time_bin, "-f", "%M", "-o", out, self.helper],
                                stdin=child, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={}, cwd="/")
        child.close()

        class Conn:   # helperenv.DirectHelper's reading half, on our socket
            sock = mine
            events = []
            send = mine.sendall
            recv_frame = helperenv.DirectHelper.recv_frame
            converse = helperenv.DirectHelper.converse
        try:
            mine.sendall(helperenv.request(user="nobody", args=["conf=%s" % self.conf[name]]))
            res = Conn().converse(lambda msgs: "", take=True, timeout=60)
        finally:
            mine.close()
        rc = proc.wait(timeout=60)
        if rc != 0 or not res or res["rc"] != 0:
            raise BenchError("helper RSS run: exit %s, result %s" % (rc, res))
        with open(out) as f:
            return int(f.read().split()[-1])

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
