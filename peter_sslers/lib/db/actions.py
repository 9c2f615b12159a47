"""Bulk operations: update-recents and deactivate-expired, as set-based SQL.

The 2021 code looped over every Domain in Python (94 s for a global update-recents
with 5,000 certificates); here each is one UPDATE with correlated subqueries, so the
cost follows the indexes, and a single certificate's change touches only its domains.
"""

import functools
from typing import Iterable
from typing import Optional

import sqlalchemy as sa

from ...model.objects import AcmeAccount
from ...model.objects import AcmeOrder
from ...model.objects import CertificateCA
from ...model.objects import CertificateCAChain
from ...model.objects import CertificateSigned
from ...model.objects import CertificateSignedChain
from ...model.objects import Domain
from ...model.objects import PrivateKey
from ...model.objects import UniqueFQDNSet2Domain
from .getcreate import begin_sqlite_transaction
from .logger import log__OperationsEvent

# The one order in which a transaction takes the row locks of the shared rows that
# update-recents, deactivate-expired and the marks write (each table's rows by ascending id).
# A path that writes rows of several of these tables locks them with ``lock_rows`` in this
# order before it writes, so two transactions never wait on each other crosswise (PostgreSQL
# would abort one with `deadlock detected`). SQLite has one writer at a time and no row locks.
LOCK_ORDER = (AcmeAccount, PrivateKey, CertificateSigned, Domain, CertificateCA)


def lock_rows(ctx, model, *where) -> None:
    """PostgreSQL: lock the rows of ``model`` matching ``where`` (all of them without it) in id
    order, as an UPDATE of them would (``FOR NO KEY UPDATE``: inserts referring to them still
    go on). Call it for the tables of ``LOCK_ORDER`` in that order. SQLite: nothing to do."""
    if ctx.dbsession.get_bind().dialect.name != "postgresql":
        return
    ctx.dbsession.execute(
        sa.select(model.id).where(*where).order_by(model.id.asc()).with_for_update(key_share=True)
    ).all()


def lock_for_change(ctx, dbObject, *prior) -> None:
    """Before a state change (a mark, a resolution, a cancel): take ``dbObject``'s row and read it
    again, so that the check of its state and the change are one step. Twenty identical marks at
    once then change it once; the others see the new state and are told so (without this, each
    checked the state it had read before the others committed, and most "succeeded").

    SQLite: ``BEGIN IMMEDIATE`` (the one write lock, held to the commit; a read after it sees what
    the others committed). PostgreSQL: ``lock_rows`` on ``prior`` first (``(model, where...)``
    tuples: the rows of tables before the object's in ``LOCK_ORDER`` the change writes too), then
    on the object's row.
    """
    begin_sqlite_transaction(ctx)
    for model, *where in prior:
        lock_rows(ctx, model, *where)
    model = type(dbObject)
    lock_rows(ctx, model, model.id == dbObject.id)
    ctx.dbsession.refresh(dbObject)


def _latest_certificate(is_single: bool):
    """The id of the active certificate of this shape covering ``domain.id`` that expires last."""
    return (
        sa.select(CertificateSigned.id)
        .join(UniqueFQDNSet2Domain, UniqueFQDNSet2Domain.unique_fqdn_set_id == CertificateSigned.unique_fqdn_set_id)
        .where(
            UniqueFQDNSet2Domain.domain_id == Domain.id,
            CertificateSigned.is_active.is_(True),
            CertificateSigned.is_single_domain_cert.is_(is_single),
        )
        .order_by(CertificateSigned.timestamp_not_after.desc(), CertificateSigned.id.desc())
        .limit(1)
        .correlate(Domain)
        .scalar_subquery()
    )


@functools.lru_cache(maxsize=None)
def _update_latest_statement():
    """Built once: its correlated subqueries cost more to build than to run (statements are
    immutable, so threads share it)."""
    return sa.update(Domain).values(
        certificate_signed_id__latest_single=_latest_certificate(True),
        certificate_signed_id__latest_multi=_latest_certificate(False),
    )


def _update_latest(ctx, domain_ids: Optional[list]) -> None:
    statement = _update_latest_statement()
    if domain_ids is not None:
        statement = statement.where(Domain.id.in_(domain_ids))
    ctx.dbsession.execute(statement, execution_options={"synchronize_session": False})


def update_recents__domains(ctx, domain_ids: Iterable[int], expire_only_domains: bool = False) -> None:
    """Recompute the latest single and multi certificate of these Domains only.

    Every object of the session is expired afterwards (a caller may have changed other rows with
    SQL of its own before); ``expire_only_domains``: the caller changed rows through the ORM only,
    so only these Domains (the rows the UPDATE wrote) are.
    """
    domain_ids = sorted(set(domain_ids))
    if not domain_ids:
        return
    ctx.dbsession.flush()
    lock_rows(ctx, Domain, Domain.id.in_(domain_ids))
    _update_latest(ctx, domain_ids)
    if not expire_only_domains:
        ctx.dbsession.expire_all()
        return
    wanted = set(domain_ids)
    for dbObject in list(ctx.dbsession.identity_map.values()):
        if isinstance(dbObject, Domain) and dbObject.id in wanted:
            ctx.dbsession.expire(dbObject)


def domain_ids__of_certificates(ctx, certificate_ids: Iterable[int]) -> list:
    return ctx.dbsession.scalars(
        sa.select(UniqueFQDNSet2Domain.domain_id)
        .join(CertificateSigned, CertificateSigned.unique_fqdn_set_id == UniqueFQDNSet2Domain.unique_fqdn_set_id)
        .where(CertificateSigned.id.in_(list(certificate_ids)))
        .distinct()
    ).all()


def _count(model_column, *where):
    return sa.select(sa.func.count(model_column)).where(*where).scalar_subquery()


def _active_certificates_of_ca():
    """``CertificateCA.count_active_certificates``: the active certificates whose chain starts at it."""
    return (
        sa.select(sa.func.count(sa.distinct(CertificateSigned.id)))
        .select_from(CertificateSigned)
        .join(CertificateSignedChain, CertificateSignedChain.certificate_signed_id == CertificateSigned.id)
        .join(CertificateCAChain, CertificateCAChain.id == CertificateSignedChain.certificate_ca_chain_id)
        .where(CertificateCAChain.certificate_ca_0_id == CertificateCA.id, CertificateSigned.is_active.is_(True))
        .correlate(CertificateCA)
        .scalar_subquery()
    )


def update_recents__global(ctx, log: bool = True) -> dict:
    """Recompute, for every Domain, its latest certificates, and every derived counter.

    :returns: ``{"operations_event_id": ...}`` (when logged).
    """
    ctx.dbsession.flush()
    # every row this rewrites, locked first in LOCK_ORDER (see there)
    for model in (AcmeAccount, PrivateKey, Domain, CertificateCA):
        lock_rows(ctx, model)
    _update_latest(ctx, None)
    ctx.dbsession.execute(
        sa.update(PrivateKey).values(
            count_active_certificates=_count(
                CertificateSigned.id,
                CertificateSigned.private_key_id == PrivateKey.id,
                CertificateSigned.is_active.is_(True),
            ),
            count_certificate_signeds=_count(CertificateSigned.id, CertificateSigned.private_key_id == PrivateKey.id),
            count_acme_orders=_count(AcmeOrder.id, AcmeOrder.private_key_id == PrivateKey.id),
        ),
        execution_options={"synchronize_session": False},
    )
    ctx.dbsession.execute(
        sa.update(AcmeAccount).values(
            count_acme_orders=_count(AcmeOrder.id, AcmeOrder.acme_account_id == AcmeAccount.id),
            count_certificate_signeds=_count(
                AcmeOrder.certificate_signed_id,
                AcmeOrder.acme_account_id == AcmeAccount.id,
                AcmeOrder.certificate_signed_id.is_not(None),
            ),
        ),
        execution_options={"synchronize_session": False},
    )
    ctx.dbsession.execute(
        sa.update(CertificateCA).values(
            count_active_certificates=_active_certificates_of_ca()
        ),
        execution_options={"synchronize_session": False},
    )
    ctx.dbsession.expire_all()
    result = {}
    if log:
        dbEvent = log__OperationsEvent(ctx, "operations__update_recents__global")
        result["operations_event_id"] = dbEvent.id
    return result


def deactivate_expired(ctx) -> dict:
    """Deactivate expired certificates, except one that is still the latest single or multi
    certificate of any of its Domains (it stays until something replaces it there).

    Only what an expired certificate touches is recomputed and locked: the latest certificates of
    its Domains, the counters of its private key and of its chain's CA. It used to run the global
    update-recents, which locks every account and key and rewrites every Domain: seconds on a
    large datastore, during which no renewal could record its order (found by `make simulate`:
    with thousands of certificates the queue's workers waited on it). `update-recents` is the
    global recomputation, on its own.

    :returns: ``{"count_deactivated", "certificate_signed_ids", "operations_event_id"}``.
    """
    dbEvent = log__OperationsEvent(ctx, "CertificateSigned__deactivate_expired")
    ctx.dbsession.flush()
    expired = sa.and_(CertificateSigned.is_active.is_(True), CertificateSigned.timestamp_not_after < ctx.timestamp)
    rows = ctx.dbsession.execute(sa.select(CertificateSigned.id, CertificateSigned.private_key_id).where(expired)).all()
    ids: list = []
    if rows:
        certificate_ids = sorted(r.id for r in rows)
        key_ids = sorted({r.private_key_id for r in rows if r.private_key_id is not None})
        domain_ids = sorted(domain_ids__of_certificates(ctx, certificate_ids))
        # LOCK_ORDER: the keys whose counters change, the certificates, their Domains
        lock_rows(ctx, PrivateKey, PrivateKey.id.in_(key_ids))
        lock_rows(ctx, CertificateSigned, CertificateSigned.id.in_(certificate_ids), expired)
        lock_rows(ctx, Domain, Domain.id.in_(domain_ids))
        _update_latest(ctx, domain_ids)
        still_latest = sa.exists().where(
            sa.or_(
                Domain.certificate_signed_id__latest_single == CertificateSigned.id,
                Domain.certificate_signed_id__latest_multi == CertificateSigned.id,
            )
        )
        ids = ctx.dbsession.scalars(
            sa.select(CertificateSigned.id)
            .where(CertificateSigned.id.in_(certificate_ids), expired, ~still_latest)
            .order_by(CertificateSigned.id.desc())
        ).all()
    if ids:
        ca_ids = ctx.dbsession.scalars(
            sa.select(CertificateCAChain.certificate_ca_0_id)
            .join(CertificateSignedChain, CertificateSignedChain.certificate_ca_chain_id == CertificateCAChain.id)
            .where(CertificateSignedChain.certificate_signed_id.in_(ids))
            .distinct()
        ).all()
        ctx.dbsession.execute(
            sa.update(CertificateSigned)
            .where(CertificateSigned.id.in_(ids))
            .values(is_active=False, is_deactivated=True),
            execution_options={"synchronize_session": False},
        )
        ctx.dbsession.execute(
            sa.update(PrivateKey)
            .where(PrivateKey.id.in_(sorted({r.private_key_id for r in rows if r.id in set(ids)})))
            .values(
                count_active_certificates=_count(
                    CertificateSigned.id,
                    CertificateSigned.private_key_id == PrivateKey.id,
                    CertificateSigned.is_active.is_(True),
                )
            ),
            execution_options={"synchronize_session": False},
        )
        if ca_ids:
            lock_rows(ctx, CertificateCA, CertificateCA.id.in_(sorted(ca_ids)))
            ctx.dbsession.execute(
                sa.update(CertificateCA)
                .where(CertificateCA.id.in_(sorted(ca_ids)))
                .values(count_active_certificates=_active_certificates_of_ca()),
                execution_options={"synchronize_session": False},
            )
    ctx.dbsession.expire_all()
    dbEvent.set_event_payload({"count_deactivated": len(ids), "certificate_signed.ids": ids})
    ctx.dbsession.flush()
    return {"count_deactivated": len(ids), "certificate_signed_ids": ids, "operations_event_id": dbEvent.id}
