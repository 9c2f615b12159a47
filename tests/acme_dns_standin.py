"""A small server speaking acme-dns's HTTP API, for the tests (acme-dns itself is not packaged).

It follows acme-dns's own behaviour (its api.go, auth.go, validation.go):

* ``POST /register``: optional JSON body ``{"allowfrom": [...]}``; a body that is not JSON is
  400 ``malformed_json_payload``, a bad CIDR 400 ``invalid_allowfrom_cidr``; else 201 with
  ``{username (UUID), password (40 chars), fulldomain, subdomain (UUID), allowfrom}``.
* ``POST /update``: ``X-Api-User`` must be a UUID, ``X-Api-Key`` 40 base64url characters, the user
  must exist with that key, the client's address must be inside its ``allowfrom`` (when any),
  and the JSON ``subdomain`` must be the user's: otherwise 401 ``forbidden``. Then a subdomain
  that is not one label is 400 ``bad_subdomain``, a TXT that is not 43 base64url characters 400
  ``bad_txt``; else 200 ``{"txt": ...}``. Each subdomain keeps its two newest TXT values.
* ``GET /health``: 200.

The TXT values stay in memory (``txt_values(fulldomain)``). ``on_update`` is the hook for a real
DNS server: ``on_update(fulldomain, values)`` is called after each update with the subdomain's
current values (newest last); the RFC 2136 fixture (bind9) plugs in there to write them into its
zone, so pebble's dns-01 validation sees them. ``fail_status`` makes every API call answer that
status (a failing server).

``CnameDnsStub`` is a tiny authoritative DNS server (dnspython, UDP, loopback) answering CNAME
queries from a dict: the CNAME audit's resolver in the tests (``acme_dns_audit_resolver``).

``Rfc2136TxtWriter`` is the ``on_update`` that writes to a real DNS server: the TXT record of each
``fulldomain`` in the server's zone holds the subdomain's two newest values, as acme-dns serves
them. With ``tests/bind9.py``: ``AcmeDnsStandin(domain="auth.example.test",
on_update=Rfc2136TxtWriter(bind9.rfc2136_server()))``, plus the CNAME
``_acme-challenge.<name>`` -> ``fulldomain`` (``bind9.add_record``), and pebble started with
``-dnsserver`` at bind9 follows the CNAME to the values.
"""

import http.server
import ipaddress
import json
import re
import secrets
import socket
import threading
import uuid
from typing import Callable
from typing import Dict
from typing import List
from typing import Optional

RE_KEY = re.compile(r"^[A-Za-z0-9_-]{40}$")
RE_TXT = re.compile(r"^[A-Za-z0-9_-]{43}$")
RE_SUBDOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz1234567890-_"


class AcmeDnsStandin:
    def __init__(self, domain: str = "auth.acme-dns.test", on_update: Optional[Callable] = None):
        self.domain = domain
        self.on_update = on_update
        self.fail_status: Optional[int] = None
        self.users: Dict[str, dict] = {}
        self.records: Dict[str, List[str]] = {}
        self.requests: List[tuple] = []  # (method, path, headers): what clients sent
        self.lock = threading.Lock()
        self._server = None
        self._thread = None

    # --- lifecycle

    def start(self) -> "AcmeDnsStandin":
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                standin._handle(self, "GET")

            def do_POST(self):
                standin._handle(self, "POST")

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    def reset(self) -> None:
        with self.lock:
            self.users.clear()
            self.records.clear()
            self.requests.clear()
            self.fail_status = None

    # --- what tests read

    def txt_values(self, fulldomain: str) -> List[str]:
        subdomain = fulldomain.split(".", 1)[0]
        with self.lock:
            return list(self.records.get(subdomain, []))

    # --- the API

    def _answer(self, handler, status: int, body: Optional[dict]) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        if body is not None:
            handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self.lock:
            self.requests.append((method, handler.path, dict(handler.headers)))
        if self.fail_status is not None:
            return self._answer(handler, self.fail_status, {"error": "db_error"})
        if method == "GET" and handler.path == "/health":
            return self._answer(handler, 200, None)
        if method == "POST" and handler.path == "/register":
            return self._register(handler, body)
        if method == "POST" and handler.path == "/update":
            return self._update(handler, body)
        return self._answer(handler, 404, {"error": "not_found"})

    def _register(self, handler, body: bytes) -> None:
        allowfrom = []
        if body:
            try:
                payload = json.loads(body)
                allowfrom = payload.get("allowfrom") or [] if isinstance(payload, dict) else []
            except ValueError:
                return self._answer(handler, 400, {"error": "malformed_json_payload"})
        try:
            allowfrom = [str(ipaddress.ip_network(str(a).strip("[]"), strict=False)) for a in allowfrom]
        except ValueError:
            return self._answer(handler, 400, {"error": "invalid_allowfrom_cidr"})
        username = str(uuid.uuid4())
        password = "".join(secrets.choice(_ALPHABET) for _ in range(40))
        subdomain = str(uuid.uuid4())
        with self.lock:
            self.users[username] = {"password": password, "subdomain": subdomain, "allowfrom": allowfrom}
            self.records[subdomain] = []
        return self._answer(
            handler,
            201,
            {
                "username": username,
                "password": password,
                "fulldomain": "%s.%s" % (subdomain, self.domain),
                "subdomain": subdomain,
                "allowfrom": allowfrom,
            },
        )

    def _authorized_user(self, handler, payload) -> Optional[dict]:
        username = handler.headers.get("X-Api-User", "")
        key = handler.headers.get("X-Api-Key", "")
        try:
            username = str(uuid.UUID(username))
        except ValueError:
            return None
        if not RE_KEY.match(key):
            return None
        with self.lock:
            user = self.users.get(username)
        if user is None or not secrets.compare_digest(user["password"], key):
            return None
        if user["allowfrom"]:
            remote = ipaddress.ip_address(handler.client_address[0])
            if not any(remote in ipaddress.ip_network(n) for n in user["allowfrom"]):
                return None
        if not isinstance(payload, dict) or payload.get("subdomain") != user["subdomain"]:
            return None
        return user

    def _update(self, handler, body: bytes) -> None:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        user = self._authorized_user(handler, payload)
        if user is None:
            return self._answer(handler, 401, {"error": "forbidden"})
        subdomain = payload.get("subdomain")
        txt = payload.get("txt")
        if not isinstance(subdomain, str) or not RE_SUBDOMAIN.match(subdomain):
            return self._answer(handler, 400, {"error": "bad_subdomain"})
        if not isinstance(txt, str) or not RE_TXT.match(txt):
            return self._answer(handler, 400, {"error": "bad_txt"})
        with self.lock:
            values = (self.records.get(subdomain, []) + [txt])[-2:]  # acme-dns rotates two records
            self.records[subdomain] = values
        if self.on_update is not None:
            try:
                self.on_update("%s.%s" % (subdomain, self.domain), list(values))
            except Exception:  # acme-dns answers 500 when it cannot store the value
                return self._answer(handler, 500, {"error": "db_error"})
        return self._answer(handler, 200, {"txt": txt})


class Rfc2136TxtWriter:
    """An ``on_update`` writing each fulldomain's current values into a DNS zone through RFC 2136
    (``lib.dns01`` with the zone's TSIG key): new values are added first, then the values acme-dns
    no longer keeps are deleted, so the record is never empty between two values.

    :param server: a ``lib.dns01.Rfc2136Server`` whose zone encloses the stand-in's domain.
    """

    def __init__(self, server, ttl: int = 60):
        self.server = server
        self.ttl = ttl
        self.written: Dict[str, List[str]] = {}  # fulldomain -> the values in the zone
        self.lock = threading.Lock()

    def __call__(self, fulldomain: str, values: List[str]) -> None:
        with self.lock:
            before = self.written.get(fulldomain, [])
            for value in values:
                if value not in before:
                    self.server.add_txt(fulldomain, value, self.ttl)
            for value in before:
                if value not in values:
                    self.server.delete_txt(fulldomain, value)
            self.written[fulldomain] = list(values)

    def clear(self) -> None:
        """Delete every value written (a module's teardown)."""
        with self.lock:
            for fulldomain, values in self.written.items():
                for value in values:
                    self.server.delete_txt(fulldomain, value)
            self.written.clear()


class CnameDnsStub:
    """A loopback UDP DNS server answering CNAME queries from ``cnames`` ({name: target}); any
    other name is NXDOMAIN. Names without the final dot, lower-case."""

    def __init__(self):
        self.cnames: Dict[str, str] = {}
        self._socket = None
        self._thread = None
        self._running = False

    def start(self) -> "CnameDnsStub":
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    @property
    def address(self) -> str:
        return "127.0.0.1:%d" % self._socket.getsockname()[1]

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(2)
        if self._socket is not None:
            self._socket.close()

    def _serve(self) -> None:
        import dns.flags
        import dns.message
        import dns.rcode
        import dns.rdataclass
        import dns.rdatatype
        import dns.rrset

        while self._running:
            try:
                data, peer = self._socket.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                query = dns.message.from_wire(data)
            except Exception:
                continue
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            question = query.question[0]
            name = question.name.to_text(omit_final_dot=True).lower()
            target = self.cnames.get(name)
            if target is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype in (dns.rdatatype.CNAME, dns.rdatatype.ANY, dns.rdatatype.TXT):
                response.answer.append(
                    dns.rrset.from_text(question.name, 60, dns.rdataclass.IN, dns.rdatatype.CNAME, target + ".")
                )
            self._socket.sendto(response.to_wire(), peer)
