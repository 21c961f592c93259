# SPDX-License-Identifier: BSD-3-Clause
"""Constants, the error type, number formatting and summaries (the lowest layer: imports nothing
of the bench)."""

import statistics

API_KEY = "standin-api-key"
USER = "alice"            # a default stand-in account (id 1001, username "alice")
TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
ACCOUNT = "/3/account"
# the v4 flow (issue 13): the application's read access token, and its four requests
ACCESS_TOKEN = "standin-access-token"
V4_REQUEST_TOKEN = "/4/auth/request_token"
V4_ACCESS_TOKEN = "/4/auth/access_token"
V4_CONVERT = "/3/authentication/session/convert/4"

DEFAULT_TIMEOUT = 10      # the module's `timeout` default, seconds (pam_tmdb.conf(5))
MINIMUM_UID = 1000        # the module's `minimum_uid` default
MIB = 1024                # kB per MiB


class BenchError(RuntimeError):
    """A run failed or a count was wrong: reported, and the exit status becomes 1."""


def fmt_ms(s):
    return "%.2f ms" % (s * 1000.0) if s < 1.0 else "%.3f s" % s


def fmt_range(lo, hi, fmt):
    return "%s – %s" % (fmt(lo), fmt(hi))


def fmt_int(n):
    return "{:,}".format(int(n))


def fmt_kib(kb):
    return "%.1f MiB" % (kb / 1024.0)


def summarize(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "n": len(samples)}


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def stats_delta(before, after):
    """Per-run counts from two /_standin/stats snapshots."""
    return {"requests": after["total_requests"] - before["total_requests"],
            "connections": after["connections"] - before["connections"],
            "tls_connections": after["tls_connections"] - before["tls_connections"]}
