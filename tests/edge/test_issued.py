"""A certificate issued by peter_sslers through ACME (pebble), then served by a real nginx by SNI.

The other edge tests upload certificates; this one runs the whole way from an ACME order: pebble
issues, peter_sslers stores it, nginx serves it through the ``config.json?openresty=1`` fallback
(which also writes it through to Redis) and, with peter_sslers stopped, from a Redis prime.
Gated by SSL_RUN_LETSENCRYPT_API_TESTS, SSL_RUN_NGINX_TESTS and SSL_RUN_REDIS_TESTS.
"""

import pytest

from tests.conftest import reset_database
from tests.edge.conftest import ServedApp
from tests.edge.nginx import pem_to_der_list
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_accounts import app_for
from tests.web.test_acme_accounts import client
from tests.web.test_acme_accounts import new_account
from tests.web.test_acme_accounts import point_database_at

NAMES = ["issued.example.com", "www.issued.example.com"]


@pytest.fixture
def issuing_app(pebble_always_valid, make_app, dbengine, app_settings, edge_redis_url):
    """The app whose ACME server is a pebble that validates everything, priming Redis in style 2."""
    app = app_for(
        make_app,
        dbengine,
        app_settings,
        pebble_always_valid,
        **{"enable_redis": "true", "redis.url": edge_redis_url, "redis.prime_style": "2"},
    )
    yield app
    # leave no account on this pebble's directory (see tests/web/test_acme_accounts.acme_app)
    reset_database(dbengine, app_settings)


@pytest.fixture
def issuing(issuing_app, db):
    """(WebTest client, the same app served over HTTP on loopback), on a freshly seeded database."""
    point_database_at(issuing_app, db)
    served = ServedApp(issuing_app)
    yield client(issuing_app), served
    served.stop()


def test_an_issued_certificate_is_served_by_nginx_through_the_fallback_and_from_redis(
    issuing, edge_nginx, edge_redis_url, edge_redis_client
):
    web, served = issuing
    new_account(web)
    res = web.post(ADMIN + "/acme-order/new/freeform.json", {"domain_names_http01": ",".join(NAMES)})
    assert res.json["result"] == "success", res.json
    order = res.json["AcmeOrder"]
    assert order["acme_status_order"] == "valid"
    cert_id = order["certificate_signed_id"]
    cert_der = pem_to_der_list(web.get(ADMIN + "/certificate-signed/%s/cert.pem" % cert_id).text)[0]
    fullchain_pem = web.get(ADMIN + "/certificate-signed/%s/fullchain.pem" % cert_id).text
    fullchain_der = pem_to_der_list(fullchain_pem)
    assert len(fullchain_der) >= 2  # pebble's leaf and its intermediate

    # Redis is empty: nginx asks peter_sslers (config.json?openresty=1) and serves what it answers
    assert edge_redis_client.keys("*") == []
    fallback = edge_nginx(REDIS_URL=edge_redis_url, REDIS_PRIME_STYLE="2", FALLBACK_URL=served.admin)
    for name in NAMES:
        assert fallback.leaf(name) == cert_der, name
    assert fallback.chain(NAMES[0]) == fullchain_der
    # ... and that request wrote the domain through to Redis, in the layout the edge reads
    written = edge_redis_client.hgetall("d2:%s" % NAMES[0])
    assert pem_to_der_list(written["f"]) == fullchain_der

    # a full prime, then peter_sslers goes away: a fresh nginx serves every name from Redis
    answer = served.post_json("/api/redis/prime.json")
    assert answer["result"] == "success", answer
    dead_fallback = served.admin
    served.stop()
    from_redis = edge_nginx(REDIS_URL=edge_redis_url, REDIS_PRIME_STYLE="2", FALLBACK_URL=dead_fallback)
    for name in NAMES:
        assert from_redis.leaf(name) == cert_der, name
        assert from_redis.chain(name) == fullchain_der, name
    assert from_redis.leaf("not-issued.example.com") == from_redis.default_der
