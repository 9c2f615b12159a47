"""lib.acme_v2 against a real ACME server: Debian's pebble on loopback (see tests/pebble.py).

Gated by SSL_RUN_LETSENCRYPT_API_TESTS: unset or 0, every test here skips; set, a missing or broken
pebble fails them. The shared ``pebble_always_valid`` serves most tests; ``pebble_strict`` does real
http-01 validation against ``http01_responder`` (serving key authorizations on its ``http_port``);
``make_pebble`` starts private servers for the fault tests (nonce rejection, restarts, alternate roots).
"""

import pytest
import requests

from peter_sslers.lib import acme_v2
from peter_sslers.lib import cert_utils
from peter_sslers.lib import errors

SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


# --- helpers


def new_client(pebble, key_pem=None, exchanges=None, register=True, **transport_options) -> acme_v2.AcmeClient:
    """A client for ``pebble`` trusting its listener CA; registered unless told not to."""
    transport = acme_v2.AcmeTransport(
        pebble.directory_url,
        ca_bundle=pebble.ca_bundle_path,
        on_exchange=exchanges.append if exchanges is not None else None,
        timeout=10,
        **transport_options,
    )
    key = acme_v2.AcmeKey(key_pem or cert_utils.new_account_key("EC", curve="P-256"))
    client = acme_v2.AcmeClient(transport, key)
    if register:
        client.new_account(["mailto:test@example.com"])
    return client


def authorize(client, order, responder=None) -> list:
    """Answer each pending authorization's http-01 challenge (publishing the key authorization on
    ``responder`` when given) and poll it to its end; returns the final authorizations."""
    done = []
    for url in order.authorizations:
        authorization = client.get_authorization(url)
        if authorization.status == "pending":
            challenge = authorization.challenge("http-01")
            if responder is not None:
                responder.tokens[challenge.token] = client.account_key.key_authorization(challenge.token)
            client.answer_challenge(challenge.url)
            authorization = client.poll_authorization(url, timeout=30)
        done.append(authorization)
    return done


def issue(client, names, responder=None, key_pem=None):
    """Order, authorize, finalize, download: ``(order, chains, certificate key)``."""
    order = client.new_order(names)
    assert order.status == "pending"
    assert sorted(order.identifiers) == sorted(names)
    authorizations = authorize(client, order, responder)
    assert [a.status for a in authorizations] == ["valid"] * len(names)
    order = client.poll_order(order.url, timeout=30, until_not=("pending",))
    assert order.status == "ready"
    key_pem = key_pem or cert_utils.new_private_key("EC", curve="P-256")
    order = client.finalize_order(order, cert_utils.make_csr(names, key_pem))
    assert order.status in ("processing", "valid")
    order = client.poll_order(order.url, timeout=30)
    assert order.status == "valid" and order.certificate_url
    return order, client.download_certificate(order.certificate_url), key_pem


def split(fullchain):
    certs = cert_utils.split_pem_chain(fullchain)
    return certs[0], certs[1:]


def root_of(fullchain, roots) -> int:
    """The index of the one root the chain verifies up to (cert_utils.ensure_chain)."""
    leaf, chain = split(fullchain)
    verified = []
    for index, root in enumerate(roots):
        try:
            cert_utils.ensure_chain(leaf, chain, root)
        except errors.ChainError:
            continue
        verified.append(index)
    assert len(verified) == 1, "the chain verifies up to roots %s" % verified
    return verified[0]


# --- accounts


@pytest.mark.parametrize(
    "key_technology, options",
    [("RSA", {"bits": 2048}), ("EC", {"curve": "P-256"}), ("EC", {"curve": "P-384"})],
    ids=["RSA-2048", "EC-P-256", "EC-P-384"],
)
def test_account_life_cycle(pebble_always_valid, key_technology, options):
    key_pem = cert_utils.new_account_key(key_technology, **options)
    client = new_client(pebble_always_valid, key_pem, register=False)
    account, created = client.new_account(["mailto:first@example.com"])
    assert created is True
    assert (account.status, account.contact) == ("valid", ["mailto:first@example.com"])
    assert account.orders_url and client.account_url == account.url

    again, created = client.new_account(["mailto:first@example.com"])
    assert (again.url, created) == (account.url, False)

    existing = new_client(pebble_always_valid, key_pem, register=False)
    found, created = existing.new_account(only_return_existing=True)
    assert (found.url, created) == (account.url, False)

    updated = client.update_account(["mailto:second@example.com", "mailto:third@example.com"])
    assert updated.contact == ["mailto:second@example.com", "mailto:third@example.com"]

    deactivated = client.deactivate_account()
    assert deactivated.status == "deactivated"
    with pytest.raises(errors.AcmeServerError) as caught:
        client.new_order(["after.example.com"])
    assert caught.value.code == "unauthorized"


def test_only_return_existing_for_a_missing_account(pebble_always_valid):
    client = new_client(pebble_always_valid, register=False)
    with pytest.raises(errors.AcmeServerError) as caught:
        client.new_account(only_return_existing=True)
    assert (caught.value.status, caught.value.code) == (400, "accountDoesNotExist")
    assert client.account_url is None


def test_key_change(pebble_always_valid):
    old_pem = cert_utils.new_account_key("RSA", bits=2048)
    client = new_client(pebble_always_valid, old_pem)
    account_url = client.account_url
    new_key = acme_v2.AcmeKey(cert_utils.new_account_key("EC", curve="P-384"))
    client.key_change(new_key)
    assert client.account_key is new_key

    order = client.new_order(["rolled.example.com"])  # signed by the new key
    assert order.status == "pending"
    found, created = acme_v2.AcmeClient(client.transport, new_key).new_account(only_return_existing=True)
    assert (found.url, created) == (account_url, False)
    with pytest.raises(errors.AcmeServerError) as caught:
        new_client(pebble_always_valid, old_pem, register=False).new_account(only_return_existing=True)
    assert caught.value.code == "accountDoesNotExist"


# --- orders and certificates


def test_order_for_three_names(pebble_always_valid):
    exchanges = []
    client = new_client(pebble_always_valid, exchanges=exchanges)
    names = ["a.example.com", "b.example.com", "c.example.org"]
    order, chains, key_pem = issue(client, names)

    leaf, chain = split(chains[0])
    facts = cert_utils.parse_cert(leaf)
    assert facts["domains"] == sorted(names)
    assert cert_utils.cert_matches_key(leaf, key_pem)
    roots = pebble_always_valid.roots()
    root_of(chains[0], roots)
    assert len(chain) == 2  # PEBBLE_CHAIN_LENGTH=2

    operations = {e.operation for e in exchanges}
    assert {"newAccount", "newOrder", "authorization", "challenge-answer", "finalize", "order", "certificate"} <= (
        operations
    )
    assert all(e.status is not None and e.status < 400 for e in exchanges)
    certificate_exchange = [e for e in exchanges if e.operation == "certificate"][0]
    assert certificate_exchange.response_body.startswith("-----BEGIN CERTIFICATE-----")
    for exchange in exchanges:
        assert "signature" not in str(exchange.request_payload)


def test_order_for_fifty_names(pebble_always_valid):
    client = new_client(pebble_always_valid)
    names = ["host%02d.fifty.example.com" % i for i in range(50)]
    order, chains, key_pem = issue(client, names, key_pem=cert_utils.new_private_key("RSA", bits=2048))
    assert len(order.authorizations) == 50
    leaf, _chain = split(chains[0])
    assert cert_utils.parse_cert(leaf)["domains"] == sorted(names)
    root_of(chains[0], pebble_always_valid.roots())


def test_alternate_chains_of_the_shared_server(pebble_always_valid):
    """PEBBLE_ALTERNATE_ROOTS=1: the default chain and one alternate, same leaf, different roots."""
    client = new_client(pebble_always_valid)
    order, chains, _key = issue(client, ["alt.example.com"])
    assert len(chains) == 2
    assert len({split(chain)[0] for chain in chains}) == 1
    roots = pebble_always_valid.roots()
    assert len(roots) == 2
    assert sorted(root_of(chain, roots) for chain in chains) == [0, 1]
    assert client.download_certificate(order.certificate_url, alternates=False) == chains[:1]


def test_alternate_chains_and_chain_length(make_pebble):
    pebble = make_pebble(PEBBLE_ALTERNATE_ROOTS="2", PEBBLE_CHAIN_LENGTH="3")
    client = new_client(pebble)
    _order, chains, _key = issue(client, ["alternates.example.com"])
    assert len(chains) == 3
    roots = pebble.roots()
    assert len(roots) == 3
    assert sorted(root_of(chain, roots) for chain in chains) == [0, 1, 2]
    for chain in chains:
        assert len(split(chain)[1]) == 3


def test_revocation_by_account_key_and_by_certificate_key(pebble_always_valid):
    client = new_client(pebble_always_valid)
    _order, chains_1, _key_1 = issue(client, ["revoke-1.example.com"])
    _order, chains_2, key_2 = issue(client, ["revoke-2.example.com"], key_pem=cert_utils.new_private_key("RSA", 2048))
    serial_1 = cert_utils.parse_cert(split(chains_1[0])[0])["serial"]
    serial_2 = cert_utils.parse_cert(split(chains_2[0])[0])["serial"]
    assert pebble_always_valid.cert_status_by_serial(serial_1)["Status"] == "Valid"

    client.revoke_certificate(chains_1[0], reason=4)  # the account key (kid); superseded
    status = pebble_always_valid.cert_status_by_serial(serial_1)
    assert (status["Status"], status["Reason"]) == ("Revoked", 4)

    stranger = new_client(pebble_always_valid)  # another account: only the certificate's key counts
    stranger.revoke_certificate(chains_2[0], cert_key_pem=key_2)
    assert pebble_always_valid.cert_status_by_serial(serial_2)["Status"] == "Revoked"

    with pytest.raises(errors.AcmeServerError) as caught:
        client.revoke_certificate(chains_2[0])
    assert caught.value.code == "alreadyRevoked"


def test_authorization_deactivation(pebble_always_valid):
    client = new_client(pebble_always_valid)
    order = client.new_order(["deactivate-1.example.com", "deactivate-2.example.com"])
    authorization = client.deactivate_authorization(order.authorizations[0])
    assert authorization.status == "deactivated"
    assert client.get_authorization(order.authorizations[0]).status == "deactivated"
    # RFC 8555 section 7.1.6 makes the order "invalid"; pebble 2.4.0 reports "deactivated"
    assert client.get_order(order.url).status in ("invalid", "deactivated")


# --- real validation


def test_real_http01_validation(pebble_strict, http01_responder):  # noqa: F811 (a fixture)
    client = new_client(pebble_strict)
    names = ["real-1.example.com", "real-2.example.com"]
    order, chains, _key = issue(client, names, responder=http01_responder)
    asked = {host.split(":")[0] for host, path in http01_responder.requests}
    assert asked == set(names)  # pebble fetched each name's token from us, by name
    assert all(path.startswith("/.well-known/acme-challenge/") for _host, path in http01_responder.requests)
    root_of(chains[0], pebble_strict.roots())


def test_failing_validation_surfaces_the_problem(pebble_strict, http01_responder):  # noqa: F811
    client = new_client(pebble_strict)
    order = client.new_order(["unserved.example.com"])
    authorization = client.get_authorization(order.authorizations[0])
    challenge = client.answer_challenge(authorization.challenge("http-01").url)  # its token is not served: 404
    assert challenge.status in ("pending", "processing", "invalid")
    authorization = client.poll_authorization(order.authorizations[0], timeout=30)
    assert authorization.status == "invalid"
    failed = authorization.challenge("http-01")
    assert failed.status == "invalid"
    assert failed.error["type"].startswith("urn:ietf:params:acme:error:")
    assert failed.error["detail"]
    order = client.poll_order(order.url, timeout=10)
    assert order.status == "invalid"
    assert order.error["type"] == failed.error["type"]  # pebble copies the failure onto the order


# --- faults


def test_nonce_rejections_are_retried(make_pebble):
    pebble = make_pebble(PEBBLE_WFE_NONCEREJECT="50")
    exchanges = []
    # at 50% a request sees 6 rejections in a row 1.6% of the time: allow more retries than the default
    client = new_client(pebble, exchanges=exchanges, max_bad_nonce_retries=25)
    _order, chains, _key = issue(client, ["nonces.example.com", "nonces.example.org"])
    assert chains
    rejected = [e for e in exchanges if (e.problem or {}).get("type") == "urn:ietf:params:acme:error:badNonce"]
    assert rejected, "pebble rejected no nonce at 50%"
    assert all(e.status == 400 for e in rejected)


def test_restart_mid_order(make_pebble):
    pebble = make_pebble()
    exchanges = []
    key_pem = cert_utils.new_account_key("EC", curve="P-256")
    client = new_client(pebble, key_pem, exchanges=exchanges)
    order = client.new_order(["restart.example.com"])
    old_account_url = client.account_url
    pebble.restart()

    # the account is forgotten too, so the old kid is refused before the order is looked up
    with pytest.raises(errors.AcmeServerError) as caught:
        client.get_order(order.url)
    assert caught.value.code == "accountDoesNotExist"

    _account, created = client.new_account()
    assert created is True and client.account_url != old_account_url
    with pytest.raises(errors.AcmeNotFound) as caught:
        client.get_order(order.url)
    assert caught.value.status == 404
    with pytest.raises(errors.AcmeNotFound):
        client.get_authorization(order.authorizations[0])


# --- trust: exactly the configured CA bundle, whatever REQUESTS_CA_BUNDLE says


def test_ca_bundle_wins_over_requests_ca_bundle(pebble_always_valid, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", SYSTEM_CA_BUNDLE)
    monkeypatch.setenv("CURL_CA_BUNDLE", SYSTEM_CA_BUNDLE)
    client = new_client(pebble_always_valid, register=False)
    assert client.transport.directory().new_account
    assert client.new_account()[1] is True

    # also through a caller's own session that reads the environment
    transport = acme_v2.AcmeTransport(
        pebble_always_valid.directory_url, ca_bundle=pebble_always_valid.ca_bundle_path, session=requests.Session()
    )
    assert transport.directory().new_order


def test_no_bundle_fails_tls_against_pebble(pebble_always_valid, monkeypatch):
    # even with the environment pointing at pebble's CA, a client given no bundle must not trust it
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", pebble_always_valid.ca_bundle_path)
    exchanges = []
    transport = acme_v2.AcmeTransport(pebble_always_valid.directory_url, on_exchange=exchanges.append, timeout=10)
    with pytest.raises(errors.AcmeCommunicationError, match="TLS verification failed") as caught:
        transport.directory()
    assert caught.value.exchange.status is None
    assert exchanges == [caught.value.exchange]
    # the cause in plain words, without urllib3's wrapping (issue 11)
    assert "certificate verify failed" in caught.value.message
    assert "HTTPSConnectionPool" not in caught.value.message and "Max retries" not in caught.value.message
