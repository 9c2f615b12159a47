"""Every route, snapshotted: a route change shows up as a reviewed diff of this list."""

from pyramid.config import Configurator

from peter_sslers.config import ApplicationSettings
from peter_sslers.web import routes

EXPECTED = [
    ('public_challenge', '/.well-known/acme-challenge/{challenge}'),
    ('public_whoami', '/.well-known/public/whoami'),
    ('admin', '/.well-known/admin'),
    ('admin:index_slash', '/.well-known/admin/'),
    ('__.well-known/admin/static/', '/.well-known/admin/static/*subpath'),
    ('admin:api|json', '/.well-known/admin/api.json'),
    ('admin:api', '/.well-known/admin/api'),
    ('admin:api:deactivate_expired|json', '/.well-known/admin/api/deactivate-expired.json'),
    ('admin:api:deactivate_expired', '/.well-known/admin/api/deactivate-expired'),
    ('admin:api:update_recents|json', '/.well-known/admin/api/update-recents.json'),
    ('admin:api:update_recents', '/.well-known/admin/api/update-recents'),
    ('admin:help', '/.well-known/admin/help'),
    ('admin:search|json', '/.well-known/admin/search.json'),
    ('admin:search', '/.well-known/admin/search'),
    ('admin:settings|json', '/.well-known/admin/settings.json'),
    ('admin:settings', '/.well-known/admin/settings'),
    ('admin:whoami', '/.well-known/admin/whoami'),
    ('admin:certificate_ca:upload_cert|json', '/.well-known/admin/certificate-ca/upload-cert.json'),
    ('admin:certificate_ca:upload_cert', '/.well-known/admin/certificate-ca/upload-cert'),
    ('admin:certificate_ca:focus|json', '/.well-known/admin/certificate-ca/{id:\\d+}.json'),
    ('admin:certificate_ca:focus', '/.well-known/admin/certificate-ca/{id:\\d+}'),
    ('admin:certificate_ca:focus:parse|json', '/.well-known/admin/certificate-ca/{id:\\d+}/parse.json'),
    ('admin:certificate_ca:focus:raw', '/.well-known/admin/certificate-ca/{id:\\d+}/cert.{format:(pem|pem\\.txt|cer|crt|der)}'),
    ('admin:certificate_ca:focus:certificate_ca_chains_0_paginated|json', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-ca-chains-0/{page:\\d+}.json'),
    ('admin:certificate_ca:focus:certificate_ca_chains_0_paginated', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-ca-chains-0/{page:\\d+}'),
    ('admin:certificate_ca:focus:certificate_ca_chains_0|json', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-ca-chains-0.json'),
    ('admin:certificate_ca:focus:certificate_ca_chains_0', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-ca-chains-0'),
    ('admin:certificate_ca:focus:certificate_ca_chains_n_paginated|json', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-ca-chains-n/{page:\\d+}.json'),
    ('admin:certificate_ca:focus:certificate_ca_chains_n_paginated', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-ca-chains-n/{page:\\d+}'),
    ('admin:certificate_ca:focus:certificate_ca_chains_n|json', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-ca-chains-n.json'),
    ('admin:certificate_ca:focus:certificate_ca_chains_n', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-ca-chains-n'),
    ('admin:certificate_ca:focus:certificate_signeds_paginated|json', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-signeds/{page:\\d+}.json'),
    ('admin:certificate_ca:focus:certificate_signeds_paginated', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-signeds/{page:\\d+}'),
    ('admin:certificate_ca:focus:certificate_signeds|json', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-signeds.json'),
    ('admin:certificate_ca:focus:certificate_signeds', '/.well-known/admin/certificate-ca/{id:\\d+}/certificate-signeds'),
    ('admin:certificate_cas_paginated|json', '/.well-known/admin/certificate-cas/{page:\\d+}.json'),
    ('admin:certificate_cas_paginated', '/.well-known/admin/certificate-cas/{page:\\d+}'),
    ('admin:certificate_cas|json', '/.well-known/admin/certificate-cas.json'),
    ('admin:certificate_cas', '/.well-known/admin/certificate-cas'),
    ('admin:certificate_ca_chain:upload_chain|json', '/.well-known/admin/certificate-ca-chain/upload-chain.json'),
    ('admin:certificate_ca_chain:upload_chain', '/.well-known/admin/certificate-ca-chain/upload-chain'),
    ('admin:certificate_ca_chain:focus|json', '/.well-known/admin/certificate-ca-chain/{id:\\d+}.json'),
    ('admin:certificate_ca_chain:focus', '/.well-known/admin/certificate-ca-chain/{id:\\d+}'),
    ('admin:certificate_ca_chain:focus:raw', '/.well-known/admin/certificate-ca-chain/{id:\\d+}/chain.{format:(pem|pem\\.txt)}'),
    ('admin:certificate_ca_chain:focus:certificate_signeds_paginated|json', '/.well-known/admin/certificate-ca-chain/{id:\\d+}/certificate-signeds/{page:\\d+}.json'),
    ('admin:certificate_ca_chain:focus:certificate_signeds_paginated', '/.well-known/admin/certificate-ca-chain/{id:\\d+}/certificate-signeds/{page:\\d+}'),
    ('admin:certificate_ca_chain:focus:certificate_signeds|json', '/.well-known/admin/certificate-ca-chain/{id:\\d+}/certificate-signeds.json'),
    ('admin:certificate_ca_chain:focus:certificate_signeds', '/.well-known/admin/certificate-ca-chain/{id:\\d+}/certificate-signeds'),
    ('admin:certificate_ca_chains_paginated|json', '/.well-known/admin/certificate-ca-chains/{page:\\d+}.json'),
    ('admin:certificate_ca_chains_paginated', '/.well-known/admin/certificate-ca-chains/{page:\\d+}'),
    ('admin:certificate_ca_chains|json', '/.well-known/admin/certificate-ca-chains.json'),
    ('admin:certificate_ca_chains', '/.well-known/admin/certificate-ca-chains'),
    ('admin:certificate_request:focus|json', '/.well-known/admin/certificate-request/{id:\\d+}.json'),
    ('admin:certificate_request:focus', '/.well-known/admin/certificate-request/{id:\\d+}'),
    ('admin:certificate_request:focus:raw', '/.well-known/admin/certificate-request/{id:\\d+}/csr.{format:(csr|pem|pem\\.txt)}'),
    ('admin:certificate_requests_paginated|json', '/.well-known/admin/certificate-requests/{page:\\d+}.json'),
    ('admin:certificate_requests_paginated', '/.well-known/admin/certificate-requests/{page:\\d+}'),
    ('admin:certificate_requests|json', '/.well-known/admin/certificate-requests.json'),
    ('admin:certificate_requests', '/.well-known/admin/certificate-requests'),
    ('admin:certificate_signed:upload|json', '/.well-known/admin/certificate-signed/upload.json'),
    ('admin:certificate_signed:upload', '/.well-known/admin/certificate-signed/upload'),
    ('admin:certificate_signed:focus|json', '/.well-known/admin/certificate-signed/{id:\\d+}.json'),
    ('admin:certificate_signed:focus', '/.well-known/admin/certificate-signed/{id:\\d+}'),
    ('admin:certificate_signed:focus:config|json', '/.well-known/admin/certificate-signed/{id:\\d+}/config.json'),
    ('admin:certificate_signed:focus:parse|json', '/.well-known/admin/certificate-signed/{id:\\d+}/parse.json'),
    ('admin:certificate_signed:focus:cert:raw', '/.well-known/admin/certificate-signed/{id:\\d+}/cert.{format:(pem|pem\\.txt|cer|crt|der)}'),
    ('admin:certificate_signed:focus:chain:raw', '/.well-known/admin/certificate-signed/{id:\\d+}/chain.{format:(pem|pem\\.txt|cer|crt|der)}'),
    ('admin:certificate_signed:focus:fullchain:raw', '/.well-known/admin/certificate-signed/{id:\\d+}/fullchain.{format:(pem|pem\\.txt)}'),
    ('admin:certificate_signed:focus:privatekey:raw', '/.well-known/admin/certificate-signed/{id:\\d+}/privkey.{format:(key|pem|pem\\.txt)}'),
    ('admin:certificate_signed:focus:mark|json', '/.well-known/admin/certificate-signed/{id:\\d+}/mark.json'),
    ('admin:certificate_signed:focus:mark', '/.well-known/admin/certificate-signed/{id:\\d+}/mark'),
    ('admin:certificate_signeds|json', '/.well-known/admin/certificate-signeds.json'),
    ('admin:certificate_signeds', '/.well-known/admin/certificate-signeds'),
    ('admin:certificate_signeds:list_paginated|json', '/.well-known/admin/certificate-signeds/{which:(all|active|expiring|inactive)}/{page:\\d+}.json'),
    ('admin:certificate_signeds:list_paginated', '/.well-known/admin/certificate-signeds/{which:(all|active|expiring|inactive)}/{page:\\d+}'),
    ('admin:certificate_signeds:list|json', '/.well-known/admin/certificate-signeds/{which:(all|active|expiring|inactive)}.json'),
    ('admin:certificate_signeds:list', '/.well-known/admin/certificate-signeds/{which:(all|active|expiring|inactive)}'),
    ('admin:domain:new|json', '/.well-known/admin/domain/new.json'),
    ('admin:domain:new', '/.well-known/admin/domain/new'),
    ('admin:domain:focus|json', '/.well-known/admin/domain/{domain_identifier}.json'),
    ('admin:domain:focus', '/.well-known/admin/domain/{domain_identifier}'),
    ('admin:domain:focus:config|json', '/.well-known/admin/domain/{domain_identifier}/config.json'),
    ('admin:domain:focus:certificate_requests_paginated|json', '/.well-known/admin/domain/{domain_identifier}/certificate-requests/{page:\\d+}.json'),
    ('admin:domain:focus:certificate_requests_paginated', '/.well-known/admin/domain/{domain_identifier}/certificate-requests/{page:\\d+}'),
    ('admin:domain:focus:certificate_requests|json', '/.well-known/admin/domain/{domain_identifier}/certificate-requests.json'),
    ('admin:domain:focus:certificate_requests', '/.well-known/admin/domain/{domain_identifier}/certificate-requests'),
    ('admin:domain:focus:certificate_signeds_paginated|json', '/.well-known/admin/domain/{domain_identifier}/certificate-signeds/{page:\\d+}.json'),
    ('admin:domain:focus:certificate_signeds_paginated', '/.well-known/admin/domain/{domain_identifier}/certificate-signeds/{page:\\d+}'),
    ('admin:domain:focus:certificate_signeds|json', '/.well-known/admin/domain/{domain_identifier}/certificate-signeds.json'),
    ('admin:domain:focus:certificate_signeds', '/.well-known/admin/domain/{domain_identifier}/certificate-signeds'),
    ('admin:domain:focus:mark|json', '/.well-known/admin/domain/{domain_identifier}/mark.json'),
    ('admin:domain:focus:mark', '/.well-known/admin/domain/{domain_identifier}/mark'),
    ('admin:domain:focus:unique_fqdn_sets_paginated|json', '/.well-known/admin/domain/{domain_identifier}/unique-fqdn-sets/{page:\\d+}.json'),
    ('admin:domain:focus:unique_fqdn_sets_paginated', '/.well-known/admin/domain/{domain_identifier}/unique-fqdn-sets/{page:\\d+}'),
    ('admin:domain:focus:unique_fqdn_sets|json', '/.well-known/admin/domain/{domain_identifier}/unique-fqdn-sets.json'),
    ('admin:domain:focus:unique_fqdn_sets', '/.well-known/admin/domain/{domain_identifier}/unique-fqdn-sets'),
    ('admin:domain:focus:update_recents|json', '/.well-known/admin/domain/{domain_identifier}/update-recents.json'),
    ('admin:domain:focus:update_recents', '/.well-known/admin/domain/{domain_identifier}/update-recents'),
    ('admin:domains_paginated|json', '/.well-known/admin/domains/{page:\\d+}.json'),
    ('admin:domains_paginated', '/.well-known/admin/domains/{page:\\d+}'),
    ('admin:domains|json', '/.well-known/admin/domains.json'),
    ('admin:domains', '/.well-known/admin/domains'),
    ('admin:operations', '/.well-known/admin/operations'),
    ('admin:operations:log_paginated|json', '/.well-known/admin/operations/log/{page:\\d+}.json'),
    ('admin:operations:log_paginated', '/.well-known/admin/operations/log/{page:\\d+}'),
    ('admin:operations:log|json', '/.well-known/admin/operations/log.json'),
    ('admin:operations:log', '/.well-known/admin/operations/log'),
    ('admin:operations:log:focus|json', '/.well-known/admin/operations/log/item/{id:\\d+}.json'),
    ('admin:operations:log:focus', '/.well-known/admin/operations/log/item/{id:\\d+}'),
    ('admin:private_key:new|json', '/.well-known/admin/private-key/new.json'),
    ('admin:private_key:new', '/.well-known/admin/private-key/new'),
    ('admin:private_key:upload|json', '/.well-known/admin/private-key/upload.json'),
    ('admin:private_key:upload', '/.well-known/admin/private-key/upload'),
    ('admin:private_key:focus|json', '/.well-known/admin/private-key/{id:\\d+}.json'),
    ('admin:private_key:focus', '/.well-known/admin/private-key/{id:\\d+}'),
    ('admin:private_key:focus:parse|json', '/.well-known/admin/private-key/{id:\\d+}/parse.json'),
    ('admin:private_key:focus:raw', '/.well-known/admin/private-key/{id:\\d+}/key.{format:(key|pem|pem\\.txt)}'),
    ('admin:private_key:focus:certificate_requests_paginated|json', '/.well-known/admin/private-key/{id:\\d+}/certificate-requests/{page:\\d+}.json'),
    ('admin:private_key:focus:certificate_requests_paginated', '/.well-known/admin/private-key/{id:\\d+}/certificate-requests/{page:\\d+}'),
    ('admin:private_key:focus:certificate_requests|json', '/.well-known/admin/private-key/{id:\\d+}/certificate-requests.json'),
    ('admin:private_key:focus:certificate_requests', '/.well-known/admin/private-key/{id:\\d+}/certificate-requests'),
    ('admin:private_key:focus:certificate_signeds_paginated|json', '/.well-known/admin/private-key/{id:\\d+}/certificate-signeds/{page:\\d+}.json'),
    ('admin:private_key:focus:certificate_signeds_paginated', '/.well-known/admin/private-key/{id:\\d+}/certificate-signeds/{page:\\d+}'),
    ('admin:private_key:focus:certificate_signeds|json', '/.well-known/admin/private-key/{id:\\d+}/certificate-signeds.json'),
    ('admin:private_key:focus:certificate_signeds', '/.well-known/admin/private-key/{id:\\d+}/certificate-signeds'),
    ('admin:private_key:focus:mark|json', '/.well-known/admin/private-key/{id:\\d+}/mark.json'),
    ('admin:private_key:focus:mark', '/.well-known/admin/private-key/{id:\\d+}/mark'),
    ('admin:private_keys_paginated|json', '/.well-known/admin/private-keys/{page:\\d+}.json'),
    ('admin:private_keys_paginated', '/.well-known/admin/private-keys/{page:\\d+}'),
    ('admin:private_keys|json', '/.well-known/admin/private-keys.json'),
    ('admin:private_keys', '/.well-known/admin/private-keys'),
    ('admin:unique_fqdn_set:new|json', '/.well-known/admin/unique-fqdn-set/new.json'),
    ('admin:unique_fqdn_set:new', '/.well-known/admin/unique-fqdn-set/new'),
    ('admin:unique_fqdn_set:focus|json', '/.well-known/admin/unique-fqdn-set/{id:\\d+}.json'),
    ('admin:unique_fqdn_set:focus', '/.well-known/admin/unique-fqdn-set/{id:\\d+}'),
    ('admin:unique_fqdn_set:focus:certificate_requests_paginated|json', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/certificate-requests/{page:\\d+}.json'),
    ('admin:unique_fqdn_set:focus:certificate_requests_paginated', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/certificate-requests/{page:\\d+}'),
    ('admin:unique_fqdn_set:focus:certificate_requests|json', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/certificate-requests.json'),
    ('admin:unique_fqdn_set:focus:certificate_requests', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/certificate-requests'),
    ('admin:unique_fqdn_set:focus:certificate_signeds_paginated|json', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/certificate-signeds/{page:\\d+}.json'),
    ('admin:unique_fqdn_set:focus:certificate_signeds_paginated', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/certificate-signeds/{page:\\d+}'),
    ('admin:unique_fqdn_set:focus:certificate_signeds|json', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/certificate-signeds.json'),
    ('admin:unique_fqdn_set:focus:certificate_signeds', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/certificate-signeds'),
    ('admin:unique_fqdn_set:focus:modify|json', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/modify.json'),
    ('admin:unique_fqdn_set:focus:modify', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/modify'),
    ('admin:unique_fqdn_set:focus:update_recents|json', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/update-recents.json'),
    ('admin:unique_fqdn_set:focus:update_recents', '/.well-known/admin/unique-fqdn-set/{id:\\d+}/update-recents'),
    ('admin:unique_fqdn_sets_paginated|json', '/.well-known/admin/unique-fqdn-sets/{page:\\d+}.json'),
    ('admin:unique_fqdn_sets_paginated', '/.well-known/admin/unique-fqdn-sets/{page:\\d+}'),
    ('admin:unique_fqdn_sets|json', '/.well-known/admin/unique-fqdn-sets.json'),
    ('admin:unique_fqdn_sets', '/.well-known/admin/unique-fqdn-sets'),
]


def _routes(**settings):
    app_settings = ApplicationSettings.from_settings(
        dict({"enable_views_public": "true", "enable_views_admin": "true"}, **settings)
    )
    config = Configurator(settings={})
    config.registry.app_settings = app_settings
    config.include(routes)
    config.commit()
    from pyramid.interfaces import IRoutesMapper

    mapper = config.registry.getUtility(IRoutesMapper)
    # Pyramid keeps prefixed patterns without their leading slash; compare full paths.
    return [(route.name, "/" + route.pattern.lstrip("/")) for route in mapper.get_routes()]


def test_routes_snapshot():
    assert _routes() == EXPECTED


def test_json_twins_come_before_their_html_routes():
    names = [name for name, _ in _routes()]
    for name in names:
        html = name[: -len("|json")]
        if name.endswith("|json") and html in names:  # config.json, parse.json have no HTML twin
            assert names.index(name) < names.index(html), name


def test_admin_prefix_moves_every_admin_route():
    moved = _routes(admin_prefix="/manage")
    for (name, pattern), (moved_name, moved_pattern) in zip(EXPECTED, moved):
        assert name.replace(".well-known/admin", "manage") == moved_name
        if pattern.startswith("/.well-known/admin"):
            assert moved_pattern == "/manage" + pattern[len("/.well-known/admin"):]
        else:
            assert moved_pattern == pattern


def test_trees_are_registered_only_when_enabled():
    names = [n for n, _ in _routes(enable_views_admin="false")]
    assert names == ["public_challenge", "public_whoami"]
    names = [n for n, _ in _routes(enable_views_public="false")]
    assert "public_challenge" not in names and "admin" in names


def test_expand_pattern():
    assert routes.expand_pattern("/x/{@id}/y/{@page}") == r"/x/{id:\d+}/y/{page:\d+}"
