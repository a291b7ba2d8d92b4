#!/usr/bin/env python3
"""Tiny stand-ins for the store's services, used by nginx/check.sh (stdlib only).

    fake_upstreams.py NAME=PORT[:STATUS] ...

Each NAME listens on 127.0.0.1:PORT. A normal one answers 200 with a JSON echo of what reached it:
{"upstream": NAME, "method", "path", "headers": {lower-case name: value}}. One given a STATUS (e.g. 502)
answers that status with an application/problem+json body to every request, as a broken replica would.
`GET /__seen` on a fake (asked directly, not through nginx) lists what it received:
[{"method", "path", "test_id"}], where test_id is the request's X-Test-Id header.
Prints "ready" once every port listens; runs until killed.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(name, status, seen, lock):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as nginx's upstream keepalive expects
        disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

        def log_message(self, fmt, *args):  # quiet
            pass

        def _answer(self, code, body, content_type="application/json"):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            # The gateway owns these: it must hide the upstream's copies and send its own once.
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("X-Request-ID", "from-upstream")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if self.command == "GET" and self.path == "/__seen":
                with lock:
                    self._answer(200, list(seen))
                return
            with lock:
                seen.append({"method": self.command, "path": self.path,
                             "test_id": self.headers.get("X-Test-Id")})
            if status:
                self._answer(status, {"type": "https://product-store.dev/problems/upstream-error",
                                      "title": "Bad Gateway", "status": status,
                                      "detail": name + " is failing on purpose"},
                             "application/problem+json")
                return
            headers = {}
            for key, value in self.headers.items():
                headers.setdefault(key.lower(), []).append(value)
            self._answer(200, {"upstream": name, "method": self.command, "path": self.path,
                               "headers": {k: ", ".join(v) for k, v in headers.items()}})

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    return Handler


def main(specs):
    servers = []
    for spec in specs:
        name, _, rest = spec.partition("=")
        port, _, status = rest.partition(":")
        handler = make_handler(name, int(status) if status else 0, [], threading.Lock())
        server = ThreadingHTTPServer(("127.0.0.1", int(port)), handler)
        server.daemon_threads = True
        servers.append(server)
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main(sys.argv[1:])
