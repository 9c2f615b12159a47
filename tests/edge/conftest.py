"""Fixtures of the edge tests: real nginx, real peter_sslers over HTTP, real Redis, all on loopback."""

import pytest
import redis
import requests
from webtest.http import StopableWSGIServer

from tests.edge.nginx import EdgeNginx
from tests.edge.nginx import RedisServer
from tests.edge.nginx import require_nginx
from tests.edge.nginx import require_redis
from tests.edge.standin import StandIn

# every process the running test started, for the log tails of a failing test
_used = []


@pytest.fixture
def edge_nginx():
    """``edge_nginx(basic_auth=None, **placeholders)``: an nginx of the test's own, started (gated by
    SSL_RUN_NGINX_TESTS); ``basic_auth=(user, password)`` puts the endpoints behind basic authentication."""
    require_nginx()
    started = []

    def _start(basic_auth=None, **values) -> EdgeNginx:
        nginx = EdgeNginx(values, basic_auth=basic_auth)
        started.append(nginx)
        _used.append(nginx)
        return nginx.start()

    yield _start
    for nginx in started:
        nginx.close()


@pytest.fixture(scope="module")
def edge_redis_server():
    """A redis-server of this module's own on a free loopback port (gated by SSL_RUN_REDIS_TESTS).

    Not the machine's shared Redis: other test runs (another worktree, another branch's suite)
    flush and write that one while these tests read it.
    """
    require_redis()
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
def edge_redis_url(edge_redis_server) -> str:
    """Database 9 of the module's Redis (not 0: the Lua client must SELECT it), emptied."""
    _used.append(edge_redis_server)
    client = redis.Redis.from_url(edge_redis_server.url(0), socket_timeout=10)
    try:
        client.flushall()
    finally:
        client.close()
    return edge_redis_server.url(9)


@pytest.fixture
def edge_redis_client(edge_redis_url):
    """A client on that database; strings in, strings out."""
    client = redis.Redis.from_url(edge_redis_url, decode_responses=True, socket_timeout=10)
    yield client
    client.close()


@pytest.fixture
def standin():
    """``standin(delay=0, tls=None)``: a stand-in for peter_sslers' admin (tests/edge/standin.py), closed after."""
    made = []

    def _make(**kwargs) -> StandIn:
        server = StandIn(**kwargs)
        made.append(server)
        return server

    yield _make
    for server in made:
        server.close()


class ServedApp:
    """peter_sslers (the real WSGI app) served over HTTP on a free loopback port, in a thread."""

    def __init__(self, app):
        self.server = StopableWSGIServer.create(app, host="127.0.0.1")
        self.url = self.server.application_url.rstrip("/")
        self.admin = self.url + "/.well-known/admin"
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only, no proxies

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def upload(self, files: dict) -> dict:
        """POST a certificate, its chain and its key to `/certificate-signed/upload.json`."""
        response = self.http.post(
            self.admin + "/certificate-signed/upload.json",
            files={
                "certificate_file": ("cert.pem", files["cert"]),
                "chain_file": ("chain.pem", files["chain"]),
                "private_key_file": ("privkey.pem", files["key"]),
            },
            timeout=30,
        )
        answer = response.json()
        assert response.status_code == 200 and answer["result"] == "success", answer
        return answer

    def get_json(self, path: str, **kwargs) -> dict:
        response = self.http.get(self.admin + path, timeout=30, **kwargs)
        return response.json()

    def post_json(self, path: str, **kwargs) -> dict:
        response = self.http.post(self.admin + path, timeout=60, **kwargs)
        return response.json()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server = None


@pytest.fixture
def serve_app(make_app, db):
    """``serve_app(**settings)``: peter_sslers over HTTP on loopback, on a freshly seeded database."""
    served = []

    def _serve(**overrides) -> ServedApp:
        app = ServedApp(make_app(**overrides))
        served.append(app)
        return app

    yield _serve
    for app in served:
        app.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for process in _used:
            report.sections.append(
                ("%s log (%s)" % (type(process).__name__, process.log_path), process.log_tail(60))
            )
    if report.when == "teardown":
        _used.clear()

