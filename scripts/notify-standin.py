#!/usr/bin/env python3
"""The GOV.UK Notify stand-in (and webhook receiver) the demo, the tests and the bench use.

GOV.UK Notify cannot be reached from a demo machine or CI, so Report speeding traffic
is pointed at this stand-in instead. It speaks Notify's API as documented
(https://docs.notifications.service.gov.uk/rest-api.html) and as notifications-api
checks it:

- POST /v2/notifications/email with `Authorization: Bearer <JWT>`: the JWT must be
  HS256 over {"iss": <service id>, "iat": <seconds>}, signed with the secret key of the
  API key `{key_name}-{service_id}-{secret_key}` and issued within 30 s; the body must
  carry `email_address`, `template_id` and `personalisation` (an object). Accepted
  e-mails get Notify's `201` body; refusals get Notify's error shape
  (`{"status_code", "errors": [{"error", "message"}]}`: 403 AuthError, 400
  ValidationError). Like Notify, it does NOT drop a second request with the same
  `reference`: each is another e-mail.
- GET /v2/notifications?reference=R[&status=S] (same JWT check): the notifications sent
  with that reference, newest first, as Notify lists them:
  `{"notifications": [{"id", "reference", "email_address", "type", "status", ...}],
  "links": {"current": ...}}`.
- GET /v2/notifications/{id}: one notification.
- Any other POST is a webhook delivery: recorded, with its `Idempotency-Key`; when a
  webhook secret is set, `Webhook-Signature: t=..,v1=..` must be HMAC-SHA256 over
  "<t>.<body>" (403 otherwise).
- GET / is the inbox page (every accepted e-mail, newest first, with a warning on any
  reference received twice); GET /inbox.json is the same as JSON.

Controls, for tests and benchmarks (a local stand-in has no access control):

- POST /_standin/fail-next {"statuses": [500, 503]}: answer the next requests to
  /v2/notifications/email with these statuses (after reading them; nothing accepted).
- POST /_standin/hold {"seconds": 3, "count": 1}: accept the next `count` e-mails at
  once (they are in the inbox and in the list by reference) but answer only after
  `seconds`: a slow Notify, whose client may give up before the answer.
- POST /_standin/webhook-secret {"secret": "..."}: check webhook signatures.
- GET /_standin/received: every request so far (method, path, headers, JSON body,
  status answered, problem).

Accepted e-mails are appended to a JSON-lines file (--store, default
.spin/demo-inbox.jsonl), so the inbox outlives restarts of either process, the way a
real mailbox would.

Usage: notify-standin.py --listen 127.0.0.1:3001 --api-key KEY [--store FILE]
The first line printed is "notify-standin listening on http://HOST:PORT".
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
import urllib.parse
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


def check_webhook(secret, header, body):
    """None if the webhook signature is right, else why not."""
    if not header:
        return "no Webhook-Signature"
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if "t" not in fields or "v1" not in fields:
        return "Webhook-Signature needs t= and v1="
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["v1"]):
        return "bad webhook signature"
    return None


class State:
    """The inbox (on disk) and what the controls set (in memory)."""

    def __init__(self, path, service_id, secret):
        self.path = path
        self.service_id = service_id
        self.secret = secret
        self.failures = []
        self.hold_seconds = 0.0
        self.hold_count = 0
        self.webhook_secret = None
        self.received = []
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def add(self, entry):
        with LOCK, open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def inbox(self):
        with LOCK:
            try:
                with open(self.path, encoding="utf-8") as f:
                    return [json.loads(line) for line in f if line.strip()]
            except FileNotFoundError:
                return []


def notification_view(entry):
    """One inbox entry as Notify's "get the status of a message" shows it."""
    return {
        "id": entry["id"],
        "reference": entry.get("reference"),
        "email_address": entry.get("email_address"),
        "type": "email",
        "status": "delivered",
        "template": {"id": entry.get("template_id"), "version": 1, "uri": ""},
        "created_at": entry.get("received_at"),
        "sent_at": entry.get("received_at"),
    }


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


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            # Requests carry personal data (the report); keep it out of the terminal.
            pass

        def record(self, body, status, problem):
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = None
            with LOCK:
                state.received.append({
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": parsed,
                    "status": status,
                    "problem": problem,
                })

        def send(self, status, content_type, data):
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def error(self, status, kind, message, body=b""):
            self.record(body, status, message)
            answer = {"status_code": status, "errors": [{"error": kind, "message": message}]}
            self.send(status, "application/json", json.dumps(answer).encode())

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path in ("/", "/inbox"):
                return self.send(200, "text/html; charset=utf-8", render_inbox(state.inbox()).encode())
            if url.path == "/inbox.json":
                return self.send(200, "application/json", json.dumps(state.inbox()).encode())
            if url.path == "/_standin/received":
                with LOCK:
                    data = json.dumps(state.received).encode()
                return self.send(200, "application/json", data)
            if url.path.startswith("/v2/notifications"):
                problem = check_jwt(self.headers.get("authorization"), state.service_id, state.secret)
                if problem:
                    return self.error(403, "AuthError", problem)
                entries = state.inbox()
                if url.path == "/v2/notifications":
                    query = urllib.parse.parse_qs(url.query)
                    found = [notification_view(e) for e in reversed(entries)]
                    if "reference" in query:
                        found = [n for n in found if n["reference"] == query["reference"][0]]
                    if "status" in query:
                        found = [n for n in found if n["status"] in query["status"]]
                    self.record(b"", 200, None)
                    answer = {"notifications": found, "links": {"current": self.path}}
                    return self.send(200, "application/json", json.dumps(answer).encode())
                wanted = url.path[len("/v2/notifications/"):]
                for e in entries:
                    if e["id"] == wanted:
                        self.record(b"", 200, None)
                        return self.send(200, "application/json", json.dumps(notification_view(e)).encode())
                return self.error(404, "NoResultFound", "No result found")
            self.error(404, "NotFound", f"no route {url.path}")

        def do_POST(self):
            body = read_body(self)
            if self.path.startswith("/_standin/"):
                return self.control(body)
            if self.path != "/v2/notifications/email":
                return self.webhook(body)
            problem = check_jwt(self.headers.get("authorization"), state.service_id, state.secret)
            if problem:
                return self.error(403, "AuthError", problem, body)
            try:
                request = json.loads(body)
            except ValueError:
                return self.error(400, "ValidationError", "the body is not JSON", body)
            if not isinstance(request, dict):
                return self.error(400, "ValidationError", "the body is not a JSON object", body)
            for field in ("email_address", "template_id"):
                if not request.get(field):
                    return self.error(400, "ValidationError", f"{field} is a required property", body)
            if not isinstance(request.get("personalisation", {}), dict):
                return self.error(400, "ValidationError", "personalisation is not an object", body)
            with LOCK:
                failure = state.failures.pop(0) if state.failures else None
                hold = 0.0
                if failure is None and state.hold_count > 0:
                    state.hold_count -= 1
                    hold = state.hold_seconds
            if failure is not None:
                return self.error(failure, "Exception", "Internal server error", body)
            entry = {
                "id": str(uuid.uuid4()),
                "email_address": request["email_address"],
                "template_id": request["template_id"],
                "reference": request.get("reference"),
                "personalisation": request.get("personalisation") or {},
                "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            # Accepted first, answered after the hold: a slow Notify has already sent
            # the e-mail when its client gives up waiting.
            state.add(entry)
            self.record(body, 201, None)
            if hold:
                time.sleep(hold)
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
            try:
                self.send(201, "application/json", json.dumps(answer).encode())
            except OSError:
                pass  # the client gave up: the e-mail stands, as at Notify

        def webhook(self, body):
            if state.webhook_secret is not None:
                problem = check_webhook(state.webhook_secret, self.headers.get("webhook-signature"), body)
                if problem:
                    return self.error(403, "AuthError", problem, body)
            with LOCK:
                failure = state.failures.pop(0) if state.failures else None
            if failure is not None:
                return self.error(failure, "Exception", "Internal server error", body)
            self.record(body, 200, None)
            self.send(200, "application/json", b'{"received": true}')

        def control(self, body):
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                return self.send(400, "text/plain", b"not JSON")
            with LOCK:
                if self.path == "/_standin/fail-next":
                    state.failures.extend(int(s) for s in request.get("statuses", []))
                elif self.path == "/_standin/hold":
                    state.hold_seconds = float(request.get("seconds", 0))
                    state.hold_count = int(request.get("count", 1))
                elif self.path == "/_standin/webhook-secret":
                    state.webhook_secret = request.get("secret")
                else:
                    return self.send(404, "text/plain", b"no such control")
            self.send(200, "application/json", b"{}")

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # The default listen backlog of 5 overflows under load (the bench), and every
    # dropped SYN costs the sender a 1 s retransmission: a stand-in artefact.
    request_queue_size = 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:3001")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--store", default=".spin/demo-inbox.jsonl")
    args = parser.parse_args()
    service_id, secret = split_api_key(args.api_key)
    host, port = args.listen.rsplit(":", 1)
    server = Server((host, int(port)), make_handler(State(args.store, service_id, secret)))
    print(f"notify-standin listening on http://{host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
