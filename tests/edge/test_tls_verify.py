"""TLS from nginx to its sources is verified by default: the https fallback and rediss:// Redis.

The shipped template passed neither ``fallback_ssl_verify`` nor ``redis_ssl_verify`` and had no
``lua_ssl_trusted_certificate``: any certificate was accepted, so anyone on the path could hand nginx
certificates and keys of their choosing. Now the template names a trust store (``TRUSTED_CA``, the
system bundle by default) and verification is on unless a hand-written config turns it off.

The servers here are real: the stand-in of tests/edge/standin.py behind TLS, and a redis-server of
the test's own with ``--tls-port``. Their certificate is self-signed for ``default.invalid`` and
127.0.0.1 (nginx 1.22 matches a certificate against a DNS name only, never against an IP address:
``FALLBACK_SERVER_NAME`` / ``REDIS_SERVER_NAME`` give the name to check when the URL has an address).
"""

import os
import shutil
import tempfile

import pytest
import redis

from tests.edge.nginx import RedisServer
from tests.edge.nginx import mint_leaf
from tests.edge.nginx import require_redis
from tests.edge.nginx import write_default_certificate
from tests.edge.standin import certificate_payload
from tests.edge.standin import domain_payload
from tests.edge.standin import peter_sslers_answer


@pytest.fixture
def server_certificate():
    """A self-signed certificate for default.invalid and 127.0.0.1, readable by nginx's workers."""
    directory = tempfile.mkdtemp(prefix="peter_sslers-tls-")
    os.chmod(directory, 0o755)
    paths = write_default_certificate(directory)
    os.chmod(paths["cert"], 0o644)
    os.chmod(paths["key"], 0o644)  # redis-server reads it too
    yield paths
    shutil.rmtree(directory, ignore_errors=True)


def test_the_https_fallback_is_verified(standin, edge_nginx, server_certificate):
    fallback = standin(tls=(server_certificate["cert"], server_certificate["key"]))
    leaf = mint_leaf(["tls.example.com"])
    fallback.answers["tls.example.com"] = peter_sslers_answer(
        domain_payload("tls.example.com", single=certificate_payload(leaf, 3))
    )

    # the template's defaults: an https fallback whose certificate nobody vouches for is not used
    unverified = edge_nginx(FALLBACK_URL=fallback.admin)
    assert unverified.leaf("tls.example.com") == unverified.default_der
    assert unverified.stats()["errors"] == 1
    assert "TLS" in unverified.log_tail(20)

    # the default trust store (the system's CAs) does not know this certificate: not used
    untrusted = edge_nginx(FALLBACK_URL=fallback.admin, FALLBACK_SERVER_NAME="default.invalid")
    assert untrusted.leaf("tls.example.com") == untrusted.default_der
    assert untrusted.stats()["errors"] == 1
    assert "self-signed certificate" in untrusted.log_tail(20)
    assert fallback.requests == []  # the TLS handshakes failed: no request was sent

    # trusted, and checked against the name the certificate carries: served
    trusted = edge_nginx(
        FALLBACK_URL=fallback.admin, TRUSTED_CA=server_certificate["cert"], FALLBACK_SERVER_NAME="default.invalid"
    )
    assert trusted.leaf("tls.example.com") == leaf["der"]
    assert trusted.stats()["fallback_hits"] == 1

    # trusted, but another name: the host check fails
    other_name = edge_nginx(
        FALLBACK_URL=fallback.admin, TRUSTED_CA=server_certificate["cert"], FALLBACK_SERVER_NAME="wrong.invalid"
    )
    assert other_name.leaf("tls.example.com") == other_name.default_der
    assert "does not match host" in other_name.log_tail(20) or "host mismatch" in other_name.log_tail(20)

    # an address in the URL and no server name: nginx cannot match an address; the error says what to do
    by_address = edge_nginx(FALLBACK_URL=fallback.admin, TRUSTED_CA=server_certificate["cert"])
    assert by_address.leaf("tls.example.com") == by_address.default_der
    assert "FALLBACK_SERVER_NAME" in by_address.log_tail(20)
    assert len(fallback.requests) == 1  # only the trusted, matching one got through


@pytest.fixture
def tls_redis(server_certificate):
    require_redis()
    server = RedisServer(tls=(server_certificate["cert"], server_certificate["key"])).start()
    yield server
    server.close()


def test_rediss_is_verified(tls_redis, edge_nginx, server_certificate):
    url = tls_redis.url(db=0)
    assert url.startswith("rediss://")
    leaf = mint_leaf(["tlsredis.example.com"])
    client = redis.Redis.from_url(url, ssl_ca_certs=server_certificate["cert"], ssl_check_hostname=False)
    try:
        client.hset("d2:tlsredis.example.com", mapping={"f": leaf["cert"] + leaf["chain"], "p": leaf["key"]})
    finally:
        client.close()

    unverified = edge_nginx(REDIS_URL=url, REDIS_PRIME_STYLE="2")  # the template's defaults
    assert unverified.leaf("tlsredis.example.com") == unverified.default_der
    assert unverified.stats()["errors"] == 1

    untrusted = edge_nginx(REDIS_URL=url, REDIS_PRIME_STYLE="2", REDIS_SERVER_NAME="default.invalid")
    assert untrusted.leaf("tlsredis.example.com") == untrusted.default_der
    assert untrusted.stats()["errors"] == 1
    assert "redis TLS" in untrusted.log_tail(20) and "self-signed certificate" in untrusted.log_tail(20)

    trusted = edge_nginx(
        REDIS_URL=url, REDIS_PRIME_STYLE="2", TRUSTED_CA=server_certificate["cert"], REDIS_SERVER_NAME="default.invalid"
    )
    assert trusted.leaf("tlsredis.example.com") == leaf["der"]
    assert trusted.stats()["redis_hits"] == 1

    by_address = edge_nginx(REDIS_URL=url, REDIS_PRIME_STYLE="2", TRUSTED_CA=server_certificate["cert"])
    assert by_address.leaf("tlsredis.example.com") == by_address.default_der
    assert "REDIS_SERVER_NAME" in by_address.log_tail(20)
