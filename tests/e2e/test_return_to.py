# SPDX-License-Identifier: BSD-3-Clause
"""The host's return address (pam_tmdb(8), RETURN ADDRESS; module/return_to.h): a host that
listens on loopback for the browser coming back puts TMDB_RETURN_TO into the PAM environment
(tmdb-host --set-env). With allow_return_to=yes the module sends it to TMDb as redirect_to
(v3: in the approval URL; v4: in the request token's body), prompts with TMDB_RETURN_PROMPT
whatever `approval` says, ends the login at once on the answer TMDB_RETURN_DENIED, and asks
TMDb after any other answer, at most once per TMDB_RETURN_MIN_GAP_MS, until the approval
deadline. The variable never stays in the PAM environment; anything but loopback http is
refused before any request is made."""

import os
import re
import time
import urllib.parse

import pytest

from pamhost import run_host, security_module, write_service
from tmdbpam import ACCESS_TOKEN, REFUSAL_PREFIX, assert_host_survived, assert_logged, count, requests_to

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN_NEW = "/3/authentication/token/new"
SESSION_NEW = "/3/authentication/session/new"
V4_REQUEST_TOKEN = "/4/auth/request_token"
V4_ACCESS = "/4/auth/access_token"
NORMAL_PROMPT = "Press Enter once you have approved it: "
NOT_CONFIGURED = "Not signed in: pam_tmdb is not configured correctly; see the system log."
NOT_APPROVED = "Not signed in: the login was not approved in the browser (or it was denied)."


def _protocol():
    """The constants of module/return_to.h, the protocol the module and hosts share."""
    with open(os.path.join(HERE, "..", "..", "module", "return_to.h"), encoding="utf-8") as f:
        text = f.read()
    out = {}
    for name in ("TMDB_RETURN_TO_ENV", "TMDB_RETURN_PROMPT", "TMDB_RETURN_DENIED", "TMDB_RETURN_MIN_GAP_MS"):
        m = re.search(r"#define %s (\"[^\"\n]*\"|\d+)\n" % name, text)
        assert m, name
        out[name] = m.group(1).strip('"') if m.group(1).startswith('"') else int(m.group(1))
    return out


P = _protocol()
ENV = P["TMDB_RETURN_TO_ENV"]
RETURN_PROMPT = P["TMDB_RETURN_PROMPT"]
DENIED = P["TMDB_RETURN_DENIED"]
GAP_S = P["TMDB_RETURN_MIN_GAP_MS"] / 1000.0
ADDRESS = "http://127.0.0.1:48213/pam_tmdb/back"


def set_env(value):
    return ["--set-env", "%s=%s" % (ENV, value)]


def run(pam, value, ops="authenticate", extra=(), **kw):
    """Runs tmdb-host with TMDB_RETURN_TO=value in the PAM handle; the host survived."""
    r = pam.run(ops, extra=set_env(value) + list(extra), **kw)
    assert_host_survived(r)
    return r


def prompts(result):
    return [c for c in result.conv if c["style"] in ("PAM_PROMPT_ECHO_ON", "PAM_PROMPT_ECHO_OFF")]


def encoded(address):
    return urllib.parse.quote(address, safe="")


@pytest.fixture
def allowed(pam):
    pam.conf["allow_return_to"] = "yes"
    return pam


@pytest.fixture
def v4(pam):
    pam.conf["api_key"] = None
    pam.conf["access_token"] = ACCESS_TOKEN
    pam.conf["flow"] = "v4"
    pam.conf["approve_url_v4"] = pam.standin.url + "/auth/access?request_token="
    pam.conf["allow_return_to"] = "yes"
    return pam


# -- accepted ---------------------------------------------------------------------------------

@pytest.mark.parametrize("approval", ["prompt", "poll"])
@pytest.mark.parametrize("address,port", [(ADDRESS, 48213), ("http://[::1]:1/", 1), ("http://127.0.0.1:65535", 65535)])
def test_v3_address_goes_into_the_url_and_the_login_waits_on_its_prompt(allowed, approval, address, port):
    # it replaces a configured redirect_to for this login; approval=poll does not matter
    allowed.conf.update(approval=approval, redirect_to="https://app.example/done")
    r = run(allowed, address, approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    (url,) = r.urls
    assert re.fullmatch(re.escape(allowed.standin.url) + r"/authenticate/[0-9a-f]{40}\?redirect_to=" +
                        re.escape(encoded(address)), url), url
    # the URL, then the return prompt, in one conversation call
    info, prompt = r.conv[0], r.conv[1]
    assert info["style"] == "PAM_TEXT_INFO" and url in info["msg"].split("\n")
    assert prompt["style"] == "PAM_PROMPT_ECHO_ON" and prompt["msg"] == RETURN_PROMPT
    assert info["call"] == prompt["call"] == 1
    assert [c["msg"] for c in prompts(r)] == [RETURN_PROMPT]
    assert count(allowed.standin, "POST", SESSION_NEW) == 1
    assert r.env["TMDB_ACCOUNT_USERNAME"] == "alice"
    assert ENV not in r.env
    assert_logged(r, "return address in use for this login: loopback port %s" % port)
    # the address itself is not logged, only its port
    assert not any(address in m for m in r.log_messages), r.log_messages


def test_allow_return_to_as_a_module_argument(pam):
    pam.args.append("allow_return_to=yes")
    r = run(pam, ADDRESS, approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    (url,) = r.urls
    assert url.endswith("?redirect_to=" + encoded(ADDRESS)), url
    assert [c["msg"] for c in prompts(r)] == [RETURN_PROMPT]


def test_v4_address_goes_into_the_request_token_body(v4):
    r = run(v4, ADDRESS, approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    (tok_req,) = requests_to(v4.standin, V4_REQUEST_TOKEN)
    assert tok_req["body"] == '{"redirect_to":"%s"}' % ADDRESS
    # v4 takes redirect_to in the body only: the approval page is approve_url_v4 + token
    (url,) = r.urls
    assert url.startswith(v4.standin.url + "/auth/access?request_token=") and "redirect_to" not in url
    assert [c["msg"] for c in prompts(r)] == [RETURN_PROMPT]
    assert prompts(r)[0]["call"] == 1
    assert count(v4.standin, "POST", V4_ACCESS) == 1
    assert "TMDB_ACCESS_TOKEN" in r.env and ENV not in r.env
    assert_logged(r, "loopback port 48213")


def test_v4_paced_tries_until_approved(v4):
    start = time.monotonic()
    r = run(v4, ADDRESS, approve_as="alice", approve_after=2)
    elapsed = time.monotonic() - start
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert count(v4.standin, "POST", V4_ACCESS) == 3
    assert [c["msg"] for c in prompts(r)] == [RETURN_PROMPT] * 3
    assert not [c for c in r.conv if c["style"] == "PAM_ERROR_MSG"], r.dump()
    # three tries are two gaps apart, however fast the host answered
    assert elapsed >= 2 * GAP_S


# -- not allowed, not set ---------------------------------------------------------------------

def test_not_allowed_is_ignored_and_taken_out_of_the_environment(pam):
    pam.conf["redirect_to"] = "https://app.example/done"
    r = run(pam, ADDRESS, approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    (url,) = r.urls
    assert url.endswith("?redirect_to=" + encoded("https://app.example/done")), url
    assert "127.0.0.1" not in url
    assert [c["msg"] for c in prompts(r)] == [NORMAL_PROMPT]
    assert ENV not in r.env
    notices = [e for e in r.logs if "allow_return_to is off" in e["msg"]]
    assert len(notices) == 1 and notices[0]["prio"] == 5, r.logs  # LOG_NOTICE
    assert not any("return address in use" in m for m in r.log_messages)


def test_not_allowed_even_a_refusable_value_is_only_ignored(pam):
    r = run(pam, "https://evil.example/", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert ENV not in r.env
    assert_logged(r, "allow_return_to is off")


def test_the_host_env_event_would_show_the_variable(pam):
    """Control for the assertions above: without pam_tmdb in the stack the variable the host
    put is still in the PAM environment after authenticate."""
    permit = security_module("pam_permit.so")
    write_service(str(pam.service_dir), pam.service, ["%s required %s" % (t, permit) for t in pam.TYPES])
    r = run_host(str(pam.service_dir), pam.service, "alice", "authenticate", extra=set_env(ADDRESS))
    assert_host_survived(r)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert r.env.get(ENV) == ADDRESS


def test_allowed_but_not_set_changes_nothing(allowed):
    r = allowed.run("authenticate", approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    (url,) = r.urls
    assert "redirect_to" not in url
    assert [c["msg"] for c in prompts(r)] == [NORMAL_PROMPT]
    assert not any("return address" in m or ENV in m for m in r.log_messages), r.log_messages


def test_taken_out_in_every_entry_point_of_the_login(allowed):
    """authenticate removes it, so a session opened afterwards never carries it."""
    r = run(allowed, ADDRESS, ops="authenticate acct_mgmt setcred open_session env close_session",
            approve_as="alice")
    assert [op for op, rc in r.op_list if rc != "PAM_SUCCESS"] == [], r.dump()
    assert ENV not in r.env
    envs = [e for e in r.of("env") if e["name"] == ENV]
    assert envs == [], envs


# -- refused ----------------------------------------------------------------------------------

REFUSED = {
    "https": "https://127.0.0.1:8080/",
    "localhost": "http://localhost:8080/",
    "127.0.0.2": "http://127.0.0.2:8080/",
    "0x7f.1": "http://0x7f.1:8080/",
    "::2": "http://[::2]:8080/",
    "userinfo": "http://user@127.0.0.1:8080/",
    "userinfo_host": "http://127.0.0.1:8080@evil.example/",
    "query": "http://127.0.0.1:8080/back?x=1",
    "fragment": "http://127.0.0.1:8080/back#x",
    "no_port": "http://127.0.0.1/",
    "port_0": "http://127.0.0.1:0/",
    "port_65536": "http://127.0.0.1:65536/",
    "port_0080": "http://127.0.0.1:0080/",
    "percent": "http://127.0.0.1:8080/a%2Fb",
    "space": "http://127.0.0.1:8080/a b",
    "control": "http://127.0.0.1:8080/a\x01b",
    "path_300": "http://127.0.0.1:8080/" + "a" * 300,
    "empty": "",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_before_any_request(allowed, case):
    value = REFUSED[case]
    r = run(allowed, value, approve_as="alice")
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert allowed.standin.stats()["total_requests"] == 0, allowed.standin.stats()
    assert [(c["style"], c["msg"]) for c in r.conv] == [("PAM_ERROR_MSG", NOT_CONFIGURED)], r.dump()
    assert ENV not in r.env
    errors = [e for e in r.logs if e["msg"].split(": ", 1)[-1].startswith(ENV + " refused: ")]
    assert len(errors) == 1 and errors[0]["prio"] == 3, r.logs  # LOG_ERR
    line = errors[0]["msg"]
    # sanitised and capped: no control byte, at most 80 bytes of the value
    assert "\x01" not in line and "a" * 81 not in line


def test_refused_says_nothing_under_pam_silent(allowed):
    r = run(allowed, REFUSED["localhost"], silent=True)
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert r.conv == []
    assert allowed.standin.stats()["total_requests"] == 0
    assert_logged(r, ENV + " refused: not http://127.0.0.1:PORT or http://[::1]:PORT")


def test_refused_in_v4_before_the_request_token(v4):
    r = run(v4, REFUSED["query"])
    assert r.op_list == [("authenticate", "PAM_SERVICE_ERR")], r.dump()
    assert v4.standin.stats()["total_requests"] == 0


# -- the answers ------------------------------------------------------------------------------

def test_denied_ends_the_login_at_once(allowed):
    r = run(allowed, ADDRESS, answers=[DENIED])
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert count(allowed.standin, "GET", TOKEN_NEW) == 1
    assert count(allowed.standin, "POST", SESSION_NEW) == 0
    assert len(prompts(r)) == 1
    assert r.conv[-1]["style"] == "PAM_ERROR_MSG" and r.conv[-1]["msg"] == NOT_APPROVED
    assert_logged(r, "the browser came back denied")


def test_denied_after_a_try_asks_no_more(allowed):
    r = run(allowed, ADDRESS, answers=["", DENIED])
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert count(allowed.standin, "POST", SESSION_NEW) == 1
    assert len(prompts(r)) == 2
    assert r.conv[-1]["msg"] == NOT_APPROVED


def test_denied_is_an_answer_only_with_a_return_address(pam):
    """Without one, "denied" is just something typed: only TMDb decides."""
    r = pam.run("authenticate", answers=[DENIED], approve_as="alice", approve_after=1)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert count(pam.standin, "POST", SESSION_NEW) == 2


def test_forged_answers_approve_nothing_and_are_paced(allowed):
    """The host answers "" at once, again and again, without the user approving: one try per
    answer, never two within TMDB_RETURN_MIN_GAP_MS, and no "Not approved yet" message."""
    answers = 4
    start = time.monotonic()
    r = run(allowed, ADDRESS, extra=["--max-prompts-abort", str(answers)])
    elapsed = time.monotonic() - start
    # the host stopped answering (its conversation failed) and nothing was approved
    assert r.op_list == [("authenticate", "PAM_CONV_ERR")], r.dump()
    assert r.of("abort") and r.of("abort")[0]["prompts"] == answers
    assert count(allowed.standin, "POST", SESSION_NEW) == answers
    assert "TMDB_SESSION_ID" not in r.env
    assert not [c for c in r.conv if c["style"] == "PAM_ERROR_MSG"], r.dump()
    assert elapsed >= (answers - 1) * GAP_S


def test_forged_answers_then_approval_works(allowed):
    start = time.monotonic()
    r = run(allowed, ADDRESS, answers=["", "x", "\x01"], approve_as="alice", approve_after=3)
    elapsed = time.monotonic() - start
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert count(allowed.standin, "POST", SESSION_NEW) == 4
    assert count(allowed.standin, "GET", TOKEN_NEW) == 1
    assert [c["msg"] for c in prompts(r)] == [RETURN_PROMPT] * 4
    assert not [c for c in r.conv if c["style"] == "PAM_ERROR_MSG"], r.dump()
    assert r.env["TMDB_ACCOUNT_USERNAME"] == "alice"
    assert elapsed >= 3 * GAP_S


def test_max_prompts_does_not_end_a_return_address_login(allowed):
    allowed.conf["max_prompts"] = "1"
    r = run(allowed, ADDRESS, approve_as="alice", approve_after=2)
    assert r.op_list == [("authenticate", "PAM_SUCCESS")], r.dump()
    assert len(prompts(r)) == 3
    assert count(allowed.standin, "POST", SESSION_NEW) == 3
    assert not any("max_prompts" in m for m in r.log_messages)


def test_the_deadline_ends_the_rounds(allowed):
    """approval_timeout bounds a host that answers forever; the host's own limit (50 prompts)
    is never reached."""
    allowed.conf["approval_timeout"] = "2"
    r = run(allowed, ADDRESS, extra=["--max-prompts-abort", "50"])
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert not r.of("abort")
    tries = count(allowed.standin, "POST", SESSION_NEW)
    assert 1 <= tries <= 3, tries  # paced: at most one per second within two seconds
    assert_logged(r, "approval came after approval_timeout or the token's expiry")
    assert r.conv[-1]["msg"] == NOT_APPROVED


def test_an_expired_token_ends_the_rounds(allowed):
    allowed.standin.configure(token_ttl=2)
    r = run(allowed, ADDRESS, extra=["--max-prompts-abort", "50"])
    assert r.op_list == [("authenticate", "PAM_AUTH_ERR")], r.dump()
    assert not r.of("abort")
    assert count(allowed.standin, "POST", SESSION_NEW) <= 4
    assert REFUSAL_PREFIX in r.conv[-1]["msg"]
