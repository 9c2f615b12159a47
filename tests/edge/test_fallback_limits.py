"""What any TLS client can make nginx ask peter_sslers, bounded (review finding 6).

Every distinct valid-looking SNI name cost a Redis round trip and an HTTP request to peter_sslers'
admin, each holding its handshake up to fallback_timeout_ms, with no bound, and its remembered miss
competed with real certificates for the shared cache. Now:

* ``LOOKUP_SUFFIXES``: names outside them are never looked up;
* ``FALLBACK_CONCURRENCY`` requests at most in flight per worker (``FALLBACK_QUEUE_MS`` waiting for
  a slot), and ``FALLBACK_PER_SECOND`` at most per second per server (0: no limit);
* misses live in a shared dict of their own (``NEGATIVE_CACHE_SIZE``), so they cannot evict
  certificates.

The fallback is the stand-in of tests/edge/standin.py, which records what reached it and how many
requests it held at once.
"""

import concurrent.futures
import secrets
import time

import pytest

from tests.edge.nginx import mint_leaf
from tests.edge.standin import certificate_payload
from tests.edge.standin import domain_payload
from tests.edge.standin import peter_sslers_answer


def serve_everything(standin) -> dict:
    """The stand-in answers every name with one certificate (minted once)."""
    leaf = mint_leaf(["*.example.com", "example.com"])
    standin.default = lambda name: peter_sslers_answer(domain_payload(name, single=certificate_payload(leaf, 9)))
    return leaf


def test_only_names_under_the_lookup_suffixes_are_looked_up(standin, edge_nginx):
    fallback = standin()
    leaf = serve_everything(fallback)
    nginx = edge_nginx(FALLBACK_URL=fallback.admin, LOOKUP_SUFFIXES="example.com,example.net")
    assert nginx.leaf("www.example.com") == leaf["der"]
    assert nginx.leaf("example.net") == leaf["der"]
    for outside in ("random-1234.attacker.org", "notexample.com", "example.com.attacker.org"):
        assert nginx.leaf(outside) == nginx.default_der, outside
    assert sorted(fallback.names_asked()) == ["example.net", "www.example.com"]
    stats = nginx.stats()
    assert stats["not_allowed"] == 3 and stats["misses"] == 0
    assert nginx.status()["config"]["lookup_suffixes"] == ["example.com", "example.net"]


def test_concurrent_fallback_requests_are_bounded_per_worker(standin, edge_nginx):
    """One worker, one request at a time, no queue: of four simultaneous handshakes for new names one
    reaches peter_sslers; the others get the default certificate at once (not remembered as misses)."""
    fallback = standin(delay=1.5)
    leaf = serve_everything(fallback)
    nginx = edge_nginx(
        FALLBACK_URL=fallback.admin, WORKER_PROCESSES="1", FALLBACK_CONCURRENCY="1", FALLBACK_QUEUE_MS="0"
    )
    names = ["burst-%d.example.com" % i for i in range(4)]
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        served = list(pool.map(nginx.leaf, names))
    assert fallback.max_in_flight == 1
    assert len(fallback.requests) == 1
    assert served.count(leaf["der"]) == 1 and served.count(nginx.default_der) == 3
    stats = nginx.stats()
    assert stats["fallback_limited"] == 3 and stats["fallback_hits"] == 1
    assert nginx.status()["cache"]["misses"] == 0  # busy is not "no certificate"
    # a moment later, a name that was turned away is asked for and served
    turned_away = [name for name, der in zip(names, served) if der != leaf["der"]][0]
    assert nginx.leaf(turned_away) == leaf["der"]


def test_a_queued_fallback_request_waits_for_a_slot(standin, edge_nginx):
    fallback = standin(delay=0.4)
    leaf = serve_everything(fallback)
    nginx = edge_nginx(
        FALLBACK_URL=fallback.admin, WORKER_PROCESSES="1", FALLBACK_CONCURRENCY="1", FALLBACK_QUEUE_MS="5000"
    )
    names = ["queued-%d.example.com" % i for i in range(3)]
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        served = list(pool.map(nginx.leaf, names))
    assert served == [leaf["der"]] * 3
    assert fallback.max_in_flight == 1 and len(fallback.requests) == 3
    assert nginx.stats()["fallback_limited"] == 0


def test_fallback_requests_per_second_are_bounded(standin, edge_nginx):
    fallback = standin()
    serve_everything(fallback)
    nginx = edge_nginx(FALLBACK_URL=fallback.admin, FALLBACK_PER_SECOND="2")
    # start just after a second begins, so the handshakes fall in as few seconds as possible
    time.sleep(1 - time.time() % 1 + 0.01)
    started = time.time()
    for i in range(8):
        nginx.leaf("rate-%d.example.com" % i)
    seconds = int(time.time()) - int(started) + 1  # the clock seconds the loop touched
    per_second = {}
    for request in fallback.requests:
        second = int(request["wall"])
        per_second[second] = per_second.get(second, 0) + 1
    assert max(per_second.values()) <= 2, per_second
    assert len(fallback.requests) <= 2 * seconds < 8
    assert nginx.stats()["fallback_limited"] == 8 - len(fallback.requests)


def test_misses_cannot_evict_certificates(edge_nginx, edge_redis_url, edge_redis_client):
    """A flood of misses (random names) used to push real certificates out of the shared cache (one
    LRU for both); misses now have their own dict, which only evicts older misses."""
    leaf = mint_leaf(["kept.example.com"])
    edge_redis_client.hset("d2:kept.example.com", mapping={"f": leaf["cert"] + leaf["chain"], "p": leaf["key"]})
    nginx = edge_nginx(
        REDIS_URL=edge_redis_url,
        REDIS_PRIME_STYLE="2",
        WORKER_PROCESSES="1",
        CACHE_SIZE="32k",
        NEGATIVE_CACHE_SIZE="32k",
        NEGATIVE_TTL="600",
    )
    assert nginx.leaf("kept.example.com") == leaf["der"]
    edge_redis_client.delete("d2:kept.example.com")  # from now on only the shared cache has it
    for _ in range(600):
        nginx.leaf("miss-%s.example.com" % secrets.token_hex(8))
    status = nginx.status()
    assert status["stats"]["misses"] == 600
    assert status["cache"]["certificates"] == 1
    assert nginx.leaf("kept.example.com") == leaf["der"]  # still cached


@pytest.mark.parametrize("names", ["example.com", "example.com,example.org"])
def test_the_allow_list_is_shown_in_the_rendered_config(names):
    from tests.edge.nginx import render_conf
    from tests.edge.test_edge_conf import template

    assert 'lookup_suffixes = "%s",' % names in render_conf.render(template(), {"LOOKUP_SUFFIXES": names})
