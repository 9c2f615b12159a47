"""The hot read paths without the ORM: ``config.json`` and the challenge responder's lookup.

Both are asked for on every deploy and every ACME validation, by machines, many times a second.
Each is one Core statement built once at import (so SQLAlchemy's compiled cache always hits: no
query or eager-load options rebuilt per call), run on a plain pooled connection (no ORM session,
no unit of work), its rows read as plain tuples. Nothing is cached between requests: every call
reads the shared datastore, so several instances on one PostgreSQL never serve stale
certificates, keys, chains or challenges.

``config.json``'s payload is built by the same functions as before (``lib.exports``), over small
read-only records carrying just the attributes those functions read: the same JSON, by the same
rules, as from ORM rows (``tests/web/test_reads.py`` compares the two).
"""

import datetime
from typing import Optional

import sqlalchemy as sa

from .. import exports
from ...model import utils as model_utils
from ...model.objects import AcmeAuthorization
from ...model.objects import AcmeChallenge
from ...model.objects import AcmeChallengeProbe
from ...model.objects import AcmeOrder
from ...model.objects import AcmeOrder2AcmeAuthorization
from ...model.objects import CertificateCAChain
from ...model.objects import CertificateSigned
from ...model.objects import CertificateSignedChain
from ...model.objects import Domain
from ...model.objects import DomainBlocklisted
from ...model.objects import PrivateKey
from . import chains
from .get import AUTHORIZATION_STATUS_IDS_ANSWERABLE
from .get import ORDER_STATUS_IDS_ANSWERABLE

# --- config.json


class _Record:
    """A read-only bag of attributes (what ``lib.exports`` reads of a row)."""

    def __init__(self, **values):
        self.__dict__.update(values)


class _ChainRecord(_Record):
    @property
    def certificate_ca_ids(self) -> list:
        return [int(i) for i in self.certificate_ca_ids_string.split(",")]


def _config_statement(by_id: bool, with_pem: bool):
    """The Domain, its two latest certificates (each once), their keys and every chain of each
    (one row per chain, or one row without when a certificate has none). An inactive Domain
    joins nothing: its payload is nulls."""
    domain = Domain.__table__
    cert = CertificateSigned.__table__
    key = PrivateKey.__table__
    link = CertificateSignedChain.__table__
    chain = CertificateCAChain.__table__
    columns = [
        domain.c.id,
        domain.c.domain_name,
        domain.c.is_active,
        domain.c.certificate_signed_id__latest_single,
        domain.c.certificate_signed_id__latest_multi,
        cert.c.id,
        cert.c.is_active,
        cert.c.timestamp_not_after,
        cert.c.private_key_id,
        link.c.id,
        link.c.is_upstream_default,
        chain.c.id,
        chain.c.certificate_ca_ids_string,
    ]
    if with_pem:
        columns += [cert.c.cert_pem, key.c.key_pem, chain.c.chain_pem]
    joined = domain.outerjoin(
        cert,
        sa.and_(
            domain.c.is_active.is_(True),
            sa.or_(
                cert.c.id == domain.c.certificate_signed_id__latest_single,
                cert.c.id == domain.c.certificate_signed_id__latest_multi,
            ),
        ),
    )
    if with_pem:
        joined = joined.outerjoin(key, key.c.id == cert.c.private_key_id)
    joined = joined.outerjoin(link, link.c.certificate_signed_id == cert.c.id).outerjoin(
        chain, chain.c.id == link.c.certificate_ca_chain_id
    )
    condition = (
        domain.c.id == sa.bindparam("identifier", type_=sa.Integer)
        if by_id
        else domain.c.domain_name == sa.bindparam("identifier", type_=sa.Unicode)
    )
    return sa.select(*columns).select_from(joined).where(condition).order_by(cert.c.id, link.c.id)


# built once: (by id?, with PEMs?) -> statement
_CONFIG_STATEMENTS = {(by_id, pem): _config_statement(by_id, pem) for by_id in (True, False) for pem in (True, False)}


def config_identifier(domain_identifier: str):
    """``(by_id, value)`` for a Domain id or name, as ``get.get__Domain__for_config`` reads it."""
    identifier = domain_identifier.strip()
    if identifier.isascii() and identifier.isdigit():  # `²`.isdigit() is True too
        return True, int(identifier)
    return False, identifier.lower()


def domain_for_config(connection, domain_identifier: str, with_pem: bool = True) -> Optional[_Record]:
    """The Domain (by id or name) as ``lib.exports`` reads it: ``id``, ``domain_name``,
    ``is_active`` and its two latest certificates (each with ``private_key`` and
    ``certificate_signed_chains``, each link with its ``certificate_ca_chain``), or None.
    ``with_pem=False`` leaves the PEMs out (``?idonly=1``): they are read as empty strings."""
    by_id, value = config_identifier(domain_identifier)
    rows = connection.execute(_CONFIG_STATEMENTS[(by_id, with_pem)], {"identifier": value}).all()
    if not rows:
        return None
    first = rows[0]
    certificates = {}
    for row in rows:
        cert_id = row[5]
        if cert_id is None:
            continue
        dbCertificate = certificates.get(cert_id)
        if dbCertificate is None:
            dbCertificate = certificates[cert_id] = _Record(
                id=cert_id,
                is_active=row[6],
                timestamp_not_after=row[7],
                private_key_id=row[8],
                cert_pem=row[13] if with_pem else "",
                private_key=_Record(id=row[8], key_pem=row[14] if with_pem else ""),
                certificate_signed_chains=[],
            )
        if row[9] is not None:
            dbChain = _ChainRecord(id=row[11], certificate_ca_ids_string=row[12], chain_pem=row[15] if with_pem else "")
            dbCertificate.certificate_signed_chains.append(
                _Record(id=row[9], is_upstream_default=row[10], certificate_ca_chain=dbChain)
            )
    return _Record(
        id=first[0],
        domain_name=first[1],
        is_active=first[2],
        certificate_signed__latest_single=certificates.get(first[3]) if first[3] is not None else None,
        certificate_signed__latest_multi=certificates.get(first[4]) if first[4] is not None else None,
    )


class ReadContext:
    """What the payload and the Redis write-through read of a context (``settings``,
    ``timestamp``, the preferred-CA list) without an ORM session: the list is read on
    ``connection`` (once at most, and only when a certificate has several chains)."""

    def __init__(self, connection, settings, timestamp: datetime.datetime):
        self.settings = settings
        self.timestamp = timestamp
        setattr(self, chains.CACHE_ATTRIBUTE, chains.ChainPreference(None, connection=connection))


def domain_config_payload(connection, settings, timestamp, domain_identifier: str, id_only: bool = False, prime=None):
    """``config.json``'s payload for a Domain id or name, or None if there is none.

    :param prime: called with ``(ReadContext, domain record)`` before the payload is built
        (``?openresty=1``: the Redis write-through); the record then carries the PEMs.
    """
    dbDomain = domain_for_config(connection, domain_identifier, with_pem=not id_only or prime is not None)
    if dbDomain is None:
        return None
    read_ctx = ReadContext(connection, settings, timestamp)
    preference = chains.chain_preference(read_ctx)
    if prime is not None:
        prime(read_ctx, dbDomain)
    return exports.domain_config_payload(dbDomain, preference, id_only=id_only, now=timestamp)


# --- the challenge responder


def _in_constants(column, values):
    """``column IN (1, 2, 3)`` with the code's own integer constants written into the SQL: an
    IN of bound values is an "expanding" parameter, re-rendered on every execution."""
    return column.in_([sa.literal_column(str(int(value))) for value in values])


def _answerable_statement():
    """``get.get__AcmeChallenge__answerable``'s rule as one Core statement, built once:
    ``(challenge id, key authorization)`` of the newest match. Bound: ``token``,
    ``domain_name``, ``now``."""
    challenge = AcmeChallenge.__table__
    domain = Domain.__table__
    authorization = AcmeAuthorization.__table__
    order = AcmeOrder.__table__
    order2authz = AcmeOrder2AcmeAuthorization.__table__
    blocklisted = DomainBlocklisted.__table__
    domain_name = sa.bindparam("domain_name", type_=sa.Unicode)
    now = sa.bindparam("now", type_=authorization.c.timestamp_expires.type)

    order_in_play = (
        sa.select(order2authz.c.acme_order_id)
        .join(order, order.c.id == order2authz.c.acme_order_id)
        .where(
            order2authz.c.acme_authorization_id == challenge.c.acme_authorization_id,
            _in_constants(order.c.acme_status_order_id, ORDER_STATUS_IDS_ANSWERABLE),
        )
        .exists()
    )
    return (
        sa.select(challenge.c.id, challenge.c.keyauthorization)
        .join(domain, challenge.c.domain_id == domain.c.id)
        .join(authorization, challenge.c.acme_authorization_id == authorization.c.id)
        .where(
            challenge.c.token == sa.bindparam("token", type_=sa.Unicode),
            domain.c.domain_name == domain_name,
            challenge.c.acme_challenge_type_id == sa.literal_column(str(int(model_utils.AcmeChallengeType.HTTP_01))),
            _in_constants(challenge.c.acme_status_challenge_id, model_utils.Acme_Status_Challenge.IDS_POSSIBLY_ACTIVE),
            _in_constants(authorization.c.acme_status_authorization_id, AUTHORIZATION_STATUS_IDS_ANSWERABLE),
            sa.or_(authorization.c.timestamp_expires.is_(None), authorization.c.timestamp_expires > now),
            order_in_play,
            ~sa.exists().where(blocklisted.c.domain_name == domain_name),
        )
        .order_by(challenge.c.id.desc())
        .limit(1)
    )


_ANSWERABLE = _answerable_statement()


def challenge_answerable(connection, token: str, domain_name: str, now: datetime.datetime):
    """``(challenge id, key authorization)`` of the http-01 challenge to answer, or None (the
    rule; ``get.get__AcmeChallenge__answerable`` runs it through a session). ``connection``: a
    Connection, or a Session (which flushes first)."""
    return connection.execute(_ANSWERABLE, {"token": token, "domain_name": domain_name, "now": now}).first()


_PROBE = (
    sa.select(AcmeChallengeProbe.__table__.c.key_authorization)
    .where(
        AcmeChallengeProbe.__table__.c.token == sa.bindparam("token", type_=sa.Unicode),
        AcmeChallengeProbe.__table__.c.domain_name == sa.bindparam("domain_name", type_=sa.Unicode),
        AcmeChallengeProbe.__table__.c.timestamp_expires
        > sa.bindparam("now", type_=AcmeChallengeProbe.__table__.c.timestamp_expires.type),
        ~sa.exists().where(DomainBlocklisted.__table__.c.domain_name == sa.bindparam("domain_name", type_=sa.Unicode)),
    )
    .limit(1)
)


def probe_answerable(connection, token: str, domain_name: str, now: datetime.datetime) -> Optional[str]:
    """The key authorization of the http-01 self-check's live probe (``AcmeChallengeProbe``) for
    ``token`` on ``domain_name``, or None: not expired at ``now``, and never for a blocklisted
    name (the responder ignores blocklisted hosts). One query on the token's unique index; the
    responder asks only after a miss on the real challenges."""
    return connection.execute(_PROBE, {"token": token, "domain_name": domain_name, "now": now}).scalar()
