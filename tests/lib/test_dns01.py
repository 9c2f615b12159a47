"""lib.dns01: the dns-01 record, RFC 2136 updates with TSIG and the visibility wait, against a real
bind9 on loopback (tests/bind9.py, ``SSL_RUN_DNS_TESTS``); the pure parts without it."""

import base64
import hashlib
import itertools

import pytest

from peter_sslers.lib import dns01
from peter_sslers.lib import errors

# --- pure


def test_txt_record_name():
    assert dns01.txt_record_name("example.test") == "_acme-challenge.example.test"
    assert dns01.txt_record_name("*.example.test") == "_acme-challenge.example.test"
    assert dns01.txt_record_name("WWW.Example.Test.") == "_acme-challenge.www.example.test"


def test_txt_value_is_the_rfc_8555_digest():
    key_authorization = "token123.thumbprint456"
    expected = base64.urlsafe_b64encode(hashlib.sha256(key_authorization.encode()).digest()).decode().rstrip("=")
    assert dns01.txt_value(key_authorization) == expected
    assert len(expected) == 43 and "=" not in expected
    # RFC 8555 section 8.4 example's shape: base64url, no padding
    assert dns01.txt_value("a") == "ypeBEsobvcr6wjGzmiPcTaeG7_gUfE5yuYB3ha_uSLs"


@pytest.mark.parametrize(
    "zone, normalized",
    [("Example.COM.", "example.com"), (" sub.example.com ", "sub.example.com"), ("_acme.example.com", "_acme.example.com")],
)
def test_normalize_zone(zone, normalized):
    assert dns01.normalize_zone(zone) == normalized


@pytest.mark.parametrize("zone", ["", ".", "*.example.com", "a..b", "exa mple.com", "-bad.com", "x" * 64 + ".com", "é.com"])
def test_normalize_zone_refuses(zone):
    with pytest.raises(errors.InvalidRequest) as info:
        dns01.normalize_zone(zone)
    assert info.value.field == "zone"


def test_secret_and_algorithm_checks():
    assert dns01.check_tsig_secret(" c2VjcmV0 ") == "c2VjcmV0"
    for bad in ("", "not base64!", "c2VjcmV0=x"):
        with pytest.raises(errors.InvalidRequest):
            dns01.check_tsig_secret(bad)
    assert dns01.check_tsig_algorithm("HMAC-SHA512") == "hmac-sha512"
    with pytest.raises(errors.InvalidRequest):
        dns01.check_tsig_algorithm("hmac-md5")


def test_parse_servers():
    assert dns01.parse_servers("") == []
    assert dns01.parse_servers("127.0.0.1:5353, ns1.example.com [::1]:53") == [
        ("127.0.0.1", 5353),
        ("ns1.example.com", 53),
        ("::1", 53),
    ]
    with pytest.raises(errors.InvalidRequest):
        dns01.parse_servers("127.0.0.1:99999")


def test_a_secret_never_shows_in_a_repr():
    server = dns01.Rfc2136Server("example.test", "127.0.0.1", 53, "k", "hmac-sha256", "c2VjcmV0")
    assert "c2VjcmV0" not in repr(server)


def test_an_unreachable_server_is_a_clear_error():
    from tests.pebble import free_port

    port = free_port()  # nobody listens there: the TCP connection is refused at once
    with pytest.raises(errors.DnsUnreachable) as info:
        dns01.add_txt("127.0.0.1", port, "example.test", "x.example.test", "v", 60, "k", "c2VjcmV0", "hmac-sha256", 2)
    assert info.value.server == "127.0.0.1:%d" % port
    assert "could not be reached" in info.value.message


def test_a_name_outside_the_zone_is_refused_before_anything_is_sent():
    with pytest.raises(errors.InvalidRequest):
        dns01.add_txt("127.0.0.1", 1, "example.test", "x.other.test", "v", 60, "k", "c2VjcmV0", "hmac-sha256", 2)


# --- against bind9

_names = itertools.count(1)


def _name(label: str) -> str:
    return "_acme-challenge.%s-%d.example.test" % (label, next(_names))


@pytest.fixture
def server(bind9):
    return dns01.Rfc2136Server(
        zone=bind9.zone,
        server="127.0.0.1",
        port=bind9.port,
        tsig_key_name=bind9.tsig_name,
        tsig_algorithm="hmac-sha256",
        tsig_secret=bind9.tsig_secret,
        visibility_nameservers=(("127.0.0.1", bind9.port),),
    )


def _values(bind9, name):
    return dns01.query_txt(name, ("127.0.0.1", bind9.port))


def test_add_then_delete(bind9, server):
    name = _name("add")
    assert _values(bind9, name) == ([], "NXDOMAIN")
    server.add_txt(name, "value-one")
    assert _values(bind9, name) == (["value-one"], "answer")
    server.delete_txt(name, "value-one")
    assert _values(bind9, name) == ([], "NXDOMAIN")
    server.delete_txt(name, "value-one")  # deleting what is not there is not an error


def test_values_of_one_name_coexist(bind9, server):
    """A wildcard and its base name share one record name: deleting one value keeps the other."""
    name = dns01.txt_record_name("*.coexist.example.test")
    assert name == dns01.txt_record_name("coexist.example.test")
    server.add_txt(name, "for-the-wildcard")
    server.add_txt(name, "for-the-base")
    values, _ = _values(bind9, name)
    assert sorted(values) == ["for-the-base", "for-the-wildcard"]
    server.delete_txt(name, "for-the-wildcard")
    assert _values(bind9, name) == (["for-the-base"], "answer")
    server.delete_txt(name, "for-the-base")
    assert _values(bind9, name)[0] == []


def test_wait_visible_sees_the_value(bind9, server):
    name = _name("visible")
    server.add_txt(name, "seen")
    try:
        visibility = server.wait_visible(name, "seen", timeout=5, interval=0.1)
        assert visibility.servers == ["127.0.0.1:%d" % bind9.port]
        assert visibility.rounds == 1
        assert visibility.as_json()["name"] == name
    finally:
        server.delete_txt(name, "seen")


def test_wait_visible_discovers_the_zone_and_its_ns(bind9):
    """No nameservers given: the zone's NS (ns1.example.test, whose A is 127.0.0.1) found through a
    resolver (here bind9 itself), each asked on ``port``."""
    assert dns01.find_zone("_acme-challenge.www.example.test", resolver=[("127.0.0.1", bind9.port)]) == "example.test"
    servers = dns01.find_authoritative_servers("example.test", port=bind9.port, resolver=[("127.0.0.1", bind9.port)])
    assert servers == [("127.0.0.1", bind9.port)]
    name = _name("discover")
    dns01.add_txt("127.0.0.1", bind9.port, "example.test", name, "found", 60, bind9.tsig_name, bind9.tsig_secret,
                  "hmac-sha256", 5)  # fmt: skip
    try:
        visibility = dns01.wait_visible(name, "found", port=bind9.port, resolver=[("127.0.0.1", bind9.port)], timeout=5)
        assert visibility.servers == ["127.0.0.1:%d" % bind9.port]
    finally:
        dns01.delete_txt("127.0.0.1", bind9.port, "example.test", name, "found", bind9.tsig_name, bind9.tsig_secret)


def test_a_zone_that_does_not_exist(bind9):
    with pytest.raises(errors.DnsZoneNotFound) as info:
        dns01.find_authoritative_servers("nothing.example.test", resolver=[("127.0.0.1", bind9.port)])
    assert "NXDOMAIN" in info.value.message


class FakeClock:
    """Moves only when the wait sleeps: the deadline is reached without waiting."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_visible_times_out_on_a_name_nobody_updates(bind9, server):
    clock = FakeClock()
    name = _name("nobody")
    with pytest.raises(errors.DnsNotVisible) as info:
        server.wait_visible(name, "never", timeout=10, interval=2, clock=clock, sleep=clock.sleep)
    exc = info.value
    assert exc.seen == []
    assert exc.missing == {"127.0.0.1:%d" % bind9.port: "NXDOMAIN"}
    assert clock.sleeps == [2, 2, 2, 2, 2]  # 6 rounds in 10 s, every 2 s, no real waiting
    assert name in exc.message and "within 10 s" in exc.message


def test_wait_visible_reports_other_values(bind9, server):
    clock = FakeClock()
    name = _name("other")
    server.add_txt(name, "old-value")
    try:
        with pytest.raises(errors.DnsNotVisible) as info:
            server.wait_visible(name, "new-value", timeout=1, interval=1, clock=clock, sleep=clock.sleep)
        assert "old-value" in info.value.missing["127.0.0.1:%d" % bind9.port]
    finally:
        server.delete_txt(name, "old-value")


def test_a_key_the_server_does_not_allow_is_refused(bind9):
    with pytest.raises(errors.DnsUpdateRefused) as info:
        dns01.add_txt("127.0.0.1", bind9.port, "example.test", _name("refused"), "v", 60, bind9.other_tsig_name,
                      bind9.other_tsig_secret, "hmac-sha256", 5)  # fmt: skip
    assert info.value.rcode == "REFUSED"
    assert "REFUSED" in info.value.message and "allow-update" in info.value.message


@pytest.mark.parametrize(
    "key_name, which_secret, rcode",
    [("unknown-key.", "good", "BADKEY"), (None, "wrong", "BADSIG")],
)
def test_a_bad_tsig_key_is_refused_clearly(bind9, key_name, which_secret, rcode):
    secret = bind9.tsig_secret if which_secret == "good" else bind9.other_tsig_secret
    with pytest.raises(errors.DnsUpdateRefused) as info:
        dns01.add_txt("127.0.0.1", bind9.port, "example.test", _name("badkey"), "v", 60, key_name or bind9.tsig_name,
                      secret, "hmac-sha256", 5)  # fmt: skip
    assert info.value.rcode == rcode
    assert "TSIG" in info.value.message
    assert secret not in info.value.message


def test_a_zone_the_server_does_not_serve(bind9):
    with pytest.raises(errors.DnsUpdateRefused) as info:
        dns01.add_txt("127.0.0.1", bind9.port, "other.test", "x.other.test", "v", 60, bind9.tsig_name,
                      bind9.tsig_secret, "hmac-sha256", 5)  # fmt: skip
    assert info.value.rcode == "NOTAUTH"
