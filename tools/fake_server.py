#!/usr/bin/env python3
"""A stand-in for peter_sslers and its OpenResty edge, on loopback only.

It answers the major public and admin paths with small pages, and the OpenResty cache routes
with the JSON the real plugin sends, so proxies can be wired up and ``lib/utils_nginx.py``
tested without running either. Every answer carries ``X-Peter-SSLers: fakeserver``.

Routes (GET and HEAD)::

    /                                          a page naming the fake server
    /.well-known/acme-challenge/{token}        text: the token (a real responder answers the key
                                               authorization; this one only proves the proxying)
    /.well-known/public/whoami                 text: the Host the request came with
    /.well-known/admin[/...]                   a page naming the admin path asked for
    {reset_path}/all                           {"result":"success","expired":"all",...}
    {reset_path}/domain/{name}                 {"result":"success","expired":"domain","domain":name,...}
    {status_path}                              {"result":"success",...,"counts":{...}}

Anything else is a 404. With ``userpass``, the admin and cache routes want HTTP Basic auth and
answer 401 without it (the public ones never do, as on a real edge).

Run it on its own (standard library only)::

    python tools/fake_server.py --host 127.0.0.1 --port 7201 [--userpass peter:sslers]
        [--tls cert.pem key.pem] [--reset-path PATH] [--status-path PATH]

It refuses any host that is not a loopback address (127.0.0.0/8, ::1, localhost).

Or import it (tests)::

    with FakeServer(userpass="peter:sslers") as server:   # port 0: a free port
        server.url                  # http://127.0.0.1:PORT
        server.requests             # every request received: RecordedRequest(method, path, headers, ...)
        server.mode = MODE_ERROR    # answer every request with an error (see MODES)
"""

import argparse
import base64
import dataclasses
import http.server
import ipaddress
import json
import socket
import ssl
import sys
import threading
import urllib.parse
from typing import List
from typing import Optional
from typing import Tuple

HEADER_NAME = "X-Peter-SSLers"
HEADER_VALUE = "fakeserver"
SERVER_NAME = "peter_sslers:fakeserver"
SERVER_VERSION = "1.0.0"
DEFAULT_RESET_PATH = "/.peter_sslers/nginx/shared_cache/expire"
DEFAULT_STATUS_PATH = "/.peter_sslers/nginx/shared_cache/status"
DEFAULT_PORT = 7201

# What the server answers (``FakeServer.mode``):
MODE_OK = "ok"  # the normal answers
MODE_ERROR = "error"  # HTTP 500 with a JSON error, on every path
MODE_RESULT_ERROR = "result_error"  # HTTP 200 with {"result": "error"} on the cache routes
MODE_NOT_JSON = "not_json"  # HTTP 200 with an HTML body on the cache routes
MODE_HANG = "hang"  # no answer until `hang_seconds` pass or the server stops
MODES = (MODE_OK, MODE_ERROR, MODE_RESULT_ERROR, MODE_NOT_JSON, MODE_HANG)


class NotLoopback(ValueError):
    """The fake server only ever listens on loopback."""


def check_loopback_host(host: str) -> str:
    """Return ``host`` if it is a loopback address or ``localhost``.

    :raises NotLoopback: any other host, including 0.0.0.0 and names that are not `localhost`.
    """
    if host.lower() == "localhost":
        return host
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise NotLoopback("%r is not a loopback address: use 127.0.0.1, ::1 or localhost" % host)
    if not address.is_loopback:
        raise NotLoopback("%r is not a loopback address: use 127.0.0.1, ::1 or localhost" % host)
    return str(address)


@dataclasses.dataclass
class RecordedRequest:
    """One request the fake server received (recorded before authentication is checked)."""

    method: str
    path: str  # as sent, with the query string
    headers: dict
    client: Tuple[str, int]
    status: Optional[int] = None  # what it was answered (None while a handler still runs)

    @property
    def authorization(self) -> Optional[str]:
        return self.headers.get("Authorization")


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "peter_sslers-fakeserver/" + SERVER_VERSION
    protocol_version = "HTTP/1.1"  # keep-alive, as clients sharing a session expect
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True

    # the FakeServer this handler works for (set on the subclass made per server)
    fake: "FakeServer" = None

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if self.fake.verbose:
            sys.stderr.write("fake_server: %s - %s\n" % (self.address_string(), format % args))

    def do_GET(self):
        self._dispatch(body=True)

    def do_HEAD(self):
        self._dispatch(body=False)

    def _refuse_method(self):
        self._record = self.fake._record(self)
        self._json(405, {"result": "error", "error": "only GET and HEAD"}, True, extra_headers=[("Allow", "GET, HEAD")])

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse_method

    def end_headers(self):
        # Every answer says who sent it, the error pages of the base class included.
        self.send_header(HEADER_NAME, HEADER_VALUE)
        super().end_headers()

    # -- answers

    def _send(self, status: int, body: bytes, content_type: str, extra_headers=(), write_body=True):
        self._record.status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if write_body:
            self.wfile.write(body)

    def _json(self, status: int, payload: dict, write_body: bool, extra_headers=()):
        body = (json.dumps(payload, sort_keys=True) + "\n").encode("utf-8")
        self._send(status, body, "application/json", extra_headers, write_body)

    def _text(self, status: int, text: str, write_body: bool, content_type="text/plain; charset=utf-8"):
        self._send(status, text.encode("utf-8"), content_type, write_body=write_body)

    def _html(self, status: int, title: str, write_body: bool):
        page = "<!DOCTYPE html><html><head><title>%s</title></head><body><h1>%s</h1></body></html>\n" % (title, title)
        self._text(status, page, write_body, content_type="text/html; charset=utf-8")

    def _authorized(self) -> bool:
        if not self.fake.userpass:
            return True
        expected = "Basic " + base64.b64encode(self.fake.userpass.encode("utf-8")).decode("ascii")
        return self.headers.get("Authorization") == expected

    # -- routing

    def _dispatch(self, body: bool):
        fake = self.fake
        self._record = fake._record(self)
        path = urllib.parse.urlsplit(self.path).path
        if fake.mode == MODE_HANG:
            # Hold the request without answering: the client's time-out is what is tested.
            fake._released.wait(fake.hang_seconds)
            self.close_connection = True
            return
        if fake.mode == MODE_ERROR:
            return self._json(500, {"result": "error", "error": "fakeserver: error mode"}, body)

        reset_prefix = fake.reset_path + "/"
        is_cache = path == fake.status_path or path.startswith(reset_prefix)
        is_admin = path == "/.well-known/admin" or path.startswith("/.well-known/admin/")
        if (is_cache or is_admin) and not self._authorized():
            return self._json(
                401,
                {"result": "error", "error": "unauthorized"},
                body,
                extra_headers=[("WWW-Authenticate", 'Basic realm="peter_sslers fakeserver"')],
            )
        if is_cache:
            return self._cache_route(path, reset_prefix, body)
        if path == "/":
            return self._html(200, "peter_sslers fakeserver", body)
        if path.startswith("/.well-known/acme-challenge/"):
            token = path[len("/.well-known/acme-challenge/") :]
            if token and "/" not in token:
                return self._text(200, token, body)
        elif path == "/.well-known/public/whoami":
            return self._text(200, (self.headers.get("Host") or "").rsplit(":", 1)[0], body)
        elif is_admin:
            return self._html(200, "peter_sslers fakeserver admin: %s" % path, body)
        return self._json(404, {"result": "error", "error": "not found", "path": path}, body)

    def _cache_route(self, path: str, reset_prefix: str, body: bool):
        fake = self.fake
        if path == fake.status_path:
            answer = {"counts": fake.counts()}
        elif path == reset_prefix + "all":
            answer = {"expired": "all"}
        elif path.startswith(reset_prefix + "domain/") and len(path) > len(reset_prefix + "domain/"):
            answer = {"expired": "domain", "domain": urllib.parse.unquote(path[len(reset_prefix + "domain/") :])}
        else:
            return self._json(404, {"result": "error", "error": "not found", "path": path}, body)
        if fake.mode == MODE_NOT_JSON:
            return self._html(200, "not json", body)
        if fake.mode == MODE_RESULT_ERROR:
            return self._json(200, {"result": "error", "error": "fakeserver: result_error mode"}, body)
        answer.update({"result": "success", "server": SERVER_NAME, "server_version": SERVER_VERSION})
        fake._count(answer)
        return self._json(200, answer, body)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # the FakeServer this server works for, and its TLS context (None for plain HTTP)
    fake: "FakeServer" = None
    tls_context: Optional[ssl.SSLContext] = None

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the request's own thread, so a client that never
        # completes it cannot hold up the accept loop.
        if self.tls_context is not None:
            try:
                request.settimeout(10)
                request = self.tls_context.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError):
                # a client that refused our certificate: the client side reports it
                request.close()
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        # Clients that hang up (time-outs in the tests) are expected; say nothing unless asked.
        if self.fake is not None and self.fake.verbose:
            super().handle_error(request, client_address)


class FakeServer:
    """The fake server, in a background thread.

    :param host: a loopback address (checked: :class:`NotLoopback` otherwise).
    :param port: 0 picks a free port (read it from ``port`` or ``url`` after ``start()``).
    :param userpass: ``username:password`` the admin and cache routes require (401 otherwise).
    :param tls: ``(cert_file, key_file)`` to serve HTTPS.
    :param hang_seconds: how long ``MODE_HANG`` holds a request at most.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        userpass: Optional[str] = None,
        tls: Optional[Tuple[str, str]] = None,
        reset_path: str = DEFAULT_RESET_PATH,
        status_path: str = DEFAULT_STATUS_PATH,
        mode: str = MODE_OK,
        hang_seconds: float = 30.0,
        verbose: bool = False,
    ):
        self.host = check_loopback_host(host)
        self.requested_port = port
        if userpass is not None and ":" not in userpass:
            raise ValueError("userpass must be `username:password`")
        self.userpass = userpass
        self.tls = tls
        self.reset_path = reset_path.rstrip("/")
        self.status_path = status_path
        self.mode = mode
        self.hang_seconds = hang_seconds
        self.verbose = verbose
        self._lock = threading.Lock()
        self._requests: List[RecordedRequest] = []
        self._counts = {"expire_all": 0, "expire_domain": 0}
        self._released = threading.Event()
        self._httpd: Optional[_HTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError("mode must be one of %s" % ", ".join(MODES))
        self._mode = value

    # -- life cycle

    def _make_httpd(self) -> _HTTPServer:
        handler = type("Handler", (_Handler,), {"fake": self})
        server_class = _HTTPServer
        if ":" in self.host:
            server_class = type("HTTPServer6", (_HTTPServer,), {"address_family": socket.AF_INET6})
        httpd = server_class((self.host, self.requested_port), handler)
        httpd.fake = self
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            httpd.tls_context = context
        return httpd

    def bind(self) -> "FakeServer":
        """Open the listening socket (``port`` and ``url`` are known from here on)."""
        if self._httpd is None:
            self._released.clear()
            self._httpd = self._make_httpd()
        return self

    def start(self) -> "FakeServer":
        """Serve in a background thread."""
        self.bind()
        # a short poll interval: stop() waits for the loop to notice, and tests stop many servers
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake_server", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the command line)."""
        self.bind()
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()
            self._httpd = None

    def stop(self) -> None:
        self._released.set()  # let hung handlers go
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- where it is

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s://%s:%s" % ("https" if self.tls else "http", host, self.port)

    # -- what it received

    def _record(self, handler: _Handler) -> RecordedRequest:
        record = RecordedRequest(
            method=handler.command,
            path=handler.path,
            headers=dict(handler.headers.items()),
            client=handler.client_address[:2],
        )
        with self._lock:
            self._requests.append(record)
        return record

    def _count(self, answer: dict) -> None:
        with self._lock:
            if answer.get("expired") == "all":
                self._counts["expire_all"] += 1
            elif answer.get("expired") == "domain":
                self._counts["expire_domain"] += 1

    def counts(self) -> dict:
        with self._lock:
            return dict(self._counts)

    @property
    def requests(self) -> List[RecordedRequest]:
        """A copy of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def paths(self) -> List[str]:
        return [r.path for r in self.requests]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()


def _parse_args(argv=None):
    parser = argparse.ArgumentParser(description="A stand-in for peter_sslers and its OpenResty edge, on loopback.")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %s; 0 picks a free port" % DEFAULT_PORT)
    parser.add_argument("--userpass", help="username:password the admin and cache routes require")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS with this certificate and key")
    parser.add_argument("--reset-path", default=DEFAULT_RESET_PATH)
    parser.add_argument("--status-path", default=DEFAULT_STATUS_PATH)
    parser.add_argument("--mode", default=MODE_OK, choices=MODES, help="what to answer (default ok)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = _parse_args(argv)
    try:
        server = FakeServer(
            host=args.host,
            port=args.port,
            userpass=args.userpass,
            tls=tuple(args.tls) if args.tls else None,
            reset_path=args.reset_path,
            status_path=args.status_path,
            mode=args.mode,
            verbose=not args.quiet,
        )
        server.bind()
    except NotLoopback as exc:
        sys.stderr.write("fake_server: refused: %s\n" % exc)
        return 2
    except (OSError, ValueError, ssl.SSLError) as exc:
        sys.stderr.write("fake_server: cannot start: %s\n" % exc)
        return 1
    # The first line says where it listens (tests started with --port 0 read the port from it).
    sys.stdout.write("fake_server: listening on %s\n" % server.url)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
