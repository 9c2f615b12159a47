"""Every ini option of peter_sslers, parsed, typed, defaulted and validated in one place.

``ApplicationSettings.from_settings(raw)`` turns the raw ``[app:main]`` dict into one
frozen object that the rest of the code reads (``ctx.settings.redis_url``), never the
raw dict. A bad value raises ``ConfigurationError`` naming the option and what it
accepts, so a typo stops start-up instead of surfacing as a strange failure later.

``OPTIONS`` is also the documentation: the settings page and
``docs/Configuration_Options.md`` are both generated from it.
"""

import dataclasses
import ipaddress
import os
import re
import urllib.parse
from typing import Any
from typing import Callable
from typing import Optional

from .lib import http01_check


class ConfigurationError(ValueError):
    """An ini option has a value peter_sslers cannot use."""

    def __init__(self, option: str, message: str):
        self.option = option
        super().__init__("invalid setting `%s`: %s" % (option, message))


# The ACME servers peter_sslers knows by name. ``custom`` (or a directory URL) adds one.
KNOWN_CERTIFICATE_AUTHORITIES = {
    "letsencrypt-v2-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-v2": "https://acme-v02.api.letsencrypt.org/directory",
    "pebble": "https://127.0.0.1:14000/dir",
}
CUSTOM_CERTIFICATE_AUTHORITY = "custom"

# Paths the public views own; the admin tree must not shadow them.
PUBLIC_PATHS = ("/.well-known/acme-challenge", "/.well-known/public")

_BOOL_TRUE = ("true", "yes", "on", "1")
_BOOL_FALSE = ("false", "no", "off", "0")
_RE_PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")


# --- value parsers: each takes the raw string and returns the typed value or raises ValueError


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _BOOL_TRUE:
        return True
    if value in _BOOL_FALSE:
        return False
    raise ValueError("expected one of %s" % ", ".join(_BOOL_TRUE + _BOOL_FALSE))


def _parse_str(raw: str) -> Optional[str]:
    value = raw.strip()
    return value or None


def _positive_int_parser(unit: str) -> Callable[[str], Optional[int]]:
    """A whole number of ``unit``, at least 1; empty or `none` is None."""

    def parse(raw: str) -> Optional[int]:
        value = raw.strip()
        if not value or value.lower() == "none":
            return None
        try:
            number = int(value)
        except ValueError:
            raise ValueError("expected a whole number of %s, or `none`" % unit)
        if number < 1:
            raise ValueError("expected a number of at least 1, or `none`")
        return number

    return parse


_parse_positive_int = _positive_int_parser("seconds")
_parse_positive_int_days = _positive_int_parser("days")


def _parse_fraction_factory(minimum: float, maximum: float, allow_minimum: bool = False) -> Callable[[str], float]:
    """A number written as `0.33` or `1/3`, above ``minimum`` (or equal, if allowed), below ``maximum``
    (equal to it only when it is not 1)."""

    def _parse(raw: str) -> float:
        value = raw.strip()
        try:
            if "/" in value:
                top, bottom = value.split("/", 1)
                number = float(top) / float(bottom)
            else:
                number = float(value)
        except (ValueError, ZeroDivisionError):
            raise ValueError("expected a fraction, as `1/3` or `0.33`")
        if number != number or number < minimum or (number == minimum and not allow_minimum) or number > maximum or (
            number == maximum and maximum == 1.0
        ):
            raise ValueError("expected a fraction from %s to %s" % (minimum, maximum))
        return number

    return _parse


def _parse_autocert_suffixes(raw: str) -> tuple:
    """Domain names (lower-case, IDNs as A-labels, no trailing dot), or `*` alone."""
    items = _parse_list(raw)
    if "*" in items:
        if len(items) > 1:
            raise ValueError("`*` allows every name: give it alone")
        return ("*",)
    suffixes = []
    for item in items:
        name = item.lower().rstrip(".")
        if name.startswith("*.") or name.startswith("."):
            raise ValueError("%r: give the domain itself (`example.com` allows every name under it)" % item)
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError("%r is not a domain name" % item)
        if not name or "." not in name or any(not label for label in name.split(".")):
            raise ValueError("%r is not a domain name" % item)
        suffixes.append(name)
    return tuple(suffixes)


def _parse_optional_id(raw: str) -> Optional[int]:
    """An object's id (a whole number, at least 1); empty is None."""
    value = raw.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise ValueError("expected an id (a whole number, at least 1), or nothing")
    return int(value)


def _parse_int_factory(minimum: int, maximum: Optional[int] = None) -> Callable[[str], int]:
    def _parse(raw: str) -> int:
        try:
            number = int(raw.strip())
        except ValueError:
            raise ValueError("expected a whole number")
        if number < minimum or (maximum is not None and number > maximum):
            if maximum is None:
                raise ValueError("expected a number of at least %s" % minimum)
            raise ValueError("expected a number from %s to %s" % (minimum, maximum))
        return number

    return _parse


def _parse_timeout(raw: str) -> Optional[float]:
    value = raw.strip().lower()
    if value == "none":
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError("expected a number of seconds, or `none` for no time-out")
    if number <= 0:
        raise ValueError("expected a number of seconds greater than 0, or `none`")
    return number


def _parse_selfcheck_address(raw: str) -> Optional[str]:
    value = raw.strip()
    if not value:
        return None
    http01_check.parse_address(value)
    return value


def _parse_selfcheck_resolver(raw: str) -> Optional[str]:
    value = raw.strip()
    if not value:
        return None
    http01_check.parse_resolver(value)
    return value


def _parse_selfcheck_timeout(raw: str) -> float:
    try:
        number = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number of seconds")
    if not 0 < number <= 60:
        raise ValueError("expected a number of seconds greater than 0, at most 60")
    return number


def _parse_poll_flush_seconds(raw: str) -> float:
    try:
        number = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number of seconds")
    if not 0 <= number <= 60:
        raise ValueError("expected a number of seconds from 0 to 60")
    return number


def _parse_url(raw: str, schemes=("http", "https")) -> Optional[str]:
    value = raw.strip()
    if not value:
        return None
    parsed = urllib.parse.urlsplit(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ValueError("expected a URL starting with %s" % " or ".join("%s://" % s for s in schemes))
    return value


def _parse_url_base(raw: str) -> Optional[str]:
    value = _parse_url(raw)
    return value.rstrip("/") if value else None


def _parse_redis_url(raw: str) -> Optional[str]:
    value = raw.strip()
    if urllib.parse.urlsplit(value).scheme == "unix":
        # unix:///run/redis.sock?db=9: a socket path, no host
        if not urllib.parse.urlsplit(value).path.startswith("/"):
            raise ValueError("expected unix:///absolute/path/to/redis.sock (with ?db=N)")
        return value
    return _parse_url(raw, schemes=("redis", "rediss", "unix"))


def _parse_file(raw: str) -> Optional[str]:
    value = raw.strip()
    if not value:
        return None
    if not os.path.isfile(value):
        raise ValueError("expected the path of a readable file; %r does not exist" % value)
    return value


def _parse_list(raw: str) -> tuple:
    seen = []
    for item in raw.replace("\n", ",").split(","):
        item = item.strip()
        if item and item not in seen:
            seen.append(item)
    return tuple(seen)


def _parse_url_list(raw: str) -> tuple:
    urls = []
    for item in _parse_list(raw):
        url = _parse_url_base(item)
        if url not in urls:
            urls.append(url)
    return tuple(urls)


_RE_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$")


def _parse_email(raw: str) -> Optional[str]:
    value = raw.strip()
    if not value:
        return None
    if not _RE_EMAIL.match(value):
        raise ValueError("expected an email address as `name@example.com`")
    return value


def _parse_email_list(raw: str) -> tuple:
    return tuple(_parse_email(item) for item in _parse_list(raw))


def _parse_server_url_list(raw: str) -> tuple:
    """Base URLs of servers: no credentials (they belong in `nginx.userpass`, which is masked),
    no query string or fragment (paths are appended to these URLs)."""
    urls = _parse_url_list(raw)
    for url in urls:
        parsed = urllib.parse.urlsplit(url)
        if parsed.username is not None or parsed.password is not None:
            raise ValueError("%r holds credentials: put them in `nginx.userpass` instead" % url)
        if parsed.query or parsed.fragment:
            raise ValueError("%r has a query string or fragment: give only scheme, host, port and path" % url)
    return urls


# --- host names (the admin's allow-list, web/security.py)


def normalize_host(value: Optional[str]) -> Optional[str]:
    """The host name of a Host header (or of an allow-list entry): lower case, without port,
    IPv6 brackets or trailing dot. ``None`` when the value is not a host."""
    if value is None:
        return None
    host = value.strip().lower()
    if not host:
        return None
    if host.startswith("["):
        end = host.find("]")
        if end == -1:
            return None
        rest = host[end + 1 :]
        if rest and not (rest.startswith(":") and rest[1:].isdigit()):
            return None
        host = host[1:end]
    elif host.count(":") == 1:
        host, _, port = host.partition(":")
        if port and not port.isdigit():
            return None
    host = host.rstrip(".")
    if not host or any(c in host for c in "/\\@ \t?#"):
        return None
    return host


def url_host(url: Optional[str]) -> Optional[str]:
    if not url:
        return None
    try:
        return normalize_host(urllib.parse.urlsplit(url).netloc.rpartition("@")[2])
    except ValueError:
        return None


def is_loopback(host: Optional[str]) -> bool:
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse_host_list(raw: str) -> tuple:
    """Host names, normalised as the Host header is (lower case, no port, brackets or trailing dot)."""
    hosts = []
    for item in _parse_list(raw):
        host = "*" if item == "*" else normalize_host(item)
        if host is None:
            raise ValueError("%r is not a host name" % item)
        if host not in hosts:
            hosts.append(host)
    return tuple(hosts)


def _parse_session_secret(raw: str) -> Optional[str]:
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) < 32:
        raise ValueError("at least 32 characters (e.g. `python3 -c 'import secrets; print(secrets.token_hex(32))'`)")
    return value


def _parse_userpass(raw: str) -> Optional[str]:
    value = raw.strip()
    if not value:
        return None
    if ":" not in value or value.startswith(":"):
        raise ValueError("expected `username:password`")
    return value


def _parse_path(raw: str) -> str:
    value = raw.strip()
    if not _RE_PREFIX.match(value):
        raise ValueError("expected an absolute URL path such as `/.peter_sslers/nginx/shared_cache/expire`")
    return value


def _parse_admin_prefix(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not _RE_PREFIX.match(value):
        raise ValueError(
            "expected an absolute URL path of letters, digits and `._~-`, such as `/.well-known/admin`"
        )
    for public in PUBLIC_PATHS:
        if value == public or value.startswith(public + "/") or public.startswith(value + "/"):
            raise ValueError("must not overlap the public path `%s`" % public)
    return value


def _parse_prime_style(raw: str) -> Optional[int]:
    value = raw.strip()
    if not value:
        return None
    if value not in ("1", "2"):
        raise ValueError("expected `1` or `2`")
    return int(value)


def _parse_protocol(raw: str) -> str:
    value = raw.strip()
    if value != "acme-v2":
        raise ValueError("expected `acme-v2` (ACME v1 is retired)")
    return value


def _parse_certificate_authority(raw: str) -> str:
    value = raw.strip()
    if value in KNOWN_CERTIFICATE_AUTHORITIES or value == CUSTOM_CERTIFICATE_AUTHORITY:
        return value
    if value.startswith(("http://", "https://")):
        # The 2021 docs told users to paste the directory URL here.
        for name, directory in KNOWN_CERTIFICATE_AUTHORITIES.items():
            if value.rstrip("/") == directory:
                return name
        return value
    raise ValueError(
        "expected one of %s, `custom`, or an ACME directory URL"
        % ", ".join("`%s`" % name for name in KNOWN_CERTIFICATE_AUTHORITIES)
    )


SQLITE_JOURNAL_MODES = ("wal", "delete")
SQLITE_SYNCHRONOUS = ("full", "normal")


def _parse_choice_factory(choices) -> Callable[[str], str]:
    """One of ``choices`` (lower-case); case is ignored."""

    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError("expected %s" % " or ".join("`%s`" % choice for choice in choices))
        return value

    return parse


@dataclasses.dataclass(frozen=True)
class Option:
    """One ini option: its name, parser, default and the text users read about it."""

    name: str
    parse: Callable[[str], Any]
    default: Any
    doc: str
    accepted: str
    secret: bool = False

    @property
    def attr(self) -> str:
        return self.name.replace(".", "_")


OPTIONS = (
    # --- the ACME server
    Option(
        "certificate_authority",
        _parse_certificate_authority,
        "letsencrypt-v2-staging",
        "The ACME server new accounts and orders use by default. Let's Encrypt's staging server is the "
        "default, so nothing real is issued until you choose `letsencrypt-v2`. `pebble` is the local test "
        "server; `custom` (or a directory URL) is any other ACME v2 server, with "
        "`certificate_authority_directory`.",
        "`letsencrypt-v2-staging`, `letsencrypt-v2`, `pebble`, `custom`, or a directory URL",
    ),
    Option(
        "certificate_authority_directory",
        _parse_url,
        None,
        "The ACME v2 directory URL. Required for `custom`; for `pebble` it defaults to "
        "`https://127.0.0.1:14000/dir`; for Let's Encrypt it must be left out or equal its known URL.",
        "an http(s) URL",
    ),
    Option(
        "certificate_authority_protocol",
        _parse_protocol,
        "acme-v2",
        "The ACME protocol version. Only ACME v2 (RFC 8555) exists now.",
        "`acme-v2`",
    ),
    Option(
        "certificate_authority_agreement",
        _parse_url,
        None,
        "The terms-of-service URL you agree to when accounts are created. When unset, the terms the "
        "server announces in its directory (`meta.termsOfService`) are agreed to.",
        "an http(s) URL",
    ),
    Option(
        "certificate_authority_endpoint",
        _parse_url,
        None,
        "ACME v1 endpoint. ACME v1 is retired: the value is accepted so old ini files still load, "
        "and is not used.",
        "an http(s) URL",
    ),
    Option(
        "certificate_authority_ca_bundle",
        _parse_file,
        None,
        "A PEM file of the CA certificates to trust for the ACME server's TLS (for a private ACME server "
        "such as pebble). When unset, the system's trust store is used. Only this bundle is trusted, "
        "whatever `REQUESTS_CA_BUNDLE` says.",
        "the path of a PEM file",
    ),
    Option(
        "certificate_authorities_enable",
        _parse_list,
        (),
        "More ACME servers, by name, to offer in forms besides the default one.",
        "a comma-separated list of ACME server names",
    ),
    Option(
        "cleanup_pending_authorizations",
        _parse_bool,
        True,
        "When a challenge fails while an order is processed, deactivate the order's other pending "
        "authorizations on the ACME server.",
        "true or false",
    ),
    Option(
        "block_competing_challenges",
        _parse_bool,
        True,
        "Refuse a new order while one of its domains has an active challenge in another order.",
        "true or false",
    ),
    # --- the http-01 self-check (docs/Http01_SelfCheck.md)
    Option(
        "http01_selfcheck",
        _parse_bool,
        False,
        "Before an order is sent to the ACME server, check that every http-01 name answers through "
        "the public path (`http://{name}/.well-known/acme-challenge/{token}`) with a probe's key "
        "authorization. If any name fails, no order is placed at all and the error lists each failing "
        "name and why: a misrouted name then spends none of the CA's failed-validation allowance.",
        "true or false",
    ),
    Option(
        "http01_selfcheck_address",
        _parse_selfcheck_address,
        None,
        "Where the self-check connects instead of resolving each name (`host:port`, e.g. "
        "`127.0.0.1:80` for a load balancer in front of this host); the name is still sent as the "
        "`Host` header. When unset, names are resolved (see `http01_selfcheck_resolver`) and port "
        "80 is used.",
        "`host:port` or `[ipv6]:port`",
    ),
    Option(
        "http01_selfcheck_resolver",
        _parse_selfcheck_resolver,
        None,
        "The DNS server the self-check resolves names with (with dnspython), instead of the "
        "system's resolver: e.g. a public resolver, so names resolve as the CA sees them.",
        "an IP address, optionally with `:port` (`[ipv6]:port`)",
    ),
    Option(
        "http01_selfcheck_timeout",
        _parse_selfcheck_timeout,
        5.0,
        "Seconds the self-check gives each name (connections, redirects and body together).",
        "a number of seconds greater than 0, at most 60",
    ),
    # --- autocert: a certificate for a name on first sight (docs/Autocert.md)
    Option(
        "enable_autocert",
        _parse_bool,
        False,
        "Let `/api/domain/autocert.json` (what the edge calls on a miss) order a certificate for a name it has "
        "none for, within the policy below. Off: it still answers names that have a certificate, and orders none.",
        "true or false",
    ),
    Option(
        "autocert.allowed_suffixes",
        _parse_autocert_suffixes,
        (),
        "The names autocert may order for: each name equal to or under one of these (`example.com` allows "
        "`example.com` and `shop.example.com`). Empty: none. `*` alone: any host name (only for an edge that "
        "already limits what it asks for).",
        "comma-separated domain names, or `*`",
    ),
    Option(
        "autocert.orders_per_hour",
        _parse_int_factory(0, 100000),
        10,
        "At most this many autocert orders in any hour, counted in the datastore (so across every instance "
        "sharing it). A call beyond it is answered 429 with Retry-After, and orders nothing.",
        "a whole number, 0 (none) or more",
    ),
    Option(
        "autocert.retry_after_seconds",
        _parse_int_factory(0, 86400 * 7),
        600,
        "After a failed autocert order for a name, further calls for that name are answered 429 for this many "
        "seconds instead of ordering again (the CA's failed-validation limit is per name).",
        "a whole number of seconds",
    ),
    Option(
        "autocert.wait_seconds",
        _parse_int_factory(0, 300),
        30,
        "A call for a name another call (on any instance) is ordering waits up to this long for that order, "
        "then answers with its certificate; past it, 409.",
        "a whole number of seconds",
    ),
    Option(
        "autocert.lock_timeout_seconds",
        _parse_int_factory(60, 86400),
        600,
        "A running autocert attempt older than this is taken as abandoned (its instance died) and the name may "
        "be ordered again.",
        "a whole number of seconds, at least 60",
    ),
    Option(
        "autocert.acme_account_id",
        _parse_optional_id,
        None,
        "The ACME account autocert orders with. Unset: the global default account.",
        "an AcmeAccount id",
    ),
    # --- acme-dns (docs/AcmeDns.md)
    Option(
        "acme_dns_timeout",
        _parse_selfcheck_timeout,
        10.0,
        "Seconds each request to an acme-dns server's API may take (register, update, health), "
        "and each DNS query of the CNAME audit.",
        "a number of seconds greater than 0, at most 60",
    ),
    Option(
        "acme_dns_ca_bundle",
        _parse_file,
        None,
        "A PEM file of the CA certificates to trust for the TLS of the acme-dns servers (a private "
        "CA). When unset, the system's trust store is used. TLS is always verified.",
        "the path of a PEM file",
    ),
    Option(
        "acme_dns_audit_resolver",
        _parse_selfcheck_resolver,
        None,
        "The DNS server the acme-dns CNAME audit asks (with dnspython) whether "
        "`_acme-challenge.{domain}` is a CNAME to the account's `fulldomain`, instead of the "
        "system's resolver: e.g. a public resolver, so the answer is what the CA sees.",
        "an IP address, optionally with `:port` (`[ipv6]:port`)",
    ),
    # --- the SQLite datastore (PostgreSQL ignores these)
    Option(
        "sqlite_journal_mode",
        _parse_choice_factory(SQLITE_JOURNAL_MODES),
        "wal",
        "SQLite's journal. `wal` (write-ahead log): readers never wait for a writer and a commit is one "
        "append to `FILE-wal` (kept beside the database with `FILE-shm`, both 0600 like it); the mode is "
        "stored in the file. `delete`: the rollback journal SQLite uses by default (a commit writes the "
        "journal and the database and syncs both; a write blocks readers). WAL needs every process on one "
        "host (not a network file system). Copy a live WAL database with `sqlite3 FILE \".backup COPY\"`, "
        "not `cp` of the file alone.",
        "`wal` or `delete`",
    ),
    Option(
        "sqlite_synchronous",
        _parse_choice_factory(SQLITE_SYNCHRONOUS),
        "full",
        "How SQLite syncs a commit to disk. `full`: every commit is on disk when it returns, power loss "
        "included. `normal` (with `wal`): a commit survives a crash of the process, but the last commits "
        "may be lost, never corrupted, if the machine loses power; it spares an fsync per commit (here: "
        "1.5-3 ms a commit down to 0.1 ms). A lost commit can be a certificate already issued, whose "
        "key is then gone: keep `full` unless writes are the bottleneck and the disk is trusted.",
        "`full` or `normal`",
    ),
    # --- which views run
    Option(
        "enable_views_public",
        _parse_bool,
        False,
        "Serve the public views: `/.well-known/acme-challenge/{token}` and `/.well-known/public/whoami`.",
        "true or false",
    ),
    Option(
        "challenge_poll_flush_seconds",
        _parse_poll_flush_seconds,
        1.0,
        "How the challenge responder records a hit (an AcmeChallengePoll row: which address fetched "
        "which challenge, when). Above 0: the answer is sent without writing; the hit waits in a bounded "
        "in-process buffer that a background thread writes in one transaction every that many seconds "
        "(and at a clean shutdown), so an ACME server's validation never waits for the database or its "
        "write lock. A full buffer drops hits with a counted warning; a killed process loses at most "
        "that many seconds of hits (they are records for people, nothing reads them to decide). 0: the "
        "hit is written by the request itself, in its transaction, as before. docs/Performance.md",
        "a number of seconds from 0 to 60 (0: write in the request)",
    ),
    Option(
        "enable_views_admin",
        _parse_bool,
        False,
        "Serve the admin views under `admin_prefix`. THEY EXPOSE PRIVATE KEYS ON PURPOSE: only ever on a "
        "private network.",
        "true or false",
    ),
    Option(
        "enable_acme_flow",
        _parse_bool,
        False,
        "The ACME-flow tool (the 2021 'AcmeFlow', AcmeOrderless): manual challenge containers whose "
        "http-01 challenges (token and key authorization, typed in by hand) the public responder serves, "
        "for an order placed by another ACME client (certbot --manual...). Off: every `/acme-orderless` "
        "route is a 404 and the responder ignores those challenges. See docs/AcmeFlow.md.",
        "true or false",
    ),
    Option(
        "admin_prefix",
        _parse_admin_prefix,
        "/.well-known/admin",
        "The URL path the admin views are mounted at. Every admin link and redirect follows it.",
        "an absolute URL path that does not overlap `/.well-known/acme-challenge` or `/.well-known/public`",
    ),
    Option(
        "admin_server",
        _parse_url_base,
        None,
        "Scheme and host of the admin tool, shown in instructions (e.g. `http://127.0.0.1:7201`). "
        "Defaults to the host of each request.",
        "an http(s) URL",
    ),
    Option(
        "admin_url",
        _parse_url_base,
        None,
        "The full URL of the admin tool, shown in instructions. Defaults to `admin_server` (or the "
        "request's host) followed by `admin_prefix`.",
        "an http(s) URL",
    ),
    Option(
        "api_host",
        _parse_url_base,
        None,
        "Scheme and host used for the absolute URLs in JSON answers. Defaults to `admin_server`, then to "
        "the request's host.",
        "an http(s) URL",
    ),
    Option(
        "admin_allowed_hosts",
        _parse_host_list,
        (),
        "Host names the admin views answer to, besides the loopback names (`localhost`, `127.0.0.1`, "
        "`::1`) and the hosts of `admin_server`, `admin_url` and `api_host`, which are always allowed. "
        "Any other Host header is refused (403) before routing: a DNS-rebinding page cannot read keys. "
        "Ports are ignored. `*` turns the check off (only behind a proxy that checks the host itself).",
        "a comma-separated list of host names or IP addresses, or `*`",
    ),
    Option(
        "admin_htpasswd_file",
        _parse_file,
        None,
        "Require HTTP Basic authentication on every admin route, against this file of `user:bcrypt-hash` "
        "lines (`htpasswd -B -c FILE USER`, or `peter_sslers_admin_auth add-user FILE USER`). Unset: no "
        "authentication (keep the admin on loopback or a private network). See docs/Security.md.",
        "the path of an htpasswd file of bcrypt hashes",
    ),
    Option(
        "admin_tokens_file",
        _parse_file,
        None,
        "Accept bearer tokens (`Authorization: Bearer TOKEN`) on the admin's `.json` routes; the file holds "
        "`name:sha256-hex-of-token` lines (`peter_sslers_admin_auth new-token FILE NAME`), never the tokens. "
        "Setting it also turns authentication on for every admin route.",
        "the path of a tokens file",
    ),
    Option(
        "admin_session_secret",
        _parse_session_secret,
        None,
        "The key that signs the admin's session cookie, which carries only the result messages shown once "
        "after an action (flash messages). Unset: a random key is made at each start, so a message in flight "
        "during a restart is lost, and instances behind one load balancer must share a key. Not a password: "
        "the cookie holds no credentials and no key material.",
        "at least 32 characters (e.g. the output of `python3 -c 'import secrets; print(secrets.token_hex(32))'`)",
        secret=True,
    ),
    Option(
        "exception_redirect",
        _parse_bool,
        False,
        "When an admin HTML page fails unexpectedly, redirect to the admin index with the error instead "
        "of showing an error page. JSON answers are never redirected.",
        "true or false",
    ),
    Option(
        "upload_max_bytes",
        _parse_int_factory(1024),
        262144,
        "The largest file an upload field accepts, in bytes (PEM certificates, keys and chains are a few "
        "KB each). A larger file is refused with an error naming the field.",
        "a whole number of bytes, at least 1024",
    ),
    Option(
        "request_max_bytes",
        _parse_int_factory(4096),
        1048576,
        "The largest request body accepted, in bytes, checked before the body is read: a larger "
        "`Content-Length` is answered 413 at once, and a body without one is read no further than this. "
        "An upload of a certificate with its chain and key sends three files, so keep it at least three "
        "times `upload_max_bytes` to accept three full-sized files. Under waitress, set its "
        "`max_request_body_size` ([server:main]) to the same, so the server stops receiving such a body too.",
        "a whole number of bytes, at least 4096 and not below `upload_max_bytes`",
    ),
    Option(
        "expiring_days",
        _parse_int_factory(1),
        30,
        "A certificate is listed as expiring when it ends within this many days.",
        "a whole number of days, at least 1",
    ),
    Option(
        "health_expiring_days",
        _parse_int_factory(1, 3650),
        14,
        "The horizon N of the health report (`/api/health.json`) and the Prometheus metrics "
        "(`/api/metrics`): a latest certificate ending within N days counts as expiring, and the "
        "status turns critical when one ends within N/2 days with no renewal under way, or a failed "
        "renewal's certificate ends within N days (docs/Monitoring.md). A request may override it "
        "with `?days=`. Keep it below the renewal point (30 days of a 90-day certificate), so that "
        "normal renewals never count.",
        "a whole number of days from 1 to 3650",
    ),
    Option(
        "queue_domains_min_per_cert",
        _parse_int_factory(1, 100),
        1,
        "The fewest queued domains one domain-queue batch turns into an order.",
        "a number from 1 to 100, not above `queue_domains_max_per_cert`",
    ),
    Option(
        "queue_domains_max_per_cert",
        _parse_int_factory(1, 100),
        100,
        "The most queued domains one domain-queue batch puts on one certificate.",
        "a number from 1 to 100",
    ),
    Option(
        "queue_certificates_renewal_days",
        _parse_positive_int_days,
        None,
        "When set, the renewal queue's `update` renews a certificate this many days before it ends "
        "(overrides `queue_certificates_renewal_fraction`). Unset (the default): the fraction rule.",
        "a whole number of days, at least 1, or `none`",
    ),
    Option(
        "queue_certificates_renewal_fraction",
        _parse_fraction_factory(0.0, 1.0),
        1.0 / 3,
        "The renewal queue's `update` renews a certificate when this fraction of its lifetime "
        "(notAfter - notBefore) remains: 1/3 is 30 days of a 90-day certificate (certbot's rule). "
        "Not used when `queue_certificates_renewal_days` is set.",
        "a fraction above 0 and below 1, as `1/3` or `0.33`",
    ),
    Option(
        "queue_certificates_renewal_spread",
        _parse_fraction_factory(0.0, 0.5, allow_minimum=True),
        0.1,
        "Spreads renewals: each certificate's renewal point moves earlier by a fixed share, from its "
        "certificate digest, of up to this fraction of its lifetime (and of up to 10 days when "
        "`queue_certificates_renewal_days` is set), so certificates imported together do not all "
        "renew in the same minute. 0 turns it off.",
        "a fraction from 0 to 1/2, as `1/10` or `0.1`",
    ),
    # --- coverage assurance and notifications (docs/Coverage_Assurance.md)
    Option(
        "coverage_expiring_days",
        _parse_int_factory(1, 365),
        14,
        "An active certificate, the latest of its set, with no renewal under way, raises a "
        "`CertificateSigned_expiring` coverage event when it ends within this many days, or within a "
        "sixth of its lifetime when that is shorter (a 6-day certificate: 1 day).",
        "a whole number of days, from 1 to 365",
    ),
    Option(
        "notify_webhook_url",
        _parse_url,
        None,
        "Each new coverage event (a failed renewal included) is POSTed as JSON to this URL; retried "
        "with back-off until it answers 2xx. Unset: no webhook.",
        "an http(s) URL",
        secret=True,
    ),
    Option(
        "notify_webhook_secret",
        _parse_str,
        None,
        "Signs each webhook: header `X-Peter-SSLers-Signature: sha256=<hex>` is the HMAC-SHA256, with "
        "this secret, of the `X-Peter-SSLers-Timestamp` header's value, a dot and the raw body.",
        "text",
        secret=True,
    ),
    Option(
        "notify_webhook_timeout",
        _parse_timeout,
        10.0,
        "Seconds to wait for the webhook's server, to connect and for each read.",
        "seconds, or `none`",
    ),
    Option(
        "notify_email_to",
        _parse_email_list,
        (),
        "Each new coverage event (a failed renewal included) is mailed to these addresses. Needs "
        "`notify_email_from` and `smtp_host`. Unset: no email.",
        "a comma-separated list of email addresses",
    ),
    Option(
        "notify_email_from",
        _parse_email,
        None,
        "The sender of the notification emails.",
        "an email address",
    ),
    Option(
        "notify_max_attempts",
        _parse_int_factory(1, 100),
        8,
        "How many times a notification is tried (waiting 1, 2, 4... minutes between tries, at most "
        "6 hours) before it is marked failed.",
        "a whole number from 1 to 100",
    ),
    Option(
        "smtp_host",
        _parse_str,
        None,
        "The SMTP server the notification emails go through.",
        "a host name or address",
    ),
    Option(
        "smtp_port",
        _parse_int_factory(1, 65535),
        25,
        "The SMTP server's port (587 for submission with STARTTLS).",
        "a port number",
    ),
    Option(
        "smtp_starttls",
        _parse_bool,
        False,
        "Upgrade the SMTP connection with STARTTLS (the server's certificate is verified) before "
        "anything else; required for `smtp_username` unless `smtp_host` is a loopback address.",
        "true or false",
    ),
    Option(
        "smtp_username",
        _parse_str,
        None,
        "Log in to the SMTP server (AUTH) with this name and `smtp_password`.",
        "text",
    ),
    Option(
        "smtp_password",
        _parse_str,
        None,
        "The password of `smtp_username`.",
        "text",
        secret=True,
    ),
    Option(
        "smtp_timeout",
        _parse_timeout,
        10.0,
        "Seconds to wait for the SMTP server.",
        "seconds, or `none`",
    ),
    Option(
        "smtp_ca_bundle",
        _parse_file,
        None,
        "A PEM file of the CA certificates to trust for the SMTP server's STARTTLS certificate; unset: "
        "the system's CA store.",
        "the path of a PEM file",
    ),
    Option(
        "queue_certificates_retry_base",
        _parse_int_factory(60),
        3600,
        "A renewal that failed is not enqueued again at once: after its n-th failure in a row it "
        "waits this many seconds times 2^(n-1), up to `queue_certificates_retry_max`, and never more than a "
        "quarter of the time the certificate has left; the CA's Retry-After wins when later. Then the next "
        "`process` (or `update`) enqueues it again "
        "(docs/Automation.md, \"The CA's rate limits and back-off\").",
        "a whole number of seconds, at least 60",
    ),
    Option(
        "queue_process_concurrency",
        _parse_int_factory(1, 32),
        4,
        "How many ACME orders one `process` of the domain queue or the renewal queue runs at once "
        "(`max_items` of them in all), each in a thread with its own database session. 1: one after "
        "the other. The CA's rate limits are checked for each order as ever; the orders' creation is "
        "serialized within one `process` so that no two orders pass the same limit at once.",
        "a whole number from 1 to 32",
    ),
    Option(
        "queue_certificates_retry_max",
        _parse_int_factory(60),
        86400,
        "The longest back-off wait of a failed renewal (see `queue_certificates_retry_base`).",
        "a whole number of seconds, at least 60, not below `queue_certificates_retry_base`",
    ),
    # --- the CA's rate limits (Let's Encrypt's published limits; 0 = no limit)
    Option(
        "rate_limit_orders_per_account",
        _parse_int_factory(0),
        300,
        "The most new orders one ACME account places in 3 hours (Let's Encrypt: 300). An order beyond it is "
        "not sent: it is deferred (the renewal queue) or refused (a form) until the window allows it. 0: no limit.",
        "a whole number, 0 for no limit",
    ),
    Option(
        "rate_limit_certificates_per_domain",
        _parse_int_factory(0),
        50,
        "The most certificates issued in 7 days for names under one registered domain (the Public Suffix "
        "List's public suffix plus one label; Let's Encrypt: 50). 0: no limit.",
        "a whole number, 0 for no limit",
    ),
    Option(
        "rate_limit_duplicate_certificates",
        _parse_int_factory(0),
        5,
        "The most certificates issued in 7 days for the exact same set of names (Let's Encrypt: 5). 0: no limit.",
        "a whole number, 0 for no limit",
    ),
    Option(
        "rate_limit_failed_validations",
        _parse_int_factory(0),
        5,
        "The most failed (invalid) authorizations in one hour for one name and one account (Let's Encrypt: 5); "
        "an order with a name beyond it is not sent. 0: no limit.",
        "a whole number, 0 for no limit",
    ),
    # --- openssl fallback
    Option(
        "openssl_path",
        _parse_str,
        "openssl",
        "The openssl binary, used only when the `cryptography` package cannot be imported.",
        "a command name or path",
    ),
    Option(
        "openssl_path_conf",
        _parse_str,
        "/etc/ssl/openssl.cnf",
        "The openssl configuration file used with `openssl_path`.",
        "a file path",
    ),
    # --- the process
    Option(
        "gc_freeze",
        _parse_bool,
        True,
        "Once the application is loaded, move everything it holds into Python's permanent garbage-collector "
        "generation (`gc.freeze()`): a full collection then walks only what requests allocate, not the "
        "several hundred thousand objects of the loaded application (a Redis prime of 5,000 domains ran "
        "four times faster). Turn it off in a process that builds the application many times (the tests).",
        "true or false",
    ),
    # --- Redis
    Option(
        "enable_redis",
        _parse_bool,
        False,
        "Prime a Redis server with certificates for OpenResty. Needs `redis.url` and `redis.prime_style`.",
        "true or false",
    ),
    Option(
        "redis.url",
        _parse_redis_url,
        None,
        "The Redis server, with its database number, e.g. `redis://127.0.0.1:6379/9`. A password goes in the "
        "URL (`redis://:secret@host:6379/9`, or `?password=secret`, the only way for `unix://`); it is masked "
        "wherever the URL is shown.",
        "a redis://, rediss:// or unix:// URL",
        secret=True,
    ),
    Option(
        "redis.prime_style",
        _parse_prime_style,
        None,
        "How certificates are laid out in Redis (the keys lua-resty-peter_sslers reads, docs/Redis.md): `1` "
        "stores each certificate, key and chain once (`c:{id}`, `p:{id}`, `i:{id}`) and points domains at "
        "them (`d1:{domain}`); `2` stores a full chain and key per domain (`d2:{domain}`).",
        "`1` or `2`",
    ),
    Option(
        "redis.timeout.certca",
        _parse_positive_int,
        None,
        "Time-to-live in seconds of the chain (CertificateCAChain) keys in Redis, `i:{id}` (style 1); `none` "
        "keeps them. Every prime sets it again.",
        "seconds, or `none`",
    ),
    Option(
        "redis.timeout.cert",
        _parse_positive_int,
        None,
        "Time-to-live in seconds of the certificate keys in Redis, `c:{id}` (style 1); `none` keeps them. "
        "Every prime sets it again.",
        "seconds, or `none`",
    ),
    Option(
        "redis.timeout.pkey",
        _parse_positive_int,
        None,
        "Time-to-live in seconds of the private key keys in Redis, `p:{id}` (style 1); `none` keeps them. "
        "Every prime sets it again.",
        "seconds, or `none`",
    ),
    Option(
        "redis.timeout.domain",
        _parse_positive_int,
        None,
        "Time-to-live in seconds of the per-domain hashes in Redis, `d1:{domain}` / `d2:{domain}`; `none` "
        "keeps them. Every prime sets it again.",
        "seconds, or `none`",
    ),
    # --- nginx / OpenResty
    Option(
        "enable_nginx",
        _parse_bool,
        False,
        "Expire the certificate caches of OpenResty servers. Needs `nginx.servers_pool`.",
        "true or false",
    ),
    Option(
        "nginx.servers_pool",
        _parse_server_url_list,
        (),
        "The OpenResty servers whose caches are expired, each a base URL such as `https://10.0.0.5`; "
        "`nginx.reset_path` and `nginx.status_path` are appended to it. Each server is called and "
        "reported on its own: one that fails never stops the others.",
        "a comma-separated list of http(s) URLs without credentials, query or fragment",
    ),
    Option(
        "nginx.userpass",
        _parse_userpass,
        None,
        "HTTP basic authentication sent to every server of `nginx.servers_pool`.",
        "`username:password`",
        secret=True,
    ),
    Option(
        "nginx.reset_path",
        _parse_path,
        "/.peter_sslers/nginx/shared_cache/expire",
        "The path of the cache expiry routes on each server.",
        "an absolute URL path",
    ),
    Option(
        "nginx.status_path",
        _parse_path,
        "/.peter_sslers/nginx/shared_cache/status",
        "The path of the cache status route on each server.",
        "an absolute URL path",
    ),
    Option(
        "nginx.timeout",
        _parse_timeout,
        5.0,
        "Seconds to wait for each server of the pool, to connect and for each read of its answer; "
        "`none` waits forever. A server that times out is not asked again for the other domains of "
        "the same call.",
        "seconds, or `none`",
    ),
    Option(
        "nginx.ca_bundle",
        _parse_file,
        None,
        "A PEM file of the CA certificates to trust for the pool's https servers (e.g. the self-signed "
        "certificate of a private OpenResty). When unset, the default CA store of `requests` (certifi) "
        "is used. Only this bundle is trusted, whatever `REQUESTS_CA_BUNDLE` says.",
        "the path of a PEM file",
    ),
    Option(
        "nginx.servers_pool_allow_invalid",
        _parse_bool,
        False,
        "Skip TLS verification of the pool's servers. Off by default; prefer `nginx.ca_bundle` (setting "
        "both is refused).",
        "true or false",
    ),
    Option(
        "requests.disable_ssl_warning",
        _parse_bool,
        False,
        "Silence the warning `urllib3` prints for each unverified TLS connection (the nginx pool with "
        "`nginx.servers_pool_allow_invalid`).",
        "true or false",
    ),
)

OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}

# Old names still read, mapped to the current one.
ALIASES = {"redis.timeout.certcachain": "redis.timeout.certca"}

# Options of the 2021 design that were removed, with what to do instead.
RETIRED = {
    "certificate_authority_testing": (
        "it turned off TLS verification of the ACME server; trust a private ACME server with "
        "`certificate_authority_ca_bundle` instead"
    ),
}


@dataclasses.dataclass(frozen=True)
class ApplicationSettings:
    """The parsed options. Attribute names are the ini names with dots as underscores."""

    certificate_authority: str
    certificate_authority_directory: Optional[str]
    certificate_authority_protocol: str
    certificate_authority_agreement: Optional[str]
    certificate_authority_endpoint: Optional[str]
    certificate_authority_ca_bundle: Optional[str]
    certificate_authorities_enable: tuple
    cleanup_pending_authorizations: bool
    block_competing_challenges: bool
    http01_selfcheck: bool
    http01_selfcheck_address: Optional[str]
    http01_selfcheck_resolver: Optional[str]
    http01_selfcheck_timeout: float
    enable_autocert: bool
    autocert_allowed_suffixes: tuple
    autocert_orders_per_hour: int
    autocert_retry_after_seconds: int
    autocert_wait_seconds: int
    autocert_lock_timeout_seconds: int
    autocert_acme_account_id: Optional[int]
    acme_dns_timeout: float
    acme_dns_ca_bundle: Optional[str]
    acme_dns_audit_resolver: Optional[str]
    sqlite_journal_mode: str
    sqlite_synchronous: str
    enable_views_public: bool
    challenge_poll_flush_seconds: float
    enable_views_admin: bool
    enable_acme_flow: bool
    admin_prefix: str
    admin_server: Optional[str]
    admin_url: Optional[str]
    api_host: Optional[str]
    admin_allowed_hosts: tuple
    admin_htpasswd_file: Optional[str]
    admin_tokens_file: Optional[str]
    admin_session_secret: Optional[str]
    exception_redirect: bool
    upload_max_bytes: int
    request_max_bytes: int
    expiring_days: int
    health_expiring_days: int
    queue_domains_min_per_cert: int
    queue_domains_max_per_cert: int
    queue_certificates_renewal_days: Optional[int]
    queue_certificates_renewal_fraction: float
    queue_certificates_renewal_spread: float
    coverage_expiring_days: int
    notify_webhook_url: Optional[str]
    notify_webhook_secret: Optional[str]
    notify_webhook_timeout: Optional[float]
    notify_email_to: tuple
    notify_email_from: Optional[str]
    notify_max_attempts: int
    smtp_host: Optional[str]
    smtp_port: int
    smtp_starttls: bool
    smtp_username: Optional[str]
    smtp_password: Optional[str]
    smtp_timeout: Optional[float]
    smtp_ca_bundle: Optional[str]
    queue_certificates_retry_base: int
    queue_process_concurrency: int
    queue_certificates_retry_max: int
    rate_limit_orders_per_account: int
    rate_limit_certificates_per_domain: int
    rate_limit_duplicate_certificates: int
    rate_limit_failed_validations: int
    openssl_path: str
    openssl_path_conf: str
    gc_freeze: bool
    enable_redis: bool
    redis_url: Optional[str]
    redis_prime_style: Optional[int]
    redis_timeout_certca: Optional[int]
    redis_timeout_cert: Optional[int]
    redis_timeout_pkey: Optional[int]
    redis_timeout_domain: Optional[int]
    enable_nginx: bool
    nginx_servers_pool: tuple
    nginx_userpass: Optional[str]
    nginx_reset_path: str
    nginx_status_path: str
    nginx_timeout: Optional[float]
    nginx_ca_bundle: Optional[str]
    nginx_servers_pool_allow_invalid: bool
    requests_disable_ssl_warning: bool

    @property
    def certificate_authority_name(self) -> str:
        """The AcmeAccountProvider name the configured CA is stored under."""
        if self.certificate_authority.startswith(("http://", "https://")):
            return CUSTOM_CERTIFICATE_AUTHORITY
        return self.certificate_authority

    @classmethod
    def from_settings(cls, raw: dict) -> "ApplicationSettings":
        raw = dict(raw)
        for name, why in RETIRED.items():
            if name in raw and raw[name].strip().lower() not in ("", *_BOOL_FALSE):
                raise ConfigurationError(name, "this option was removed: %s" % why)
        for old, new in ALIASES.items():
            if old in raw:
                if new in raw:
                    raise ConfigurationError(old, "is an old name of `%s`; set only one of them" % new)
                raw[new] = raw.pop(old)

        values = {}
        for option in OPTIONS:
            if option.name in raw and raw[option.name] is not None:
                try:
                    values[option.attr] = option.parse(str(raw[option.name]))
                except ValueError as exc:
                    raise ConfigurationError(
                        option.name, "%r is not accepted: %s" % (raw[option.name], exc)
                    ) from None
            else:
                values[option.attr] = option.default
        values = _cross_check(values)
        return cls(**values)

    def effective(self):
        """(Option, value shown to users) for the settings page; secrets are masked."""
        rows = []
        for option in OPTIONS:
            value = getattr(self, option.attr)
            if option.secret and value:
                value = _mask_secret(option.name, value)
            rows.append((option, value))
        return rows


# secrets that are not URLs: shown as ``********`` whole
_OPAQUE_SECRETS = ("notify_webhook_secret", "smtp_password", "admin_session_secret")


def _mask_secret(name: str, value: str) -> str:
    if name == "nginx.userpass":
        return value.split(":", 1)[0] + ":********"
    if name in _OPAQUE_SECRETS:
        return "********"
    return mask_url_secrets(value)


# URL query parameters that carry credentials: redis-py reads `?password=` and `?username=` like
# the URL's userinfo (for a unix:// URL the query is the only place for them).
_SECRET_QUERY_PARAMETERS = ("password", "username")


def mask_url_secrets(url: str) -> str:
    """``url`` with its secrets replaced by ``********``: the password of its userinfo, and the
    value of any ``password`` or ``username`` query parameter. Everything else stays as written
    (``unix:///path`` keeps its three slashes). Used for the settings page and for every message
    or log line that names the Redis server (``lib.utils_redis.describe_server``)."""
    rest, hash_sign, fragment = url.partition("#")
    base, question_mark, query = rest.partition("?")
    parsed = urllib.parse.urlsplit(base)
    if parsed.password:
        host = parsed.netloc.rsplit("@", 1)[1]
        base = base.replace(parsed.netloc, "%s:********@%s" % (parsed.username or "", host), 1)
    if query:
        pairs = []
        for pair in query.split("&"):
            name, equals, _value = pair.partition("=")
            if equals and urllib.parse.unquote_plus(name).lower() in _SECRET_QUERY_PARAMETERS:
                pair = name + "=********"
            pairs.append(pair)
        query = "&".join(pairs)
    return base + question_mark + query + hash_sign + fragment


def _cross_check(values: dict) -> dict:
    """Rules that span several options."""
    ca = values["certificate_authority"]
    directory = values["certificate_authority_directory"]
    if ca in KNOWN_CERTIFICATE_AUTHORITIES:
        known = KNOWN_CERTIFICATE_AUTHORITIES[ca]
        if directory is None:
            values["certificate_authority_directory"] = known
        elif ca != "pebble" and directory.rstrip("/") != known:
            raise ConfigurationError(
                "certificate_authority_directory",
                "`%s` has the directory %s; leave this option out or use `custom`" % (ca, known),
            )
    elif ca == CUSTOM_CERTIFICATE_AUTHORITY:
        if directory is None:
            raise ConfigurationError(
                "certificate_authority_directory",
                "is required when `certificate_authority = custom`",
            )
    else:  # a directory URL given as certificate_authority
        if directory is not None and directory != ca:
            raise ConfigurationError(
                "certificate_authority_directory",
                "differs from the directory URL given as `certificate_authority`",
            )
        values["certificate_authority_directory"] = ca

    if values["request_max_bytes"] < values["upload_max_bytes"]:
        raise ConfigurationError(
            "request_max_bytes",
            "is below `upload_max_bytes` (%s): no upload that size could arrive" % values["upload_max_bytes"],
        )

    if values["queue_domains_min_per_cert"] > values["queue_domains_max_per_cert"]:
        raise ConfigurationError(
            "queue_domains_min_per_cert", "must not be greater than `queue_domains_max_per_cert`"
        )
    if values["queue_certificates_retry_max"] < values["queue_certificates_retry_base"]:
        raise ConfigurationError(
            "queue_certificates_retry_max", "must not be below `queue_certificates_retry_base`"
        )
    if values["enable_redis"]:
        if not values["redis_url"]:
            raise ConfigurationError("redis.url", "is required when `enable_redis = true`")
        if not values["redis_prime_style"]:
            raise ConfigurationError("redis.prime_style", "is required when `enable_redis = true`")
    if values["enable_nginx"] and not values["nginx_servers_pool"]:
        raise ConfigurationError("nginx.servers_pool", "is required when `enable_nginx = true`")
    if values["nginx_ca_bundle"] and values["nginx_servers_pool_allow_invalid"]:
        raise ConfigurationError(
            "nginx.servers_pool_allow_invalid",
            "contradicts `nginx.ca_bundle`: verify against the bundle, or do not verify, not both",
        )
    if values["notify_email_to"]:
        for name in ("notify_email_from", "smtp_host"):
            if not values[name]:
                raise ConfigurationError(name, "is required when `notify_email_to` is set")
    if values["smtp_password"] and not values["smtp_username"]:
        raise ConfigurationError("smtp_password", "needs `smtp_username`")
    if values["smtp_username"] and not values["smtp_starttls"] and not is_loopback(values["smtp_host"]):
        raise ConfigurationError(
            "smtp_username",
            "would send the password in clear: set `smtp_starttls = true` (or use a loopback `smtp_host`)",
        )
    if values["notify_webhook_secret"] and not values["notify_webhook_url"]:
        raise ConfigurationError("notify_webhook_secret", "needs `notify_webhook_url`")
    return values


def options_markdown() -> str:
    """``docs/Configuration_Options.md``, generated from ``OPTIONS`` (a test keeps the file in step)."""
    lines = [
        "# Configuration options",
        "",
        "<!-- generated by `python -m peter_sslers.config`; edit OPTIONS in peter_sslers/config.py -->",
        "",
        "Set these in the `[app:main]` section of your ini file. Every value is checked at start-up: a bad",
        "one stops the application with a message naming the option and what it accepts. The admin",
        "*Settings* page shows the effective values (secrets masked).",
        "",
        "| option | default | accepts | what it does |",
        "|---|---|---|---|",
    ]
    for option in OPTIONS:
        default = option.default
        if isinstance(default, bool):
            default = str(default).lower()
        elif isinstance(default, tuple):
            default = ", ".join(default)
        elif isinstance(default, float):
            default = "%.4g" % default
        default_text = "`%s`" % default if default not in (None, "") else "(none)"
        lines.append("| `%s` | %s | %s | %s |" % (option.name, default_text, option.accepted, option.doc))
    lines += ["", "## Old names", ""]
    for old, new in sorted(ALIASES.items()):
        lines.append("* `%s` is read as `%s`." % (old, new))
    for name, why in sorted(RETIRED.items()):
        lines.append("* `%s` was removed: %s." % (name, why))
    lines += [
        "",
        "## Also in the ini",
        "",
        "* `sqlalchemy.url`: the datastore, e.g. `sqlite:///%(here)s/peter_sslers.sqlite` or",
        "  `postgresql+psycopg://user@127.0.0.1:5432/peter_sslers`.",
        "* `[alembic]`: `script_location = peter_sslers:alembic`, so `alembic -c YOUR.ini upgrade head` works",
        "  (`initialize_peter_sslers_db YOUR.ini` runs it for you).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(options_markdown(), end="")
