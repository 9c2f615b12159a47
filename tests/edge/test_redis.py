"""A real nginx serves what peter_sslers primed into a real Redis, key for key, with peter_sslers down.

peter_sslers (Redis enabled) runs over HTTP on loopback; certificates arrive through its upload
route; `POST /api/redis/prime.json` (or the `config.json?openresty=1` write-through) fills Redis;
nginx's Lua handler reads the same keys with its own RESP client.
"""

import pytest
import requests

from tests import data
from tests.edge.nginx import RedisServer
from tests.edge.nginx import mint_leaf
from tests.edge.nginx import pem_to_der_list
from tests.edge.nginx import require_redis
from tests.edge.nginx import wait_for

STATUS_PATH = "/.peter_sslers/nginx/shared_cache/status"
RESET_PATH = "/.peter_sslers/nginx/shared_cache/expire"


def redis_settings(url: str, style) -> dict:
    return {"enable_redis": "true", "redis.url": url, "redis.prime_style": str(style)}


def prime(app) -> dict:
    answer = app.post_json("/api/redis/prime.json")
    assert answer["result"] == "success", answer
    return answer


def status(nginx) -> dict:
    response = requests.get(nginx.http_url + STATUS_PATH, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def expire(nginx, what: str) -> dict:
    response = requests.get(nginx.http_url + RESET_PATH + "/" + what, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def config_of(app, name: str) -> dict:
    """The certificate config.json gives for ``name`` (the multi-domain one first, as the primer)."""
    payload = app.get_json("/domain/%s/config.json" % name)
    return payload["certificate_signed__latest_multi"] or payload["certificate_signed__latest_single"]


def assert_redis_layout(client, style: int, name: str, cert: dict) -> None:
    """The keys the Lua module reads hold exactly what config.json says."""
    if style == 1:
        ids = client.hgetall("d1:%s" % name)
        assert ids == {"c": cert["certificate"]["id"], "p": cert["private_key"]["id"], "i": cert["chain"]["id"]}
        assert client.get("c:%s" % ids["c"]) == cert["certificate"]["pem"]
        assert client.get("p:%s" % ids["p"]) == cert["private_key"]["pem"]
        assert client.get("i:%s" % ids["i"]) == cert["chain"]["pem"]
        assert not client.exists("d2:%s" % name)
    else:
        assert client.hgetall("d2:%s" % name) == {
            "f": cert["fullchain"]["pem"],
            "p": cert["private_key"]["pem"],
        }
        assert not client.exists("d1:%s" % name)


@pytest.mark.parametrize("style", [1, 2])
def test_primed_certificates_are_served_from_redis_with_peter_sslers_down(
    style, serve_app, edge_nginx, edge_redis_url, edge_redis_client
):
    app = serve_app(**redis_settings(edge_redis_url, style))
    single = data.leaf("leaf_rsa_single")  # example.com
    multi = data.leaf("leaf_rsa_multi")  # a., b., c.example.com
    app.upload(single)
    app.upload(multi)
    prime(app)
    assert_redis_layout(edge_redis_client, style, "example.com", config_of(app, "example.com"))
    assert_redis_layout(edge_redis_client, style, "b.example.com", config_of(app, "b.example.com"))
    dead_fallback = app.admin
    app.stop()  # nothing answers at the fallback URL any more

    nginx = edge_nginx(REDIS_URL=edge_redis_url, REDIS_PRIME_STYLE=str(style), FALLBACK_URL=dead_fallback)
    assert nginx.leaf("example.com") == pem_to_der_list(single["cert"])[0]
    assert nginx.chain("example.com") == pem_to_der_list(single["fullchain"])
    for name in ("a.example.com", "b.example.com", "c.example.com"):
        assert nginx.leaf(name) == pem_to_der_list(multi["cert"])[0], name
    assert nginx.chain("a.example.com") == pem_to_der_list(multi["fullchain"])
    assert nginx.leaf("unknown.example.com") == nginx.default_der
    stats = status(nginx)["stats"]
    assert stats["redis_hits"] == 4 and stats["fallback_hits"] == 0


def test_the_other_style_is_not_read_when_the_style_is_fixed(serve_app, edge_nginx, edge_redis_url):
    app = serve_app(**redis_settings(edge_redis_url, 1))
    app.upload(data.leaf("leaf_rsa_single"))
    prime(app)
    app.stop()
    nginx = edge_nginx(REDIS_URL=edge_redis_url, REDIS_PRIME_STYLE="2")
    assert nginx.leaf("example.com") == nginx.default_der  # only d2: keys are read


def write_style_2(client, name: str, leaf: dict) -> None:
    """A d2: hash as peter_sslers' style 2 writes it (here: one left over from before a change of style)."""
    client.hset("d2:%s" % name, mapping={"f": leaf["cert"] + leaf["chain"], "p": leaf["key"]})


def test_keys_left_over_from_the_other_style_are_not_served(serve_app, edge_nginx, edge_redis_url, edge_redis_client):
    """The template's default read both styles ("any", d1: first): after peter_sslers went from style 2 to
    style 1, a domain no longer primed (inactive) was still served from its old d2: hash. The default is
    now style 1 alone, peter_sslers' own default; a leftover d2: is never read."""
    app = serve_app(**redis_settings(edge_redis_url, 1))
    current = mint_leaf(["kept.example.com"], days=180)
    app.upload(current)
    prime(app)
    app.stop()
    # left over from style 2: a stale certificate of a primed name, and a name no longer primed at all
    write_style_2(edge_redis_client, "kept.example.com", mint_leaf(["kept.example.com"], days=30))
    write_style_2(edge_redis_client, "dropped.example.com", mint_leaf(["dropped.example.com"]))

    nginx = edge_nginx(REDIS_URL=edge_redis_url)  # the template's default style
    assert nginx.leaf("kept.example.com") == current["der"]
    assert nginx.leaf("dropped.example.com") == nginx.default_der
    stats = nginx.stats()
    assert stats["redis_hits"] == 1 and stats["misses"] == 1


def test_after_a_switch_to_style_2_the_renewal_is_served_not_the_old_style_1_keys(
    serve_app, edge_nginx, edge_redis_url, edge_redis_client
):
    """With "any", an old d1: (read first) hid a renewal primed into d2: after a switch from 1 to 2."""
    old = mint_leaf(["switched.example.com"], days=30)
    style_1 = serve_app(**redis_settings(edge_redis_url, 1))
    style_1.upload(old)
    prime(style_1)
    style_1.stop()
    assert edge_redis_client.exists("d1:switched.example.com")
    renewal = mint_leaf(["switched.example.com"], days=180)
    write_style_2(edge_redis_client, "switched.example.com", renewal)  # what a style-2 prime writes
    nginx = edge_nginx(REDIS_URL=edge_redis_url, REDIS_PRIME_STYLE="2")
    assert nginx.leaf("switched.example.com") == renewal["der"]


def test_the_write_through_fills_redis_for_the_next_handshake(
    serve_app, edge_nginx, edge_redis_url, edge_redis_client
):
    """Redis empty: the fallback (`config.json?openresty=1`) serves and primes; then Redis alone serves."""
    app = serve_app(**redis_settings(edge_redis_url, 1))
    cert = mint_leaf(["through.example.com"])
    app.upload(cert)
    assert edge_redis_client.keys("*") == []
    nginx = edge_nginx(REDIS_URL=edge_redis_url, FALLBACK_URL=app.admin)
    assert nginx.leaf("through.example.com") == cert["der"]
    assert status(nginx)["stats"]["fallback_hits"] == 1
    assert_redis_layout(edge_redis_client, 1, "through.example.com", config_of(app, "through.example.com"))

    app.stop()
    expire(nginx, "all")  # forget the shared cache: Redis must answer now
    assert nginx.leaf("through.example.com") == cert["der"]
    stats = status(nginx)["stats"]
    assert stats["redis_hits"] == 1 and stats["fallback_hits"] == 1


def test_a_name_primed_after_a_miss_is_served_within_the_negative_ttl(serve_app, edge_nginx, edge_redis_url):
    app = serve_app(**redis_settings(edge_redis_url, 2))
    nginx = edge_nginx(REDIS_URL=edge_redis_url, REDIS_PRIME_STYLE="2", NEGATIVE_TTL="1")  # Redis only, no fallback
    assert nginx.leaf("soon.example.com") == nginx.default_der
    assert nginx.leaf("soon.example.com") == nginx.default_der
    assert status(nginx)["stats"]["misses_cached"] == 1
    cert = mint_leaf(["soon.example.com"])
    app.upload(cert)
    prime(app)
    assert wait_for(lambda: nginx.leaf("soon.example.com") == cert["der"], timeout=5), "not served within 5 s"


@pytest.mark.parametrize("style", [1, 2])
def test_renewal_prime_and_expire_domain_serve_the_new_certificate(style, serve_app, edge_nginx, edge_redis_url):
    app = serve_app(**redis_settings(edge_redis_url, style))
    first = mint_leaf(["renewed.example.com"], days=90)
    app.upload(first)
    prime(app)
    nginx = edge_nginx(REDIS_URL=edge_redis_url, REDIS_PRIME_STYLE=str(style), CACHE_TTL="600")  # Redis only
    assert nginx.leaf("renewed.example.com") == first["der"]

    second = mint_leaf(["renewed.example.com"], days=180)
    app.upload(second)
    prime(app)
    assert nginx.leaf("renewed.example.com") == first["der"]  # still cached
    assert expire(nginx, "domain/renewed.example.com")["domain"] == "renewed.example.com"
    for _ in range(6):  # both workers
        assert nginx.leaf("renewed.example.com") == second["der"]

    third = mint_leaf(["renewed.example.com"], days=270)
    app.upload(third)
    prime(app)
    assert nginx.leaf("renewed.example.com") == second["der"]
    assert expire(nginx, "all")["expired"] == "all"
    for _ in range(4):
        assert nginx.leaf("renewed.example.com") == third["der"]


def test_redis_down_the_fallback_still_serves(serve_app, edge_nginx, closed_redis_url):
    app = serve_app()
    cert = mint_leaf(["redisdown.example.com"])
    app.upload(cert)
    nginx = edge_nginx(REDIS_URL=closed_redis_url, FALLBACK_URL=app.admin)
    assert nginx.leaf("redisdown.example.com") == cert["der"]
    stats = status(nginx)["stats"]
    assert stats["fallback_hits"] == 1 and stats["errors"] == 1  # the refused Redis connection


def test_style_1_ids_without_their_pems_fall_back_to_peter_sslers(
    serve_app, edge_nginx, edge_redis_url, edge_redis_client
):
    """A `c:{id}` whose TTL ran out: the Lua module asks peter_sslers instead of failing."""
    app = serve_app(**redis_settings(edge_redis_url, 1))
    cert = mint_leaf(["partial.example.com"])
    app.upload(cert)
    prime(app)
    ids = edge_redis_client.hgetall("d1:partial.example.com")
    edge_redis_client.delete("c:%s" % ids["c"])
    nginx = edge_nginx(REDIS_URL=edge_redis_url, FALLBACK_URL=app.admin)
    assert nginx.leaf("partial.example.com") == cert["der"]
    stats = status(nginx)["stats"]
    assert stats["fallback_hits"] == 1 and stats["redis_hits"] == 0
    # the write-through put the value back
    assert edge_redis_client.get("c:%s" % ids["c"]) == config_of(app, "partial.example.com")["certificate"]["pem"]


@pytest.fixture
def password_redis():
    """A redis-server of our own with a password (the shared test server has none)."""
    require_redis()
    server = RedisServer(password="edge-s3cret").start()
    yield server
    server.close()


def test_redis_password_and_database_number(serve_app, edge_nginx, password_redis):
    """AUTH and SELECT on a fresh connection; pooled connections keep them (several handshakes)."""
    url = password_redis.url(db=7)
    app = serve_app(**redis_settings(url, 1))
    cert = mint_leaf(["auth.example.com"])
    app.upload(cert)
    prime(app)
    app.stop()
    nginx = edge_nginx(REDIS_URL=url, CACHE_TTL="0", NEGATIVE_TTL="0")
    for _ in range(3):
        expire(nginx, "all")
        assert nginx.leaf("auth.example.com") == cert["der"]
    assert status(nginx)["stats"]["redis_hits"] == 3

    # a wrong password: an error, and the default certificate
    bad = edge_nginx(REDIS_URL="redis://:wrong@127.0.0.1:%d/7" % password_redis.port)
    assert bad.leaf("auth.example.com") == bad.default_der
    assert status(bad)["stats"]["errors"] == 1
    assert "WRONGPASS" in bad.log_tail(20) or "invalid password" in bad.log_tail(20)
    # the right password, the wrong database: nothing there
    empty = edge_nginx(REDIS_URL=password_redis.url(db=3))
    assert empty.leaf("auth.example.com") == empty.default_der
    assert status(empty)["stats"]["errors"] == 0
