"""A real Redis server for the tests that prime it.

The server is not started here: the machine runs one (Debian's ``redis-server``), and each test
gets one database of it, emptied (``FLUSHDB``) before the test.

* ``SSL_RUN_REDIS_TESTS``: unset or ``0`` skips the Redis tests, saying so; set (``make test``
  sets it), a Redis that does not answer FAILS them with a message saying what is missing and
  how to start it.
* ``SSL_TEST_REDIS_URL``: the server and database, default ``redis://127.0.0.1:6379/15``. Only
  that database is ever flushed.

Fixtures (names are stable; other test modules and branches use them):

* ``redis_url``: the URL above, after the switch check, the ping and the ``FLUSHDB``;
* ``redis_client``: a ``redis.Redis`` on it (``decode_responses=True``: strings back);
* ``make_redis_app(**ini_overrides)``: the app with ``enable_redis = true`` and ``redis.url`` set
  to ``redis_url`` (``redis.prime_style`` 1 unless overridden), as a WebTest ``TestApp``;
* ``closed_redis_url``: a ``redis://`` URL on a loopback port nobody listens on (Redis "down");
* ``hung_redis``: a loopback TCP server that accepts connections and never answers (a hung
  Redis): ``.url`` to use, ``.accepted`` counts the connections it took.

Wiring (in ``tests/conftest.py``)::

    from tests.redisserver import closed_redis_url, hung_redis, make_redis_app, redis_client, redis_url  # noqa: F401
"""

import os
import socket
import threading
import urllib.parse

import pytest
import redis

from tests import switches
from tests.browser import BrowserTestApp

__all__ = [
    "SWITCH",
    "URL_VARIABLE",
    "DEFAULT_URL",
    "START_COMMAND",
    "switch_on",
    "require_switch",
    "redis_url",
    "redis_client",
    "make_redis_app",
    "closed_redis_url",
    "hung_redis",
    "HungServer",
]

SWITCH = "SSL_RUN_REDIS_TESTS"
URL_VARIABLE = "SSL_TEST_REDIS_URL"
DEFAULT_URL = "redis://127.0.0.1:6379/15"
START_COMMAND = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
)
TEST_HOST = "peter-sslers.example.com"


def switch_on() -> bool:
    return switches.switch_on(SWITCH)


def require_switch() -> None:
    """Skip the calling test unless the Redis tests are switched on."""
    if not switch_on():
        pytest.skip("Redis tests are off: set %s=1 to run them (needs a redis-server on loopback)" % SWITCH)


def _test_url() -> str:
    return os.environ.get(URL_VARIABLE, "").strip() or DEFAULT_URL


def _missing_message(url: str, exc: Exception) -> str:
    return (
        "%s is set but no Redis answers at %s (%s). The Redis tests need a running redis-server: "
        "install Debian's `redis-server` (`apt-get install -y redis-server`; `make test` does it) and start "
        "it with\n    %s\nor point %s at one, or unset %s to skip these tests."
        % (SWITCH, url, exc, START_COMMAND, URL_VARIABLE, SWITCH)
    )


@pytest.fixture
def redis_url() -> str:
    """The test Redis database, answering and empty."""
    require_switch()
    url = _test_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    problem = None
    try:
        client.ping()
        client.flushdb()
    except redis.exceptions.RedisError as exc:
        problem = exc
    finally:
        client.close()
    if problem is not None:  # failed outside the except block: the message alone, no traceback chain
        pytest.fail(_missing_message(url, problem), pytrace=False)
    return url


@pytest.fixture
def redis_client(redis_url):
    """A client on the test database; strings in, strings out."""
    client = redis.Redis.from_url(redis_url, decode_responses=True, socket_connect_timeout=2, socket_timeout=10)
    yield client
    client.close()


@pytest.fixture
def make_redis_app(make_app, db, redis_url):
    """``make_redis_app(**overrides)``: a WebTest app with Redis enabled on the test database.

    Keyword names use ``__`` for the ini's dots: ``redis__prime_style="2"``.
    """

    def _make(**overrides):
        settings = {"enable_redis": "true", "redis.url": redis_url, "redis.prime_style": "1"}
        settings.update({key.replace("__", "."): value for key, value in overrides.items()})
        return BrowserTestApp(
            make_app(**settings), extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"}
        )

    return _make


@pytest.fixture
def closed_redis_url() -> str:
    """A Redis URL on a loopback port with nothing listening: every connection is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The port was free a moment ago and is closed now; nothing of ours listens there.
    return urllib.parse.urlunsplit(("redis", "127.0.0.1:%d" % port, "/0", "", ""))


class HungServer:
    """A TCP server on a free loopback port that accepts every connection and never reads or
    answers: what a client sees of a Redis that hangs (stopped with SIGSTOP, a full disk, a
    firewall that drops replies)."""

    def __init__(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self.url = urllib.parse.urlunsplit(("redis", "127.0.0.1:%d" % self.port, "/0", "", ""))
        self.accepted = 0
        self._connections = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hung-redis", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stopped.is_set():
            try:
                connection, _address = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            self._connections.append(connection)  # kept open, never read, never answered

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)
        self._listener.close()
        for connection in self._connections:
            connection.close()


@pytest.fixture
def hung_redis():
    """A "Redis" that accepts and never answers (see HungServer)."""
    server = HungServer()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _forget_redis_backoff():
    """Each test starts with the write-through's back-off of this process cleared."""
    from peter_sslers.lib import utils_redis

    utils_redis.WRITE_THROUGH_BACKOFF.reset()
    yield
    utils_redis.WRITE_THROUGH_BACKOFF.reset()
