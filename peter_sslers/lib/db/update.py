"""State transitions of existing objects. Each one logs what it did."""

import sqlalchemy as sa

from ...model.objects import CertificateSigned
from ...model.objects import Domain
from ...model.objects import PrivateKey
from .. import errors
from . import actions
from . import actions_redis
from . import coverage
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent

DOMAIN_MARK_ACTIONS = ("active", "inactive")


def update_Domain__mark(ctx, dbDomain: Domain, action: str) -> str:
    """Mark a Domain active (managed) or inactive. After the commit, Redis and the nginx caches
    are told (``actions_redis.refresh_domains__after_commit``).

    :returns: the event name written.
    :raises errors.InvalidRequest: an unknown action.
    :raises errors.InvalidTransition: the Domain is already in that state.
    """
    if action not in DOMAIN_MARK_ACTIONS:
        raise errors.InvalidRequest(
            "`action` must be one of: %s." % ", ".join(DOMAIN_MARK_ACTIONS), field="action"
        )
    want_active = action == "active"
    actions.lock_for_change(ctx, dbDomain)
    if dbDomain.is_active == want_active:
        raise errors.InvalidTransition("The Domain is already %s." % action, field="action")
    event_name = "Domain__mark__%s" % action
    dbOperationsEvent = log__OperationsEvent(
        ctx, event_name, {"domain_id": dbDomain.id, "domain_name": dbDomain.domain_name, "action": action}
    )
    dbDomain.is_active = want_active
    ctx.dbsession.flush(objects=[dbDomain])
    log__OperationsObjectEvent(ctx, event_name, dbDomain, dbOperationsEvent)
    actions_redis.refresh_domains__after_commit(ctx, [dbDomain.id])
    return event_name


CERTIFICATE_SIGNED_MARK_ACTIONS = ("active", "inactive", "revoked")


def update_CertificateSigned__mark(ctx, dbCertificate: CertificateSigned, action: str) -> str:
    """Activate, deactivate or revoke (locally) a certificate; then refresh its Domains' latest
    certificates, and only theirs.

    Deactivation is reversible; revocation is final (the specification's Workflow Concepts).
    After the commit, Redis and the nginx caches stop serving a certificate withdrawn, and its
    Domains serve what they should now (``actions_redis.refresh_domains__after_commit``).

    :returns: the event name written.
    :raises errors.InvalidRequest: an unknown action.
    :raises errors.InvalidTransition: a change the certificate's state does not allow.
    """
    if action not in CERTIFICATE_SIGNED_MARK_ACTIONS:
        raise errors.InvalidRequest(
            "`action` must be one of: %s." % ", ".join(CERTIFICATE_SIGNED_MARK_ACTIONS), field="action"
        )
    # actions.LOCK_ORDER: its key, itself, then (update-recents) its Domains; read again once locked
    actions.lock_for_change(ctx, dbCertificate, (PrivateKey, PrivateKey.id == dbCertificate.private_key_id))
    if dbCertificate.is_revoked:
        raise errors.InvalidTransition("The certificate is revoked; that is final.", field="action")
    was_active = bool(dbCertificate.is_active)
    if action == "active":
        if dbCertificate.is_active:
            raise errors.InvalidTransition("The certificate is already active.", field="action")
        if dbCertificate.timestamp_not_after <= ctx.timestamp:
            raise errors.InvalidTransition("The certificate has expired; it cannot be activated.", field="action")
        dbCertificate.is_active = True
        dbCertificate.is_deactivated = None
    elif action == "inactive":
        if not dbCertificate.is_active:
            raise errors.InvalidTransition("The certificate is already inactive.", field="action")
        dbCertificate.is_active = False
        dbCertificate.is_deactivated = True
    else:  # revoked
        dbCertificate.is_active = False
        dbCertificate.is_deactivated = None
        dbCertificate.is_revoked = True
    event_name = "CertificateSigned__mark__%s" % action
    dbOperationsEvent = log__OperationsEvent(
        ctx, event_name, {"certificate_signed_id": dbCertificate.id, "action": action}
    )
    log__OperationsObjectEvent(ctx, event_name, dbCertificate, dbOperationsEvent)
    dbPrivateKey = dbCertificate.private_key
    dbPrivateKey.count_active_certificates = max(
        0, (dbPrivateKey.count_active_certificates or 0) + int(dbCertificate.is_active) - int(was_active)
    )
    ctx.dbsession.flush()
    domain_ids = actions.domain_ids__of_certificates(ctx, [dbCertificate.id])
    actions.update_recents__domains(ctx, domain_ids)
    actions_redis.refresh_domains__after_commit(
        ctx, domain_ids, revoked_certificate_ids=[] if dbCertificate.is_active else [dbCertificate.id]
    )
    if action == "revoked" and was_active:
        # a serving certificate withdrawn for good: its names need another (coverage assurance)
        coverage.raise_certificate_revoked(ctx, dbCertificate, via_acme=False)
    return event_name


PRIVATE_KEY_MARK_ACTIONS = ("active", "inactive", "compromised")


def update_PrivateKey__mark(ctx, dbPrivateKey: PrivateKey, action: str, via_acme: bool = False) -> dict:
    """Activate or deactivate a key, or declare it compromised.

    Compromised is final: the key is deactivated, and every certificate made with it is
    marked revoked (locally) and inactive; the Domains they covered get their latest
    certificates recomputed; after the commit the key and those certificates leave Redis and
    the nginx caches (``actions_redis.refresh_domains__after_commit``).

    A compromise raises a coverage assurance event for the key, with a child for each of its
    certificates that was serving (``coverage.raise_key_compromised``; ``via_acme``: the
    compromise came with a revocation on the ACME server).

    :returns: ``{"event": name, "certificate_signed_ids": [...]}`` (the certificates revoked).
    :raises errors.InvalidRequest: an unknown action, or the placeholder key.
    :raises errors.InvalidTransition: a change the key's state does not allow.
    """
    if action not in PRIVATE_KEY_MARK_ACTIONS:
        raise errors.InvalidRequest(
            "`action` must be one of: %s." % ", ".join(PRIVATE_KEY_MARK_ACTIONS), field="action"
        )
    if dbPrivateKey.is_placeholder:
        raise errors.InvalidRequest("The placeholder key cannot be marked.", field="action")
    actions.lock_for_change(ctx, dbPrivateKey)
    if dbPrivateKey.is_compromised:
        raise errors.InvalidTransition("The key is compromised; that is final.", field="action")
    revoked_ids = []
    serving_ids = []
    if action == "active":
        if dbPrivateKey.is_active:
            raise errors.InvalidTransition("The key is already active.", field="action")
        dbPrivateKey.is_active = True
    elif action == "inactive":
        if not dbPrivateKey.is_active:
            raise errors.InvalidTransition("The key is already inactive.", field="action")
        dbPrivateKey.is_active = False
    else:  # compromised
        dbPrivateKey.is_active = False
        dbPrivateKey.is_compromised = True
        revoked_ids = ctx.dbsession.scalars(
            sa.select(CertificateSigned.id).where(
                CertificateSigned.private_key_id == dbPrivateKey.id, CertificateSigned.is_revoked.is_not(True)
            )
        ).all()
        serving_ids = ctx.dbsession.scalars(
            sa.select(CertificateSigned.id).where(
                CertificateSigned.id.in_(revoked_ids),
                CertificateSigned.is_active.is_(True),
                CertificateSigned.timestamp_not_after > ctx.timestamp,
            )
        ).all()
    event_name = "PrivateKey__mark__%s" % action
    dbOperationsEvent = log__OperationsEvent(
        ctx, event_name, {"private_key_id": dbPrivateKey.id, "action": action, "certificate_signed.ids": revoked_ids}
    )
    log__OperationsObjectEvent(ctx, event_name, dbPrivateKey, dbOperationsEvent)
    if revoked_ids:
        ctx.dbsession.execute(
            sa.update(CertificateSigned)
            .where(CertificateSigned.id.in_(revoked_ids))
            .values(is_active=False, is_deactivated=None, is_revoked=True, is_compromised_private_key=True),
            execution_options={"synchronize_session": False},
        )
        dbPrivateKey.count_active_certificates = 0
        ctx.dbsession.flush()
        for certificate_id in revoked_ids:
            dbCertificate = ctx.dbsession.get(CertificateSigned, certificate_id)
            log__OperationsObjectEvent(ctx, "CertificateSigned__mark__compromised", dbCertificate, dbOperationsEvent)
        domain_ids = actions.domain_ids__of_certificates(ctx, revoked_ids)
        actions.update_recents__domains(ctx, domain_ids)
        actions_redis.refresh_domains__after_commit(
            ctx, domain_ids, revoked_certificate_ids=revoked_ids, compromised_private_key_ids=[dbPrivateKey.id]
        )
    elif action == "compromised":
        # no certificate to revoke, but the key itself must leave Redis
        actions_redis.refresh_domains__after_commit(ctx, [], compromised_private_key_ids=[dbPrivateKey.id])
    if action == "compromised":
        ctx.dbsession.flush()
        coverage.raise_key_compromised(ctx, dbPrivateKey, serving_ids, via_acme=via_acme)
    ctx.dbsession.flush()
    return {"event": event_name, "certificate_signed_ids": revoked_ids}
