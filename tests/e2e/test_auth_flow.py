# SPDX-License-Identifier: BSD-3-Clause
"""pam_sm_authenticate end to end: the three TMDb steps, the conversation the host sees, the
approval modes, and how the session is handed over (SPEC: Entry points, Conversation,
Handing the session to the host)."""

import re
import threading
import time

from tmdbpam import ALICE_ID, API_KEY, assert_logged, count, requests_to, write_private

TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
ACCOUNT = "/3/account"
HEX40 = re.compile(r"^[0-9a-f]{40}$")


def url_lines(msg):
    return [line for line in msg.split("\n") if line.startswith("https://") or line.startswith("http://")]


def test_prompt_mode_full_flow(pam):
    r = pam.run("authenticate", approve_as="alice")
    assert r.rc == 0, r.dump()
    assert r.op_list == [("authenticate", "PAM_SUCCESS")]

    # URL and prompt in one conversation call; the URL alone on a line that is not the first
    info, prompt = r.conv[0], r.conv[1]
    assert info["style"] == "PAM_TEXT_INFO" and prompt["style"] == "PAM_PROMPT_ECHO_ON"
    assert info["call"] == prompt["call"] == 1
    lines = info["msg"].split("\n")
    assert not lines[0].startswith("http") and len(lines) >= 2
    token_req = requests_to(pam.standin, TOKEN_NEW)
    assert len(token_req) == 1
    (url,) = url_lines(info["msg"])
    assert re.fullmatch(re.escape(pam.standin.url) + r"/authenticate/[0-9a-f]{40}", url), url

    # exactly the three requests, over one connection
    stats = pam.standin.stats()
    assert stats["requests"] == {"GET " + TOKEN_NEW: 1, "POST " + SESSION_NEW: 1, "GET " + ACCOUNT: 1}
    assert stats["connections"] == 1
    # the session/new body carries the token the user approved
    (sess_req,) = requests_to(pam.standin, SESSION_NEW)
    assert url.rsplit("/", 1)[1] in sess_req["body"]
    # api_key goes as a query parameter, never as a header
    assert all("api_key=" + API_KEY in q["query"] for q in pam.standin.requests())
    assert all("authorization" not in q["headers"] for q in pam.standin.requests())

    # the session handed over is live on the server and belongs to alice
    env = r.env
    assert HEX40.match(env["TMDB_SESSION_ID"])
    assert env["TMDB_ACCOUNT_ID"] == str(ALICE_ID)
    assert env["TMDB_ACCOUNT_USERNAME"] == "alice"
    status, _, body = pam.standin.api("GET", ACCOUNT, params={"session_id": env["TMDB_SESSION_ID"]})
    assert status == 200 and body["username"] == "alice"


def test_not_approved_yet_says_so_and_prompts_again(pam):
    r = pam.run("authenticate", approve_as="alice", approve_after=1)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    second = [c for c in r.conv if c["call"] == 2]
    assert [c["style"] for c in second] == ["PAM_ERROR_MSG", "PAM_PROMPT_ECHO_ON"]
    assert "Not approved yet" in second[0]["msg"]
    assert count(pam.standin, "POST", SESSION_NEW) == 2
    assert count(pam.standin, "GET", TOKEN_NEW) == 1


def test_max_prompts_then_maxtries(pam):
    pam.conf["max_prompts"] = "2"
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_MAXTRIES")], r.dump()
    assert len([c for c in r.conv if c["style"] == "PAM_PROMPT_ECHO_ON"]) == 2
    assert count(pam.standin, "POST", SESSION_NEW) == 2
    assert "TMDB_SESSION_ID" not in r.env
    assert_logged(r, "max_prompts=2")


def test_denied_in_browser_is_never_accepted(pam):
    r = pam.run("authenticate", deny=True)
    assert r.op_list == [("authenticate", "PAM_MAXTRIES")], r.dump()
    assert r.approvals and r.approvals[0]["action"] == "deny"
    assert count(pam.standin, "POST", SESSION_NEW) == 3


def test_typed_answer_does_not_matter(pam):
    r = pam.run("authenticate", answers=["yes I approved", "y"])
    assert r.op_list == [("authenticate", "PAM_MAXTRIES")], r.dump()


def test_poll_mode_no_prompt(pam):
    pam.conf.update(approval="poll", poll_interval="1")
    r = pam.run("authenticate", approve_as="alice", extra=["--approve-delay-ms", "300"])
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert [c["style"] for c in r.conv] == ["PAM_TEXT_INFO"]
    assert r.env["TMDB_ACCOUNT_USERNAME"] == "alice"
    assert count(pam.standin, "POST", SESSION_NEW) >= 2  # first try at once, then after approval


def test_poll_mode_immediate_approval_is_three_requests(pam):
    pam.conf.update(approval="poll")
    pam.standin.configure(auto_approve="alice")
    r = pam.run("authenticate")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert pam.standin.stats()["total_requests"] == 3
    assert pam.standin.stats()["connections"] == 1


def test_poll_mode_gives_up_after_approval_timeout(pam):
    pam.conf.update(approval="poll", poll_interval="1", approval_timeout="2")
    start = time.monotonic()
    r = pam.run("authenticate")
    elapsed = time.monotonic() - start
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert elapsed >= 2
    assert count(pam.standin, "POST", SESSION_NEW) >= 2
    assert_logged(r, "not approved within approval_timeout")


def test_poll_mode_stops_at_token_expiry(pam):
    pam.standin.configure(token_ttl=3)
    pam.conf.update(approval="poll", poll_interval="1", approval_timeout="300")
    r = pam.run("authenticate", timeout=60)
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert count(pam.standin, "POST", SESSION_NEW) <= 6


def test_without_callback_header_url_is_built_from_approve_url(pam):
    pam.standin.fault(TOKEN_NEW, no_callback=1)
    pam.conf["approve_url"] = pam.standin.url + "/authenticate/"
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    (url,) = r.urls
    assert re.fullmatch(re.escape(pam.standin.url) + r"/authenticate/[0-9a-f]{40}", url)


def test_redirect_to_is_percent_encoded(pam):
    pam.conf["redirect_to"] = "https://app.example/done?x=1&y=2"
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    (url,) = r.urls
    assert url.endswith("?redirect_to=https%3A%2F%2Fapp.example%2Fdone%3Fx%3D1%26y%3D2"), url


def test_pam_silent_keeps_only_url_and_prompt(pam):
    pam.conf["conv_session"] = "yes"
    r = pam.run("authenticate", approve_as="alice", approve_after=1, silent=True)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    styles = [c["style"] for c in r.conv]
    assert "PAM_ERROR_MSG" not in styles
    assert styles == ["PAM_TEXT_INFO", "PAM_PROMPT_ECHO_ON", "PAM_PROMPT_ECHO_ON"]


def test_qrcode_follows_the_url(pam):
    pam.conf["qrcode"] = "yes"
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    first_call = [c for c in r.conv if c["call"] == 1]
    assert [c["style"] for c in first_call] == ["PAM_TEXT_INFO", "PAM_TEXT_INFO", "PAM_PROMPT_ECHO_ON"]
    qr = first_call[1]["msg"].split("\n")
    assert len(qr) >= 12 and len(set(len(row) for row in qr)) == 1  # a square of equal rows
    assert set("".join(qr)) <= set(" \u2580\u2584\u2588")


def test_conv_session_hands_the_id_over_in_one_message(pam):
    pam.conf["conv_session"] = "yes"
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    sid = r.env["TMDB_SESSION_ID"]
    carrying = [c for c in r.conv if sid in c["msg"]]
    assert len(carrying) == 1
    assert carrying[0]["style"] == "PAM_TEXT_INFO" and carrying[0]["msg"] == "TMDB_SESSION_ID=" + sid


def test_by_default_no_message_carries_the_session(pam):
    r = pam.run("authenticate", approve_as="alice")
    sid = r.env["TMDB_SESSION_ID"]
    assert not [c for c in r.conv if sid in c["msg"]]


def test_export_env_no(pam):
    pam.conf["export_env"] = "no"
    r = pam.run("authenticate env", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert not [k for k in r.env if k.startswith("TMDB_")]


def test_no_conversation_function(pam):
    r = pam.run("authenticate", extra=["--no-conv"])
    assert r.op_list == [("authenticate", "PAM_CONV_ERR")], r.dump()
    assert count(pam.standin, "POST", SESSION_NEW) == 0


def test_conversation_failure(pam):
    r = pam.run("authenticate", extra=["--conv-fail"])
    assert r.op_list == [("authenticate", "PAM_CONV_ERR")], r.dump()
    assert count(pam.standin, "POST", SESSION_NEW) == 0
    assert_logged(r, "conversation failed")


def test_access_token_sends_bearer_and_no_api_key(pam):
    pam.conf["api_key"] = None
    pam.conf["access_token"] = "standin-access-token"
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    reqs = pam.standin.requests()
    assert len(reqs) == 3
    for q in reqs:
        assert q["headers"].get("authorization") == "Bearer standin-access-token"
        assert "api_key" not in q["query"]


def test_user_agent(pam):
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")]
    assert all(re.fullmatch(r"pam_tmdb/\d+\.\d+\.\d+", q["headers"]["user-agent"]) for q in pam.standin.requests())
    pam.standin.reset()
    pam.conf["user_agent"] = "MediaApp/2.1 (pam_tmdb)"
    pam.run("authenticate", approve_as="alice")
    assert {q["headers"]["user-agent"] for q in pam.standin.requests()} <= {"MediaApp/2.1 (pam_tmdb)"}


def test_arguments_win_over_the_file(pam):
    pam.conf["approval"] = "poll"
    pam.args.append("approval=prompt")
    r = pam.run("authenticate", approve_as="alice")
    assert any(c["style"] == "PAM_PROMPT_ECHO_ON" for c in r.conv), r.dump()


def test_module_arguments_only_no_conf_file(pam):
    """Every key but the secrets can be an argument; the key comes from api_key_file."""
    pam.use_conf_file = False
    key_file = write_private(pam.dir / "api.key", API_KEY + "\n")
    pam.args += ["api_key_file=" + key_file, "api_url=" + pam.standin.url, "cafile=" + pam.standin.cafile,
                 "cache_dir=none", "user_map=" + pam.user_map]
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()


def test_debug_logs_without_secrets(pam):
    pam.args.append("debug")
    r = pam.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")]
    assert any(l["prio"] == 7 for l in r.logs), "debug adds LOG_DEBUG lines"
    sid = r.env["TMDB_SESSION_ID"]
    token = r.urls[0].rsplit("/", 1)[1]
    for m in r.log_messages:
        assert API_KEY not in m and sid not in m and token not in m, m


def test_plain_http_needs_allow_http(pam_http):
    r = pam_http.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    pam_http.conf["allow_http"] = None
    r = pam_http.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")]
    assert_logged(r, "api_url", "allow_http")


def test_pamtester_through_pam_wrapper_in_poll_mode(pam):
    """The real pamtester (pam_wrapper, no root) runs the module; a 'browser' approves the
    token it finds on the stand-in."""
    from pamhost import run_pamtester
    pam.conf.update(approval="poll", poll_interval="1")
    pam.write()
    stop = threading.Event()

    def browser():
        while not stop.is_set():
            for tok in pam.standin.tokens():
                if tok["status"] == "new":
                    pam.standin.approve(tok["request_token"], "alice")
            time.sleep(0.2)

    t = threading.Thread(target=browser, daemon=True)
    t.start()
    try:
        r = run_pamtester(str(pam.service_dir), pam.service, "alice", ["authenticate", "acct_mgmt"])
    finally:
        stop.set()
        t.join()
    assert r.rc == 0, (r.stdout, r.stderr)
    assert "successfully authenticated" in r.stdout
    assert pam.standin.url + "/authenticate/" in r.stdout  # the URL pamtester showed
