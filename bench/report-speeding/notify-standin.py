#!/usr/bin/env python3
"""A GOV.UK Notify stand-in for bench/report-speeding.sh: answers every
POST /v2/notifications/email with 201 and a notification id, and counts the
notifications per `reference` (the test suite's stand-in, which also checks the JWT,
is tests/all/support/notify.rs).

Usage: notify-standin.py   (prints "port N", then serves)
GET /__count answers {"requests": n, "references": distinct, "duplicates": m}.
"""
import http.server
import json
import socketserver
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from http_body import read_body  # noqa: E402  (scripts/http_body.py)

LOCK = threading.Lock()
SEEN = {}
REQUESTS = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = json.loads(read_body(self) or b"{}")
        reference = body.get("reference", "")
        with LOCK:
            REQUESTS[0] += 1
            SEEN[reference] = SEEN.get(reference, 0) + 1
            n = REQUESTS[0]
        self.answer(201, {"id": f"00000000-0000-4000-8000-{n:012d}", "reference": reference})

    def do_GET(self):
        with LOCK:
            counts = {
                "requests": REQUESTS[0],
                "references": len(SEEN),
                "duplicates": sum(c - 1 for c in SEEN.values()),
            }
        self.answer(200, counts)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    # The default listen backlog of 5 overflows under load, and every dropped SYN
    # costs the sender a 1 s retransmission: a stand-in artefact, not the service's.
    request_queue_size = 1024


server = Server(("127.0.0.1", 0), Handler)
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
