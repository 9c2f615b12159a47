#!/usr/bin/env python3
"""Render an nginx config template of this directory (``edge.conf.in``): fill every ``@@NAME@@``.

Usage::

    python3 tools/nginx_conf/render_conf.py tools/nginx_conf/edge.conf.in NAME=VALUE ... > nginx.conf

Every placeholder has a default (``DEFAULTS`` below) suited to a Debian host; name only what
differs. Refused, with a message naming the placeholder: an unknown NAME, a placeholder left
without a value, a value that could break out of its place in the config (quotes, backslashes,
spaces, ``;``, braces), and a value that is not of its placeholder's kind (``CHECKS`` below: a
number where a number goes, an absolute path where a path goes, ...). Several placeholders land
unquoted in Lua or in an nginx directive, so the kind check is what keeps code out of them.

The test suite renders the same template with this module (``render()``), so what is tested is
what is shipped.
"""

import ipaddress
import os
import re
import sys
from typing import Callable
from typing import Dict
from typing import Optional
from typing import Tuple

HERE = os.path.dirname(os.path.abspath(__file__))

DEFAULTS: Dict[str, str] = {
    # where the Lua module and the included snippets are
    "NGINX_CONF_DIR": HERE,
    "WORKER_PROCESSES": "auto",
    "PID_FILE": "/run/peter_sslers_edge.pid",
    "LOG_DIR": "/var/log/nginx",
    "LOG_LEVEL": "warn",
    "TEMP_DIR": "/var/lib/nginx",
    "HTTP_LISTEN": "80",
    "HTTPS_LISTEN": "443",
    # Debian's ssl-cert package makes this pair; use a certificate of your own
    "DEFAULT_CERT": "/etc/ssl/certs/ssl-cert-snakeoil.pem",
    "DEFAULT_KEY": "/etc/ssl/private/ssl-cert-snakeoil.key",
    # the CAs nginx trusts for TLS to Redis (rediss://) and to an https FALLBACK_URL: verification is on
    # (Debian's ca-certificates bundle; a private CA's file, or peter_sslers' own certificate, works too)
    "TRUSTED_CA": "/etc/ssl/certs/ca-certificates.crt",
    # peter_sslers' public views, for the /.well-known/ proxy (host:port)
    "PETER_SSLERS": "127.0.0.1:7201",
    # the snippet that proxies /.well-known/: lazy.conf or verify.conf
    "WELL_KNOWN": "lazy.conf",
    # Redis as peter_sslers primes it (empty: no Redis)
    "REDIS_URL": "",
    # 1 or 2: the same as peter_sslers' `redis.prime_style` (its example configs use 1)
    "REDIS_PRIME_STYLE": "1",
    # the name Redis' certificate is checked against (empty: the host of REDIS_URL; set it when that is an
    # IP address: nginx matches certificates against DNS names only)
    "REDIS_SERVER_NAME": "",
    # peter_sslers' admin root for `/domain/{name}/config.json?openresty=1` (empty: no fallback); plain http
    # only to a loopback address unless ALLOW_INSECURE_FALLBACK=1, else https (with FALLBACK_USERPASS)
    "FALLBACK_URL": "http://127.0.0.1:7201/.well-known/admin",
    "FALLBACK_USERPASS": "",
    # as REDIS_SERVER_NAME, for an https FALLBACK_URL
    "FALLBACK_SERVER_NAME": "",
    # 1: accept a plain-http FALLBACK_URL to another host (private keys cross the network in clear text)
    "ALLOW_INSECURE_FALLBACK": "0",
    "CACHE_SIZE": "10m",
    "CACHE_TTL": "600",
    # remembered misses live in a shared dict of their own (they cannot evict certificates)
    "NEGATIVE_CACHE_SIZE": "1m",
    "NEGATIVE_TTL": "3",
    # only these names and names under them are looked up, comma-separated (empty: every host name)
    "LOOKUP_SUFFIXES": "",
    # fallback requests in flight per worker, how long a handshake waits for one (ms), and per second for
    # the whole server (0: no limit)
    "FALLBACK_CONCURRENCY": "4",
    "FALLBACK_QUEUE_MS": "500",
    "FALLBACK_PER_SECOND": "0",
    # 1: on a name peter_sslers has no certificate for, ask it to order one now (its /api/domain/autocert,
    # within its own autocert policy: docs/Autocert.md); only names under AUTOCERT_SUFFIXES (empty: every
    # name looked up); a handshake waits up to AUTOCERT_TIMEOUT_MS for the order
    "AUTOCERT": "0",
    "AUTOCERT_SUFFIXES": "",
    "AUTOCERT_TIMEOUT_MS": "60000",
    # peter_sslers' nginx.reset_path and nginx.status_path
    "RESET_PATH": "/.peter_sslers/nginx/shared_cache/expire",
    "STATUS_PATH": "/.peter_sslers/nginx/shared_cache/status",
    # who may call them: addresses and CIDR ranges, comma-separated (peter_sslers' host(s))
    "ADMIN_ALLOW": "127.0.0.1,::1",
    # `off`, or a realm (then HTPASSWD is the user file, e.g. made with `openssl passwd -apr1`)
    "AUTH_BASIC": "off",
    "HTPASSWD": "/etc/nginx/peter_sslers.htpasswd",
}

RE_PLACEHOLDER = re.compile(r"@@([A-Z0-9_]+)@@")
RE_UNSAFE = re.compile(r"[\"'\\\s;{}]")
RE_HOST_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}(\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*")


class RenderError(ValueError):
    pass


def _pattern(regex: str, kind: str) -> Tuple[Callable[[str], bool], str]:
    """A check that the whole value matches ``regex`` (``fullmatch``: no trailing newline sneaks by)."""
    compiled = re.compile(regex)
    return (lambda value: compiled.fullmatch(value) is not None), kind


def _admin_allow_ok(value: str) -> bool:
    if not value:
        return False
    for item in value.split(","):
        try:
            ipaddress.ip_network(item, strict=True)
        except ValueError:
            return False
    return True


def _host_names_ok(value: str) -> bool:
    return all(RE_HOST_NAME.fullmatch(item) for item in value.split(",")) if value else True


_ABSOLUTE_FILE = _pattern(r"/.*", "an absolute path")
_URL_PATH = _pattern(r"(/[A-Za-z0-9._~-]+)+", "an absolute URL path with no trailing slash, e.g. /.peter_sslers/x")
_SECONDS = _pattern(r"[0-9]+", "a whole number of seconds")
_LISTEN = _pattern(
    r"[0-9]{1,5}|[A-Za-z0-9.-]+:[0-9]{1,5}|\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}|unix:/.+",
    "a port, address:port, [ipv6]:port or unix:/path",
)

# What each placeholder accepts: (check, what it expects). Every placeholder has one.
CHECKS: Dict[str, Tuple[Callable[[str], bool], str]] = {
    "NGINX_CONF_DIR": _ABSOLUTE_FILE,
    "WORKER_PROCESSES": _pattern(r"auto|[1-9][0-9]*", "auto or a number"),
    "PID_FILE": _ABSOLUTE_FILE,
    "LOG_DIR": _ABSOLUTE_FILE,
    "LOG_LEVEL": _pattern(r"debug|info|notice|warn|error|crit|alert|emerg", "an nginx log level (warn, info, ...)"),
    "TEMP_DIR": _ABSOLUTE_FILE,
    "HTTP_LISTEN": _LISTEN,
    "HTTPS_LISTEN": _LISTEN,
    "DEFAULT_CERT": _ABSOLUTE_FILE,
    "DEFAULT_KEY": _ABSOLUTE_FILE,
    "TRUSTED_CA": _ABSOLUTE_FILE,
    "PETER_SSLERS": _pattern(
        r"([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}|unix:/.+", "host:port, [ipv6]:port or unix:/path"
    ),
    "WELL_KNOWN": _pattern(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*\.conf", "a file name of NGINX_CONF_DIR (lazy.conf, verify.conf)"),
    "REDIS_URL": _pattern(r"|rediss?://.+|unix://.+", "empty, or a redis://, rediss:// or unix:// URL"),
    "REDIS_PRIME_STYLE": _pattern(r"[12]", "1 or 2, the same as peter_sslers' redis.prime_style"),
    "REDIS_SERVER_NAME": (_host_names_ok, "empty or a host name"),
    "FALLBACK_URL": _pattern(r"|https?://.+", "empty, or an http:// or https:// URL"),
    "FALLBACK_USERPASS": _pattern(r"|[^:]+:.*", "empty or user:password"),
    "FALLBACK_SERVER_NAME": (_host_names_ok, "empty or a host name"),
    "ALLOW_INSECURE_FALLBACK": _pattern(r"[01]", "0 or 1"),
    "CACHE_SIZE": _pattern(r"[1-9][0-9]*[kKmM]?", "a size such as 10m or 512k"),
    "CACHE_TTL": _SECONDS,
    "NEGATIVE_CACHE_SIZE": _pattern(r"[1-9][0-9]*[kKmM]?", "a size such as 1m or 512k"),
    "NEGATIVE_TTL": _SECONDS,
    "LOOKUP_SUFFIXES": (_host_names_ok, "empty or host names, comma-separated"),
    "FALLBACK_CONCURRENCY": _pattern(r"[1-9][0-9]*", "a number >= 1"),
    "FALLBACK_QUEUE_MS": _pattern(r"[0-9]+", "a whole number of milliseconds"),
    "FALLBACK_PER_SECOND": _pattern(r"[0-9]+", "a whole number (0: no limit)"),
    "AUTOCERT": _pattern(r"[01]", "0 or 1"),
    "AUTOCERT_SUFFIXES": (_host_names_ok, "empty or host names, comma-separated"),
    "AUTOCERT_TIMEOUT_MS": _pattern(r"[1-9][0-9]*", "a whole number of milliseconds"),
    "RESET_PATH": _URL_PATH,
    "STATUS_PATH": _URL_PATH,
    "ADMIN_ALLOW": (_admin_allow_ok, "addresses or CIDR ranges, comma-separated, e.g. 127.0.0.1,::1,10.0.0.0/24"),
    "AUTH_BASIC": _pattern(r"off|[A-Za-z0-9_.-]+", "off or a realm (letters, digits, _ . -)"),
    "HTPASSWD": _ABSOLUTE_FILE,
}

# Placeholders that expand into more than their value (checked first, like every other).
EXPANSIONS: Dict[str, Callable[[str], str]] = {
    # one `allow` directive per address or range; the template follows them with `deny all;`
    "ADMIN_ALLOW": lambda value: " ".join("allow %s;" % item for item in value.split(",")),
}


def check_value(name: str, value: str) -> None:
    """:raises RenderError: ``value`` is unsafe anywhere, or not of ``name``'s kind."""
    if RE_UNSAFE.search(value):
        raise RenderError("%s=%r: quotes, backslashes, spaces, ';' and braces are not allowed" % (name, value))
    check, kind = CHECKS[name]
    if not check(value):
        raise RenderError("%s=%r: expected %s" % (name, value, kind))


def render(template: str, values: Optional[Dict[str, str]] = None) -> str:
    """The template with every ``@@NAME@@`` replaced by ``values`` over ``DEFAULTS``.

    :raises RenderError: an unknown name, a placeholder without a value, or a bad value.
    """
    merged = dict(DEFAULTS)
    for name, value in (values or {}).items():
        if name not in DEFAULTS:
            raise RenderError("unknown placeholder %s (known: %s)" % (name, ", ".join(sorted(DEFAULTS))))
        merged[name] = str(value)
    for name, value in merged.items():
        check_value(name, value)

    def _fill(match):
        name = match.group(1)
        expand = EXPANSIONS.get(name)
        return expand(merged[name]) if expand else merged[name]

    missing = sorted(set(RE_PLACEHOLDER.findall(template)) - set(merged))
    if missing:
        raise RenderError("no value for %s" % ", ".join(missing))
    return RE_PLACEHOLDER.sub(_fill, template)


def main(argv) -> int:
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nplaceholders and their defaults:")
        for name, value in DEFAULTS.items():
            print("  %s=%s  (%s)" % (name, value, CHECKS[name][1]))
        return 0 if len(argv) >= 2 else 2
    values = {}
    for argument in argv[2:]:
        name, sep, value = argument.partition("=")
        if not sep:
            print("expected NAME=VALUE, got %r" % argument, file=sys.stderr)
            return 2
        values[name] = value
    with open(argv[1]) as f:
        template = f.read()
    try:
        sys.stdout.write(render(template, values))
    except RenderError as exc:
        print("render_conf: %s" % exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
