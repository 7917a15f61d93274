#!/usr/bin/env python3
"""A local GOV.UK Notify stand-in for the demo, with an inbox page.

GOV.UK Notify cannot be reached from a demo machine, so scripts/demo points the
Report speeding traffic service at this stand-in instead. It speaks Notify's API
(https://docs.notifications.service.gov.uk/rest-api.html):

- POST /v2/notifications/email with `Authorization: Bearer <JWT>`: the JWT must be
  HS256 over {"iss": <service id>, "iat": <seconds>}, signed with the secret key of
  the API key `{key_name}-{service_id}-{secret_key}` and issued within 30 s, as Notify
  checks; the body must carry `email_address`, `template_id` and `personalisation`.
  Accepted e-mails get Notify's `201` body; refusals get Notify's error shape
  (`{"status_code", "errors": [{"error", "message"}]}`: 403 AuthError, 400
  ValidationError).
- GET / is the inbox: every accepted e-mail, newest first, by recipient, with its
  reference and personalisation, and a warning on any reference received twice.
- GET /inbox.json is the same as JSON.

Accepted e-mails are appended to a JSON-lines file (default .spin/demo-inbox.jsonl),
so the inbox outlives restarts of either process, the way a real mailbox would.

Usage: notify-inbox.py --listen 127.0.0.1:3001 --api-key KEY [--store FILE]
Standard library only.
"""
import argparse
import base64
import hashlib
import hmac
import html
import http.server
import json
import os
import threading
import time
import uuid

from http_body import read_body  # scripts/, beside this file

LOCK = threading.Lock()


def b64url_decode(text):
    # RFC 7515 section 2: base64url without padding.
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def split_api_key(key):
    """Notify API keys are `{key_name}-{service_id}-{secret_key}`, the last two UUIDs
    of 36 characters each (notifications-python-client does the same slicing)."""
    if len(key) < 74 or key[-37] != "-" or key[-74] != "-":
        raise ValueError("an API key is {key_name}-{service_id}-{secret_key}")
    return key[-73:-37], key[-36:]


def check_jwt(authorization, service_id, secret):
    """None if the bearer token is one Notify would accept, else why not."""
    if not authorization or not authorization.startswith("Bearer "):
        return "Unauthorized: authentication token must be provided"
    token = authorization[len("Bearer "):]
    parts = token.split(".")
    if len(parts) != 3:
        return "Invalid token: not a JWT"
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        return "Invalid token: not base64url JSON"
    if header.get("alg") != "HS256" or header.get("typ") != "JWT":
        return "Invalid token: the header must be {\"alg\": \"HS256\", \"typ\": \"JWT\"}"
    expected = hmac.new(secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        return "Invalid token: API key not found"
    if claims.get("iss") != service_id:
        return "Invalid token: service not found"
    iat = claims.get("iat")
    if not isinstance(iat, int) or abs(time.time() - iat) > 30:
        return "Error: Your system clock must be accurate to within 30 seconds"
    return None


class Inbox:
    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def add(self, entry):
        with LOCK, open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def all(self):
        with LOCK:
            try:
                with open(self.path, encoding="utf-8") as f:
                    return [json.loads(line) for line in f if line.strip()]
            except FileNotFoundError:
                return []


def render_inbox(entries):
    counts = {}
    for e in entries:
        counts[e.get("reference")] = counts.get(e.get("reference"), 0) + 1
    rows = []
    for e in reversed(entries):
        p = e.get("personalisation") or {}
        reference = e.get("reference") or ""
        duplicate = counts.get(e.get("reference"), 0) > 1
        fields = "".join(
            f"<tr><th scope='row'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in p.items()
        )
        warning = (
            f"<p class='dup'><strong>Warning: reference {html.escape(reference)} was received "
            f"{counts[e.get('reference')]} times.</strong></p>" if duplicate else ""
        )
        rows.append(
            f"<article><h2>To {html.escape(e['email_address'])}</h2>"
            f"<p>Reference <strong>{html.escape(reference)}</strong>, received "
            f"{html.escape(e['received_at'])}, notification {html.escape(e['id'])}</p>{warning}"
            f"<table>{fields}</table></article>"
        )
    body = "".join(rows) or "<p>No e-mails yet. Submit a report at /report-speeding/.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Demo inbox (GOV.UK Notify stand-in)</title>
<meta http-equiv="refresh" content="5">
<style>body{{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}}
article{{border:1px solid #b1b4b6;padding:0 1em 1em;margin:1em 0}}
th{{text-align:left;vertical-align:top;padding-right:1em}}td{{white-space:pre-wrap}}
.dup{{border-left:5px solid #d4351c;padding-left:.5em}}</style></head>
<body><h1>Demo inbox</h1>
<p>E-mails the demo sent through this local stand-in for GOV.UK Notify, newest first
({len(entries)} in all). Nothing here leaves this machine. The page refreshes every 5 seconds.</p>
{body}</body></html>"""


def make_handler(inbox, service_id, secret):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            # Requests carry personal data (the report); keep it out of the terminal.
            pass

        def send(self, status, content_type, data):
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def error(self, status, kind, message):
            body = {"status_code": status, "errors": [{"error": kind, "message": message}]}
            self.send(status, "application/json", json.dumps(body).encode())

        def do_GET(self):
            if self.path in ("/", "/inbox"):
                self.send(200, "text/html; charset=utf-8", render_inbox(inbox.all()).encode())
            elif self.path == "/inbox.json":
                self.send(200, "application/json", json.dumps(inbox.all()).encode())
            else:
                self.error(404, "NotFound", f"no route {self.path}")

        def do_POST(self):
            body = read_body(self)
            if self.path != "/v2/notifications/email":
                return self.error(404, "NotFound", f"no route {self.path}")
            problem = check_jwt(self.headers.get("authorization"), service_id, secret)
            if problem:
                return self.error(403, "AuthError", problem)
            try:
                request = json.loads(body)
            except ValueError:
                return self.error(400, "ValidationError", "the body is not JSON")
            if not isinstance(request, dict):
                return self.error(400, "ValidationError", "the body is not a JSON object")
            for field in ("email_address", "template_id"):
                if not request.get(field):
                    return self.error(400, "ValidationError", f"{field} is a required property")
            if not isinstance(request.get("personalisation", {}), dict):
                return self.error(400, "ValidationError", "personalisation is not an object")
            entry = {
                "id": str(uuid.uuid4()),
                "email_address": request["email_address"],
                "template_id": request["template_id"],
                "reference": request.get("reference"),
                "personalisation": request.get("personalisation") or {},
                "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            inbox.add(entry)
            answer = {
                "id": entry["id"],
                "reference": entry["reference"],
                "content": {
                    "subject": "Speeding report",
                    "body": "",
                    "from_email": "demo@notifications.service.gov.uk",
                },
                "uri": f"/v2/notifications/{entry['id']}",
                "template": {"id": entry["template_id"], "version": 1, "uri": ""},
            }
            self.send(201, "application/json", json.dumps(answer).encode())

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:3001")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--store", default=".spin/demo-inbox.jsonl")
    args = parser.parse_args()
    service_id, secret = split_api_key(args.api_key)
    host, port = args.listen.rsplit(":", 1)
    server = http.server.ThreadingHTTPServer(
        (host, int(port)), make_handler(Inbox(args.store), service_id, secret)
    )
    print(f"notify-inbox listening on http://{host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
