#!/usr/bin/env python3
"""A minimal ModernGov stand-in for bench/contacts.sh: serves the fixtures under
tests/data/moderngov byte for byte at the ModernGov paths, or hangs (reads the
request, never answers). The test suite's stand-in is tests/all/support/moderngov.rs;
this one only has to answer the requests the benchmark makes.

Usage: moderngov-standin.py FIXTURE_DIR [normal|hang]   (prints "port N", then serves)
GET /__mode/normal or /__mode/hang switches the mode.
"""
import http.server
import os
import socketserver
import sys
import time

FIXTURES = sys.argv[1]
MODE = sys.argv[2] if len(sys.argv) > 2 else "normal"

ROUTES = {
    "/mgwebservice.asmx/getparishcouncils": "parish-councils/example.xml",
    "/mgparishcouncildetailslist.aspx": "parish-details-list/example.html",
    "/mgwebservice.asmx/getcouncillorsbyward": "councillors-by-ward/kirklees.gov.uk.xml",
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def log_request(self, code="-", size="-"):
        print("GET", self.path, code, flush=True)

    def do_GET(self):
        global MODE
        if self.path.startswith("/__mode/"):
            MODE = self.path[len("/__mode/"):]
            self.send_response(204)
            self.send_header("connection", "close")
            self.end_headers()
            return
        if MODE == "hang":
            while True:
                time.sleep(60)
        path, _, query = self.path.partition("?")
        path = path.lower()
        rel = ROUTES.get(path)
        if path == "/mgparishcouncildetails.aspx" and query.lower() == "id=12":
            rel = "parish-details/example-id-12.html"
        if rel is None:
            self.send_response(404)
            self.send_header("content-length", "0")
            self.send_header("connection", "close")
            self.end_headers()
            return
        with open(os.path.join(FIXTURES, rel), "rb") as f:
            body = f.read()
        self.send_response(200)
        kind = "text/xml" if rel.endswith(".xml") else "text/html"
        self.send_header("content-type", kind + "; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print("port", server.server_address[1], flush=True)
server.serve_forever()
