# SPDX-License-Identifier: BSD-3-Clause
"""The graphical-greeter rule (pam_tmdb(8), CONVERSATION LIMITS): when the host says it draws on
an X display (PAM_XDISPLAY set, or PAM_TTY an X display name such as ":0"), qrcode=yes shows the
URL without the QR code and logs why, once per login; terminals, sshd ("ssh") and hosts without
PAM_TTY (pamtester, tmdb-login) keep the QR code. The approval URL is at most 512 bytes, so that
no conversation call reaches the 1024 bytes LightDM forwards to its greeter.

tmdb-host sets the PAM items as a host would (--set-item), on the real libpam. The real
greeter (LightDM) is driven in tests/greeter/."""

import pytest

from tmdbpam import assert_logged

QR_CHARS = set(" \u2580\u2584\u2588")
GREETER_LOG = "host is a graphical greeter"
# LightDM 1.26 src/greeter.c: MAX_MESSAGE_LENGTH, one message per conversation call
LIGHTDM_MESSAGE_MAX = 1024


def calls(result):
    """The conversation grouped by call: [[event, ...], ...] in order."""
    out = {}
    for c in result.conv:
        out.setdefault(c["call"], []).append(c)
    return [out[k] for k in sorted(out)]


def call_bytes(call):
    return sum(len(c["msg"].encode("utf-8")) for c in call)


def has_qr(result):
    return any("\n" in c["msg"] and set(c["msg"]) - {"\n"} <= QR_CHARS for c in result.conv)


def greeter_lines(result):
    return [m for m in result.log_messages if GREETER_LOG in m]


GREETERS = {
    "xdisplay": ["XDISPLAY=:0"],
    "xdisplay_and_tty": ["XDISPLAY=:0", "TTY=:0"],     # what LightDM sets
    "tty_display": ["TTY=:0"],
    "tty_display_screen": ["TTY=:1.0"],
    "tty_remote_display": ["TTY=localhost:10.0"],
    "xdisplay_with_vt_tty": ["XDISPLAY=:0", "TTY=/dev/tty7"],
}

TERMINALS = {
    "no_tty": [],                  # pamtester, tmdb-login, su/sudo without a terminal
    "vt": ["TTY=/dev/tty1"],       # login(1) on a virtual terminal
    "vt_short": ["TTY=tty1"],
    "pts": ["TTY=/dev/pts/3"],
    "sshd": ["TTY=ssh"],           # OpenSSH sets PAM_TTY "ssh" before authentication
    "empty_xdisplay": ["XDISPLAY="],
    "colon_without_number": ["TTY=:"],
    "colon_word": ["TTY=:x"],
    "space_in_host": ["TTY=a b:0"],
    "dot_without_screen": ["TTY=:0."],
}


def items(values):
    out = []
    for v in values:
        out += ["--set-item", v]
    return out


@pytest.mark.parametrize("case", sorted(GREETERS))
def test_greeter_gets_the_url_without_the_qr_code(pam, case):
    pam.conf["qrcode"] = "yes"
    r = pam.run("authenticate", approve_as="alice", extra=items(GREETERS[case]))
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert not has_qr(r), r.dump()
    first = calls(r)[0]
    assert [c["style"] for c in first] == ["PAM_TEXT_INFO", "PAM_PROMPT_ECHO_ON"], r.dump()
    assert r.urls and r.urls[0] in first[0]["msg"]
    assert len(greeter_lines(r)) == 1, r.log_messages
    for call in calls(r):
        assert call_bytes(call) < LIGHTDM_MESSAGE_MAX // 2, call


@pytest.mark.parametrize("case", sorted(TERMINALS))
def test_terminals_and_hosts_without_a_tty_keep_the_qr_code(pam, case):
    pam.conf["qrcode"] = "yes"
    r = pam.run("authenticate", approve_as="alice", extra=items(TERMINALS[case]))
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert has_qr(r), r.dump()
    assert not greeter_lines(r), r.log_messages


@pytest.mark.parametrize("approval", ["prompt", "poll"])
def test_the_greeter_line_is_logged_once_per_login(pam, approval):
    """Several prompts (prompt mode: two Enter presses before the approval) or a poll: one
    log line per login, and a second login on the same handle logs it again."""
    pam.conf.update(qrcode="yes", approval=approval, poll_interval="1")
    r = pam.run("authenticate end authenticate", approve_as="alice", approve_after=2,
                extra=items(["TTY=:0"]))
    assert r.op_list == [("authenticate", "PAM_SUCCESS"), ("end", "PAM_SUCCESS"),
                         ("authenticate", "PAM_SUCCESS")], r.dump()
    assert len(greeter_lines(r)) == 2, r.log_messages
    assert not has_qr(r)


def test_without_qrcode_nothing_is_logged_for_a_greeter(pam):
    r = pam.run("authenticate", approve_as="alice", extra=items(["XDISPLAY=:0"]))
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert not greeter_lines(r)


def test_a_url_at_the_limit_is_shown_and_every_call_fits_lightdm(pam):
    """redirect_to making the URL exactly 512 bytes: shown whole, and the biggest call (the
    URL message and the prompt) stays well under LightDM's 1024 bytes."""
    base = len(pam.standin.url + "/authenticate/") + 40 + len("?redirect_to=")
    # the stand-in's callback header is approve_url-like; redirect_to is escaped: plain letters
    prefix = "https%3A%2F%2Fapp.example%2F"
    pam.conf["redirect_to"] = "https://app.example/" + "a" * (512 - base - len(prefix))
    r = pam.run("authenticate", approve_as="alice", extra=items(["TTY=:0"]))
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert len(r.urls[0]) == 512, (len(r.urls[0]), r.urls[0])
    assert max(call_bytes(c) for c in calls(r)) < 700


def test_a_url_over_the_limit_is_a_configuration_error(pam):
    """A URL that could wedge a greeter is refused for every host, before anything is shown:
    "not configured correctly", and the log says which keys to shorten."""
    pam.conf["redirect_to"] = "https://app.example/" + "a" * 600
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert [c["style"] for c in r.conv] == ["PAM_ERROR_MSG"], r.dump()
    assert "not configured correctly" in r.conv[0]["msg"]
    assert_logged(r, "more than the 512 a login screen can show", "shorten approve_url or redirect_to")


def test_a_callback_header_too_long_to_show_gives_way_to_approve_url(tmp_path, tls):
    """The server's Authentication-Callback is shown only when it fits the limit; a longer one
    is logged and replaced by approve_url + token, and the login goes on."""
    from standin import Standin
    from tmdbpam import PamEnv
    server = Standin(tls=tls, args=["--public-url", "https://x.example/" + "a" * 600])
    try:
        e = PamEnv(tmp_path, server)
        e.conf["approve_url"] = server.url + "/authenticate/"
        r = e.run("authenticate", approve_as="alice", extra=items(["TTY=:0"]))
        assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
        (url,) = r.urls
        assert url.startswith(server.url + "/authenticate/") and len(url) < 512, url
        assert "a" * 100 not in "".join(c["msg"] for c in r.conv)
        assert_logged(r, "malformed Authentication-Callback header (or one too long")
    finally:
        server.stop()
