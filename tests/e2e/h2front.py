# SPDX-License-Identifier: BSD-3-Clause
"""An HTTP/2 front for the stand-in, as production has one: TMDb's API is served through a CDN
that offers HTTP/2 to clients that ask for it, and libcurl asks. nginx (Debian's, built with
http_v2) listens on loopback with `http2` on TLS (the test CA's localhost certificate) and
proxies everything to a tmdb-standin over plain HTTP; its access log records, per request, the
protocol the client spoke and the connection it came on.

    with H2Front(tls, workdir) as front:          # starts its own stand-in behind nginx
        ... api_url = front.url, cafile = tls.ca_cert ...
        front.log()  # [{"protocol": "HTTP/2.0", "method", "uri", "status", "connection", ...}]

Python standard library only; nginx is started by the test itself (no system service, nothing
under /etc or /var: -p, -c and -e all point into workdir)."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from standin import Standin

NGINX = os.environ.get("TMDB_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"

# One line per request, tab-separated: what a test needs to know about how it arrived.
_LOG_FIELDS = ("protocol", "method", "uri", "status", "connection", "connection_requests", "port")
_LOG_FORMAT = "\\t".join(("$server_protocol", "$request_method", "$uri", "$status", "$connection",
                          "$connection_requests", "$server_port"))

_CONF = """\
daemon off;
master_process on;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log notice;
events {{ worker_connections 64; }}
http {{
    log_format pam_tmdb "{log_format}";
    access_log {dir}/access.log pam_tmdb;
    # small bodies only: kept in memory, so a worker without root needs no temporary files
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_body_buffer_size 64k;
    proxy_max_temp_file_size 0;
    keepalive_timeout 30s;
    # the same server twice: HTTP/2 offered (ALPN h2, as TMDb's CDN), and HTTP/1.1 only (for
    # the bench's comparison of the two)
    server {{
        listen 127.0.0.1:{port} ssl http2;
        listen 127.0.0.1:{h1_port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_request_buffering on;
        }}
    }}
}}
"""


def nginx_missing():
    """Why nginx cannot be used here, or None."""
    if not os.access(NGINX, os.X_OK):
        return "nginx not installed (%s; Debian package nginx)" % NGINX
    out = subprocess.run([NGINX, "-V"], capture_output=True, text=True)
    if "--with-http_v2_module" not in out.stderr:
        return "%s was built without http_v2" % NGINX
    return None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class H2Front:
    """nginx with HTTP/2 over TLS on 127.0.0.1, in front of its own HTTP stand-in.

    .url (https://localhost:PORT) is what the module talks to; .h1_url the same server without
    HTTP/2 (ALPN offers http/1.1 only); .standin is the stand-in behind them (its control API is
    reached directly); approval URLs point at .url."""

    START_TIMEOUT = 15.0

    def __init__(self, tls, workdir, standin_args=()):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.tls = tls
        self.proc = None
        self.standin = None
        last = None
        # the port is chosen before nginx binds it: another process may take it in between
        for _ in range(3):
            self.port = _free_port()
            self.url = "https://localhost:%d" % self.port
            self.h1_port = _free_port()
            self.h1_url = "https://localhost:%d" % self.h1_port
            self.standin = Standin(tls=None, args=["--public-url", self.url, *standin_args],
                                   workdir=self.dir / "standin")
            try:
                self._start_nginx()
                return
            except RuntimeError as e:
                last = e
                self.standin.stop()
        raise last

    def _start_nginx(self):
        conf = self.dir / "nginx.conf"
        conf.write_text(_CONF.format(dir=self.dir, port=self.port, h1_port=self.h1_port, cert=self.tls.server_cert,
                                     key=self.tls.server_key, upstream=self.standin.port,
                                     log_format=_LOG_FORMAT))
        for name in ("access.log", "error.log"):
            if (self.dir / name).exists():
                (self.dir / name).unlink()
        self._err = open(self.dir / "nginx.stderr", "wb")
        self.proc = subprocess.Popen([NGINX, "-p", str(self.dir), "-c", str(conf), "-e", str(self.dir / "error.log")],
                                     stdin=subprocess.DEVNULL, stdout=self._err, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited with %d:\n%s" % (self.proc.returncode, self.errors()))
            try:
                for port in (self.port, self.h1_port):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.02)
        self._kill()
        raise RuntimeError("nginx did not listen on %d in %.0f s:\n%s" % (self.port, self.START_TIMEOUT, self.errors()))

    def errors(self):
        text = ""
        for name in ("nginx.stderr", "error.log"):
            try:
                text += (self.dir / name).read_text(errors="replace")
            except OSError:
                pass
        return text

    def log(self):
        """The access log so far: one dict per request (nginx writes a line when the request
        ends, before the next one on the connection is read)."""
        try:
            lines = (self.dir / "access.log").read_text().splitlines()
        except FileNotFoundError:
            return []
        return [dict(zip(_LOG_FIELDS, line.split("\t"))) for line in lines if line]

    def api_log(self, port=None):
        """The module's requests: the API paths (/3/, /4/), not the approvals of the host; on
        one listener only if port is given."""
        return [e for e in self.log() if e["uri"].startswith(("/3/", "/4/"))
                and (port is None or e["port"] == str(port))]

    def clear_log(self):
        """Empties the access log in place (nginx keeps its descriptor)."""
        with open(self.dir / "access.log", "r+") as f:
            f.truncate(0)

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # fast shutdown of master and worker
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._kill()
        if self.proc is not None:
            self._err.close()
        if self.standin is not None:
            self.standin.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
