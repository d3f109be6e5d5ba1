"""A real HTTP server on 127.0.0.1 for tests, with programmable routes and nasty behaviours.

    server = FixtureServer().start()
    server.route("/feed.xml", body=b"<rss/>", content_type="application/rss+xml")
    server.redirect("/old", "/feed.xml")
    server.url("/old")  ->  "http://127.0.0.1:PORT/old"
    server.hits("/feed.xml"), server.requests("/feed.xml")
    server.stop()

Routes match the path without the query string; a route's ``handler(request) -> Response``
gives dynamic behaviour. A Response body may be bytes or an iterable of bytes (streamed,
chunked unless a Content-Length header is given). Usually used through the
``fixture_server`` pytest fixture of tests/conftest.py. Also :class:`CanaryListener`: a TCP
listener on 127.0.0.2 that only counts connections (the guard tests assert it stays at 0).
"""

from __future__ import annotations

import email.utils
import gzip
import mimetypes
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_bomb_cache: dict[int, bytes] = {}
_bomb_lock = threading.Lock()


class Headers(dict):
    """A dict of request headers with case-insensitive lookups (keys stored lowercased)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__((k.lower(), v) for k, v in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class RequestInfo:
    method: str
    target: str  # path + query as sent
    path: str  # without the query
    query: str
    headers: Headers
    hit: int  # 1 for the first request to this path, 2 for the second, ...

    def __iter__(self) -> Iterator[object]:  # (method, path, headers) unpacking
        return iter((self.method, self.target, self.headers))


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = DEFAULT_CONTENT_TYPE
    delay_s: float = 0.0  # sleep before sending anything


Handler = Callable[[RequestInfo], Response]


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def deflate_bytes(data: bytes, *, raw: bool = False) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15 if raw else 15)
    return c.compress(data) + c.flush()


def gzip_bomb(size: int = 1 << 30) -> bytes:
    """A single-member gzip of ``size`` zero bytes (1 GiB -> about 1 MB), built once and cached.

    Built from identical full-flushed deflate blocks of 1 MiB, so it takes well under a second.
    """
    mib = 1 << 20
    with _bomb_lock:
        if size in _bomb_cache:
            return _bomb_cache[size]
        blocks, rest = divmod(size, mib)
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        zeros = bytes(mib)
        c.compress(zeros)
        c.flush(zlib.Z_FULL_FLUSH)  # first block may differ; the following ones are identical
        block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
        tail = (c.compress(bytes(rest)) if rest else b"") + c.flush(zlib.Z_FINISH)
        crc = 0
        for _ in range(blocks):
            crc = zlib.crc32(zeros, crc)
        crc = zlib.crc32(bytes(rest), crc)
        data = _GZIP_HEADER + block * blocks + tail + struct.pack("<II", crc, size & 0xFFFFFFFF)
        _bomb_cache[size] = data
        return data


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops SYNs under test concurrency (1 s stalls)
    allow_reuse_address = True
    owner: FixtureServer


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._serve("POST")

    def _serve(self, method: str) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        info = owner._record(
            method, self.path, parts.path or "/", parts.query, self.headers.items()
        )
        try:
            resp = owner._respond(info)
        except Exception as exc:  # a broken test handler: answer 500 with the error
            resp = Response(500, repr(exc).encode(), content_type="text/plain")
        try:
            self._send(method, resp)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True

    def _send(self, method: str, resp: Response) -> None:
        owner = self.server.owner
        if resp.delay_s:
            if owner._stopped.wait(resp.delay_s):
                return
        headers = {k.lower(): (k, v) for k, v in resp.headers.items()}
        self.send_response(resp.status)
        if resp.content_type is not None and "content-type" not in headers:
            self.send_header("Content-Type", resp.content_type)
        for name, value in headers.values():
            self.send_header(name, value)
        body = resp.body
        if isinstance(body, bytes | bytearray):
            if "content-length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body)
            return
        chunked = "content-length" not in headers
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if method == "HEAD":
            return
        self.close_connection = True  # streamed bodies may stop early
        for piece in body:
            if owner._stopped.is_set():
                return
            if not piece:
                continue
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class FixtureServer:
    """Threaded HTTP/1.1 server on 127.0.0.1:ephemeral with programmable routes."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._routes: dict[str, Handler] = {}
        self._dirs: dict[str, Path] = {}
        self._log: list[RequestInfo] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> FixtureServer:
        httpd = _Server((self.host, 0), _RequestHandler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.netloc}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- routes -------------------------------------------------------------------------

    def route(
        self,
        path: str,
        *,
        body: bytes | str | Iterable[bytes] = b"",
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str | None = DEFAULT_CONTENT_TYPE,
        handler: Handler | None = None,
        delay_s: float = 0.0,
    ) -> str:
        """Serve ``path``; returns its full URL. ``handler`` overrides the static response."""
        if handler is None:
            data = body.encode() if isinstance(body, str) else body
            fixed = dict(headers or {})

            def handler(_req: RequestInfo) -> Response:
                return Response(status, data, dict(fixed), content_type, delay_s)

        with self._lock:
            self._routes[path] = handler
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 301) -> str:
        """``path`` answers ``status`` with ``Location: to`` (relative or absolute, verbatim)."""
        return self.route(path, status=status, headers={"Location": to}, content_type=None)

    def gzip(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        encoding: str = "gzip",
    ) -> str:
        """Serve ``body`` compressed: encoding 'gzip', 'deflate' (zlib) or 'deflate-raw'."""
        if encoding == "gzip":
            data = gzip_bytes(body)
        else:
            data = deflate_bytes(body, raw=encoding == "deflate-raw")
        header = "gzip" if encoding == "gzip" else "deflate"
        return self.route(
            path, body=data, content_type=content_type, headers={"Content-Encoding": header}
        )

    def gzip_bomb(
        self, path: str, size: int = 1 << 30, *, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> str:
        """A gzip bomb: ``size`` zero bytes compressed to about size/1000, with Content-Length."""
        return self.route(
            path,
            body=gzip_bomb(size),
            content_type=content_type,
            headers={"Content-Encoding": "gzip"},
        )

    def drip(
        self,
        path: str,
        *,
        interval_s: float = 0.1,
        piece: bytes = b"x",
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> str:
        """Headers at once, then one ``piece`` every ``interval_s`` forever (chunked)."""
        stopped = self._stopped

        def body() -> Iterator[bytes]:
            while not stopped.wait(interval_s):
                yield piece

        return self.route(path, handler=lambda _r: Response(200, body(), {}, content_type))

    def endless(
        self,
        path: str,
        *,
        chunk_size: int = 64 * 1024,
        content_type: str = DEFAULT_CONTENT_TYPE,
        headers: dict[str, str] | None = None,
    ) -> str:
        """A chunked body that never ends (pass a Content-Length header for a lying length)."""
        chunk = b"a" * chunk_size

        def body() -> Iterator[bytes]:
            while True:
                yield chunk

        return self.route(
            path, handler=lambda _r: Response(200, body(), dict(headers or {}), content_type)
        )

    def conditional(
        self,
        path: str,
        body: bytes,
        *,
        etag: str = '"v1"',
        last_modified: str = "Mon, 01 Jan 2024 00:00:00 GMT",
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> str:
        """Serves ETag/Last-Modified; 304 when If-None-Match matches or If-Modified-Since >= it."""
        lm = email.utils.parsedate_to_datetime(last_modified)

        def handler(req: RequestInfo) -> Response:
            validators = {"ETag": etag, "Last-Modified": last_modified}
            inm = req.headers.get("If-None-Match")
            ims = req.headers.get("If-Modified-Since")
            if inm is not None:
                if etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*":
                    return Response(304, b"", validators, None)
            elif ims is not None:
                try:
                    if email.utils.parsedate_to_datetime(ims) >= lm:
                        return Response(304, b"", validators, None)
                except (TypeError, ValueError):
                    pass
            return Response(200, body, validators, content_type)

        return self.route(path, handler=handler)

    def flaky(
        self,
        path: str,
        body: bytes,
        *,
        failures: int = 2,
        fail_status: int = 503,
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> str:
        """The first ``failures`` requests get ``fail_status``, later ones 200 ``body``."""

        def handler(req: RequestInfo) -> Response:
            if req.hit <= failures:
                return Response(fail_status, b"try later", {}, "text/plain")
            return Response(200, body, {}, content_type)

        return self.route(path, handler=handler)

    def retry_after(self, path: str, retry_after: str = "1", *, status: int = 429) -> str:
        """Always ``status`` with ``Retry-After: retry_after`` (seconds or HTTP date)."""
        return self.route(
            path,
            status=status,
            body=b"slow down",
            content_type="text/plain",
            headers={"Retry-After": retry_after},
        )

    def serve_directory(self, prefix: str, dirpath: str | Path) -> str:
        """Serve files under ``dirpath`` at ``prefix/<relative path>``; type from the extension."""
        prefix = "/" + prefix.strip("/")
        with self._lock:
            self._dirs[prefix] = Path(dirpath).resolve()
        return self.url(prefix + "/")

    def reset(self) -> None:
        """Forget routes and the request log."""
        with self._lock:
            self._routes.clear()
            self._dirs.clear()
            self._log.clear()

    # -- inspection ---------------------------------------------------------------------

    def requests(self, path: str | None = None) -> list[RequestInfo]:
        """Requests received (all, or for one path without query), oldest first.

        Each is a RequestInfo that also unpacks as ``(method, target, headers)``.
        """
        with self._lock:
            return [r for r in self._log if path is None or r.path == path]

    def hits(self, path: str | None = None) -> int:
        return len(self.requests(path))

    # -- internals ----------------------------------------------------------------------

    def _record(
        self, method: str, target: str, path: str, query: str, headers: Iterable[tuple[str, str]]
    ) -> RequestInfo:
        with self._lock:
            hit = 1 + sum(1 for r in self._log if r.path == path)
            info = RequestInfo(method, target, path, query, Headers(headers), hit)
            self._log.append(info)
            return info

    def _respond(self, req: RequestInfo) -> Response:
        with self._lock:
            handler = self._routes.get(req.path)
            dirs = sorted(self._dirs.items(), key=lambda kv: -len(kv[0]))
        if handler is not None:
            return handler(req)
        for prefix, root in dirs:
            if req.path.startswith(prefix + "/"):
                return _file_response(root, req.path[len(prefix) + 1 :])
        return Response(404, b"not found", content_type="text/plain")


def _file_response(root: Path, relative: str) -> Response:
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return Response(404, b"not found", content_type="text/plain")
    ctype, encoding = mimetypes.guess_type(target.name)
    headers = {"Content-Encoding": encoding} if encoding == "gzip" else {}
    return Response(200, target.read_bytes(), headers, ctype or "application/octet-stream")


class CanaryListener:
    """A TCP listener (default 127.0.0.2:ephemeral) that counts and drops every connection."""

    def __init__(self, host: str = "127.0.0.2") -> None:
        self.host = host
        self._hits = 0
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def start(self) -> CanaryListener:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        sock.listen(16)
        sock.settimeout(0.05)
        self._sock = sock
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while not self._stopped.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._hits += 1
            conn.close()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> CanaryListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._sock is not None, "listener not started"
        return self._sock.getsockname()[1]

    @property
    def hits(self) -> int:
        """Connections accepted so far."""
        time.sleep(0.05)  # let a just-opened connection be accepted before we count
        with self._lock:
            return self._hits

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}" + (path if path.startswith("/") else "/" + path)
