"""Redis priming through the app: /api/redis/prime, the config.json?openresty=1 write-through and
/operations/redis, against a real Redis (SSL_RUN_REDIS_TESTS) and a closed loopback port."""

import datetime
import json
import logging
import time

import pytest
import webtest

from peter_sslers.config import ApplicationSettings
from peter_sslers.lib import utils_redis
from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import actions
from peter_sslers.lib.db import actions_redis
from peter_sslers.lib.db import chains
from peter_sslers.lib.db import update
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from peter_sslers.model.meta import utcnow
from tests import data
from tests import factories as f
from tests.browser import BrowserTestApp
from tests.conftest import TEST_HOST
from tests.conftest import count_rows
from tests.web.test_certificate_signed import upload

ADMIN = "/.well-known/admin"
PRIME = ADMIN + "/api/redis/prime"
REDIS_PRIME_TYPE = model_utils.OperationsEventType.from_string("operations__redis_prime")


def redis_events(dbsession):
    dbsession.expire_all()
    return (
        dbsession.query(m.OperationsEvent)
        .filter(m.OperationsEvent.operations_event_type_id == REDIS_PRIME_TYPE)
        .order_by(m.OperationsEvent.id)
        .all()
    )


def domain(dbsession, name) -> m.Domain:
    found = dbsession.query(m.Domain).filter_by(domain_name=name).one_or_none()
    return found or f.make_domain(dbsession, name)


def add_certificate(ctx, names, days=89, chain=None, private_key=None, active=True):
    """A CertificateSigned (factory PEMs) for these names, reusing their Domains, with a chain;
    the Domains' latest certificates recomputed and everything committed."""
    s = ctx.dbsession
    domains = [domain(s, name) for name in names]
    ids_string = ",".join(str(d.id) for d in sorted(domains, key=lambda d: d.id))
    fqdn_set = s.query(m.UniqueFQDNSet).filter_by(domain_ids_string=ids_string).one_or_none()
    if fqdn_set is None:
        fqdn_set = m.UniqueFQDNSet(
            domain_ids_string=ids_string, count_domains=len(domains), operations_event__created=f.make_event(s)
        )
        fqdn_set.to_domains = [m.UniqueFQDNSet2Domain(domain=d) for d in domains]
        s.add(fqdn_set)
        s.flush()
    dbCertificate = f.make_certificate_signed(
        s,
        fqdn_set=fqdn_set,
        private_key=private_key,
        is_single_domain_cert=len(names) == 1,
        timestamp_not_after=utcnow() + datetime.timedelta(days=days),
        is_active=active,
    )
    chain = chain or f.make_certificate_ca_chain(s)
    s.add(m.CertificateSignedChain(certificate_signed=dbCertificate, certificate_ca_chain=chain, is_upstream_default=True))
    s.flush()
    actions.update_recents__domains(ctx, [d.id for d in domains])
    s.commit()
    return dbCertificate


def prime(app, status=200):
    return app.post(PRIME + ".json", status=status)


@pytest.fixture
def app1(make_redis_app):
    return make_redis_app()


@pytest.fixture
def app2(make_redis_app):
    return make_redis_app(redis__prime_style="2")


# --- style 1, real certificates


def test_prime_style_1_exact_keys_and_values(app1, redis_client, dbsession):
    single = upload(app1, "leaf_rsa_single").json
    multi = upload(app1, "leaf_rsa_multi").json
    res = prime(app1)
    body = res.json
    assert body["result"] == "success"
    assert body["prime_style"] == 1
    assert body["operations_event"]["total_primed"] == {"certcachain": 1, "cert": 2, "pkey": 2, "domain": 4}
    assert body["removed"] == {"domain": 0, "cert": 0, "pkey": 0, "certcachain": 0}
    assert body["skipped"] == []

    single_id = single["CertificateSigned"]["id"]
    multi_id = multi["CertificateSigned"]["id"]
    single_cert = dbsession.get(m.CertificateSigned, int(single_id))
    multi_cert = dbsession.get(m.CertificateSigned, int(multi_id))
    chain_id = str(single_cert.certificate_signed_chains[0].certificate_ca_chain_id)
    assert sorted(redis_client.keys("*")) == sorted(
        [
            "d1:example.com",
            "d1:a.example.com",
            "d1:b.example.com",
            "d1:c.example.com",
            "c:%s" % single_id,
            "c:%s" % multi_id,
            "p:%s" % single_cert.private_key_id,
            "p:%s" % multi_cert.private_key_id,
            "i:%s" % chain_id,
        ]
    )
    assert redis_client.hgetall("d1:example.com") == {
        "c": single_id,
        "p": str(single_cert.private_key_id),
        "i": chain_id,
    }
    for name in ("a.example.com", "b.example.com", "c.example.com"):
        assert redis_client.hgetall("d1:" + name) == {"c": multi_id, "p": str(multi_cert.private_key_id), "i": chain_id}
    assert redis_client.get("c:%s" % single_id) == data.read("leaf_rsa_single.cert.pem")
    assert redis_client.get("c:%s" % multi_id) == data.read("leaf_rsa_multi.cert.pem")
    assert redis_client.get("p:%s" % single_cert.private_key_id) == data.read("leaf_rsa_single.key.pem")
    assert redis_client.get("i:%s" % chain_id) == data.read("intermediate_a.cert.pem")
    for key in redis_client.keys("*"):
        assert redis_client.ttl(key) == -1, key

    # the OperationsEvent holds the same counts
    events = redis_events(dbsession)
    assert [str(e.id) for e in events] == [body["operations_event"]["id"]]
    payload = events[0].event_payload_json
    assert payload["prime_style"] == 1
    assert payload["total_primed"] == body["operations_event"]["total_primed"]
    assert payload["redis_server"] == body["redis_server"]


def test_prime_style_2_exact_keys_and_values(app2, redis_client):
    upload(app2, "leaf_rsa_single")
    upload(app2, "leaf_ec384_multi")
    body = prime(app2).json
    assert body["prime_style"] == 2
    assert body["operations_event"]["total_primed"] == {"certcachain": 0, "cert": 0, "pkey": 0, "domain": 3}
    assert sorted(redis_client.keys("*")) == ["d2:ec384-a.example.com", "d2:ec384-b.example.com", "d2:example.com"]
    assert redis_client.hgetall("d2:example.com") == {
        "f": data.read("leaf_rsa_single.cert.pem") + data.read("intermediate_a.cert.pem"),
        "p": data.read("leaf_rsa_single.key.pem"),
    }
    ec = data.leaf("leaf_ec384_multi")
    for name in ("ec384-a.example.com", "ec384-b.example.com"):
        assert redis_client.hgetall("d2:" + name) == {"f": ec["cert"] + ec["chain"], "p": ec["key"]}
    # the same fullchain config.json answers
    config = app2.get(ADMIN + "/domain/example.com/config.json").json
    assert redis_client.hget("d2:example.com", "f") == config["certificate_signed__latest_single"]["fullchain"]["pem"]


def test_ttls_from_the_ini(make_redis_app, redis_client):
    for style in ("1", "2"):
        redis_client.flushdb()
        app = make_redis_app(
            redis__prime_style=style,
            redis__timeout__certca="1000",
            redis__timeout__cert="2000",
            redis__timeout__pkey="3000",
            redis__timeout__domain="4000",
        )
        upload(app, "leaf_rsa_single")
        prime(app)
        expected = {"i:": 1000, "c:": 2000, "p:": 3000, "d1:": 4000, "d2:": 4000}
        keys = redis_client.keys("*")
        assert keys
        for key in keys:
            ttl = expected[key.split(":", 1)[0] + ":"]
            assert ttl - 10 <= redis_client.ttl(key) <= ttl, key


def test_reprime_refreshes_ttls(make_redis_app, redis_client):
    app = make_redis_app(redis__timeout__domain="600", redis__timeout__cert="600")
    upload(app, "leaf_rsa_single")
    prime(app)
    redis_client.expire("d1:example.com", 5)
    prime(app)
    assert redis_client.ttl("d1:example.com") > 590


# --- which certificate a domain gets


def test_multi_is_preferred_over_single(app1, ctx, redis_client):
    single = add_certificate(ctx, ["example.com"], days=300)  # the single one even expires later
    multi = add_certificate(ctx, ["example.com", "www.example.com"], days=60)
    prime(app1)
    assert redis_client.hget("d1:example.com", "c") == str(multi.id)
    assert redis_client.hget("d1:www.example.com", "c") == str(multi.id)
    assert redis_client.get("c:%s" % multi.id) == multi.cert_pem
    assert not redis_client.exists("c:%s" % single.id)
    # the multi certificate deactivated: the single one is served again at once (the mark
    # updates Redis), and a full prime removes what only the multi one used (its key)
    res = app1.post(ADMIN + "/certificate-signed/%s/mark.json" % multi.id, {"action": "inactive"}, status=200)
    assert res.json["result"] == "success"
    assert redis_client.hget("d1:example.com", "c") == str(single.id)
    assert not redis_client.exists("d1:www.example.com")
    assert not redis_client.exists("c:%s" % multi.id)
    body = prime(app1).json
    assert redis_client.hget("d1:example.com", "c") == str(single.id)
    assert not redis_client.exists("p:%s" % multi.private_key_id)
    assert body["removed"] == {"domain": 0, "cert": 0, "pkey": 1, "certcachain": 1}


def test_renewal_then_reprime_points_to_the_new_certificate(app1, app2, ctx, redis_client):
    key = f.make_private_key(ctx.dbsession)
    old = add_certificate(ctx, ["example.com"], days=10, private_key=key)
    prime(app1)
    assert redis_client.hget("d1:example.com", "c") == str(old.id)
    new = add_certificate(ctx, ["example.com"], days=90, private_key=key)  # the renewal, same key
    new_chain = new.certificate_signed_chains[0].certificate_ca_chain
    prime(app1)
    assert redis_client.hgetall("d1:example.com") == {"c": str(new.id), "p": str(key.id), "i": str(new_chain.id)}
    assert redis_client.get("c:%s" % new.id) == new.cert_pem
    assert not redis_client.exists("c:%s" % old.id)  # swept: nothing points at it
    prime(app2)
    assert redis_client.hgetall("d2:example.com") == {"f": new.cert_pem + new_chain.chain_pem, "p": key.key_pem}


def test_inactive_domain_and_inactive_certificate_are_not_served(app1, ctx, redis_client, dbsession):
    add_certificate(ctx, ["example.com"])
    add_certificate(ctx, ["gone.example.com"])
    add_certificate(ctx, ["inactive.example.com"], active=False)
    prime(app1)
    assert sorted(redis_client.keys("d1:*")) == ["d1:example.com", "d1:gone.example.com"]
    # marked inactive behind the app's back (the mark route itself updates Redis at once)
    gone = dbsession.query(m.Domain).filter_by(domain_name="gone.example.com").one()
    gone.is_active = False
    dbsession.commit()
    body = prime(app1).json
    assert redis_client.keys("d1:*") == ["d1:example.com"]
    assert body["removed"]["domain"] == 1


def test_more_domains_than_one_batch(app2, ctx, redis_client):
    names = ["d%03d.example.com" % i for i in range(utils_redis.DEFAULT_BATCH_SIZE * 2 + 50)]
    certificate = add_certificate(ctx, names)
    body = prime(app2).json
    assert body["operations_event"]["total_primed"]["domain"] == len(names)
    assert len(redis_client.keys("d2:*")) == len(names)
    fullchain = certificate.cert_pem + certificate.certificate_signed_chains[0].certificate_ca_chain.chain_pem
    for name in (names[0], names[99], names[100], names[-1]):
        assert redis_client.hget("d2:" + name, "f") == fullchain


# --- the database number


def test_the_database_number_of_redis_url_is_honoured(make_redis_app, redis_url, redis_client):
    app = make_redis_app()
    assert redis_url.rsplit("/", 1)[1] != "0"
    upload(app, "leaf_rsa_single")
    prime(app)
    # redis_client is on the URL's database: the keys are there
    assert redis_client.exists("d1:example.com")
    assert redis_client.connection_pool.connection_kwargs["db"] == int(redis_url.rsplit("/", 1)[1])


# --- the write-through


def test_config_json_openresty_primes_that_domain(app1, app2, redis_client):
    upload(app1, "leaf_rsa_single")
    upload(app1, "leaf_rsa_multi")
    plain = app1.get(ADMIN + "/domain/example.com/config.json", status=200).json
    assert redis_client.keys("*") == []  # without ?openresty=1 nothing is written
    res = app1.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    assert res.json == plain
    single = plain["certificate_signed__latest_single"]
    assert redis_client.hgetall("d1:example.com") == {
        "c": single["certificate"]["id"],
        "p": single["private_key"]["id"],
        "i": single["chain"]["id"],
    }
    assert redis_client.get("c:" + single["certificate"]["id"]) == single["certificate"]["pem"]
    assert not redis_client.exists("d1:a.example.com")  # only that domain
    # style 2, by id
    app2.get(ADMIN + "/domain/%s/config.json?openresty=1" % plain["domain"]["id"], status=200)
    assert redis_client.hgetall("d2:example.com") == {
        "f": single["fullchain"]["pem"],
        "p": single["private_key"]["pem"],
    }


def test_config_json_openresty_is_still_two_queries(app1, redis_client, count_queries):
    upload(app1, "leaf_rsa_single")
    with count_queries() as counter:
        app1.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    # a certificate with one chain: the preferred-CA list is not read (lib.db.chains.ChainPreference)
    assert len(counter.statements) <= 2, counter.statements
    assert redis_client.exists("d1:example.com")


def test_config_json_openresty_removes_a_domain_that_serves_nothing(app1, redis_client):
    upload(app1, "leaf_rsa_single")
    app1.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    app1.post(ADMIN + "/domain/example.com/mark.json", {"action": "inactive"}, status=200)
    res = app1.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    assert res.json["certificate_signed__latest_single"] is None
    assert not redis_client.exists("d1:example.com")


def test_config_json_openresty_no_operations_event(app1, redis_client, dbsession):
    upload(app1, "leaf_rsa_single")
    before = count_rows(dbsession.get_bind(), m.OperationsEvent)
    app1.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    assert count_rows(dbsession.get_bind(), m.OperationsEvent) == before


# --- Redis not enabled


def test_disabled_prime_is_an_error_and_changes_nothing(testapp, redis_client, dbsession):
    upload(testapp, "leaf_rsa_single")
    events_before = count_rows(dbsession.get_bind(), m.OperationsEvent)
    res = testapp.post(PRIME + ".json", status=400)
    assert res.json["result"] == "error"
    assert res.json["error"] == "redis is not enabled"
    res = testapp.post(PRIME, status=400)
    assert "redis is not enabled" in res.text
    # config.json?openresty=1 answers, and writes nothing
    res = testapp.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    assert res.json["certificate_signed__latest_single"] is not None
    assert redis_client.dbsize() == 0
    assert count_rows(dbsession.get_bind(), m.OperationsEvent) == events_before
    assert redis_events(dbsession) == []


def test_disabled_pages(testapp):
    res = testapp.get(PRIME, status=200)
    assert "disabled" in res.text
    assert "Prime Redis now" not in res.text
    docs = testapp.get(PRIME + ".json", status=200).json
    assert docs["method"] == "POST"
    assert "HTTP POST required" in docs["instructions"]
    assert docs["endpoint"].endswith("/api/redis/prime.json")


# --- Redis down (a closed loopback port: no Redis needed)


@pytest.fixture
def down_app(make_app, db, closed_redis_url):
    app = make_app(**{"enable_redis": "true", "redis.url": closed_redis_url, "redis.prime_style": "1"})
    return BrowserTestApp(app, extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})


def test_redis_down_prime_is_a_clear_error(down_app, closed_redis_url, dbsession):
    upload(down_app, "leaf_rsa_single")
    events_before = count_rows(dbsession.get_bind(), m.OperationsEvent)
    # Redis unreachable: 503 with the one envelope (it answered 200 before issue 11)
    res = prime(down_app, status=503)
    assert res.json["result"] == "error" and res.json["service"] == "redis"
    assert res.json["form_errors"] == {"Error_Main": res.json["error"]}
    assert res.json["redis_server"] == closed_redis_url
    assert res.json["error"].startswith("Redis at %s failed: " % closed_redis_url)
    assert "refused" in res.json["error"].lower()
    res = down_app.post(PRIME, status=503)
    assert "Nothing was primed" in res.text and closed_redis_url in res.text
    assert redis_events(dbsession) == []
    assert count_rows(dbsession.get_bind(), m.OperationsEvent) == events_before


def test_redis_down_config_json_still_answers(down_app, caplog):
    upload(down_app, "leaf_rsa_single")
    plain = down_app.get(ADMIN + "/domain/example.com/config.json", status=200).json
    with caplog.at_level(logging.WARNING, logger="peter_sslers.lib.db.actions_redis"):
        res = down_app.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    assert res.json == plain
    assert res.json["certificate_signed__latest_single"]["fullchain"]["pem"]
    messages = [r.getMessage() for r in caplog.records if r.name == "peter_sslers.lib.db.actions_redis"]
    assert any("example.com" in msg and "127.0.0.1" in msg for msg in messages), messages


# --- the pages


def test_prime_page_has_a_button_and_post_shows_the_counts(app1, redis_client):
    res = app1.get(PRIME, status=200)
    assert "Prime Redis now" in res.text
    assert redis_client.dbsize() == 0  # a GET does nothing
    upload(app1, "leaf_rsa_single")
    res = app1.post(PRIME, status=200)
    assert "Redis primed" in res.text
    assert redis_client.exists("d1:example.com")
    docs = app1.get(PRIME + ".json", status=200).json
    assert docs["method"] == "POST"


def test_operations_redis_lists_the_primes(app1, redis_client):
    upload(app1, "leaf_rsa_single")
    ids = [prime(app1).json["operations_event"]["id"] for _ in range(3)]
    app1.post(ADMIN + "/api/update-recents.json", status=200)  # another kind of event: not listed
    res = app1.get(ADMIN + "/operations/redis.json", status=200)
    listed = res.json["OperationsEvents"]
    assert [e["id"] for e in listed] == list(reversed(ids))
    assert {e["operations_event_type"] for e in listed} == {"operations__redis_prime"}
    assert listed[0]["event_payload"]["total_primed"]["domain"] == 1
    assert res.json["pagination"]["total_items"] == 3
    page = app1.get(ADMIN + "/operations/redis", status=200)
    for event_id in ids:
        assert "/operations/log/item/%s" % event_id in page.text
    app1.get(ADMIN + "/operations/redis/1.json", status=200)
    res = app1.get(ADMIN + "/operations/redis/9.json", status=303)
    assert res.location.endswith("/operations/redis/1.json")


def test_operations_redis_paginates(testapp, dbsession):
    for _ in range(55):
        f.make_event(dbsession, type_id=REDIS_PRIME_TYPE, event_payload=json.dumps({"v": 1, "prime_style": 1}))
    dbsession.commit()
    res = testapp.get(ADMIN + "/operations/redis.json", status=200)
    assert res.json["pagination"]["total_items"] == 55
    assert len(res.json["OperationsEvents"]) == 50
    res = testapp.get(ADMIN + "/operations/redis/2.json", status=200)
    assert len(res.json["OperationsEvents"]) == 5
    testapp.get(ADMIN + "/operations/redis/2", status=200)


def test_links_to_the_redis_pages(testapp):
    for path in (ADMIN, ADMIN + "/api", ADMIN + "/operations/log"):
        text = testapp.get(path, status=200).text
        assert ADMIN + "/api/redis/prime" in text or ADMIN + "/operations/redis" in text, path
    assert ADMIN + "/api/redis/prime" in testapp.get(ADMIN, status=200).text
    assert ADMIN + "/operations/redis" in testapp.get(ADMIN + "/operations/log", status=200).text
    assert ADMIN + "/api/redis/prime" in testapp.get(ADMIN + "/api", status=200).text


# --- leftovers of the other prime style (review finding 1)


def test_a_change_of_style_leaves_nothing_of_the_old_one(app1, app2, ctx, redis_client):
    """1 -> 2 -> 1: each full prime removes every key of the other style, so a reader trying
    both styles (the edge's `any`) never gets an old certificate or an inactive domain."""
    old = add_certificate(ctx, ["example.com"], days=30)
    add_certificate(ctx, ["inactive.example.com"])
    prime(app1)
    assert redis_client.hget("d1:example.com", "c") == str(old.id)
    new = add_certificate(ctx, ["example.com"], days=90)  # a renewal, primed in style 2
    app2.post(ADMIN + "/domain/inactive.example.com/mark.json", {"action": "inactive"}, status=200)
    body = prime(app2).json
    assert sorted(redis_client.keys("*")) == ["d2:example.com"]
    assert redis_client.hget("d2:example.com", "f").startswith(new.cert_pem)
    # d1:example.com replaced in its batch; d1:inactive... went when it was marked
    assert body["removed"]["domain"] == 1 and body["removed"]["cert"] == 2
    # back to style 1: the d2: hash goes
    prime(app1)
    assert sorted(redis_client.keys("d*")) == ["d1:example.com"]
    assert redis_client.hget("d1:example.com", "c") == str(new.id)


def test_the_write_through_removes_the_other_styles_hash(app1, app2, ctx, redis_client):
    add_certificate(ctx, ["example.com"])
    prime(app1)
    app2.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    assert redis_client.keys("d*") == ["d2:example.com"]
    app1.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    assert redis_client.keys("d*") == ["d1:example.com"]
    # a domain that serves nothing now loses both
    app1.post(ADMIN + "/domain/example.com/mark.json", {"action": "inactive"}, status=200)
    redis_client.hset("d1:example.com", mapping={"c": "1", "p": "1", "i": "1"})
    redis_client.hset("d2:example.com", mapping={"f": "x", "p": "y"})
    app2.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    assert redis_client.keys("d*") == []


# --- expired multi versus valid single (review finding 2)


def test_an_expired_multi_gives_way_to_a_valid_single(app1, app2, ctx, redis_client):
    single = add_certificate(ctx, ["example.com"], days=60)
    multi = add_certificate(ctx, ["example.com", "www.example.com"], days=-1)  # expired, still the latest multi
    prime(app1)
    assert redis_client.hget("d1:example.com", "c") == str(single.id)
    # www has nothing else: the expired certificate is still the best it has
    assert redis_client.hget("d1:www.example.com", "c") == str(multi.id)
    prime(app2)
    assert redis_client.hget("d2:example.com", "f").startswith(single.cert_pem)
    # the write-through applies the same rule
    redis_client.flushdb()
    app1.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
    assert redis_client.hget("d1:example.com", "c") == str(single.id)
    # and config.json says which one it would serve, with both expiry times
    payload = app1.get(ADMIN + "/domain/example.com/config.json", status=200).json
    assert payload["serve"] == "certificate_signed__latest_single"
    assert payload["certificate_signed__latest_multi"]["id"] == str(multi.id)  # still there: add, never remove
    assert payload["certificate_signed__latest_multi"]["timestamp_not_after"] == multi.timestamp_not_after.isoformat()
    assert payload["certificate_signed__latest_single"]["timestamp_not_after"] == single.timestamp_not_after.isoformat()
    assert app1.get(ADMIN + "/domain/www.example.com/config.json").json["serve"] == "certificate_signed__latest_multi"


def test_when_both_expired_the_one_that_expires_last_is_served(app1, ctx, redis_client):
    single = add_certificate(ctx, ["example.com"], days=-1)
    multi = add_certificate(ctx, ["example.com", "www.example.com"], days=-3)
    prime(app1)
    assert redis_client.hget("d1:example.com", "c") == str(single.id)
    assert multi.id != single.id


def test_a_valid_multi_is_still_preferred(app1, ctx):
    add_certificate(ctx, ["example.com"], days=300)
    multi = add_certificate(ctx, ["example.com", "www.example.com"], days=10)
    payload = app1.get(ADMIN + "/domain/example.com/config.json?idonly=1").json
    assert payload["serve"] == "certificate_signed__latest_multi"
    assert payload["certificate_signed__latest_multi"]["id"] == str(multi.id)


# --- a hung Redis (review finding 3)


def test_a_hung_redis_does_not_hold_up_config_json(make_app, db, hung_redis, caplog):
    """A Redis that accepts and never answers: the write-through gives up quickly, and the
    next requests skip Redis altogether for a while (OpenResty's fallback is waiting)."""
    app = webtest.TestApp(
        make_app(**{"enable_redis": "true", "redis.url": hung_redis.url, "redis.prime_style": "1"}),
        extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"},
    )
    upload(app, "leaf_rsa_single")
    plain = app.get(ADMIN + "/domain/example.com/config.json", status=200).json
    with caplog.at_level(logging.WARNING, logger="peter_sslers.lib.db.actions_redis"):
        started = time.monotonic()
        res = app.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200)
        first = time.monotonic() - started
    assert res.json == plain
    assert first < 1.0, first
    assert hung_redis.accepted == 1
    assert any("example.com" in r.getMessage() for r in caplog.records)
    # within the back-off Redis is not even tried
    started = time.monotonic()
    for _ in range(3):
        assert app.get(ADMIN + "/domain/example.com/config.json?openresty=1", status=200).json == plain
    assert time.monotonic() - started < 0.5
    assert hung_redis.accepted == 1


# --- revocation, compromised keys, deactivation (review finding 5)


@pytest.fixture
def served(app1, ctx, redis_client):
    """example.com and www.example.com on a multi-domain certificate, example.com also on a
    single one; primed (style 1)."""
    single = add_certificate(ctx, ["example.com"], days=60)
    multi = add_certificate(ctx, ["example.com", "www.example.com"], days=80)
    prime(app1)
    assert redis_client.hget("d1:example.com", "c") == str(multi.id)
    return {"single": single, "multi": multi}


@pytest.mark.parametrize("action", ["revoked", "inactive"])
def test_marking_a_certificate_updates_redis(app1, served, redis_client, action):
    multi, single = served["multi"], served["single"]
    app1.post(ADMIN + "/certificate-signed/%s/mark.json" % multi.id, {"action": action}, status=200)
    # its domains serve what they should now, and its PEM is gone
    assert redis_client.hget("d1:example.com", "c") == str(single.id)
    assert not redis_client.exists("d1:www.example.com")
    assert not redis_client.exists("c:%s" % multi.id)
    if action == "inactive":
        app1.post(ADMIN + "/certificate-signed/%s/mark.json" % multi.id, {"action": "active"}, status=200)
        assert redis_client.hget("d1:www.example.com", "c") == str(multi.id)
        assert redis_client.get("c:%s" % multi.id) == multi.cert_pem


def test_a_compromised_key_leaves_redis(app1, served, redis_client):
    multi, single = served["multi"], served["single"]
    key_id = multi.private_key_id
    assert redis_client.exists("p:%s" % key_id)
    res = app1.post(ADMIN + "/private-key/%s/mark.json" % key_id, {"action": "compromised"}, status=200)
    assert res.json["result"] == "success"
    assert not redis_client.exists("p:%s" % key_id)
    assert not redis_client.exists("c:%s" % multi.id)
    assert redis_client.hget("d1:example.com", "c") == str(single.id)
    assert not redis_client.exists("d1:www.example.com")


def test_marking_a_domain_updates_redis(app1, app2, served, redis_client):
    prime(app2)
    app2.post(ADMIN + "/domain/www.example.com/mark.json", {"action": "inactive"}, status=200)
    assert redis_client.keys("d*www*") == []
    app2.post(ADMIN + "/domain/www.example.com/mark.json", {"action": "active"}, status=200)
    assert redis_client.hget("d2:www.example.com", "f").startswith(served["multi"].cert_pem)


def test_redis_down_never_fails_the_action(down_app, caplog, dbsession):
    certificate_id = upload(down_app, "leaf_rsa_single").json["CertificateSigned"]["id"]
    with caplog.at_level(logging.WARNING, logger="peter_sslers.lib.db.actions_redis"):
        res = down_app.post(
            ADMIN + "/certificate-signed/%s/mark.json" % certificate_id, {"action": "revoked"}, status=502
        )
    # the revocation is done (committed) but Redis was not told: 502 `partial` with the edge report
    # (before issue 11 this answered 200 `success`, the failure only in the log)
    assert res.json["result"] == "partial" and "redis" in res.json["edge"]
    dbsession.expire_all()
    assert dbsession.get(m.CertificateSigned, int(certificate_id)).is_revoked
    messages = [r.getMessage() for r in caplog.records if r.name == "peter_sslers.lib.db.actions_redis"]
    assert any("example.com" in msg for msg in messages), messages


def test_nothing_is_written_to_redis_when_the_action_fails(app1, served, redis_client):
    before = {key: redis_client.type(key) for key in redis_client.keys("*")}
    app1.post(ADMIN + "/certificate-signed/%s/mark.json" % served["multi"].id, {"action": "active"}, status=400)
    assert {key: redis_client.type(key) for key in redis_client.keys("*")} == before


def test_a_rolled_back_action_leaves_redis_alone(raw_settings, dbsession, redis_url, redis_client):
    """The update runs after the commit, never after a rollback (lib level, a plain session)."""
    settings = ApplicationSettings.from_settings(
        dict(raw_settings, enable_redis="true", **{"redis.url": redis_url, "redis.prime_style": "1"})
    )
    ctx = ApiContext(dbsession, settings)
    add_certificate(ctx, ["example.com"])
    actions_redis.prime_redis__all(ctx)
    dbsession.commit()
    dbDomain = dbsession.query(m.Domain).filter_by(domain_name="example.com").one()
    update.update_Domain__mark(ctx, dbDomain, "inactive")
    dbsession.rollback()
    f.make_event(dbsession)
    dbsession.commit()  # another unit of work commits: the rolled-back one's update stays undone
    assert redis_client.exists("d1:example.com")
    update.update_Domain__mark(ctx, dbDomain, "inactive")
    assert redis_client.exists("d1:example.com")  # not before the commit
    dbsession.commit()
    assert not redis_client.exists("d1:example.com")


def test_a_compromised_key_without_certificates_leaves_redis(app1, ctx, redis_client):
    key = f.make_private_key(ctx.dbsession)
    ctx.dbsession.commit()
    redis_client.set("p:%s" % key.id, key.key_pem)  # left by an earlier prime
    app1.post(ADMIN + "/private-key/%s/mark.json" % key.id, {"action": "compromised"}, status=200)
    assert not redis_client.exists("p:%s" % key.id)


# --- the full prime's reads (issue 16: plain rows, each PEM loaded once)


@pytest.mark.parametrize("style", [1, 2])
def test_the_full_prime_reads_plain_rows_and_each_pem_once(raw_settings, dbsession, redis_url, redis_client, count_queries, style):
    settings = ApplicationSettings.from_settings(
        dict(raw_settings, enable_redis="true", **{"redis.url": redis_url, "redis.prime_style": str(style)})
    )
    ctx = ApiContext(dbsession, settings)
    names = ["a%02d.example.com" % i for i in range(30)]
    add_certificate(ctx, names)  # one certificate over three batches of 10
    add_certificate(ctx, ["single.example.com"])
    add_certificate(ctx, ["gone.example.com"], active=False)
    dbsession.expunge_all()
    with count_queries() as counter:
        result = actions_redis.prime_redis__all(ctx, batch_size=10)
    dbsession.commit()
    # no ORM object of what was primed was built
    loaded = [o for o in dbsession.identity_map.values() if isinstance(o, (m.Domain, m.CertificateSigned, m.PrivateKey))]
    assert loaded == []
    cert_reads = [s for s in counter.statements if "certificate_signed.cert_pem" in s]
    key_reads = [s for s in counter.statements if "private_key.key_pem" in s]
    # style 1 writes each value once, so loads it once: the shared certificate in the first batch,
    # the single one in the fourth; style 2 puts the PEMs in every hash: every batch loads its own
    assert len(cert_reads) == len(key_reads) == (2 if style == 1 else 4)
    assert result["total_primed"]["domain"] == 31
    assert not redis_client.exists("d%d:gone.example.com" % style)
    # what was written is what the ORM path (the write-through's) writes, byte for byte
    preference = chains.chain_preference(ctx)
    for name in names + ["single.example.com"]:
        dbDomain = dbsession.query(m.Domain).filter_by(domain_name=name).one()
        item = actions_redis.domain_certificate(dbDomain, preference, ctx.timestamp)
        assert utils_redis.read_domain(redis_client, style, name) == {
            "fullchain": item.cert_pem + ("\n" if style == 1 else "") + item.chain_pem,
            "private_key": item.key_pem,
        }
        if style == 1:
            assert redis_client.hgetall("d1:" + name) == {"c": item.certificate_id, "p": item.private_key_id, "i": item.chain_id}
