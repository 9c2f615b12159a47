"""The environment switches of the test suite (docs/Tests.md, "Switches").

``SSL_RUN_LETSENCRYPT_API_TESTS``, ``SSL_RUN_REDIS_TESTS``, ``SSL_RUN_NGINX_TESTS``, ``SSL_RUN_DNS_TESTS`` and
``SSL_RUN_BROWSER_TESTS`` turn on the tests needing outside programs (pebble, Redis, nginx, bind9,
Chromium: ``tests/chromium.py``). They read the same way: unset, empty or ``0`` is off; another
number is on; otherwise ``true``/``yes``/``on`` are on. ``make test`` sets all five.

The specification's three settings of the ACME tests, with the meaning it gives them:

* ``SSL_LETSENCRYPT_API_VALIDATES`` (default on): the ACME server really validates the challenges
  (pebble without ``PEBBLE_VA_ALWAYS_VALID``: the ``pebble_strict`` fixture), so the tests serving
  them run. Off (``0``), those tests skip, saying so: for a machine where the ACME server cannot
  reach the test server.
* ``SSL_TEST_DOMAINS``: the names the real-validation tests order, comma-separated; each must
  resolve, for the ACME server's validation, to the machine the test server runs on. With pebble
  and pebble-challtestsrv every name resolves to 127.0.0.1, so the default names just work.
* ``SSL_TEST_PORT``: the port the test server binds (on 127.0.0.1) for real validation, which is
  also the port pebble's validation connects to. Default: a free port.
"""

import os
from typing import List
from typing import Optional

VALIDATES = "SSL_LETSENCRYPT_API_VALIDATES"
TEST_DOMAINS = "SSL_TEST_DOMAINS"
TEST_PORT = "SSL_TEST_PORT"


class SwitchError(ValueError):
    """A switch holds a value it cannot have; the message names it."""


def switch_on(name: str, default: bool = False) -> bool:
    """Whether the switch ``name`` is on in the environment (``default`` when unset or empty)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value) != 0
    except ValueError:
        return value.lower() in ("true", "yes", "on")


def validates() -> bool:
    """``SSL_LETSENCRYPT_API_VALIDATES``: the ACME tests may rely on real validation (default on)."""
    return switch_on(VALIDATES, default=True)


def validation_domains(default: List[str]) -> List[str]:
    """``SSL_TEST_DOMAINS``, validated and canonical, or ``default``.

    :raises SwitchError: a name that is not a domain name.
    """
    from peter_sslers.lib import errors
    from peter_sslers.lib import utils

    raw = os.environ.get(TEST_DOMAINS, "").strip()
    if not raw:
        return list(default)
    names = []
    for item in utils.split_domain_names(raw):
        try:
            name = utils.validate_domain_name(item)
        except errors.InvalidRequest as exc:
            raise SwitchError("%s: %s" % (TEST_DOMAINS, exc.message))
        if name not in names:
            names.append(name)
    return names


def validation_port() -> Optional[int]:
    """``SSL_TEST_PORT``, or None (a free port is chosen).

    :raises SwitchError: not a port number (1 to 65535).
    """
    raw = os.environ.get(TEST_PORT, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 65535:
        raise SwitchError("%s=%r: expected a TCP port number (1 to 65535)" % (TEST_PORT, raw))
    return int(raw)
