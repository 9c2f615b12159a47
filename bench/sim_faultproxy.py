"""A loopback HTTPS proxy in front of a real pebble that injects server errors (for ``simulate.py``).

It listens on a free loopback port with pebble's own listener certificate (so the client trusts it
with pebble's CA bundle) and forwards every request to pebble unchanged, keeping the client's
``Host`` header: pebble builds every URL it hands out from that header, so the whole ACME exchange
stays on the proxy without any rewriting.

Faults, decided per request before it is forwarded (pebble never sees a refused request):

* ``rate_500``: the share of requests answered ``500`` with an ACME ``serverInternal`` problem (the
  client does not retry a 500: the order fails, the renewal item fails, cron tries again later);
* ``rate_503``: the share answered ``503`` with ``Retry-After: 0`` (the client retries a 503);
* ``outages``: ``(start, end)`` pairs of ``time.time()`` seconds during which every request gets a
  503 (a CA that is down for a while).

It counts what passed through (:attr:`counts`), including pebble's own ``badNonce`` rejections
(``PEBBLE_WFE_NONCEREJECT``), which it forwards untouched.
"""

import http.server
import json
import os
import random
import socket
import ssl
import threading
import time
from typing import Dict
from typing import List
from typing import Tuple

import requests

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FaultProxy:
    def __init__(self, pebble, rate_500: float = 0.0, rate_503: float = 0.0, seed: int = 0):
        self.pebble = pebble
        self.rate_500 = rate_500
        self.rate_503 = rate_503
        self.outages: List[Tuple[float, float]] = []
        self.counts: Dict[str, int] = {
            "requests": 0,
            "injected_500": 0,
            "injected_503": 0,
            "outage_503": 0,
            "bad_nonce": 0,
            "forward_errors": 0,
        }
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._pebble_base = "https://127.0.0.1:%d" % pebble.port
        self.port = free_port()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(pebble.workdir, "cert.pem"), os.path.join(pebble.workdir, "key.pem"))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def directory_url(self) -> str:
        return "https://127.0.0.1:%d/dir" % self.port

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    def _fault(self):
        """None, or ``(status, counter)`` for a request to refuse now."""
        now = time.time()
        with self._lock:
            self.counts["requests"] += 1
            if any(start <= now < end for start, end in self.outages):
                self.counts["outage_503"] += 1
                return 503
            draw = self._random.random()
            if draw < self.rate_500:
                self.counts["injected_500"] += 1
                return 500
            if draw < self.rate_500 + self.rate_503:
                self.counts["injected_503"] += 1
                return 503
        return None

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # loopback only, exactly pebble's CA
            self._local.session = session
        return session

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: bytes, headers) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status = proxy._fault()
                if status is not None:
                    problem = {
                        "type": "urn:ietf:params:acme:error:serverInternal",
                        "detail": "injected by the simulation's fault proxy",
                        "status": status,
                    }
                    headers = [("Content-Type", "application/problem+json"), ("Cache-Control", "no-store")]
                    if status == 503:
                        headers.append(("Retry-After", "0"))
                    self._reply(status, json.dumps(problem).encode(), headers)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                try:
                    response = proxy._session().request(
                        self.command,
                        proxy._pebble_base + self.path,
                        data=body or None,
                        headers=headers,  # Host included: pebble makes its URLs from it
                        verify=proxy.pebble.ca_bundle_path,
                        allow_redirects=False,
                        timeout=60,
                    )
                except requests.RequestException as exc:
                    proxy._count("forward_errors")
                    self._reply(502, str(exc).encode(), [("Content-Type", "text/plain")])
                    return
                content = response.content
                if response.status_code == 400 and b"badNonce" in content:
                    proxy._count("bad_nonce")
                headers_out = []
                for name in response.raw.headers:
                    for value in response.raw.headers.getlist(name):
                        headers_out.append((name, value))
                self._reply(response.status_code, content, headers_out)

            do_GET = _handle
            do_HEAD = _handle
            do_POST = _handle

        return Handler


# --- the proxies in a process of their own (the simulation's Python process is busy enough)


class _PebbleInfo:
    def __init__(self, port: int, workdir: str, ca_bundle_path: str):
        self.port = port
        self.workdir = workdir
        self.ca_bundle_path = ca_bundle_path


def _serve(conn, pebbles: dict, seed: int) -> None:
    proxies = {}
    for index, (label, info) in enumerate(sorted(pebbles.items())):
        proxies[label] = FaultProxy(_PebbleInfo(*info), seed=seed + index)
    conn.send({label: proxy.port for label, proxy in proxies.items()})
    while True:
        try:
            command, payload = conn.recv()
        except (EOFError, OSError):  # the simulation is gone: so are we
            command, payload = "stop", None
        if command == "configure":
            for label, (rate_500, rate_503, outages) in payload.items():
                proxy = proxies[label]
                with proxy._lock:
                    proxy.rate_500, proxy.rate_503, proxy.outages = rate_500, rate_503, list(outages)
            conn.send(None)
        elif command == "counts":
            conn.send({label: dict(proxy.counts) for label, proxy in proxies.items()})
        else:
            for proxy in proxies.values():
                proxy.close()
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
            return


class ProxyProcess:
    """One :class:`FaultProxy` per pebble, served by a child process; controlled through a pipe."""

    def __init__(self, pebbles: dict, seed: int = 0):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        info = {label: (p.port, p.workdir, p.ca_bundle_path) for label, p in pebbles.items()}
        self.process = context.Process(target=_serve, args=(child, info, seed), name="fault-proxies", daemon=True)
        self.process.start()
        self.ports = self._conn.recv()

    def directory_url(self, label: str) -> str:
        return "https://127.0.0.1:%d/dir" % self.ports[label]

    def configure(self, settings: dict) -> None:
        """``{label: (rate_500, rate_503, [(start, end), ...])}``."""
        self._conn.send(("configure", settings))
        self._conn.recv()

    def counts(self) -> dict:
        self._conn.send(("counts", None))
        return self._conn.recv()

    def close(self) -> None:
        if self.process.is_alive():
            try:
                self._conn.send(("stop", None))
                self._conn.recv()
            except (OSError, EOFError):
                pass
            self.process.join(timeout=10)
            if self.process.is_alive():
                self.process.terminate()
