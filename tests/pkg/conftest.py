# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures of the package round trip (tests/pkg/test_package.py).

package   session: the libpam-tmdb .deb, .changes and build log. Built once with
          `dpkg-buildpackage -us -uc -b` in a scratch copy of the source tree (dpkg-buildpackage
          writes to ../ and debian/ would be dirtied otherwise), or taken from $TMDB_PKG_DIR
          when that names a directory that already holds them (a quick re-run).
standin   session: the TMDb stand-in over HTTPS with a test CA (tests/e2e/standin.py), from
          $TMDB_BUILDDIR (scripts/test.sh passes _build/normal).
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SRCDIR = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(SRCDIR / "tests" / "e2e"))

from standin import Standin, make_tls, standin_binary  # noqa: E402


class Package:
    def __init__(self, directory, log):
        self.dir = Path(directory)
        self.log = log
        debs = sorted(glob.glob(str(self.dir / "libpam-tmdb_*.deb")))
        changes = sorted(glob.glob(str(self.dir / "libpam-tmdb_*.changes")))
        self.deb = debs[-1] if debs else None
        self.changes = changes[-1] if changes else None


def source_files():
    """The files of the working tree that a clean checkout has (tracked, and new files not
    ignored), without build trees: what `git clone` + the uncommitted work would hold."""
    if (SRCDIR / ".git").exists() and shutil.which("git"):
        out = subprocess.run(["git", "-C", str(SRCDIR), "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], stdout=subprocess.PIPE, check=True).stdout
        files = [f for f in out.decode().split("\0") if f]
        return [f for f in files if not f.startswith("_build") and (SRCDIR / f).exists()]
    files = []
    for dirpath, dirnames, filenames in os.walk(str(SRCDIR)):
        rel = os.path.relpath(dirpath, str(SRCDIR))
        dirnames[:] = [d for d in dirnames if not (rel == "." and (d.startswith("_build") or d == ".git"))]
        files += [os.path.normpath(os.path.join(rel, f)) for f in filenames]
    return files


def build_package(scratch):
    src = Path(scratch) / "src"
    src.mkdir(parents=True)
    listing = "\0".join(source_files()).encode()
    tar_out = subprocess.Popen(["tar", "-C", str(SRCDIR), "--null", "-T", "-", "-cf", "-"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    tar_in = subprocess.Popen(["tar", "-C", str(src), "-xf", "-"], stdin=tar_out.stdout)
    tar_out.stdin.write(listing)
    tar_out.stdin.close()
    tar_out.stdout.close()
    assert tar_out.wait() == 0 and tar_in.wait() == 0, "copying the tree failed"
    env = dict(os.environ)
    # the unit tests ran in the build already (phase normal); a package build without them is
    # what this test needs. DEB_BUILD_OPTIONS from the caller wins.
    env.setdefault("DEB_BUILD_OPTIONS", "nocheck parallel=%d" % (os.cpu_count() or 2))
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(k, None)
    p = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=str(src), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800,
                       universal_newlines=True, errors="replace")
    return Package(scratch, p.stdout), p.returncode


@pytest.fixture(scope="session")
def package(tmp_path_factory):
    prebuilt = os.environ.get("TMDB_PKG_DIR")
    if prebuilt and glob.glob(os.path.join(prebuilt, "libpam-tmdb_*.deb")):
        return Package(prebuilt, "(prebuilt in %s)" % prebuilt)
    if shutil.which("dpkg-buildpackage") is None:
        pytest.fail("dpkg-buildpackage not found (dpkg-dev, debhelper)")
    scratch = prebuilt or str(tmp_path_factory.mktemp("pkg"))
    pkg, rc = build_package(scratch)
    assert rc == 0 and pkg.deb, "dpkg-buildpackage failed:\n" + pkg.log[-6000:]
    return pkg


@pytest.fixture(scope="session")
def standin(tmp_path_factory):
    if not standin_binary().is_file():
        pytest.fail("tmdb-standin not built (%s); set TMDB_BUILDDIR" % standin_binary())
    # world-readable: the root of the isolated system reads the CA through cafile
    d = Path(tempfile.mkdtemp(prefix="pkg-tls-"))
    os.chmod(str(d), 0o755)
    tls = make_tls(d)
    server = Standin(tls=tls)
    yield server
    server.stop()
    shutil.rmtree(str(d), ignore_errors=True)
