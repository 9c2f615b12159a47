#!/usr/bin/env python3
"""Render an nginx config template of this directory (``edge.conf.in``): fill every ``@@NAME@@``.

Usage::

    python3 tools/nginx_conf/render_conf.py tools/nginx_conf/edge.conf.in NAME=VALUE ... > nginx.conf

Every placeholder has a default (``DEFAULTS`` below) suited to a Debian host; name only what
differs. An unknown NAME, a placeholder left without a value, or a value that could break out
of its place in the config (quotes, backslashes, spaces, ``;``, braces) is refused.

The test suite renders the same template with this module (``render()``), so what is tested is
what is shipped.
"""

import os
import re
import sys
from typing import Dict
from typing import Optional

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
    # peter_sslers' public views, for the /.well-known/ proxy (host:port)
    "PETER_SSLERS": "127.0.0.1:7201",
    # the snippet that proxies /.well-known/: lazy.conf or verify.conf
    "WELL_KNOWN": "lazy.conf",
    # Redis as peter_sslers primes it (empty: no Redis); prime style 1, 2 or any
    "REDIS_URL": "",
    "REDIS_PRIME_STYLE": "any",
    # peter_sslers' admin root for `/domain/{name}/config.json?openresty=1` (empty: no fallback)
    "FALLBACK_URL": "http://127.0.0.1:7201/.well-known/admin",
    "FALLBACK_USERPASS": "",
    "CACHE_SIZE": "10m",
    "CACHE_TTL": "600",
    "NEGATIVE_TTL": "3",
    # peter_sslers' nginx.reset_path and nginx.status_path
    "RESET_PATH": "/.peter_sslers/nginx/shared_cache/expire",
    "STATUS_PATH": "/.peter_sslers/nginx/shared_cache/status",
    # `off`, or a realm (then HTPASSWD is the user file, e.g. made with `openssl passwd -apr1`)
    "AUTH_BASIC": "off",
    "HTPASSWD": "/etc/nginx/peter_sslers.htpasswd",
}

RE_PLACEHOLDER = re.compile(r"@@([A-Z0-9_]+)@@")
RE_UNSAFE = re.compile(r"[\"'\\\s;{}]")


class RenderError(ValueError):
    pass


def render(template: str, values: Optional[Dict[str, str]] = None) -> str:
    """The template with every ``@@NAME@@`` replaced by ``values`` over ``DEFAULTS``.

    :raises RenderError: an unknown name, a placeholder without a value, or an unsafe value.
    """
    merged = dict(DEFAULTS)
    for name, value in (values or {}).items():
        if name not in DEFAULTS:
            raise RenderError("unknown placeholder %s (known: %s)" % (name, ", ".join(sorted(DEFAULTS))))
        merged[name] = str(value)
    for name, value in merged.items():
        if RE_UNSAFE.search(value):
            raise RenderError("%s=%r: quotes, backslashes, spaces, ';' and braces are not allowed" % (name, value))

    def _fill(match):
        return merged[match.group(1)]

    missing = sorted(set(RE_PLACEHOLDER.findall(template)) - set(merged))
    if missing:
        raise RenderError("no value for %s" % ", ".join(missing))
    return RE_PLACEHOLDER.sub(_fill, template)


def main(argv) -> int:
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nplaceholders and their defaults:")
        for name, value in DEFAULTS.items():
            print("  %s=%s" % (name, value))
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
