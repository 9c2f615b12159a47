"""A wildcard certificate issued by pebble through dns-01 records published with RFC 2136.

pebble (real validation) is started with ``-dnsserver`` pointing at bind9 (tests/bind9.py): its VA
asks bind9 for ``_acme-challenge.example.test`` TXT. The order is placed with the low-level client
(``lib.acme_v2``) directly; the records go through ``lib.dns01`` the way the order flow will use them.
Needs both ``SSL_RUN_LETSENCRYPT_API_TESTS`` and ``SSL_RUN_DNS_TESTS``.
"""

from cryptography import x509

from peter_sslers.lib import acme_v2
from peter_sslers.lib import cert_utils
from peter_sslers.lib import dns01


def test_wildcard_certificate_through_rfc_2136(bind9, make_pebble):
    # real validation (no PEBBLE_VA_ALWAYS_VALID), names resolved by bind9
    pebble = make_pebble(dns_server=bind9.address, PEBBLE_VA_ALWAYS_VALID=None)
    server = dns01.Rfc2136Server(
        zone=bind9.zone,
        server="127.0.0.1",
        port=bind9.port,
        tsig_key_name=bind9.tsig_name,
        tsig_algorithm="hmac-sha256",
        tsig_secret=bind9.tsig_secret,
        visibility_nameservers=(("127.0.0.1", bind9.port),),
    )
    transport = acme_v2.AcmeTransport(pebble.directory_url, ca_bundle=pebble.ca_bundle_path, timeout=10)
    client = acme_v2.AcmeClient(transport, acme_v2.AcmeKey(cert_utils.new_account_key("EC", curve="P-256")))
    client.new_account(["mailto:dns01@example.com"])

    names = ["*.example.test", "example.test"]
    order = client.new_order(names)
    assert order.status == "pending"
    published = []
    challenges = []
    try:
        for url in order.authorizations:
            authorization = client.get_authorization(url)
            assert authorization.status == "pending"
            challenge = authorization.challenge("dns-01")
            assert challenge is not None, authorization.raw
            domain = ("*." if authorization.wildcard else "") + authorization.identifier
            key_authorization = client.account_key.key_authorization(challenge.token)
            name, value = dns01.txt_record_name(domain), dns01.txt_value(key_authorization)
            assert value == client.account_key.dns01_txt_value(challenge.token)
            server.add_txt(name, value)
            published.append((name, value))
            challenges.append((url, challenge.url))
        # both values under one name, side by side
        assert {name for name, _ in published} == {"_acme-challenge.example.test"}
        values, _ = dns01.query_txt("_acme-challenge.example.test", ("127.0.0.1", bind9.port))
        assert sorted(values) == sorted(value for _, value in published)
        for name, value in published:
            server.wait_visible(name, value, timeout=10, interval=0.2)
        for authorization_url, challenge_url in challenges:
            client.answer_challenge(challenge_url)
        for authorization_url, _ in challenges:
            assert client.poll_authorization(authorization_url, timeout=30).status == "valid"
        order = client.poll_order(order.url, timeout=30, until_not=("pending",))
        assert order.status == "ready"
        key_pem = cert_utils.new_private_key("EC", curve="P-256")
        order = client.finalize_order(order, cert_utils.make_csr(names, key_pem))
        order = client.poll_order(order.url, timeout=30)
        assert order.status == "valid" and order.certificate_url
        fullchain = client.download_certificate(order.certificate_url)[0]
    finally:
        for name, value in published:
            server.delete_txt(name, value)
    leaf = x509.load_pem_x509_certificate(cert_utils.split_pem_chain(fullchain)[0].encode())
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sorted(sans) == sorted(names)
    # the records are gone
    assert dns01.query_txt("_acme-challenge.example.test", ("127.0.0.1", bind9.port))[0] == []
    log = pebble.log_tail(400)
    assert "Using custom DNS resolver for ACME challenges: %s" % bind9.address in log
    assert log.count("set VALID by completed challenge") == 2
    assert "PEBBLE_VA_ALWAYS_VALID" not in pebble.env

    # and the validation is real: a challenge answered without its record fails
    order = client.new_order(["unpublished.example.test"])
    authorization = client.get_authorization(order.authorizations[0])
    client.answer_challenge(authorization.challenge("dns-01").url)
    authorization = client.poll_authorization(authorization.url, timeout=30)
    assert authorization.status == "invalid"
    assert "_acme-challenge.unpublished.example.test" in str(authorization.raw)
