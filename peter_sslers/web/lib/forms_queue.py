"""Form schemas of the queue views (the domain queue, the certificate renewal queue).

Same rules as ``forms.py`` and ``forms_acme.py``: colander schemas, bound by
``Handler.validate``; each field's description is its API documentation.
"""

import colander

from ...model import utils as model_utils
from .forms import DOMAIN_NAMES_MAX_LENGTH
from .forms import Id
from .forms_acme import _id
from .forms_acme import _order_key_fields
from .forms_acme import _processing_strategy
from .forms_acme import _string

QUEUE_DOMAIN_MARK_ACTIONS = ("cancel",)
QUEUE_CERTIFICATE_MARK_ACTIONS = ("cancel",)
QUEUE_CERTIFICATE_SOURCES = ("AcmeOrder", "CertificateSigned", "UniqueFQDNSet")
# the most orders (items) one `process` call works through (``queues.MAX_ITEMS``)
MAX_ITEMS = 1000


def _max_items(what: str) -> colander.SchemaNode:
    return colander.SchemaNode(
        Id("a number"),
        name="max_items",
        description="How many %s this call works through at most, `queue_process_concurrency` of them at "
        "once; unset: one, answered as ever; set (1 to %s): answered with `queue_results.items`, one per %s, "
        "in the order of the queue" % (what, MAX_ITEMS, what.rstrip("s")),
        missing=None,
        validator=colander.Range(min=1, max=MAX_ITEMS),
    )


class QueueProcessItems(colander.Schema):
    """A `process` of the renewal queue (or the domain queue's API job): how many items."""

    max_items = _max_items("items")


class QueueDomainsProcessItems(colander.Schema):
    """The domain queue's API job: how many orders."""

    max_items = _max_items("orders")


class QueueDomainsAdd(colander.Schema):
    domain_names_http01 = _string(
        "domain_names_http01",
        "The domain names to queue, validated with http-01 when ordered, separated by commas: each is "
        "queued, found managed (an inactive Domain is re-activated), found queued already, or refused "
        "(blocklisted, invalid; a wildcard only in `domain_names_dns01`)",
        missing="",
        max_length=DOMAIN_NAMES_MAX_LENGTH,
    )
    domain_names_dns01 = _string(
        "domain_names_dns01",
        "The domain names to queue, validated with dns-01 when ordered, separated by commas; wildcards "
        "(`*.example.com`) only here. Each needs an RFC 2136 DNS backend for an enclosing zone or an acme-dns "
        "account (see /dns-backends-rfc2136 and /acme-dns-server-accounts)",
        missing="",
        max_length=DOMAIN_NAMES_MAX_LENGTH,
    )


class QueueDomainMark(colander.Schema):
    action = _string("action", "What to do with it", choices=QUEUE_DOMAIN_MARK_ACTIONS)


class QueueDomainsProcess(colander.Schema):
    max_domains_per_certificate = colander.SchemaNode(
        Id("a number"),
        name="max_domains_per_certificate",
        description="How many of the oldest waiting names go into the one order; default: "
        "`queue_domains_max_per_cert`; from `queue_domains_min_per_cert` to `queue_domains_max_per_cert`",
        missing=None,
        validator=colander.Range(min=1, max=100),
    )
    processing_strategy = _processing_strategy()
    acme_account_id = _id("acme_account_id", "The AcmeAccount to order with; default: the global default account")
    private_key_option, private_key_id, private_key_cycle__renewal = _order_key_fields()
    max_items = _max_items("orders")


# --- the certificate (renewal) queue


class QueueCertificateMark(colander.Schema):
    action = _string("action", "What to do with it", choices=QUEUE_CERTIFICATE_MARK_ACTIONS)


class QueueCertificateNewStructured(colander.Schema):
    queue_source = _string(
        "queue_source", "What to renew: the names of an AcmeOrder, a CertificateSigned or a UniqueFQDNSet",
        choices=QUEUE_CERTIFICATE_SOURCES,
    )
    acme_order = _id("acme_order", "With `queue_source=AcmeOrder`: the AcmeOrder id")
    certificate_signed = _id("certificate_signed", "With `queue_source=CertificateSigned`: the CertificateSigned id")
    unique_fqdn_set = _id("unique_fqdn_set", "With `queue_source=UniqueFQDNSet`: the UniqueFQDNSet id")
    acme_account_id = _id(
        "acme_account_id",
        "The AcmeAccount to renew with; default: the source's order's account (a UniqueFQDNSet: the global default)",
    )
    private_key_cycle__renewal = _string(
        "private_key_cycle__renewal",
        "How the key of the renewal's renewals is chosen; default: the source order's",
        missing=None,
        choices=model_utils.PrivateKeyCycle.OPTIONS_ACME_ORDER,
    )


class QueueCertificateNewFreeform(colander.Schema):
    domain_names_http01 = _string(
        "domain_names_http01",
        "The domain names of the certificate to queue validated with http-01, separated by commas (1 to 100 "
        "names in all, with `domain_names_dns01`)",
        missing="",
        max_length=DOMAIN_NAMES_MAX_LENGTH,
    )
    domain_names_dns01 = _string(
        "domain_names_dns01",
        "The domain names of the certificate to queue validated with dns-01, separated by commas; wildcards "
        "(`*.example.com`) only here. Each needs an RFC 2136 DNS backend for an enclosing zone or an acme-dns "
        "account (see /dns-backends-rfc2136 and /acme-dns-server-accounts)",
        missing="",
        max_length=DOMAIN_NAMES_MAX_LENGTH,
    )
    acme_account_id = _id("acme_account_id", "The AcmeAccount to order with; default: the global default account")
    private_key_option, private_key_id, private_key_cycle__renewal = _order_key_fields()


# --- coverage assurance events (issue 12)

COVERAGE_ASSURANCE_EVENT_MARK_ACTIONS = ("resolution",)


class CoverageAssuranceEventMark(colander.Schema):
    action = _string("action", "What to change", choices=COVERAGE_ASSURANCE_EVENT_MARK_ACTIONS)
    resolution = _string(
        "resolution",
        "The event's new resolution (`unresolved` reopens a resolved event; `abandoned` also stops a new "
        "event of the same type for the same subject; the focus page offers the valid ones)",
        choices=tuple(model_utils.CoverageAssuranceResolution.options()),
    )
