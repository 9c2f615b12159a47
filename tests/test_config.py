"""Every ini option: its default, a good value, and a bad value that stops start-up naming the option."""

import os

import pytest

from peter_sslers import config
from peter_sslers.config import ApplicationSettings
from peter_sslers.config import ConfigurationError
from peter_sslers.lib import utils_redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
A_FILE = os.path.join(ROOT, "peter_sslers", "lib", "ca_certs", "isrg_root_x1.pem")


def parse(**raw) -> ApplicationSettings:
    return ApplicationSettings.from_settings({k.replace("__", "."): v for k, v in raw.items()})


def test_defaults():
    settings = ApplicationSettings.from_settings({})
    for option in config.OPTIONS:
        value = getattr(settings, option.attr)
        if option.name == "certificate_authority_directory":
            assert value == config.KNOWN_CERTIFICATE_AUTHORITIES["letsencrypt-v2-staging"]
        else:
            assert value == option.default, option.name
    # the specification: Let's Encrypt staging unless told otherwise
    assert settings.certificate_authority == "letsencrypt-v2-staging"
    assert settings.enable_views_admin is False
    assert settings.enable_views_public is False


def test_every_option_has_an_attribute_and_docs():
    fields = {f.name for f in ApplicationSettings.__dataclass_fields__.values()}
    assert fields == {option.attr for option in config.OPTIONS}
    for option in config.OPTIONS:
        assert option.doc and option.accepted, option.name


def test_spec_options_exist():
    # The specification's list of options, verbatim.
    spec = (
        "openssl_path openssl_path_conf certificate_authority certificate_authority_agreement "
        "certificate_authority_endpoint certificate_authority_directory cleanup_pending_authorizations "
        "enable_views_public enable_views_admin enable_acme_flow redis.url redis.prime_style "
        "redis.timeout.certca redis.timeout.cert redis.timeout.pkey redis.timeout.domain nginx.servers_pool "
        "nginx.userpass nginx.reset_path nginx.status_path requests.disable_ssl_warning admin_server "
        "admin_prefix admin_url"
    ).split()
    for name in spec:
        assert name in config.OPTIONS_BY_NAME, name


GOOD = [
    ("certificate_authority", "letsencrypt-v2", "certificate_authority", "letsencrypt-v2"),
    ("certificate_authority", "pebble", "certificate_authority_directory", "https://127.0.0.1:14000/dir"),
    (
        "certificate_authority",
        "https://acme-v02.api.letsencrypt.org/directory",
        "certificate_authority",
        "letsencrypt-v2",
    ),
    ("certificate_authority_protocol", "acme-v2", "certificate_authority_protocol", "acme-v2"),
    (
        "certificate_authority_agreement",
        "https://example.com/tos.pdf",
        "certificate_authority_agreement",
        "https://example.com/tos.pdf",
    ),
    ("certificate_authority_endpoint", "https://example.com/acme", "certificate_authority_endpoint", "https://example.com/acme"),
    ("certificate_authority_ca_bundle", A_FILE, "certificate_authority_ca_bundle", A_FILE),
    ("certificate_authorities_enable", "pebble, letsencrypt-v2,pebble", "certificate_authorities_enable", ("pebble", "letsencrypt-v2")),
    ("cleanup_pending_authorizations", "false", "cleanup_pending_authorizations", False),
    ("block_competing_challenges", "no", "block_competing_challenges", False),
    ("http01_selfcheck", "true", "http01_selfcheck", True),
    ("http01_selfcheck_address", "127.0.0.1:8080", "http01_selfcheck_address", "127.0.0.1:8080"),
    ("http01_selfcheck_address", " [::1]:80 ", "http01_selfcheck_address", "[::1]:80"),
    ("http01_selfcheck_address", "", "http01_selfcheck_address", None),
    ("http01_selfcheck_resolver", "1.1.1.1", "http01_selfcheck_resolver", "1.1.1.1"),
    ("http01_selfcheck_resolver", "127.0.0.1:5353", "http01_selfcheck_resolver", "127.0.0.1:5353"),
    ("http01_selfcheck_timeout", "0.5", "http01_selfcheck_timeout", 0.5),
    ("acme_dns_timeout", "2.5", "acme_dns_timeout", 2.5),
    ("acme_dns_ca_bundle", A_FILE, "acme_dns_ca_bundle", A_FILE),
    ("acme_dns_audit_resolver", "127.0.0.1:5353", "acme_dns_audit_resolver", "127.0.0.1:5353"),
    ("acme_dns_audit_resolver", "::1", "acme_dns_audit_resolver", "::1"),
    ("enable_views_public", "true", "enable_views_public", True),
    ("enable_views_admin", "on", "enable_views_admin", True),
    ("enable_acme_flow", "false", "enable_acme_flow", False),
    ("enable_acme_flow", "true", "enable_acme_flow", True),
    ("admin_prefix", "/manage/ssl/", "admin_prefix", "/manage/ssl"),
    ("admin_server", "http://10.0.0.1:7201/", "admin_server", "http://10.0.0.1:7201"),
    ("admin_url", "https://admin.example.com/.well-known/admin", "admin_url", "https://admin.example.com/.well-known/admin"),
    ("api_host", "https://api.example.com", "api_host", "https://api.example.com"),
    ("exception_redirect", "1", "exception_redirect", True),
    ("expiring_days", "80", "expiring_days", 80),
    ("health_expiring_days", "3650", "health_expiring_days", 3650),
    ("health_expiring_days", " 7 ", "health_expiring_days", 7),
    ("upload_max_bytes", "1048576", "upload_max_bytes", 1048576),
    ("request_max_bytes", "2097152", "request_max_bytes", 2097152),
    ("queue_domains_min_per_cert", "5", "queue_domains_min_per_cert", 5),
    ("queue_domains_max_per_cert", "50", "queue_domains_max_per_cert", 50),
    ("queue_certificates_renewal_days", "4000", "queue_certificates_renewal_days", 4000),
    ("queue_certificates_renewal_days", "none", "queue_certificates_renewal_days", None),
    ("queue_certificates_renewal_fraction", "1/2", "queue_certificates_renewal_fraction", 0.5),
    ("queue_certificates_renewal_fraction", "0.25", "queue_certificates_renewal_fraction", 0.25),
    ("queue_certificates_renewal_spread", "0", "queue_certificates_renewal_spread", 0.0),
    ("queue_certificates_renewal_spread", "1/10", "queue_certificates_renewal_spread", 0.1),
    ("openssl_path", "/usr/local/bin/openssl", "openssl_path", "/usr/local/bin/openssl"),
    ("openssl_path_conf", "/usr/local/ssl/openssl.cnf", "openssl_path_conf", "/usr/local/ssl/openssl.cnf"),
    ("enable_redis", "false", "enable_redis", False),
    ("redis.url", "redis://127.0.0.1:6379/9", "redis_url", "redis://127.0.0.1:6379/9"),
    ("redis.prime_style", "2", "redis_prime_style", 2),
    ("redis.timeout.certca", "3600", "redis_timeout_certca", 3600),
    ("redis.timeout.cert", "none", "redis_timeout_cert", None),
    ("redis.timeout.pkey", "60", "redis_timeout_pkey", 60),
    ("redis.timeout.domain", "", "redis_timeout_domain", None),
    ("enable_nginx", "false", "enable_nginx", False),
    (
        "nginx.servers_pool",
        "https://10.0.0.5, http://10.0.0.6/,https://10.0.0.5",
        "nginx_servers_pool",
        ("https://10.0.0.5", "http://10.0.0.6"),
    ),
    ("nginx.userpass", "peter:sslers", "nginx_userpass", "peter:sslers"),
    ("nginx.reset_path", "/expire", "nginx_reset_path", "/expire"),
    ("nginx.status_path", "/status", "nginx_status_path", "/status"),
    ("nginx.timeout", "2.5", "nginx_timeout", 2.5),
    ("nginx.timeout", "none", "nginx_timeout", None),
    ("nginx.ca_bundle", A_FILE, "nginx_ca_bundle", A_FILE),
    ("nginx.servers_pool_allow_invalid", "true", "nginx_servers_pool_allow_invalid", True),
    ("requests.disable_ssl_warning", "true", "requests_disable_ssl_warning", True),
]


@pytest.mark.parametrize("name,raw,attr,expected", GOOD)
def test_good_values(name, raw, attr, expected):
    settings = ApplicationSettings.from_settings({name: raw})
    assert getattr(settings, attr) == expected


BAD = [
    ("certificate_authority", "letsencrypt-v1"),
    ("certificate_authority", ""),
    ("certificate_authority_directory", "ftp://example.com/dir"),
    ("certificate_authority_protocol", "acme-v1"),
    ("certificate_authority_agreement", "not a url"),
    ("certificate_authority_endpoint", "example.com"),
    ("certificate_authority_ca_bundle", "/nonexistent/bundle.pem"),
    ("cleanup_pending_authorizations", "maybe"),
    ("block_competing_challenges", "2"),
    ("http01_selfcheck", "sometimes"),
    ("http01_selfcheck_address", "127.0.0.1"),
    ("http01_selfcheck_address", "lb.example.com:http"),
    ("http01_selfcheck_resolver", "dns.example.com"),
    ("http01_selfcheck_timeout", "0"),
    ("http01_selfcheck_timeout", "61"),
    ("http01_selfcheck_timeout", "none"),
    ("acme_dns_timeout", "0"),
    ("acme_dns_timeout", "soon"),
    ("acme_dns_ca_bundle", "/nonexistent/bundle.pem"),
    ("acme_dns_audit_resolver", "dns.example.com"),
    ("enable_views_public", "yes please"),
    ("enable_views_admin", "Truthy"),
    ("enable_acme_flow", "sometimes"),
    ("admin_prefix", "no-leading-slash"),
    ("admin_prefix", "/"),
    ("admin_prefix", "/.well-known/acme-challenge"),
    ("admin_prefix", "/.well-known/public/admin"),
    ("admin_prefix", "/with space"),
    ("admin_server", "127.0.0.1:7201"),
    ("admin_url", "/relative"),
    ("api_host", "nope"),
    ("exception_redirect", "x"),
    ("expiring_days", "0"),
    ("upload_max_bytes", "100"),
    ("request_max_bytes", "1000"),
    ("request_max_bytes", "1MB"),
    ("expiring_days", "thirty"),
    ("health_expiring_days", "0"),
    ("health_expiring_days", "3651"),
    ("health_expiring_days", "two weeks"),
    ("queue_domains_min_per_cert", "0"),
    ("queue_domains_max_per_cert", "101"),
    ("queue_certificates_renewal_days", "0"),
    ("queue_certificates_renewal_days", "soon"),
    ("queue_certificates_renewal_fraction", "0"),
    ("queue_certificates_renewal_fraction", "1"),
    ("queue_certificates_renewal_fraction", "1/0"),
    ("queue_certificates_renewal_fraction", "nan"),
    ("queue_certificates_renewal_fraction", "a third"),
    ("queue_certificates_renewal_spread", "-0.1"),
    ("queue_certificates_renewal_spread", "0.6"),
    ("enable_redis", "perhaps"),
    ("redis.url", "http://127.0.0.1:6379"),
    ("redis.url", "unix://redis.sock"),
    ("redis.prime_style", "3"),
    ("redis.timeout.certca", "-1"),
    ("redis.timeout.cert", "1.5"),
    ("redis.timeout.pkey", "forever"),
    ("redis.timeout.domain", "0"),
    ("enable_nginx", "?"),
    ("nginx.servers_pool", "10.0.0.5"),
    ("nginx.servers_pool", "https://peter:sslers@127.0.0.1"),
    ("nginx.servers_pool", "https://127.0.0.1/?x=1"),
    ("nginx.servers_pool", "https://127.0.0.1/#top"),
    ("nginx.userpass", "justauser"),
    ("nginx.reset_path", "expire"),
    ("nginx.status_path", "status page"),
    ("nginx.timeout", "0"),
    ("nginx.timeout", "soon"),
    ("nginx.ca_bundle", "/nonexistent.pem"),
    ("nginx.servers_pool_allow_invalid", "sure"),
    ("requests.disable_ssl_warning", "please"),
]


@pytest.mark.parametrize("name,raw", BAD)
def test_bad_values_name_the_option(name, raw):
    with pytest.raises(ConfigurationError) as excinfo:
        ApplicationSettings.from_settings({name: raw})
    assert excinfo.value.option == name
    assert "`%s`" % name in str(excinfo.value)
    assert config.OPTIONS_BY_NAME[name] is not None


def test_bad_bool_lists_accepted_values():
    with pytest.raises(ConfigurationError) as excinfo:
        ApplicationSettings.from_settings({"enable_views_admin": "maybe"})
    assert "true" in str(excinfo.value) and "false" in str(excinfo.value)


def test_cross_option_rules():
    with pytest.raises(ConfigurationError) as excinfo:
        parse(certificate_authority="custom")
    assert excinfo.value.option == "certificate_authority_directory"
    settings = parse(certificate_authority="custom", certificate_authority_directory="https://acme.example.com/dir")
    assert settings.certificate_authority_name == "custom"
    assert settings.certificate_authority_directory == "https://acme.example.com/dir"

    with pytest.raises(ConfigurationError) as excinfo:
        parse(certificate_authority="letsencrypt-v2", certificate_authority_directory="https://other.example/dir")
    assert excinfo.value.option == "certificate_authority_directory"

    # a URL that is no known server is a custom one
    settings = parse(certificate_authority="https://acme.example.com/dir")
    assert settings.certificate_authority_name == "custom"
    assert settings.certificate_authority_directory == "https://acme.example.com/dir"

    # the ACME-flow tool (issue 13) is part of this version: off by default, on when asked
    assert parse(enable_acme_flow="true").enable_acme_flow is True

    with pytest.raises(ConfigurationError) as excinfo:
        parse(queue_domains_min_per_cert="20", queue_domains_max_per_cert="10")
    assert excinfo.value.option == "queue_domains_min_per_cert"

    with pytest.raises(ConfigurationError) as excinfo:
        parse(enable_redis="true")
    assert excinfo.value.option == "redis.url"
    with pytest.raises(ConfigurationError) as excinfo:
        parse(enable_redis="true", redis__url="redis://127.0.0.1:6379/0")
    assert excinfo.value.option == "redis.prime_style"
    assert parse(enable_redis="true", redis__url="redis://127.0.0.1/0", redis__prime_style="1").enable_redis

    with pytest.raises(ConfigurationError) as excinfo:
        parse(enable_nginx="true")
    assert excinfo.value.option == "nginx.servers_pool"
    with pytest.raises(ConfigurationError) as excinfo:
        parse(nginx__ca_bundle=A_FILE, nginx__servers_pool_allow_invalid="true")
    assert excinfo.value.option == "nginx.servers_pool_allow_invalid"


def test_alias_and_retired_names():
    assert ApplicationSettings.from_settings({"redis.timeout.certcachain": "30"}).redis_timeout_certca == 30
    with pytest.raises(ConfigurationError) as excinfo:
        ApplicationSettings.from_settings({"redis.timeout.certcachain": "30", "redis.timeout.certca": "30"})
    assert excinfo.value.option == "redis.timeout.certcachain"
    with pytest.raises(ConfigurationError) as excinfo:
        ApplicationSettings.from_settings({"certificate_authority_testing": "true"})
    assert excinfo.value.option == "certificate_authority_testing"
    assert ApplicationSettings.from_settings({"certificate_authority_testing": "false"})


def test_secrets_are_masked():
    settings = parse(nginx__userpass="peter:sslers", redis__url="redis://:hunter2@127.0.0.1:6379/9")
    shown = {option.name: value for option, value in settings.effective()}
    assert shown["nginx.userpass"] == "peter:********"
    assert "hunter2" not in shown["redis.url"]


@pytest.mark.parametrize(
    "url, shown",
    [
        ("redis://:hunter2@127.0.0.1:6379/9", "redis://:********@127.0.0.1:6379/9"),
        ("redis://127.0.0.1:6379/9?password=hunter2", "redis://127.0.0.1:6379/9?password=********"),
        (
            "unix:///run/redis.sock?db=9&username=u&password=hunter2",
            "unix:///run/redis.sock?db=9&username=********&password=********",
        ),
        ("rediss://u:hunter2@127.0.0.1/9?socket_timeout=3", "rediss://u:********@127.0.0.1/9?socket_timeout=3"),
    ],
)
def test_redis_url_secrets_are_accepted_and_masked_alike(url, shown):
    """Both places redis-py reads a password from are accepted, and masked the same way on the
    settings page and in every message naming the server (review finding 12)."""
    settings = parse(enable_redis="true", redis__url=url, redis__prime_style="1")
    assert settings.redis_url == url
    assert {option.name: value for option, value in settings.effective()}["redis.url"] == shown
    assert utils_redis.describe_server(url) == shown


def test_configuration_docs_are_generated_from_options():
    with open(os.path.join(ROOT, "docs", "Configuration_Options.md")) as f:
        assert f.read() == config.options_markdown(), "run: python -m peter_sslers.config > docs/Configuration_Options.md"


@pytest.mark.parametrize("ini", ["example_development.ini", "example_production.ini", "test.ini"])
def test_shipped_ini_files_are_valid(ini):
    from pyramid.paster import get_appsettings

    settings = ApplicationSettings.from_settings(get_appsettings(os.path.join(ROOT, ini)))
    if ini == "example_production.ini":
        # the specification: production does not even run the admin tools
        assert settings.enable_views_admin is False
    else:
        assert settings.enable_views_admin is True
    assert settings.enable_views_public is True


@pytest.mark.parametrize("value, frozen", [("true", True), ("false", False)])
def test_gc_freeze_once_the_app_is_loaded(make_app, db, monkeypatch, value, frozen):
    """``gc_freeze``: the loaded application goes to the permanent generation (gc.freeze), or not.
    (``db``: start-up needs the seeded database, which an ACME test before this one may have
    pointed at another pebble.)"""
    import gc

    calls = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append("collect") or 0)
    make_app(gc_freeze=value)
    assert calls == (["collect", "freeze"] if frozen else [])
    assert ApplicationSettings.from_settings({"gc_freeze": value}).gc_freeze is frozen
    assert ApplicationSettings.from_settings({}).gc_freeze is True
