"""The public views: the ACME http-01 responder and whoami."""

import datetime
import logging

import pytest

from peter_sslers.model import objects as m
from peter_sslers.model import utils
from tests import factories as f
from tests.conftest import count_rows

TOKEN = "tOk3n_-abcdefghijklmnopqrstuvwxyzABCDEFGH1"


@pytest.fixture
def challenge(dbsession):
    dbChallenge = f.make_challenge(dbsession, domain_name="example.com", token=TOKEN)
    dbsession.commit()
    return dbChallenge


def get_challenge(testapp, token, host="example.com", status="*", **kw):
    return testapp.get("/.well-known/acme-challenge/%s" % token, extra_environ={"HTTP_HOST": host}, status=status, **kw)


def test_hit_answers_the_key_authorization(testapp, challenge, db):
    res = get_challenge(testapp, TOKEN, status=200)
    assert res.content_type == "text/plain"
    assert res.text == challenge.keyauthorization
    assert res.headers["X-Peter-SSLers"] == "production"
    assert count_rows(db, m.AcmeChallengePoll) == 1


@pytest.mark.parametrize("host", ["EXAMPLE.com", "example.com:8080", "Example.Com.", "example.com.:80"])
def test_host_matching_is_case_insensitive_and_ignores_the_port(testapp, challenge, host):
    res = get_challenge(testapp, TOKEN, host=host, status=200)
    assert res.text == challenge.keyauthorization


def test_other_host_is_a_miss_logged_but_not_stored(testapp, challenge, db, caplog):
    """A miss (attacker-chosen Host and token) writes no row: it is logged at INFO only."""
    with caplog.at_level(logging.INFO, logger="peter_sslers.web.views_public.public"):
        res = get_challenge(testapp, TOKEN, host="other.example.com", status=404)
    assert res.headers["X-Peter-SSLers"] == "production"
    assert challenge.keyauthorization not in res.text
    assert count_rows(db, m.AcmeChallengePoll) == 0
    assert count_rows(db, m.RemoteIpAddress) == 0
    (record,) = [r for r in caplog.records if "acme-challenge miss" in r.getMessage()]
    assert record.levelno == logging.INFO
    assert "other.example.com" in record.getMessage() and TOKEN in record.getMessage()
    assert "127.0.0.1" in record.getMessage()


def test_misses_cost_no_rows_whatever_their_number(testapp, challenge, db, dbengine):
    """Before: a row per miss (and a RemoteIpAddress per address), never pruned."""
    tables = [t.name for t in m.Base.metadata.sorted_tables]
    before = {t: count_rows(db, m.Base.metadata.tables[t]) for t in tables}
    for i in range(20):
        testapp.get(
            "/.well-known/acme-challenge/probe%d" % i,
            extra_environ={"HTTP_HOST": "host%d.attacker.example" % i, "REMOTE_ADDR": "192.0.2.%d" % i},
            status=404,
        )
    assert {t: count_rows(db, m.Base.metadata.tables[t]) for t in tables} == before


def test_miss_log_line_is_bounded(testapp, db, caplog):
    with caplog.at_level(logging.INFO, logger="peter_sslers.web.views_public.public"):
        get_challenge(testapp, "t" * 255, host="h" * 240 + ".example", status=404)
    (record,) = [r for r in caplog.records if "acme-challenge miss" in r.getMessage()]
    assert len(record.getMessage()) < 400


@pytest.mark.parametrize("host", ["exa%smple.com" % chr(0), "a" * 300 + ".example.com", "tab\tbed.example.com"])
def test_hosts_no_domain_can_have_are_misses_not_errors(testapp, challenge, db, host):
    """A NUL in the Host was a 500 on PostgreSQL (it refuses NUL in text)."""
    get_challenge(testapp, TOKEN, host=host, status=404)
    assert count_rows(db, m.AcmeChallengePoll) == 0


@pytest.mark.parametrize(
    "token",
    ["bad.token", "bad%20token", "bad%2Ftoken", "semi;colon", "a" * 256, "%C3%A9t%C3%A9"],
)
def test_bad_tokens_are_rejected_and_not_logged(testapp, challenge, db, token):
    res = get_challenge(testapp, token, status=404)
    assert res.headers["X-Peter-SSLers"] == "production"
    assert count_rows(db, m.AcmeChallengePoll) == 0
    assert count_rows(db, m.RemoteIpAddress) == 0


@pytest.mark.parametrize("status", ["valid", "invalid", "*410*", "*404*"])
def test_finished_challenges_are_not_answered(testapp, dbsession, status):
    f.make_challenge(dbsession, domain_name="example.com", token=TOKEN, status=status)
    dbsession.commit()
    get_challenge(testapp, TOKEN, status=404)


@pytest.mark.parametrize("status", ["*discovered*", "pending", "processing"])
def test_challenges_in_play_are_answered(testapp, dbsession, status):
    dbChallenge = f.make_challenge(dbsession, domain_name="example.com", token=TOKEN, status=status)
    dbsession.commit()
    assert get_challenge(testapp, TOKEN, status=200).text == dbChallenge.keyauthorization


@pytest.mark.parametrize("status", ["valid", "invalid", "deactivated", "expired", "revoked", "*404*"])
def test_challenges_of_finished_authorizations_are_not_answered(testapp, dbsession, status):
    """The challenge row may lag its authorization (a deactivation, an expiry seen on sync)."""
    dbChallenge = f.make_challenge(dbsession, domain_name="example.com", token=TOKEN)
    dbChallenge.acme_authorization.acme_status_authorization_id = utils.Acme_Status_Authorization.from_string(status)
    dbsession.commit()
    get_challenge(testapp, TOKEN, status=404)


def test_challenges_of_expired_authorizations_are_not_answered(testapp, dbsession):
    now = datetime.datetime.now(datetime.timezone.utc)
    dbChallenge = f.make_challenge(dbsession, domain_name="example.com", token=TOKEN, status="pending")
    dbChallenge.acme_authorization.acme_status_authorization_id = utils.Acme_Status_Authorization.PENDING
    dbChallenge.acme_authorization.timestamp_expires = now - datetime.timedelta(seconds=5)
    dbsession.commit()
    get_challenge(testapp, TOKEN, status=404)
    # the same, not yet expired, is answered
    dbChallenge.acme_authorization.timestamp_expires = now + datetime.timedelta(hours=1)
    dbsession.commit()
    assert get_challenge(testapp, TOKEN, status=200).text == dbChallenge.keyauthorization


@pytest.mark.parametrize("status", ["valid", "invalid", "deactivated", "*404*", "*410*"])
def test_challenges_of_finished_orders_are_not_answered(testapp, dbsession, status):
    dbChallenge = f.make_challenge(dbsession, domain_name="example.com", token=TOKEN)
    (dbOrder,) = dbChallenge.acme_orders
    dbOrder.acme_status_order_id = utils.Acme_Status_Order.from_string(status)
    dbsession.commit()
    get_challenge(testapp, TOKEN, status=404)


@pytest.mark.parametrize("status", ["pending", "ready", "processing"])
def test_challenges_of_orders_in_play_are_answered(testapp, dbsession, status):
    dbChallenge = f.make_challenge(dbsession, domain_name="example.com", token=TOKEN)
    (dbOrder,) = dbChallenge.acme_orders
    dbOrder.acme_status_order_id = utils.Acme_Status_Order.from_string(status)
    dbsession.commit()
    assert get_challenge(testapp, TOKEN, status=200).text == dbChallenge.keyauthorization


def test_a_shared_authorization_is_answered_while_one_of_its_orders_is_in_play(testapp, dbsession):
    dbChallenge = f.make_challenge(dbsession, domain_name="example.com", token=TOKEN)
    dbAuthz = dbChallenge.acme_authorization
    (dbFinished,) = dbChallenge.acme_orders
    dbFinished.acme_status_order_id = utils.Acme_Status_Order.INVALID
    dbOther = f.make_acme_order(dbsession)
    dbsession.add(m.AcmeOrder2AcmeAuthorization(acme_order=dbOther, acme_authorization=dbAuthz))
    dbsession.commit()
    assert get_challenge(testapp, TOKEN, status=200).text == dbChallenge.keyauthorization
    dbOther.acme_status_order_id = utils.Acme_Status_Order.VALID
    dbsession.commit()
    get_challenge(testapp, TOKEN, status=404)


def test_dns01_challenges_are_not_served_over_http(testapp, dbsession):
    f.make_challenge(dbsession, domain_name="example.com", token=TOKEN, challenge_type="dns-01")
    dbsession.commit()
    get_challenge(testapp, TOKEN, status=404)


def test_blocklisted_host_is_not_answered(testapp, challenge, dbsession):
    dbsession.add(m.DomainBlocklisted(domain_name="example.com"))
    dbsession.commit()
    get_challenge(testapp, TOKEN, status=404)


@pytest.mark.parametrize("host", ["example.com", "EXAMPLE.com.:80"])
def test_a_blocklisted_host_gets_no_self_check_probe_either(testapp, dbsession, host):
    """The responder ignores blocklisted hosts whatever answers the token (docs/Blocklist.md)."""
    from peter_sslers.model import meta

    dbsession.add(
        m.AcmeChallengeProbe(
            token=TOKEN,
            domain_name="example.com",
            key_authorization=TOKEN + ".thumbprint",
            timestamp_expires=meta.utcnow() + datetime.timedelta(minutes=5),
        )
    )
    dbsession.commit()
    assert get_challenge(testapp, TOKEN, host=host, status=200).text == TOKEN + ".thumbprint"
    dbsession.add(m.DomainBlocklisted(domain_name="example.com"))
    dbsession.commit()
    get_challenge(testapp, TOKEN, host=host, status=404)


def test_challenge_lookup_is_cheap(testapp, challenge, count_queries):
    get_challenge(testapp, TOKEN, status=200)  # warm the remote address row
    with count_queries() as counter:
        get_challenge(testapp, TOKEN, status=200)
    # the challenge, the remote address, the poll insert: no more
    selects = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, counter.statements


def test_a_miss_is_two_queries_and_no_write(testapp, challenge, count_queries):
    """The challenges, then (issue 12) the http-01 self-check's probes, each by the token's index."""
    with count_queries() as counter:
        get_challenge(testapp, "unknownToken", status=404)
    statements = [s.lstrip().upper() for s in counter.statements]
    assert len([s for s in statements if s.startswith("SELECT")]) == 2, counter.statements
    assert not [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))], counter.statements


def test_whoami(testapp):
    res = testapp.get("/.well-known/public/whoami", extra_environ={"HTTP_HOST": "127.0.0.1:7201"}, status=200)
    assert res.text == "127.0.0.1"
    assert res.content_type == "text/plain"
    assert res.headers["X-Peter-SSLers"] == "production"
    res = testapp.get("/.well-known/public/whoami", extra_environ={"HTTP_HOST": "Foo.Example.COM"}, status=200)
    assert res.text == "foo.example.com"


def test_header_on_errors_too(testapp):
    res = testapp.get("/nothing/here", status=404)
    assert res.headers["X-Peter-SSLers"] == "production"


def test_public_views_can_be_disabled(make_app, db):
    import webtest

    app = webtest.TestApp(make_app(enable_views_public="false"))
    res = app.get("/.well-known/public/whoami", status=404)
    assert res.headers["X-Peter-SSLers"] == "production"
    app.get("/.well-known/acme-challenge/%s" % TOKEN, status=404)
    # the admin tree is unaffected
    app.get("/.well-known/admin/domains.json", status=200)


def test_poll_is_linked_to_the_challenge(testapp, challenge, dbsession):
    testapp.get(
        "/.well-known/acme-challenge/%s" % TOKEN,
        extra_environ={"HTTP_HOST": "example.com", "REMOTE_ADDR": "192.0.2.7"},
        status=200,
    )
    poll = dbsession.query(m.AcmeChallengePoll).one()
    assert poll.acme_challenge_id == challenge.id
    assert poll.remote_ip_address.remote_ip_address == "192.0.2.7"
    assert poll.timestamp_polled.tzinfo is not None
    assert utils.Acme_Status_Challenge.as_string(challenge.acme_status_challenge_id) == "pending"
