"""A JWKS endpoint on 127.0.0.1 (ephemeral port) that counts how often it is fetched."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    timeout = 5

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):  # noqa: N802
        owner: JwksServer = self.server.owner  # type: ignore[attr-defined]
        owner.fetches += 1
        if owner.trickle_seconds:
            self._trickle(owner)
            return
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

    def _trickle(self, owner: JwksServer) -> None:
        """A slow server: the whole response (status line included) one byte at a time, then it hangs up.

        Each byte comes well within any per-read socket timeout, so only an overall deadline stops a client.
        """
        data = json.dumps({"keys": owner.keys}).encode()
        raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        raw += f"Content-Length: {len(data)}\r\n\r\n".encode() + data
        end = time.monotonic() + owner.trickle_seconds
        try:
            for byte in raw:
                if time.monotonic() > end:
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(owner.trickle_interval)
        except OSError:
            owner.aborted += 1  # the client gave up and closed the connection
        self.close_connection = True


class JwksServer:
    """``with JwksServer() as jwks:`` serves ``jwks.keys`` at ``jwks.url``; ``jwks.fail`` answers 500;
    ``jwks.trickle_seconds`` (with ``trickle_interval``) makes every answer a slow trickle for that long."""

    def __init__(self) -> None:
        self.keys: list[dict] = []
        self.fetches = 0
        self.fail = False
        self.trickle_seconds = 0.0
        self.trickle_interval = 0.2
        self.aborted = 0
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
