# SPDX-License-Identifier: BSD-3-Clause
"""The HTTP floor: the module's requests, made by one curl process over one connection to the
same stand-in (rows 2a, 2b and 2c, and the curl reference of the RSS and callgrind rows)."""

import json

from .common import (ACCESS_TOKEN, ACCOUNT, API_KEY, SESSION_NEW, TOKEN_NEW, USER, V4_ACCESS_TOKEN,
                     V4_CONVERT, V4_REQUEST_TOKEN, BenchError)


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

    def four(self, request_token, access_token, session_id):
        """The module's four requests of a v4 login, one curl process, one connection: the
        application's read access token as Bearer on each, the bodies the module sends."""
        u, bearer = self.rig.url, ["-H", "Authorization: Bearer " + ACCESS_TOKEN]
        return ([self.rig.curl, "-q"]
                + bearer + self.segment(u + V4_REQUEST_TOKEN, body="{}") + ["--next"]
                + bearer + self.segment(u + V4_ACCESS_TOKEN,
                                        body=json.dumps({"request_token": request_token})) + ["--next"]
                + bearer + self.segment(u + V4_CONVERT, body=json.dumps({"access_token": access_token}))
                + ["--next"]
                + bearer + self.segment("%s%s?session_id=%s" % (u, ACCOUNT, session_id)))

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

    def prepare_four(self):
        """Outside the timed region: an approved v4 request token for curl's access_token request,
        a user access token (from another one) for its conversion, a live session for its account
        request; curl's own request_token answer is discarded, as in prepare_three."""
        def v4(path, body):
            status, data = self.rig.v4(path, body)
            if status != 200:
                raise BenchError("curl v4 floor set-up: %s answered %d" % (path, status))
            return data
        request_token = v4(V4_REQUEST_TOKEN, {})["request_token"]
        spare = v4(V4_REQUEST_TOKEN, {})["request_token"]
        access_token = v4(V4_ACCESS_TOKEN, {"request_token": spare})["access_token"]
        return self.four(request_token, access_token, self.rig.new_session(USER))

    def prepare_one(self):
        """GET account with a session made now (once: the same command for every run)."""
        return self.one(self.rig.new_session(USER))
