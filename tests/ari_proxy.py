"""A loopback HTTPS proxy in front of a real pebble that adds ACME Renewal Information (RFC 9773).

Debian's pebble 2.4 has no ARI. :class:`AriProxy` listens on a free loopback port with pebble's own
listener certificate (so ``pebble.ca_bundle_path`` trusts it too) and forwards every request to
pebble unchanged, keeping the client's ``Host`` header: pebble builds every URL it hands out (and
checks every JWS ``url``) from that header, so the whole exchange stays on the proxy with no
rewriting. The proxy itself only:

* adds ``renewalInfo`` (``https://127.0.0.1:<port>/renewal-info``) to the directory, unless
  ``offer_ari`` is False (then the directory passes through untouched: "a server without ARI");
* answers ``GET /renewal-info/<certID>`` with :attr:`window` (``(start, end)`` aware datetimes,
  default: from now to a day later), ``explanationURL`` and a ``Retry-After`` of :attr:`retry_after`;
  :attr:`renewal_info_status` other than 200 answers that status with a problem document instead;
* records the (decoded) JWS payload of every newOrder POST in :attr:`new_orders`, and the certificate
  ids asked for in :attr:`renewal_info_requests`.

Pebble 2.4 ignores the unknown ``replaces`` field of a newOrder (Go's JSON decoding), so it is passed
through as sent. :attr:`refuse_replaces` makes the proxy answer a newOrder carrying ``replaces`` with
RFC 9773's ``alreadyReplaced`` problem (409) without forwarding it, to test the client's retry.
:attr:`new_order_answer` ``(status, problem, headers)`` answers every newOrder with that, unforwarded
(a CA's ``rateLimited`` 429 or a 503 with ``Retry-After``: tests/lib/test_rate_limits_pebble.py).

Fixture: ``ari_proxy`` (function scope) in front of the session's ``pebble_always_valid``.
"""

import base64
import datetime
import http.server
import json
import os
import ssl
import threading
from typing import List
from typing import Optional
from typing import Tuple

import pytest
import requests

from tests.pebble import free_port

RENEWAL_INFO_PATH = "/renewal-info"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


def _b64url_json(text: str):
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


class AriProxy:
    def __init__(self, pebble, offer_ari: bool = True):
        self.pebble = pebble
        self.offer_ari = offer_ari
        self.port = free_port()
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.window: Tuple[datetime.datetime, datetime.datetime] = (now, now + datetime.timedelta(days=1))
        self.explanation_url: Optional[str] = "https://example.com/ari-explained"
        self.retry_after = 21600
        self.renewal_info_status = 200
        self.refuse_replaces = False
        # (status, problem or None, headers): answer every newOrder with it, unforwarded (a CA's rateLimited)
        self.new_order_answer: Optional[Tuple[int, Optional[dict], dict]] = None
        self.new_orders: List[dict] = []
        self.renewal_info_requests: List[str] = []
        self.directory_requests = 0
        self._pebble_base = "https://127.0.0.1:%d" % pebble.port
        self._session = requests.Session()
        self._session.trust_env = False
        self._new_order_path: Optional[str] = None
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(
            os.path.join(pebble.workdir, "cert.pem"), os.path.join(pebble.workdir, "key.pem")
        )
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return "https://127.0.0.1:%d" % self.port

    @property
    def directory_url(self) -> str:
        return self.base_url + "/dir"

    @property
    def ca_bundle_path(self) -> str:
        return self.pebble.ca_bundle_path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._session.close()

    # --- the handler

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

            def _renewal_info(self) -> None:
                cert_id = self.path[len(RENEWAL_INFO_PATH) :].strip("/")
                proxy.renewal_info_requests.append(cert_id)
                if proxy.renewal_info_status != 200:
                    problem = {"type": "urn:ietf:params:acme:error:serverInternal", "detail": "ARI is down"}
                    self._reply(
                        proxy.renewal_info_status,
                        json.dumps(problem).encode(),
                        [("Content-Type", "application/problem+json")],
                    )
                    return
                start, end = proxy.window
                body = {
                    "suggestedWindow": {
                        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                }
                if proxy.explanation_url:
                    body["explanationURL"] = proxy.explanation_url
                self._reply(
                    200,
                    json.dumps(body).encode(),
                    [("Content-Type", "application/json"), ("Retry-After", str(proxy.retry_after))],
                )

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path
                if self.command == "POST" and path == proxy._new_order_path and body:
                    payload = _b64url_json(json.loads(body)["payload"])
                    proxy.new_orders.append(payload)
                    if proxy.new_order_answer is not None:
                        status, problem, extra = proxy.new_order_answer
                        body = json.dumps(problem).encode() if problem is not None else b"busy"
                        kind = "application/problem+json" if problem is not None else "text/plain"
                        self._reply(status, body, [("Content-Type", kind)] + list(extra.items()))
                        return
                    if proxy.refuse_replaces and "replaces" in payload:
                        problem = {
                            "type": "urn:ietf:params:acme:error:alreadyReplaced",
                            "detail": "the certificate was already replaced",
                        }
                        self._reply(409, json.dumps(problem).encode(), [("Content-Type", "application/problem+json")])
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                response = proxy._session.request(
                    self.command,
                    proxy._pebble_base + path,
                    data=body or None,
                    headers=headers,  # Host included: pebble makes its URLs from it
                    verify=proxy.pebble.ca_bundle_path,
                    allow_redirects=False,
                    timeout=30,
                )
                content = response.content
                if path == "/dir" and response.status_code == 200:
                    proxy.directory_requests += 1
                    directory = response.json()
                    proxy._new_order_path = directory["newOrder"][len(proxy.base_url) :]
                    if proxy.offer_ari:
                        directory["renewalInfo"] = proxy.base_url + RENEWAL_INFO_PATH
                    content = json.dumps(directory).encode()
                headers_out = []
                for name in response.raw.headers:
                    for value in response.raw.headers.getlist(name):
                        headers_out.append((name, value))
                self._reply(response.status_code, content, headers_out)

            def do_GET(self):
                if self.path.startswith(RENEWAL_INFO_PATH + "/") and proxy.offer_ari:
                    self._renewal_info()
                else:
                    self._forward()

            def do_HEAD(self):
                self._forward()

            def do_POST(self):
                self._forward()

        return Handler


@pytest.fixture
def ari_proxy(pebble_always_valid):
    proxy = AriProxy(pebble_always_valid)
    yield proxy
    proxy.close()


@pytest.fixture
def no_ari_proxy(pebble_always_valid):
    """The same proxy with the directory left as pebble's: no renewalInfo."""
    proxy = AriProxy(pebble_always_valid, offer_ari=False)
    yield proxy
    proxy.close()
