"""dns-01 (RFC 8555 section 8.4) through RFC 2136 dynamic updates signed with TSIG (RFC 8945).

Pure: no database, no Pyramid (``lib.db.dns_backends`` stores the per-zone backends and calls
this). What is here:

* ``txt_record_name(domain)`` and ``txt_value(key_authorization)``: the record a dns-01
  challenge asks for;
* ``add_txt(...)`` / ``delete_txt(...)``: one RFC 2136 update each, over TCP, signed with the
  zone's TSIG key. ``delete_txt`` removes that one value only, so several values of one name
  coexist (a wildcard and its base name share ``_acme-challenge.example.com``);
* ``wait_visible(...)``: polls every authoritative server of the zone directly (never a
  recursive resolver, whose cache could answer an old state) until each answers the value,
  bounded by a deadline;
* ``find_authoritative_servers(zone)``: the zone's NS records and their addresses.

Every failure is an ``errors.DnsError``: ``DnsUpdateRefused`` (the server said no: REFUSED or
NOTAUTH usually mean a TSIG key it does not accept), ``DnsUnreachable`` (no answer),
``DnsZoneNotFound`` (NXDOMAIN zone, no NS), ``DnsNotVisible`` (the deadline passed). A TSIG
secret never appears in a message or a log line.
"""

import base64
import binascii
import dataclasses
import hashlib
import ipaddress
import logging
import socket
import time
from typing import Callable
from typing import Dict
from typing import List
from typing import Optional
from typing import Sequence
from typing import Tuple

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.tsig
import dns.update

from . import errors

log = logging.getLogger(__name__)

# The TSIG algorithms an operator may choose (RFC 8945 section 6; MD5 is not offered).
TSIG_ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1")
TSIG_ALGORITHM_DEFAULT = "hmac-sha256"
CHALLENGE_LABEL = "_acme-challenge"
DEFAULT_PORT = 53
DEFAULT_TTL = 60
DEFAULT_TIMEOUT = 10.0
# wait_visible: the whole wait, the pause between rounds, one query
VISIBLE_TIMEOUT = 120.0
VISIBLE_INTERVAL = 2.0
QUERY_TIMEOUT = 3.0

Server = Tuple[str, int]  # (IP address, port)


# --- the record a challenge asks for


def base_name(domain: str) -> str:
    """``domain`` lower-case, without a trailing dot, without a leading ``*.``."""
    name = domain.strip().rstrip(".").lower()
    return name[2:] if name.startswith("*.") else name


def txt_record_name(domain: str) -> str:
    """``_acme-challenge.<domain>``; a wildcard's record is its base name's (RFC 8555 section 8.4)."""
    return "%s.%s" % (CHALLENGE_LABEL, base_name(domain))


def txt_value(key_authorization: str) -> str:
    """The TXT value of a dns-01 challenge: the unpadded base64url SHA-256 digest of the key
    authorization (RFC 8555 section 8.4)."""
    digest = hashlib.sha256(key_authorization.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


# --- checks of the values an operator configures


def normalize_zone(zone: str) -> str:
    """A zone name lower-case without a trailing dot.

    :raises errors.InvalidRequest: not a DNS name (empty label, label over 63 octets, a name
        over 255, characters a host name cannot hold, a wildcard).
    """
    text = (zone or "").strip().rstrip(".").lower()
    if not text:
        raise errors.InvalidRequest("The zone is empty: give a DNS name such as `example.com`.", field="zone")
    if not text.isascii():
        raise errors.InvalidRequest(
            "The zone `%s` is not ASCII: give an internationalized name in its `xn--` form." % text[:100], field="zone"
        )
    if "*" in text:
        raise errors.InvalidRequest("A zone is not a wildcard: give its name, e.g. `example.com`.", field="zone")
    try:
        name = dns.name.from_text(text)
    except (dns.exception.DNSException, UnicodeError, ValueError) as exc:
        raise errors.InvalidRequest("The zone `%s` is not a DNS name: %s" % (text[:100], exc), field="zone")
    for label in name.labels[:-1]:
        try:
            decoded = label.decode("ascii")
        except UnicodeDecodeError:
            decoded = ""
        if not decoded or not all(c.isalnum() or c in "-_" for c in decoded) or decoded.startswith("-"):
            raise errors.InvalidRequest(
                "The zone `%s` is not a DNS name: letters, digits, `-` and `_` only, dot-separated." % text[:100],
                field="zone",
            )
    return text


def check_tsig_secret(secret: str) -> str:
    """The secret as given (base64, as ``tsig-keygen`` prints it), stripped.

    :raises errors.InvalidRequest: not base64, or empty.
    """
    text = (secret or "").strip()
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not raw:
        raise errors.InvalidRequest(
            "The TSIG secret is not base64 (copy the `secret` of `tsig-keygen`'s output).", field="tsig_secret"
        )
    return text


def check_tsig_algorithm(algorithm: str) -> str:
    value = (algorithm or "").strip().lower()
    if value not in TSIG_ALGORITHMS:
        raise errors.InvalidRequest(
            "Unknown TSIG algorithm: one of %s." % ", ".join(TSIG_ALGORITHMS), field="tsig_algorithm"
        )
    return value


def parse_servers(text: str, default_port: int = DEFAULT_PORT) -> List[Tuple[str, int]]:
    """``host[:port], [v6]:port, ...`` as ``[(host, port)]`` (an empty text is an empty list).

    :raises errors.InvalidRequest: a bad port or an empty entry.
    """
    found = []
    for item in (text or "").replace(" ", ",").split(","):
        item = item.strip()
        if not item:
            continue
        host, port = item, default_port
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            if rest:
                port = _port(rest.lstrip(":"))
        elif item.count(":") == 1:
            host, port_text = item.split(":")
            port = _port(port_text)
        if not host:
            raise errors.InvalidRequest("`%s` names no server." % item[:100], field="visibility_nameservers")
        found.append((host, port))
    return found


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise errors.InvalidRequest("A port is a number from 1 to 65535.", field="visibility_nameservers")
    return int(text)


# --- RFC 2136 updates


def _address(host: str, port: int) -> str:
    """An IP address for ``host`` (dnspython's transports take addresses, not names).

    :raises errors.DnsUnreachable: the name does not resolve.
    """
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise errors.DnsUnreachable("The DNS server name `%s` does not resolve: %s" % (host, exc), "%s:%s" % (host, port))
    return infos[0][4][0]


def _tsig_key(tsig_name: str, tsig_secret: str, tsig_algorithm: str) -> dns.tsig.Key:
    algorithm = check_tsig_algorithm(tsig_algorithm)
    check_tsig_secret(tsig_secret)
    return dns.tsig.Key(dns.name.from_text(tsig_name), tsig_secret.strip(), dns.name.from_text(algorithm))


def _txt_rdata(value: str) -> dns.rdata.Rdata:
    # a dns-01 value is 43 characters of base64url: one string, nothing to quote but the quotes
    if not value or '"' in value or "\\" in value or len(value) > 255:
        raise errors.InvalidRequest("A TXT value is 1 to 255 characters, without quotes or backslashes.")
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, '"%s"' % value)


def _record_names(zone: str, name: str) -> Tuple[dns.name.Name, dns.name.Name]:
    zone_name = dns.name.from_text(normalize_zone(zone))
    record = dns.name.from_text(name.strip().rstrip(".").lower())
    if not record.is_subdomain(zone_name):
        raise errors.InvalidRequest("`%s` is not in the zone `%s`." % (name, zone))
    return zone_name, record


def _send_update(update: dns.update.UpdateMessage, server: str, port: int, timeout: float, what: str) -> None:
    where = "%s:%s" % (server, port)
    address = _address(server, port)
    try:
        response = dns.query.tcp(update, address, timeout=timeout, port=port)
    except dns.tsig.PeerError as exc:
        # the server answered with a TSIG error: it does not know the key, or the secret is wrong
        code = {"PeerBadKey": "BADKEY", "PeerBadSignature": "BADSIG", "PeerBadTime": "BADTIME"}.get(
            type(exc).__name__, "BADTRUNC"
        )
        raise errors.DnsUpdateRefused(
            "The DNS server %s refused the TSIG signature of the %s (%s): check the key name, algorithm and "
            "secret against the server's key." % (where, what, code),
            where,
            code,
        )
    except (dns.tsig.BadSignature, dns.tsig.BadKey, dns.tsig.BadTime) as exc:
        raise errors.DnsUpdateRefused(
            "The answer of %s to the %s fails TSIG verification (%s): is the secret right?"
            % (where, what, type(exc).__name__),
            where,
            type(exc).__name__.upper(),
        )
    except dns.exception.Timeout:
        raise errors.DnsUnreachable("The DNS server %s did not answer the %s within %s s." % (where, what, timeout), where)
    except (OSError, EOFError) as exc:
        raise errors.DnsUnreachable("The DNS server %s could not be reached for the %s: %s" % (where, what, exc), where)
    except dns.exception.DNSException as exc:
        raise errors.DnsUpdateRefused("The DNS server %s gave a bad answer to the %s: %s" % (where, what, exc), where)
    rcode = response.rcode()
    if rcode != dns.rcode.NOERROR:
        text = dns.rcode.to_text(rcode)
        hint = {
            "REFUSED": " (the server does not allow this key to update this zone: check `allow-update`/"
            "`update-policy`, the key name and the secret)",
            "NOTAUTH": " (the server is not authoritative for the zone, or rejected the TSIG key)",
            "NOTZONE": " (the name is not in the zone)",
            "SERVFAIL": " (the server failed: see its log)",
        }.get(text, "")
        raise errors.DnsUpdateRefused(
            "The DNS server %s answered %s to the %s%s." % (where, text, what, hint), where, text
        )


def add_txt(
    server: str,
    port: int,
    zone: str,
    name: str,
    value: str,
    ttl: int = DEFAULT_TTL,
    tsig_name: str = None,
    tsig_secret: str = None,
    tsig_algorithm: str = TSIG_ALGORITHM_DEFAULT,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Add the TXT record ``name`` = ``value`` to ``zone`` at ``server`` (RFC 2136 section 2.5.1),
    beside any other values of that name.

    :raises errors.InvalidRequest: a name outside the zone, a bad zone, secret or algorithm.
    :raises errors.DnsUpdateRefused: the server answered an error (REFUSED, NOTAUTH, a TSIG failure).
    :raises errors.DnsUnreachable: no answer (refused connection, time-out, a server name that does not resolve).
    """
    zone_name, record = _record_names(zone, name)
    update = dns.update.UpdateMessage(zone_name, keyring=_tsig_key(tsig_name, tsig_secret, tsig_algorithm))
    update.add(record, int(ttl), _txt_rdata(value))
    _send_update(update, server, port, timeout, "update adding the TXT record %s" % record.to_text(True))
    log.info("dns-01: added a TXT value to %s at %s:%s (zone %s)", record.to_text(True), server, port, zone)


def delete_txt(
    server: str,
    port: int,
    zone: str,
    name: str,
    value: str,
    tsig_name: str = None,
    tsig_secret: str = None,
    tsig_algorithm: str = TSIG_ALGORITHM_DEFAULT,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Delete the one TXT value ``value`` of ``name`` (RFC 2136 section 2.5.4); the name's other
    values stay. Deleting a value that is not there succeeds (the update is idempotent).

    :raises: as ``add_txt``.
    """
    zone_name, record = _record_names(zone, name)
    update = dns.update.UpdateMessage(zone_name, keyring=_tsig_key(tsig_name, tsig_secret, tsig_algorithm))
    update.delete(record, _txt_rdata(value))
    _send_update(update, server, port, timeout, "update deleting a TXT value of %s" % record.to_text(True))
    log.info("dns-01: deleted a TXT value of %s at %s:%s (zone %s)", record.to_text(True), server, port, zone)


# --- the visibility wait


def _resolver(resolver: Optional[Sequence[Tuple[str, int]]], timeout: float) -> dns.resolver.Resolver:
    if not resolver:
        return dns.resolver.Resolver()
    configured = dns.resolver.Resolver(configure=False)
    configured.nameservers = [_address(host, port) for host, port in resolver]
    configured.port = resolver[0][1]
    configured.lifetime = timeout
    configured.timeout = timeout
    return configured


def find_zone(name: str, resolver: Optional[Sequence[Tuple[str, int]]] = None, timeout: float = QUERY_TIMEOUT) -> str:
    """The zone (the closest enclosing SOA) of ``name``, asked of a recursive resolver.

    :raises errors.DnsZoneNotFound: no zone encloses it.
    :raises errors.DnsUnreachable: the resolver did not answer.
    """
    try:
        zone = dns.resolver.zone_for_name(dns.name.from_text(name), resolver=_resolver(resolver, timeout))
    except dns.resolver.NoRootSOA:
        raise errors.DnsZoneNotFound("No zone encloses `%s`." % name)
    except dns.resolver.LifetimeTimeout as exc:
        raise errors.DnsUnreachable("The resolver did not answer while looking for the zone of `%s`: %s" % (name, exc))
    return zone.to_text(True)


def find_authoritative_servers(
    zone: str,
    port: int = DEFAULT_PORT,
    resolver: Optional[Sequence[Tuple[str, int]]] = None,
    timeout: float = QUERY_TIMEOUT,
) -> List[Server]:
    """Every address (IPv4 and IPv6) of every NS of ``zone``, each with ``port``.

    :param resolver: ``[(host, port)]`` of the recursive resolver to ask (default: the system's).
    :raises errors.DnsZoneNotFound: the zone does not exist (NXDOMAIN) or has no NS records.
    :raises errors.DnsUnreachable: the resolver did not answer, or no NS name has an address.
    """
    configured = _resolver(resolver, timeout)
    zone = normalize_zone(zone)
    try:
        answer = configured.resolve(zone, "NS", raise_on_no_answer=True)
    except dns.resolver.NXDOMAIN:
        raise errors.DnsZoneNotFound("The zone `%s` does not exist in the DNS (NXDOMAIN)." % zone)
    except dns.resolver.NoAnswer:
        raise errors.DnsZoneNotFound("`%s` has no NS records: it is not the apex of a zone." % zone)
    except (dns.resolver.LifetimeTimeout, dns.resolver.NoNameservers) as exc:
        raise errors.DnsUnreachable("The NS records of `%s` could not be looked up: %s" % (zone, exc))
    servers: List[Server] = []
    for ns in sorted(rdata.target.to_text(True) for rdata in answer):
        for rdtype in ("A", "AAAA"):
            try:
                for rdata in configured.resolve(ns, rdtype, raise_on_no_answer=False) or []:
                    if (rdata.address, port) not in servers:
                        servers.append((rdata.address, port))
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
                continue
            except dns.resolver.LifetimeTimeout as exc:
                raise errors.DnsUnreachable("The address of `%s` (NS of `%s`) could not be looked up: %s" % (ns, zone, exc))
    if not servers:
        raise errors.DnsUnreachable("No NS of `%s` has an address." % zone)
    return servers


@dataclasses.dataclass
class Visibility:
    """What ``wait_visible`` saw: the servers that answered the value, the rounds, the time taken."""

    name: str
    value: str
    servers: List[str]
    rounds: int
    elapsed: float

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "servers": list(self.servers),
            "rounds": self.rounds,
            "elapsed": round(self.elapsed, 3),
        }


def query_txt(name: str, server: Server, timeout: float = QUERY_TIMEOUT) -> Tuple[Optional[List[str]], str]:
    """The TXT values of ``name`` at ``server`` (no recursion asked), and a word on the answer.

    :returns: ``(values, state)``: values None when there was no usable answer; state is
        ``answer``, ``no record``, ``NXDOMAIN``, an rcode, ``not authoritative``, ``time-out`` or
        the error.
    """
    query = dns.message.make_query(name, dns.rdatatype.TXT)
    query.flags &= ~dns.flags.RD  # an authoritative server's own data, not its cache's
    address, port = server
    try:
        response, _tcp = dns.query.udp_with_fallback(query, address, timeout=timeout, port=port)
    except dns.exception.Timeout:
        return None, "time-out"
    except (OSError, EOFError, dns.exception.DNSException) as exc:
        return None, "error: %s" % exc
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return [], "NXDOMAIN"
    if rcode != dns.rcode.NOERROR:
        return None, dns.rcode.to_text(rcode)
    if not response.flags & dns.flags.AA:
        return None, "not authoritative"
    values = []
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.TXT:
            for rdata in rrset:
                values.append(b"".join(rdata.strings).decode("utf-8", "replace"))
    return values, "answer" if values else "no record"


def wait_visible(
    name: str,
    value: str,
    zone: Optional[str] = None,
    nameservers: Optional[Sequence[Tuple[str, int]]] = None,
    port: int = DEFAULT_PORT,
    timeout: float = VISIBLE_TIMEOUT,
    interval: float = VISIBLE_INTERVAL,
    query_timeout: float = QUERY_TIMEOUT,
    resolver: Optional[Sequence[Tuple[str, int]]] = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Visibility:
    """Wait until EVERY authoritative server of the zone answers the TXT ``value`` for ``name``.

    Each server is asked directly, without recursion; a server that answered the value is not
    asked again. Rounds repeat every ``interval`` seconds until ``timeout``.

    :param nameservers: ``[(host, port)]`` to ask; default: the addresses of the zone's NS records
        (``find_authoritative_servers``, on ``port``; the zone is found from ``name`` when not given).
    :param resolver: the recursive resolver for that discovery (default: the system's).
    :param clock, sleep: injectable (tests move a fake clock instead of sleeping).
    :returns: a :class:`Visibility`.
    :raises errors.DnsNotVisible: the deadline passed first (``seen``, ``missing``).
    :raises errors.DnsZoneNotFound, errors.DnsUnreachable: the servers could not be found.
    """
    started = clock()
    name = name.strip().rstrip(".").lower()
    if nameservers:
        servers = [(_address(host, p), p) for host, p in nameservers]
    else:
        zone = zone or find_zone(name, resolver, query_timeout)
        servers = find_authoritative_servers(zone, port, resolver, query_timeout)
    deadline = started + timeout
    seen: List[str] = []
    missing: Dict[str, str] = {"%s:%s" % s: "not asked yet" for s in servers}
    rounds = 0
    while True:
        rounds += 1
        for server in servers:
            key = "%s:%s" % server
            if key in seen:
                continue
            values, state = query_txt(name, server, min(query_timeout, max(0.1, deadline - clock())))
            if values is not None and value in values:
                seen.append(key)
                missing.pop(key, None)
            elif values:
                missing[key] = "answers other values only (%s)" % ", ".join(values)[:200]
            else:
                missing[key] = state
        if not missing:
            elapsed = clock() - started
            log.info("dns-01: %s visible at %s after %.1f s", name, ", ".join(seen), elapsed)
            return Visibility(name, value, seen, rounds, elapsed)
        if clock() + interval > deadline:
            break
        sleep(interval)
    raise errors.DnsNotVisible(
        "The TXT record %s was not visible at every authoritative server within %s s: %s"
        % (name, timeout, "; ".join("%s: %s" % item for item in sorted(missing.items()))),
        seen,
        missing,
    )


# --- one backend's connection, as lib.db.dns_backends hands it over


@dataclasses.dataclass(frozen=True)
class Rfc2136Server:
    """Where and how to update one zone, and where to check that updates are visible."""

    zone: str
    server: str
    port: int
    tsig_key_name: str
    tsig_algorithm: str
    tsig_secret: str = dataclasses.field(repr=False)  # never in a repr, a log line or a message
    visibility_nameservers: Tuple[Tuple[str, int], ...] = ()
    timeout: float = DEFAULT_TIMEOUT

    def add_txt(self, name: str, value: str, ttl: int = DEFAULT_TTL) -> None:
        add_txt(self.server, self.port, self.zone, name, value, ttl, self.tsig_key_name, self.tsig_secret,
                self.tsig_algorithm, self.timeout)  # fmt: skip

    def delete_txt(self, name: str, value: str) -> None:
        delete_txt(self.server, self.port, self.zone, name, value, self.tsig_key_name, self.tsig_secret,
                   self.tsig_algorithm, self.timeout)  # fmt: skip

    def wait_visible(self, name: str, value: str, timeout: float = VISIBLE_TIMEOUT, interval: float = VISIBLE_INTERVAL,
                     **kw) -> Visibility:  # fmt: skip
        """``wait_visible`` at the configured servers, else at the zone's NS (port 53)."""
        return wait_visible(name, value, zone=self.zone, nameservers=list(self.visibility_nameservers) or None,
                            timeout=timeout, interval=interval, **kw)  # fmt: skip
