#!/usr/bin/env python3
"""The ModernGov stand-in the end-to-end tests and the contacts bench use.

A council's ModernGov site cannot be relied on from CI or a bench machine, so the
contact-fetch capability is pointed at this stand-in instead. It serves the fixture
files under tests/data/moderngov byte for byte at the paths a ModernGov site answers
on (../shared/docs/REFERENCE.md, "Contacts": the web service
`mgWebService.asmx/<Operation>`, bare XML over HTTP GET, and the parish pages):

  path (under any prefix, so a base URL such as .../modern.gov works)  fixture
  /mgWebService.asmx/GetCouncillorsByWard              councillors-by-ward/kirklees.gov.uk.xml (real)
  /mgWebService.asmx/GetCouncillorsByWardId?lWardId=n  councillors-by-ward-id/example.xml
  /mgWebService.asmx/GetCouncillorsByPostcode?sPostcode=...  councillors-by-postcode/example.xml
  /mgWebService.asmx/GetParishCouncils                 parish-councils/example.xml
  /mgParishCouncilDetails.aspx?bcr=1                   parish-list-bcr/example.html
  /mgParishCouncilDetails.aspx?ID=12                   parish-details/example-id-12.html (other ids: 404)
  /mgParishCouncilDetailsList.aspx                     parish-details-list/example.html

Page and method names are matched case-insensitively, as IIS does. An unknown
web-service method gets ASP.NET's real answer to one (500, "Web Service method name
is not valid"); anything else is a 404. Every answer closes its connection.

Controls, for tests and benchmarks (a local stand-in has no access control; control
requests are not counted):

- POST /_standin/mode {"mode": M[, "seconds": S]}: how every path answers from now on.
  M is one of
    normal         the fixtures;
    slow           the fixtures, after S seconds;
    server-error   500 with IIS's HTML error page;
    garbage        200 with bytes that are neither XML nor HTML;
    html-error     200 with the real Leeds answer, a SharePoint HTML error page
                   served as text/xml;
    redirect-stub  200 with a JavaScript redirect stub instead of the page;
    hang           the request is read and never answered; the connection stays
                   open until the stand-in stops.
- POST /_standin/serve {"page": P, "fixture": F}: serve the fixture F (relative to
  the fixture directory) for the page P (`GetCouncillorsByWard`,
  `mgParishCouncilDetailsList.aspx`), whatever the query.
- GET /_standin/seen: every request so far, in order of arrival, as JSON
  [{"method", "target", "at"}]: `target` is the request target as sent (path and
  query), `at` the seconds from the "listening" line to its request line.

Usage: moderngov-standin.py [--listen 127.0.0.1:0] [--fixtures DIR]
The first line printed is "moderngov-standin listening on http://HOST:PORT"; nothing
else is printed on stdout. Standard library only.
"""
import argparse
import http.server
import json
import os
import sys
import threading
import time

from http_body import read_body  # scripts/, beside this file

LOCK = threading.Lock()

MODES = ("normal", "slow", "server-error", "garbage", "html-error", "redirect-stub", "hang")

NOT_FOUND = (
    b"<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head>"
    b"<body><h2>404 - File or directory not found.</h2></body></html>"
)
SERVER_ERROR = (
    b"<!DOCTYPE html><html><head><title>500 - Internal server error.</title></head>"
    b"<body><h2>500 - Internal server error.</h2><h3>There is a problem with the resource"
    b" you are looking for, and it cannot be displayed.</h3></body></html>"
)
GARBAGE = b"\x1f\x8b\x08\x00 garbage \xff\xfe not a ModernGov answer }{ ;;"


class State:
    """The mode, the page overrides and the requests seen (all under LOCK)."""

    def __init__(self, fixtures):
        self.fixtures = fixtures
        self.mode = "normal"
        self.slow_seconds = 0.0
        self.overrides = {}
        self.seen = []
        self.started = time.monotonic()


def fixture(state, rel):
    """(status, content type, body) serving one fixture file."""
    with open(os.path.join(state.fixtures, rel), "rb") as f:
        body = f.read()
    kind = "text/xml" if rel.endswith(".xml") else "text/html"
    return 200, kind + "; charset=utf-8", body


def route(state, target, overrides):
    """The answer to a request target in the normal mode."""
    path, _, query = target.partition("?")
    path = path.lower()
    query = query.lower()
    page = path.rsplit("/", 1)[-1]
    if page in overrides:
        return fixture(state, overrides[page])
    if path.endswith("/mgwebservice.asmx/getcouncillorsbyward"):
        return fixture(state, "councillors-by-ward/kirklees.gov.uk.xml")
    if path.endswith("/mgwebservice.asmx/getcouncillorsbywardid") and query.startswith("lwardid="):
        return fixture(state, "councillors-by-ward-id/example.xml")
    if path.endswith("/mgwebservice.asmx/getcouncillorsbypostcode") and query.startswith("spostcode="):
        return fixture(state, "councillors-by-postcode/example.xml")
    if path.endswith("/mgwebservice.asmx/getparishcouncils"):
        return fixture(state, "parish-councils/example.xml")
    if path.endswith("/mgparishcouncildetails.aspx"):
        if query == "bcr=1":
            return fixture(state, "parish-list-bcr/example.html")
        if query == "id=12":
            return fixture(state, "parish-details/example-id-12.html")
        return 404, "text/html; charset=utf-8", NOT_FOUND
    if path.endswith("/mgparishcouncildetailslist.aspx"):
        return fixture(state, "parish-details-list/example.html")
    if "/mgwebservice.asmx/" in path:
        # What ASP.NET answers for a method the service does not have.
        method = target.rsplit("/", 1)[-1]
        body = (
            f"System.InvalidOperationException: {method} Web Service method name is not valid.\r\n"
            "   at System.Web.Services.Protocols.HttpServerProtocol.Initialize()\r\n"
        )
        return 500, "text/plain; charset=utf-8", body.encode()
    return 404, "text/html; charset=utf-8", NOT_FOUND


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self):
            # The `server` header of the IIS that ModernGov runs on.
            return "Microsoft-IIS/10.0"

        def log_message(self, *args):
            pass

        def parse_request(self):
            # The request line has just been read: this is when it arrived (the
            # headers are read next). Every request but the controls is counted,
            # whatever its method.
            arrived = time.monotonic()
            if not super().parse_request():
                return False
            if not self.path.startswith("/_standin/"):
                with LOCK:
                    state.seen.append({
                        "method": self.command,
                        "target": self.path,
                        "at": arrived - state.started,
                    })
            return True

        def send(self, status, content_type, body):
            try:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.send_header("connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            except ConnectionError:
                pass  # the client gave up first (a slow answer after its timeout)

        def answer(self):
            if self.path.startswith("/_standin/"):
                return self.control()
            with LOCK:
                mode, seconds, overrides = state.mode, state.slow_seconds, dict(state.overrides)
            if mode == "hang":
                # Keep the connection open and say nothing, until the stand-in stops.
                while True:
                    time.sleep(3600)
            if mode == "slow":
                time.sleep(seconds)
                return self.send(*route(state, self.path, overrides))
            if mode == "server-error":
                return self.send(500, "text/html", SERVER_ERROR)
            if mode == "garbage":
                return self.send(200, "text/xml; charset=utf-8", GARBAGE)
            if mode == "html-error":
                _, _, body = fixture(state, "councillors-by-ward/leeds.gov.uk.xml")
                return self.send(200, "text/xml; charset=utf-8", body)
            if mode == "redirect-stub":
                return self.send(*fixture(state, "redirect-stub/example.html"))
            return self.send(*route(state, self.path, overrides))

        def do_GET(self):
            self.answer()

        def do_HEAD(self):
            self.answer()

        def do_POST(self):
            self.request_body = read_body(self)
            self.answer()

        def control(self):
            if self.command == "GET" and self.path == "/_standin/seen":
                with LOCK:
                    data = json.dumps(state.seen).encode()
                return self.send(200, "application/json", data)
            if self.command != "POST":
                return self.send(405, "text/plain", b"controls are POSTed, but for GET /_standin/seen")
            try:
                request = json.loads(getattr(self, "request_body", b"") or b"{}")
            except ValueError:
                return self.send(400, "text/plain", b"not JSON")
            if self.path == "/_standin/mode":
                mode = request.get("mode")
                if mode not in MODES:
                    return self.send(400, "text/plain", f"mode must be one of {', '.join(MODES)}".encode())
                with LOCK:
                    state.mode = mode
                    state.slow_seconds = float(request.get("seconds", 0))
            elif self.path == "/_standin/serve":
                page, rel = request.get("page"), request.get("fixture")
                if not page or not rel or not os.path.isfile(os.path.join(state.fixtures, rel)):
                    return self.send(400, "text/plain", f"no fixture {rel!r} for page {page!r}".encode())
                with LOCK:
                    state.overrides[page.lower()] = rel
            else:
                return self.send(404, "text/plain", b"no such control")
            self.send(200, "application/json", b"{}")

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # The default listen backlog of 5 overflows under load (the bench), and every
    # dropped SYN costs the sender a 1 s retransmission: a stand-in artefact.
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # A client that hung up (a component's timeout) is expected; anything else is
        # a fault of the stand-in and is reported on stderr.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument(
        "--fixtures",
        default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "moderngov"),
    )
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)
    state = State(os.path.normpath(args.fixtures))
    server = Server((host, int(port)), make_handler(state))
    state.started = time.monotonic()
    print(f"moderngov-standin listening on http://{host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
