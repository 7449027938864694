"""A JWKS endpoint on 127.0.0.1 (ephemeral port) that counts how often it is fetched."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    timeout = 5

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):  # noqa: N802
        owner: JwksServer = self.server.owner  # type: ignore[attr-defined]
        owner.fetches += 1
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://keys.example.com/jwks.json")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path != "/.well-known/jwks.json" or owner.fail:
            self.send_response(500 if owner.fail else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = json.dumps({"keys": owner.keys}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class JwksServer:
    """``with JwksServer() as jwks:`` serves ``jwks.keys`` at ``jwks.url``; ``jwks.fail`` answers 500."""

    def __init__(self) -> None:
        self.keys: list[dict] = []
        self.fetches = 0
        self.fail = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.owner = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
