# SPDX-License-Identifier: BSD-3-Clause
"""An isolated root for installing a package without touching the machine (root only).

``IsolatedRoot(scratch)`` keeps one overlayfs upper directory per overlaid tree (/etc, /usr,
/var) under ``scratch``. ``run(cmd)`` runs a command in a new private mount namespace
(``unshare -m --propagation private``) where each of those trees is an overlay: the machine's
tree below, the scratch upper directory above. Everything a command writes there (dpkg's
database, /etc/pam.d, /var/lib/pam, debconf, the package's files) lands in ``scratch``; the
machine's files are never written, and the mounts vanish with the command. Because the upper
directories persist, a later ``run`` sees what an earlier one wrote: one root, many commands.

Mounts found below an overlaid tree (a container's bind-mounted /etc/hosts or /etc/resolv.conf)
are bound again on top of the overlay, so the root looks like the machine.
"""

import os
import shlex
import shutil
import subprocess

TREES = ("/etc", "/usr", "/var")

# Runs inside the new namespace: $1 is the scratch dir, then the command.
_SETUP = r'''
set -e
scratch=$1; shift
mkdir -p "$scratch/orig"
for tree in %(trees)s; do
	name=${tree#/}
	mkdir -p "$scratch/upper/$name" "$scratch/work/$name" "$scratch/orig/$name"
	mount --rbind "$tree" "$scratch/orig/$name"
	subs=$(awk -v t="$tree/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo)
	mount -t overlay "pkg-$name" -o "lowerdir=$tree,upperdir=$scratch/upper/$name,workdir=$scratch/work/$name" "$tree"
	for m in $subs; do
		case $m in "$scratch"/*) continue ;; esac
		[ -e "$m" ] || continue
		mount --bind "$scratch/orig/$name/${m#$tree/}" "$m" 2>/dev/null || true
	done
done
umount -l "$scratch/orig/"* 2>/dev/null || true
exec "$@"
''' % {"trees": " ".join(TREES)}


def usable():
    """None if an isolated root can be made here, else why not."""
    if os.geteuid() != 0:
        return "not running as root"
    for tool in ("unshare", "mount"):
        if shutil.which(tool) is None:
            return "%s not found" % tool
    try:
        with open("/proc/filesystems") as f:
            if "overlay" not in f.read():
                return "no overlayfs in this kernel"
    except OSError as e:
        return str(e)
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "true"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        return "unshare -m fails: %s" % p.stdout.decode(errors="replace").strip()
    return None


class Result:
    def __init__(self, cmd, rc, stdout, stderr):
        self.cmd, self.rc, self.stdout, self.stderr = cmd, rc, stdout, stderr

    def dump(self):
        return "cmd: %s\nrc: %s\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(shlex.quote(c) for c in self.cmd), self.rc, self.stdout, self.stderr)


class IsolatedRoot:
    def __init__(self, scratch):
        self.scratch = os.path.abspath(str(scratch))
        os.makedirs(self.scratch, mode=0o700, exist_ok=True)

    def command(self, cmd):
        return ["unshare", "-m", "--propagation", "private", "--",
                "sh", "-c", _SETUP, "isolated-root", self.scratch] + [str(c) for c in cmd]

    def run(self, cmd, env=None, timeout=300, check=False, input=None):
        """Runs cmd (a list, or a string for sh -c) inside the root. ``env`` is added to a
        small clean environment (PATH, LANG=C.UTF-8, DEBIAN_FRONTEND=noninteractive)."""
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        full_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                    "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root"}
        full_env.update(env or {})
        full = self.command(cmd)
        p = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env,
                           timeout=timeout, universal_newlines=True, errors="replace",
                           input=input)
        r = Result(full, p.returncode, p.stdout, p.stderr)
        if check and r.rc != 0:
            raise AssertionError("command failed in the isolated root\n" + r.dump())
        return r

    def read(self, path):
        """A file's text as the root sees it (None if it does not exist)."""
        r = self.run(["sh", "-c", 'test -e "$0" || exit 3; cat "$0"', path])
        if r.rc == 3:
            return None
        assert r.rc == 0, r.dump()
        return r.stdout

    def exists(self, path):
        return self.run(["test", "-e", path]).rc == 0

    def write(self, path, text, mode=0o644):
        r = self.run(["sh", "-c", 'umask 077; cat > "$0" && chmod "$1" "$0"', path,
                      "%o" % mode], input=text)
        assert r.rc == 0, r.dump()

    def checksums(self, *dirs):
        """{path: sha256} of the regular files directly in each directory, as the root sees
        them (symlinks by their target text)."""
        script = r'''
for d in "$@"; do
	[ -d "$d" ] || continue
	for f in "$d"/* "$d"/.[!.]*; do
		if [ -L "$f" ]; then printf 'link:%s  %s\n' "$(readlink "$f")" "$f"
		elif [ -f "$f" ]; then sha256sum "$f"
		fi
	done
done'''
        r = self.run(["sh", "-c", script, "checksums"] + list(dirs), check=True)
        out = {}
        for line in r.stdout.splitlines():
            digest, path = line.split("  ", 1)
            out[path] = digest
        return out

    def cleanup(self):
        shutil.rmtree(self.scratch, ignore_errors=True)


def machine_snapshot(paths):
    """{path: sha256 or 'dir' or 'missing'} of the machine's own files under each path
    (recursively; symlinks by their target), read directly in this namespace."""
    import hashlib
    out = {}

    def add(p):
        if os.path.islink(p):
            out[p] = "link:" + os.readlink(p)
        elif os.path.isdir(p):
            out[p] = "dir"
        elif os.path.isfile(p):
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 16), b""):
                    h.update(chunk)
            st = os.lstat(p)
            out[p] = "%s %o" % (h.hexdigest(), st.st_mode & 0o7777)
        else:
            out[p] = "other"

    for top in paths:
        if not os.path.lexists(top):
            out[top] = "missing"
            continue
        add(top)
        if os.path.isdir(top) and not os.path.islink(top):
            for dirpath, dirnames, filenames in os.walk(top):
                for n in sorted(dirnames + filenames):
                    add(os.path.join(dirpath, n))
    return out
