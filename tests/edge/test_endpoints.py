"""The expire and status endpoints of the Lua module, on a real nginx: the wire contract peter_sslers'
`nginx.servers_pool` calls rely on (reference inventory 6.2), basic authentication, bad input."""

import requests

from tests.edge.nginx import mint_leaf

RESET_PATH = "/.peter_sslers/nginx/shared_cache/expire"
STATUS_PATH = "/.peter_sslers/nginx/shared_cache/status"
CONTRACT = {"result": "success", "server": "peter_sslers:openresty", "server_version": "1.0.0"}


def test_status_answers_the_contract(edge_nginx):
    nginx = edge_nginx(NEGATIVE_TTL="5", CACHE_TTL="120")
    response = requests.get(nginx.http_url + STATUS_PATH, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Peter-SSLers"] == "1.0.0"
    body = response.json()
    assert {k: body[k] for k in CONTRACT} == CONTRACT
    assert body["config"] == {
        "redis": None,
        "redis_prime_style": 1,
        "redis_ssl_verify": True,
        "fallback": None,
        "fallback_ssl_verify": True,
        "fallback_concurrency": 4,
        "fallback_queue_ms": 500,
        "fallback_per_second": 0,
        "lookup_suffixes": None,
        "autocert": False,
        "autocert_suffixes": None,
        "autocert_timeout_ms": 60000,
        "cache_ttl": 120,
        "negative_ttl": 5,
    }
    assert body["cache"]["dict"] == "peter_sslers_cache"
    assert body["cache"]["capacity"] == 10 * 1024 * 1024
    assert body["cache"]["certificates"] == 0 and body["cache"]["misses"] == 0
    assert body["cache"]["negative_dict"] == "peter_sslers_misses"
    assert body["cache"]["negative_capacity"] == 1024 * 1024
    assert set(body["stats"]) == {
        "hits", "misses_cached", "redis_hits", "fallback_hits", "misses", "errors", "expired_all", "expired_domain",
        "not_allowed", "fallback_limited", "autocert_hits", "autocert_refused", "autocert_waits",
    }  # fmt: skip
    # a handshake for a name nobody has: one miss, remembered
    assert nginx.leaf("nobody.example.com") == nginx.default_der
    body = requests.get(nginx.http_url + STATUS_PATH, timeout=10).json()
    assert body["stats"]["misses"] == 1 and body["cache"]["misses"] == 1
    # over TLS too (the default certificate covers 127.0.0.1)
    response = requests.get(nginx.https_url + STATUS_PATH, verify=nginx.default_cert_path, timeout=10)
    assert response.json()["result"] == "success"


def test_expire_paths_and_bad_input(edge_nginx):
    nginx = edge_nginx()
    base = nginx.http_url + RESET_PATH
    response = requests.get(base + "/all", timeout=10)
    assert response.status_code == 200 and response.json() == dict(CONTRACT, expired="all")
    # names are normalised as SNI is: lower case, no trailing dot
    response = requests.get(base + "/domain/WWW.Example.COM.", timeout=10)
    assert response.json() == dict(CONTRACT, expired="domain", domain="www.example.com")
    # not a host name: refused, and said so
    for bad in ("a%20b", "x..y", "-bad.example.com", "a" * 254):
        response = requests.get(base + "/domain/" + bad, timeout=10)
        assert response.status_code == 400, bad
        assert response.json()["result"] == "error" and response.json()["error"] == "invalid domain name"
    for path in ("/", "/everything", "/domain/", "/domain/a.example.com/extra"):
        response = requests.get(base + path, timeout=10)
        assert response.status_code == 404, path
        assert response.json()["result"] == "error"
        assert response.headers["X-Peter-SSLers"] == "1.0.0"
    # the stats counted only the two good calls
    stats = requests.get(nginx.http_url + STATUS_PATH, timeout=10).json()["stats"]
    assert stats["expired_all"] == 1 and stats["expired_domain"] == 1


def test_expire_domain_deletes_exactly_that_names_keys(serve_app, edge_nginx):
    """Two names cached; expiring one leaves the other cached (the 0.5 module deleted `{d}`, a key the
    cache never used, so nothing was expired at all)."""
    app = serve_app()
    one, two = mint_leaf(["one.example.com"]), mint_leaf(["two.example.com"])
    app.upload(one)
    app.upload(two)
    nginx = edge_nginx(FALLBACK_URL=app.admin)
    assert nginx.leaf("one.example.com") == one["der"]
    assert nginx.leaf("two.example.com") == two["der"]
    assert requests.get(nginx.http_url + STATUS_PATH).json()["cache"]["certificates"] == 2
    requests.get(nginx.http_url + RESET_PATH + "/domain/one.example.com", timeout=10)
    assert requests.get(nginx.http_url + STATUS_PATH).json()["cache"]["certificates"] == 1
    app.stop()
    assert nginx.leaf("two.example.com") == two["der"]  # still cached
    assert nginx.leaf("one.example.com") == nginx.default_der  # gone, and nobody to ask


def test_basic_authentication(edge_nginx):
    nginx = edge_nginx(basic_auth=("peter", "sslers"))
    for path in (STATUS_PATH, RESET_PATH + "/all", RESET_PATH + "/domain/example.com"):
        assert requests.get(nginx.http_url + path, timeout=10).status_code == 401, path
        assert requests.get(nginx.http_url + path, auth=("peter", "wrong"), timeout=10).status_code == 401, path
        response = requests.get(nginx.http_url + path, auth=("peter", "sslers"), timeout=10)
        assert response.status_code == 200 and response.json()["result"] == "success", path
    # the rest of the server is not behind it
    assert requests.get(nginx.http_url + "/", timeout=10).status_code == 200
