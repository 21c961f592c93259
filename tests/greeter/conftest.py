# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures of the greeter tests (tests/greeter/test_lightdm.py).

standin   module: the TMDb stand-in over HTTPS with a test CA (tests/e2e/standin.py), from
          $TMDB_BUILDDIR (scripts/test.sh passes _build/normal); reset before each test.
rig       a GreeterRig (lightdm_rig.py) for the test, its artifacts (screenshots, LightDM's logs)
          kept in $TMDB_BUILDDIR/artifacts/greeter/<test>/; stopped after the test, every
          process by its pid.

Nothing here skips: a missing tool, display or privilege fails the test, so that CI cannot pass
without a greeter having run.
"""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SRCDIR = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(SRCDIR / "tests" / "e2e"))

from lightdm_rig import GreeterRig  # noqa: E402
from standin import Standin, builddir, make_tls, standin_binary  # noqa: E402


@pytest.fixture(scope="module")
def _standin(tmp_path_factory):
    if not standin_binary().is_file():
        pytest.fail("tmdb-standin not built (%s): set TMDB_BUILDDIR" % standin_binary())
    server = Standin(tls=make_tls(tmp_path_factory.mktemp("tls")))
    yield server
    server.stop()


@pytest.fixture
def standin(_standin):
    _standin.reset()
    return _standin


@pytest.fixture
def rig(request):
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    artifacts = Path(builddir()) / "artifacts" / "greeter" / name
    shutil.rmtree(str(artifacts), ignore_errors=True)
    r = GreeterRig(artifacts)
    print("greeter artifacts: %s" % artifacts)
    yield r
    r.stop()


def module_path():
    p = os.environ.get("PAM_TMDB_SO") or os.path.join(str(builddir()), "module", ".libs", "pam_tmdb.so")
    if not os.path.isfile(p):
        pytest.fail("pam_tmdb.so not built (%s)" % p)
    return os.path.abspath(p)
