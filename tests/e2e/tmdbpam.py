# SPDX-License-Identifier: BSD-3-Clause
"""pam_tmdb under test: a generated config file and PAM service directory per test, and a
run() that drives tmdb-host (the project's PAM host on the real libpam) through them.

    def test_x(pam):                      # fixture from this module, import it in a test file
        pam.conf["approval"] = "poll"     # keys written to the config file
        pam.args.append("debug")          # module arguments
        r = pam.run("authenticate", approve_as="alice")
        assert r.ops["authenticate"] == ["PAM_SUCCESS"]
"""

import os
import stat

import pytest

from pamhost import builddir, run_host, write_private, write_service  # noqa: F401 (write_private re-exported)

API_KEY = "standin-api-key"
ACCESS_TOKEN = "standin-access-token"
# accounts the stand-in knows by default
ALICE_ID = 1001
TEST_ACCOUNT = "TMDbTestAccount"
TEST_ACCOUNT_ID = 6089455
DEFAULT_USER_MAP = "".join("%s %s\n" % (u, u) for u in ("alice", "bob", "carol", "dave", "erin", "mediaapp"))
# the TMDb paths the module calls, as the stand-in's request log names them
TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
ACCOUNT = "/3/account"
DELETE = "/3/authentication/session"
V4_TOKEN = "/4/auth/request_token"
V4_ACCESS = "/4/auth/access_token"
V4_CONVERT = "/3/authentication/session/convert/4"


def module_path():
    p = os.environ.get("PAM_TMDB_SO") or os.path.join(builddir(), "module", ".libs", "pam_tmdb.so")
    return os.path.abspath(p)


class PamEnv:
    TYPES = ("auth", "account", "session", "password")

    def __init__(self, tmp_path, standin):
        self.dir = tmp_path
        self.standin = standin
        self.service = "tmdb"
        self.service_dir = tmp_path / "pam.d"
        self.conf_path = tmp_path / "pam_tmdb.conf"
        self.cache_dir = tmp_path / "cache"
        self.cache_dir.mkdir(mode=0o700)
        # the journal of live sessions (pam_tmdb(8) SESSION JOURNAL), never the system's
        self.state_dir = tmp_path / "state"
        self.state_dir.mkdir(mode=0o700)
        # account_match=map is the default: each test user is listed with the TMDb account of
        # the same name, byte for byte (tests that bind otherwise write their own map)
        self.user_map = write_private(tmp_path / "pam_tmdb.users", DEFAULT_USER_MAP)
        self.conf = {
            "api_key": API_KEY,
            "api_url": standin.url,
            "cafile": standin.cafile,
            "cache_dir": str(self.cache_dir),
            "state_dir": str(self.state_dir),
            "user_map": self.user_map,
        }
        self.args = []
        self.raw_conf = None      # text written verbatim instead of self.conf
        self.use_conf_file = True
        self.lines = None         # service lines written verbatim

    def conf_text(self):
        if self.raw_conf is not None:
            return self.raw_conf
        return "".join("%s = %s\n" % (k, v) for k, v in self.conf.items() if v is not None)

    def module_line(self, kind, control="required"):
        args = (["conf=%s" % self.conf_path] if self.use_conf_file else []) + list(self.args)
        return "%s %s %s %s" % (kind, control, module_path(), " ".join(args))

    def write(self):
        if self.use_conf_file:
            write_private(self.conf_path, self.conf_text())
        lines = self.lines or [self.module_line(t) for t in self.TYPES]
        write_service(str(self.service_dir), self.service, lines)

    def run(self, ops="authenticate", user="alice", **kw):
        """Writes the config and runs tmdb-host; kw goes to pamhost.run_host."""
        self.write()
        kw.setdefault("cafile", self.standin.cafile)
        return run_host(str(self.service_dir), self.service, user, ops, **kw)

    def cache_file(self, user="alice"):
        return self.cache_dir / user

    def cache_entry(self, user="alice"):
        """{key: value} of the user's cache file."""
        lines = self.cache_file(user).read_text().splitlines()
        assert lines[0] == "pam_tmdb-cache 1"
        return dict(line.split(" ", 1) for line in lines[1:])


def file_mode(path):
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


def requests_to(standin, path, method=None):
    return [r for r in standin.requests()
            if r["path"] == path and (method is None or r["method"] == method)]


def count(standin, method, path):
    return standin.stats()["requests"].get("%s %s" % (method, path), 0)


REFUSAL_PREFIX = "Not signed in: "


def without_refusal(result):
    """The conversation without its closing refusal (pam_tmdb(8) MESSAGES): at most one
    "Not signed in: ..." PAM_ERROR_MSG, and only as the last message."""
    conv = list(result.conv)
    refusals = [i for i, c in enumerate(conv) if c["msg"].startswith(REFUSAL_PREFIX)]
    assert len(refusals) <= 1, "more than one refusal message\n" + result.dump()
    if refusals:
        assert refusals[0] == len(conv) - 1 and conv[-1]["style"] == "PAM_ERROR_MSG", result.dump()
        conv.pop()
    return conv


def assert_logged(result, *fragments):
    msgs = result.log_messages
    for frag in fragments:
        assert any(frag in m for m in msgs), "no log line with %r in:\n%s" % (frag, "\n".join(msgs))


@pytest.fixture
def pam(tmp_path, standin):
    return PamEnv(tmp_path, standin)


@pytest.fixture
def pam_http(tmp_path, standin_http):
    env = PamEnv(tmp_path, standin_http)
    env.conf["allow_http"] = "yes"
    env.conf["cafile"] = None
    return env


# -- helpers for the hardening tests (test_hostile.py, test_concurrency.py, test_secrets.py) --

# JSON punctuation travels unencoded, so that deeply nested bodies fit the stand-in's
# request-line limit (libmicrohttpd's 32 KiB connection pool)
_RAW_SAFE = '[]{}:,"'


def fault_bytes(standin, path, body, **opts):
    """Queues a stand-in fault whose body= holds arbitrary bytes (invalid UTF-8 included),
    percent-encoded byte for byte (Standin.fault would re-encode text as UTF-8)."""
    import urllib.parse
    query = "path=%s&body=%s" % (urllib.parse.quote(path, safe=""),
                                 urllib.parse.quote_from_bytes(bytes(body), safe=_RAW_SAFE))
    for k, v in opts.items():
        query += "&%s=%s" % (k, urllib.parse.quote(str(v), safe=""))
    status, _, data = standin.request("POST", "/_standin/fault?" + query, body=b"")
    assert status == 200, (status, data)


def assert_host_survived(result):
    """The host did not crash, abort or report a sanitizer/valgrind error: exit 0 or 1
    (2 is a usage error, 99 valgrind, 66 TSan, anything else a signal or ASan) and its
    last event is "end"."""
    assert result.rc in (0, 1), "host exit %r\n%s" % (result.rc, result.dump())
    assert result.ended, "no final end event\n%s" % result.dump()


def tree_snapshot(root, skip=()):
    """{relative path: (kind, mode, size, mtime_ns)} of everything under root (symlinks not
    followed); paths starting with an entry of skip are left out."""
    out = {}
    root = str(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if any(rel == s or rel.startswith(s + os.sep) for s in skip):
                continue
            st = os.lstat(full)
            kind = "l" if stat.S_ISLNK(st.st_mode) else "d" if stat.S_ISDIR(st.st_mode) else "f"
            out[rel] = (kind, stat.S_IMODE(st.st_mode), st.st_size if kind == "f" else 0,
                        st.st_mtime_ns if kind == "f" else 0)
    return out


def all_texts(result):
    """Every log line and conversation message of a run, as (kind, text) pairs."""
    return ([("log", m) for m in result.log_messages] +
            [("conv", c["msg"]) for c in result.conv])
