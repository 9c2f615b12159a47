"""The environment switches that turn on the tests needing outside programs (pebble, Redis, nginx, bind9).

``SSL_RUN_LETSENCRYPT_API_TESTS``, ``SSL_RUN_REDIS_TESTS``, ``SSL_RUN_NGINX_TESTS`` and ``SSL_RUN_DNS_TESTS`` read the same
way: unset, empty or ``0`` is off; another number is on; otherwise ``true``/``yes``/``on`` are on.
``make test`` sets all four.
"""

import os


def switch_on(name: str) -> bool:
    """Whether the switch ``name`` is on in the environment."""
    value = os.environ.get(name, "").strip()
    try:
        return int(value or "0") != 0
    except ValueError:
        return value.lower() in ("true", "yes", "on")
