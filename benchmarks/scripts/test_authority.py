#!/usr/bin/env python3
"""A minimal Nexus Authority for the cold-credential benchmark.

GET /v1/token/{id}  -> a header-strategy lease (X-Bench-Key), after --latency-ms, counted per id
POST /v1/refresh/{id} -> the same, counted separately
GET /calls          -> {"token": {id: n}, "refresh": {id: n}} (the call counter the benchmark reads)

Requests to /v1/* must carry the API key in X-API-Key. Listens on 127.0.0.1 only.
Usage: test_authority.py PORT API_KEY [--latency-ms N]
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
API_KEY = sys.argv[2]
LATENCY = float(sys.argv[sys.argv.index("--latency-ms") + 1]) / 1000 if "--latency-ms" in sys.argv else 0.1
LOCK = threading.Lock()
CALLS = {"token": {}, "refresh": {}}
LEASE = {
    "strategy": {"type": "header", "config": {"header_name": "X-Bench-Key", "credential_field": "api_key"}},
    "credentials": {"api_key": "bench-secret-from-authority"},
    "expires_in": 3600,
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the benchmark reads /calls instead
        pass

    def _send(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _lease(self, kind):
        if self.headers.get("X-API-Key") != API_KEY:
            self._send(401, {"code": "unauthorized", "message": "bad API key"})
            return
        connection = self.path.rsplit("/", 1)[-1]
        with LOCK:
            CALLS[kind][connection] = CALLS[kind].get(connection, 0) + 1
        time.sleep(LATENCY)
        self._send(200, LEASE)

    def do_GET(self):
        if self.path == "/calls":
            with LOCK:
                self._send(200, CALLS)
        elif self.path.startswith("/v1/token/"):
            self._lease("token")
        else:
            self._send(404, {"code": "not_found", "message": self.path})

    def do_POST(self):
        if self.path.startswith("/v1/refresh/"):
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self._lease("refresh")
        else:
            self._send(404, {"code": "not_found", "message": self.path})


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
print(f"test authority on 127.0.0.1:{PORT}", flush=True)
server.serve_forever()
