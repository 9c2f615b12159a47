"""Read-only queries. Paged lists come in pairs: ``*__count`` and ``*__paginated``."""

from typing import Optional

import sqlalchemy as sa

from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeAccountProvider
from ...model.objects import AcmeChallenge
from ...model.objects import Domain
from ...model.objects import DomainBlocklisted
from ...model.objects import OperationsEvent
from ...model.objects import OperationsObjectEvent


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

    One indexed query: only challenges still in play (not yet valid/invalid/gone), only
    http-01, and never for a blocklisted name.
    """
    statement = (
        sa.select(AcmeChallenge)
        .join(Domain, AcmeChallenge.domain_id == Domain.id)
        .where(
            AcmeChallenge.token == token,
            Domain.domain_name == domain_name,
            AcmeChallenge.acme_challenge_type_id == model_utils.AcmeChallengeType.HTTP_01,
            AcmeChallenge.acme_status_challenge_id.in_(model_utils.Acme_Status_Challenge.IDS_POSSIBLY_ACTIVE),
            ~sa.exists().where(DomainBlocklisted.domain_name == domain_name),
        )
        .order_by(AcmeChallenge.id.desc())
        .limit(1)
    )
    return ctx.dbsession.scalars(statement).first()


# --- Domain


def get__Domain__count(ctx, active_only: bool = False) -> int:
    statement = sa.select(sa.func.count(Domain.id))
    if active_only:
        statement = statement.where(Domain.is_active.is_(True))
    return ctx.dbsession.scalar(statement)


def get__Domain__paginated(ctx, limit: int, offset: int, active_only: bool = False):
    statement = sa.select(Domain).order_by(Domain.domain_name.asc()).limit(limit).offset(offset)
    if active_only:
        statement = statement.where(Domain.is_active.is_(True))
    return ctx.dbsession.scalars(statement).all()


def get__Domain__by_id(ctx, domain_id: int) -> Optional[Domain]:
    return ctx.dbsession.get(Domain, domain_id)


def get__Domain__by_name(ctx, domain_name: str) -> Optional[Domain]:
    """Case-insensitive: names are stored lower-case, so lower-casing the query is enough."""
    return ctx.dbsession.scalars(sa.select(Domain).where(Domain.domain_name == domain_name.strip().lower())).first()


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


def get__OperationsObjectEvent__by_event_id(ctx, event_id: int):
    return ctx.dbsession.scalars(
        sa.select(OperationsObjectEvent)
        .where(OperationsObjectEvent.operations_event_id == event_id)
        .order_by(OperationsObjectEvent.id.asc())
    ).all()
