"""Every route of peter_sslers, in one place, grouped by object in URL order.

Patterns use two macros: ``{@id}`` and ``{@page}`` are digit-only placeholders. The
``|json`` and ``_paginated`` twins of a route come from ``add_route`` flags, never by
hand, and a JSON twin is always registered before its HTML route so that a pattern
like ``/domain/{domain_identifier}`` never swallows ``/domain/x.json``.
"""

import re

_MACROS = {"{@id}": r"{id:\d+}", "{@page}": r"{page:\d+}"}
_RE_MACRO = re.compile("|".join(re.escape(m) for m in _MACROS))


def expand_pattern(pattern: str) -> str:
    return _RE_MACRO.sub(lambda m: _MACROS[m.group(0)], pattern)


def add_route(config, name: str, pattern: str, jsonify: bool = False, paginate: bool = False, json_only: bool = False):
    """Register a route and its twins.

    * ``jsonify``: also ``name|json`` at ``pattern.json``.
    * ``paginate``: also ``name_paginated`` at ``pattern/{page}`` (and its ``.json`` twin).
    * ``json_only``: only ``name|json`` at ``pattern`` (which already ends in ``.json``).
    """
    pattern = expand_pattern(pattern)
    if json_only:
        config.add_route(name + "|json", pattern)
        return
    if paginate:
        if jsonify:
            config.add_route(name + "_paginated|json", pattern + r"/{page:\d+}.json")
        config.add_route(name + "_paginated", pattern + r"/{page:\d+}")
    if jsonify:
        config.add_route(name + "|json", pattern + ".json")
    config.add_route(name, pattern)


def includeme(config):
    settings = config.registry.app_settings
    if settings.enable_views_public:
        config.include(public_routes)
    if settings.enable_views_admin:
        config.include(admin_routes, route_prefix=settings.admin_prefix)


def public_routes(config):
    config.add_route("public_challenge", "/.well-known/acme-challenge/{challenge}")
    config.add_route("public_whoami", "/.well-known/public/whoami")


def admin_routes(config):
    # First: the edge's deploy read, asked many times a second (Pyramid tries routes in order, one
    # regular expression each; no other route can match `/domain/<one segment>/config.json`).
    add_route(config, "admin:domain:focus:config", "/domain/{domain_identifier}/config.json", json_only=True)
    # Main
    # the dashboard's JSON twin: `{admin_prefix}.json` would lie outside the prefix
    config.add_route("admin|json", "/index.json")
    config.add_route("admin", "", inherit_slash=True)
    config.add_route("admin:index_slash", "/")
    config.add_static_view("static", "peter_sslers.web:static", cache_max_age=3600)
    add_route(config, "admin:api", "/api", jsonify=True)
    add_route(config, "admin:api:deactivate_expired", "/api/deactivate-expired", jsonify=True)
    # certificates on request (docs/Autocert.md)
    add_route(config, "admin:api:domain:autocert", "/api/domain/autocert", jsonify=True)
    add_route(config, "admin:api:domain:certificate_if_needed", "/api/domain/certificate-if-needed", jsonify=True)
    add_route(config, "admin:api:domain:disable", "/api/domain/disable", jsonify=True)
    add_route(config, "admin:api:domain:enable", "/api/domain/enable", jsonify=True)
    add_route(config, "admin:api:health", "/api/health", jsonify=True)
    # Prometheus text exposition, no JSON twin (docs/Monitoring.md)
    add_route(config, "admin:api:metrics", "/api/metrics")
    add_route(config, "admin:api:nginx:cache_flush", "/api/nginx/cache-flush", jsonify=True)
    add_route(config, "admin:api:nginx:status", "/api/nginx/status.json", json_only=True)
    add_route(config, "admin:api:notifications:deliver", "/api/notifications/deliver", jsonify=True)
    add_route(config, "admin:api:queue_certificates:process", "/api/queue-certificates/process", jsonify=True)
    add_route(config, "admin:api:queue_certificates:update", "/api/queue-certificates/update", jsonify=True)
    add_route(config, "admin:api:queue_domains:process", "/api/queue-domains/process", jsonify=True)
    add_route(config, "admin:api:reconcile_cas", "/api/reconcile-cas", jsonify=True)
    add_route(config, "admin:api:redis:prime", "/api/redis/prime", jsonify=True)
    add_route(config, "admin:api:update_recents", "/api/update-recents", jsonify=True)
    add_route(config, "admin:help", "/help")
    add_route(config, "admin:search", "/search", jsonify=True)
    add_route(config, "admin:settings", "/settings", jsonify=True)
    add_route(config, "admin:whoami", "/whoami")

    # AcmeAccountProvider (ACME servers)
    add_route(config, "admin:acme_account_providers", "/acme-account-providers", jsonify=True)

    # AcmeAccount
    add_route(config, "admin:acme_account:new", "/acme-account/new", jsonify=True)
    add_route(config, "admin:acme_account:upload", "/acme-account/upload", jsonify=True)
    add_route(config, "admin:acme_account:focus", "/acme-account/{@id}", jsonify=True)
    add_route(
        config,
        "admin:acme_account:focus:acme_account_keys",
        "/acme-account/{@id}/acme-account-keys",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:acme_account:focus:acme_authorizations",
        "/acme-account/{@id}/acme-authorizations",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:acme_account:focus:acme_orders", "/acme-account/{@id}/acme-orders", jsonify=True, paginate=True)
    add_route(
        config,
        "admin:acme_account:focus:acme_server:authenticate",
        "/acme-account/{@id}/acme-server/authenticate",
        jsonify=True,
    )
    add_route(config, "admin:acme_account:focus:acme_server:check", "/acme-account/{@id}/acme-server/check", jsonify=True)
    add_route(
        config, "admin:acme_account:focus:acme_server:deactivate", "/acme-account/{@id}/acme-server/deactivate", jsonify=True
    )
    add_route(
        config,
        "admin:acme_account:focus:acme_server:deactivate_pending_authorizations",
        "/acme-account/{@id}/acme-server/deactivate-pending-authorizations",
        jsonify=True,
    )
    add_route(
        config, "admin:acme_account:focus:acme_server:key_change", "/acme-account/{@id}/acme-server/key-change", jsonify=True
    )
    add_route(
        config,
        "admin:acme_account:focus:certificate_signeds",
        "/acme-account/{@id}/certificate-signeds",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:acme_account:focus:edit", "/acme-account/{@id}/edit", jsonify=True)
    add_route(config, "admin:acme_account:focus:raw", r"/acme-account/{@id}/key.{format:(key|pem|pem\.txt)}")
    add_route(config, "admin:acme_account:focus:mark", "/acme-account/{@id}/mark", jsonify=True)
    add_route(config, "admin:acme_account:focus:parse", "/acme-account/{@id}/parse.json", json_only=True)
    add_route(config, "admin:acme_account:focus:private_keys", "/acme-account/{@id}/private-keys", jsonify=True, paginate=True)
    add_route(
        config,
        "admin:acme_account:focus:queue_certificates",
        "/acme-account/{@id}/queue-certificates",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:acme_accounts", "/acme-accounts", jsonify=True, paginate=True)

    # AcmeAuthorization
    add_route(config, "admin:acme_authorization:focus", "/acme-authorization/{@id}", jsonify=True)
    add_route(
        config,
        "admin:acme_authorization:focus:acme_challenges",
        "/acme-authorization/{@id}/acme-challenges",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:acme_authorization:focus:acme_orders",
        "/acme-authorization/{@id}/acme-orders",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:acme_authorization:focus:acme_server:deactivate",
        "/acme-authorization/{@id}/acme-server/deactivate",
        jsonify=True,
    )
    add_route(
        config, "admin:acme_authorization:focus:acme_server:sync", "/acme-authorization/{@id}/acme-server/sync", jsonify=True
    )
    add_route(config, "admin:acme_authorizations", "/acme-authorizations", jsonify=True, paginate=True)

    # AcmeChallenge (and the public responder's poll logs)
    add_route(config, "admin:acme_challenge:focus", "/acme-challenge/{@id}", jsonify=True)
    add_route(config, "admin:acme_challenge:focus:acme_server:sync", "/acme-challenge/{@id}/acme-server/sync", jsonify=True)
    add_route(
        config, "admin:acme_challenge:focus:acme_server:trigger", "/acme-challenge/{@id}/acme-server/trigger", jsonify=True
    )
    add_route(config, "admin:acme_challenge_polls", "/acme-challenge-polls", jsonify=True, paginate=True)
    add_route(config, "admin:acme_challenges", "/acme-challenges", jsonify=True, paginate=True)

    # AcmeDnsServer and AcmeDnsServerAccount (acme-dns; docs/AcmeDns.md)
    add_route(config, "admin:acme_dns_server:new", "/acme-dns-server/new", jsonify=True)
    add_route(config, "admin:acme_dns_server:focus", "/acme-dns-server/{@id}", jsonify=True)
    add_route(
        config,
        "admin:acme_dns_server:focus:acme_dns_server_accounts",
        "/acme-dns-server/{@id}/acme-dns-server-accounts",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:acme_dns_server:focus:check", "/acme-dns-server/{@id}/check", jsonify=True)
    add_route(config, "admin:acme_dns_server:focus:edit", "/acme-dns-server/{@id}/edit", jsonify=True)
    add_route(
        config, "admin:acme_dns_server:focus:ensure_domains", "/acme-dns-server/{@id}/ensure-domains", jsonify=True
    )
    add_route(
        config,
        "admin:acme_dns_server:focus:ensure_domains_results",
        "/acme-dns-server/{@id}/ensure-domains-results",
        jsonify=True,
    )
    add_route(config, "admin:acme_dns_server:focus:import_domain", "/acme-dns-server/{@id}/import-domain", jsonify=True)
    add_route(config, "admin:acme_dns_server:focus:mark", "/acme-dns-server/{@id}/mark", jsonify=True)
    add_route(config, "admin:acme_dns_servers", "/acme-dns-servers", jsonify=True, paginate=True)
    add_route(config, "admin:acme_dns_server_account:focus", "/acme-dns-server-account/{@id}", jsonify=True)
    add_route(
        config, "admin:acme_dns_server_account:focus:audit", "/acme-dns-server-account/{@id}/audit", jsonify=True
    )
    add_route(config, "admin:acme_dns_server_account:focus:mark", "/acme-dns-server-account/{@id}/mark", jsonify=True)
    add_route(config, "admin:acme_dns_server_accounts", "/acme-dns-server-accounts", jsonify=True, paginate=True)

    # AcmeEventLog
    add_route(config, "admin:acme_event_log:focus", "/acme-event-log/{@id}", jsonify=True)
    add_route(config, "admin:acme_event_logs", "/acme-event-logs", jsonify=True, paginate=True)

    # AcmeOrder
    add_route(config, "admin:acme_order:new:freeform", "/acme-order/new/freeform", jsonify=True)
    add_route(config, "admin:acme_order:focus", "/acme-order/{@id}", jsonify=True)
    add_route(
        config, "admin:acme_order:focus:acme_event_logs", "/acme-order/{@id}/acme-event-logs", jsonify=True, paginate=True
    )
    add_route(config, "admin:acme_order:focus:acme_finalize", "/acme-order/{@id}/acme-finalize", jsonify=True)
    add_route(config, "admin:acme_order:focus:acme_process", "/acme-order/{@id}/acme-process", jsonify=True)
    add_route(config, "admin:acme_order:focus:audit", "/acme-order/{@id}/audit", jsonify=True)
    add_route(
        config,
        "admin:acme_order:focus:acme_server:deactivate_authorizations",
        "/acme-order/{@id}/acme-server/deactivate-authorizations",
        jsonify=True,
    )
    add_route(
        config,
        "admin:acme_order:focus:acme_server:download_certificate",
        "/acme-order/{@id}/acme-server/download-certificate",
        jsonify=True,
    )
    add_route(config, "admin:acme_order:focus:acme_server:sync", "/acme-order/{@id}/acme-server/sync", jsonify=True)
    add_route(
        config,
        "admin:acme_order:focus:acme_server:sync_authorizations",
        "/acme-order/{@id}/acme-server/sync-authorizations",
        jsonify=True,
    )
    add_route(config, "admin:acme_order:focus:mark", "/acme-order/{@id}/mark", jsonify=True)
    add_route(config, "admin:acme_order:focus:renew:custom", "/acme-order/{@id}/renew/custom", jsonify=True)
    add_route(config, "admin:acme_order:focus:renew:quick", "/acme-order/{@id}/renew/quick", jsonify=True)
    add_route(config, "admin:acme_order:focus:retry", "/acme-order/{@id}/retry", jsonify=True)
    add_route(config, "admin:acme_orders", "/acme-orders", jsonify=True)
    add_route(
        config,
        "admin:acme_orders:active:acme_server:sync",
        "/acme-orders/active/acme-server/sync",
        jsonify=True,
    )
    add_route(
        config,
        "admin:acme_orders:list",
        "/acme-orders/{which:(all|active|finished|failed)}",
        jsonify=True,
        paginate=True,
    )

    # AcmeOrderless: the ACME-flow tool, registered only when `enable_acme_flow` is on (else 404)
    if config.registry.app_settings.enable_acme_flow:
        acme_orderless_routes(config)

    # CertificateCA
    add_route(config, "admin:certificate_ca:upload_cert", "/certificate-ca/upload-cert", jsonify=True)
    add_route(config, "admin:certificate_ca:focus", "/certificate-ca/{@id}", jsonify=True)
    add_route(config, "admin:certificate_ca:focus:parse", "/certificate-ca/{@id}/parse.json", json_only=True)
    add_route(config, "admin:certificate_ca:focus:raw", r"/certificate-ca/{@id}/cert.{format:(pem|pem\.txt|cer|crt|der)}")
    add_route(
        config,
        "admin:certificate_ca:focus:certificate_ca_chains_0",
        "/certificate-ca/{@id}/certificate-ca-chains-0",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:certificate_ca:focus:certificate_ca_chains_n",
        "/certificate-ca/{@id}/certificate-ca-chains-n",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:certificate_ca:focus:certificate_signeds",
        "/certificate-ca/{@id}/certificate-signeds",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:certificate_ca:focus:certificate_signeds_alt",
        "/certificate-ca/{@id}/certificate-signeds-alt",
        jsonify=True,
        paginate=True,
    )
    # the preferred-CA list (docs/Chains.md)
    add_route(config, "admin:certificate_cas:preferred", "/certificate-cas/preferred", jsonify=True)
    add_route(config, "admin:certificate_cas:preferred:add", "/certificate-cas/preferred/add", jsonify=True)
    add_route(config, "admin:certificate_cas:preferred:delete", "/certificate-cas/preferred/delete", jsonify=True)
    add_route(
        config, "admin:certificate_cas:preferred:prioritize", "/certificate-cas/preferred/prioritize", jsonify=True
    )
    add_route(config, "admin:certificate_cas", "/certificate-cas", jsonify=True, paginate=True)

    # CertificateCAChain
    add_route(config, "admin:certificate_ca_chain:upload_chain", "/certificate-ca-chain/upload-chain", jsonify=True)
    add_route(config, "admin:certificate_ca_chain:focus", "/certificate-ca-chain/{@id}", jsonify=True)
    add_route(config, "admin:certificate_ca_chain:focus:raw", r"/certificate-ca-chain/{@id}/chain.{format:(pem|pem\.txt)}")
    add_route(
        config,
        "admin:certificate_ca_chain:focus:certificate_signeds",
        "/certificate-ca-chain/{@id}/certificate-signeds",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:certificate_ca_chains", "/certificate-ca-chains", jsonify=True, paginate=True)

    # CertificateRequest
    add_route(config, "admin:certificate_request:focus", "/certificate-request/{@id}", jsonify=True)
    add_route(
        config,
        "admin:certificate_request:focus:acme_orders",
        "/certificate-request/{@id}/acme-orders",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:certificate_request:focus:raw", r"/certificate-request/{@id}/csr.{format:(csr|pem|pem\.txt)}")
    add_route(config, "admin:certificate_requests", "/certificate-requests", jsonify=True, paginate=True)

    # CertificateSigned
    add_route(config, "admin:certificate_signed:upload", "/certificate-signed/upload", jsonify=True)
    add_route(config, "admin:certificate_signed:focus", "/certificate-signed/{@id}", jsonify=True)
    add_route(
        config,
        "admin:certificate_signed:focus:acme_server:revoke",
        "/certificate-signed/{@id}/acme-server/revoke",
        jsonify=True,
    )
    add_route(config, "admin:certificate_signed:focus:config", "/certificate-signed/{@id}/config.json", json_only=True)
    add_route(config, "admin:certificate_signed:focus:config_zip", "/certificate-signed/{@id}/config.zip")
    add_route(config, "admin:certificate_signed:focus:parse", "/certificate-signed/{@id}/parse.json", json_only=True)
    add_route(
        config, "admin:certificate_signed:focus:cert:raw", r"/certificate-signed/{@id}/cert.{format:(pem|pem\.txt|cer|crt|der)}"
    )
    add_route(
        config, "admin:certificate_signed:focus:chain:raw", r"/certificate-signed/{@id}/chain.{format:(pem|pem\.txt|cer|crt|der)}"
    )
    add_route(
        config, "admin:certificate_signed:focus:fullchain:raw", r"/certificate-signed/{@id}/fullchain.{format:(pem|pem\.txt)}"
    )
    add_route(
        config,
        "admin:certificate_signed:focus:privatekey:raw",
        r"/certificate-signed/{@id}/privkey.{format:(key|pem|pem\.txt)}",
    )
    add_route(config, "admin:certificate_signed:focus:mark", "/certificate-signed/{@id}/mark", jsonify=True)
    # every chain of a certificate, by its CertificateCAChain id (docs/Chains.md)
    via_chain = r"/certificate-signed/{@id}/via-certificate-ca-chain/{id_cachain:\d+}"
    add_route(
        config, "admin:certificate_signed:focus:via_certificate_ca_chain:config", via_chain + "/config.json", json_only=True
    )
    add_route(config, "admin:certificate_signed:focus:via_certificate_ca_chain:config_zip", via_chain + "/config.zip")
    add_route(
        config,
        "admin:certificate_signed:focus:via_certificate_ca_chain:chain:raw",
        via_chain + r"/chain.{format:(pem|pem\.txt|cer|crt|der)}",
    )
    add_route(
        config,
        "admin:certificate_signed:focus:via_certificate_ca_chain:fullchain:raw",
        via_chain + r"/fullchain.{format:(pem|pem\.txt)}",
    )
    add_route(
        config,
        "admin:certificate_signed:focus:nginx_cache_expire",
        "/certificate-signed/{@id}/nginx-cache-expire",
        jsonify=True,
    )
    add_route(
        config,
        "admin:certificate_signed:focus:queue_certificates",
        "/certificate-signed/{@id}/queue-certificates",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:certificate_signeds", "/certificate-signeds", jsonify=True)
    add_route(
        config,
        "admin:certificate_signeds:list",
        "/certificate-signeds/{which:(all|active|expiring|inactive)}",
        jsonify=True,
        paginate=True,
    )
    # the specification's path of a certificate's deploy payload: the same view as
    # /certificate-signed/{id}/config.json (the 2021 code's path)
    add_route(config, "admin:certificate:focus:config", "/certificate/{@id}/config.json", json_only=True)

    # CoverageAssuranceEvent (what endangers a name's certificate)
    add_route(config, "admin:coverage_assurance_event:focus", "/coverage-assurance-event/{@id}", jsonify=True)
    add_route(
        config,
        "admin:coverage_assurance_event:focus:children",
        "/coverage-assurance-event/{@id}/children",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:coverage_assurance_event:focus:mark", "/coverage-assurance-event/{@id}/mark", jsonify=True)
    add_route(config, "admin:coverage_assurance_events", "/coverage-assurance-events", jsonify=True)
    add_route(
        config, "admin:coverage_assurance_events:all", "/coverage-assurance-events/all", jsonify=True, paginate=True
    )
    add_route(
        config,
        "admin:coverage_assurance_events:unresolved",
        "/coverage-assurance-events/unresolved",
        jsonify=True,
        paginate=True,
    )

    # DnsBackendRfc2136 (dns-01 through RFC 2136 dynamic updates, docs/Dns01.md)
    add_route(config, "admin:dns_backend_rfc2136:new", "/dns-backend-rfc2136/new", jsonify=True)
    add_route(config, "admin:dns_backend_rfc2136:focus", "/dns-backend-rfc2136/{@id}", jsonify=True)
    add_route(config, "admin:dns_backend_rfc2136:focus:edit", "/dns-backend-rfc2136/{@id}/edit", jsonify=True)
    add_route(config, "admin:dns_backend_rfc2136:focus:mark", "/dns-backend-rfc2136/{@id}/mark", jsonify=True)
    add_route(config, "admin:dns_backend_rfc2136:focus:test", "/dns-backend-rfc2136/{@id}/test", jsonify=True)
    add_route(config, "admin:dns_backend_rfc2136s", "/dns-backends-rfc2136", jsonify=True, paginate=True)

    # Domain
    add_route(config, "admin:domain:new", "/domain/new", jsonify=True)
    add_route(config, "admin:domain:focus", "/domain/{domain_identifier}", jsonify=True)
    add_route(config, "admin:domain:focus:calendar", "/domain/{domain_identifier}/calendar.json", json_only=True)
    # the Domain's acme-dns accounts, and registering it with a server (docs/AcmeDns.md)
    add_route(
        config,
        "admin:domain:focus:acme_dns_server_accounts",
        "/domain/{domain_identifier}/acme-dns-server-accounts",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config, "admin:domain:focus:acme_dns_server:new", "/domain/{domain_identifier}/acme-dns-server/new", jsonify=True
    )
    add_route(
        config,
        "admin:domain:focus:acme_authorizations",
        "/domain/{domain_identifier}/acme-authorizations",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:domain:focus:acme_challenges",
        "/domain/{domain_identifier}/acme-challenges",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:domain:focus:acme_orders",
        "/domain/{domain_identifier}/acme-orders",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:domain:focus:certificate_requests",
        "/domain/{domain_identifier}/certificate-requests",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:domain:focus:certificate_signeds",
        "/domain/{domain_identifier}/certificate-signeds",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:domain:focus:domain_autocerts",
        "/domain/{domain_identifier}/domain-autocerts",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:domain:focus:mark", "/domain/{domain_identifier}/mark", jsonify=True)
    if config.registry.app_settings.enable_acme_flow:
        # the ACME-flow tool's containers with a challenge for this name (see acme_orderless_routes)
        add_route(
            config,
            "admin:domain:focus:acme_orderlesss",
            "/domain/{domain_identifier}/acme-orderlesss",
            jsonify=True,
            paginate=True,
        )
    add_route(
        config,
        "admin:domain:focus:nginx_cache_expire",
        "/domain/{domain_identifier}/nginx-cache-expire",
        jsonify=True,
    )
    add_route(
        config,
        "admin:domain:focus:queue_certificates",
        "/domain/{domain_identifier}/queue-certificates",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:domain:focus:unique_fqdn_sets",
        "/domain/{domain_identifier}/unique-fqdn-sets",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:domain:focus:update_recents", "/domain/{domain_identifier}/update-recents", jsonify=True)
    add_route(config, "admin:domains", "/domains", jsonify=True, paginate=True)
    add_route(config, "admin:domains:challenged", "/domains/challenged", jsonify=True, paginate=True)
    add_route(config, "admin:domains:expiring", "/domains/expiring", jsonify=True, paginate=True)
    add_route(config, "admin:domains:search", "/domains/search", jsonify=True)

    # DomainAutocert (each attempt to certify a name on request, docs/Autocert.md)
    add_route(config, "admin:domain_autocerts", "/domain-autocerts", jsonify=True, paginate=True)

    # DomainBlocklisted (the blocklist, docs/Blocklist.md)
    add_route(config, "admin:domain_blocklisted:focus", "/domain-blocklisted/{@id}", jsonify=True)
    add_route(config, "admin:domain_blocklisted:focus:delete", "/domain-blocklisted/{@id}/delete", jsonify=True)
    add_route(config, "admin:domains_blocklisted", "/domains-blocklisted", jsonify=True, paginate=True)
    add_route(config, "admin:domains_blocklisted:add", "/domains-blocklisted/add", jsonify=True)

    # Notification (the outbox of webhooks and emails)
    add_route(config, "admin:notifications", "/notifications", jsonify=True, paginate=True)

    # Operations log
    add_route(config, "admin:operations", "/operations")
    add_route(config, "admin:operations:log", "/operations/log", jsonify=True, paginate=True)
    add_route(config, "admin:operations:log:focus", "/operations/log/item/{@id}", jsonify=True)
    add_route(config, "admin:operations:nginx", "/operations/nginx", jsonify=True, paginate=True)
    add_route(config, "admin:operations:object_log", "/operations/object-log", jsonify=True, paginate=True)
    add_route(config, "admin:operations:object_log:focus", "/operations/object-log/item/{@id}", jsonify=True)
    add_route(config, "admin:operations:redis", "/operations/redis", jsonify=True, paginate=True)

    # PrivateKey
    add_route(config, "admin:private_key:new", "/private-key/new", jsonify=True)
    add_route(config, "admin:private_key:upload", "/private-key/upload", jsonify=True)
    add_route(config, "admin:private_key:focus", "/private-key/{@id}", jsonify=True)
    add_route(config, "admin:private_key:focus:parse", "/private-key/{@id}/parse.json", json_only=True)
    add_route(config, "admin:private_key:focus:raw", r"/private-key/{@id}/key.{format:(key|pem|pem\.txt)}")
    add_route(
        config,
        "admin:private_key:focus:certificate_requests",
        "/private-key/{@id}/certificate-requests",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:private_key:focus:certificate_signeds",
        "/private-key/{@id}/certificate-signeds",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:private_key:focus:mark", "/private-key/{@id}/mark", jsonify=True)
    add_route(
        config,
        "admin:private_key:focus:queue_certificates",
        "/private-key/{@id}/queue-certificates",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:private_keys", "/private-keys", jsonify=True, paginate=True)

    # QueueCertificate (the renewal queue)
    add_route(config, "admin:queue_certificate:new_freeform", "/queue-certificate/new/freeform", jsonify=True)
    add_route(config, "admin:queue_certificate:new_structured", "/queue-certificate/new/structured", jsonify=True)
    add_route(config, "admin:queue_certificate:focus", "/queue-certificate/{@id}", jsonify=True)
    add_route(config, "admin:queue_certificate:focus:mark", "/queue-certificate/{@id}/mark", jsonify=True)
    add_route(config, "admin:queue_certificates", "/queue-certificates", jsonify=True)
    add_route(config, "admin:queue_certificates:all", "/queue-certificates/all", jsonify=True, paginate=True)
    add_route(config, "admin:queue_certificates:failures", "/queue-certificates/failures", jsonify=True, paginate=True)
    add_route(config, "admin:queue_certificates:process", "/queue-certificates/process", jsonify=True)
    add_route(
        config, "admin:queue_certificates:successes", "/queue-certificates/successes", jsonify=True, paginate=True
    )
    add_route(
        config, "admin:queue_certificates:unprocessed", "/queue-certificates/unprocessed", jsonify=True, paginate=True
    )

    # QueueDomain (the domain queue)
    add_route(config, "admin:queue_domain:focus", "/queue-domain/{@id}", jsonify=True)
    add_route(config, "admin:queue_domain:focus:mark", "/queue-domain/{@id}/mark", jsonify=True)
    add_route(config, "admin:queue_domains", "/queue-domains", jsonify=True, paginate=True)
    add_route(config, "admin:queue_domains:add", "/queue-domains/add", jsonify=True)
    add_route(config, "admin:queue_domains:all", "/queue-domains/all", jsonify=True, paginate=True)
    add_route(config, "admin:queue_domains:process", "/queue-domains/process", jsonify=True)

    # RootStore and RootStoreVersion (trust stores; docs/Chains.md)
    add_route(config, "admin:root_store:focus", "/root-store/{@id}", jsonify=True)
    add_route(config, "admin:root_store_version:focus", "/root-store-version/{@id}", jsonify=True)
    add_route(config, "admin:root_stores", "/root-stores", jsonify=True, paginate=True)

    # UniqueFQDNSet
    add_route(config, "admin:unique_fqdn_set:new", "/unique-fqdn-set/new", jsonify=True)
    add_route(config, "admin:unique_fqdn_set:focus", "/unique-fqdn-set/{@id}", jsonify=True)
    add_route(
        config,
        "admin:unique_fqdn_set:focus:acme_orders",
        "/unique-fqdn-set/{@id}/acme-orders",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:unique_fqdn_set:focus:calendar", "/unique-fqdn-set/{@id}/calendar.json", json_only=True)
    add_route(
        config,
        "admin:unique_fqdn_set:focus:certificate_requests",
        "/unique-fqdn-set/{@id}/certificate-requests",
        jsonify=True,
        paginate=True,
    )
    add_route(
        config,
        "admin:unique_fqdn_set:focus:certificate_signeds",
        "/unique-fqdn-set/{@id}/certificate-signeds",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:unique_fqdn_set:focus:modify", "/unique-fqdn-set/{@id}/modify", jsonify=True)
    add_route(
        config,
        "admin:unique_fqdn_set:focus:queue_certificates",
        "/unique-fqdn-set/{@id}/queue-certificates",
        jsonify=True,
        paginate=True,
    )
    add_route(config, "admin:unique_fqdn_set:focus:update_recents", "/unique-fqdn-set/{@id}/update-recents", jsonify=True)
    add_route(config, "admin:unique_fqdn_sets", "/unique-fqdn-sets", jsonify=True, paginate=True)


def acme_orderless_routes(config):
    """The ACME-flow tool's routes (the 2021 paths and names), under the admin prefix."""
    add_route(config, "admin:acme_orderless:new", "/acme-orderless/new", jsonify=True)
    add_route(config, "admin:acme_orderless:focus", "/acme-orderless/{@id}", jsonify=True)
    add_route(
        config,
        "admin:acme_orderless:focus:acme_challenge",
        r"/acme-orderless/{@id}/acme-challenge/{id_challenge:\d+}",
        jsonify=True,
    )
    add_route(config, "admin:acme_orderless:focus:add_challenge", "/acme-orderless/{@id}/add-challenge", jsonify=True)
    add_route(config, "admin:acme_orderless:focus:deactivate", "/acme-orderless/{@id}/deactivate", jsonify=True)
    add_route(config, "admin:acme_orderless:focus:update", "/acme-orderless/{@id}/update", jsonify=True)
    add_route(config, "admin:acme_orderlesss", "/acme-orderlesss", jsonify=True, paginate=True)
