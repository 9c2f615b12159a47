"""The one specification of an ACME order: what an order is asked to be, in one frozen value.

An :class:`OrderSpec` carries the account, each name with its challenge type, the private key
strategy (and the specified key), the renewal key cycle, the processing strategy, the order's
type and event, and the links to what it retries or renews (the certificate it renews gives
RFC 9773's ``replaces``, computed when the order is sent). It is built

* from a form: :meth:`OrderSpec.from_form` (new order, renew custom, the queues' forms);
* from an earlier order: :meth:`OrderSpec.from_order` (retry, renew quick, renew custom);
* from a queue item: :meth:`OrderSpec.from_queue_certificate` (the renewal queue, at
  processing), :meth:`OrderSpec.from_renewal_source` (what a renewal item records),
  :meth:`OrderSpec.from_queue_domains` (the domain queue's batch, each name with the type it was
  queued with);

validated ONCE by :meth:`OrderSpec.validate` (one set of messages), and taken by
``actions_acme.place_order``. Nothing here talks to an ACME server; this module imports neither
``actions_acme`` nor ``queues`` (both import it).

dns-01: every name carries its challenge type (an order keeps its dns-01 names in
``AcmeOrder.domain_names_dns01``; retries and renewals take them from there: ``challenged_like``; a
renewal queue item keeps them in ``QueueCertificate.domain_names_dns01``, a queued domain name in
``QueueDomain.acme_challenge_type_id``). A name is in one form list only (``names_from_form``). A wildcard
name is only valid with ``dns-01``. A ``dns-01`` name needs a way to publish its TXT record: an
RFC 2136 DNS backend for an enclosing zone or an acme-dns account (``_dns01_publisher``).
"""

import dataclasses
import types
from typing import Any
from typing import Dict
from typing import Iterable
from typing import List
from typing import Mapping
from typing import Optional

import sqlalchemy as sa

from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeOrder
from ...model.objects import CertificateSigned
from ...model.objects import PrivateKey
from ...model.objects import UniqueFQDNSet
from ...model.objects import UniqueFQDNSet2Domain
from .. import errors
from .. import utils
from . import get
from .getcreate import validate_set_names

S_ORDER = model_utils.Acme_Status_Order

CHALLENGE_TYPES = ("http-01", "dns-01")
PROCESSING_STRATEGIES = ("create_order", "process_single", "process_multi")
PRIVATE_KEY_STRATEGIES = ("specified", "deferred-generate", "deferred-associate")
# the forms' `private_key_option` -> the private key strategy
PRIVATE_KEY_OPTIONS = {
    "private_key_for_account_key": "deferred-associate",
    "private_key_generate": "deferred-generate",
    "private_key_existing": "specified",
}
# a form's field of the names of each challenge type
NAMES_FIELDS = {"http-01": "domain_names_http01", "dns-01": "domain_names_dns01"}
# the messages of the names' rules (``check_challenged_name``, ``check_dns01_publishers``)
BOTH_TYPES = "%s is given for both http-01 and dns-01."
WILDCARD_DNS01_ONLY = "A wildcard name (%s) can only be validated with dns-01."
DNS01_NEEDS_PUBLISHER = (
    "dns-01 for %s needs a DNS backend (RFC 2136) for an enclosing zone or an acme-dns account for the name."
)


def challenged_by(names: Iterable[str], dns01_names: Iterable[str]) -> Dict[str, str]:
    """Each of ``names``: ``dns-01`` when it is among ``dns01_names`` or a wildcard (the only type
    a wildcard can have), else ``http-01``."""
    dns01 = set(dns01_names)
    return {n: ("dns-01" if (n in dns01 or n.startswith("*.")) else "http-01") for n in names}


def challenged_like(names: Iterable[str], dbOrder: Optional[AcmeOrder]) -> Dict[str, str]:
    """Each of ``names`` with the challenge type ``dbOrder`` used for it (``AcmeOrder.
    domain_names_dns01``); a name the order does not say: ``dns-01`` for a wildcard (the only type
    it can have), else ``http-01``. Retries, renewals and the renewal queue keep the types so."""
    return challenged_by(names, dbOrder.domains_dns01 if dbOrder is not None else ())


def names_from_form(values: Mapping[str, Any]) -> Dict[str, str]:
    """The names of a form's ``domain_names_http01`` and ``domain_names_dns01`` (each split on
    commas and whitespace), each with its list's challenge type, as given (``OrderSpec.validate``
    normalises them).

    :raises errors.InvalidRequest: (on ``domain_names``) a name in both lists.
    """
    domains: Dict[str, str] = {}
    for challenge_type, field in NAMES_FIELDS.items():
        for name in utils.split_domain_names(values.get(field) or ""):
            if domains.get(name, challenge_type) != challenge_type:
                raise errors.InvalidRequest(BOTH_TYPES % name.strip().lower().rstrip("."), field="domain_names")
            domains[name] = challenge_type
    return domains


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return types.MappingProxyType(dict(mapping))


@dataclasses.dataclass(frozen=True)
class OrderSpec:
    """What an order is asked to be. Build it with a ``from_*`` constructor, check it with
    :meth:`validate` (which returns the validated, normalised copy), hand it to
    ``actions_acme.place_order``."""

    dbAccount: Optional[AcmeAccount]
    # name -> challenge type ("http-01", "dns-01"), in order (sorted once validated)
    domains_challenged: Mapping[str, str] = dataclasses.field(default_factory=dict)
    processing_strategy: str = "process_single"
    private_key_strategy: str = "deferred-associate"
    # the key of `specified`; once validated, the placeholder key (id 0) for the deferred strategies
    dbPrivateKey: Optional[PrivateKey] = None
    private_key_cycle__renewal: str = model_utils.PrivateKeyCycle.DEFAULT_ACME_ORDER
    order_type: str = "ACME Automated (New)"
    event: str = "AcmeOrder_New_Automated"
    acme_order_id__retry_of: Optional[int] = None
    acme_order_id__renewal_of: Optional[int] = None
    # the certificate this order renews: RFC 9773 `replaces` is its ARI id (when the server has ARI)
    certificate_signed_id__renewal_of: Optional[int] = None
    # set by `validate`: "" (not validated), "choices" (all but the names), "all"
    validated: str = dataclasses.field(default="", compare=False)

    def __post_init__(self):
        if not isinstance(self.domains_challenged, types.MappingProxyType):
            object.__setattr__(self, "domains_challenged", _frozen(self.domains_challenged or {}))

    # --- reading

    @property
    def domain_names(self) -> List[str]:
        return list(self.domains_challenged)

    def names_for(self, challenge_type: str) -> List[str]:
        """The names validated by ``challenge_type`` (the http-01 self-check probes these only)."""
        return [n for n, c in self.domains_challenged.items() if c == challenge_type]

    def replace(self, **changes) -> "OrderSpec":
        """A copy with ``changes``; not validated (a changed spec is checked again)."""
        changes.setdefault("validated", "")
        return dataclasses.replace(self, **changes)

    # --- constructors

    @classmethod
    def from_names(cls, dbAccount, domain_names: Iterable[str], challenge_type: str = "http-01", **fields) -> "OrderSpec":
        """Every name with one challenge type (the library callers' and the tests' shape)."""
        return cls(dbAccount, {n: challenge_type for n in domain_names}, **fields)

    @classmethod
    def from_form(
        cls,
        ctx,
        values: Mapping[str, Any],
        default_account: Optional[AcmeAccount] = None,
        with_names: bool = True,
        **fields,
    ) -> "OrderSpec":
        """From a parsed admin form (``web/lib/forms_acme``, ``forms_queue``): ``acme_account_id``
        (default: ``default_account``, else the global default account), ``private_key_option`` and
        ``private_key_id``, ``private_key_cycle__renewal``, ``processing_strategy`` and, with
        ``with_names``, ``domain_names_http01`` (and ``domain_names_dns01`` when the form has it:
        ``names_from_form``). ``fields`` sets the rest (order type, event, links).

        :raises errors.InvalidRequest: (on the form's field) an unknown account or key, an account
            on a server not enabled here, a missing key id; (on ``domain_names``) a name in both
            lists.
        """
        dbAccount = resolve_account(ctx, values.get("acme_account_id"), default=default_account)
        private_key_strategy, dbPrivateKey = resolve_private_key(ctx, values)
        domains = names_from_form(values) if with_names else {}
        if values.get("processing_strategy") is not None:
            fields.setdefault("processing_strategy", values["processing_strategy"])
        if values.get("private_key_cycle__renewal") is not None:
            fields.setdefault("private_key_cycle__renewal", values["private_key_cycle__renewal"])
        return cls(dbAccount, domains, private_key_strategy=private_key_strategy, dbPrivateKey=dbPrivateKey, **fields)

    @classmethod
    def from_order(
        cls,
        ctx,
        dbOrder: AcmeOrder,
        kind: str = "retry",
        processing_strategy: Optional[str] = None,
        values: Optional[Mapping[str, Any]] = None,
    ) -> "OrderSpec":
        """A new order for an earlier order's names: ``retry`` (everything as the order),
        ``renew_quick`` (its account and key choice, ``processing_strategy``), ``renew_custom``
        (the form ``values`` choose the account (default: the order's), the key and the cycle)."""
        names = dbOrder.unique_fqdn_set.domains_as_list
        strategy = dbOrder.private_key_strategy__requested
        base = cls(
            dbOrder.acme_account,
            challenged_like(names, dbOrder),
            processing_strategy=processing_strategy or dbOrder.acme_order_processing_strategy,
            private_key_strategy=strategy,
            dbPrivateKey=dbOrder.private_key__requested if strategy == "specified" else None,
            private_key_cycle__renewal=dbOrder.private_key_cycle__renewal,
        )
        if kind == "retry":
            return base.replace(
                order_type="ACME Automated (Retry)", event="AcmeOrder_New_Retry", acme_order_id__retry_of=dbOrder.id
            )
        links = {"acme_order_id__renewal_of": dbOrder.id, "certificate_signed_id__renewal_of": dbOrder.certificate_signed_id}
        if kind == "renew_quick":
            return base.replace(order_type="ACME Automated (Renew Quick)", event="AcmeOrder_Renew_Quick", **links)
        if kind == "renew_custom":
            custom = cls.from_form(ctx, values or {}, default_account=dbOrder.acme_account, with_names=False)
            return base.replace(
                dbAccount=custom.dbAccount,
                private_key_strategy=custom.private_key_strategy,
                dbPrivateKey=custom.dbPrivateKey,
                private_key_cycle__renewal=(values or {}).get("private_key_cycle__renewal")
                or dbOrder.private_key_cycle__renewal,
                order_type="ACME Automated (Renew Custom)",
                event="AcmeOrder_Renew_Custom",
                **links,
            )
        raise ValueError(kind)

    @classmethod
    def from_renewal_source(
        cls,
        ctx,
        dbSource,
        dbSet: UniqueFQDNSet,
        dbAccount: Optional[AcmeAccount] = None,
        private_key_strategy: Optional[str] = None,
        dbPrivateKey: Optional[PrivateKey] = None,
        private_key_cycle__renewal: Optional[str] = None,
    ) -> "OrderSpec":
        """What a renewal queue item records for ``dbSource`` (an AcmeOrder, a CertificateSigned
        or a UniqueFQDNSet): what is not given comes from the source's order (its account, its
        cycle, its specified key while it can sign, else ``deferred-associate``)."""
        dbOrder = dbSource if isinstance(dbSource, AcmeOrder) else (
            dbSource.acme_order if isinstance(dbSource, CertificateSigned) else None
        )
        if dbAccount is None and dbOrder is not None:
            dbAccount = dbOrder.acme_account
        if private_key_strategy is None:
            private_key_strategy, dbPrivateKey = "deferred-associate", None
            if dbOrder is not None and dbOrder.private_key_strategy__requested == "specified":
                dbKey = dbOrder.private_key__requested
                if dbKey is not None and dbKey.can_key_sign:
                    private_key_strategy, dbPrivateKey = "specified", dbKey
        if private_key_cycle__renewal is None:
            private_key_cycle__renewal = (
                dbOrder.private_key_cycle__renewal if dbOrder is not None else model_utils.PrivateKeyCycle.DEFAULT_ACME_ORDER
            )
        return cls(
            dbAccount,
            challenged_like(dbSet.domains_as_list, dbOrder),
            private_key_strategy=private_key_strategy,
            dbPrivateKey=dbPrivateKey,
            private_key_cycle__renewal=private_key_cycle__renewal,
            order_type="Queue - Certificate Renewal",
            event="QueueCertificate__process",
        )

    @classmethod
    def from_queue_certificate(cls, ctx, dbQueue) -> "OrderSpec":
        """The order of a renewal queue item: its account, names, key strategy (a specified key
        compromised or deactivated since falls back to the account's cycle) and renewal cycle,
        linked to the order and certificate it renews. Each name's challenge type: the one of the
        order it renews (``challenged_like``), else the one the item recorded
        (``QueueCertificate.domain_names_dns01``: a freeform item's dns-01 names)."""
        private_key_strategy = dbQueue.private_key_strategy__requested
        dbPrivateKey = dbQueue.private_key if private_key_strategy == "specified" else None
        if private_key_strategy == "specified" and (dbPrivateKey is None or not dbPrivateKey.can_key_sign):
            private_key_strategy, dbPrivateKey = "deferred-associate", None
        dbSourceCertificate = dbQueue.certificate_signed__source
        dbSourceOrder = dbQueue.acme_order__source or (dbSourceCertificate.acme_order if dbSourceCertificate else None)
        names = dbQueue.unique_fqdn_set.domains_as_list
        if dbSourceOrder is not None:
            challenged = challenged_like(names, dbSourceOrder)
        else:
            challenged = challenged_by(names, dbQueue.domains_dns01)
        return cls(
            dbQueue.acme_account,
            challenged,
            processing_strategy="process_single",
            private_key_strategy=private_key_strategy,
            dbPrivateKey=dbPrivateKey,
            private_key_cycle__renewal=dbQueue.private_key_cycle__renewal,
            order_type="Queue - Certificate Renewal",
            event="QueueCertificate__process",
            acme_order_id__renewal_of=dbSourceOrder.id if dbSourceOrder is not None else None,
            certificate_signed_id__renewal_of=(
                dbSourceCertificate.id
                if dbSourceCertificate is not None
                else (dbSourceOrder.certificate_signed_id if dbSourceOrder is not None else None)
            ),
        )

    @classmethod
    def from_queue_domains(cls, ctx, names, template: "OrderSpec") -> "OrderSpec":
        """The domain queue's batch: ``template``'s choices (a spec without names, checked with
        ``validate(ctx, names=False)`` before the rows were taken) for the taken names: a mapping
        of each name to the challenge type it was queued with (``QueueDomain.acme_challenge_type``),
        or names (``challenged_by``: a wildcard dns-01, the rest http-01)."""
        challenged = dict(names) if isinstance(names, Mapping) else challenged_by(names, ())
        return template.replace(domains_challenged=challenged, order_type="Queue - Domains", event="QueueDomain__process")

    # --- the one validation

    def validate(self, ctx, names: bool = True) -> "OrderSpec":
        """Check everything an order needs from its choices, with the one set of messages, and
        return the validated copy (names normalised and sorted; the placeholder key (id 0) for
        the deferred key strategies). ``names=False`` checks all but the names (the domain
        queue, before it takes names; a renewal item, whose set exists already).

        Not checked here, because they are conditions of the moment an order is sent, not of the
        choices: competing orders (``block_competing_challenges``), the rate limits, the http-01
        self-check (``actions_acme.place_order`` does these).

        :raises errors.InvalidRequest: on the field of the form that chose it.
        """
        if self.validated == "all" or (self.validated == "choices" and not names):
            return self
        if self.processing_strategy not in PROCESSING_STRATEGIES:
            raise errors.InvalidRequest(
                "`processing_strategy` must be one of: %s." % ", ".join(PROCESSING_STRATEGIES), field="processing_strategy"
            )
        if self.private_key_strategy not in PRIVATE_KEY_STRATEGIES:
            raise errors.InvalidRequest(
                "The private key strategy must be one of: %s." % ", ".join(PRIVATE_KEY_STRATEGIES),
                field="private_key_option",
            )
        cycles = model_utils.PrivateKeyCycle.OPTIONS_ACME_ORDER
        if self.private_key_cycle__renewal not in cycles:
            raise errors.InvalidRequest(
                "`private_key_cycle__renewal` must be one of: %s." % ", ".join(cycles), field="private_key_cycle__renewal"
            )
        if self.dbAccount is None:
            raise errors.InvalidRequest(
                "There is no ACME account for this order: choose one with `acme_account_id`.", field="acme_account_id"
            )
        if not self.dbAccount.is_usable:
            raise errors.InvalidRequest("The ACME account %s is not active." % self.dbAccount.id, field="acme_account_id")
        dbPrivateKey = self.dbPrivateKey
        if self.private_key_strategy == "specified":
            if dbPrivateKey is not None and dbPrivateKey.is_compromised:
                raise errors.InvalidRequest(
                    "The private key %s is compromised (revoked with keyCompromise, or marked): no order uses it "
                    "again. Choose another key." % dbPrivateKey.id,
                    field="private_key_id",
                )
            if dbPrivateKey is None or not dbPrivateKey.can_key_sign:
                raise errors.InvalidRequest("Choose an active private key.", field="private_key_id")
        else:
            dbPrivateKey = ctx.dbsession.get(PrivateKey, 0)  # the placeholder: the key is chosen at finalize
        changes: Dict[str, Any] = {"dbPrivateKey": dbPrivateKey, "validated": "choices"}
        if names:
            changes["domains_challenged"] = _validate_names(ctx, self.domains_challenged)
            changes["validated"] = "all"
        return dataclasses.replace(self, **changes)


def _validate_names(ctx, domains_challenged: Mapping[str, str]) -> Mapping[str, str]:
    """The names, normalised, sorted; each with a known challenge type; a wildcard only with
    dns-01; a dns-01 name only with a way to publish its record; the set's own rules
    (``getcreate.validate_set_names``: at least one, at most 100, none blocklisted).
    Errors are on ``domain_names`` (the web forms name it after the challenge type)."""
    field = "domain_names"
    normalised: Dict[str, str] = {}
    for name, challenge_type in domains_challenged.items():
        canonical = check_challenged_name(name, challenge_type, field=field)
        if normalised.get(canonical, challenge_type) != challenge_type:
            raise errors.InvalidRequest(BOTH_TYPES % canonical, field=field)
        normalised[canonical] = challenge_type
    names = validate_set_names(ctx, list(normalised), allow_wildcard=True, field=field)
    check_dns01_publishers(ctx, [name for name in names if normalised[name] == "dns-01"], field=field)
    return _frozen({name: normalised[name] for name in names})


def check_challenged_name(name: str, challenge_type: str, field: str = "domain_names") -> str:
    """One name's own rules: a known challenge type, a valid name, a wildcard only with dns-01.
    The domain queue checks each name it is given with these (it keeps a result per name).

    :returns: the canonical name.
    :raises errors.InvalidRequest: (on ``field``) as said.
    """
    if challenge_type not in CHALLENGE_TYPES:
        raise errors.InvalidRequest(
            "`%s` is not a challenge type; one of: %s." % (challenge_type, ", ".join(CHALLENGE_TYPES)), field=field
        )
    with errors.for_field(field):
        canonical = utils.validate_domain_name(name, allow_wildcard=True)
    if canonical.startswith("*.") and challenge_type != "dns-01":
        raise errors.InvalidRequest(WILDCARD_DNS01_ONLY % canonical, field=field)
    return canonical


def check_dns01_publishers(ctx, dns01_names: Iterable[str], field: str = "domain_names") -> None:
    """Every dns-01 name has a way to publish its TXT record (``_dns01_publisher``).

    :raises errors.InvalidRequest: (on ``field``) the first name without one.
    """
    for name in dns01_names:
        if not _dns01_publisher(ctx, name):
            raise errors.InvalidRequest(DNS01_NEEDS_PUBLISHER % name, field=field)


def _dns01_publisher(ctx, domain_name: str) -> bool:
    """The hook of dns-01: is there a way to publish the TXT record of ``domain_name``? An active
    RFC 2136 backend of an enclosing zone, or an active acme-dns account for the (base) name."""
    from . import acme_dns  # noqa: local: only dns-01 specs need it
    from . import dns_backends

    return dns_backends.backend_for_name(ctx, domain_name) is not None or acme_dns.account_for_domain(ctx, domain_name) is not None


# --- what the constructors resolve


def resolve_account(ctx, acme_account_id: Optional[int], default: Optional[AcmeAccount] = None) -> AcmeAccount:
    """The account asked for, or ``default``, or the global default account, on an enabled server.

    :raises errors.InvalidRequest: (on ``acme_account_id``) unknown, none at all.
    :raises errors.InvalidTransition: (on ``acme_account_id``) its ACME server is not enabled here.
    """
    if acme_account_id is not None:
        dbAccount = ctx.dbsession.get(AcmeAccount, acme_account_id)
        if dbAccount is None:
            raise errors.InvalidRequest("There is no ACME account %s." % acme_account_id, field="acme_account_id")
    else:
        dbAccount = default or get.get__AcmeAccount__global_default(ctx)
        if dbAccount is None:
            raise errors.InvalidRequest(
                "There is no global default ACME account: choose one with `acme_account_id`, or make an "
                "account the global default (its mark action `global_default`).",
                field="acme_account_id",
            )
    dbProvider = dbAccount.acme_account_provider
    if not dbProvider.is_enabled:
        raise errors.InvalidTransition(
            "The ACME server `%s` is not enabled (see `certificate_authority` and "
            "`certificate_authorities_enable`)." % dbProvider.name,
            field="acme_account_id",
        )
    return dbAccount


def resolve_private_key(ctx, values: Mapping[str, Any]):
    """``(private key strategy, PrivateKey or None)`` from a form's ``private_key_option`` /
    ``private_key_id``.

    :raises errors.InvalidRequest: (on ``private_key_id``) missing or unknown.
    """
    option = values.get("private_key_option") or "private_key_for_account_key"
    if option not in PRIVATE_KEY_OPTIONS:
        raise errors.InvalidRequest(
            "`private_key_option` must be one of: %s." % ", ".join(PRIVATE_KEY_OPTIONS), field="private_key_option"
        )
    strategy = PRIVATE_KEY_OPTIONS[option]
    if strategy != "specified":
        return strategy, None
    if values.get("private_key_id") is None:
        raise errors.InvalidRequest("Required with `private_key_option=private_key_existing`.", field="private_key_id")
    dbPrivateKey = ctx.dbsession.get(PrivateKey, values["private_key_id"])
    if dbPrivateKey is None:
        raise errors.InvalidRequest("There is no private key %s." % values["private_key_id"], field="private_key_id")
    return strategy, dbPrivateKey


def blocking_orders(ctx, domain_ids: List[int], exclude_order_id: Optional[int] = None) -> List[AcmeOrder]:
    """Orders still being processed (pending on the server) that cover any of these domains:
    a new order for them would compete for the same challenges."""
    statement = (
        sa.select(AcmeOrder)
        .join(UniqueFQDNSet2Domain, UniqueFQDNSet2Domain.unique_fqdn_set_id == AcmeOrder.unique_fqdn_set_id)
        .where(
            UniqueFQDNSet2Domain.domain_id.in_(domain_ids),
            AcmeOrder.is_processing.is_(True),
            AcmeOrder.acme_status_order_id.in_(S_ORDER.IDS_BLOCKING),
        )
        .distinct()
    )
    if exclude_order_id is not None:
        statement = statement.where(AcmeOrder.id != exclude_order_id)
    return ctx.dbsession.scalars(statement).all()


__all__ = [
    "CHALLENGE_TYPES",
    "OrderSpec",
    "PRIVATE_KEY_OPTIONS",
    "PRIVATE_KEY_STRATEGIES",
    "PROCESSING_STRATEGIES",
    "blocking_orders",
    "challenged_by",
    "challenged_like",
    "check_challenged_name",
    "check_dns01_publishers",
    "names_from_form",
    "resolve_account",
    "resolve_private_key",
]
