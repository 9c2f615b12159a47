"""Form schemas of the queue views (the domain queue).

Same rules as ``forms.py`` and ``forms_acme.py``: colander schemas, bound by
``Handler.validate``; each field's description is its API documentation.
"""

import colander

from .forms_acme import _id
from .forms_acme import _order_key_fields
from .forms_acme import _processing_strategy
from .forms_acme import _string

QUEUE_DOMAIN_MARK_ACTIONS = ("cancel",)


class QueueDomainsAdd(colander.Schema):
    domain_names_http01 = _string(
        "domain_names_http01",
        "The domain names to queue, separated by commas: each is queued, found managed (an inactive "
        "Domain is re-activated), found queued already, or refused (blocklisted, invalid)",
    )


class QueueDomainMark(colander.Schema):
    action = _string("action", "What to do with it", choices=QUEUE_DOMAIN_MARK_ACTIONS)


class QueueDomainsProcess(colander.Schema):
    max_domains_per_certificate = colander.SchemaNode(
        colander.Int(),
        name="max_domains_per_certificate",
        description="How many of the oldest waiting names go into the one order; default: "
        "`queue_domains_max_per_cert`; from `queue_domains_min_per_cert` to `queue_domains_max_per_cert`",
        missing=None,
        validator=colander.Range(min=1, max=100),
    )
    processing_strategy = _processing_strategy()
    acme_account_id = _id("acme_account_id", "The AcmeAccount to order with; default: the global default account")
    private_key_option, private_key_id, private_key_cycle__renewal = _order_key_fields()
