"""Autocert end to end: a TLS client asks nginx for a name nobody has a certificate for, and gets one
issued on the spot.

Debian's nginx runs tools/nginx_conf/edge.conf.in with ``AUTOCERT=1``; peter_sslers is served over
HTTP on loopback with ``enable_autocert`` and ``autocert.allowed_suffixes``; pebble validates http-01
for real (``pebble_strict``: every name resolves to 127.0.0.1, and its validation port is nginx's HTTP
port, whose ``/.well-known/`` goes to peter_sslers' responder). On the handshake's miss nginx asks
``config.json`` (none), then ``POST /api/domain/autocert.json``: peter_sslers orders, pebble fetches
the challenge through nginx, the certificate comes back into the same handshake. A name outside the
policy gets the default certificate and no order.
Gated by SSL_RUN_LETSENCRYPT_API_TESTS, SSL_LETSENCRYPT_API_VALIDATES and SSL_RUN_NGINX_TESTS.
"""

import concurrent.futures

import pytest
import sqlalchemy as sa
from cryptography import x509
from sqlalchemy.orm import Session

from peter_sslers.model import objects as m
from tests.conftest import count_rows
from tests.conftest import reset_database
from tests.edge.conftest import ServedApp
from tests.web.test_acme_accounts import app_for
from tests.web.test_acme_accounts import client
from tests.web.test_acme_accounts import new_account
from tests.web.test_acme_accounts import point_database_at

SUFFIX = "edge-auto.example.com"


@pytest.fixture(scope="module")
def autocert_app(pebble_strict, make_app, dbengine, app_settings):
    app = app_for(
        make_app,
        dbengine,
        app_settings,
        pebble_strict,
        **{"enable_autocert": "true", "autocert.allowed_suffixes": SUFFIX, "autocert.orders_per_hour": "20"},
    )
    yield app
    reset_database(dbengine, app_settings)


@pytest.fixture
def served(autocert_app, db):
    point_database_at(autocert_app, db)
    new_account(client(autocert_app))
    served = ServedApp(autocert_app)
    yield served
    served.stop()


def names_of(der: bytes) -> list:
    cert = x509.load_der_x509_certificate(der)
    return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)


def attempts(db) -> list:
    with Session(bind=db) as session:
        return [(a.domain_name, a.result) for a in session.scalars(sa.select(m.DomainAutocert).order_by(m.DomainAutocert.id))]


def test_a_never_seen_name_gets_a_certificate_in_its_first_handshake(served, pebble_strict, edge_nginx, db):
    nginx = edge_nginx(
        FALLBACK_URL=served.admin,
        AUTOCERT="1",
        AUTOCERT_TIMEOUT_MS="60000",
        NEGATIVE_TTL="0",
        # pebble validates http-01 on this port: nginx's /.well-known/ goes to peter_sslers' responder
        HTTP_LISTEN="127.0.0.1:%d" % pebble_strict.http_port,
        PETER_SSLERS="127.0.0.1:%d" % served.port,
    )
    name = "shop." + SUFFIX
    # several clients at once for the never-seen name: one order, every one of them served it
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        leaves = list(pool.map(lambda _: nginx.leaf(name, timeout=90), range(4)))
    assert all(leaf != nginx.default_der for leaf in leaves), "a handshake got the default certificate"
    assert len(set(leaves)) == 1
    assert names_of(leaves[0]) == [name]
    assert count_rows(db, m.AcmeOrder) == 1
    assert attempts(db) == [(name, "issued")]
    # it is peter_sslers' certificate for the name, issued by pebble, and served with its chain
    config = served.get_json("/domain/%s/config.json" % name)
    assert config[config["serve"]]["id"]
    chain = nginx.chain(name)
    assert chain[0] == leaves[0] and len(chain) >= 2
    # the next handshake is served from nginx's cache: no new order
    assert nginx.leaf(name) == leaves[0]
    assert count_rows(db, m.AcmeOrder) == 1
    stats = nginx.status()["stats"]
    # one handshake asked peter_sslers; those that came while it did waited for its answer
    # (autocert_waits), the later ones found it cached: six handshakes in all
    assert stats["autocert_hits"] == 1 + stats["autocert_waits"], stats
    assert stats["autocert_hits"] + stats["hits"] == 6 and stats["errors"] == 0, stats

    # outside peter_sslers' policy: the default certificate, and no order, no attempt
    for outside in ("shop.elsewhere.example.net", "x" + SUFFIX):
        assert nginx.leaf(outside, timeout=30) == nginx.default_der, outside
    assert count_rows(db, m.AcmeOrder) == 1
    assert attempts(db) == [(name, "issued")]
    stats = nginx.status()["stats"]
    assert stats["autocert_refused"] == 2 and stats["errors"] == 0


def test_autocert_off_at_the_edge_orders_nothing(served, pebble_strict, edge_nginx, db):
    """Without AUTOCERT nginx only looks names up (config.json), even where peter_sslers would order."""
    nginx = edge_nginx(
        FALLBACK_URL=served.admin,
        HTTP_LISTEN="127.0.0.1:%d" % pebble_strict.http_port,
        PETER_SSLERS="127.0.0.1:%d" % served.port,
    )
    assert nginx.leaf("quiet." + SUFFIX) == nginx.default_der
    assert count_rows(db, m.AcmeOrder) == 0 and attempts(db) == []


def test_autocert_suffixes_at_the_edge(served, pebble_strict, edge_nginx, db):
    """AUTOCERT_SUFFIXES keeps the edge from asking for names outside them at all."""
    nginx = edge_nginx(
        FALLBACK_URL=served.admin,
        AUTOCERT="1",
        AUTOCERT_SUFFIXES="only.example.org",
        HTTP_LISTEN="127.0.0.1:%d" % pebble_strict.http_port,
        PETER_SSLERS="127.0.0.1:%d" % served.port,
    )
    assert nginx.leaf("skipped." + SUFFIX) == nginx.default_der
    assert attempts(db) == []
    assert nginx.status()["stats"]["autocert_refused"] == 0
