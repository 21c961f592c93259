"""The HTTP floor: the module's requests, made by one curl process over one connection to the
same stand-in (rows 2a and 2b, and the curl reference of the RSS and callgrind rows)."""

import json

from .common import ACCOUNT, API_KEY, SESSION_NEW, TOKEN_NEW, USER, BenchError


class CurlFloor:
    def __init__(self, rig):
        self.rig = rig

    def segment(self, url, body=None):
        seg = ["--silent", "--show-error", "--fail", "--noproxy", "*", "--cacert",
               self.rig.cafile, "--output", "/dev/null", "-H", "Accept: application/json"]
        if body is not None:
            seg += ["-H", "Content-Type: application/json;charset=utf-8", "--data-raw", body]
        return seg + [url]

    def three(self, token, session_id):
        """The module's three requests, one curl process, one connection (--next)."""
        u = self.rig.url
        return ([self.rig.curl, "-q"]
                + self.segment("%s%s?api_key=%s" % (u, TOKEN_NEW, API_KEY)) + ["--next"]
                + self.segment("%s%s?api_key=%s" % (u, SESSION_NEW, API_KEY),
                               body=json.dumps({"request_token": token})) + ["--next"]
                + self.segment("%s%s?api_key=%s&session_id=%s"
                               % (u, ACCOUNT, API_KEY, session_id)))

    def one(self, session_id):
        """The request of a remembered session: GET account."""
        return [self.rig.curl, "-q"] + self.segment(
            "%s%s?api_key=%s&session_id=%s" % (self.rig.url, ACCOUNT, API_KEY, session_id))

    def prepare_three(self):
        """An approved token (the stand-in runs with --auto-approve) and a live session, made
        outside the timed region, so that one curl command line can carry all 3 requests."""
        status, _, data = self.rig.api("GET", TOKEN_NEW)
        if status != 200:
            raise BenchError("curl floor set-up: token/new answered %d" % status)
        sid = self.rig.new_session(USER)
        return self.three(data["request_token"], sid)

    def prepare_one(self):
        """GET account with a session made now (once: the same command for every run)."""
        return self.one(self.rig.new_session(USER))
