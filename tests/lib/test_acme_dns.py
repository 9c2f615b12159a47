"""lib.acme_dns: the client of acme-dns's HTTP API against the stand-in, and the CNAME audit
against a loopback DNS stub."""

import socket

import pytest
import requests

from peter_sslers.lib import acme_dns
from peter_sslers.lib import errors
from tests.acme_dns_standin import AcmeDnsStandin
from tests.acme_dns_standin import CnameDnsStub

TXT_1 = "A" * 43
TXT_2 = "b-_" + "c" * 40
TXT_3 = "Z" * 43


@pytest.fixture(scope="module")
def standin():
    server = AcmeDnsStandin().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dns_stub():
    stub = CnameDnsStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def client(standin):
    standin.reset()
    return acme_dns.AcmeDnsClient(standin.url, timeout=5)


def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "http://127.0.0.1:%d" % port


def test_register_update_health(client, standin):
    assert client.health() is True
    registration = client.register()
    assert acme_dns.RE_USERNAME.match(registration.username)
    assert len(registration.password) == 40
    assert registration.fulldomain == "%s.%s" % (registration.subdomain, standin.domain)
    assert registration.allowfrom == ()
    assert registration.password not in repr(registration)  # a secret: never in a repr
    for value in (TXT_1, TXT_2, TXT_3):
        stored = client.update_txt(registration.username, registration.password, registration.subdomain, value)
        assert stored == value
    # acme-dns keeps the two newest values (a wildcard and its base name at once)
    assert standin.txt_values(registration.fulldomain) == [TXT_2, TXT_3]
    method, path, headers = standin.requests[-1]
    assert (method, path) == ("POST", "/update") and headers["X-Api-User"] == registration.username


def test_register_with_allowfrom(client, standin):
    registration = client.register(allowfrom=["127.0.0.0/8"])
    assert registration.allowfrom == ("127.0.0.0/8",)
    client.update_txt(registration.username, registration.password, registration.subdomain, TXT_1)
    outside = client.register(allowfrom=["192.0.2.0/24"])
    with pytest.raises(errors.AcmeDnsServerError) as info:
        client.update_txt(outside.username, outside.password, outside.subdomain, TXT_1)
    assert info.value.status == 401 and info.value.error == "forbidden"


def test_register_bad_cidr_is_400(client):
    with pytest.raises(errors.AcmeDnsServerError) as info:
        client.register(allowfrom=["not-a-network"])
    assert info.value.status == 400 and info.value.error == "invalid_allowfrom_cidr"


def test_update_refused(client, standin):
    registration = client.register()
    other = client.register()
    wrong_key = "x" * 40
    with pytest.raises(errors.AcmeDnsServerError) as info:
        client.update_txt(registration.username, wrong_key, registration.subdomain, TXT_1)
    assert info.value.status == 401
    assert "credentials were refused" in info.value.message
    assert wrong_key not in str(info.value) and registration.password not in str(info.value)
    # another user's subdomain
    with pytest.raises(errors.AcmeDnsServerError) as info:
        client.update_txt(registration.username, registration.password, other.subdomain, TXT_1)
    assert info.value.status == 401
    # a bad TXT value is refused before anything is sent
    sent = len(standin.requests)
    with pytest.raises(errors.InvalidRequest):
        client.update_txt(registration.username, registration.password, registration.subdomain, "short")
    assert len(standin.requests) == sent
    assert standin.txt_values(registration.fulldomain) == []


def test_standin_answers_like_acme_dns(client, standin):
    """Status codes and error words of acme-dns, straight at the stand-in."""
    registration = client.register()
    headers = {"X-Api-User": registration.username, "X-Api-Key": registration.password}
    bad_txt = requests.post(
        standin.url + "/update", headers=headers, json={"subdomain": registration.subdomain, "txt": "x" * 42}
    )
    assert bad_txt.status_code == 400 and bad_txt.json() == {"error": "bad_txt"}
    no_user = requests.post(standin.url + "/update", json={"subdomain": registration.subdomain, "txt": TXT_1})
    assert no_user.status_code == 401 and no_user.json() == {"error": "forbidden"}
    malformed = requests.post(standin.url + "/register", data=b"{nope")
    assert malformed.status_code == 400 and malformed.json() == {"error": "malformed_json_payload"}
    assert requests.get(standin.url + "/health").status_code == 200


def test_server_failure_and_unreachable(client, standin):
    standin.fail_status = 500
    with pytest.raises(errors.AcmeDnsServerError) as info:
        client.register()
    assert info.value.status == 500 and "the server failed" in info.value.message
    with pytest.raises(errors.AcmeDnsServerError):
        client.health()
    standin.fail_status = None
    unreachable = acme_dns.AcmeDnsClient(closed_port_url(), timeout=2)
    with pytest.raises(errors.AcmeDnsUnreachable) as info:
        unreachable.health()
    assert "could not be reached" in info.value.message
    with pytest.raises(errors.AcmeDnsUnreachable):
        unreachable.update_txt("0a1b2c3d-0000-4000-8000-000000000001", "k" * 40, "sub", TXT_1)


def test_tls_is_verified(client, standin):
    """An https URL on the plain-HTTP stand-in: the TLS handshake fails, clearly."""
    tls = acme_dns.AcmeDnsClient(standin.url.replace("http://", "https://"), timeout=2)
    assert tls.verify is True
    with pytest.raises(errors.AcmeDnsUnreachable):
        tls.health()
    assert acme_dns.AcmeDnsClient(standin.url, ca_bundle="/etc/ssl/certs/ca-certificates.crt").verify.endswith(".crt")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("https://Auth.Example.com/", "https://auth.example.com"),
        (" http://127.0.0.1:8011 ", "http://127.0.0.1:8011"),
        ("http://[::1]:8011/api/", "http://[::1]:8011/api"),
    ],
)
def test_normalize_root_url(raw, expected):
    assert acme_dns.normalize_root_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "auth.example.com", "ftp://auth.example.com", "https://", "https://u:p@auth.example.com",
     "https://auth.example.com/?x=1", "https://auth.example.com:99999", "https://a b.example.com", "https://" + "a" * 300],
)
def test_normalize_root_url_bad(raw):
    with pytest.raises(errors.InvalidRequest) as info:
        acme_dns.normalize_root_url(raw)
    assert info.value.field == "root_url"


def test_validate_credentials():
    good = dict(
        username="0A1B2C3D-0000-4000-8000-000000000001",
        password="k" * 40,
        subdomain="0a1b2c3d-0000-4000-8000-000000000002",
        fulldomain="0a1b2c3d-0000-4000-8000-000000000002.auth.example.com",
    )
    assert acme_dns.validate_credentials(**good).username == good["username"].lower()
    for field, value in (
        ("username", "alice"),
        ("password", "short"),
        ("subdomain", "two.labels"),
        ("fulldomain", "not a name"),
        ("fulldomain", "other.auth.example.com"),
    ):
        with pytest.raises(errors.InvalidRequest) as info:
            acme_dns.validate_credentials(**dict(good, **{field: value}))
        assert info.value.field == field


def test_challenge_name():
    assert acme_dns.challenge_name("*.Example.com.") == "_acme-challenge.example.com"
    assert acme_dns.challenge_name("www.example.com") == "_acme-challenge.www.example.com"


def test_audit_cname(dns_stub):
    dns_stub.cnames.clear()
    fulldomain = "abc.auth.acme-dns.test"
    missing = acme_dns.audit_cname("example.com", fulldomain, resolver=dns_stub.address, timeout=2)
    assert missing.status == "missing" and not missing.ok and missing.found == []
    assert missing.instruction == "_acme-challenge.example.com. CNAME abc.auth.acme-dns.test."
    dns_stub.cnames["_acme-challenge.example.com"] = "other.auth.acme-dns.test"
    wrong = acme_dns.audit_cname("*.example.com", fulldomain, resolver=dns_stub.address, timeout=2)
    assert wrong.status == "wrong_target" and wrong.found == ["other.auth.acme-dns.test"]
    dns_stub.cnames["_acme-challenge.example.com"] = fulldomain
    ok = acme_dns.audit_cname("example.com", fulldomain, resolver=dns_stub.address, timeout=2)
    assert ok.ok and ok.as_json()["status"] == "ok"


def test_audit_cname_no_answer():
    """A DNS server that does not answer: an error status, not an exception."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        audit = acme_dns.audit_cname(
            "example.com", "abc.auth.acme-dns.test", resolver="127.0.0.1:%d" % sock.getsockname()[1], timeout=0.3
        )
    finally:
        sock.close()
    assert audit.status == "error" and "No DNS answer" in audit.message
