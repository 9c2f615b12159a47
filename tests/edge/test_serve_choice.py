"""Which certificate of a config.json answer nginx serves (review finding 2).

The fallback served the latest multi-domain certificate whenever there was one, even expired, and
a valid single-domain certificate of the same name went unused. peter_sslers now says which one to
serve (``serve``) and when each expires (``timestamp_not_after``); the Lua handler follows ``serve``,
and with an older peter_sslers (no ``serve``) skips a certificate whose ``timestamp_not_after`` is past.

Most answers here come from the stand-in of tests/edge/standin.py (payloads of every shape, including
an older peter_sslers'); the last tests use the real app.
"""

import datetime
import time

import pytest

from tests.edge.nginx import mint_leaf
from tests.edge.nginx import pem_to_der_list
from tests.edge.standin import certificate_payload
from tests.edge.standin import domain_payload
from tests.edge.standin import peter_sslers_answer

MULTI = "certificate_signed__latest_multi"
SINGLE = "certificate_signed__latest_single"


def iso(delta: datetime.timedelta, offset_hours: int = 0, style: str = "offset") -> str:
    """now + delta, written in the time zone UTC+offset_hours (the same instant)."""
    zone = datetime.timezone(datetime.timedelta(hours=offset_hours))
    moment = (datetime.datetime.now(datetime.timezone.utc) + delta).astimezone(zone).replace(microsecond=0)
    text = moment.isoformat()
    if style == "Z":
        assert offset_hours == 0
        text = text.replace("+00:00", "Z")
    elif style == "fraction":
        text = text[:19] + ".123456" + text[19:]
    elif style == "naive":
        text = text[:19]
    return text


HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def two_certificates():
    return {"multi": mint_leaf(["choice.example.com", "www.choice.example.com"]), "single": mint_leaf(["choice.example.com"])}


def answer(fallback, multi_after=None, single_after=None, certs=None, **extra) -> None:
    fallback.answers["choice.example.com"] = peter_sslers_answer(
        domain_payload(
            "choice.example.com",
            multi=certificate_payload(certs["multi"], 21, multi_after),
            single=certificate_payload(certs["single"], 22, single_after),
            **extra,
        )
    )


@pytest.mark.parametrize(
    "serve, expected",
    [(MULTI, "multi"), (SINGLE, "single"), (None, None)],
)
def test_serve_names_the_certificate(serve, expected, standin, edge_nginx, two_certificates):
    """`serve` wins over the old order and over the expiry times (peter_sslers has judged already)."""
    fallback = standin()
    answer(fallback, multi_after=iso(HOUR), single_after=iso(-HOUR), certs=two_certificates, serve=serve)
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    served = nginx.leaf("choice.example.com")
    if expected is None:
        assert served == nginx.default_der  # serve: null, nothing to serve
        assert nginx.stats()["misses"] == 1 and nginx.stats()["errors"] == 0
    else:
        assert served == two_certificates[expected]["der"]
        assert nginx.stats()["fallback_hits"] == 1


@pytest.mark.parametrize(
    "serve, message",
    [("certificate_signed__latest_other", "serve names certificate_signed__latest_other"), (MULTI, "no fullchain")],
)
def test_a_serve_that_cannot_be_followed_is_an_error(serve, message, standin, edge_nginx, two_certificates):
    fallback = standin()
    payload = domain_payload(
        "choice.example.com", single=certificate_payload(two_certificates["single"], 22), multi=None, serve=serve
    )
    fallback.answers["choice.example.com"] = peter_sslers_answer(payload)
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    assert nginx.leaf("choice.example.com") == nginx.default_der
    assert nginx.stats()["errors"] == 1
    assert message in nginx.log_tail(20)


def test_without_serve_an_expired_multi_gives_way_to_a_valid_single(standin, edge_nginx, two_certificates):
    """An older peter_sslers (no `serve`): the expiry times, when present, are honoured."""
    fallback = standin()
    answer(fallback, multi_after=iso(-HOUR), single_after=iso(90 * 24 * HOUR), certs=two_certificates)
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    assert nginx.leaf("choice.example.com") == two_certificates["single"]["der"]


def test_without_serve_or_expiry_times_the_multi_is_served(standin, edge_nginx, two_certificates):
    """The payload of an older peter_sslers still works exactly as before."""
    fallback = standin()
    answer(fallback, certs=two_certificates)
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    assert nginx.leaf("choice.example.com") == two_certificates["multi"]["der"]


def test_without_serve_both_expired_is_a_miss(standin, edge_nginx, two_certificates):
    fallback = standin()
    answer(fallback, multi_after=iso(-HOUR), single_after=iso(-2 * HOUR), certs=two_certificates)
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    assert nginx.leaf("choice.example.com") == nginx.default_der
    assert nginx.stats()["misses"] == 1


@pytest.mark.parametrize(
    "multi_after, multi_served",
    [
        # the same instants written in other zones and forms: the offset must be applied, with its sign
        (iso(-HOUR, offset_hours=5), False),  # expired an hour ago, written as 4 hours ahead in UTC+5
        (iso(HOUR, offset_hours=-5), True),  # valid another hour, written as 4 hours ago in UTC-5
        (iso(-HOUR, style="Z"), False),
        (iso(HOUR, style="Z"), True),
        (iso(-HOUR, style="fraction"), False),
        (iso(HOUR, style="naive"), True),  # no offset: UTC
        ("not a time", True),  # unreadable: not known to be expired (and logged)
    ],
)
def test_expiry_times_are_read_in_their_time_zone(multi_after, multi_served, standin, edge_nginx, two_certificates):
    fallback = standin()
    answer(fallback, multi_after=multi_after, single_after=iso(90 * 24 * HOUR), certs=two_certificates)
    nginx = edge_nginx(FALLBACK_URL=fallback.admin)
    expected = two_certificates["multi" if multi_served else "single"]["der"]
    assert nginx.leaf("choice.example.com") == expected, multi_after


# --- the real app (peter_sslers adds `serve` and `timestamp_not_after`)


def test_the_real_app_names_a_valid_single_over_an_expired_multi(serve_app, edge_nginx, edge_redis_url):
    """A multi-domain certificate that expires while still the Domain's latest: peter_sslers' config.json
    names the single-domain one, and nginx serves it, through the fallback and from a prime."""
    app = serve_app(**{"enable_redis": "true", "redis.url": edge_redis_url, "redis.prime_style": "1"})
    multi = mint_leaf(["real.example.com", "www.real.example.com"], seconds=6)
    single = mint_leaf(["real.example.com"], days=90)
    app.upload(multi)
    app.upload(single)
    payload = app.get_json("/domain/real.example.com/config.json")
    assert payload["serve"] == MULTI  # valid still: the multi-domain certificate is preferred
    before = edge_nginx(FALLBACK_URL=app.admin)
    assert before.leaf("real.example.com") == multi["der"]

    deadline = datetime.datetime.fromisoformat(payload[MULTI]["timestamp_not_after"])
    wait = (deadline - datetime.datetime.now(datetime.timezone.utc)).total_seconds() + 1
    assert 0 < wait < 10
    time.sleep(wait)
    payload = app.get_json("/domain/real.example.com/config.json")
    assert payload["serve"] == SINGLE
    assert payload[MULTI]["certificate"]["pem"] == multi["cert"]  # still the latest multi, but expired

    fallback = edge_nginx(FALLBACK_URL=app.admin)
    assert fallback.leaf("real.example.com") == single["der"]
    assert fallback.chain("real.example.com") == pem_to_der_list(single["cert"] + single["chain"])
    # the names only the multi covers have nothing valid: peter_sslers still names the multi (the last
    # to expire), and nginx serves what it is told
    assert app.get_json("/domain/www.real.example.com/config.json")["serve"] == MULTI

    # a full prime follows the same rule; nginx reads it from Redis with peter_sslers gone
    assert app.post_json("/api/redis/prime.json")["result"] == "success"
    app.stop()
    from_redis = edge_nginx(REDIS_URL=edge_redis_url)
    assert from_redis.leaf("real.example.com") == single["der"]
    assert from_redis.stats()["redis_hits"] == 1
