"""A local plain-HTTP server serving .ics files, as a person's own calendar host would (tests only).

Each path answers what its `Served` says; ETag/Last-Modified are honoured as Google and Outlook do, and
every request is recorded (path and headers) so a test can see what the reader sent.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Served:
    body: bytes = b""
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # a redirect's target
    declare_length: bool = True  # False: no Content-Length, the body ends when the connection closes


@dataclass
class FeedServer:
    url: str  # http://127.0.0.1:port
    routes: dict[str, Served] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def serve(self, path: str, served: Served) -> str:
        self.routes[path] = served
        return self.url + path


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append((self.path, dict(self.headers.items())))
            served = server.routes.get(self.path)
            if served is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            unchanged = served.etag is not None and self.headers.get("If-None-Match") == served.etag
            self.send_response(304 if unchanged else served.status)
            for name, value in (("ETag", served.etag), ("Last-Modified", served.last_modified)):
                if value:
                    self.send_header(name, value)
            if served.location:
                self.send_header("Location", served.location)
            body = b"" if unchanged else served.body
            self.send_header("Content-Type", "text/calendar")
            if served.declare_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a reader stopping early
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server = FeedServer(f"http://127.0.0.1:{httpd.server_port}")
    httpd.RequestHandlerClass = _handler(server)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
