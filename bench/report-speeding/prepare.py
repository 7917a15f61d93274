#!/usr/bin/env python3
"""Prepares N complete "Report speeding traffic" drafts for bench/report-speeding.sh:
each is a journey up to the check page (start, postcode, address, three answers,
details), as a browser without JavaScript posts it. Prints one `cookie token` line per
draft, for submit.lua to submit once each.

Usage: prepare.py HOST:PORT N [THREADS]
"""
import http.client
import sys
import threading
import urllib.parse

HOST, COUNT = sys.argv[1], int(sys.argv[2])
THREADS = int(sys.argv[3]) if len(sys.argv) > 3 else 4
# Partington (parish) and Sale (unparished → Trafford), alternately.
PLACES = [("M31 4AN", "999000010281"), ("M33 0AF", "999000022522")]
LOCK = threading.Lock()
OUT = []


def journey(conn, i):
    def request(method, path, fields=None, cookie=None):
        headers = {}
        body = None
        if cookie:
            headers["cookie"] = cookie
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["content-type"] = "application/x-www-form-urlencoded"
        conn.request(method, "/report-speeding" + path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode()
        return response.status, response.getheader("set-cookie"), data

    _, set_cookie, _ = request("POST", "/start", {})
    cookie = set_cookie.split(";")[0]
    _, _, page = request("GET", "/postcode", cookie=cookie)
    token = page.split('name="token" value="')[1].split('"')[0]
    postcode, uprn = PLACES[i % 2]
    for path, fields in [
        ("/postcode", {"postcode": postcode}),
        ("/address", {"uprn": uprn}),
        ("/question/speed-limit", {"answer": "yes"}),
        ("/question/speedwatch", {"answer": "yes"}),
        ("/question/pattern", {"answer": "particular-times"}),
        ("/details", [("location", "By the school"), ("when", "Mornings"), ("vehicles", "cars"),
                      ("description", "Benchmark report: generated, not a real report.")]),
    ]:
        fields = dict(fields, token=token) if isinstance(fields, dict) else fields + [("token", token)]
        status, _, _ = request("POST", path, fields, cookie)
        if status != 303:
            raise SystemExit(f"{path} answered {status}")
    return cookie, token


def worker(start):
    conn = http.client.HTTPConnection(HOST, timeout=60)
    for i in range(start, COUNT, THREADS):
        cookie, token = journey(conn, i)
        with LOCK:
            OUT.append(f"{cookie} {token}")


threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\n".join(OUT))
