"""The edges of a lookup, on a real nginx: which SNI names are looked up at all, what a fallback answer
must look like to count, and what a broken Redis value does.

The fallback here is mostly the stand-in of tests/edge/standin.py (a real HTTP server whose answers
the test sets, recording every request), because these answers are ones the real app never gives;
where the real app can show the same thing, it is used.
"""

import time

import pytest
import requests

from tests.edge.nginx import mint_leaf
from tests.edge.nginx import pem_to_der_list
from tests.edge.nginx import wait_for
from tests.edge.standin import certificate_payload
from tests.edge.standin import domain_payload
from tests.edge.standin import peter_sslers_answer
from tests.edge.standin import raw_sni_handshake

RESET_PATH = "/.peter_sslers/nginx/shared_cache/expire"


def serving(standin, name: str, leaf: dict) -> None:
    """The stand-in answers ``name`` with ``leaf`` as its single-domain certificate."""
    standin.answers[name] = peter_sslers_answer(domain_payload(name, single=certificate_payload(leaf, 11)))


# --- which names are looked up (findings 7 and 8)


@pytest.mark.parametrize("sni", ["1", "123", "7.8", "example.123", "10.0.0.1"])
def test_a_name_whose_last_label_is_all_digits_is_never_looked_up(sni, standin, edge_nginx):
    """`GET /domain/1/config.json` is Domain #1 to peter_sslers: SNI `1` served domain #1's certificate."""
    fallback = standin()
    fallback.default = lambda name: peter_sslers_answer(
        domain_payload(name, single=certificate_payload(mint_leaf(["one.example.com"]), 1))
    )
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    assert nginx.leaf(sni) == nginx.default_der
    assert fallback.requests == []
    assert nginx.stats()["misses"] == 0  # not even a lookup


def test_the_payload_must_be_about_the_name_asked_for(standin, edge_nginx):
    """A payload for another domain (an id lookup, a proxy answering for someone else) is not served."""
    fallback = standin()
    other = mint_leaf(["other.example.com"])
    fallback.answers["mismatch.example.com"] = peter_sslers_answer(
        domain_payload("other.example.com", single=certificate_payload(other, 5))
    )
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    assert nginx.leaf("mismatch.example.com") == nginx.default_der
    assert fallback.names_asked() == ["mismatch.example.com"]
    assert nginx.stats()["errors"] == 1
    assert "other.example.com" in nginx.log_tail(20)


def test_upper_case_and_a_trailing_dot_are_still_served(standin, edge_nginx):
    fallback = standin()
    leaf = mint_leaf(["mixed.example.com"])
    serving(fallback, "mixed.example.com", leaf)
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    assert nginx.leaf("MiXeD.Example.COM.") == leaf["der"]
    assert raw_sni_handshake(nginx.https_port, b"MIXED.EXAMPLE.COM.") == leaf["der"]
    assert fallback.names_asked() == ["mixed.example.com"]  # once: the second came from the cache


def test_a_trailing_newline_is_not_a_host_name(standin, edge_nginx):
    """PCRE's `$` matches before a final newline: `nl.example.com\\n` passed the check and went into
    the fallback's request line."""
    fallback = standin()
    leaf = mint_leaf(["nl.example.com"])
    serving(fallback, "nl.example.com", leaf)
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    assert raw_sni_handshake(nginx.https_port, b"nl.example.com\n") == nginx.default_der
    assert fallback.requests == []
    # the name itself is served
    assert nginx.leaf("nl.example.com") == leaf["der"]
    assert [r["requestline"] for r in fallback.requests] == [
        "GET /.well-known/admin/domain/nl.example.com/config.json?openresty=1 HTTP/1.1"
    ]


@pytest.mark.parametrize("raw", ["nl.example.com%0A", "nl.example.com%0D%0A", "123", "7.8"])
def test_expire_refuses_what_sni_refuses(raw, edge_nginx):
    nginx = edge_nginx()
    response = requests.get(nginx.http_url + RESET_PATH + "/domain/" + raw, timeout=10)
    assert response.status_code == 400, raw
    assert response.json()["error"] == "invalid domain name"


# --- what a fallback answer must look like (finding 14)


def test_a_404_that_is_not_peter_sslers_is_an_error_not_a_miss(standin, edge_nginx):
    """A wrong FALLBACK_URL (another server, a proxy) answers 404 for everything: that is logged and
    counted as an error, not silently taken as "no certificate"."""
    fallback = standin()
    fallback.default = lambda name: (404, {"Content-Type": "text/html"}, "<h1>404 Not Found</h1>")
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    assert nginx.leaf("wrongurl.example.com") == nginx.default_der
    stats = nginx.stats()
    assert stats["errors"] == 1 and stats["misses"] == 1
    assert "not peter_sslers'" in nginx.log_tail(20)


def test_peter_sslers_404_is_a_plain_miss(serve_app, edge_nginx):
    """The real app's 404 (its header and JSON error body) is "no such domain": no error."""
    app = serve_app()
    nginx = edge_nginx(FALLBACK_URL=app.admin)
    assert nginx.leaf("unknown.example.com") == nginx.default_der
    stats = nginx.stats()
    assert stats["misses"] == 1 and stats["errors"] == 0


# --- broken Redis values (findings 9 and 15)


def test_a_missing_chain_value_is_a_miss_not_a_bare_leaf(serve_app, edge_nginx, edge_redis_url, edge_redis_client):
    """After `i:{id}` expired (redis.timeout.certca) nginx sent the leaf alone, counted as a hit."""
    app = serve_app(**{"enable_redis": "true", "redis.url": edge_redis_url, "redis.prime_style": "1"})
    cert = mint_leaf(["nochain.example.com"])
    app.upload(cert)
    assert app.post_json("/api/redis/prime.json")["result"] == "success"
    ids = edge_redis_client.hgetall("d1:nochain.example.com")
    assert ids["i"]
    edge_redis_client.delete("i:%s" % ids["i"])

    redis_only = edge_nginx(REDIS_URL=edge_redis_url)
    assert redis_only.leaf("nochain.example.com") == redis_only.default_der
    stats = redis_only.stats()
    assert stats["redis_hits"] == 0 and stats["misses"] == 1
    assert "i:%s" % ids["i"] in redis_only.log_tail(20)

    # with the fallback, peter_sslers serves the whole chain (and writes the chain back)
    both = edge_nginx(REDIS_URL=edge_redis_url, FALLBACK_URL=app.admin)
    assert both.chain("nochain.example.com") == pem_to_der_list(cert["cert"] + cert["chain"])
    stats = both.stats()
    assert stats["redis_hits"] == 0 and stats["fallback_hits"] == 1
    assert edge_redis_client.get("i:%s" % ids["i"])


def test_a_certificate_nginx_cannot_use_is_retried_after_the_negative_ttl(edge_nginx, edge_redis_url, edge_redis_client):
    """A key that does not match the certificate: set_priv_key fails. That used to stay in the shared
    cache for cache_ttl (every handshake failing for 10 minutes); now it is dropped at once."""
    good = mint_leaf(["mismatch-key.example.com"])
    other = mint_leaf(["mismatch-key.example.com"])
    edge_redis_client.hset("d2:mismatch-key.example.com", mapping={"f": good["cert"] + good["chain"], "p": other["key"]})
    nginx = edge_nginx(REDIS_URL=edge_redis_url, REDIS_PRIME_STYLE="2", CACHE_TTL="600", NEGATIVE_TTL="1")
    with pytest.raises(OSError):  # the handshake fails (ssl.SSLError is an OSError)
        nginx.leaf("mismatch-key.example.com")
    assert "setting the certificate failed" in nginx.log_tail(20)
    # the key is fixed in Redis: served once the (short) negative entry is gone
    edge_redis_client.hset("d2:mismatch-key.example.com", "p", good["key"])

    def served():
        try:
            return nginx.leaf("mismatch-key.example.com") == good["der"]
        except OSError:
            return False

    started = time.monotonic()
    assert wait_for(served, timeout=5), "still failing 5 s later (kept for cache_ttl?)"
    assert time.monotonic() - started < 5
