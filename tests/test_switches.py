"""The specification's test switches (tests/switches.py, docs/Tests.md): their defaults keep `make
test` as it is; set, they mean what the specification says."""

import pytest

from tests import pebble
from tests import switches


def test_defaults(monkeypatch):
    for name in (switches.VALIDATES, switches.TEST_DOMAINS, switches.TEST_PORT):
        monkeypatch.delenv(name, raising=False)
    assert switches.validates() is True
    assert switches.validation_domains(["real1.example.com"]) == ["real1.example.com"]
    assert switches.validation_port() is None


@pytest.mark.parametrize(
    "value, expected", [("0", False), ("1", True), ("true", True), ("no", False), ("", True), (" ", True)]
)
def test_validates(monkeypatch, value, expected):
    monkeypatch.setenv(switches.VALIDATES, value)
    assert switches.validates() is expected


def test_domains_are_canonical(monkeypatch):
    monkeypatch.setenv(switches.TEST_DOMAINS, " Test1.Example.COM., bücher.example  test1.example.com")
    assert switches.validation_domains(["x.example.com"]) == ["test1.example.com", "xn--bcher-kva.example"]


@pytest.mark.parametrize("value", ["not a name", "127.0.0.1", "localhost"])
def test_bad_domains_name_the_variable(monkeypatch, value):
    monkeypatch.setenv(switches.TEST_DOMAINS, value)
    with pytest.raises(switches.SwitchError) as caught:
        switches.validation_domains([])
    assert str(caught.value).startswith("SSL_TEST_DOMAINS: ")


def test_port(monkeypatch):
    monkeypatch.setenv(switches.TEST_PORT, "5002")
    assert switches.validation_port() == 5002
    for bad in ("0", "65536", "80x", "-1", "²"):
        monkeypatch.setenv(switches.TEST_PORT, bad)
        with pytest.raises(switches.SwitchError) as caught:
            switches.validation_port()
        assert "SSL_TEST_PORT" in str(caught.value)


def test_real_validation_skips_when_the_ca_cannot_validate(monkeypatch):
    """SSL_LETSENCRYPT_API_VALIDATES=0 skips what needs real validation (pebble_strict), saying so;
    the ACME tests switch (SSL_RUN_LETSENCRYPT_API_TESTS) still decides first."""
    monkeypatch.setenv(pebble.SWITCH, "1")
    monkeypatch.setenv(switches.VALIDATES, "0")
    with pytest.raises(pytest.skip.Exception) as caught:
        pebble.require_validation()
    assert "SSL_LETSENCRYPT_API_VALIDATES=0" in str(caught.value)
    monkeypatch.setenv(switches.VALIDATES, "1")
    pebble.require_validation()  # no skip
    monkeypatch.setenv(pebble.SWITCH, "0")
    with pytest.raises(pytest.skip.Exception) as caught:
        pebble.require_validation()
    assert pebble.SWITCH in str(caught.value)


def test_a_bad_port_fails_the_test_loudly(monkeypatch):
    monkeypatch.setenv(switches.TEST_PORT, "http")
    with pytest.raises(pytest.fail.Exception) as caught:
        pebble.validation_port()
    assert "SSL_TEST_PORT" in str(caught.value)
