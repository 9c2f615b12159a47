"""lib/utils_nginx.py against real HTTP servers on loopback (tools/fake_server.py).

Gated by SSL_RUN_NGINX_TESTS (tests/nginx_fake.py); the configuration checks at the end need no
server and always run.
"""

import base64
import http.server
import threading
import time

import pytest

from peter_sslers.lib import utils_nginx
from tests.nginx_fake import dead_server_url  # noqa: F401  (fixtures)
from tests.nginx_fake import fake_nginx  # noqa: F401
from tests.nginx_fake import fake_server
from tests.nginx_fake import self_signed_tls  # noqa: F401

RESET = utils_nginx.DEFAULT_RESET_PATH
STATUS = utils_nginx.DEFAULT_STATUS_PATH
USERPASS = "peter:sslers"
BASIC = "Basic " + base64.b64encode(USERPASS.encode()).decode()


def config(*servers, **kw) -> utils_nginx.NginxConfig:
    kw.setdefault("timeout", 5)
    return utils_nginx.NginxConfig(servers_pool=tuple(servers), **kw)


# --- the wire contract


def test_flush_all_calls_every_server_with_auth(fake_nginx):
    a = fake_nginx(userpass=USERPASS)
    b = fake_nginx(userpass=USERPASS)
    result = utils_nginx.flush_all(config(a.url, b.url, userpass=USERPASS))
    assert result.ok and result.result == "success"
    for server in (a, b):
        assert [(r.method, r.path, r.authorization) for r in server.requests] == [("GET", RESET + "/all", BASIC)]
    answer = result.as_json()
    assert answer["servers_success"] == [a.url, b.url]
    assert answer["servers_failed"] == {}
    one = answer["servers"][a.url]
    assert one["result"] == "success"
    assert one["url"] == a.url + RESET + "/all"
    assert one["status_code"] == 200
    assert one["x_peter_sslers"] == "fakeserver"
    assert one["answer"]["expired"] == "all"
    assert one["answer"]["server"] == "peter_sslers:fakeserver"


def test_expire_domains_asks_every_server_for_every_name(fake_nginx):
    a = fake_nginx(userpass=USERPASS)
    b = fake_nginx(userpass=USERPASS)
    names = ["a.example.com", "b.example.com", "xn--bcher-kva.example.com"]
    result = utils_nginx.expire_domains(config(a.url, b.url, userpass=USERPASS), names)
    assert result.ok and result.result == "success"
    assert result.domains_success == names and result.domains_failed == []
    for server in (a, b):
        assert server.paths == [RESET + "/domain/" + name for name in names]
        assert {r.authorization for r in server.requests} == {BASIC}
    answer = result.as_json()
    assert set(answer["domains"]) == set(names)
    per_server = answer["domains"]["b.example.com"]["servers"][b.url]
    assert per_server["answer"] == {
        "result": "success",
        "expired": "domain",
        "domain": "b.example.com",
        "server": "peter_sslers:fakeserver",
        "server_version": fake_server.SERVER_VERSION,
    }


def test_expire_domains_once_each_and_never_empty(fake_nginx):
    a = fake_nginx()
    result = utils_nginx.expire_domains(config(a.url), ["a.example.com", "a.example.com"])
    assert list(result.domains) == ["a.example.com"]
    assert a.paths == [RESET + "/domain/a.example.com"]
    with pytest.raises(ValueError):
        utils_nginx.expire_domains(config(a.url), [])


def test_status(fake_nginx):
    a = fake_nginx(userpass=USERPASS)
    utils_nginx.expire_domains(config(a.url, userpass=USERPASS), ["a.example.com"])
    result = utils_nginx.status(config(a.url, userpass=USERPASS))
    assert result.ok
    assert a.paths[-1] == STATUS
    answer = result.as_json()["servers"][a.url]["answer"]
    assert answer["result"] == "success"
    assert answer["counts"] == {"expire_all": 0, "expire_domain": 1}


def test_custom_paths(fake_nginx):
    a = fake_nginx(reset_path="/x/expire", status_path="/x/status")
    cfg = config(a.url, reset_path="/x/expire", status_path="/x/status")
    assert utils_nginx.flush_all(cfg).ok
    assert utils_nginx.status(cfg).ok
    assert a.paths == ["/x/expire/all", "/x/status"]


def test_one_session_for_every_request(fake_nginx):
    """One requests.Session: every request of a call reuses the one kept-alive connection."""
    a = fake_nginx()
    with utils_nginx.NginxPool(config(a.url)) as pool:
        pool.expire_domains(["a.example.com", "b.example.com", "c.example.com"])
        pool.status()
    assert len({r.client for r in a.requests}) == 1


# --- failures are per server and never reported as success


def test_wrong_credentials_are_a_401_failure_and_others_still_run(fake_nginx):
    good = fake_nginx(userpass=USERPASS)
    other = fake_nginx(userpass="peter:other")
    result = utils_nginx.flush_all(config(other.url, good.url, userpass=USERPASS))
    assert not result.ok and result.result == "partial"
    failed = result.as_json()["servers"][other.url]
    assert failed["result"] == "error"
    assert failed["status_code"] == 401
    assert failed["error"] == utils_nginx.ERROR_UNAUTHORIZED
    assert "nginx.userpass" in failed["reason"]
    assert result.servers_success == [good.url]
    assert good.paths == [RESET + "/all"]


def test_missing_credentials_say_so(fake_nginx):
    a = fake_nginx(userpass=USERPASS)
    result = utils_nginx.status(config(a.url))
    assert result.result == "error"
    assert a.requests[0].authorization is None
    assert result.servers_failed == {a.url: "HTTP 401: the server wants credentials; set nginx.userpass"}


class ForbiddingServer:
    """An HTTP server on loopback that answers 403 to everything, as nginx's `allow`/`deny` does to a
    client outside its list; ``paths`` lists what it was asked."""

    def __init__(self):
        paths = self.paths = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                paths.append(self.path)
                body = b"<html><head><title>403 Forbidden</title></head><body>403 Forbidden</body></html>"
                self.send_response(403)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_403_is_a_server_wide_failure(fake_nginx):
    """A server whose allow list leaves peter_sslers out is asked once per call, not once per name."""
    good = fake_nginx()
    forbidding = ForbiddingServer()
    try:
        result = utils_nginx.expire_domains(
            config(forbidding.url, good.url), ["a.example.com", "b.example.com", "c.example.com"]
        )
    finally:
        forbidding.stop()
    assert forbidding.paths == [RESET + "/domain/a.example.com"]
    first = result.domains["a.example.com"].servers[0]
    assert (first.ok, first.status_code, first.error) == (False, 403, utils_nginx.ERROR_FORBIDDEN)
    assert "allow list" in first.reason
    for name in ("b.example.com", "c.example.com"):
        skipped = result.domains[name].servers[0]
        assert skipped.error == utils_nginx.ERROR_SKIPPED
        assert "HTTP 403" in skipped.reason
    assert len(good.paths) == 3  # the other server is still asked for every name
    assert result.result == "partial"


def test_dead_pool_member_is_reported_and_the_live_one_still_called(fake_nginx, dead_server_url):
    live = fake_nginx()
    cfg = config(dead_server_url, live.url)
    result = utils_nginx.flush_all(cfg)
    assert result.result == "partial"
    assert result.servers_failed == {dead_server_url: "connection refused"}
    assert result.as_json()["servers"][dead_server_url]["error"] == utils_nginx.ERROR_CONNECTION
    assert live.paths == [RESET + "/all"]

    expiry = utils_nginx.expire_domains(cfg, ["a.example.com", "b.example.com"])
    assert expiry.result == "partial"
    # a domain is expired only when EVERY server expired it (2021 counted any one server)
    assert expiry.domains_success == []
    assert expiry.domains_failed == ["a.example.com", "b.example.com"]
    assert live.paths[1:] == [RESET + "/domain/a.example.com", RESET + "/domain/b.example.com"]
    second = expiry.domains["b.example.com"].as_json()["servers"][dead_server_url]
    assert second["error"] == utils_nginx.ERROR_SKIPPED
    assert "a.example.com" in second["reason"] and "connection refused" in second["reason"]
    assert expiry.servers_failed == {dead_server_url: "connection refused"}
    assert "connection refused" in expiry.summary()


def test_every_server_down_is_an_error(dead_server_url):
    result = utils_nginx.flush_all(config(dead_server_url))
    assert result.result == "error" and not result.ok
    assert result.servers_success == []


@pytest.mark.parametrize(
    "mode, error, reason_part",
    [
        (fake_server.MODE_ERROR, utils_nginx.ERROR_HTTP, "HTTP 500"),
        (fake_server.MODE_NOT_JSON, utils_nginx.ERROR_NOT_JSON, "not a JSON object"),
        (fake_server.MODE_RESULT_ERROR, utils_nginx.ERROR_UNEXPECTED, "result='error'"),
    ],
)
def test_bad_answers_are_failures(fake_nginx, mode, error, reason_part):
    bad = fake_nginx(mode=mode)
    good = fake_nginx()
    result = utils_nginx.expire_domains(config(bad.url, good.url), ["a.example.com", "b.example.com"])
    assert result.result == "partial"
    for name in ("a.example.com", "b.example.com"):
        # an answer that is wrong (not a dead server) is asked again for the next name
        failed = result.domains[name].as_json()["servers"][bad.url]
        assert failed["error"] == error
        assert reason_part in failed["reason"]
    assert bad.paths == [RESET + "/domain/a.example.com", RESET + "/domain/b.example.com"]


def test_unknown_path_is_a_failure(fake_nginx):
    a = fake_nginx(reset_path="/elsewhere")
    result = utils_nginx.flush_all(config(a.url))
    assert result.servers_failed[a.url].startswith("HTTP 404")


# --- TLS: verified by default


def test_tls_is_verified_by_default(fake_nginx, self_signed_tls, monkeypatch):
    a = fake_nginx(tls=self_signed_tls)
    assert a.url.startswith("https://")
    # The environment cannot swap the trust: only nginx.ca_bundle can.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", self_signed_tls[0])
    monkeypatch.setenv("CURL_CA_BUNDLE", self_signed_tls[0])
    result = utils_nginx.status(config(a.url))
    assert result.result == "error"
    failed = result.as_json()["servers"][a.url]
    assert failed["error"] == utils_nginx.ERROR_TLS
    assert failed["reason"].startswith("TLS verification failed (trusting the default CA store)")
    assert a.requests == []  # the handshake failed: no request was ever sent


def test_tls_with_ca_bundle(fake_nginx, self_signed_tls):
    a = fake_nginx(tls=self_signed_tls, userpass=USERPASS)
    result = utils_nginx.flush_all(config(a.url, ca_bundle=self_signed_tls[0], userpass=USERPASS))
    assert result.ok
    assert a.requests[0].authorization == BASIC


def test_tls_allow_invalid(fake_nginx, self_signed_tls, recwarn):
    a = fake_nginx(tls=self_signed_tls)
    result = utils_nginx.status(config(a.url, allow_invalid=True))
    assert result.ok
    assert any("Unverified HTTPS request" in str(w.message) for w in recwarn)


def test_tls_allow_invalid_quiet(fake_nginx, self_signed_tls, recwarn):
    a = fake_nginx(tls=self_signed_tls)
    assert utils_nginx.status(config(a.url, allow_invalid=True, quiet_insecure_warning=True)).ok
    assert not any("Unverified HTTPS request" in str(w.message) for w in recwarn)


def test_tls_to_a_plain_server_fails_cleanly(fake_nginx):
    a = fake_nginx()
    url = a.url.replace("http://", "https://")
    failed = utils_nginx.status(config(url)).as_json()["servers"][url]
    assert failed["error"] == utils_nginx.ERROR_TLS
    assert failed["reason"].startswith("TLS handshake failed")


# --- the time-out


def test_timeout_is_honoured(fake_nginx):
    hung = fake_nginx(mode=fake_server.MODE_HANG, hang_seconds=30)
    live = fake_nginx()
    started = time.monotonic()
    result = utils_nginx.expire_domains(
        config(hung.url, live.url, timeout=0.5), ["a.example.com", "b.example.com", "c.example.com"]
    )
    elapsed = time.monotonic() - started
    # one time-out for the hung server, not one per name; far below its 30 s hang
    assert elapsed < 5, elapsed
    assert len(hung.requests) == 1
    assert result.servers_failed == {hung.url: "no answer within 0.5 seconds (nginx.timeout)"}
    first = result.domains["a.example.com"].as_json()["servers"][hung.url]
    assert first["error"] == utils_nginx.ERROR_TIMEOUT
    assert result.domains["c.example.com"].as_json()["servers"][hung.url]["error"] == utils_nginx.ERROR_SKIPPED
    assert len(live.requests) == 3


# --- configuration (no server needed)


def test_config_from_settings():
    from peter_sslers.config import ApplicationSettings

    settings = ApplicationSettings.from_settings(
        {
            "enable_nginx": "true",
            "nginx.servers_pool": "https://127.0.0.1:8443/, http://127.0.0.1:8080",
            "nginx.userpass": USERPASS,
            "nginx.timeout": "2.5",
            "nginx.servers_pool_allow_invalid": "true",
            "requests.disable_ssl_warning": "true",
        }
    )
    cfg = utils_nginx.NginxConfig.from_settings(settings)
    assert cfg.servers_pool == ("https://127.0.0.1:8443", "http://127.0.0.1:8080")
    assert cfg.userpass == USERPASS
    assert cfg.timeout == 2.5
    assert cfg.reset_path == RESET and cfg.status_path == STATUS
    assert cfg.allow_invalid is True and cfg.quiet_insecure_warning is True
    assert cfg.ca_bundle is None
    assert cfg.url_expire("https://127.0.0.1:8443", "*.example.com") == (
        "https://127.0.0.1:8443" + RESET + "/domain/*.example.com"
    )


def test_config_refuses_bad_values():
    with pytest.raises(ValueError):
        utils_nginx.NginxConfig(servers_pool=())
    with pytest.raises(ValueError):
        utils_nginx.NginxConfig(servers_pool=("http://127.0.0.1:1",), userpass="nocolon")
