# SPDX-License-Identifier: BSD-3-Clause
"""valgrind --tool=callgrind runs and the parsing of their output: total and inclusive Ir from
callgrind_annotate, exclusive Ir per (object, function) from the output file itself."""

import re
import subprocess

from .common import BenchError

# collect only inside pam_sm_authenticate: the module's work
TOGGLE = ("--collect-atstart=no", "--toggle-collect=pam_sm_authenticate")

# inclusive Ir of these, per authentication, shows where the time goes
LANDMARKS = (
    ("pam_sm_authenticate: all of the module's work", "pam_sm_authenticate"),
    ("… request 1, token/new (connect, TLS, request)", "tmdb_new_token"),
    ("… request 2, session/new", "tmdb_new_session"),
    ("… request 3, account", "tmdb_get_account"),
    ("curl_easy_perform (all requests)", "curl_easy_perform"),
    ("TLS handshake (SSL_connect)", "SSL_connect"),
    ("… server chain verification (X509_verify_cert)", "X509_verify_cert"),
    ("… ECDHE key generation (EVP_PKEY_keygen)", "EVP_PKEY_keygen"),
    ("TLS context per connection (SSL_CTX_new)", "SSL_CTX_new"),
    ("CA file parsing (X509_STORE_load_file)", "X509_STORE_load_file"),
    ("DRBG instantiation (RAND_get0_primary)", "RAND_get0_primary"),
    ("curl_easy_init", "curl_easy_init"),
)


def run(valgrind, cmd, out, extra=(), env=None):
    p = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=" + str(out)]
                       + list(extra) + cmd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        raise BenchError("callgrind %s: exit %d\n%s" % (cmd[0], p.returncode, p.stderr[-2000:]))


def annotate(annotate_bin, out, inclusive=True):
    """(total Ir, [(Ir, "file:function [object]"), ...]) from callgrind_annotate."""
    args = [annotate_bin, "--threshold=100"]
    if inclusive:
        args.append("--inclusive=yes")
    text = subprocess.run(args + [str(out)], capture_output=True, text=True,
                          check=True).stdout
    total = None
    funcs = []
    for line in text.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(.*)$", line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        name = m.group(2).strip()
        if name.startswith("PROGRAM TOTALS"):
            total = ir
        elif name:
            funcs.append((ir, name))
    return total, funcs


def inclusive(funcs, fn):
    """The largest inclusive Ir of the function named fn (0 if absent)."""
    rx = re.compile(r"(^|:)%s(\s|$)" % re.escape(fn))
    return max((ir for ir, name in funcs if rx.search(name)), default=0)


def landmarks(funcs):
    """{landmark function: inclusive Ir}."""
    return {fn: inclusive(funcs, fn) for _, fn in LANDMARKS}


def self_costs(path):
    """Exclusive Ir per (object, function) from a callgrind output file (format 1, one event,
    default positions): the cost lines after fn=, minus the call lines."""
    ids = {"ob": {}, "fn": {}, "fl": {}}
    space = {"ob": "ob", "cob": "ob", "fn": "fn", "cfn": "fn", "fl": "fl", "fi": "fl",
             "fe": "fl", "cfl": "fl", "cfi": "fl"}
    cur = {"ob": "?", "fn": "?"}
    costs = {}
    skip = False
    with open(path, errors="replace") as f:
        for line in f:
            c = line[:1]
            if c.isdigit() or c in "+-*":
                if skip:
                    skip = False
                    continue
                parts = line.split()
                if len(parts) > 1:
                    k = (cur["ob"], cur["fn"])
                    costs[k] = costs.get(k, 0) + int(parts[1])
                continue
            if "=" not in line:
                continue
            key, val = line.rstrip("\n").split("=", 1)
            if key in space:
                m = re.match(r"^\((\d+)\)(?:\s(.*))?$", val)
                table = ids[space[key]]
                if m:
                    if m.group(2) is not None:
                        table[m.group(1)] = m.group(2)
                    name = table.get(m.group(1), "?")
                else:
                    name = val
                if key in ("ob", "fn"):
                    cur[key] = name
            elif key == "calls":
                skip = True
    return costs
