# SPDX-License-Identifier: BSD-3-Clause
"""Run and drive tests/standin/tmdb-standin, the loopback TMDb stand-in.

Python standard library only. Used by conftest.py fixtures; usable on its own:

    tls = make_tls("/tmp/x")
    with Standin(tls=tls) as s:          # HTTPS on an ephemeral port
        s.fault("/3/authentication/token/new", status=503, count=2)
        ...                              # point the module at s.url, trust s.cafile
        assert s.stats()["connections"] == 1

Environment:
    TMDB_STANDIN     path of the binary (default <builddir>/tests/standin/tmdb-standin)
    TMDB_BUILDDIR    build tree (default: the repository root)
"""

import base64
import hashlib
import http.client
import json
import os
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

DEFAULT_API_KEY = "standin-api-key"
DEFAULT_ACCESS_TOKEN = "standin-access-token"
# The default accounts: (id, username, password, name).
DEFAULT_ACCOUNTS = (
    (6089455, "TMDbTestAccount", "secret", "Test Name"),
    (1001, "alice", "alicepw", "Alice"),
)


def builddir():
    return Path(os.environ.get("TMDB_BUILDDIR") or REPO)


def standin_binary():
    env = os.environ.get("TMDB_STANDIN")
    return Path(env) if env else builddir() / "tests" / "standin" / "tmdb-standin"


def captures_dir():
    """The recorded TMDb responses kept in the repository (tests/data/tmdb-captures)."""
    return REPO / "tests" / "data" / "tmdb-captures"


# --------------------------------------------------------------------------
# TLS material


@dataclass(frozen=True)
class TLSMaterial:
    """Paths of the PEM files made by make_tls()."""

    dir: Path
    ca_cert: Path          # the test CA: trust this one (cafile=)
    ca_key: Path
    server_cert: Path      # localhost, SAN DNS:localhost + IP:127.0.0.1, signed by the test CA
    server_key: Path
    untrusted_ca_cert: Path  # an unrelated CA
    untrusted_cert: Path   # localhost cert signed by the unrelated CA
    untrusted_key: Path
    wrong_host_cert: Path  # SAN DNS:other.invalid only, signed by the test CA
    wrong_host_key: Path
    expired_cert: Path     # localhost, signed by the test CA, expired in 2020
    expired_key: Path


def _openssl(*args, cwd):
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed:\n%s" % (" ".join(args), proc.stderr))


_LEAF_EXT = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = {san}
"""

_CA_CONF = """\
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
certificate = {cert}
private_key = {key}
default_md = sha256
policy = any_policy
unique_subject = no
copy_extensions = none
[ any_policy ]
commonName = supplied
"""


def _make_ca(d, name, cn):
    key, cert = d / (name + ".key"), d / (name + ".pem")
    _openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "3650",
             "-subj", "/CN=" + cn,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-addext", "subjectKeyIdentifier=hash", cwd=d)
    return cert, key


def _make_leaf(d, name, cn, san, ca_cert, ca_key, expired=False):
    key, csr, cert, ext = (d / (name + s) for s in (".key", ".csr", ".pem", ".ext"))
    ext.write_text(_LEAF_EXT.format(san=san))
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", str(key), "-out", str(csr), "-subj", "/CN=" + cn, cwd=d)
    if not expired:
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
                 "-CAcreateserial", "-days", "825", "-sha256", "-extfile", str(ext),
                 "-out", str(cert), cwd=d)
    else:
        # OpenSSL 3.0's x509 cannot set past dates; "openssl ca" can.
        cadir = d / (name + "-ca")
        cadir.mkdir(exist_ok=True)
        (cadir / "index.txt").write_text("")
        (cadir / "serial").write_text("1000\n")
        conf = cadir / "ca.cnf"
        conf.write_text(_CA_CONF.format(dir=cadir, cert=ca_cert, key=ca_key))
        _openssl("ca", "-batch", "-config", str(conf), "-in", str(csr), "-out", str(cert),
                 "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
                 "-extfile", str(ext), "-notext", cwd=d)
    return cert, key


def make_tls(directory):
    """Generates test TLS material in directory (with the openssl CLI); returns TLSMaterial."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = _make_ca(d, "ca", "pam_tmdb test CA")
    server_cert, server_key = _make_leaf(d, "server", "localhost",
                                         "DNS:localhost, IP:127.0.0.1", ca_cert, ca_key)
    other_ca_cert, other_ca_key = _make_ca(d, "untrusted-ca", "untrusted test CA")
    untrusted_cert, untrusted_key = _make_leaf(d, "untrusted", "localhost",
                                               "DNS:localhost, IP:127.0.0.1",
                                               other_ca_cert, other_ca_key)
    wrong_cert, wrong_key = _make_leaf(d, "wrong-host", "other.invalid", "DNS:other.invalid",
                                       ca_cert, ca_key)
    expired_cert, expired_key = _make_leaf(d, "expired", "localhost",
                                           "DNS:localhost, IP:127.0.0.1", ca_cert, ca_key,
                                           expired=True)
    return TLSMaterial(d, ca_cert, ca_key, server_cert, server_key, other_ca_cert,
                       untrusted_cert, untrusted_key, wrong_cert, wrong_key,
                       expired_cert, expired_key)


def spki_of(cert):
    """Chromium's --ignore-certificate-errors-spki-list value for a PEM certificate (how
    a browser test trusts the stand-in's test certificate without a system-wide CA)."""
    pub = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-pubkey"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         check=True, capture_output=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


# --------------------------------------------------------------------------
# The stand-in process


class StandinError(RuntimeError):
    pass


def _no_proxy_opener(context):
    handlers = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener(*handlers)


class Standin:
    """One tmdb-standin process on 127.0.0.1 and an ephemeral port.

    tls: a TLSMaterial (HTTPS with its server cert, or cert/key given by
    cert=/key=), or None for plain HTTP. args: extra command-line arguments.
    """

    START_TIMEOUT = 15.0

    def __init__(self, tls=None, args=(), cert=None, key=None, workdir=None, binary=None):
        self.tls = tls
        self.binary = Path(binary) if binary else standin_binary()
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="standin-")
            workdir = self._tmp.name
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port_file = self.workdir / "port"
        self.log_path = self.workdir / "standin.log"
        if self.port_file.exists():
            self.port_file.unlink()
        cmd = [str(self.binary), "--port", "0", "--port-file", str(self.port_file)]
        self.https = tls is not None or cert is not None
        if self.https:
            cmd += ["--tls-cert", str(cert or tls.server_cert),
                    "--tls-key", str(key or tls.server_key)]
        cmd += [str(a) for a in args]
        self.cmd = cmd
        self.cafile = str(tls.ca_cert) if tls is not None else None
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        self.port = self._wait_port()
        scheme = "https" if self.https else "http"
        self.url = "%s://localhost:%d" % (scheme, self.port)
        self.api_key = DEFAULT_API_KEY
        self.access_token = DEFAULT_ACCESS_TOKEN
        self.ssl_context = None
        if self.https:
            self.ssl_context = ssl.create_default_context(cafile=self.cafile)
        self._opener = _no_proxy_opener(self.ssl_context)

    def _wait_port(self):
        deadline = time.monotonic() + self.START_TIMEOUT
        while time.monotonic() < deadline:
            if self.port_file.exists():
                text = self.port_file.read_text()
                if text.endswith("\n"):
                    return int(text)
            if self.proc.poll() is not None:
                raise StandinError("tmdb-standin exited with %d:\n%s"
                                   % (self.proc.returncode, self.log()))
            time.sleep(0.02)
        self.proc.kill()
        self.proc.wait()
        raise StandinError("tmdb-standin did not write its port file in %.0f s:\n%s"
                           % (self.START_TIMEOUT, self.log()))

    def log(self):
        """What the process printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # -- plain HTTP helpers ------------------------------------------------

    def connection(self, timeout=10):
        """A new http.client connection (keep-alive) to the stand-in."""
        if self.https:
            return http.client.HTTPSConnection("localhost", self.port, timeout=timeout,
                                               context=self.ssl_context)
        return http.client.HTTPConnection("localhost", self.port, timeout=timeout)

    def request(self, method, path, params=None, body=None, headers=None, timeout=10):
        """One request on a fresh connection. Returns (status, headers, body bytes);
        body may be a dict (sent as JSON)."""
        if params:
            path += ("&" if "?" in path else "?") + urllib.parse.urlencode(params)
        hdrs = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json;charset=utf-8")
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=hdrs)
        try:
            with self._opener.open(req, timeout=timeout) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, e.read()

    def api(self, method, path, params=None, body=None, headers=None, key=True):
        """A /3/ request with the default API key (key=False: none). Returns
        (status, headers, parsed JSON)."""
        params = dict(params or {})
        if key:
            params.setdefault("api_key", self.api_key)
        status, hdrs, data = self.request(method, path, params, body, headers)
        return status, hdrs, json.loads(data)

    # -- control API -------------------------------------------------------

    def _control(self, http_method, name, /, **params):
        query = {}
        for k, v in params.items():
            if v is None:
                continue
            if v is True:
                v = "1"
            elif v is False:
                v = "0"
            query[k] = str(v)
        path = "/_standin/" + name
        if query:
            path += "?" + urllib.parse.urlencode(query)
        body = b"" if http_method == "POST" else None
        status, _, data = self.request(http_method, path, body=body)
        result = json.loads(data)
        if status != 200:
            raise StandinError("%s %s: %d %s" % (http_method, path, status, result))
        return result

    def fault(self, path, **opts):
        """Queues a fault for requests to path. Options (see tests/standin/faults.c):
        method, status, tmdb_status, body, delay_ms (before the handler), hold_ms (after
        it: its effect exists, its answer waits), trickle_ms, close,
        close_mid_body, endless, redirect, no_callback, retry_after,
        content_type, header_bytes, pad_bytes, count."""
        return self._control("POST", "fault", path=path, **opts)

    def reset(self):
        """Clears faults, counters, request log and runtime config."""
        return self._control("POST", "reset")

    def stats(self):
        return self._control("GET", "stats")

    def requests(self):
        """The logged API requests (last 200), oldest first."""
        return self._control("GET", "requests")

    def revoke(self, sid=None, all=False):  # noqa: A002 (mirrors the control API)
        if all:
            return self._control("POST", "revoke", all=True)
        return self._control("POST", "revoke", session_id=sid)

    def approve(self, token, user):
        return self._control("POST", "approve", token=token, user=user)

    def deny(self, token):
        return self._control("POST", "deny", token=token)

    def expire(self, token):
        return self._control("POST", "expire", token=token)

    def new_session(self, user):
        """Creates a session for user directly; returns its id."""
        return self._control("POST", "session", user=user)["session_id"]

    def configure(self, token_ttl=None, auto_approve=None, v4_token_ttl=None):
        """Runtime settings until the next reset(); auto_approve="" turns it off."""
        return self._control("POST", "config", token_ttl=token_ttl, auto_approve=auto_approve,
                             v4_token_ttl=v4_token_ttl)

    def variant(self, **values):
        """Sets unrecorded answers until the next reset(), e.g. variant(v4_not_approved="401/33");
        see tests/standin/README.md. Returns the variants now in force."""
        return self._control("POST", "variant", **values)["variants"]

    def variants(self):
        return self._control("GET", "variants")

    def tokens(self):
        return self._control("GET", "tokens")

    def sessions(self):
        return self._control("GET", "sessions")

    def access_tokens(self):
        """v4 user access tokens: [{"access_token", "account_id" (v4 id), "username", "revoked"}]."""
        return self._control("GET", "access_tokens")

    def live_sessions(self):
        """{username: number of live sessions (created, not revoked)} for every account.
        Not cleared by reset(): compare before/after or use an account of your own."""
        return self._control("GET", "live")

    def live_sessions_of(self, user):
        """Live sessions of one account; user names match case-insensitively, as in the
        stand-in. KeyError for an unknown account."""
        for name, n in self.live_sessions().items():
            if name.lower() == user.lower():
                return n
        raise KeyError(user)

    # -- lifetime ----------------------------------------------------------

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops the process and asserts it exited 0. Idempotent."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise StandinError("tmdb-standin did not stop in %d s:\n%s"
                                   % (timeout, self.log()))
        if not self._log.closed:
            self._log.close()
        rc = self.proc.returncode
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        assert rc == 0, "tmdb-standin exited with %d" % rc
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
