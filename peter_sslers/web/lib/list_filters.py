"""The query-string filters of the admin lists (docs/Admin_UI.md), read and checked in one place.

Each ``*_statement(ctx, which, params)`` turns a list's ``which`` and its query string (any
mapping: ``request.GET``, or the dashboard's own dict) into the ``lib.db`` statement of the list.
The lists call them with the request's query string; the dashboard (``views_admin/main.py``)
counts its figures with the very same call and links to the list with the same parameters, so a
figure and the list behind it always agree.

A bad value raises ``errors.InvalidRequest`` naming the parameter (HTTP 400, the HTML error page
or the JSON error envelope); parameters a list does not know are ignored (``result=``,
``operation=`` of a redirect, a browser's leftovers).
"""

import datetime
import re
from typing import Mapping
from typing import Optional

from ...lib import errors
from ...lib import utils
from ...lib.db import get
from ...lib.db import health
from ...lib.db import queues
from ...model.objects import CertificateCA
from ...model.objects import Domain
from . import forms

# the query-string values of a yes/no filter
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")

RE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(params: Mapping, name: str) -> Optional[str]:
    """The stripped value of ``name``, or None when absent or empty."""
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise errors.InvalidRequest("`%s`: expected text." % name, field=name)
    value = value.strip()
    return value or None


def parse_days(params: Mapping, name: str) -> Optional[int]:
    """``name`` as a whole number of days from 1 to 3650 (``health.validate_days``), or None."""
    value = _text(params, name)
    if value is None:
        return None
    try:
        return health.validate_days(value)
    except ValueError as exc:
        raise errors.InvalidRequest("`%s`: %s, not `%s`." % (name, exc, _shown(value)), field=name)


def parse_flag(params: Mapping, name: str) -> bool:
    value = _text(params, name)
    if value is None or value.lower() in _FALSE:
        return False
    if value.lower() in _TRUE:
        return True
    raise errors.InvalidRequest("`%s`: expected `1` (yes) or `0` (no), not `%s`." % (name, _shown(value)), field=name)


def _shown(value: str, limit: int = 40) -> str:
    """A bad value as an error message quotes it: short, without control characters."""
    value = RE_CONTROL.sub("?", value)
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


# --- CertificateSigned: /certificate-signeds/{which}?state=&expiring_days=&serving=&ca=&name=

CERTIFICATE_SIGNED_PARAMS = ("state", "expiring_days", "serving", "ca", "name")


def certificate_signed_filters(ctx, params: Mapping) -> dict:
    """The keyword filters of ``get.query__CertificateSigned`` the query string asks for.

    :raises errors.InvalidRequest: a value the filter cannot take.
    """
    filters = {}
    state = _text(params, "state")
    if state is not None:
        if state not in get.CERTIFICATE_SIGNED_STATES:
            raise errors.InvalidRequest(
                "`state`: expected one of %s, not `%s`."
                % (", ".join("`%s`" % s for s in get.CERTIFICATE_SIGNED_STATES), _shown(state)),
                field="state",
            )
        filters["state"] = state
    expiring_days = parse_days(params, "expiring_days")
    if expiring_days is not None:
        filters["expiring_days"] = expiring_days
    if parse_flag(params, "serving"):
        filters["serving"] = True
    ca = _text(params, "ca")
    if ca is not None:
        ca_id = forms.parse_id(ca)
        if ca_id is None:
            raise errors.InvalidRequest("`ca`: expected the id of a CertificateCA, not `%s`." % _shown(ca), field="ca")
        if ctx.dbsession.get(CertificateCA, ca_id) is None:
            raise errors.InvalidRequest("`ca`: there is no CertificateCA %d." % ca_id, field="ca")
        filters["certificate_ca_id"] = ca_id
    name = _text(params, "name")
    if name is not None:
        problem = forms.text_problem(name, forms.column_length(Domain.domain_name))
        if problem:
            raise errors.InvalidRequest("`name`: %s" % problem, field="name")
        # as stored: lower-case, an internationalised name as punycode (`bücher` finds xn--bcher-kva)
        filters["name"] = utils.domain_name_for_lookup(name)
    return filters


def certificate_signeds_statement(ctx, which: str, params: Mapping):
    return get.query__CertificateSigned(ctx, which, **certificate_signed_filters(ctx, params))


# --- AcmeOrder: /acme-orders/{which}?days=


def acme_orders_statement(ctx, which: str, params: Mapping):
    """``?days=N``: the orders updated (else created) within the last N days."""
    days = parse_days(params, "days")
    since = ctx.timestamp - datetime.timedelta(days=days) if days is not None else None
    return get.query__AcmeOrder(which, updated_since=since)


# --- QueueCertificate: /queue-certificates/failures?unresolved=1


def queue_certificates_statement(ctx, which: str, params: Mapping):
    """``?unresolved=1`` (the failures list only): the failed renewals the health report counts."""
    unresolved = parse_flag(params, "unresolved")
    if unresolved and which != "failures":
        raise errors.InvalidRequest("`unresolved`: only the failures list takes it.", field="unresolved")
    return queues.query__QueueCertificate(which, ctx=ctx, unresolved=unresolved)
