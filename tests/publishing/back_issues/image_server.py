"""A real HTTP server on loopback serving the posts' images and feeds: /img/<n>.jpg is a
JPEG, a path put in `files` its bytes, /endless a body that never ends, every other path a
404; it counts what was asked of it."""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.publishing.image_files import photo


class ImageServer:
    """Serves distinct small JPEGs; `base` is its address, `hits` the paths requested."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.files: dict[str, bytes] = {}
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                served.hits[self.path] += 1
                if self.path == "/endless":
                    self._endless()
                    return
                if self.path in served.files:
                    body = served.files[self.path]
                    self.send_response(200)
                    self.send_header("Content-Type", "application/xml")
                elif self.path.startswith("/img/") and self.path.endswith(".jpg"):
                    shade = int(self.path[5:-4] or 0) * 20 % 250 + 1
                    body = photo(320, 240, shade=shade)
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                else:
                    body = b"not here"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _endless(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.end_headers()
                try:
                    self.wfile.write(b"<?xml version='1.0'?><rss><channel>")
                    while True:
                        self.wfile.write(b"<item><title>again</title></item>" * 100)
                except OSError:
                    pass  # the client stopped reading: that is the point

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
