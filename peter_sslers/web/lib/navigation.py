"""The admin navigation: its sections, and which one the current page belongs to.

The layout (``templates/admin/layout.mako``) draws ``NAVIGATION`` and marks the current section
with ``aria-current="page"`` and the ``current`` class; a page belongs to the section of its
route's object (``admin:domain:focus:acme_orders`` is under Domains, its object being `domain`).
"""

from typing import Optional

# (section, route of its link, label, the route objects it covers)
NAVIGATION = (
    (
        "domains",
        "admin:domains",
        "Domains",
        ("domain", "domains", "domain_blocklisted", "domains_blocklisted", "domain_autocerts"),
    ),
    (
        "orders",
        "admin:acme_orders",
        "Orders",
        (
            "acme_order",
            "acme_orders",
            "acme_authorization",
            "acme_authorizations",
            "acme_challenge",
            "acme_challenges",
            "acme_challenge_polls",
            "acme_event_log",
            "acme_event_logs",
            "acme_orderless",
            "acme_orderlesss",
        ),
    ),
    (
        "accounts",
        "admin:acme_accounts",
        "Accounts",
        (
            "acme_account",
            "acme_accounts",
            "acme_account_key",
            "acme_account_keys",
            "acme_account_providers",
            "acme_dns_server",
            "acme_dns_servers",
            "acme_dns_server_account",
            "acme_dns_server_accounts",
            "dns_backend_rfc2136",
            "dns_backend_rfc2136s",
        ),
    ),
    (
        "certificates",
        "admin:certificate_signeds",
        "Certificates",
        ("certificate", "certificate_signed", "certificate_signeds", "certificate_request", "certificate_requests"),
    ),
    ("keys", "admin:private_keys", "Keys", ("private_key", "private_keys")),
    (
        "cas",
        "admin:certificate_cas",
        "CAs",
        (
            "certificate_ca",
            "certificate_cas",
            "certificate_ca_chain",
            "certificate_ca_chains",
            "root_store",
            "root_stores",
            "root_store_version",
        ),
    ),
    ("sets", "admin:unique_fqdn_sets", "Sets", ("unique_fqdn_set", "unique_fqdn_sets")),
    ("queue", "admin:queue_domains", "Queue", ("queue_domain", "queue_domains")),
    ("renewals", "admin:queue_certificates", "Renewals", ("queue_certificate", "queue_certificates")),
    (
        "coverage",
        "admin:coverage_assurance_events:unresolved",
        "Coverage",
        ("coverage_assurance_event", "coverage_assurance_events", "notifications"),
    ),
    ("search", "admin:search", "Search", ("search",)),
    ("operations", "admin:operations:log", "Operations", ("operations",)),
    ("api", "admin:api", "API", ("api",)),
    ("settings", "admin:settings", "Settings", ("settings",)),
    ("help", "admin:help", "Help", ("help",)),
)

_SECTION_OF_OBJECT = {obj: section for section, _route, _label, objects in NAVIGATION for obj in objects}


def route_object(route_name: str) -> Optional[str]:
    """The object a route is about: ``admin:domain:focus|json`` -> ``domain``; None for the index."""
    name = route_name.split("|", 1)[0]
    parts = name.split(":")
    if len(parts) < 2 or parts[0] != "admin":
        return None
    obj = parts[1]
    if obj.endswith("_paginated"):
        obj = obj[: -len("_paginated")]
    return obj


def current_section(request) -> Optional[str]:
    """The navigation section of the page being rendered, or None (the index, an error page)."""
    route = getattr(request, "matched_route", None)
    if route is None:
        return None
    obj = route_object(route.name)
    if obj is None:
        return None
    return _SECTION_OF_OBJECT.get(obj)
