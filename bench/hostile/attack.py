#!/usr/bin/env python3
"""The attackers of bench/hostile.sh, kept up for as long as it runs:

- SLOW slow-body clients: each POSTs a 1,000-byte body one byte every 2 s (issue 10,
  item 1), from the loopback addresses given with --from (taking turns), and connects
  again when the host cuts it off;
- RUNAWAY runaway requests: `GET /probe/loop`, which computes until the host's deadline
  stops it; each is started again as soon as it ends (from the --runaway-from
  addresses, taking turns).

Usage: attack.py HOST:PORT --slow 200 --runaway 4 --from 127.0.0.2 --from 127.0.0.3 \
         --runaway-from 127.0.0.6
Runs until killed; prints one line a minute of what it holds.
Standard library only.
"""
import argparse
import socket
import threading
import time


def connect(source, host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(5)
    s.connect((host, port))
    return s


def slow_body(source, host, port, held):
    while True:
        try:
            s = connect(source, host, port)
            s.sendall(b"POST /probe/body HTTP/1.1\r\nhost: council.example\r\ncontent-length: 1000\r\n\r\n")
            with held[0]:
                held[1] += 1
            try:
                for _ in range(1000):
                    s.sendall(b"x")
                    time.sleep(2)
            finally:
                with held[0]:
                    held[1] -= 1
                s.close()
        except OSError:
            time.sleep(0.5)


def runaway(source, host, port, counts):
    while True:
        try:
            s = connect(source, host, port)
            s.settimeout(120)
            s.sendall(b"GET /probe/loop HTTP/1.1\r\nhost: council.example\r\nconnection: close\r\n\r\n")
            while s.recv(4096):
                pass
            s.close()
            with counts[0]:
                counts[1] += 1
        except OSError:
            time.sleep(0.5)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--runaway", type=int, default=4)
    parser.add_argument("--from", dest="sources", action="append", default=[])
    parser.add_argument("--runaway-from", dest="runaway_sources", action="append", default=[])
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    port = int(port)
    sources = args.sources or ["127.0.0.2"]
    held = [threading.Lock(), 0]
    finished = [threading.Lock(), 0]
    for i in range(args.slow):
        threading.Thread(target=slow_body, args=(sources[i % len(sources)], host, port, held), daemon=True).start()
    runaway_sources = args.runaway_sources or sources
    for i in range(args.runaway):
        source = runaway_sources[i % len(runaway_sources)]
        threading.Thread(target=runaway, args=(source, host, port, finished), daemon=True).start()
    while True:
        time.sleep(60)
        print(f"slow bodies held: {held[1]}, runaway requests ended: {finished[1]}", flush=True)


if __name__ == "__main__":
    main()
