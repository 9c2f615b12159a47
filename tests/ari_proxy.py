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
import json
from typing import List
from typing import Optional
from typing import Tuple

import pytest

from tools.pebble_front_proxy import Answer
from tools.pebble_front_proxy import PebbleFrontProxy

RENEWAL_INFO_PATH = "/renewal-info"


def _b64url_json(text: str):
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _problem(status: int, type_: str, detail: str) -> Answer:
    return status, json.dumps({"type": type_, "detail": detail}).encode(), [("Content-Type", "application/problem+json")]


class AriProxy(PebbleFrontProxy):
    name = "ari-proxy"

    def __init__(self, pebble, offer_ari: bool = True):
        self.pebble = pebble
        self.offer_ari = offer_ari
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
        self._new_order_path: Optional[str] = None
        super().__init__(pebble.port, pebble.workdir, pebble.ca_bundle_path, timeout=30)

    @property
    def ca_bundle_path(self) -> str:
        return self.pebble.ca_bundle_path

    def _renewal_info(self, path: str) -> Answer:
        cert_id = path[len(RENEWAL_INFO_PATH) :].strip("/")
        self.renewal_info_requests.append(cert_id)
        if self.renewal_info_status != 200:
            return _problem(self.renewal_info_status, "urn:ietf:params:acme:error:serverInternal", "ARI is down")
        start, end = self.window
        body = {
            "suggestedWindow": {
                "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        }
        if self.explanation_url:
            body["explanationURL"] = self.explanation_url
        return 200, json.dumps(body).encode(), [("Content-Type", "application/json"), ("Retry-After", str(self.retry_after))]

    def answer(self, method: str, path: str, body: bytes) -> Optional[Answer]:
        if method == "GET" and path.startswith(RENEWAL_INFO_PATH + "/") and self.offer_ari:
            return self._renewal_info(path)
        if method == "POST" and path == self._new_order_path and body:
            payload = _b64url_json(json.loads(body)["payload"])
            self.new_orders.append(payload)
            if self.new_order_answer is not None:
                status, problem, extra = self.new_order_answer
                text = json.dumps(problem).encode() if problem is not None else b"busy"
                kind = "application/problem+json" if problem is not None else "text/plain"
                return status, text, [("Content-Type", kind)] + list(extra.items())
            if self.refuse_replaces and "replaces" in payload:
                return _problem(409, "urn:ietf:params:acme:error:alreadyReplaced", "the certificate was already replaced")
        return None

    def rewrite(self, method: str, path: str, status: int, content: bytes) -> bytes:
        if path == "/dir" and status == 200:
            self.directory_requests += 1
            directory = json.loads(content)
            self._new_order_path = directory["newOrder"][len(self.base_url) :]
            if self.offer_ari:
                directory["renewalInfo"] = self.base_url + RENEWAL_INFO_PATH
            content = json.dumps(directory).encode()
        return content


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
