"""lib/utils_redis.py against a real Redis: the exact keys lua-resty-peter_sslers 0.5 reads,
their values and TTLs, batching, the stale sweep and the failures."""

import urllib.parse
import uuid

import pytest
import redis

from peter_sslers.lib import errors
from peter_sslers.lib import utils_redis
from peter_sslers.lib.utils_redis import DomainCertificate
from peter_sslers.lib.utils_redis import TimeToLive


def item(name, cert="1", pkey="2", chain="3"):
    return DomainCertificate(
        domain_name=name,
        certificate_id=cert,
        cert_pem="CERT %s\n" % cert,
        private_key_id=pkey,
        key_pem="KEY %s\n" % pkey,
        chain_id=chain,
        chain_pem=None if chain is None else "CHAIN %s\n" % chain,
    )


class CountingRedis(redis.Redis):
    """A real client that counts its pipeline round trips."""

    executed = 0

    def pipeline(self, transaction=True, shard_hint=None):
        pipeline = super().pipeline(transaction=transaction, shard_hint=shard_hint)
        real_execute = pipeline.execute

        def execute(*args, **kwargs):
            type(self).executed += 1
            return real_execute(*args, **kwargs)

        pipeline.execute = execute
        return pipeline


# --- pure parts (no server)


def test_key_names():
    assert utils_redis.key_domain(1, "example.com") == "d1:example.com"
    assert utils_redis.key_domain(2, "example.com") == "d2:example.com"
    assert utils_redis.key_cert(7) == "c:7"
    assert utils_redis.key_pkey("8") == "p:8"
    assert utils_redis.key_chain(9) == "i:9"
    with pytest.raises(ValueError):
        utils_redis.key_domain(3, "example.com")


def test_describe_server_masks_the_password():
    assert utils_redis.describe_server("redis://:hunter2@127.0.0.1:6379/9") == "redis://:********@127.0.0.1:6379/9"
    assert utils_redis.describe_server("redis://u:p@127.0.0.1/9") == "redis://u:********@127.0.0.1/9"
    assert utils_redis.describe_server("redis://127.0.0.1:6379/9") == "redis://127.0.0.1:6379/9"


def test_unknown_style_is_refused():
    with pytest.raises(ValueError):
        utils_redis.Primer(redis.Redis(), 3)


def test_fullchain_is_cert_then_chain():
    assert item("a.example.com").fullchain_pem == "CERT 1\nCHAIN 3\n"
    assert item("a.example.com", chain=None).fullchain_pem == "CERT 1\n"


# --- against the server


def test_style_1_keys_values_and_no_ttl(redis_client):
    result = utils_redis.prime_domains(
        redis_client, 1, [item("a.example.com"), item("b.example.com"), item("c.example.com", cert="4", pkey="5")]
    )
    assert sorted(redis_client.keys("*")) == [
        "c:1",
        "c:4",
        "d1:a.example.com",
        "d1:b.example.com",
        "d1:c.example.com",
        "i:3",
        "p:2",
        "p:5",
    ]
    assert redis_client.type("d1:a.example.com") == "hash"
    assert redis_client.hgetall("d1:a.example.com") == {"c": "1", "p": "2", "i": "3"}
    assert redis_client.hgetall("d1:c.example.com") == {"c": "4", "p": "5", "i": "3"}
    assert redis_client.get("c:1") == "CERT 1\n"
    assert redis_client.get("p:2") == "KEY 2\n"
    assert redis_client.get("i:3") == "CHAIN 3\n"
    for key in redis_client.keys("*"):
        assert redis_client.ttl(key) == -1, key
    # shared values are written (and counted) once
    assert result.total_primed() == {"certcachain": 1, "cert": 2, "pkey": 2, "domain": 3}
    # what the Lua module assembles
    assert utils_redis.read_domain(redis_client, 1, "a.example.com") == {
        "fullchain": "CERT 1\n\nCHAIN 3\n",
        "private_key": "KEY 2\n",
    }
    assert utils_redis.read_domain(redis_client, 1, "nowhere.example.com") is None


def test_style_2_keys_values(redis_client):
    result = utils_redis.prime_domains(redis_client, 2, [item("a.example.com"), item("b.example.com", cert="4")])
    assert sorted(redis_client.keys("*")) == ["d2:a.example.com", "d2:b.example.com"]
    assert redis_client.hgetall("d2:a.example.com") == {"f": "CERT 1\nCHAIN 3\n", "p": "KEY 2\n"}
    assert redis_client.hgetall("d2:b.example.com") == {"f": "CERT 4\nCHAIN 3\n", "p": "KEY 2\n"}
    assert redis_client.ttl("d2:a.example.com") == -1
    assert result.total_primed() == {"certcachain": 0, "cert": 0, "pkey": 0, "domain": 2}
    assert utils_redis.read_domain(redis_client, 2, "b.example.com") == {
        "fullchain": "CERT 4\nCHAIN 3\n",
        "private_key": "KEY 2\n",
    }


def test_ttls_per_kind_and_refreshed(redis_client):
    ttl = TimeToLive(certca=1000, cert=2000, pkey=3000, domain=4000)
    utils_redis.prime_domains(redis_client, 1, [item("a.example.com")], ttl)
    for key, expected in (("i:3", 1000), ("c:1", 2000), ("p:2", 3000), ("d1:a.example.com", 4000)):
        assert expected - 5 <= redis_client.ttl(key) <= expected, key
    # time passes (simulated by shortening the TTLs): a re-prime sets them again
    for key in ("i:3", "c:1", "p:2", "d1:a.example.com"):
        redis_client.expire(key, 10)
    utils_redis.prime_domains(redis_client, 1, [item("a.example.com")], ttl)
    assert redis_client.ttl("c:1") > 1900
    assert redis_client.ttl("d1:a.example.com") > 3900
    # TTLs switched off: a re-prime removes them
    utils_redis.prime_domains(redis_client, 1, [item("a.example.com")], TimeToLive())
    for key in ("i:3", "c:1", "p:2", "d1:a.example.com"):
        assert redis_client.ttl(key) == -1, key


def test_style_2_domain_ttl(redis_client):
    utils_redis.prime_domains(redis_client, 2, [item("a.example.com")], TimeToLive(cert=5, domain=600))
    assert 595 <= redis_client.ttl("d2:a.example.com") <= 600


def test_a_hash_is_replaced_whole(redis_client):
    redis_client.hset("d1:a.example.com", mapping={"c": "old", "x": "stray"})
    redis_client.set("d2:b.example.com", "not a hash")
    utils_redis.prime_domains(redis_client, 1, [item("a.example.com")])
    utils_redis.prime_domains(redis_client, 2, [item("b.example.com")])
    assert redis_client.hgetall("d1:a.example.com") == {"c": "1", "p": "2", "i": "3"}
    assert redis_client.hgetall("d2:b.example.com") == {"f": "CERT 1\nCHAIN 3\n", "p": "KEY 2\n"}


def test_style_1_skips_a_certificate_without_chain(redis_client):
    result = utils_redis.prime_domains(redis_client, 1, [item("a.example.com", chain=None), item("b.example.com")])
    assert result.skipped == ["a.example.com"]
    assert not redis_client.exists("d1:a.example.com")
    assert redis_client.hgetall("d1:b.example.com") == {"c": "1", "p": "2", "i": "3"}
    # style 2 serves the certificate alone
    result = utils_redis.prime_domains(redis_client, 2, [item("a.example.com", chain=None)])
    assert result.skipped == []
    assert redis_client.hget("d2:a.example.com", "f") == "CERT 1\n"


def test_batches_are_one_round_trip_each(redis_url):
    client = CountingRedis.from_url(redis_url, decode_responses=True)
    CountingRedis.executed = 0
    items = [item("d%03d.example.com" % i, cert=str(i), pkey=str(i), chain="1") for i in range(250)]
    result = utils_redis.prime_domains(client, 1, items, batch_size=100)
    assert CountingRedis.executed == 3
    assert result.total_primed() == {"certcachain": 1, "cert": 250, "pkey": 250, "domain": 250}
    assert len(client.keys("d1:*")) == 250
    assert client.hgetall("d1:d249.example.com") == {"c": "249", "p": "249", "i": "1"}
    client.close()


def test_remove_stale(redis_client):
    utils_redis.prime_domains(
        redis_client, 1, [item("a.example.com"), item("b.example.com", cert="4", pkey="5", chain="6")]
    )
    redis_client.set("unrelated", "kept")
    # the database now serves only a.example.com
    primer = utils_redis.Primer(redis_client, 1)
    primer.prime([item("a.example.com")])
    removed = primer.remove_stale()
    assert removed == {"domain": 1, "cert": 1, "pkey": 1, "certcachain": 1}
    assert sorted(redis_client.keys("*")) == ["c:1", "d1:a.example.com", "i:3", "p:2", "unrelated"]
    assert primer.result.as_json()["removed"] == removed


def test_remove_domains(redis_client):
    utils_redis.prime_domains(redis_client, 2, [item("a.example.com"), item("b.example.com")])
    primer = utils_redis.Primer(redis_client, 2)
    assert primer.remove_domains(["a.example.com", "nowhere.example.com"]) == 1
    assert redis_client.keys("d2:*") == ["d2:b.example.com"]


def test_the_url_database_number_is_honoured(redis_url, redis_client):
    """client_for_url selects the URL's database: keys land there and nowhere else."""
    parsed = urllib.parse.urlsplit(redis_url)
    db = int(parsed.path.strip("/") or 0)
    other_db = db - 1 if db > 0 else db + 1
    other_url = urllib.parse.urlunsplit(parsed._replace(path="/%d" % other_db))
    name = "dbcheck-%s.example.com" % uuid.uuid4().hex
    other = utils_redis.client_for_url(other_url)
    try:
        utils_redis.prime_domains(other, 2, [item(name)])
        assert other.hgetall("d2:" + name) == {"f": "CERT 1\nCHAIN 3\n", "p": "KEY 2\n"}
        assert not redis_client.exists("d2:" + name)
        utils_redis.prime_domains(utils_redis.client_for_url(redis_url), 2, [item(name)])
        assert redis_client.exists("d2:" + name)
    finally:
        other.delete("d2:" + name)  # only our own key: that database is not the tests' to flush


def test_client_for_url_is_cached(redis_url):
    assert utils_redis.client_for_url(redis_url) is utils_redis.client_for_url(redis_url)


def test_redis_down_is_a_clear_error(closed_redis_url):
    client = utils_redis.client_for_url(closed_redis_url)
    primer = utils_redis.Primer(client, 1, server=closed_redis_url)
    with pytest.raises(errors.RedisUnavailable) as excinfo:
        primer.ping()
    assert excinfo.value.server == closed_redis_url
    assert closed_redis_url in str(excinfo.value)
    with pytest.raises(errors.RedisUnavailable):
        primer.prime([item("a.example.com")])
    with pytest.raises(errors.RedisUnavailable) as excinfo:
        utils_redis.read_domain(client, 2, "a.example.com")
    # without a server description, the client's own address is named
    port = urllib.parse.urlsplit(closed_redis_url).port
    assert "127.0.0.1:%d" % port in excinfo.value.server


def test_a_database_the_server_does_not_have(redis_url):
    parsed = urllib.parse.urlsplit(redis_url)
    bad_url = urllib.parse.urlunsplit(parsed._replace(path="/99999"))
    primer = utils_redis.Primer(utils_redis.client_for_url(bad_url), 1, server=bad_url)
    with pytest.raises(errors.RedisUnavailable) as excinfo:
        primer.ping()
    assert "/99999" in excinfo.value.message


def test_remove_stale_with_a_bytes_client(redis_url, redis_client):
    """A client without decode_responses answers keys as bytes: the sweep must still keep what it wrote."""
    client = redis.Redis.from_url(redis_url)
    try:
        utils_redis.prime_domains(client, 1, [item("a.example.com"), item("b.example.com", cert="4")])
        primer = utils_redis.Primer(client, 1)
        primer.prime([item("a.example.com")])
        assert primer.remove_stale() == {"domain": 1, "cert": 1, "pkey": 0, "certcachain": 0}
        assert sorted(redis_client.keys("*")) == ["c:1", "d1:a.example.com", "i:3", "p:2"]
    finally:
        client.close()


# --- leftovers of the other prime style (review finding 1)


def test_remove_stale_sweeps_the_other_styles_hashes(redis_client):
    """After a change of redis.prime_style, the full prime removes every hash of the old style:
    a reader that tries both styles must never find a domain the database no longer serves."""
    utils_redis.prime_domains(redis_client, 2, [item("a.example.com"), item("old.example.com")])
    primer = utils_redis.Primer(redis_client, 1)
    primer.prime([item("a.example.com")])
    removed = primer.remove_stale()
    assert sorted(redis_client.keys("*")) == ["c:1", "d1:a.example.com", "i:3", "p:2"]
    assert removed["domain"] == 2


def test_remove_stale_style_2_sweeps_style_1_hashes_and_values(redis_client):
    utils_redis.prime_domains(
        redis_client, 1, [item("a.example.com"), item("old.example.com", cert="4", pkey="5", chain="6")]
    )
    primer = utils_redis.Primer(redis_client, 2)
    primer.prime([item("a.example.com")])
    removed = primer.remove_stale()
    assert sorted(redis_client.keys("*")) == ["d2:a.example.com"]
    assert removed == {"domain": 2, "cert": 2, "pkey": 2, "certcachain": 2}


@pytest.mark.parametrize("style", [1, 2])
def test_a_write_replaces_the_other_styles_hash(redis_client, style):
    """One domain written in one style leaves no hash of the other style behind (a renewal
    primed in d2: must not hide behind an old d1:, and the reverse)."""
    other = 3 - style
    utils_redis.prime_domains(redis_client, other, [item("a.example.com", cert="9")])
    utils_redis.prime_domains(redis_client, style, [item("a.example.com")])
    assert not redis_client.exists("d%d:a.example.com" % other)
    assert redis_client.exists("d%d:a.example.com" % style)


@pytest.mark.parametrize("style", [1, 2])
def test_remove_domains_removes_both_styles(redis_client, style):
    redis_client.hset("d1:a.example.com", mapping={"c": "1", "p": "2", "i": "3"})
    redis_client.hset("d2:a.example.com", mapping={"f": "CERT", "p": "KEY"})
    primer = utils_redis.Primer(redis_client, style)
    assert primer.remove_domains(["a.example.com"]) == 2
    assert redis_client.keys("d*") == []


def test_style_1_without_chain_deletes_the_old_hash(redis_client):
    """A certificate without a chain cannot be served in style 1: the domain's previous hash
    (an older certificate) must not keep being served (review finding 11)."""
    utils_redis.prime_domains(redis_client, 1, [item("a.example.com", cert="1")])
    utils_redis.prime_domains(redis_client, 2, [item("a.example.com", cert="1")])
    result = utils_redis.prime_domains(redis_client, 1, [item("a.example.com", cert="7", chain=None)])
    assert result.skipped == ["a.example.com"]
    assert not redis_client.exists("d1:a.example.com")
    assert not redis_client.exists("d2:a.example.com")


# --- the sweep and a concurrent write-through (review finding 10)


def test_remove_stale_keeps_values_a_domain_hash_points_at(redis_client):
    """Values written after the prime's batch by someone else (a write-through of a renewal)
    and pointed at by a d1: hash survive the sweep; the values nobody points at go (those this
    prime wrote stay until the next prime)."""
    primer = utils_redis.Primer(redis_client, 1)
    primer.prime([item("a.example.com")])
    # a write-through, between the prime's last batch and its sweep: a.example.com was renewed
    utils_redis.prime_domains(redis_client, 1, [item("a.example.com", cert="7", pkey="8", chain="9")])
    redis_client.set("c:99", "nobody points at me")
    primer.remove_stale()
    assert sorted(redis_client.keys("*")) == ["c:1", "c:7", "d1:a.example.com", "i:3", "i:9", "p:2", "p:8"]
    assert utils_redis.read_domain(redis_client, 1, "a.example.com") == {
        "fullchain": "CERT 7\n\nCHAIN 9\n",
        "private_key": "KEY 8\n",
    }


class RacingPrimer(utils_redis.Primer):
    """A primer whose sweep is overtaken by a write-through right after it listed the
    referenced values, before it deletes anything."""

    racer = None

    def _referenced_values(self):
        referenced = super()._referenced_values()
        if self.racer is not None:
            racer, self.racer = self.racer, None
            racer()
        return referenced


def test_remove_stale_never_deletes_a_value_written_during_the_sweep(redis_client):
    utils_redis.prime_domains(redis_client, 1, [item("stale.example.com", cert="7", pkey="8", chain="9")])
    utils_redis.prime_domains(redis_client, 1, [item("gone.example.com", cert="5", pkey="6", chain="4")])
    primer = RacingPrimer(redis_client, 1)
    primer.prime([item("a.example.com")])
    redis_client.delete("d1:stale.example.com", "d1:gone.example.com")  # their domains stopped being served
    # ... and then stale.example.com is served again by a write-through, mid-sweep
    primer.racer = lambda: utils_redis.prime_domains(
        redis_client, 1, [item("stale.example.com", cert="7", pkey="8", chain="9")]
    )
    primer.remove_stale()
    assert utils_redis.read_domain(redis_client, 1, "stale.example.com") == {
        "fullchain": "CERT 7\n\nCHAIN 9\n",
        "private_key": "KEY 8\n",
    }
    # what nobody points at is still removed
    assert not redis_client.exists("c:5") and not redis_client.exists("p:6") and not redis_client.exists("i:4")


# --- secrets in the URL (review finding 12)


def test_describe_server_masks_query_credentials():
    assert (
        utils_redis.describe_server("redis://127.0.0.1:6379/9?password=hunter2")
        == "redis://127.0.0.1:6379/9?password=********"
    )
    assert (
        utils_redis.describe_server("unix:///run/redis.sock?db=9&username=peter&password=hun%26ter2")
        == "unix:///run/redis.sock?db=9&username=********&password=********"
    )
    assert (
        utils_redis.describe_server("rediss://u:p@127.0.0.1/9?Password=x&socket_timeout=3")
        == "rediss://u:********@127.0.0.1/9?Password=********&socket_timeout=3"
    )
    assert utils_redis.describe_server("redis://127.0.0.1/9?db=9") == "redis://127.0.0.1/9?db=9"


# --- the write-through's back-off (review finding 3)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_backoff_skips_a_failed_server_for_a_while():
    clock = FakeClock()
    backoff = utils_redis.Backoff(seconds=30, clock=clock)
    assert backoff.remaining("redis://a/1") == 0
    backoff.failed("redis://a/1")
    assert backoff.remaining("redis://a/1") == 30
    assert backoff.remaining("redis://b/1") == 0  # per server
    clock.now += 29.5
    assert backoff.remaining("redis://a/1") == pytest.approx(0.5)
    clock.now += 0.5
    assert backoff.remaining("redis://a/1") == 0
    backoff.failed("redis://a/1")
    backoff.succeeded("redis://a/1")
    assert backoff.remaining("redis://a/1") == 0


def test_the_quick_client_has_short_timeouts_and_no_retries(redis_url):
    client = utils_redis.client_for_url(redis_url, quick=True)
    kwargs = client.connection_pool.connection_kwargs
    assert kwargs["socket_connect_timeout"] == utils_redis.QUICK_TIMEOUT_SECONDS
    assert kwargs["socket_timeout"] == utils_redis.QUICK_TIMEOUT_SECONDS
    assert client is utils_redis.client_for_url(redis_url, quick=True)
    assert client is not utils_redis.client_for_url(redis_url)


# --- one prime writes each value once (issue 16)


def test_a_value_already_written_needs_no_pem(redis_client):
    primer = utils_redis.Primer(redis_client, 1)
    assert not primer.wrote("c", 1)
    primer.prime([item("a.example.com")])
    assert primer.wrote("c", 1) and primer.wrote("p", "2") and primer.wrote("i", 3)
    assert not primer.wrote("c", 4)
    # the caller loaded no PEM for the values this primer wrote: they are not written again
    shared = DomainCertificate(
        domain_name="b.example.com",
        certificate_id="1",
        cert_pem=None,
        private_key_id="2",
        key_pem=None,
        chain_id="3",
        chain_pem=None,
    )
    primer.prime([shared])
    assert redis_client.get("c:1") == "CERT 1\n"
    assert redis_client.hgetall("d1:b.example.com") == {"c": "1", "p": "2", "i": "3"}
    assert primer.result.total_primed() == {"certcachain": 1, "cert": 1, "pkey": 1, "domain": 2}


def test_one_delete_counts_the_other_styles_hashes_of_a_batch(redis_client):
    utils_redis.prime_domains(redis_client, 2, [item("a.example.com"), item("b.example.com")])
    redis_client.hset("d1:c.example.com", "c", "9")  # a skipped domain's stale style-1 hash
    primer = utils_redis.Primer(redis_client, 1)
    primer.prime([item("a.example.com"), item("b.example.com"), item("c.example.com", chain=None)])
    assert primer.result.removed["domain"] == 3
    assert sorted(redis_client.keys("d*")) == ["d1:a.example.com", "d1:b.example.com"]
    assert primer.result.skipped == ["c.example.com"]


def test_the_sweep_deletes_page_by_page(redis_client, monkeypatch):
    """More stale hashes than one SCAN page: all go, the kept ones stay."""
    monkeypatch.setattr(utils_redis, "_SCAN_COUNT", 7)
    utils_redis.prime_domains(redis_client, 1, [item("d%02d.example.com" % i) for i in range(40)])
    utils_redis.prime_domains(redis_client, 2, [item("e%02d.example.com" % i) for i in range(15)])
    primer = utils_redis.Primer(redis_client, 1)
    primer.prime([item("d%02d.example.com" % i) for i in range(0, 40, 4)])
    removed = primer.remove_stale()
    assert removed["domain"] == 30 + 15
    assert sorted(redis_client.keys("d*")) == sorted("d1:d%02d.example.com" % i for i in range(0, 40, 4))


def test_the_written_ids_are_a_bitmap_and_a_set():
    ids = utils_redis._IdSet()
    for value in (0, 1, 7, 8, 1000, 1000, 5, utils_redis._IdSet.BITMAP_LIMIT + 3, "abc", "abc", -3):
        ids.add(value)
    assert len(ids) == 9
    assert all(v in ids for v in (0, 1, 7, 8, 1000, 5, utils_redis._IdSet.BITMAP_LIMIT + 3, "abc", -3))
    assert not any(v in ids for v in (2, 9, 999, 1001, 100000, "ab", utils_redis._IdSet.BITMAP_LIMIT, None))
    # ids are compared as the database prints them: "007" is not 7
    assert utils_redis._as_id("7") == 7 and utils_redis._as_id("007") == "007" and utils_redis._as_id("0") == 0
