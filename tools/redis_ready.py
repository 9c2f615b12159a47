"""Exit 0 when the Redis of the given URL answers; if it is the local default one and does not,
start it first (as root).

Used by `make test` before the Redis tests (SSL_RUN_REDIS_TESTS): Debian's redis-server
package does not start a server where there is no init system, so the command the test
environment documents is run here. Exit 1 (with the reason on stderr) when nothing answers;
the tests then fail with their own message.
"""

import os
import subprocess
import sys
import time
import urllib.parse

START_COMMAND = [
    "redis-server",
    "--daemonize", "yes",
    "--bind", "127.0.0.1 -::1",
    "--port", "6379",
    "--save", "",
    "--appendonly", "no",
    "--dir", "/var/lib/redis",
    "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip


def _answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
        return True
    except redis.exceptions.RedisError as exc:
        print("Redis at %s: %s" % (url, exc), file=sys.stderr)
        return False
    finally:
        client.close()


def _is_local_default(url: str) -> bool:
    parsed = urllib.parse.urlsplit(url)
    return parsed.scheme == "redis" and parsed.hostname in ("127.0.0.1", "localhost") and (parsed.port or 6379) == 6379


def _try_start() -> None:
    if os.geteuid() != 0:
        print("not root: not starting redis-server", file=sys.stderr)
        return
    for directory in ("/var/lib/redis", "/var/log/redis"):
        os.makedirs(directory, exist_ok=True)
    print("starting: %s" % " ".join(START_COMMAND), file=sys.stderr)
    subprocess.run(START_COMMAND, check=False)
    time.sleep(1)


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/15"
    if _answers(url):
        return 0
    if _is_local_default(url):
        _try_start()
        for _attempt in range(10):
            if _answers(url):
                return 0
            time.sleep(0.5)
    return 1


if __name__ == "__main__":
    sys.exit(main())
