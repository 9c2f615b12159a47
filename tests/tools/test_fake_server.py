"""tools/fake_server.py: run as its own process (as people run it), and imported (as tests use it).

Gated by SSL_RUN_NGINX_TESTS, like the nginx tests it serves; the loopback check needs no
server and always runs.
"""

import os
import select
import subprocess
import sys
import time

import pytest
import requests

from tests.nginx_fake import FAKE_SERVER_PATH
from tests.nginx_fake import fake_nginx  # noqa: F401  (fixtures)
from tests.nginx_fake import fake_server
from tests.nginx_fake import require_switch
from tests.nginx_fake import self_signed_tls  # noqa: F401
from tests.pebble import free_port

RESET = fake_server.DEFAULT_RESET_PATH
STATUS = fake_server.DEFAULT_STATUS_PATH
STARTUP_TIMEOUT = 15


class Process:
    """``python tools/fake_server.py ARGS`` with the URL it printed on its first line."""

    def __init__(self, *args):
        self.popen = subprocess.Popen(
            [sys.executable, FAKE_SERVER_PATH, "--quiet", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self._first_line()
        prefix = "fake_server: listening on "
        if not line.startswith(prefix):
            self.stop()
            raise AssertionError("fake_server did not start: %r %s" % (line, self.popen.stderr.read()))
        self.url = line[len(prefix) :].strip()

    def _first_line(self) -> str:
        # The server writes and flushes this line once it listens, before it serves.
        ready, _, _ = select.select([self.popen.stdout], [], [], STARTUP_TIMEOUT)
        if not ready:
            self.stop()
            raise AssertionError("fake_server printed nothing within %s s" % STARTUP_TIMEOUT)
        return self.popen.stdout.readline()

    def stop(self):
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self.popen.stdout.close()
        self.popen.stderr.close()


@pytest.fixture
def run_fake_server():
    require_switch()
    processes = []

    def _run(*args) -> Process:
        process = Process(*args)
        processes.append(process)
        return process

    yield _run
    for process in processes:
        process.stop()


def get(url, **kw):
    kw.setdefault("timeout", 10)
    return requests.get(url, **kw)


# --- as its own process


def test_process_serves_every_route_with_its_header(run_fake_server):
    port = free_port()
    server = run_fake_server("--host", "127.0.0.1", "--port", str(port))
    assert server.url == "http://127.0.0.1:%s" % port
    expectations = [
        ("/", 200, "text/html"),
        ("/.well-known/acme-challenge/tok-EN_1", 200, "text/plain"),
        ("/.well-known/public/whoami", 200, "text/plain"),
        ("/.well-known/admin", 200, "text/html"),
        ("/.well-known/admin/domains", 200, "text/html"),
        (RESET + "/all", 200, "application/json"),
        (RESET + "/domain/example.com", 200, "application/json"),
        (STATUS, 200, "application/json"),
        ("/nowhere", 404, "application/json"),
        (RESET + "/something-else", 404, "application/json"),
    ]
    for path, status, content_type in expectations:
        res = get(server.url + path)
        assert res.status_code == status, path
        assert res.headers["Content-Type"].startswith(content_type), path
        assert res.headers["X-Peter-SSLers"] == "fakeserver", path
    assert get(server.url + "/.well-known/acme-challenge/tok-EN_1").text == "tok-EN_1"
    assert get(server.url + "/.well-known/public/whoami").text == "127.0.0.1"
    assert get(server.url + RESET + "/all").json() == {
        "result": "success",
        "expired": "all",
        "server": "peter_sslers:fakeserver",
        "server_version": fake_server.SERVER_VERSION,
    }
    assert get(server.url + RESET + "/domain/example.com").json()["domain"] == "example.com"
    assert get(server.url + STATUS).json()["counts"] == {"expire_all": 2, "expire_domain": 2}
    # other methods: refused, still with the header
    res = requests.post(server.url + RESET + "/all", timeout=10)
    assert res.status_code == 405
    assert res.headers["X-Peter-SSLers"] == "fakeserver"
    assert res.headers["Allow"] == "GET, HEAD"
    res = requests.head(server.url + STATUS, timeout=10)
    assert res.status_code == 200 and res.headers["X-Peter-SSLers"] == "fakeserver"


def test_process_port_zero_picks_a_free_port(run_fake_server):
    server = run_fake_server("--port", "0")
    assert server.url.startswith("http://127.0.0.1:")
    assert not server.url.endswith(":0")
    assert get(server.url + "/").status_code == 200


def test_process_userpass(run_fake_server):
    server = run_fake_server("--port", "0", "--userpass", "peter:sslers")
    for path in (RESET + "/all", RESET + "/domain/example.com", STATUS, "/.well-known/admin"):
        res = get(server.url + path)
        assert res.status_code == 401, path
        assert res.headers["WWW-Authenticate"].startswith("Basic")
        assert res.headers["X-Peter-SSLers"] == "fakeserver"
        assert get(server.url + path, auth=("peter", "wrong")).status_code == 401
        assert get(server.url + path, auth=("peter", "sslers")).status_code == 200
    # the public routes never want credentials
    assert get(server.url + "/.well-known/public/whoami").status_code == 200
    assert get(server.url + "/.well-known/acme-challenge/abc").status_code == 200


def test_process_tls(run_fake_server, self_signed_tls):
    cert, key = self_signed_tls
    server = run_fake_server("--port", "0", "--tls", cert, key)
    assert server.url.startswith("https://127.0.0.1:")
    with pytest.raises(requests.exceptions.SSLError):
        get(server.url + STATUS)
    assert get(server.url + STATUS, verify=cert).json()["result"] == "success"


def test_process_custom_paths_and_mode(run_fake_server):
    server = run_fake_server("--port", "0", "--reset-path", "/r", "--status-path", "/s", "--mode", "error")
    res = get(server.url + "/r/all")
    assert res.status_code == 500
    assert res.json()["result"] == "error"
    server2 = run_fake_server("--port", "0", "--reset-path", "/r", "--status-path", "/s")
    assert get(server2.url + "/r/all").json()["expired"] == "all"
    assert get(server2.url + "/s").json()["result"] == "success"
    assert get(server2.url + RESET + "/all").status_code == 404


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "192.168.1.1", "example.com", "::", "2001:db8::1"])
def test_process_refuses_non_loopback_hosts(host):
    require_switch()
    port = free_port()
    completed = subprocess.run(
        [sys.executable, FAKE_SERVER_PATH, "--host", host, "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert completed.returncode == 2
    assert "refused" in completed.stderr and "not a loopback address" in completed.stderr
    assert completed.stdout == ""  # it never said it was listening


def test_process_reports_a_port_in_use(run_fake_server):
    server = run_fake_server("--port", "0")
    port = server.url.rsplit(":", 1)[1]
    completed = subprocess.run(
        [sys.executable, FAKE_SERVER_PATH, "--port", port], capture_output=True, text=True, timeout=30
    )
    assert completed.returncode == 1
    assert "cannot start" in completed.stderr


def test_process_needs_only_the_standard_library():
    """It runs with a bare interpreter: no site-packages, no peter_sslers."""
    require_switch()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    completed = subprocess.run(
        [sys.executable, "-S", "-I", FAKE_SERVER_PATH, "--help"], capture_output=True, text=True, timeout=30, env=env
    )
    assert completed.returncode == 0, completed.stderr
    assert "--userpass" in completed.stdout


# --- imported


def test_loopback_check():
    for host in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"):
        fake_server.check_loopback_host(host)
    for host in ("0.0.0.0", "::", "10.0.0.1", "172.16.0.1", "192.168.0.1", "8.8.8.8", "example.com", ""):
        with pytest.raises(fake_server.NotLoopback):
            fake_server.check_loopback_host(host)
    with pytest.raises(fake_server.NotLoopback):
        fake_server.FakeServer(host="0.0.0.0")


def test_records_requests_and_switches_modes(fake_nginx):
    server = fake_nginx(userpass="peter:sslers")
    get(server.url + STATUS)
    get(server.url + STATUS, auth=("peter", "sslers"), headers={"X-Test": "1"})
    first, second = server.requests
    assert (first.method, first.path, first.status, first.authorization) == ("GET", STATUS, 401, None)
    assert second.status == 200 and second.headers["X-Test"] == "1"
    assert second.authorization.startswith("Basic ")
    server.clear()
    assert server.requests == []

    server.mode = fake_server.MODE_RESULT_ERROR
    res = get(server.url + RESET + "/all", auth=("peter", "sslers"))
    assert res.status_code == 200 and res.json()["result"] == "error"
    server.mode = fake_server.MODE_NOT_JSON
    res = get(server.url + RESET + "/all", auth=("peter", "sslers"))
    assert res.status_code == 200 and res.headers["Content-Type"].startswith("text/html")
    server.mode = fake_server.MODE_OK
    assert get(server.url + RESET + "/all", auth=("peter", "sslers")).json()["result"] == "success"
    with pytest.raises(ValueError):
        server.mode = "sometimes"


def test_hang_mode_holds_until_stopped(fake_nginx):
    server = fake_nginx(mode=fake_server.MODE_HANG, hang_seconds=60)
    with pytest.raises(requests.exceptions.Timeout):
        get(server.url + STATUS, timeout=0.3)
    started = time.monotonic()
    server.stop()  # releases the hung handler at once
    assert time.monotonic() - started < 5
