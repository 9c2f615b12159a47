"""A loopback HTTPS proxy in front of a real pebble, for the tests and the simulation.

It listens on a 127.0.0.1 port the OS picks with pebble's own listener certificate (so a client that trusts
pebble's CA bundle trusts the proxy) and forwards every request to pebble unchanged, keeping the
client's ``Host`` header: pebble builds every URL it hands out (and checks every JWS ``url``) from
that header, so the whole ACME exchange stays on the proxy with no rewriting.

A subclass changes the exchange through three hooks:

* :meth:`PebbleFrontProxy.answer`: answer a request itself (``(status, body, headers)``), unforwarded;
* :meth:`PebbleFrontProxy.rewrite`: change pebble's answer body (the ARI proxy adds ``renewalInfo``
  to the directory);
* :meth:`PebbleFrontProxy.forward_failed`: pebble did not answer (the proxy answers 502).

Users: ``tests/ari_proxy.py`` (ACME Renewal Information on a pebble without it) and
``bench/sim_faultproxy.py`` (injected 500s, 503s and outages for ``make simulate``).
"""

import http.server
import os
import ssl
import threading
from typing import List
from typing import Optional
from typing import Tuple

import requests

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}
Answer = Tuple[int, bytes, List[Tuple[str, str]]]


class PebbleFrontProxy:
    """Forward to the pebble on ``pebble_port`` (its files in ``pebble_workdir``: ``cert.pem``,
    ``key.pem``; ``ca_bundle_path`` verifies it). ``timeout``: seconds for pebble's answer."""

    name = "pebble-front-proxy"

    def __init__(self, pebble_port: int, pebble_workdir: str, ca_bundle_path: str, timeout: float = 60):
        self.pebble_ca_bundle_path = ca_bundle_path
        self.timeout = timeout
        self._pebble_base = "https://127.0.0.1:%d" % pebble_port
        self._local = threading.local()  # a requests.Session per handler thread
        # port 0: the OS picks a free port at the bind itself (no window for another bind to take it)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self._server.server_address[1]
        self._server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(pebble_workdir, "cert.pem"), os.path.join(pebble_workdir, "key.pem"))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.name, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return "https://127.0.0.1:%d" % self.port

    @property
    def directory_url(self) -> str:
        return self.base_url + "/dir"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- the hooks

    def answer(self, method: str, path: str, body: bytes) -> Optional[Answer]:
        """Answer this request here (not forwarded), or None to forward it."""
        return None

    def rewrite(self, method: str, path: str, status: int, content: bytes) -> bytes:
        """pebble's answer body, as the client gets it."""
        return content

    def forward_failed(self, exc: Exception) -> None:
        """pebble did not answer (the client gets a 502)."""

    # --- forwarding

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
                answered = proxy.answer(self.command, self.path, body)
                if answered is not None:
                    self._reply(*answered)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                try:
                    response = proxy._session().request(
                        self.command,
                        proxy._pebble_base + self.path,
                        data=body or None,
                        headers=headers,  # Host included: pebble makes its URLs from it
                        verify=proxy.pebble_ca_bundle_path,
                        allow_redirects=False,
                        timeout=proxy.timeout,
                    )
                except requests.RequestException as exc:
                    proxy.forward_failed(exc)
                    self._reply(502, str(exc).encode(), [("Content-Type", "text/plain")])
                    return
                content = proxy.rewrite(self.command, self.path, response.status_code, response.content)
                headers_out = []
                for name in response.raw.headers:
                    for value in response.raw.headers.getlist(name):
                        headers_out.append((name, value))
                self._reply(response.status_code, content, headers_out)

            do_GET = _handle
            do_HEAD = _handle
            do_POST = _handle

        return Handler
