"""Read-only queries. Paged lists come in pairs: ``*__count`` and ``*__paginated``."""

import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeAccountKey
from ...model.objects import AcmeAccountProvider
from ...model.objects import AcmeAuthorization
from ...model.objects import AcmeChallenge
from ...model.objects import AcmeChallengePoll
from ...model.objects import AcmeEventLog
from ...model.objects import AcmeOrder
from ...model.objects import AcmeOrder2AcmeAuthorization
from ...model.objects import AcmeOrderless
from ...model.objects import AcmeOrderlessChallenge
from ...model.objects import CertificateCA
from ...model.objects import CertificateCAChain
from ...model.objects import CertificateRequest
from ...model.objects import CertificateSigned
from ...model.objects import CertificateSignedChain
from ...model.objects import Domain
from ...model.objects import DomainBlocklisted
from ...model.objects import OperationsEvent
from ...model.objects import OperationsObjectEvent
from ...model.objects import PrivateKey
from ...model.objects import QueueDomain
from ...model.objects import UniqueFQDNSet
from ...model.objects import UniqueFQDNSet2Domain
from ...model.objects import pem_md5
from .. import utils
from . import validate


# --- AcmeAccountProvider


def get__AcmeAccountProviders(ctx):
    return ctx.dbsession.scalars(sa.select(AcmeAccountProvider).order_by(AcmeAccountProvider.id)).all()


def get__AcmeAccountProvider__by_name(ctx, name: str) -> Optional[AcmeAccountProvider]:
    return ctx.dbsession.scalars(sa.select(AcmeAccountProvider).where(AcmeAccountProvider.name == name)).first()


def get__AcmeAccountProvider__default(ctx) -> Optional[AcmeAccountProvider]:
    return ctx.dbsession.scalars(
        sa.select(AcmeAccountProvider).where(AcmeAccountProvider.is_default.is_(True))
    ).first()


# --- AcmeAccount


def get__AcmeAccount__global_default(ctx) -> Optional[AcmeAccount]:
    return ctx.dbsession.scalars(sa.select(AcmeAccount).where(AcmeAccount.is_global_default.is_(True))).first()


# --- AcmeChallenge (the public responder's hot path)


def get__AcmeChallenge__answerable(ctx, token: str, domain_name: str) -> Optional[AcmeChallenge]:
    """The http-01 challenge this instance should answer for ``token`` on ``domain_name``.

    One query, driven by the token's index: only an http-01 challenge still in play (not yet
    valid/invalid/gone), of an authorization still pending and not expired (``ctx.timestamp``),
    on an order still in play (pending, ready or processing: not valid, invalid, deactivated or
    gone), and never for a blocklisted name. An authorization shared by several orders is
    answered while any of them is in play.

    The rule is one Core statement, ``lib/db/reads.py`` ``challenge_answerable`` (the public
    responder runs it without a session); run here through the session (which flushes first).
    """
    from . import reads  # reads imports this module's status lists

    found = reads.challenge_answerable(ctx.dbsession, token, domain_name, ctx.timestamp)
    return ctx.dbsession.get(AcmeChallenge, found.id) if found is not None else None


def get__AcmeOrderlessChallenge__answerable(ctx, token: str, domain_name: str) -> Optional[AcmeOrderlessChallenge]:
    """The ACME-flow tool's challenge for ``token`` on ``domain_name`` (``enable_acme_flow``): one
    query on the token's index, only while its AcmeOrderless is processing, only once a key
    authorization is set, and never for a blocklisted name. The responder asks only after a miss
    on the real challenges, and only when the option is on."""
    return ctx.dbsession.scalars(
        sa.select(AcmeOrderlessChallenge)
        .join(AcmeOrderless, AcmeOrderlessChallenge.acme_orderless_id == AcmeOrderless.id)
        .where(
            AcmeOrderlessChallenge.token == token,
            AcmeOrderlessChallenge.domain_name == domain_name,
            AcmeOrderlessChallenge.acme_challenge_type_id == model_utils.AcmeChallengeType.HTTP_01,
            AcmeOrderlessChallenge.keyauthorization.is_not(None),
            AcmeOrderless.is_processing.is_(True),
            ~sa.exists().where(DomainBlocklisted.domain_name == domain_name),
        )
        .order_by(AcmeOrderlessChallenge.id.desc())
        .limit(1)
    ).first()


# the statuses of an authorization and an order whose http-01 challenge the responder answers
AUTHORIZATION_STATUS_IDS_ANSWERABLE = (
    model_utils.Acme_Status_Authorization.DISCOVERED,
    model_utils.Acme_Status_Authorization.PENDING,
)
ORDER_STATUS_IDS_ANSWERABLE = (
    model_utils.Acme_Status_Order.DISCOVERED,
    model_utils.Acme_Status_Order.PENDING,
    model_utils.Acme_Status_Order.READY,
    model_utils.Acme_Status_Order.PROCESSING,
)


# --- Domain


def get__Domain__count(ctx, active_only: bool = False) -> int:
    statement = sa.select(sa.func.count(Domain.id))
    if active_only:
        statement = statement.where(Domain.is_active.is_(True))
    return ctx.dbsession.scalar(statement)


def get__Domain__paginated(ctx, limit: int, offset: int, active_only: bool = False):
    """One page of Domains by name, with their latest certificates (the list and ``as_json`` show them)."""
    statement = (
        sa.select(Domain)
        .options(joinedload(Domain.certificate_signed__latest_single), joinedload(Domain.certificate_signed__latest_multi))
        .order_by(Domain.domain_name.asc())
        .limit(limit)
        .offset(offset)
    )
    if active_only:
        statement = statement.where(Domain.is_active.is_(True))
    return ctx.dbsession.scalars(statement).all()


def get__Domain__by_id(ctx, domain_id: int) -> Optional[Domain]:
    return ctx.dbsession.get(Domain, domain_id)


def get__Domain__by_name(ctx, domain_name: str) -> Optional[Domain]:
    """The Domain of a name as typed (``utils.domain_name_for_lookup``): any case, a trailing dot,
    an internationalised name in Unicode or in punycode."""
    name = utils.domain_name_for_lookup(domain_name)
    return ctx.dbsession.scalars(sa.select(Domain).where(Domain.domain_name == name)).first()


# the lists of ``query__Domain``
DOMAIN_LISTS = ("all", "expiring", "challenged")


def _soonest(left, right):
    """The earlier of two nullable timestamps, in SQL both databases run (no LEAST/min(a, b))."""
    return sa.case(
        (left.is_(None), right),
        (right.is_(None), left),
        (left <= right, left),
        else_=right,
    )


def query__Domain(ctx, which: str = "all"):
    """Domains, with their latest certificates loaded (``Domain.as_json`` shows them).

    * ``all``: every Domain, by name;
    * ``expiring``: those whose latest single or multi certificate is active and ends within
      ``expiring_days`` (or has ended), the soonest to end first;
    * ``challenged``: those with a challenge in play, by name: an ACME challenge not yet valid or
      invalid, its authorization pending, one of its orders pending, ready or processing (the
      statuses the public responder answers, ``get__AcmeChallenge__answerable``, without its
      expiry and blocklist checks: a challenge of an expired authorization still blocks until
      synced), or a challenge of an AcmeOrderless still processing.
    """
    statement = sa.select(Domain).options(
        joinedload(Domain.certificate_signed__latest_single), joinedload(Domain.certificate_signed__latest_multi)
    )
    if which == "all":
        return statement.order_by(Domain.domain_name.asc())
    if which == "expiring":
        horizon = ctx.timestamp + datetime.timedelta(days=ctx.settings.expiring_days)
        single = aliased(CertificateSigned)
        multi = aliased(CertificateSigned)
        statement = (
            statement.outerjoin(
                single,
                sa.and_(
                    single.id == Domain.certificate_signed_id__latest_single,
                    single.is_active.is_(True),
                    single.timestamp_not_after <= horizon,
                ),
            )
            .outerjoin(
                multi,
                sa.and_(
                    multi.id == Domain.certificate_signed_id__latest_multi,
                    multi.is_active.is_(True),
                    multi.timestamp_not_after <= horizon,
                ),
            )
            .where(sa.or_(single.id.is_not(None), multi.id.is_not(None)))
        )
        return statement.order_by(_soonest(single.timestamp_not_after, multi.timestamp_not_after).asc(), Domain.id.asc())
    if which == "challenged":
        acme = (
            sa.select(AcmeChallenge.domain_id)
            .join(AcmeAuthorization, AcmeChallenge.acme_authorization_id == AcmeAuthorization.id)
            .join(AcmeOrder2AcmeAuthorization, AcmeOrder2AcmeAuthorization.acme_authorization_id == AcmeAuthorization.id)
            .join(AcmeOrder, AcmeOrder.id == AcmeOrder2AcmeAuthorization.acme_order_id)
            .where(
                AcmeChallenge.acme_status_challenge_id.in_(model_utils.Acme_Status_Challenge.IDS_POSSIBLY_ACTIVE),
                AcmeAuthorization.acme_status_authorization_id.in_(AUTHORIZATION_STATUS_IDS_ANSWERABLE),
                AcmeOrder.acme_status_order_id.in_(ORDER_STATUS_IDS_ANSWERABLE),
            )
        )
        orderless = (
            sa.select(AcmeOrderlessChallenge.domain_name)
            .join(AcmeOrderless, AcmeOrderlessChallenge.acme_orderless_id == AcmeOrderless.id)
            .where(AcmeOrderless.is_processing.is_(True))
        )
        statement = statement.where(sa.or_(Domain.id.in_(acme), Domain.domain_name.in_(orderless)))
        return statement.order_by(Domain.domain_name.asc())
    raise ValueError("unknown domain list %r" % which)


def search__Domain(ctx, text: str) -> dict:
    """What a search for a domain name finds (the name as typed: any case, a trailing dot, Unicode
    or punycode; ``utils.domain_name_for_lookup``):

    * ``Domain``: the Domain of that name (active or not), or None;
    * ``Domains``: the Domains whose name contains the text (at most ``SEARCH_LIMIT``, by name);
    * ``CertificateSigneds``: the certificates with a SAN matching the name, newest first (at most
      ``SEARCH_LIMIT``): the name itself, or a wildcard covering it (``*.example.com`` covers
      ``www.example.com``, not ``example.com`` nor ``a.b.example.com``);
    * ``QueueDomainActive``: the name's waiting row of the domain queue, or None;
      ``QueueDomainsInactive``: its processed or cancelled rows, newest first.
    """
    name = utils.domain_name_for_lookup(text)
    pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    dbDomain = ctx.dbsession.scalars(sa.select(Domain).where(Domain.domain_name == name)).first()
    domains = ctx.dbsession.scalars(
        sa.select(Domain)
        .where(Domain.domain_name.like(pattern, escape="\\"))
        .order_by(Domain.domain_name.asc())
        .limit(SEARCH_LIMIT)
    ).all()
    san_names = [name]
    if "." in name and not name.startswith("*."):
        san_names.append("*." + name.split(".", 1)[1])
    sets_with_name = (
        sa.select(UniqueFQDNSet2Domain.unique_fqdn_set_id)
        .join(Domain, Domain.id == UniqueFQDNSet2Domain.domain_id)
        .where(Domain.domain_name.in_(san_names))
    )
    certificates = ctx.dbsession.scalars(
        query__CertificateSigned(ctx, "all").where(CertificateSigned.unique_fqdn_set_id.in_(sets_with_name)).limit(SEARCH_LIMIT)
    ).unique().all()
    queued = ctx.dbsession.scalars(
        sa.select(QueueDomain).where(QueueDomain.domain_name == name).order_by(QueueDomain.id.desc())
    ).all()
    return {
        "query": name,
        "Domain": dbDomain,
        "Domains": domains,
        "CertificateSigneds": certificates,
        "QueueDomainActive": next((q for q in queued if q.is_active), None),
        "QueueDomainsInactive": [q for q in queued if not q.is_active],
    }


def get__DomainBlocklisted__by_name(ctx, domain_name: str) -> Optional[DomainBlocklisted]:
    return ctx.dbsession.scalars(
        sa.select(DomainBlocklisted).where(DomainBlocklisted.domain_name == domain_name.lower())
    ).first()


# --- OperationsEvent


def get__OperationsEvent__count(ctx, event_type_ids=None) -> int:
    statement = sa.select(sa.func.count(OperationsEvent.id))
    if event_type_ids:
        statement = statement.where(OperationsEvent.operations_event_type_id.in_(event_type_ids))
    return ctx.dbsession.scalar(statement)


def get__OperationsEvent__paginated(ctx, limit: int, offset: int, event_type_ids=None):
    statement = sa.select(OperationsEvent).order_by(OperationsEvent.id.desc()).limit(limit).offset(offset)
    if event_type_ids:
        statement = statement.where(OperationsEvent.operations_event_type_id.in_(event_type_ids))
    return ctx.dbsession.scalars(statement).all()


def get__OperationsEvent__by_id(ctx, event_id: int) -> Optional[OperationsEvent]:
    return ctx.dbsession.get(OperationsEvent, event_id)


def get__OperationsEvent__children(ctx, event_id: int):
    return ctx.dbsession.scalars(
        sa.select(OperationsEvent)
        .where(OperationsEvent.operations_event_id__child_of == event_id)
        .order_by(OperationsEvent.id.asc())
    ).all()


def query__OperationsObjectEvent():
    """What every operation did to each object, newest first."""
    return sa.select(OperationsObjectEvent).options(joinedload(OperationsObjectEvent.operations_event)).order_by(
        OperationsObjectEvent.id.desc()
    )


def get__OperationsObjectEvent__by_id(ctx, object_event_id: int) -> Optional[OperationsObjectEvent]:
    return ctx.dbsession.scalars(query__OperationsObjectEvent().where(OperationsObjectEvent.id == object_event_id)).first()


def get__OperationsObjectEvent__by_event_id(ctx, event_id: int):
    return ctx.dbsession.scalars(
        sa.select(OperationsObjectEvent)
        .where(OperationsObjectEvent.operations_event_id == event_id)
        .order_by(OperationsObjectEvent.id.asc())
    ).all()


# --- generic paging: a ``query__*`` function builds the statement, these run it


def count(ctx, statement) -> int:
    """How many rows a ``query__*`` statement selects."""
    return ctx.dbsession.scalar(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery()))


def page(ctx, statement, limit: int, offset: int):
    return ctx.dbsession.scalars(statement.limit(limit).offset(offset)).unique().all()


def _sets_with_domain(domain_id: int):
    """The ids of the UniqueFQDNSets that hold this Domain (a subquery)."""
    return sa.select(UniqueFQDNSet2Domain.unique_fqdn_set_id).where(UniqueFQDNSet2Domain.domain_id == domain_id)


def _with_set(statement, relationship_attr):
    """Eager-load a UniqueFQDNSet and its domain names (what as_json and the lists show)."""
    return statement.options(
        selectinload(relationship_attr).selectinload(UniqueFQDNSet.to_domains).joinedload(UniqueFQDNSet2Domain.domain)
    )


# --- PrivateKey


def get__PrivateKey__by_id(ctx, private_key_id: int) -> Optional[PrivateKey]:
    return ctx.dbsession.get(PrivateKey, private_key_id)


def get__PrivateKey__by_pem_sha256(ctx, key_pem_sha256: str) -> Optional[PrivateKey]:
    return ctx.dbsession.scalars(sa.select(PrivateKey).where(PrivateKey.key_pem_sha256 == key_pem_sha256)).first()


def get__PrivateKey__by_spki(ctx, spki_sha256: str) -> Optional[PrivateKey]:
    return ctx.dbsession.scalars(
        sa.select(PrivateKey).where(PrivateKey.spki_sha256 == spki_sha256).order_by(PrivateKey.id)
    ).first()


def query__PrivateKey():
    return sa.select(PrivateKey).order_by(PrivateKey.id.desc())


# --- keys by the MD5 of their PEM (the 2021 order forms and payloads: ``key_pem_md5``)
#
# No column holds it: PostgreSQL computes md5() of the stored text itself; elsewhere (SQLite)
# the PEMs are read in batches and hashed here. Both give ``model.objects.pem_md5``.


def _by_pem_md5(ctx, cls, key_pem_md5: str) -> list:
    """The rows of ``cls`` (PrivateKey, AcmeAccountKey) whose ``key_pem`` has this MD5, oldest first."""
    key_pem_md5 = key_pem_md5.lower()
    if ctx.dbsession.get_bind().dialect.name == "postgresql":
        statement = sa.select(cls).where(sa.func.md5(cls.key_pem) == key_pem_md5).order_by(cls.id)
        return list(ctx.dbsession.scalars(statement).all())
    ids = []
    rows = ctx.dbsession.execute(sa.select(cls.id, cls.key_pem).order_by(cls.id).execution_options(yield_per=500))
    for row_id, key_pem in rows:
        if pem_md5(key_pem) == key_pem_md5:
            ids.append(row_id)
    return [ctx.dbsession.get(cls, row_id) for row_id in ids]


def get__PrivateKey__by_pem_md5(ctx, key_pem_md5: str) -> Optional[PrivateKey]:
    """The PrivateKey whose PEM has this MD5 (never the placeholder)."""
    found = [k for k in _by_pem_md5(ctx, PrivateKey, key_pem_md5) if not k.is_placeholder]
    return found[0] if found else None


def get__AcmeAccountKey__by_pem_md5(ctx, key_pem_md5: str) -> Optional[AcmeAccountKey]:
    """The AcmeAccountKey (current or retired) whose PEM has this MD5; a current key first."""
    found = _by_pem_md5(ctx, AcmeAccountKey, key_pem_md5)
    found.sort(key=lambda k: (not k.is_active, k.id))
    return found[0] if found else None


# --- CertificateSigned

CERTIFICATE_SIGNED_LISTS = ("all", "active", "expiring", "inactive")

# the ``state`` filter of the certificate lists (``?state=``): name -> what it selects
CERTIFICATE_SIGNED_STATES = {
    "active": "active (deactivate-expired or an operator has not withdrawn it)",
    "inactive": "inactive: deactivated or revoked",
    "deactivated": "deactivated (not revoked)",
    "revoked": "revoked",
    "valid": "active and not expired",
    "expired": "expired (active or not)",
    "expired-active": "expired but still active",
}


def _certificate_state_clause(ctx, state: str):
    now = ctx.timestamp
    active = CertificateSigned.is_active.is_(True)
    expired = CertificateSigned.timestamp_not_after <= now
    if state == "active":
        return active
    if state == "inactive":
        return CertificateSigned.is_active.is_(False)
    if state == "deactivated":
        return sa.and_(CertificateSigned.is_deactivated.is_(True), CertificateSigned.is_revoked.is_not(True))
    if state == "revoked":
        return CertificateSigned.is_revoked.is_(True)
    if state == "valid":
        return sa.and_(active, CertificateSigned.timestamp_not_after > now)
    if state == "expired":
        return expired
    if state == "expired-active":
        return sa.and_(active, expired)
    raise ValueError("unknown certificate state %r" % state)


def _like_pattern(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere (its wildcards escaped with ``\\``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def query__CertificateSigned(ctx, which: str = "all", **filters):
    """Certificates, newest first (``expiring``, or with ``expiring_days``: soonest to expire first).

    :param which: one of ``CERTIFICATE_SIGNED_LISTS``.
    :param filters: ``domain_id``, ``private_key_id``, ``unique_fqdn_set_id``,
        ``certificate_ca_chain_id``, ``certificate_ca_id`` (item 0 of a chain),
        ``certificate_ca_id__alt`` (item 0 of an alternate chain: one the ACME server offered
        besides its default), ``acme_account_id`` (issued through that account's orders);
        the list filters (docs/Admin_UI.md): ``state`` (a key of ``CERTIFICATE_SIGNED_STATES``),
        ``expiring_days`` (not expired, ends within that many days), ``serving`` (True: the
        latest certificate of an active domain, as ``health.latest_certificate_ids`` defines
        it), ``name`` (any domain of its set contains this text, as stored: lower-case,
        punycode).
    """
    statement = sa.select(CertificateSigned)
    statement = _with_set(statement, CertificateSigned.unique_fqdn_set).options(
        selectinload(CertificateSigned.certificate_signed_chains)
    )
    if which == "active":
        statement = statement.where(CertificateSigned.is_active.is_(True))
    elif which == "inactive":
        statement = statement.where(CertificateSigned.is_active.is_(False))
    elif which == "expiring":
        horizon = ctx.timestamp + datetime.timedelta(days=ctx.settings.expiring_days)
        statement = statement.where(
            CertificateSigned.is_active.is_(True), CertificateSigned.timestamp_not_after <= horizon
        )
    elif which != "all":
        raise ValueError("unknown certificate list %r" % which)
    if "domain_id" in filters:
        statement = statement.where(
            CertificateSigned.unique_fqdn_set_id.in_(
                sa.select(UniqueFQDNSet2Domain.unique_fqdn_set_id).where(
                    UniqueFQDNSet2Domain.domain_id == filters["domain_id"]
                )
            )
        )
    for column in ("private_key_id", "unique_fqdn_set_id"):
        if column in filters:
            statement = statement.where(getattr(CertificateSigned, column) == filters[column])
    if "certificate_ca_chain_id" in filters:
        statement = statement.where(
            CertificateSigned.id.in_(
                sa.select(CertificateSignedChain.certificate_signed_id).where(
                    CertificateSignedChain.certificate_ca_chain_id == filters["certificate_ca_chain_id"]
                )
            )
        )
    if "certificate_ca_id" in filters:
        statement = statement.where(
            CertificateSigned.id.in_(
                sa.select(CertificateSignedChain.certificate_signed_id)
                .join(CertificateCAChain, CertificateSignedChain.certificate_ca_chain_id == CertificateCAChain.id)
                .where(CertificateCAChain.certificate_ca_0_id == filters["certificate_ca_id"])
            )
        )
    if "certificate_ca_id__alt" in filters:
        statement = statement.where(
            CertificateSigned.id.in_(
                sa.select(CertificateSignedChain.certificate_signed_id)
                .join(CertificateCAChain, CertificateSignedChain.certificate_ca_chain_id == CertificateCAChain.id)
                .where(
                    CertificateCAChain.certificate_ca_0_id == filters["certificate_ca_id__alt"],
                    CertificateSignedChain.is_upstream_default.is_not(True),
                )
            )
        )
    if "acme_account_id" in filters:
        statement = statement.where(
            CertificateSigned.id.in_(
                sa.select(AcmeOrder.certificate_signed_id).where(
                    AcmeOrder.acme_account_id == filters["acme_account_id"], AcmeOrder.certificate_signed_id.is_not(None)
                )
            )
        )
    if filters.get("state"):
        statement = statement.where(_certificate_state_clause(ctx, filters["state"]))
    if filters.get("expiring_days") is not None:
        horizon = ctx.timestamp + datetime.timedelta(days=filters["expiring_days"])
        statement = statement.where(
            CertificateSigned.timestamp_not_after > ctx.timestamp, CertificateSigned.timestamp_not_after <= horizon
        )
    if filters.get("serving"):
        # imported here: health imports coverage, which imports getcreate, which imports this module
        from . import health

        statement = statement.where(CertificateSigned.id.in_(health.latest_certificate_ids()))
    if filters.get("name"):
        statement = statement.where(
            CertificateSigned.unique_fqdn_set_id.in_(
                sa.select(UniqueFQDNSet2Domain.unique_fqdn_set_id)
                .join(Domain, Domain.id == UniqueFQDNSet2Domain.domain_id)
                .where(Domain.domain_name.like(_like_pattern(filters["name"]), escape="\\"))
            )
        )
    if which == "expiring" or filters.get("expiring_days") is not None:
        return statement.order_by(CertificateSigned.timestamp_not_after.asc(), CertificateSigned.id.asc())
    return statement.order_by(CertificateSigned.id.desc())


def get__CertificateSigned__by_id(ctx, certificate_id: int) -> Optional[CertificateSigned]:
    return ctx.dbsession.scalars(
        _with_set(sa.select(CertificateSigned), CertificateSigned.unique_fqdn_set)
        .options(
            selectinload(CertificateSigned.certificate_signed_chains).joinedload(
                CertificateSignedChain.certificate_ca_chain
            ),
            joinedload(CertificateSigned.private_key),
        )
        .where(CertificateSigned.id == certificate_id)
    ).first()


# --- CertificateCA and CertificateCAChain


def query__CertificateCA():
    return sa.select(CertificateCA).order_by(CertificateCA.id.desc())


def get__CertificateCA__by_id(ctx, certificate_ca_id: int) -> Optional[CertificateCA]:
    return ctx.dbsession.get(CertificateCA, certificate_ca_id)


def query__CertificateCAChain(certificate_ca_id_0: Optional[int] = None, certificate_ca_id_n: Optional[int] = None):
    statement = sa.select(CertificateCAChain).order_by(CertificateCAChain.id.desc())
    if certificate_ca_id_0 is not None:
        statement = statement.where(CertificateCAChain.certificate_ca_0_id == certificate_ca_id_0)
    if certificate_ca_id_n is not None:
        statement = statement.where(CertificateCAChain.certificate_ca_n_id == certificate_ca_id_n)
    return statement


def get__CertificateCAChain__by_id(ctx, chain_id: int) -> Optional[CertificateCAChain]:
    return ctx.dbsession.get(CertificateCAChain, chain_id)


def get__CertificateCA__issuers(ctx) -> list:
    """The CertificateCAs that issued a certificate here (item 0 of a certificate's chain), by
    name: the choices of the certificate lists' `ca` filter."""
    issuer_ids = (
        sa.select(CertificateCAChain.certificate_ca_0_id)
        .join(CertificateSignedChain, CertificateSignedChain.certificate_ca_chain_id == CertificateCAChain.id)
        .distinct()
    )
    return ctx.dbsession.scalars(
        sa.select(CertificateCA)
        .where(CertificateCA.id.in_(issuer_ids))
        .order_by(CertificateCA.display_name.asc(), CertificateCA.id.asc())
    ).all()


def get__CertificateCAs__by_ids(ctx, ids) -> dict:
    rows = ctx.dbsession.scalars(sa.select(CertificateCA).where(CertificateCA.id.in_(list(ids)))).all()
    return {row.id: row for row in rows}


# --- CertificateRequest


def query__CertificateRequest(**filters):
    statement = _with_set(sa.select(CertificateRequest), CertificateRequest.unique_fqdn_set).order_by(
        CertificateRequest.id.desc()
    )
    for column in ("private_key_id", "unique_fqdn_set_id"):
        if column in filters:
            statement = statement.where(getattr(CertificateRequest, column) == filters[column])
    if "domain_id" in filters:
        statement = statement.where(
            CertificateRequest.unique_fqdn_set_id.in_(
                sa.select(UniqueFQDNSet2Domain.unique_fqdn_set_id).where(
                    UniqueFQDNSet2Domain.domain_id == filters["domain_id"]
                )
            )
        )
    return statement


def get__CertificateRequest__by_id(ctx, csr_id: int) -> Optional[CertificateRequest]:
    return ctx.dbsession.get(CertificateRequest, csr_id)


# --- UniqueFQDNSet


def query__UniqueFQDNSet(domain_id: Optional[int] = None):
    statement = sa.select(UniqueFQDNSet).options(
        selectinload(UniqueFQDNSet.to_domains).joinedload(UniqueFQDNSet2Domain.domain)
    )
    if domain_id is not None:
        statement = statement.where(
            UniqueFQDNSet.id.in_(
                sa.select(UniqueFQDNSet2Domain.unique_fqdn_set_id).where(UniqueFQDNSet2Domain.domain_id == domain_id)
            )
        )
    return statement.order_by(UniqueFQDNSet.id.desc())


def get__UniqueFQDNSet__by_id(ctx, set_id: int) -> Optional[UniqueFQDNSet]:
    return ctx.dbsession.scalars(
        query__UniqueFQDNSet().where(UniqueFQDNSet.id == set_id)
    ).first()


# --- Domain config (the hot path OpenResty and deploy scripts call)


def get__Domain__for_config(ctx, domain_identifier: str) -> Optional[Domain]:
    """The Domain (by id or name) with its latest single and multi certificates, their keys
    and chains, in one query."""
    certificate_options = (
        joinedload(CertificateSigned.private_key),
        joinedload(CertificateSigned.certificate_signed_chains).joinedload(CertificateSignedChain.certificate_ca_chain),
    )
    statement = sa.select(Domain).options(
        joinedload(Domain.certificate_signed__latest_single).options(*certificate_options),
        joinedload(Domain.certificate_signed__latest_multi).options(*certificate_options),
    )
    identifier = domain_identifier.strip()
    if identifier.isascii() and identifier.isdigit():  # `²`.isdigit() is True too
        statement = statement.where(Domain.id == int(identifier))
    else:
        statement = statement.where(Domain.domain_name == identifier.lower())
    return ctx.dbsession.scalars(statement).unique().first()


def get__DomainBlocklisted__names(ctx, domain_names) -> list:
    """Which of these (canonical) names are blocklisted, sorted (``validate.blocklisted_names``, the one rule)."""
    return validate.blocklisted_names(ctx, domain_names)


# --- search


SEARCH_LIMIT = 25


def search__spki(ctx, spki_sha256: str) -> dict:
    """Every key, CSR, certificate, CA and account key with this SubjectPublicKeyInfo hash."""
    spki_sha256 = spki_sha256.strip().upper().replace(":", "")
    results = {}
    for name, model in (
        ("PrivateKey", PrivateKey),
        ("CertificateRequest", CertificateRequest),
        ("CertificateSigned", CertificateSigned),
        ("CertificateCA", CertificateCA),
        ("AcmeAccountKey", AcmeAccountKey),
    ):
        results[name] = ctx.dbsession.scalars(
            sa.select(model).where(model.spki_sha256 == spki_sha256).order_by(model.id.desc()).limit(SEARCH_LIMIT)
        ).all()
    return results


def search__cert_text(ctx, field: str, text: str) -> dict:
    """Certificates and CAs whose subject or issuer (``field``) contains ``text`` (any case)."""
    pattern = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    results = {}
    for name, model in (("CertificateSigned", CertificateSigned), ("CertificateCA", CertificateCA)):
        column = getattr(model, field)
        results[name] = ctx.dbsession.scalars(
            sa.select(model)
            .where(sa.func.lower(column).like(pattern, escape="\\"))
            .order_by(model.id.desc())
            .limit(SEARCH_LIMIT)
        ).all()
    return results


# --- ACME objects


def get__AcmeAccount(ctx, account_id: int) -> Optional[AcmeAccount]:
    return ctx.dbsession.scalars(
        query__AcmeAccount().where(AcmeAccount.id == account_id)
    ).first()


def get__AcmeOrder(ctx, order_id: int) -> Optional[AcmeOrder]:
    return ctx.dbsession.scalars(_order_options(sa.select(AcmeOrder)).where(AcmeOrder.id == order_id)).first()


def get__AcmeAuthorization(ctx, authorization_id: int) -> Optional[AcmeAuthorization]:
    return ctx.dbsession.scalars(
        sa.select(AcmeAuthorization)
        .options(
            joinedload(AcmeAuthorization.domain),
            selectinload(AcmeAuthorization.acme_challenges).joinedload(AcmeChallenge.domain),
        )
        .where(AcmeAuthorization.id == authorization_id)
    ).first()


def get__AcmeChallenge(ctx, challenge_id: int) -> Optional[AcmeChallenge]:
    return ctx.dbsession.scalars(
        sa.select(AcmeChallenge).options(joinedload(AcmeChallenge.domain)).where(AcmeChallenge.id == challenge_id)
    ).first()


def get__AcmeOrderless(ctx, orderless_id: int) -> Optional[AcmeOrderless]:
    return ctx.dbsession.scalars(
        sa.select(AcmeOrderless)
        .options(selectinload(AcmeOrderless.acme_orderless_challenges))
        .where(AcmeOrderless.id == orderless_id)
    ).first()


def get__AcmeEventLog(ctx, event_id: int) -> Optional[AcmeEventLog]:
    return ctx.dbsession.get(AcmeEventLog, event_id)


# --- list queries (newest first)


def query__AcmeAccountProvider():
    return sa.select(AcmeAccountProvider).order_by(AcmeAccountProvider.id)


def query__AcmeAccount():
    return (
        sa.select(AcmeAccount)
        .options(joinedload(AcmeAccount.acme_account_provider), selectinload(AcmeAccount.acme_account_key))
        .order_by(AcmeAccount.id.desc())
    )


def query__AcmeAccountKey(acme_account_id: int):
    return (
        sa.select(AcmeAccountKey)
        .where(AcmeAccountKey.acme_account_id == acme_account_id)
        .order_by(AcmeAccountKey.id.desc())
    )


def _order_options(statement):
    return statement.options(
        joinedload(AcmeOrder.acme_account),
        joinedload(AcmeOrder.private_key),
        selectinload(AcmeOrder.to_acme_authorizations),
        selectinload(AcmeOrder.unique_fqdn_set)
        .selectinload(UniqueFQDNSet.to_domains)
        .joinedload(UniqueFQDNSet2Domain.domain),
    )


ORDER_LISTS = {
    "all": None,
    "active": model_utils.Acme_Status_Order.IDS_ACTIVE,
    "finished": model_utils.Acme_Status_Order.IDS_FINISHED,
    # the server made them invalid (or reported them `deactivated`, which it means as invalid)
    "failed": (model_utils.Acme_Status_Order.INVALID, model_utils.Acme_Status_Order.DEACTIVATED),
}


def query__AcmeOrder(
    which: str = "all",
    acme_account_id: Optional[int] = None,
    acme_authorization_id: Optional[int] = None,
    domain_id: Optional[int] = None,
    unique_fqdn_set_id: Optional[int] = None,
    certificate_request_id: Optional[int] = None,
    updated_since: Optional[datetime.datetime] = None,
):
    """Orders, newest first: ``which`` of ``ORDER_LISTS``, of an account, listing an authorization,
    naming a Domain (its set holds it), for a set, or that sent a CSR; ``updated_since``: last
    updated (else created) at or after that time (the `?days=` of the lists)."""
    statement = _order_options(sa.select(AcmeOrder))
    if updated_since is not None:
        statement = statement.where(
            sa.func.coalesce(AcmeOrder.timestamp_updated, AcmeOrder.timestamp_created) >= updated_since
        )
    status_ids = ORDER_LISTS[which]
    if status_ids is not None:
        statement = statement.where(AcmeOrder.acme_status_order_id.in_(status_ids))
    if acme_account_id is not None:
        statement = statement.where(AcmeOrder.acme_account_id == acme_account_id)
    if domain_id is not None:
        statement = statement.where(AcmeOrder.unique_fqdn_set_id.in_(_sets_with_domain(domain_id)))
    if unique_fqdn_set_id is not None:
        statement = statement.where(AcmeOrder.unique_fqdn_set_id == unique_fqdn_set_id)
    if certificate_request_id is not None:
        statement = statement.where(AcmeOrder.certificate_request_id == certificate_request_id)
    if acme_authorization_id is not None:
        statement = statement.where(
            AcmeOrder.id.in_(
                sa.select(AcmeOrder2AcmeAuthorization.acme_order_id).where(
                    AcmeOrder2AcmeAuthorization.acme_authorization_id == acme_authorization_id
                )
            )
        )
    return statement.order_by(AcmeOrder.id.desc())


AUTHORIZATION_STATUSES = {"active": model_utils.Acme_Status_Authorization.IDS_POSSIBLY_PENDING}


def query__AcmeAuthorization(status_ids=None, acme_account_id: Optional[int] = None, domain_id: Optional[int] = None):
    statement = sa.select(AcmeAuthorization).options(joinedload(AcmeAuthorization.domain))
    if status_ids is not None:
        statement = statement.where(AcmeAuthorization.acme_status_authorization_id.in_(status_ids))
    if domain_id is not None:
        statement = statement.where(AcmeAuthorization.domain_id == domain_id)
    if acme_account_id is not None:
        statement = statement.where(
            AcmeAuthorization.id.in_(
                sa.select(AcmeOrder2AcmeAuthorization.acme_authorization_id)
                .join(AcmeOrder, AcmeOrder.id == AcmeOrder2AcmeAuthorization.acme_order_id)
                .where(AcmeOrder.acme_account_id == acme_account_id)
            )
        )
    return statement.order_by(AcmeAuthorization.id.desc())


CHALLENGE_STATUSES = {
    "active": model_utils.Acme_Status_Challenge.IDS_POSSIBLY_ACTIVE,
    "resolved": model_utils.Acme_Status_Challenge.IDS_RESOLVED,
    "processing": model_utils.Acme_Status_Challenge.IDS_PROCESSING,
}


def query__AcmeChallenge(status_ids=None, acme_authorization_id: Optional[int] = None, domain_id: Optional[int] = None):
    statement = sa.select(AcmeChallenge).options(joinedload(AcmeChallenge.domain))
    if status_ids is not None:
        statement = statement.where(AcmeChallenge.acme_status_challenge_id.in_(status_ids))
    if domain_id is not None:
        statement = statement.where(AcmeChallenge.domain_id == domain_id)
    if acme_authorization_id is not None:
        statement = statement.where(AcmeChallenge.acme_authorization_id == acme_authorization_id)
    return statement.order_by(AcmeChallenge.id.desc())


def query__AcmeOrderless(is_processing: Optional[bool] = None, domain_name: Optional[str] = None):
    statement = sa.select(AcmeOrderless).options(selectinload(AcmeOrderless.acme_orderless_challenges))
    if is_processing is not None:
        statement = statement.where(AcmeOrderless.is_processing.is_(is_processing))
    if domain_name is not None:
        statement = statement.where(
            AcmeOrderless.id.in_(
                sa.select(AcmeOrderlessChallenge.acme_orderless_id).where(
                    AcmeOrderlessChallenge.domain_name == domain_name
                )
            )
        )
    return statement.order_by(AcmeOrderless.id.desc())


def query__AcmeChallengePoll():
    return (
        sa.select(AcmeChallengePoll)
        .options(joinedload(AcmeChallengePoll.remote_ip_address))
        .order_by(AcmeChallengePoll.id.desc())
    )


def query__AcmeEventLog(acme_order_id: Optional[int] = None):
    statement = sa.select(AcmeEventLog)
    if acme_order_id is not None:
        statement = statement.where(AcmeEventLog.acme_order_id == acme_order_id)
    return statement.order_by(AcmeEventLog.id.desc())
