"""lib.db.dns01_publish: the one entry point an order publishes its dns-01 records through.

* the choice of method per name (acme-dns account first, then the RFC 2136 backend of the longest
  enclosing zone) and the error for a name with neither: database only, no switch needed;
* against bind9 (``SSL_RUN_DNS_TESTS``): nothing written when one name has no method; a failed
  publish or a wait that times out withdraws what was published;
* the proof (also ``SSL_RUN_LETSENCRYPT_API_TESTS``): one pebble per module, real validation,
  ``-dnsserver`` at bind9, issues a wildcard certificate (``*.<name>`` and ``<name>``) twice through
  ``publish_all``: once through an acme-dns account (registered with ``lib.db.acme_dns`` at the
  stand-in, which writes its values into bind9 under ``auth.example.test``; pebble follows the CNAME
  ``_acme-challenge.<name>`` -> ``fulldomain`` there), once through an RFC 2136 backend.
"""

import pytest
from cryptography import x509

from peter_sslers.lib import acme_dns
from peter_sslers.lib import acme_v2
from peter_sslers.lib import cert_utils
from peter_sslers.lib import dns01
from peter_sslers.lib import errors
from peter_sslers.lib.db import acme_dns as db_acme_dns
from peter_sslers.lib.db import dns01_publish
from peter_sslers.lib.db import dns_backends
from tests import pebble as pebble_fixtures
from tests.acme_dns_standin import AcmeDnsStandin
from tests.acme_dns_standin import Rfc2136TxtWriter
from tests.lib.test_dns01 import FakeClock

ACME_DNS_ZONE = "auth.example.test"  # the stand-in's fulldomains, inside bind9's example.test


@pytest.fixture(scope="module")
def standin():
    server = AcmeDnsStandin(domain=ACME_DNS_ZONE).start()
    yield server
    server.stop()


@pytest.fixture
def wired(standin, bind9):
    """The stand-in writing its values into bind9 (RFC 2136); the CNAMEs a test adds with
    ``wired.cname(name, fulldomain)`` and the values written are removed afterwards."""
    standin.reset()
    writer = Rfc2136TxtWriter(bind9.rfc2136_server())
    standin.on_update = writer
    cnames = []

    class Wiring:
        def cname(self, domain_name, fulldomain):
            name = dns01.txt_record_name(domain_name)
            bind9.add_record(name, "CNAME", fulldomain + ".")
            cnames.append(name)

    yield Wiring()
    standin.on_update = None
    writer.clear()
    for name in cnames:
        bind9.delete_records(name, "CNAME")


def _backend(ctx, bind9, visibility=None):
    return dns_backends.create__DnsBackendRfc2136(
        ctx,
        {
            "zone": bind9.zone,
            "server": "127.0.0.1",
            "port": str(bind9.port),
            "tsig_key_name": bind9.tsig_name,
            "tsig_algorithm": bind9.tsig_algorithm,
            "tsig_secret": bind9.tsig_secret,
            "visibility_nameservers": visibility or "127.0.0.1:%d" % bind9.port,
        },
    )


def _fake_backend(ctx, zone):
    """A backend nobody talks to (the choice tests never publish)."""
    return dns_backends.create__DnsBackendRfc2136(
        ctx,
        {"zone": zone, "server": "127.0.0.1", "port": "53", "tsig_key_name": "k", "tsig_secret": "c2VjcmV0"},
    )


def _account(ctx, standin, domain_name):
    dbServer, _ = db_acme_dns.getcreate__AcmeDnsServer(ctx, standin.url)
    matrix = db_acme_dns.ensure_domains(ctx, dbServer, [domain_name])
    row = matrix[dns01.base_name(domain_name)]["AcmeDnsServerAccount"]
    return db_acme_dns.get__AcmeDnsServerAccount__by_id(ctx, int(row["id"]))


def _txt(bind9, name):
    return dns01.query_txt(name, ("127.0.0.1", bind9.port))[0]


# --- the choice of method (database only)


def test_a_name_without_a_method_is_refused_saying_what_to_configure(ctx):
    with pytest.raises(errors.InvalidRequest) as info:
        dns01_publish.publisher_for_name(ctx, "*.nothing.example.com")
    exc = info.value
    assert exc.field == "domain_names_dns01"
    assert "`*.nothing.example.com`" in exc.message
    assert "acme-dns account for `nothing.example.com`" in exc.message
    assert "CNAME `_acme-challenge.nothing.example.com`" in exc.message
    assert "DNS backend (RFC 2136)" in exc.message
    with pytest.raises(errors.InvalidRequest) as info:
        dns01_publish.publisher_for_name(ctx, "not a name")
    assert info.value.field == "domain_names_dns01"


def test_acme_dns_is_preferred_over_rfc_2136(ctx, standin):
    standin.reset()
    dbBackend = _fake_backend(ctx, "choice.example.com")
    _fake_backend(ctx, "deeper.choice.example.com")
    for name in ("a.choice.example.com", "*.a.choice.example.com", "choice.example.com"):
        publisher = dns01_publish.publisher_for_name(ctx, name)
        assert (publisher.method, publisher.dns_backend.id) == ("rfc2136", dbBackend.id)
    assert dns01_publish.publisher_for_name(ctx, "*.x.deeper.choice.example.com").dns_backend.zone == (
        "deeper.choice.example.com"
    )
    assert dns01_publish.publisher_for_name(ctx, "*.a.choice.example.com").record_name == (
        "_acme-challenge.a.choice.example.com"
    )

    dbAccount = _account(ctx, standin, "a.choice.example.com")
    for name in ("a.choice.example.com", "*.a.choice.example.com", "A.Choice.Example.com."):
        publisher = dns01_publish.publisher_for_name(ctx, name)
        assert publisher.method == "acme-dns" and publisher.acme_dns_account.id == dbAccount.id
        assert publisher.dns_backend is None
        assert publisher.as_json()["fulldomain"] == dbAccount.fulldomain
    # other names of the zone stay with the backend
    assert dns01_publish.publisher_for_name(ctx, "b.choice.example.com").method == "rfc2136"

    # an inactive acme-dns server: the backend again; an inactive backend too: refused
    db_acme_dns.update_AcmeDnsServer__mark(ctx, dbAccount.acme_dns_server, "inactive")
    assert dns01_publish.publisher_for_name(ctx, "a.choice.example.com").method == "rfc2136"
    dns_backends.mark__DnsBackendRfc2136(ctx, dbBackend, "inactive")
    with pytest.raises(errors.InvalidRequest):
        dns01_publish.publisher_for_name(ctx, "a.choice.example.com")


def test_a_deactivated_acme_dns_account_is_not_used(ctx, standin):
    """An account marked inactive is skipped by the choice (the order specification's dns-01 check
    and ``publisher_for_name``), and ``publish`` refuses one chosen before it was deactivated,
    sending nothing."""
    from peter_sslers.lib.db import order_spec

    standin.reset()
    # a name with an RFC 2136 backend as well: the backend takes over
    dbBackend = _fake_backend(ctx, "off.example.com")
    dbAccount = _account(ctx, standin, "a.off.example.com")
    assert dns01_publish.publisher_for_name(ctx, "*.a.off.example.com").acme_dns_account.id == dbAccount.id
    db_acme_dns.update_AcmeDnsServerAccount__mark(ctx, dbAccount, "inactive")
    publisher = dns01_publish.publisher_for_name(ctx, "*.a.off.example.com")
    assert (publisher.method, publisher.dns_backend.id) == ("rfc2136", dbBackend.id)
    assert order_spec._dns01_publisher(ctx, "a.off.example.com") is True

    # a name with nothing else: refused, by the order specification and by the publisher
    dbLone = _account(ctx, standin, "lone.example.net")
    chosen = dns01_publish.publisher_for_name(ctx, "lone.example.net")
    assert chosen.acme_dns_account.id == dbLone.id and order_spec._dns01_publisher(ctx, "*.lone.example.net")
    db_acme_dns.update_AcmeDnsServerAccount__mark(ctx, dbLone, "inactive")
    assert order_spec._dns01_publisher(ctx, "lone.example.net") is False
    assert order_spec._dns01_publisher(ctx, "*.lone.example.net") is False
    with pytest.raises(errors.InvalidRequest) as info:
        dns01_publish.publisher_for_name(ctx, "lone.example.net")
    assert info.value.field == "domain_names_dns01"
    with pytest.raises(errors.InvalidRequest):
        dns01_publish.publish_all(ctx, [("lone.example.net", "ka-lone")])
    # the publisher chosen while it was active: refused at the write, nothing sent
    with pytest.raises(errors.InvalidRequest) as info:
        dns01_publish.publish(ctx, "lone.example.net", "tok.%s" % ("t" * 43), publisher=chosen)
    assert "inactive" in info.value.message
    assert standin.txt_values(dbLone.fulldomain) == []

    # an active account on another server is used instead of the deactivated one
    dbOther, _ = db_acme_dns.getcreate__AcmeDnsServer(ctx, standin.url + "/other")
    dbImported = db_acme_dns.import_account(
        ctx,
        dbOther,
        "lone.example.net",
        "0a1b2c3d-0000-4000-8000-000000000001",
        "k" * 40,
        "0a1b2c3d-0000-4000-8000-000000000002.auth.acme-dns.test",
        "0a1b2c3d-0000-4000-8000-000000000002",
    )
    assert dns01_publish.publisher_for_name(ctx, "lone.example.net").acme_dns_account.id == dbImported.id
    # reactivated: both are active, on two servers; the newest is chosen (no global default)
    db_acme_dns.update_AcmeDnsServerAccount__mark(ctx, dbImported, "inactive")
    db_acme_dns.update_AcmeDnsServerAccount__mark(ctx, dbLone, "active")
    assert dns01_publish.publisher_for_name(ctx, "lone.example.net").acme_dns_account.id == dbLone.id


def test_publish_all_refuses_bad_lists_before_writing(ctx, standin):
    with pytest.raises(errors.InvalidRequest) as info:
        dns01_publish.publish_all(ctx, [])
    assert info.value.field == "domain_names_dns01"
    _fake_backend(ctx, "twice.example.com")
    with pytest.raises(errors.InvalidRequest) as info:
        dns01_publish.publish_all(ctx, [("a.twice.example.com", "k1"), ("A.twice.example.com", "k2")])
    assert "`a.twice.example.com` is given more than once" in info.value.message


# --- against bind9


def test_nothing_is_written_when_one_name_has_no_method(ctx, bind9):
    _backend(ctx, bind9)
    with pytest.raises(errors.InvalidRequest) as info:
        dns01_publish.publish_all(ctx, [("first.example.test", "ka-1"), ("elsewhere.example.org", "ka-2")])
    assert info.value.field == "domain_names_dns01" and "`elsewhere.example.org`" in info.value.message
    assert _txt(bind9, "_acme-challenge.first.example.test") == []


def test_a_wait_that_times_out_withdraws_what_was_published(ctx, bind9, standin, wired):
    """One name through RFC 2136, one through acme-dns; a visibility server that never answers:
    the wait times out (fake clock, no real waiting) and the RFC 2136 value is deleted again."""
    closed = pebble_fixtures.free_udp_tcp_port()
    _backend(ctx, bind9, visibility="127.0.0.1:%d, 127.0.0.1:%d" % (bind9.port, closed))
    dbAccount = _account(ctx, standin, "viaacmedns.example.test")
    wired.cname("viaacmedns.example.test", dbAccount.fulldomain)
    clock = FakeClock()
    challenges = [("*.timeout.example.test", "ka-wild"), ("viaacmedns.example.test", "ka-acme-dns")]
    with pytest.raises(errors.DnsNotVisible) as info:
        dns01_publish.publish_all(ctx, challenges, timeout=4, interval=1, clock=clock, sleep=clock.sleep,
                                  query_timeout=0.05)  # fmt: skip
    exc = info.value
    assert exc.withdraw_failures == []
    assert "127.0.0.1:%d" % closed in exc.missing and "127.0.0.1:%d" % bind9.port in exc.seen
    assert clock.sleeps and sum(clock.sleeps) <= 4  # the deadline is the whole wait's
    # the RFC 2136 value was published, then withdrawn
    assert _txt(bind9, "_acme-challenge.timeout.example.test") == []
    # acme-dns has no delete: its value stays (the next update rotates it out)
    assert standin.txt_values(dbAccount.fulldomain) == [dns01.txt_value("ka-acme-dns")]


def test_a_failed_publish_withdraws_what_was_published(ctx, bind9, standin, wired):
    _backend(ctx, bind9)
    dbAccount = _account(ctx, standin, "failing.example.test")
    standin.fail_status = 500
    challenges = [("first.withdrawn.example.test", "ka-1"), ("failing.example.test", "ka-2")]
    with pytest.raises(errors.AcmeDnsServerError) as info:
        dns01_publish.publish_all(ctx, challenges, timeout=5, interval=0.1)
    assert info.value.status == 500 and info.value.withdraw_failures == []
    assert _txt(bind9, "_acme-challenge.first.withdrawn.example.test") == []
    assert standin.txt_values(dbAccount.fulldomain) == []


def test_publish_wait_withdraw_one_name_each_way(ctx, bind9, standin, wired):
    _backend(ctx, bind9)
    dbAccount = _account(ctx, standin, "single.example.test")
    wired.cname("single.example.test", dbAccount.fulldomain)
    via_acme_dns = dns01_publish.publish(ctx, "*.single.example.test", "ka-a")
    via_rfc2136 = dns01_publish.publish(ctx, "other.example.test", "ka-b")
    assert (via_acme_dns.method, via_rfc2136.method) == ("acme-dns", "rfc2136")
    assert via_acme_dns.visible_name == dbAccount.fulldomain
    assert via_acme_dns.record_name == "_acme-challenge.single.example.test"
    assert via_rfc2136.visible_name == via_rfc2136.record_name == "_acme-challenge.other.example.test"
    for handle in (via_acme_dns, via_rfc2136):
        visibility = handle.wait_visible(timeout=5, interval=0.1)
        assert visibility.servers == ["127.0.0.1:%d" % bind9.port]
    # through the CNAME, the acme-dns value is what _acme-challenge.<name> answers
    assert _txt(bind9, "_acme-challenge.single.example.test") == [dns01.txt_value("ka-a")]
    assert dns01_publish.withdraw_all([via_acme_dns, via_rfc2136]) == []
    assert via_acme_dns.withdrawn and via_rfc2136.withdrawn
    assert _txt(bind9, "_acme-challenge.other.example.test") == []
    assert via_rfc2136.as_json()["dns_backend_rfc2136_id"] and via_acme_dns.as_json()["acme_dns_server_account_id"]


# --- the proof: wildcard certificates from pebble


@pytest.fixture(scope="module")
def dns_pebble(bind9, tmp_path_factory):
    pebble_fixtures.require_switch()
    factory = pebble_fixtures.PebbleFactory(str(tmp_path_factory.mktemp("pebble-dns01-publish")))
    pebble = factory(dns_server=bind9.address, PEBBLE_VA_ALWAYS_VALID=None)
    yield pebble
    factory.close()


@pytest.fixture(scope="module")
def acme_client(dns_pebble):
    transport = acme_v2.AcmeTransport(dns_pebble.directory_url, ca_bundle=dns_pebble.ca_bundle_path, timeout=10)
    client = acme_v2.AcmeClient(transport, acme_v2.AcmeKey(cert_utils.new_account_key("EC", curve="P-256")))
    client.new_account(["mailto:dns01-publish@example.com"])
    return client


def _issue(ctx, client, names):
    """Order ``names`` with dns-01 through ``publish_all``; returns (the SANs, the handles)."""
    order = client.new_order(names)
    challenges, urls = [], []
    for url in order.authorizations:
        authorization = client.get_authorization(url)
        challenge = authorization.challenge("dns-01")
        assert challenge is not None, authorization.raw
        domain = ("*." if authorization.wildcard else "") + authorization.identifier
        challenges.append((domain, client.account_key.key_authorization(challenge.token)))
        urls.append((url, challenge.url))
    published = dns01_publish.publish_all(ctx, challenges, timeout=10, interval=0.2)
    try:
        for _authorization_url, challenge_url in urls:
            client.answer_challenge(challenge_url)
        for authorization_url, _ in urls:
            assert client.poll_authorization(authorization_url, timeout=30).status == "valid"
        order = client.poll_order(order.url, timeout=30, until_not=("pending",))
        assert order.status == "ready"
        key_pem = cert_utils.new_private_key("EC", curve="P-256")
        order = client.finalize_order(order, cert_utils.make_csr(names, key_pem))
        order = client.poll_order(order.url, timeout=30)
        assert order.status == "valid" and order.certificate_url
        fullchain = client.download_certificate(order.certificate_url)[0]
    finally:
        assert dns01_publish.withdraw_all(published) == []
    leaf = x509.load_pem_x509_certificate(cert_utils.split_pem_chain(fullchain)[0].encode())
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    return sorted(sans), published


def test_wildcard_certificate_through_acme_dns(ctx, bind9, standin, wired, dns_pebble, acme_client):
    # an RFC 2136 backend encloses the name too (it tells the wait where the acme-dns zone is
    # served): acme-dns is chosen all the same
    _backend(ctx, bind9)
    dbAccount = _account(ctx, standin, "*.acmedns.example.test")
    assert dbAccount.fulldomain.endswith("." + ACME_DNS_ZONE)
    wired.cname("acmedns.example.test", dbAccount.fulldomain)
    audit = acme_dns.audit_cname("acmedns.example.test", dbAccount.fulldomain, resolver=bind9.address)
    assert audit.status == "ok", audit.message

    names = ["*.acmedns.example.test", "acmedns.example.test"]
    sans, published = _issue(ctx, acme_client, names)
    assert sans == sorted(names)
    assert [handle.method for handle in published] == ["acme-dns", "acme-dns"]
    assert {handle.visible_name for handle in published} == {dbAccount.fulldomain}
    # acme-dns keeps both values (withdraw is a no-op), and bind9 served them through the CNAME
    values = sorted(handle.value for handle in published)
    assert sorted(standin.txt_values(dbAccount.fulldomain)) == values
    assert sorted(_txt(bind9, "_acme-challenge.acmedns.example.test")) == values
    assert [request[1] for request in standin.requests].count("/update") == 2
    assert dns_pebble.log_tail(400).count("set VALID by completed challenge") >= 2


def test_wildcard_certificate_through_rfc_2136(ctx, bind9, dns_pebble, acme_client):
    _backend(ctx, bind9)
    names = ["*.rfc2136.example.test", "rfc2136.example.test"]
    sans, published = _issue(ctx, acme_client, names)
    assert sans == sorted(names)
    assert [handle.method for handle in published] == ["rfc2136", "rfc2136"]
    assert {handle.record_name for handle in published} == {"_acme-challenge.rfc2136.example.test"}
    # withdrawn: the record is gone
    assert _txt(bind9, "_acme-challenge.rfc2136.example.test") == []
