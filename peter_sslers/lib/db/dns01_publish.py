"""The one entry point through which an order publishes its dns-01 records (docs/Dns01.md,
"How an order publishes dns-01 records").

Two methods publish the TXT record ``_acme-challenge.<name>`` of a dns-01 challenge:

* **acme-dns** (``lib.db.acme_dns``): the name has an active acme-dns account; the value is
  written through the account's server (``POST /update``) into its ``fulldomain``, to which the
  operator's CNAME ``_acme-challenge.<name>`` points;
* **RFC 2136** (``lib.db.dns_backends``): an active DNS backend's zone encloses the name; the
  value is added to ``_acme-challenge.<name>`` by a TSIG-signed dynamic update.

The choice rule (``publisher_for_name``): an acme-dns account for the name wins over an RFC 2136
backend. The account is configured for that one name, a backend for a whole zone: the more
specific configuration wins. And an account exists because the operator delegated
``_acme-challenge.<name>`` with a CNAME; a TXT record added by RFC 2136 beside that CNAME would
never be served (a CNAME owns its name), so the backend could not answer for the name anyway.
A name with neither is refused with ``errors.InvalidRequest(field="domain_names_dns01")``.

What the order flow calls:

* ``publish_all(ctx, [(domain_name, key_authorization), ...])``: choose a method for every name
  (nothing is written when one has none), publish each, wait until each value is visible at the
  authoritative servers, and return the :class:`Published` handles; on any failure, everything
  published so far is withdrawn again before the error is raised (no record is left behind);
* after the CA has validated (or failed to): ``withdraw_all(handles)`` (never raises).

``publisher_for_name`` and ``publish`` are the single-name steps.
"""

import dataclasses
import logging
import time
from typing import Callable
from typing import List
from typing import Optional
from typing import Sequence
from typing import Tuple

from ...model.objects import AcmeDnsServerAccount
from ...model.objects import DnsBackendRfc2136
from .. import dns01
from .. import errors
from ..http01_check import parse_resolver
from . import acme_dns as db_acme_dns
from . import dns_backends

log = logging.getLogger(__name__)

METHOD_ACME_DNS = "acme-dns"
METHOD_RFC2136 = "rfc2136"
FIELD = "domain_names_dns01"
# acme-dns keeps the two newest values of an account's fulldomain: a name and its wildcard
ACME_DNS_VALUES_KEPT = 2


# --- choosing the method


@dataclasses.dataclass
class Publisher:
    """How one name's dns-01 record gets published: ``method`` is ``acme-dns`` (with
    ``acme_dns_account``) or ``rfc2136`` (with ``dns_backend``)."""

    method: str
    domain_name: str
    record_name: str  # _acme-challenge.<base name>: what the CA asks for
    acme_dns_account: Optional[AcmeDnsServerAccount] = None
    dns_backend: Optional[DnsBackendRfc2136] = None

    def as_json(self) -> dict:
        found = {"method": self.method, "domain_name": self.domain_name, "record_name": self.record_name}
        if self.acme_dns_account is not None:
            found["acme_dns_server_account_id"] = str(self.acme_dns_account.id)
            found["fulldomain"] = self.acme_dns_account.fulldomain
        if self.dns_backend is not None:
            found["dns_backend_rfc2136_id"] = str(self.dns_backend.id)
            found["zone"] = self.dns_backend.zone
        return found


def publisher_for_name(ctx, domain_name: str) -> Publisher:
    """The method that publishes ``domain_name``'s dns-01 record (a wildcard uses its base name):
    an active acme-dns account on an active server for the name, else the active RFC 2136
    backend of the longest zone enclosing it.

    :raises errors.InvalidRequest: (field ``domain_names_dns01``) not a domain name, or neither
        method is configured for it (the message says what to configure).
    """
    with errors.for_field(FIELD):
        dbAccount = db_acme_dns.account_for_domain(ctx, domain_name)
    name = dns01.base_name(domain_name)
    display = domain_name.strip().rstrip(".").lower()
    record_name = dns01.txt_record_name(name)
    if dbAccount is not None:
        return Publisher(METHOD_ACME_DNS, display, record_name, acme_dns_account=dbAccount)
    dbBackend = dns_backends.backend_for_name(ctx, name)
    if dbBackend is not None:
        return Publisher(METHOD_RFC2136, display, record_name, dns_backend=dbBackend)
    raise errors.InvalidRequest(
        "No dns-01 method is configured for `%s`: register an acme-dns account for `%s` (acme-dns server, "
        "ensure-domains) and create its CNAME `%s`, or add an active DNS backend (RFC 2136) for a zone "
        "enclosing `%s`." % (display, name, record_name, name),
        field=FIELD,
    )


# --- one published record


@dataclasses.dataclass
class Published:
    """A dns-01 value published for one name: wait for it, then withdraw it.

    ``visible_name`` is the name whose TXT the wait checks: ``record_name`` for RFC 2136, the
    account's ``fulldomain`` for acme-dns (the CA reaches it through the operator's CNAME).
    """

    method: str
    domain_name: str
    record_name: str
    value: str
    visible_name: str
    acme_dns_server_account_id: Optional[int] = None
    dns_backend_rfc2136_id: Optional[int] = None
    # rfc2136: the backend's handle (wait and delete through it)
    _txt: Optional[dns_backends.PublishedTxt] = dataclasses.field(default=None, repr=False)
    # acme-dns: where to check visibility (None: the zone of visible_name, found via DNS)
    _zone: Optional[str] = None
    _nameservers: Optional[Tuple[Tuple[str, int], ...]] = None
    _resolver: Optional[Tuple[Tuple[str, int], ...]] = None
    withdrawn: bool = False

    def wait_visible(
        self, timeout: float = dns01.VISIBLE_TIMEOUT, interval: float = dns01.VISIBLE_INTERVAL, **kw
    ) -> dns01.Visibility:
        """Wait until every authoritative server of the zone answers the value (``dns01.wait_visible``;
        ``kw`` passes ``clock``, ``sleep``, ``query_timeout``).

        :raises errors.DnsNotVisible: the deadline passed. :raises errors.DnsError: the servers
            could not be found or asked.
        """
        if self._txt is not None:
            return self._txt.wait_visible(timeout=timeout, interval=interval, **kw)
        return dns01.wait_visible(
            self.visible_name,
            self.value,
            zone=self._zone,
            nameservers=list(self._nameservers) if self._nameservers else None,
            resolver=list(self._resolver) if self._resolver else None,
            timeout=timeout,
            interval=interval,
            **kw,
        )

    def withdraw(self) -> None:
        """RFC 2136: delete this one value (the name's other values stay). acme-dns: nothing to do
        (it has no delete; it keeps the two newest values and the next update replaces the older).

        :raises errors.DnsError: the delete failed.
        """
        if self._txt is not None and not self.withdrawn:
            self._txt.withdraw()
        self.withdrawn = True

    def as_json(self) -> dict:
        found = {
            "method": self.method,
            "domain_name": self.domain_name,
            "record_name": self.record_name,
            "value": self.value,
            "visible_name": self.visible_name,
            "withdrawn": self.withdrawn,
        }
        if self.acme_dns_server_account_id is not None:
            found["acme_dns_server_account_id"] = str(self.acme_dns_server_account_id)
        if self.dns_backend_rfc2136_id is not None:
            found["dns_backend_rfc2136_id"] = str(self.dns_backend_rfc2136_id)
        return found


def _acme_dns_visibility(ctx, fulldomain: str) -> dict:
    """Where the wait asks for an acme-dns ``fulldomain``: the authoritative servers of the zone
    holding it. An active RFC 2136 backend whose zone encloses ``fulldomain`` knows them (its zone
    and ``visibility_nameservers``); otherwise the zone and its NS are found through DNS, asking
    ``acme_dns_audit_resolver`` when set (else the system's resolver)."""
    dbBackend = dns_backends.backend_for_name(ctx, fulldomain)
    if dbBackend is not None:
        nameservers = tuple(dns01.parse_servers(dbBackend.visibility_nameservers or ""))
        return {"_zone": dbBackend.zone, "_nameservers": nameservers or None, "_resolver": None}
    resolver = None
    if ctx.settings.acme_dns_audit_resolver:
        resolver = (parse_resolver(ctx.settings.acme_dns_audit_resolver),)
    return {"_zone": None, "_nameservers": None, "_resolver": resolver}


def publish(
    ctx, domain_name: str, key_authorization: str, publisher: Optional[Publisher] = None, ttl: int = dns01.DEFAULT_TTL
) -> Published:
    """Publish the dns-01 value of ``key_authorization`` for ``domain_name`` through the method
    ``publisher_for_name`` chooses (or ``publisher``, chosen already). Does not wait.

    :raises errors.InvalidRequest: no method for the name; an inactive acme-dns account or server.
    :raises errors.AcmeDnsError: the acme-dns server refused the update or did not answer.
    :raises errors.DnsError: the RFC 2136 update failed.
    """
    publisher = publisher or publisher_for_name(ctx, domain_name)
    value = dns01.txt_value(key_authorization)
    if publisher.method == METHOD_ACME_DNS:
        dbAccount = publisher.acme_dns_account
        db_acme_dns.update_txt(ctx, dbAccount, value)
        fulldomain = dbAccount.fulldomain.strip().rstrip(".").lower()
        published = Published(
            METHOD_ACME_DNS,
            publisher.domain_name,
            publisher.record_name,
            value,
            fulldomain,
            acme_dns_server_account_id=dbAccount.id,
            **_acme_dns_visibility(ctx, fulldomain),
        )
    else:
        dbBackend = publisher.dns_backend
        server = dns_backends.server_for(dbBackend)
        server.add_txt(publisher.record_name, value, ttl)
        txt = dns_backends.PublishedTxt(dbBackend.id, dbBackend.zone, publisher.record_name, value, server)
        published = Published(
            METHOD_RFC2136,
            publisher.domain_name,
            publisher.record_name,
            value,
            publisher.record_name,
            dns_backend_rfc2136_id=dbBackend.id,
            _txt=txt,
        )
    log.info("dns-01: published %s for %s via %s", publisher.record_name, publisher.domain_name, publisher.method)
    return published


# --- an order's records


def withdraw_all(published: Sequence[Published]) -> List[Tuple[Published, errors.PeterSSLersError]]:
    """Withdraw every handle; a failure is logged and returned, never raised (a record left
    behind must not fail the order that published it).

    :returns: ``[(handle, error)]`` of the withdrawals that failed.
    """
    failures = []
    for handle in published:
        try:
            handle.withdraw()
        except errors.DnsError as exc:
            log.warning("dns-01: could not withdraw %s (%s): %s", handle.record_name, handle.method, exc.message)
            failures.append((handle, exc))
    return failures


def publish_all(
    ctx,
    challenges: Sequence[Tuple[str, str]],
    timeout: float = dns01.VISIBLE_TIMEOUT,
    interval: float = dns01.VISIBLE_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    **wait_kw,
) -> List[Published]:
    """Publish the dns-01 value of every ``(domain_name, key_authorization)``, then wait until
    every value is visible; ``timeout`` bounds the whole wait (all names together).

    A method is chosen for every name first: a name without one raises before anything is
    written. When a publish or a wait fails, every value published so far is withdrawn and the
    error is raised, with ``exc.withdraw_failures`` (``[(Published, error)]``) set.

    :returns: the :class:`Published` handles, in the order given: ``withdraw_all`` them once the
        CA has validated.
    :raises errors.InvalidRequest: (field ``domain_names_dns01``) no challenges, a name twice,
        a name without a method, more than two values for one acme-dns account.
    :raises errors.AcmeDnsError, errors.DnsError: publishing or the wait failed
        (``errors.DnsNotVisible``: not visible within ``timeout``).
    """
    if not challenges:
        raise errors.InvalidRequest("No dns-01 challenges to publish.", field=FIELD)
    names = [domain_name.strip().rstrip(".").lower() for domain_name, _ in challenges]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise errors.InvalidRequest("`%s` is given more than once." % "`, `".join(twice), field=FIELD)
    publishers = [publisher_for_name(ctx, domain_name) for domain_name, _ in challenges]
    per_account = {}
    for publisher in publishers:
        if publisher.acme_dns_account is not None:
            per_account.setdefault(publisher.acme_dns_account.id, []).append(publisher.domain_name)
    for account_id, account_names in per_account.items():
        if len(account_names) > ACME_DNS_VALUES_KEPT:
            raise errors.InvalidRequest(
                "acme-dns account %s keeps %d values, but %s would need %d of them in one order."
                % (account_id, ACME_DNS_VALUES_KEPT, ", ".join(account_names), len(account_names)),
                field=FIELD,
            )
    published: List[Published] = []
    try:
        for (domain_name, key_authorization), publisher in zip(challenges, publishers):
            published.append(publish(ctx, domain_name, key_authorization, publisher=publisher))
        deadline = clock() + timeout
        for handle in published:
            handle.wait_visible(timeout=max(0.0, deadline - clock()), interval=interval, clock=clock, **wait_kw)
    except Exception as exc:
        log.warning("dns-01: publishing failed (%s); withdrawing %d record(s)", type(exc).__name__, len(published))
        exc.withdraw_failures = withdraw_all(published)
        raise
    return published
