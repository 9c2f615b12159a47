"""peter_sslers' own nginx client (lib/utils_nginx.py) against real nginx servers running the Lua module:
flush, per-domain expiry (the renewal is served afterwards) and status, over HTTP and HTTPS, with
basic authentication, and with a server of the pool down."""

from peter_sslers.lib import utils_nginx
from tests.edge.nginx import mint_leaf
from tests.pebble import free_port


def test_pool_flush_expire_and_status_on_two_real_servers(serve_app, edge_nginx):
    app = serve_app()
    first = mint_leaf(["pool.example.com"], days=90)
    app.upload(first)
    plain = edge_nginx(FALLBACK_URL=app.admin, basic_auth=("peter", "sslers"))
    tls = edge_nginx(FALLBACK_URL=app.admin, basic_auth=("peter", "sslers"))
    config = utils_nginx.NginxConfig(
        servers_pool=(plain.http_url, tls.https_url),
        userpass="peter:sslers",
        ca_bundle=tls.default_cert_path,  # the https server's default certificate covers 127.0.0.1
        timeout=5,
    )
    for nginx in (plain, tls):
        assert nginx.leaf("pool.example.com") == first["der"]

    second = mint_leaf(["pool.example.com"], days=180)
    app.upload(second)
    expiry = utils_nginx.expire_domains(config, ["pool.example.com"])
    assert expiry.ok, expiry.as_json()
    assert expiry.domains_success == ["pool.example.com"]
    for server in expiry.domains["pool.example.com"].servers:
        assert server.header == "1.0.0"
        assert server.answer["server"] == "peter_sslers:openresty"
    for nginx in (plain, tls):
        assert nginx.leaf("pool.example.com") == second["der"]

    third = mint_leaf(["pool.example.com"], days=270)
    app.upload(third)
    flushed = utils_nginx.flush_all(config)
    assert flushed.ok and flushed.result == "success", flushed.as_json()
    for nginx in (plain, tls):
        assert nginx.leaf("pool.example.com") == third["der"]

    status = utils_nginx.status(config)
    assert status.ok, status.as_json()
    for server in status.servers:
        assert server.answer["stats"]["expired_all"] == 1
        assert server.answer["stats"]["expired_domain"] == 1
        assert server.answer["cache"]["certificates"] == 1


def test_pool_reports_wrong_credentials_and_a_dead_server(edge_nginx):
    nginx = edge_nginx(basic_auth=("peter", "sslers"))
    dead = "http://127.0.0.1:%d" % free_port()
    wrong = utils_nginx.flush_all(utils_nginx.NginxConfig(servers_pool=(nginx.http_url,), userpass="peter:nope"))
    assert not wrong.ok and wrong.servers[0].error == utils_nginx.ERROR_UNAUTHORIZED
    mixed = utils_nginx.flush_all(
        utils_nginx.NginxConfig(servers_pool=(nginx.http_url, dead), userpass="peter:sslers", timeout=2)
    )
    assert mixed.result == "partial"
    assert mixed.servers_success == [nginx.http_url]
    assert list(mixed.servers_failed) == [dead]
