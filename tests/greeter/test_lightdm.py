# SPDX-License-Identifier: BSD-3-Clause
"""pam_tmdb behind a real graphical login: LightDM (--test-mode) and lightdm-gtk-greeter on
Xephyr in Xvfb, PAM through pam_wrapper, the TMDb stand-in over HTTPS (lightdm_rig.py).

The user types the user name and presses Enter; the greeter shows the approval URL in its
message bar and asks "Press Enter once you have approved it"; the test approves (or denies) at
the stand-in, as the user would in a browser, and presses Enter, as the user would (or clicks
"Log In"). What is checked is what a user and an administrator see: the URL on the screen (read
back with OCR), whether the user's session starts, the TMDB_SESSION_ID it gets, LightDM's own
log, and the module's log lines."""

import difflib
import os
import re
import subprocess

from conftest import module_path

USER = "tmdbgreeter"          # exists only in the rig's mount namespace
TMDB_ACCOUNT = "alice"        # a stand-in account; user_map binds the two


def write_config(rig, standin, **conf):
    cache = rig.dir / "tmdb-cache"
    cache.mkdir(mode=0o700)
    users = rig.dir / "pam_tmdb.users"
    users.write_text("%s %s\n" % (USER, TMDB_ACCOUNT))
    os.chmod(str(users), 0o600)
    values = {"api_key": standin.api_key, "api_url": standin.url, "cafile": standin.cafile,
              "user_map": users, "cache_dir": cache}
    values.update(conf)
    path = rig.dir / "pam_tmdb.conf"
    path.write_text("".join("%s = %s\n" % kv for kv in values.items()))
    os.chmod(str(path), 0o600)
    rig.write_stacks(["%s required %s conf=%s" % (kind, module_path(), path)
                      for kind in ("auth", "account", "session", "password")])


def begin_login(rig, standin, **conf):
    """Starts the greeter, types the user name and Enter; returns (request token, offset in
    LightDM's output) once the greeter got the module's messages."""
    write_config(rig, standin, **conf)
    earlier = {t["request_token"] for t in standin.tokens()}   # the stand-in keeps old ones
    rig.start()
    rig.type(USER)
    rig.key("Return")
    m, at = rig.wait_log(r"Greeter start authentication for (.*)$", what="the user's authentication")
    assert m.group(1) == USER, "the greeter got the user name %r (keys lost?)" % m.group(1)
    m, at = rig.wait_log(r"Prompt greeter with (\d+) message\(s\)$", what="the approval prompt", after=at)
    tokens = [t["request_token"] for t in standin.tokens() if t["request_token"] not in earlier]
    assert len(tokens) == 1, standin.tokens()
    return tokens[0], int(m.group(1)), at


SCALE = 3   # OCR reads the greeter's small font better three times the size


def ocr(png, *extra):
    """The screen's text as tesseract reads it, SCALE times the size, in grey."""
    big = png.with_name(png.stem + "-ocr.png")
    subprocess.run(["convert", str(png), "-resize", "%d%%" % (100 * SCALE), "-colorspace", "Gray", str(big)],
                   check=True)
    out = subprocess.run(["tesseract", str(big), "-", "--psm", "11"] + list(extra), check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
    big.unlink()
    return out


def click_log_in(rig, name):
    """Clicks the greeter's "Log In" button, found on the screen by OCR (tesseract's word
    boxes: "Log" followed by "In" on the same line)."""
    png = rig.screenshot(name)
    rows = [l.split("\t") for l in ocr(png, "tsv").splitlines()[1:]]
    words = [r for r in rows if len(r) == 12 and r[11].strip()]
    for a, b in zip(words, words[1:]):
        if a[11] == "Log" and b[11] == "In" and a[2:5] == b[2:5]:
            left, top = int(a[6]), int(a[7])
            right, bottom = int(b[6]) + int(b[8]), int(b[7]) + int(b[9])
            x, y = (left + right) // 2 // SCALE, (top + bottom) // 2 // SCALE
            rig.click(x, y)
            return
    raise AssertionError("no \"Log In\" button on the screen (%s)" % png)


def fold(text):
    """What OCR confuses, folded: case, spaces, 1/l/I, 0/O."""
    return re.sub(r"\s+", "", text.lower()).replace("l", "1").replace("i", "1").replace("o", "0")


def assert_url_on_screen(rig, standin, token, name):
    """The greeter's screen shows the approval message and the URL: its start exactly, the
    40-character token as OCR reads it (one or two characters may come out wrong; another
    token would not match)."""
    png = rig.screenshot(name)
    text = ocr(png)
    assert "approve this login" in text, "no approval message on the screen (%s):\n%s" % (png, text)
    start = fold(standin.url + "/authenticate/")
    screen = fold(text)
    assert start in screen, "the URL %s... is not on the screen (%s):\n%s" % (standin.url, png, text)
    shown = screen[screen.index(start) + len(start):][:len(token)]
    ratio = difflib.SequenceMatcher(None, fold(token), shown).ratio()
    assert ratio >= 0.9, "the token on the screen reads %r, not %r (%s)" % (shown, token, png)


def test_approved_login_starts_the_session_with_tmdb_session_id(rig, standin):
    token, n_messages, at = begin_login(rig, standin)
    assert n_messages == 2                    # the URL message and the prompt
    assert_url_on_screen(rig, standin, token, "greeter-url")
    standin.approve(token, TMDB_ACCOUNT)
    rig.key("Return")                         # "Log In"
    rig.wait_log(r"Authenticate result for user %s: Success$" % USER, what="success", after=at)
    session = rig.wait_session()
    assert session["uid"] == str(rig.uid)
    assert session["TMDB_SESSION_ID"] in sessions_of_the_account(standin), (session, standin.sessions())


def sessions_of_the_account(standin):
    return {s["session_id"] for s in standin.sessions() if s["username"] == TMDB_ACCOUNT}


def test_denied_login_starts_no_session(rig, standin):
    before = sessions_of_the_account(standin)
    token, _, at = begin_login(rig, standin)
    standin.deny(token)
    # TMDb answers a denied token as one not approved yet: the module asks again until
    # max_prompts (3) Enter presses are spent, then refuses
    result = None
    for _ in range(3):
        rig.key("Return")
        m, at = rig.wait_log(r"^.*(Prompt greeter with 2 message\(s\)|Authenticate result for user \S+: .*)$",
                             what="the next prompt or the result", after=at)
        if m.group(1).startswith("Authenticate result"):
            result = m.group(1)
            break
    assert result == "Authenticate result for user %s: Have exhausted maximum number of retries for service" % USER, result
    # the greeter asks again: LightDM starts a fresh authentication rather than a session
    rig.wait_log(r"Greeter start authentication", what="a new authentication", after=at)
    rig.screenshot("refused")
    assert not rig.session_file().exists()
    assert "Running command /usr/bin/env" not in rig.log()
    assert sessions_of_the_account(standin) == before


def test_qrcode_yes_shows_the_url_and_the_login_completes(rig, standin):
    """qrcode=yes used to wedge LightDM (a 2375-byte message over its 1024-byte limit): now
    the greeter gets the URL message and the prompt only, the module says why in its log, and
    the login goes through."""
    token, n_messages, at = begin_login(rig, standin, qrcode="yes")
    assert n_messages == 2                    # no third message: the QR code is left out
    assert_url_on_screen(rig, standin, token, "greeter-url-qrcode-yes")
    standin.approve(token, TMDB_ACCOUNT)
    click_log_in(rig, "before-log-in")
    session = rig.wait_session()
    assert re.fullmatch(r"[0-9a-f]{40}", session["TMDB_SESSION_ID"]), session
    greeter_lines = [l for l in rig.module_log() if "host is a graphical greeter" in l]
    assert len(greeter_lines) == 1, "\n".join(rig.module_log())
    assert "PAM_XDISPLAY is set" in greeter_lines[0]


def test_poll_mode_signs_in_after_approval_and_a_click_on_log_in(rig, standin):
    """approval=poll: the greeter shows the URL alone (no prompt, so no entry to press Enter
    in); the module sees the approval on its own, and the session starts once the user clicks
    "Log In"."""
    token, n_messages, at = begin_login(rig, standin, approval="poll", poll_interval="1")
    assert n_messages == 1                    # the URL message, no prompt
    assert_url_on_screen(rig, standin, token, "greeter-url-poll")
    standin.approve(token, TMDB_ACCOUNT)
    rig.wait_log(r"Authenticate result for user %s: Success$" % USER, what="success", after=at)
    assert not rig.session_file().exists()   # the greeter waits for the user
    click_log_in(rig, "poll-approved")
    session = rig.wait_session()
    assert session["TMDB_SESSION_ID"] in sessions_of_the_account(standin)
