"""A stand-in for peter_sslers' admin on loopback: a tiny real HTTP(S) server whose answers a test sets.

The Lua handler's fallback asks ``GET {fallback_url}/domain/{name}/config.json?openresty=1``. Most
edge tests point it at the real peter_sslers app; these tests need answers the app cannot give on
demand (a payload with ``serve``, a certificate already expired, a 404 from something that is not
peter_sslers, a payload about another domain, a slow answer), so they run this server instead.

It is a real server on a free loopback port (``ThreadingHTTPServer``, optionally behind TLS), and it
records every request it receives (the raw request line, the path, the domain name asked for, when)
and how many requests were in flight at once.
"""

import http.server
import json
import ssl
import threading
import time
import urllib.parse
from typing import Callable
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

# what a test answers for a path: (status, headers, body); body is bytes, str or a JSON-able value
Answer = Tuple[int, Dict[str, str], object]

PETER_SSLERS_HEADERS = {"X-Peter-SSLers": "production", "Content-Type": "application/json"}


def peter_sslers_answer(payload: dict, status: int = 200) -> Answer:
    """An answer with the header every peter_sslers response carries."""
    return status, dict(PETER_SSLERS_HEADERS), payload


def peter_sslers_not_found(name: str) -> Answer:
    """What peter_sslers answers for a name it does not know (its JSON error envelope)."""
    return peter_sslers_answer(
        {"result": "error", "status": 404, "error": "Not Found", "message": "The Domain `%s` was not found." % name, "form_errors": {"Error_Main": "The Domain `%s` was not found." % name}},
        status=404,
    )


def certificate_payload(leaf: dict, cert_id: int, not_after: Optional[str] = None) -> dict:
    """The config.json shape of one certificate (``leaf``: ``mint_leaf()``'s cert, chain, key)."""
    payload = {
        "id": str(cert_id),
        "private_key": {"id": str(cert_id + 1000), "pem": leaf["key"]},
        "certificate": {"id": str(cert_id), "pem": leaf["cert"]},
        "chain": {"id": "1", "pem": leaf["chain"]},
        "fullchain": {"id": "%s,1" % cert_id, "pem": leaf["cert"] + leaf["chain"]},
    }
    if not_after is not None:
        payload["timestamp_not_after"] = not_after
    return payload


def domain_payload(name: str, single: Optional[dict] = None, multi: Optional[dict] = None, **extra) -> dict:
    """A domain's config.json payload; ``extra`` adds keys (``serve=...``)."""
    payload = {
        "domain": {"id": "7", "domain_name": name, "is_active": True},
        "certificate_signed__latest_single": single,
        "certificate_signed__latest_multi": multi,
    }
    payload.update(extra)
    return payload


class StandIn:
    """The server. ``answers`` maps a domain name (the ``{name}`` of the config.json path, decoded) to
    an :data:`Answer` or to a callable returning one; unknown names get peter_sslers' 404.

    :param delay: seconds each answer waits before it is sent (to hold requests in flight).
    :param tls: ``(cert_path, key_path)`` to serve HTTPS.
    """

    def __init__(self, delay: float = 0.0, tls: Optional[Tuple[str, str]] = None):
        self.answers: Dict[str, object] = {}
        self.default: Optional[Callable[[str], Answer]] = None
        self.delay = delay
        self.requests: List[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep the test output clean
                pass

            def do_GET(self):
                standin._handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def admin(self) -> str:
        """What FALLBACK_URL points at."""
        return "%s://127.0.0.1:%d/.well-known/admin" % (self.scheme, self.port)

    def names_asked(self) -> List[str]:
        return [r["name"] for r in self.requests if r["name"] is not None]

    def _handle(self, handler) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            path = urllib.parse.urlsplit(handler.path).path
            prefix, _, rest = path.partition("/domain/")
            name = None
            if prefix == "/.well-known/admin" and rest.endswith("/config.json"):
                name = urllib.parse.unquote(rest[: -len("/config.json")])
            self.requests.append(
                {
                    "requestline": handler.requestline,
                    "path": handler.path,
                    "name": name,
                    "time": time.monotonic(),
                    "wall": time.time(),
                }
            )
        try:
            if self.delay:
                time.sleep(self.delay)
            answer = self.answers.get(name) if name is not None else None
            if answer is None:
                answer = self.default(name) if self.default else peter_sslers_not_found(name or "")
            if callable(answer):
                answer = answer()
            status, headers, body = answer
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode("utf-8")
        finally:
            # counted out before the answer is sent: once the client has it, it may send the next
            # request at once, and that one must not look concurrent with this one
            with self._lock:
                self.in_flight -= 1
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def raw_sni_handshake(port: int, server_name: bytes, timeout: float = 10.0) -> bytes:
    """The leaf DER served for an SNI of arbitrary bytes (Python's ``ssl`` refuses names such as
    ``b"x.example.com\\n"``): ``openssl s_client`` sends whatever it is given."""
    import subprocess

    from tests.edge.nginx import pem_to_der_list

    result = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", server_name],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
    )
    chain = pem_to_der_list(result.stdout.decode("ascii", "replace"))
    if not chain:
        raise AssertionError("openssl s_client got no certificate:\n%r\n%r" % (result.stdout, result.stderr))
    return chain[0]
