"""Fetch ``http://{name}/.well-known/acme-challenge/{token}`` the way an ACME server's http-01
validation does (RFC 8555 section 8.3) and say whether the expected key authorization came back.

Pure: no database, no Pyramid. ``lib.db.http01_selfcheck`` stores the probes this fetches and
decides what a failure means for an order.

What the check does, like Let's Encrypt's validation:

* ``GET http://{name}/.well-known/acme-challenge/{token}`` on port 80, ``Host: {name}``;
* follows up to ``MAX_REDIRECTS`` redirects, only to ``http://`` or ``https://`` URLs on the
  default ports (80, 443), as Let's Encrypt does; ``https`` is not verified (the CA's http-01
  does not verify the certificate either; the name may have no valid certificate yet);
* a 200 whose body, with trailing whitespace stripped, equals the key authorization passes;
  anything else fails with a reason a person can act on (time-out, refused, DNS, the status,
  the wrong body...).

Where it connects: ``address`` (``host:port``) replaces name resolution for every connection
(the URL's host still goes in ``Host`` and in TLS SNI): that is how the tests run it on loopback.
Else ``resolver`` (``ip`` or ``ip:port`` of a DNS server) resolves the name with dnspython; else
the system resolver does.
"""

import concurrent.futures
import dataclasses
import http.client
import ipaddress
import logging
import socket
import ssl
import time
import urllib.parse
from typing import List
from typing import Optional
from typing import Sequence
from typing import Tuple

log = logging.getLogger(__name__)

# Let's Encrypt follows at most 10 redirects
MAX_REDIRECTS = 10
# a key authorization is under 100 bytes; a bigger body is not one
MAX_BODY_BYTES = 8192
# how many names are checked at once
WORKERS = 8
PATH_PREFIX = "/.well-known/acme-challenge/"
# where http:// and https:// URLs without a port connect
DEFAULT_PORTS = (80, 443)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# what RFC 8555 section 8.3 lets the server strip from the end of the body
TRAILING_WHITESPACE = " \t\r\n"
USER_AGENT = "peter_sslers http-01 self-check"


@dataclasses.dataclass(frozen=True)
class Probe:
    """One name to check: the token to ask for and the key authorization it must answer."""

    domain_name: str
    token: str
    key_authorization: str


@dataclasses.dataclass(frozen=True)
class CheckResult:
    domain_name: str
    ok: bool
    # why it failed (None when it passed)
    reason: Optional[str]
    # the URL that answered last (after redirects)
    url: str


class _CheckFailed(Exception):
    """One fetch failed; ``str()`` is the reason shown to people."""


def parse_address(raw: str) -> Tuple[str, int]:
    """``host:port`` or ``[v6]:port`` (the port is required) -> ``(host, port)``.

    :raises ValueError: anything else.
    """
    value = raw.strip()
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError("expected `[ipv6]:port`")
        port_text = rest[1:]
    else:
        host, sep, port_text = value.rpartition(":")
        if not sep or not host or ":" in host:
            raise ValueError("expected `host:port` (an IPv6 address in brackets)")
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError("expected `host:port` with a port from 1 to 65535")
    return host, int(port_text)


def parse_resolver(raw: str) -> Tuple[str, int]:
    """An IP address of a DNS server, with an optional port (``ip``, ``ip:port``, ``[v6]:port``)
    -> ``(ip, port)``; port 53 when none is given.

    :raises ValueError: not an IP address (a DNS server named by a name would need DNS itself).
    """
    value = raw.strip()
    try:
        return str(ipaddress.ip_address(value)), 53
    except ValueError:
        pass
    host, port = parse_address(value)
    try:
        return str(ipaddress.ip_address(host)), port
    except ValueError:
        raise ValueError("expected the IP address of a DNS server, optionally with `:port`")


def _resolve(name: str, resolver: Tuple[str, int], timeout: float) -> str:
    """The first IPv4 address (else IPv6) of ``name`` from the DNS server ``resolver``."""
    import dns.exception
    import dns.resolver

    dns_resolver = dns.resolver.Resolver(configure=False)
    dns_resolver.nameservers = [resolver[0]]
    dns_resolver.port = resolver[1]
    dns_resolver.lifetime = timeout
    problems = []
    for rdtype in ("A", "AAAA"):
        try:
            answer = dns_resolver.resolve(name, rdtype)
        except dns.resolver.NXDOMAIN:
            raise _CheckFailed("DNS: %s does not exist (NXDOMAIN from %s)" % (name, resolver[0]))
        except dns.resolver.NoAnswer:
            problems.append("no %s record" % rdtype)
            continue
        except dns.exception.Timeout:
            raise _CheckFailed("DNS: no answer from %s:%s in time" % resolver)
        except dns.exception.DNSException as exc:
            raise _CheckFailed("DNS: %s" % (exc.__class__.__name__,))
        for record in answer:
            return record.address
    raise _CheckFailed("DNS: %s has %s" % (name, " and ".join(problems)))


class _HTTPSConnection(http.client.HTTPSConnection):
    """Connects to ``host:port`` but sends ``sni`` as the TLS server name (the URL's host)."""

    def __init__(self, host, port, sni, timeout):
        context = ssl.create_default_context()
        # the CA does not verify it either: http-01 proves control of port 80, not a certificate
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().__init__(host, port, timeout=timeout, context=context)
        self._sni = sni

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self._sni)
        except BaseException:
            sock.close()
            raise


def _short(body: bytes, limit: int = 60) -> str:
    text = body[:limit].decode("utf-8", errors="replace")
    return repr(text) + ("..." if len(body) > limit else "")


def _fetch_once(url: str, address, resolver, deadline: float, ports) -> Tuple[int, Optional[str], bytes]:
    """One GET without following redirects: ``(status, Location, body)``."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    default_port = ports[1] if parts.scheme == "https" else ports[0]
    try:
        url_port = parts.port or default_port
    except ValueError:
        raise _CheckFailed("bad port in %s" % url)

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        return left

    if address is not None:
        connect_host, connect_port = address
    elif resolver is not None:
        connect_host, connect_port = _resolve(host, resolver, remaining()), url_port
    else:
        connect_host, connect_port = host, url_port
    where = "%s:%s" % (connect_host, connect_port)
    if parts.scheme == "https":
        connection = _HTTPSConnection(connect_host, connect_port, host, remaining())
    else:
        connection = http.client.HTTPConnection(connect_host, connect_port, timeout=remaining())
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host_header = host if url_port == default_port else "%s:%s" % (host, url_port)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host_header)
        connection.putheader("User-Agent", USER_AGENT)
        connection.putheader("Accept", "*/*")
        connection.putheader("Connection", "close")
        connection.endheaders()
        # kept: with `Connection: close` the response, not the connection, holds the socket
        sock = connection.sock
        sock.settimeout(remaining())
        response = connection.getresponse()
        body = b""
        while len(body) <= MAX_BODY_BYTES:
            # a body sent a byte at a time still ends at the deadline
            sock.settimeout(remaining())
            chunk = response.read1(MAX_BODY_BYTES + 1 - len(body))
            if not chunk:
                break
            body += chunk
        return response.status, response.getheader("Location"), body
    except socket.timeout:
        raise _CheckFailed("timed out (%s)" % where)
    except ConnectionRefusedError:
        raise _CheckFailed("connection refused (%s)" % where)
    except socket.gaierror as exc:
        raise _CheckFailed("DNS: %s does not resolve (%s)" % (host, exc.strerror or exc))
    except ssl.SSLError as exc:
        raise _CheckFailed("TLS failed (%s): %s" % (where, exc.reason or exc))
    except (OSError, http.client.HTTPException) as exc:
        raise _CheckFailed("%s (%s)" % (exc.__class__.__name__ if not str(exc) else str(exc), where))
    finally:
        connection.close()


def check(
    probe: Probe,
    address: Optional[Tuple[str, int]] = None,
    resolver: Optional[Tuple[str, int]] = None,
    timeout: float = 5.0,
    ports: Tuple[int, int] = DEFAULT_PORTS,
) -> CheckResult:
    """Fetch one probe's URL as an ACME server would; ``timeout`` bounds the whole check of the
    name (redirects included). ``ports``: where an http and an https URL without a port connect
    (the CA's 80 and 443; tests use loopback ports), when no ``address`` overrides them."""
    deadline = time.monotonic() + timeout
    url = "http://%s%s%s" % (probe.domain_name, PATH_PREFIX, probe.token)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            status, location, body = _fetch_once(url, address, resolver, deadline, ports)
            if status in REDIRECT_STATUSES and location:
                target = urllib.parse.urljoin(url, location.strip())
                parts = urllib.parse.urlsplit(target)
                try:
                    port = parts.port
                except ValueError:
                    port = -1
                if parts.scheme not in ("http", "https") or not parts.hostname or port not in (None, 80, 443):
                    raise _CheckFailed("HTTP %s redirects to %s, which an ACME server does not follow" % (status, target[:200]))
                url = target
                continue
            if status != 200:
                raise _CheckFailed("HTTP %s" % status)
            if len(body) > MAX_BODY_BYTES:
                raise _CheckFailed("the body is larger than %s bytes" % MAX_BODY_BYTES)
            answered = body.decode("ascii", errors="replace").rstrip(TRAILING_WHITESPACE)
            if answered != probe.key_authorization:
                raise _CheckFailed("wrong body: %s" % _short(body))
            return CheckResult(probe.domain_name, True, None, url)
        raise _CheckFailed("more than %s redirects" % MAX_REDIRECTS)
    except _CheckFailed as exc:
        return CheckResult(probe.domain_name, False, str(exc), url)
    except socket.timeout:
        # the deadline passed between two steps (e.g. after the DNS answer)
        return CheckResult(probe.domain_name, False, "timed out", url)
    except Exception as exc:  # noqa: BLE001 - fail closed: a name we could not check is not sent
        log.exception("http-01 self-check of %s", probe.domain_name)
        return CheckResult(probe.domain_name, False, "the check failed: %s: %s" % (type(exc).__name__, exc), url)


def check_all(
    probes: Sequence[Probe],
    address: Optional[Tuple[str, int]] = None,
    resolver: Optional[Tuple[str, int]] = None,
    timeout: float = 5.0,
    ports: Tuple[int, int] = DEFAULT_PORTS,
) -> List[CheckResult]:
    """Check every probe, ``WORKERS`` at a time; results in the order of ``probes``."""
    if not probes:
        return []
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(WORKERS, len(probes))) as pool:
        return list(
            pool.map(lambda p: check(p, address=address, resolver=resolver, timeout=timeout, ports=ports), probes)
        )
