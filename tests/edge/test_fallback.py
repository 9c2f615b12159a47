"""A real nginx serves, by SNI, what peter_sslers holds, asking peter_sslers' config.json (no Redis).

peter_sslers runs over HTTP on loopback; certificates reach it through its upload route; nginx is
rendered from tools/nginx_conf/edge.conf.in with FALLBACK_URL pointing at that app.
"""

import requests

from tests import data
from tests.edge.nginx import mint_leaf
from tests.edge.nginx import pem_to_der_list
from tests.edge.nginx import wait_for


def fallback_url(app) -> str:
    return app.admin


def status(nginx) -> dict:
    response = requests.get(nginx.http_url + "/.peter_sslers/nginx/shared_cache/status", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_uploaded_certificate_is_served_with_its_chain(serve_app, edge_nginx):
    app = serve_app()
    single = data.leaf("leaf_rsa_single")  # example.com
    multi = data.leaf("leaf_rsa_multi")  # a., b., c.example.com
    app.upload(single)
    app.upload(multi)
    nginx = edge_nginx(FALLBACK_URL=fallback_url(app))

    assert nginx.leaf("example.com") == pem_to_der_list(single["cert"])[0]
    # the whole chain: leaf, then the intermediate peter_sslers holds for it
    assert nginx.chain("example.com") == pem_to_der_list(single["fullchain"])
    for name in ("a.example.com", "b.example.com", "c.example.com"):
        assert nginx.leaf(name) == pem_to_der_list(multi["cert"])[0], name
    assert nginx.chain("c.example.com") == pem_to_der_list(multi["fullchain"])
    # SNI is case-insensitive: the same certificate
    assert nginx.leaf("EXAMPLE.Com") == pem_to_der_list(single["cert"])[0]

    stats = status(nginx)["stats"]
    assert stats["fallback_hits"] == 4  # example.com, a., b., c.example.com: each asked once
    assert stats["hits"] >= 3  # the repeats came from the shared cache
    assert stats["redis_hits"] == 0


def test_unknown_name_and_no_sni_get_the_default_certificate(serve_app, edge_nginx):
    app = serve_app()
    app.upload(data.leaf("leaf_rsa_single"))
    nginx = edge_nginx(FALLBACK_URL=fallback_url(app))
    assert nginx.leaf("unknown.example.com") == nginx.default_der
    assert nginx.leaf(None) == nginx.default_der
    # a name peter_sslers knows but holds no certificate for (an expired upload is inactive)
    app.upload(data.leaf("leaf_expired"))
    assert nginx.leaf("expired.example.com") == nginx.default_der
    # the known name is still served
    assert nginx.leaf("example.com") == pem_to_der_list(data.read("leaf_rsa_single.cert.pem"))[0]


def test_a_miss_is_remembered_only_for_the_negative_ttl(serve_app, edge_nginx):
    """The 0.5 module remembered a miss for 600 s; here it is NEGATIVE_TTL seconds."""
    app = serve_app()
    nginx = edge_nginx(FALLBACK_URL=fallback_url(app), NEGATIVE_TTL="1")
    assert nginx.leaf("late.example.com") == nginx.default_der  # a miss, remembered for 1 s
    assert nginx.leaf("late.example.com") == nginx.default_der  # ... from the cache
    assert status(nginx)["stats"]["misses_cached"] == 1
    assert status(nginx)["cache"]["misses"] == 1
    late = mint_leaf(["late.example.com"])
    app.upload(late)
    served = wait_for(lambda: nginx.leaf("late.example.com") == late["der"], timeout=5)
    assert served, "late.example.com was not served within 5 s of its upload"


def test_no_negative_cache_serves_at_once(serve_app, edge_nginx):
    app = serve_app()
    nginx = edge_nginx(FALLBACK_URL=fallback_url(app), NEGATIVE_TTL="0")
    assert nginx.leaf("now.example.com") == nginx.default_der
    now = mint_leaf(["now.example.com"])
    app.upload(now)
    assert nginx.leaf("now.example.com") == now["der"]
    assert status(nginx)["cache"]["misses"] == 0


def test_renewal_is_served_after_expire_domain_and_expire_all(serve_app, edge_nginx):
    app = serve_app()
    first = mint_leaf(["renew.example.com"], days=90)
    other = mint_leaf(["other.example.com"], days=90)
    app.upload(first)
    app.upload(other)
    nginx = edge_nginx(FALLBACK_URL=fallback_url(app), CACHE_TTL="600")
    assert nginx.leaf("renew.example.com") == first["der"]
    assert nginx.leaf("other.example.com") == other["der"]

    # a renewal reaches peter_sslers: nginx keeps serving its cached certificate ...
    second = mint_leaf(["renew.example.com"], days=180)
    app.upload(second)
    assert app.get_json("/domain/renew.example.com/config.json")["certificate_signed__latest_single"]["certificate"][
        "pem"
    ] == second["cert"]
    assert nginx.leaf("renew.example.com") == first["der"]
    # ... until the name is expired
    response = requests.get(nginx.http_url + "/.peter_sslers/nginx/shared_cache/expire/domain/renew.example.com")
    assert response.status_code == 200
    assert response.headers["X-Peter-SSLers"] == "1.0.0"
    assert response.json() == {
        "result": "success",
        "server": "peter_sslers:openresty",
        "server_version": "1.0.0",
        "expired": "domain",
        "domain": "renew.example.com",
    }
    # every worker sees it (nginx runs two; several handshakes reach both)
    for _ in range(6):
        assert nginx.leaf("renew.example.com") == second["der"]

    # expire/all: both names are fetched again
    third = mint_leaf(["renew.example.com"], days=270)
    other2 = mint_leaf(["other.example.com"], days=180)
    app.upload(third)
    app.upload(other2)
    assert nginx.leaf("renew.example.com") == second["der"]
    assert nginx.leaf("other.example.com") == other["der"]
    response = requests.get(
        nginx.https_url + "/.peter_sslers/nginx/shared_cache/expire/all", verify=nginx.default_cert_path, timeout=10
    )
    assert response.status_code == 200
    assert response.json() == {
        "result": "success",
        "server": "peter_sslers:openresty",
        "server_version": "1.0.0",
        "expired": "all",
    }
    for _ in range(4):
        assert nginx.leaf("renew.example.com") == third["der"]
        assert nginx.leaf("other.example.com") == other2["der"]
    stats = status(nginx)["stats"]
    assert stats["expired_domain"] == 1 and stats["expired_all"] == 1


def test_peter_sslers_down_cached_names_still_served_new_ones_default(serve_app, edge_nginx):
    app = serve_app()
    cert = mint_leaf(["cached.example.com"])
    app.upload(cert)
    nginx = edge_nginx(FALLBACK_URL=fallback_url(app))
    assert nginx.leaf("cached.example.com") == cert["der"]
    app.stop()
    assert nginx.leaf("cached.example.com") == cert["der"]  # the shared cache
    assert nginx.leaf("uncached.example.com") == nginx.default_der  # nobody to ask: the default
    assert status(nginx)["stats"]["errors"] >= 1


def test_the_lazy_proxy_sends_well_known_to_peter_sslers(serve_app, edge_nginx):
    app = serve_app()
    nginx = edge_nginx(PETER_SSLERS="127.0.0.1:%d" % app.port, WELL_KNOWN="lazy.conf")
    response = requests.get(
        nginx.http_url + "/.well-known/public/whoami", headers={"Host": "proxied.example.com"}, timeout=10
    )
    assert response.status_code == 200
    assert response.text == "proxied.example.com"  # the Host header went through
    # the admin, from loopback
    response = requests.get(nginx.http_url + "/.well-known/admin/api.json", timeout=10)
    assert response.status_code == 200
    assert "X-Peter-SSLers" in response.headers  # peter_sslers answered
    assert response.json()
    # an unknown challenge token is peter_sslers' 404, not nginx's
    response = requests.get(nginx.http_url + "/.well-known/acme-challenge/abcdefghijklmnop_-", timeout=10)
    assert response.status_code == 404 and response.text == "not found\n"
    # everything else is nginx's own
    assert requests.get(nginx.http_url + "/", timeout=10).text.startswith("peter_sslers edge:")


def test_the_verify_proxy_sends_only_challenges_and_whoami(serve_app, edge_nginx):
    app = serve_app()
    nginx = edge_nginx(PETER_SSLERS="127.0.0.1:%d" % app.port, WELL_KNOWN="verify.conf")
    response = requests.get(nginx.http_url + "/.well-known/public/whoami", headers={"Host": "v.example.com"})
    assert response.text == "v.example.com"
    response = requests.get(nginx.http_url + "/.well-known/acme-challenge/abcdefghijklmnop_-", timeout=10)
    assert response.status_code == 404 and response.text == "not found\n"
    # the admin is not proxied: nginx's own catch-all answers
    response = requests.get(nginx.http_url + "/.well-known/admin/api.json", timeout=10)
    assert response.text.startswith("peter_sslers edge:")
