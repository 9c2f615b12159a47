"""The ORM classes.

Layout: one section per aggregate (ACME servers and accounts; ACME orders,
authorizations and challenges; challenge polls; the ACME event log; keys and
certificates; domains; queues; the operations log), then the "latest ..."
relationships that need every class to exist.

House rules:

* Enum columns are integers; their meaning is in ``model.utils``. Each has a
  string property of the same name without ``_id`` (``acme_status_order``).
* Timestamps are ``meta.TZDateTime``: aware UTC in Python, naive UTC on disk.
* Tri-state booleans are deliberate where documented (e.g. ``is_default`` is
  True or NULL, so a unique index allows any number of NULLs but one True).
  Note that at INSERT the ORM replaces an explicit None by the column's
  default: a tri-state column with ``default=True`` (``AcmeOrder.is_processing``,
  the queues' ``is_active``) cannot be inserted as NULL; set NULL by an update.
* Relationships load lazily ("select"); list pages eager-load what they show.
* PEM text is deduplicated by the SHA-256 hex digest of the normalised PEM
  (``*_pem_sha256``); keys, CSRs and certificates are linked by the SHA-256 of
  their SubjectPublicKeyInfo (``spki_sha256``).
* ``as_json`` is the JSON API shape: ids as strings, timestamps ISO 8601 with
  an explicit UTC offset, enum ids also given as their names. Where it reads a
  relationship, its docstring says which, so list views can eager-load them.
"""

import datetime
import hashlib
import json
from typing import Any
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import aliased
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from . import utils as model_utils
from .meta import Base
from .meta import TZDateTime
from .meta import utcnow

__all__ = [
    "AcmeAccountProvider",
    "AcmeAccount",
    "AcmeAccountKey",
    "AcmeOrder",
    "AcmeOrderSubmission",
    "AcmeOrder2AcmeAuthorization",
    "AcmeAuthorization",
    "AcmeChallenge",
    "AcmeChallengeProbe",
    "AcmeOrderless",
    "AcmeOrderlessChallenge",
    "AcmeChallengePoll",
    "AcmeDnsServer",
    "AcmeDnsServerAccount",
    "RemoteIpAddress",
    "AcmeEventLog",
    "CertificateCA",
    "CertificateCAChain",
    "CertificateCAPreference",
    "CertificateCAReconciliation",
    "RootStore",
    "RootStoreVersion",
    "RootStoreVersion2CertificateCA",
    "CertificateRequest",
    "CertificateSigned",
    "CertificateSignedChain",
    "Domain",
    "DomainBlocklisted",
    "DomainAutocert",
    "UniqueFQDNSet",
    "UniqueFQDNSet2Domain",
    "PrivateKey",
    "QueueDomain",
    "QueueCertificate",
    "CoverageAssuranceEvent",
    "Notification",
    "DnsBackendRfc2136",
    "OperationsEvent",
    "OperationsObjectEvent",
]


# ==============================================================================
# helpers


def _id(value: Optional[int]) -> Optional[str]:
    """Ids travel as strings in JSON (they may exceed a JavaScript double)."""
    return None if value is None else str(value)


def _iso(ts: Optional[datetime.datetime]) -> Optional[str]:
    return ts.isoformat() if ts is not None else None


def _check_true_or_null(column_name: str) -> sa.CheckConstraint:
    """A tri-state flag that may only be True or NULL.

    Paired with a unique index this means "at most one row is True". The SQL is
    spelled once, valid on both PostgreSQL and SQLite (>= 3.23): an expression
    would render per dialect (``IS 1`` on SQLite), and alembic autogenerate
    freezes whatever the dialect it ran on rendered into the migration.
    """
    return sa.CheckConstraint(
        "%s IS NULL OR %s IS TRUE" % (column_name, column_name),
        name="%s_true_or_null" % column_name,
    )


def _check_exactly_one(name: str, *column_names: str) -> sa.CheckConstraint:
    """Exactly one of ``column_names`` is not NULL."""
    terms = " + ".join(
        "(CASE WHEN %s IS NOT NULL THEN 1 ELSE 0 END)" % c for c in column_names
    )
    return sa.CheckConstraint("(%s) = 1" % terms, name=name)


def _check_lowercase(column_name: str) -> sa.CheckConstraint:
    """Names are stored lower-case, so a plain unique index is case-insensitive."""
    return sa.CheckConstraint(
        "%s = lower(%s)" % (column_name, column_name), name="%s_lowercase" % column_name
    )


# ==============================================================================
# ACME servers and accounts



def pem_md5(key_pem: Optional[str]) -> Optional[str]:
    """The MD5 hex of a stored key PEM: how the 2021 forms and payloads named a key
    (``key_pem_md5``). An identifier, not a security measure."""
    if key_pem is None:
        return None
    return hashlib.md5(key_pem.encode("utf-8"), usedforsecurity=False).hexdigest()

class AcmeAccountProvider(Base):
    """An ACME server: its directory URL and whether forms may use it.

    ``is_default`` and ``is_enabled`` are True or NULL, never False.
    """

    __tablename__ = "acme_account_provider"
    __table_args__ = (
        sa.CheckConstraint(
            "(endpoint IS NOT NULL AND directory IS NULL)"
            " OR (endpoint IS NULL AND directory IS NOT NULL)",
            name="check_endpoint_or_directory",
        ),
        sa.CheckConstraint("protocol = 'acme-v2'", name="check_protocol"),
        _check_true_or_null("is_default"),
        _check_true_or_null("is_enabled"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    name: Mapped[str] = mapped_column(sa.Unicode(64), unique=True)
    endpoint: Mapped[Optional[str]] = mapped_column(sa.Unicode(255), unique=True)
    directory: Mapped[Optional[str]] = mapped_column(sa.Unicode(255), unique=True)
    # the host part of the URL; matches imported Certbot accounts to a provider
    server: Mapped[str] = mapped_column(sa.Unicode(255), unique=True)
    is_default: Mapped[Optional[bool]] = mapped_column(index=True, unique=True)
    is_enabled: Mapped[Optional[bool]]
    protocol: Mapped[str] = mapped_column(sa.Unicode(32), default="acme-v2")

    acme_accounts: Mapped[list["AcmeAccount"]] = relationship(
        back_populates="acme_account_provider", order_by="AcmeAccount.id.desc()"
    )

    @property
    def url(self) -> Optional[str]:
        return self.directory or self.endpoint

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "name": self.name,
            "directory": self.directory,
            "endpoint": self.endpoint,
            "url": self.url,
            "server": self.server,
            "protocol": self.protocol,
            "is_default": bool(self.is_default),
            "is_enabled": bool(self.is_enabled),
        }


class AcmeAccount(Base):
    """A registration (provider, contact) on an ACME server.

    ``acme_account_key`` is the one active key (see AcmeAccountKey).
    ``private_key_cycle_id`` / ``private_key_technology_id`` are the defaults an
    order uses when it defers the choice of PrivateKey to the account.
    ``is_global_default`` (True or NULL) marks the one system default account.
    """

    __tablename__ = "acme_account"
    __table_args__ = (_check_true_or_null("is_global_default"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    contact: Mapped[Optional[str]] = mapped_column(sa.Unicode(255))
    terms_of_service: Mapped[Optional[str]] = mapped_column(sa.Unicode(255))
    account_url: Mapped[Optional[str]] = mapped_column(sa.Unicode(255), unique=True)
    # RFC 8555 7.3.4: the CA's External Account Binding key id the account was created with (the
    # HMAC key is never stored); NULL: not bound by us
    eab_kid: Mapped[Optional[str]] = mapped_column(sa.Unicode(255))
    count_acme_orders: Mapped[int] = mapped_column(default=0)
    count_certificate_signeds: Mapped[int] = mapped_column(default=0)
    timestamp_last_certificate_request: Mapped[Optional[datetime.datetime]] = (
        mapped_column(TZDateTime)
    )
    timestamp_last_certificate_issue: Mapped[Optional[datetime.datetime]] = (
        mapped_column(TZDateTime)
    )
    timestamp_last_authenticated: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    timestamp_deactivated: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    is_global_default: Mapped[Optional[bool]] = mapped_column(index=True, unique=True)
    acme_account_provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_account_provider.id"), index=True
    )
    private_key_cycle_id: Mapped[int] = mapped_column(
        default=model_utils.PrivateKeyCycle.SINGLE_CERTIFICATE
    )
    private_key_technology_id: Mapped[int] = mapped_column(
        default=model_utils.KeyTechnology.RSA
    )
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    acme_account_key: Mapped[Optional["AcmeAccountKey"]] = relationship(
        primaryjoin="and_(AcmeAccount.id == AcmeAccountKey.acme_account_id,"
        " AcmeAccountKey.is_active.is_(True))",
        viewonly=True,
    )
    acme_account_keys_all: Mapped[list["AcmeAccountKey"]] = relationship(
        back_populates="acme_account", order_by="AcmeAccountKey.id.desc()"
    )
    acme_account_provider: Mapped["AcmeAccountProvider"] = relationship(
        back_populates="acme_accounts"
    )
    acme_orders: Mapped[list["AcmeOrder"]] = relationship(
        back_populates="acme_account", order_by="AcmeOrder.id.desc()"
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="acme_account"
    )
    private_keys__owned: Mapped[list["PrivateKey"]] = relationship(
        back_populates="acme_account__owner", order_by="PrivateKey.id.desc()"
    )

    @property
    def private_key_cycle(self) -> str:
        return model_utils.PrivateKeyCycle.as_string(self.private_key_cycle_id)

    @property
    def private_key_technology(self) -> str:
        return model_utils.KeyTechnology.as_string(self.private_key_technology_id)

    @property
    def is_usable(self) -> bool:
        """Active, with an active key: it can sign requests."""
        return bool(self.is_active and self.acme_account_key is not None)

    @property
    def is_global_default_candidate(self) -> bool:
        return bool(
            not self.is_global_default
            and self.is_usable
            and self.acme_account_provider.is_default
        )

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``acme_account_provider`` and ``acme_account_key``."""
        key = self.acme_account_key
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "contact": self.contact,
            "terms_of_service": self.terms_of_service,
            "account_url": self.account_url,
            "eab_kid": self.eab_kid,
            "is_eab_bound": self.eab_kid is not None,
            "is_active": bool(self.is_active),
            "is_global_default": bool(self.is_global_default),
            "is_usable": self.is_usable,
            "acme_account_provider_id": _id(self.acme_account_provider_id),
            "acme_account_provider_name": self.acme_account_provider.name,
            "acme_account_provider_url": self.acme_account_provider.url,
            "private_key_cycle": self.private_key_cycle,
            "private_key_technology": self.private_key_technology,
            "count_acme_orders": self.count_acme_orders,
            "count_certificate_signeds": self.count_certificate_signeds,
            "timestamp_last_authenticated": _iso(self.timestamp_last_authenticated),
            "timestamp_last_certificate_request": _iso(
                self.timestamp_last_certificate_request
            ),
            "timestamp_last_certificate_issue": _iso(
                self.timestamp_last_certificate_issue
            ),
            "timestamp_deactivated": _iso(self.timestamp_deactivated),
            "operations_event_id__created": _id(self.operations_event_id__created),
            "AcmeAccountKey": key.as_json if key is not None else None,
            # the 2021 payloads named an account by its current key's PEM MD5
            "key_pem_md5": key.key_pem_md5 if key is not None else None,
        }


class AcmeAccountKey(Base):
    """The JWS key of an AcmeAccount.

    ``is_active`` is True for the account's current key and NULL for retired
    ones, so the unique index on (acme_account_id, is_active) allows exactly one
    active key and any number of retired keys per account. It has no default on
    purpose: the ORM replaces an explicit None by a column's default at INSERT,
    which would turn an imported retired key into the active one. Set it.
    """

    __tablename__ = "acme_account_key"
    __table_args__ = (
        sa.Index(
            "uix_acme_account_key_active", "acme_account_id", "is_active", unique=True
        ),
        _check_true_or_null("is_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acme_account_id: Mapped[int] = mapped_column(sa.ForeignKey("acme_account.id"))
    is_active: Mapped[Optional[bool]]
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    timestamp_deactivated: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    key_technology_id: Mapped[int]
    key_pem: Mapped[str] = mapped_column(sa.Text)
    key_pem_sha256: Mapped[str] = mapped_column(sa.Unicode(64), unique=True)
    spki_sha256: Mapped[str] = mapped_column(sa.Unicode(64), index=True)
    acme_account_key_source_id: Mapped[int]
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    acme_account: Mapped["AcmeAccount"] = relationship(
        back_populates="acme_account_keys_all"
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="acme_account_key"
    )

    @property
    def acme_account_key_source(self) -> str:
        return model_utils.AcmeAccountKeySource.as_string(
            self.acme_account_key_source_id
        )

    @property
    def key_technology(self) -> str:
        return model_utils.KeyTechnology.as_string(self.key_technology_id)

    @property
    def key_pem_md5(self) -> Optional[str]:
        """The 2021 name of this key (``account_key_existing`` in the 2021 order forms)."""
        return pem_md5(self.key_pem)

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "acme_account_id": _id(self.acme_account_id),
            "is_active": bool(self.is_active),
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_deactivated": _iso(self.timestamp_deactivated),
            "key_technology": self.key_technology,
            "acme_account_key_source": self.acme_account_key_source,
            "key_pem": self.key_pem,
            "key_pem_sha256": self.key_pem_sha256,
            "key_pem_md5": self.key_pem_md5,
            "spki_sha256": self.spki_sha256,
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


# ==============================================================================
# ACME orders, authorizations, challenges


class AcmeOrder(Base):
    """One RFC 8555 order for a UniqueFQDNSet, placed by an AcmeAccount.

    ``private_key_id`` is never NULL: an order whose key is chosen at finalize
    points at the placeholder PrivateKey (id 0) until then.

    ``is_processing`` is tri-state:
        True:  active; its authorizations and challenges block the domains
        None:  finished, successfully or not
        False: cancelled by the user
    """

    __tablename__ = "acme_order"
    __table_args__ = (
        # the CA's "new orders per account" window (lib/db/rate_limits.py): one index range
        sa.Index("ix_acme_order_acme_account_id_timestamp_created", "acme_account_id", "timestamp_created"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    is_processing: Mapped[Optional[bool]] = mapped_column(default=True, index=True)
    is_auto_renew: Mapped[bool] = mapped_column(default=True)
    is_renewed: Mapped[Optional[bool]]
    is_save_alternate_chains: Mapped[bool] = mapped_column(default=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    acme_order_type_id: Mapped[int]
    acme_status_order_id: Mapped[int] = mapped_column(
        default=model_utils.Acme_Status_Order.PENDING, index=True
    )
    acme_order_processing_strategy_id: Mapped[int]
    acme_order_processing_status_id: Mapped[int]
    order_url: Mapped[Optional[str]] = mapped_column(sa.Unicode(255), unique=True)
    finalize_url: Mapped[Optional[str]] = mapped_column(sa.Unicode(255))
    certificate_url: Mapped[Optional[str]] = mapped_column(sa.Unicode(255))
    timestamp_expires: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    timestamp_updated: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    timestamp_finalized: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    # if renewed, which cycle picks the renewal's key
    private_key_cycle_id__renewal: Mapped[int]
    # how the key was asked for, and how it was finally chosen
    private_key_strategy_id__requested: Mapped[int]
    private_key_strategy_id__final: Mapped[Optional[int]]
    acme_account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_account.id"), index=True
    )
    certificate_request_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_request.id"), index=True
    )
    # one certificate comes from one order (CertificateSigned.acme_order is scalar)
    certificate_signed_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_signed.id"), index=True, unique=True
    )
    private_key_id__requested: Mapped[int] = mapped_column(
        sa.ForeignKey("private_key.id"), index=True
    )
    private_key_id: Mapped[int] = mapped_column(
        sa.ForeignKey("private_key.id"), index=True
    )
    unique_fqdn_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("unique_fqdn_set.id"), index=True
    )
    acme_order_id__retry_of: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_order.id"), index=True
    )
    acme_order_id__renewal_of: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_order.id"), index=True
    )
    certificate_signed_id__renewal_of: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_signed.id"), index=True
    )
    # the names validated with dns-01, comma-separated and sorted (wildcards among them); every
    # other name of the set is http-01 (NULL: all http-01). Processing, retries and renewals read it.
    domain_names_dns01: Mapped[Optional[str]] = mapped_column(sa.Text)

    acme_account: Mapped["AcmeAccount"] = relationship(back_populates="acme_orders")
    acme_order__retry_of: Mapped[Optional["AcmeOrder"]] = relationship(
        foreign_keys=[acme_order_id__retry_of], remote_side=[id]
    )
    acme_order__renewal_of: Mapped[Optional["AcmeOrder"]] = relationship(
        foreign_keys=[acme_order_id__renewal_of], remote_side=[id]
    )
    acme_order_submissions: Mapped[list["AcmeOrderSubmission"]] = relationship(
        back_populates="acme_order", order_by="AcmeOrderSubmission.id"
    )
    certificate_request: Mapped[Optional["CertificateRequest"]] = relationship(
        back_populates="acme_orders"
    )
    certificate_signed: Mapped[Optional["CertificateSigned"]] = relationship(
        foreign_keys=[certificate_signed_id]
    )
    certificate_signed__renewal_of: Mapped[Optional["CertificateSigned"]] = (
        relationship(
            foreign_keys=[certificate_signed_id__renewal_of],
            back_populates="acme_order__renewals",
        )
    )
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="acme_order"
    )
    private_key: Mapped["PrivateKey"] = relationship(
        foreign_keys=[private_key_id], back_populates="acme_orders"
    )
    private_key__requested: Mapped["PrivateKey"] = relationship(
        foreign_keys=[private_key_id__requested]
    )
    queue_certificate__generator: Mapped[Optional["QueueCertificate"]] = relationship(
        foreign_keys="QueueCertificate.acme_order_id__generated",
        back_populates="acme_order__generated",
    )
    to_acme_authorizations: Mapped[list["AcmeOrder2AcmeAuthorization"]] = (
        relationship(back_populates="acme_order")
    )
    unique_fqdn_set: Mapped["UniqueFQDNSet"] = relationship(
        back_populates="acme_orders"
    )

    # - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
    # enum names

    @property
    def acme_status_order(self) -> str:
        return model_utils.Acme_Status_Order.as_string(self.acme_status_order_id)

    @property
    def acme_order_type(self) -> str:
        return model_utils.AcmeOrderType.as_string(self.acme_order_type_id)

    @property
    def acme_order_processing_strategy(self) -> str:
        return model_utils.AcmeOrder_ProcessingStrategy.as_string(
            self.acme_order_processing_strategy_id
        )

    @property
    def acme_order_processing_status(self) -> str:
        return model_utils.AcmeOrder_ProcessingStatus.as_string(
            self.acme_order_processing_status_id
        )

    @property
    def private_key_cycle__renewal(self) -> str:
        return model_utils.PrivateKeyCycle.as_string(self.private_key_cycle_id__renewal)

    @property
    def private_key_strategy__requested(self) -> str:
        return model_utils.PrivateKeyStrategy.as_string(
            self.private_key_strategy_id__requested
        )

    @property
    def private_key_strategy__final(self) -> Optional[str]:
        if self.private_key_strategy_id__final is None:
            return None
        return model_utils.PrivateKeyStrategy.as_string(
            self.private_key_strategy_id__final
        )

    # - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
    # derived from relationships

    @property
    def acme_authorizations(self) -> list["AcmeAuthorization"]:
        return [to_a.acme_authorization for to_a in self.to_acme_authorizations]

    @property
    def acme_authorization_ids(self) -> list[int]:
        return [to_a.acme_authorization_id for to_a in self.to_acme_authorizations]

    @property
    def authorizations_can_deactivate(self) -> list["AcmeAuthorization"]:
        return [
            a
            for a in self.acme_authorizations
            if a.acme_status_authorization_id
            in model_utils.Acme_Status_Authorization.IDS_DEACTIVATE
        ]

    @property
    def domains_as_list(self) -> list[str]:
        return self.unique_fqdn_set.domains_as_list

    @property
    def domains_dns01(self) -> list[str]:
        return [n for n in (self.domain_names_dns01 or "").split(",") if n]

    @property
    def domains_challenged(self) -> dict[str, str]:
        """Each name of the order with its challenge type (``http-01`` or ``dns-01``)."""
        dns01 = set(self.domains_dns01)
        return {
            n: ("dns-01" if n in dns01 else "http-01") for n in self.domains_as_list
        }

    # - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
    # capability flags: drive the UI buttons and the `url_*` hints in JSON

    @property
    def is_can_acme_process(self) -> bool:
        return self.acme_status_order_id in model_utils.Acme_Status_Order.IDS_PROCESS

    @property
    def is_can_acme_finalize(self) -> bool:
        return self.acme_status_order_id in model_utils.Acme_Status_Order.IDS_FINALIZE

    @property
    def is_can_mark_invalid(self) -> bool:
        return (
            self.acme_status_order_id
            not in model_utils.Acme_Status_Order.IDS_X_MARK_INVALID
        )

    @property
    def is_can_retry(self) -> bool:
        return self.acme_status_order_id in model_utils.Acme_Status_Order.IDS_RETRY

    @property
    def is_can_acme_server_sync(self) -> bool:
        return bool(self.order_url) and (
            self.acme_status_order_id
            not in model_utils.Acme_Status_Order.IDS_X_ACME_SYNC
        )

    @property
    def is_can_acme_server_deactivate_authorizations(self) -> bool:
        if not self.order_url:
            return False
        if (
            self.acme_status_order_id
            in model_utils.Acme_Status_Order.IDS_X_DEACTIVATE_AUTHORIZATIONS
        ):
            return False
        return bool(self.authorizations_can_deactivate)

    @property
    def is_can_acme_server_download_certificate(self) -> bool:
        """A valid order whose certificate we have not downloaded yet."""
        return bool(
            self.acme_status_order_id == model_utils.Acme_Status_Order.VALID
            and self.certificate_url
            and self.certificate_signed_id is None
        )

    @property
    def is_renewable_quick(self) -> bool:
        """Renew with the same account and key."""
        return bool(
            self.acme_status_order_id in model_utils.Acme_Status_Order.IDS_RENEW
            and self.acme_account.is_active
            and self.private_key.is_active
        )

    @property
    def is_renewable_custom(self) -> bool:
        return bool(
            self.acme_status_order_id in model_utils.Acme_Status_Order.IDS_RENEW
            and self.acme_account.is_active
        )

    @property
    def is_renewable_queue(self) -> bool:
        return bool(self.acme_account.is_active)

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``acme_account``, ``private_key``, ``to_acme_authorizations``
        (and their authorizations) and ``unique_fqdn_set`` with its domains."""
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_expires": _iso(self.timestamp_expires),
            "timestamp_updated": _iso(self.timestamp_updated),
            "timestamp_finalized": _iso(self.timestamp_finalized),
            "acme_status_order": self.acme_status_order,
            "acme_order_type": self.acme_order_type,
            "acme_order_processing_status": self.acme_order_processing_status,
            "acme_order_processing_strategy": self.acme_order_processing_strategy,
            "order_url": self.order_url,
            "finalize_url": self.finalize_url,
            "certificate_url": self.certificate_url,
            # tri-state: see the class docstring
            "is_processing": self.is_processing,
            "is_auto_renew": bool(self.is_auto_renew),
            "is_renewed": bool(self.is_renewed),
            "is_save_alternate_chains": bool(self.is_save_alternate_chains),
            "private_key_cycle__renewal": self.private_key_cycle__renewal,
            "private_key_strategy__requested": self.private_key_strategy__requested,
            "private_key_strategy__final": self.private_key_strategy__final,
            "acme_account_id": _id(self.acme_account_id),
            "private_key_id": _id(self.private_key_id),
            "private_key_id__requested": _id(self.private_key_id__requested),
            "certificate_request_id": _id(self.certificate_request_id),
            "certificate_signed_id": _id(self.certificate_signed_id),
            "unique_fqdn_set_id": _id(self.unique_fqdn_set_id),
            "acme_order_id__retry_of": _id(self.acme_order_id__retry_of),
            "acme_order_id__renewal_of": _id(self.acme_order_id__renewal_of),
            "certificate_signed_id__renewal_of": _id(
                self.certificate_signed_id__renewal_of
            ),
            "acme_authorization_ids": [_id(i) for i in self.acme_authorization_ids],
            "domains_as_list": self.domains_as_list,
            "domains_challenged": self.domains_challenged,
            "is_can_acme_process": self.is_can_acme_process,
            "is_can_acme_finalize": self.is_can_acme_finalize,
            "is_can_mark_invalid": self.is_can_mark_invalid,
            "is_can_retry": self.is_can_retry,
            "is_can_acme_server_sync": self.is_can_acme_server_sync,
            "is_can_acme_server_deactivate_authorizations": (
                self.is_can_acme_server_deactivate_authorizations
            ),
            "is_can_acme_server_download_certificate": (
                self.is_can_acme_server_download_certificate
            ),
            "is_renewable_quick": self.is_renewable_quick,
            "is_renewable_custom": self.is_renewable_custom,
            "is_renewable_queue": self.is_renewable_queue,
        }


class AcmeOrderSubmission(Base):
    """One newOrder call that returned this order.

    Boulder hands back an existing order (same URL) for an identical request
    from the same account, and can revive an invalid one as pending; each such
    submission is recorded here.
    """

    __tablename__ = "acme_order_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    acme_order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_order.id"), index=True
    )
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )

    acme_order: Mapped["AcmeOrder"] = relationship(
        back_populates="acme_order_submissions"
    )

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "acme_order_id": _id(self.acme_order_id),
            "timestamp_created": _iso(self.timestamp_created),
        }


class AcmeOrder2AcmeAuthorization(Base):
    """Order <-> authorization.

    A new order lists only authorization URLs; the domain of each is learnt
    when the authorization is fetched, and servers share authorizations between
    orders, so this is many-to-many.
    """

    __tablename__ = "acme_order_2_acme_authorization"

    acme_order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_order.id"), primary_key=True
    )
    acme_authorization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_authorization.id"), primary_key=True, index=True
    )
    # listed in the newOrder response (vs. attached later)
    is_present_on_new_order: Mapped[Optional[bool]]

    acme_order: Mapped["AcmeOrder"] = relationship(
        back_populates="to_acme_authorizations"
    )
    acme_authorization: Mapped["AcmeAuthorization"] = relationship(
        back_populates="to_acme_orders"
    )

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "acme_order_id": _id(self.acme_order_id),
            "acme_authorization_id": _id(self.acme_authorization_id),
            "is_present_on_new_order": bool(self.is_present_on_new_order),
        }


class AcmeAuthorization(Base):
    """An RFC 8555 authorization (section 7.1.4), keyed by its URL.

    ``domain_id`` is NULL until the authorization is fetched.
    ``acme_order_id__created`` is the first order that listed it (a shortcut to
    the AcmeAccount that may fetch it).
    """

    __tablename__ = "acme_authorization"

    id: Mapped[int] = mapped_column(primary_key=True)
    authorization_url: Mapped[str] = mapped_column(sa.Unicode(255), unique=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    acme_status_authorization_id: Mapped[int] = mapped_column(
        default=model_utils.Acme_Status_Authorization.DISCOVERED, index=True
    )
    domain_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("domain.id"), index=True
    )
    timestamp_expires: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    timestamp_updated: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    wildcard: Mapped[Optional[bool]]
    acme_order_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_order.id"), index=True
    )

    acme_challenges: Mapped[list["AcmeChallenge"]] = relationship(
        back_populates="acme_authorization", order_by="AcmeChallenge.id"
    )
    acme_challenge_http_01: Mapped[Optional["AcmeChallenge"]] = relationship(
        primaryjoin="and_(AcmeAuthorization.id == AcmeChallenge.acme_authorization_id,"
        " AcmeChallenge.acme_challenge_type_id == %d)"
        % model_utils.AcmeChallengeType.HTTP_01,
        viewonly=True,
    )
    acme_challenge_dns_01: Mapped[Optional["AcmeChallenge"]] = relationship(
        primaryjoin="and_(AcmeAuthorization.id == AcmeChallenge.acme_authorization_id,"
        " AcmeChallenge.acme_challenge_type_id == %d)"
        % model_utils.AcmeChallengeType.DNS_01,
        viewonly=True,
    )
    acme_challenge_tls_alpn_01: Mapped[Optional["AcmeChallenge"]] = relationship(
        primaryjoin="and_(AcmeAuthorization.id == AcmeChallenge.acme_authorization_id,"
        " AcmeChallenge.acme_challenge_type_id == %d)"
        % model_utils.AcmeChallengeType.TLS_ALPN_01,
        viewonly=True,
    )
    acme_order_created: Mapped["AcmeOrder"] = relationship()
    domain: Mapped[Optional["Domain"]] = relationship(
        back_populates="acme_authorizations"
    )
    to_acme_orders: Mapped[list["AcmeOrder2AcmeAuthorization"]] = relationship(
        back_populates="acme_authorization"
    )

    @property
    def acme_status_authorization(self) -> str:
        return model_utils.Acme_Status_Authorization.as_string(
            self.acme_status_authorization_id
        )

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``domain``."""
        return {
            "id": _id(self.id),
            "authorization_url": self.authorization_url,
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_expires": _iso(self.timestamp_expires),
            "timestamp_updated": _iso(self.timestamp_updated),
            "acme_status_authorization": self.acme_status_authorization,
            "wildcard": bool(self.wildcard),
            "acme_order_id__created": _id(self.acme_order_id__created),
            "domain": (
                {"id": _id(self.domain_id), "domain_name": self.domain.domain_name}
                if self.domain is not None
                else None
            ),
        }


class AcmeChallenge(Base):
    """An RFC 8555 challenge (section 8) of one authorization.

    ``keyauthorization`` is ``token + "." + account key thumbprint``; the token
    is validated (base64url) in code before it is stored.
    """

    __tablename__ = "acme_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    acme_authorization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_authorization.id"), index=True
    )
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("domain.id"), index=True)
    acme_challenge_type_id: Mapped[int]
    acme_status_challenge_id: Mapped[int] = mapped_column(index=True)
    challenge_url: Mapped[str] = mapped_column(sa.Unicode(255), unique=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    timestamp_updated: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    # the public responder looks challenges up by token
    token: Mapped[str] = mapped_column(sa.Unicode(255), index=True)
    keyauthorization: Mapped[Optional[str]] = mapped_column(sa.Unicode(255))

    acme_authorization: Mapped["AcmeAuthorization"] = relationship(
        back_populates="acme_challenges"
    )
    acme_challenge_polls: Mapped[list["AcmeChallengePoll"]] = relationship(
        back_populates="acme_challenge", order_by="AcmeChallengePoll.id.desc()"
    )
    acme_orders: Mapped[list["AcmeOrder"]] = relationship(
        secondary="acme_order_2_acme_authorization",
        primaryjoin="AcmeChallenge.acme_authorization_id"
        " == AcmeOrder2AcmeAuthorization.acme_authorization_id",
        secondaryjoin="AcmeOrder2AcmeAuthorization.acme_order_id == AcmeOrder.id",
        order_by="AcmeOrder.id.desc()",
        viewonly=True,
    )
    domain: Mapped["Domain"] = relationship(back_populates="acme_challenges")

    @property
    def acme_challenge_type(self) -> str:
        return model_utils.AcmeChallengeType.as_string(self.acme_challenge_type_id)

    @property
    def acme_status_challenge(self) -> str:
        return model_utils.Acme_Status_Challenge.as_string(
            self.acme_status_challenge_id
        )

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``domain``."""
        return {
            "id": _id(self.id),
            "acme_authorization_id": _id(self.acme_authorization_id),
            "acme_challenge_type": self.acme_challenge_type,
            "acme_status_challenge": self.acme_status_challenge,
            "challenge_url": self.challenge_url,
            "token": self.token,
            "keyauthorization": self.keyauthorization,
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_updated": _iso(self.timestamp_updated),
            "domain": {
                "id": _id(self.domain_id),
                "domain_name": self.domain.domain_name,
            },
        }


class AcmeChallengeProbe(Base):
    """A short-lived stand-in for an http-01 challenge, made by the http-01 self-check
    (``lib.db.http01_selfcheck``) before an order is sent to the ACME server.

    There is no real token before the order exists, so the self-check stores a random token
    and the key authorization the account would answer (``token + "." + thumbprint``), and the
    public responder of any instance answers it for ``domain_name`` until
    ``timestamp_expires``. The self-check deletes its probes when done; expired ones are swept
    by the next check and are never served.
    """

    __tablename__ = "acme_challenge_probe"
    __table_args__ = (_check_lowercase("domain_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # the public responder looks probes up by token, after a miss on acme_challenge
    token: Mapped[str] = mapped_column(sa.Unicode(255), unique=True)
    domain_name: Mapped[str] = mapped_column(sa.Unicode(255))
    key_authorization: Mapped[str] = mapped_column(sa.Unicode(255))
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    # the sweep of expired probes
    timestamp_expires: Mapped[datetime.datetime] = mapped_column(TZDateTime, index=True)

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "token": self.token,
            "domain_name": self.domain_name,
            "key_authorization": self.key_authorization,
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_expires": _iso(self.timestamp_expires),
        }


# ==============================================================================
# the ACME-flow tool (``enable_acme_flow``): manual challenges without an ACME order


class AcmeOrderless(Base):
    """The ACME-flow tool's container (the 2021 "AcmeFlow"): a set of domain names whose
    http-01 challenges an operator types in by hand, for an order another ACME client placed
    (``certbot --manual``...). peter_sslers never talks to the ACME server about it: it only
    serves the challenges from the public responder while ``is_processing``.

    ``domain_names`` are canonical, sorted and comma-separated: only they may get challenges.
    ``acme_account_id`` is optional: with an account, a key authorization must carry its key's
    thumbprint (and may be left out, to be computed). Deactivated: ``is_processing`` False and
    ``timestamp_finalized`` set; it is never served or edited again.
    """

    __tablename__ = "acme_orderless"

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    timestamp_updated: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    timestamp_finalized: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    is_processing: Mapped[bool] = mapped_column(default=True, index=True)
    domain_names: Mapped[str] = mapped_column(sa.Text)
    acme_account_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_account.id"), index=True
    )

    acme_account: Mapped[Optional["AcmeAccount"]] = relationship()
    acme_orderless_challenges: Mapped[list["AcmeOrderlessChallenge"]] = relationship(
        back_populates="acme_orderless", order_by="AcmeOrderlessChallenge.id"
    )
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="acme_orderless"
    )

    @property
    def domain_names_list(self) -> list[str]:
        return [name for name in self.domain_names.split(",") if name]

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``acme_orderless_challenges``."""
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_updated": _iso(self.timestamp_updated),
            "timestamp_finalized": _iso(self.timestamp_finalized),
            "is_processing": self.is_processing,
            "domain_names": self.domain_names_list,
            "acme_account_id": _id(self.acme_account_id),
            "acme_orderless_challenges": [
                c.as_json for c in self.acme_orderless_challenges
            ],
        }


class AcmeOrderlessChallenge(Base):
    """One manual http-01 challenge of an AcmeOrderless, for one of its names.

    The token is validated (base64url, 22 to 128 characters) and the key authorization is
    ``token + "." + thumbprint`` (checked in ``lib.db.acme_orderless``) before they are stored;
    both stay NULL on a placeholder until the operator fills them in. The public responder
    looks these up by token (after a miss on ``acme_challenge``) and answers only for
    ``domain_name`` while the container is processing; a hit counts in ``count_polled``.
    """

    __tablename__ = "acme_orderless_challenge"
    __table_args__ = (
        _check_lowercase("domain_name"),
        sa.CheckConstraint(
            "keyauthorization IS NULL OR token IS NOT NULL",
            name="keyauthorization_needs_token",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acme_orderless_id: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_orderless.id"), index=True
    )
    domain_name: Mapped[str] = mapped_column(sa.Unicode(255))
    acme_challenge_type_id: Mapped[int] = mapped_column(
        default=model_utils.AcmeChallengeType.HTTP_01
    )
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    timestamp_updated: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    # the public responder looks challenges up by token
    token: Mapped[Optional[str]] = mapped_column(sa.Unicode(255), index=True)
    keyauthorization: Mapped[Optional[str]] = mapped_column(sa.Unicode(255))
    # the URL of the CA's challenge object (the 2021 field): for the operator's reference only,
    # never fetched (an http(s) URL, checked in lib.db.acme_orderless)
    challenge_url: Mapped[Optional[str]] = mapped_column(sa.Unicode(255))
    count_polled: Mapped[int] = mapped_column(default=0)
    timestamp_polled_last: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )

    acme_orderless: Mapped["AcmeOrderless"] = relationship(
        back_populates="acme_orderless_challenges"
    )

    @property
    def acme_challenge_type(self) -> str:
        return model_utils.AcmeChallengeType.as_string(self.acme_challenge_type_id)

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "acme_orderless_id": _id(self.acme_orderless_id),
            "domain_name": self.domain_name,
            "acme_challenge_type": self.acme_challenge_type,
            "token": self.token,
            "keyauthorization": self.keyauthorization,
            "challenge_url": self.challenge_url,
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_updated": _iso(self.timestamp_updated),
            "count_polled": self.count_polled,
            "timestamp_polled_last": _iso(self.timestamp_polled_last),
        }


# ==============================================================================
# public challenge polls (audit of hits on /.well-known/acme-challenge/; misses are
# only logged, see web/views_public/public.py)


class RemoteIpAddress(Base):
    __tablename__ = "remote_ip_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    remote_ip_address: Mapped[str] = mapped_column(sa.Unicode(255), unique=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )

    acme_challenge_polls: Mapped[list["AcmeChallengePoll"]] = relationship(
        back_populates="remote_ip_address"
    )

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "remote_ip_address": self.remote_ip_address,
            "timestamp_created": _iso(self.timestamp_created),
        }


class AcmeChallengePoll(Base):
    """A hit on a known challenge token."""

    __tablename__ = "acme_challenge_poll"

    id: Mapped[int] = mapped_column(primary_key=True)
    acme_challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_challenge.id"), index=True
    )
    timestamp_polled: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    remote_ip_address_id: Mapped[int] = mapped_column(
        sa.ForeignKey("remote_ip_address.id"), index=True
    )

    acme_challenge: Mapped["AcmeChallenge"] = relationship(
        back_populates="acme_challenge_polls"
    )
    remote_ip_address: Mapped["RemoteIpAddress"] = relationship(
        back_populates="acme_challenge_polls"
    )

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``remote_ip_address``."""
        return {
            "id": _id(self.id),
            "acme_challenge_id": _id(self.acme_challenge_id),
            "timestamp_polled": _iso(self.timestamp_polled),
            "remote_ip_address": {
                "id": _id(self.remote_ip_address_id),
                "ip_address": self.remote_ip_address.remote_ip_address,
            },
        }


# ==============================================================================
# ACME event log


class AcmeEventLog(Base):
    """One logged exchange with an ACME server, kept whole.

    ``request_payload`` and ``response_headers`` are JSON text;
    ``response_payload`` is the body as received (JSON, PEM, or the RFC 7807
    problem document). ``problem_type`` / ``problem_detail`` copy the problem's
    fields for searching.
    """

    __tablename__ = "acme_event_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_event: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    acme_event_id: Mapped[int]
    request_method: Mapped[Optional[str]] = mapped_column(sa.Unicode(16))
    request_url: Mapped[Optional[str]] = mapped_column(sa.Text)
    request_payload: Mapped[Optional[str]] = mapped_column(sa.Text)
    response_status: Mapped[Optional[int]]
    response_headers: Mapped[Optional[str]] = mapped_column(sa.Text)
    response_payload: Mapped[Optional[str]] = mapped_column(sa.Text)
    problem_type: Mapped[Optional[str]] = mapped_column(sa.Unicode(255))
    problem_detail: Mapped[Optional[str]] = mapped_column(sa.Text)
    acme_account_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_account.id"), index=True
    )
    acme_authorization_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_authorization.id"), index=True
    )
    acme_challenge_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_challenge.id"), index=True
    )
    acme_order_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_order.id"), index=True
    )
    certificate_request_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_request.id"), index=True
    )
    certificate_signed_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_signed.id"), index=True
    )

    @property
    def acme_event(self) -> str:
        return model_utils.AcmeEvent.as_string(self.acme_event_id)

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "timestamp_event": _iso(self.timestamp_event),
            "acme_event": self.acme_event,
            "request_method": self.request_method,
            "request_url": self.request_url,
            "request_payload": (
                json.loads(self.request_payload)
                if self.request_payload is not None
                else None
            ),
            "response_status": self.response_status,
            "response_headers": (
                json.loads(self.response_headers)
                if self.response_headers is not None
                else None
            ),
            "response_payload": self.response_payload,
            "problem_type": self.problem_type,
            "problem_detail": self.problem_detail,
            "acme_account_id": _id(self.acme_account_id),
            "acme_authorization_id": _id(self.acme_authorization_id),
            "acme_challenge_id": _id(self.acme_challenge_id),
            "acme_order_id": _id(self.acme_order_id),
            "certificate_request_id": _id(self.certificate_request_id),
            "certificate_signed_id": _id(self.certificate_signed_id),
        }


# ==============================================================================
# keys and certificates


class PrivateKey(Base):
    """A certificate key.

    Row id 0 is the seeded placeholder ("decide at finalize"); it can never
    sign. ``acme_account_id__owner`` locks a key to one account (the account
    daily/weekly keys); ``private_key_id__replaces`` names the compromised key
    this one replaced.
    """

    __tablename__ = "private_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    key_technology_id: Mapped[int]
    key_pem: Mapped[str] = mapped_column(sa.Text)
    key_pem_sha256: Mapped[str] = mapped_column(sa.Unicode(64), unique=True)
    spki_sha256: Mapped[str] = mapped_column(sa.Unicode(64), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_compromised: Mapped[Optional[bool]]
    count_active_certificates: Mapped[int] = mapped_column(default=0)
    count_acme_orders: Mapped[int] = mapped_column(default=0)
    count_certificate_signeds: Mapped[int] = mapped_column(default=0)
    timestamp_last_certificate_request: Mapped[Optional[datetime.datetime]] = (
        mapped_column(TZDateTime)
    )
    timestamp_last_certificate_issue: Mapped[Optional[datetime.datetime]] = (
        mapped_column(TZDateTime)
    )
    private_key_source_id: Mapped[int]
    private_key_type_id: Mapped[int]
    acme_account_id__owner: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_account.id"), index=True
    )
    private_key_id__replaces: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("private_key.id"), index=True
    )
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    acme_account__owner: Mapped[Optional["AcmeAccount"]] = relationship(
        back_populates="private_keys__owned"
    )
    acme_orders: Mapped[list["AcmeOrder"]] = relationship(
        foreign_keys="AcmeOrder.private_key_id",
        back_populates="private_key",
        order_by="AcmeOrder.id.desc()",
    )
    certificate_requests: Mapped[list["CertificateRequest"]] = relationship(
        back_populates="private_key", order_by="CertificateRequest.id.desc()"
    )
    certificate_signeds: Mapped[list["CertificateSigned"]] = relationship(
        back_populates="private_key", order_by="CertificateSigned.id.desc()"
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="private_key"
    )

    @property
    def key_technology(self) -> str:
        return model_utils.KeyTechnology.as_string(self.key_technology_id)

    @property
    def private_key_source(self) -> str:
        return model_utils.PrivateKeySource.as_string(self.private_key_source_id)

    @property
    def private_key_type(self) -> str:
        return model_utils.PrivateKeyType.as_string(self.private_key_type_id)

    @property
    def is_placeholder(self) -> bool:
        return self.id == 0

    @property
    def key_pem_md5(self) -> Optional[str]:
        """The 2021 name of this key (``private_key_existing`` in the 2021 order forms)."""
        return pem_md5(self.key_pem)

    @property
    def is_key_usable(self) -> bool:
        return bool(self.is_active and not self.is_compromised)

    @property
    def can_key_sign(self) -> bool:
        return self.is_key_usable and not self.is_placeholder

    @property
    def autogenerated_calendar_repr(self) -> Optional[str]:
        """ISO ``year.week`` (weekly keys) or ``year.week.weekday`` (daily keys)."""
        type_id = self.private_key_type_id
        iso = self.timestamp_created.isocalendar()
        if type_id in model_utils.PrivateKeyType.IDS_CALENDAR_WEEKLY:
            return "%s.%s" % (iso.year, iso.week)
        if type_id in model_utils.PrivateKeyType.IDS_CALENDAR_DAILY:
            return "%s.%s.%s" % (iso.year, iso.week, iso.weekday)
        return None

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "key_technology": self.key_technology,
            "key_pem": self.key_pem,
            "key_pem_sha256": self.key_pem_sha256,
            "key_pem_md5": self.key_pem_md5,
            "spki_sha256": self.spki_sha256,
            "is_active": bool(self.is_active),
            "is_compromised": bool(self.is_compromised),
            "is_key_usable": self.is_key_usable,
            "can_key_sign": self.can_key_sign,
            "count_active_certificates": self.count_active_certificates,
            "count_acme_orders": self.count_acme_orders,
            "count_certificate_signeds": self.count_certificate_signeds,
            "timestamp_last_certificate_request": _iso(
                self.timestamp_last_certificate_request
            ),
            "timestamp_last_certificate_issue": _iso(
                self.timestamp_last_certificate_issue
            ),
            "private_key_source": self.private_key_source,
            "private_key_type": self.private_key_type,
            "autogenerated_calendar_repr": self.autogenerated_calendar_repr,
            "acme_account_id__owner": _id(self.acme_account_id__owner),
            "private_key_id__replaces": _id(self.private_key_id__replaces),
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


class CertificateCA(Base):
    """A root or intermediate certificate.

    ``cert_issuer__certificate_ca_id`` is the CA found to have issued this one
    (via ``cert_issuer_uri``, the AIA caIssuers URL, by the reconcile-cas
    operation); ``reconciled_uris`` lists the URIs tried, space separated.
    """

    __tablename__ = "certificate_ca"

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    display_name: Mapped[str] = mapped_column(sa.Unicode(255))
    is_trusted_root: Mapped[Optional[bool]]
    key_technology_id: Mapped[int]
    cert_pem: Mapped[str] = mapped_column(sa.Text)
    cert_pem_sha256: Mapped[str] = mapped_column(sa.Unicode(64), unique=True)
    spki_sha256: Mapped[str] = mapped_column(sa.Unicode(64), index=True)
    fingerprint_sha1: Mapped[str] = mapped_column(sa.Unicode(255))
    timestamp_not_before: Mapped[datetime.datetime] = mapped_column(TZDateTime)
    timestamp_not_after: Mapped[datetime.datetime] = mapped_column(TZDateTime)
    cert_subject: Mapped[str] = mapped_column(sa.Text)
    cert_issuer: Mapped[str] = mapped_column(sa.Text)
    cert_issuer_uri: Mapped[Optional[str]] = mapped_column(sa.Text)
    cert_authority_key_identifier: Mapped[Optional[str]] = mapped_column(sa.Text)
    cert_issuer__reconciled: Mapped[Optional[bool]]
    cert_issuer__certificate_ca_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_ca.id"), index=True
    )
    reconciled_uris: Mapped[Optional[str]] = mapped_column(sa.Text)
    count_active_certificates: Mapped[int] = mapped_column(default=0)
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    cert_issuer__certificate_ca: Mapped[Optional["CertificateCA"]] = relationship(
        remote_side=[id]
    )
    certificate_ca_chains_0: Mapped[list["CertificateCAChain"]] = relationship(
        foreign_keys="CertificateCAChain.certificate_ca_0_id",
        back_populates="certificate_ca_0",
    )
    certificate_ca_chains_n: Mapped[list["CertificateCAChain"]] = relationship(
        foreign_keys="CertificateCAChain.certificate_ca_n_id",
        back_populates="certificate_ca_n",
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="certificate_ca"
    )
    to_root_store_versions: Mapped[list["RootStoreVersion2CertificateCA"]] = relationship(
        back_populates="certificate_ca"
    )

    @property
    def key_technology(self) -> str:
        return model_utils.KeyTechnology.as_string(self.key_technology_id)

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "display_name": self.display_name,
            "is_trusted_root": bool(self.is_trusted_root),
            "key_technology": self.key_technology,
            "cert_pem": self.cert_pem,
            "cert_pem_sha256": self.cert_pem_sha256,
            "spki_sha256": self.spki_sha256,
            "fingerprint_sha1": self.fingerprint_sha1,
            "timestamp_not_before": _iso(self.timestamp_not_before),
            "timestamp_not_after": _iso(self.timestamp_not_after),
            "cert_subject": self.cert_subject,
            "cert_issuer": self.cert_issuer,
            "cert_issuer_uri": self.cert_issuer_uri,
            "cert_authority_key_identifier": self.cert_authority_key_identifier,
            "cert_issuer__reconciled": bool(self.cert_issuer__reconciled),
            "cert_issuer__certificate_ca_id": _id(self.cert_issuer__certificate_ca_id),
            "reconciled_uris": self.reconciled_uris,
            "count_active_certificates": self.count_active_certificates,
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


class CertificateCAChain(Base):
    """An ordered list of CAs, stored as one PEM.

    Item 0 signs the leaf; item n is the one closest to the root.
    ``certificate_ca_ids_string`` is the CA ids in chain order, comma separated.
    """

    __tablename__ = "certificate_ca_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    display_name: Mapped[str] = mapped_column(sa.Unicode(255))
    chain_pem: Mapped[str] = mapped_column(sa.Text)
    chain_pem_sha256: Mapped[str] = mapped_column(sa.Unicode(64), unique=True)
    chain_length: Mapped[int]
    certificate_ca_0_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificate_ca.id"), index=True
    )
    certificate_ca_n_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificate_ca.id"), index=True
    )
    certificate_ca_ids_string: Mapped[str] = mapped_column(sa.Unicode(255))
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    certificate_ca_0: Mapped["CertificateCA"] = relationship(
        foreign_keys=[certificate_ca_0_id], back_populates="certificate_ca_chains_0"
    )
    certificate_ca_n: Mapped["CertificateCA"] = relationship(
        foreign_keys=[certificate_ca_n_id], back_populates="certificate_ca_chains_n"
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()

    @property
    def certificate_ca_ids(self) -> list[int]:
        return [int(i) for i in self.certificate_ca_ids_string.split(",")]

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "display_name": self.display_name,
            "chain_pem": self.chain_pem,
            "chain_pem_sha256": self.chain_pem_sha256,
            "chain_length": self.chain_length,
            "certificate_ca_0_id": _id(self.certificate_ca_0_id),
            "certificate_ca_n_id": _id(self.certificate_ca_n_id),
            "certificate_ca_ids": [_id(i) for i in self.certificate_ca_ids],
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


class CertificateRequest(Base):
    """A CSR: imported, or made by us to finalize an AcmeOrder.

    Not deduplicated (the same CSR may be submitted more than once);
    ``csr_pem_sha256`` is indexed for lookups.
    """

    __tablename__ = "certificate_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    certificate_request_source_id: Mapped[int]
    csr_pem: Mapped[str] = mapped_column(sa.Text)
    csr_pem_sha256: Mapped[str] = mapped_column(sa.Unicode(64), index=True)
    spki_sha256: Mapped[str] = mapped_column(sa.Unicode(64), index=True)
    key_technology_id: Mapped[int]
    private_key_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("private_key.id"), index=True
    )
    unique_fqdn_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("unique_fqdn_set.id"), index=True
    )
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    acme_orders: Mapped[list["AcmeOrder"]] = relationship(
        back_populates="certificate_request", order_by="AcmeOrder.id.desc()"
    )
    certificate_signeds: Mapped[list["CertificateSigned"]] = relationship(
        back_populates="certificate_request", order_by="CertificateSigned.id.desc()"
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="certificate_request"
    )
    private_key: Mapped[Optional["PrivateKey"]] = relationship(
        back_populates="certificate_requests"
    )
    unique_fqdn_set: Mapped["UniqueFQDNSet"] = relationship(
        back_populates="certificate_requests"
    )
    # `latest_acme_order` and `certificate_signed__latest` are declared at the
    # end of the module

    @property
    def certificate_request_source(self) -> str:
        return model_utils.CertificateRequestSource.as_string(
            self.certificate_request_source_id
        )

    @property
    def key_technology(self) -> str:
        return model_utils.KeyTechnology.as_string(self.key_technology_id)

    @property
    def domains_as_list(self) -> list[str]:
        return self.unique_fqdn_set.domains_as_list

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``unique_fqdn_set`` with its domains."""
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "certificate_request_source": self.certificate_request_source,
            "csr_pem": self.csr_pem,
            "csr_pem_sha256": self.csr_pem_sha256,
            "spki_sha256": self.spki_sha256,
            "key_technology": self.key_technology,
            "private_key_id": _id(self.private_key_id),
            "unique_fqdn_set_id": _id(self.unique_fqdn_set_id),
            "domains_as_list": self.domains_as_list,
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


class CertificateSigned(Base):
    """A leaf certificate.

    An inactive certificate is either deactivated (``is_deactivated``: reversible,
    it may be activated again) or revoked (``is_revoked``: permanent), never both.
    ``is_compromised_private_key`` comes with ``is_revoked``.
    ``timestamp_revoked_upstream`` is set when the ACME server confirms a
    revocation; it is final.
    """

    __tablename__ = "certificate_signed"

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    # indexed: the CA's per-registered-domain window counts the certificates issued lately
    timestamp_not_before: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, index=True
    )
    timestamp_not_after: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, index=True
    )
    timestamp_revoked_upstream: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    is_single_domain_cert: Mapped[Optional[bool]]
    key_technology_id: Mapped[int]
    cert_pem: Mapped[str] = mapped_column(sa.Text)
    cert_pem_sha256: Mapped[str] = mapped_column(sa.Unicode(64), unique=True)
    # lower-case hex, no separators: the key of an ACME revocation / ARI lookup
    cert_serial: Mapped[str] = mapped_column(sa.Unicode(64), index=True)
    spki_sha256: Mapped[str] = mapped_column(sa.Unicode(64), index=True)
    fingerprint_sha1: Mapped[str] = mapped_column(sa.Unicode(255))
    cert_subject: Mapped[str] = mapped_column(sa.Text)
    cert_issuer: Mapped[str] = mapped_column(sa.Text)
    # no index: a two-valued column misleads SQLite's planner into scanning every active
    # certificate per domain in update-recents (bench/bench_certificates.py)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_deactivated: Mapped[Optional[bool]]
    is_revoked: Mapped[Optional[bool]]
    is_compromised_private_key: Mapped[Optional[bool]]
    unique_fqdn_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("unique_fqdn_set.id"), index=True
    )
    private_key_id: Mapped[int] = mapped_column(
        sa.ForeignKey("private_key.id"), index=True
    )
    certificate_request_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_request.id"), index=True
    )
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )
    # the account that renews a certificate that came from no order here: a certbot lineage's
    # ``renewal/<name>.conf`` ``account`` (set by the certbot importer). A certificate of an
    # order renews with the order's account; without either, the global default account.
    acme_account_id__renewal: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_account.id"), index=True
    )

    # the order that produced this certificate, via AcmeOrder.certificate_signed_id
    acme_order: Mapped[Optional["AcmeOrder"]] = relationship(
        primaryjoin="CertificateSigned.id == AcmeOrder.certificate_signed_id",
        viewonly=True,
    )
    acme_account: Mapped[Optional["AcmeAccount"]] = relationship(
        secondary="acme_order",
        primaryjoin="CertificateSigned.id == AcmeOrder.certificate_signed_id",
        secondaryjoin="AcmeOrder.acme_account_id == AcmeAccount.id",
        viewonly=True,
    )
    acme_account__renewal: Mapped[Optional["AcmeAccount"]] = relationship(
        foreign_keys=[acme_account_id__renewal]
    )
    acme_order__renewals: Mapped[list["AcmeOrder"]] = relationship(
        foreign_keys="AcmeOrder.certificate_signed_id__renewal_of",
        back_populates="certificate_signed__renewal_of",
    )
    certificate_request: Mapped[Optional["CertificateRequest"]] = relationship(
        back_populates="certificate_signeds"
    )
    certificate_signed_chains: Mapped[list["CertificateSignedChain"]] = relationship(
        back_populates="certificate_signed", order_by="CertificateSignedChain.id"
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="certificate_signed"
    )
    private_key: Mapped["PrivateKey"] = relationship(
        back_populates="certificate_signeds"
    )
    # the queue item that produced this certificate
    queue_certificate__parent: Mapped[list["QueueCertificate"]] = relationship(
        foreign_keys="QueueCertificate.certificate_signed_id__generated",
        back_populates="certificate_signed__generated",
    )
    # queue items renewing this certificate
    queue_certificate__renewal: Mapped[list["QueueCertificate"]] = relationship(
        foreign_keys="QueueCertificate.certificate_signed_id__source",
        back_populates="certificate_signed__source",
    )
    unique_fqdn_set: Mapped["UniqueFQDNSet"] = relationship(
        back_populates="certificate_signeds"
    )

    @property
    def key_technology(self) -> str:
        return model_utils.KeyTechnology.as_string(self.key_technology_id)

    @property
    def expiring_days(self) -> int:
        """Whole days until notAfter (negative once expired)."""
        return (self.timestamp_not_after - utcnow()).days

    @property
    def domains_as_list(self) -> list[str]:
        return self.unique_fqdn_set.domains_as_list

    @property
    def certificate_ca_chain_ids(self) -> list[int]:
        return [c.certificate_ca_chain_id for c in self.certificate_signed_chains]

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``unique_fqdn_set`` with its domains and
        ``certificate_signed_chains``."""
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_not_before": _iso(self.timestamp_not_before),
            "timestamp_not_after": _iso(self.timestamp_not_after),
            "timestamp_revoked_upstream": _iso(self.timestamp_revoked_upstream),
            "expiring_days": self.expiring_days,
            "is_single_domain_cert": bool(self.is_single_domain_cert),
            "is_active": bool(self.is_active),
            "is_deactivated": bool(self.is_deactivated),
            "is_revoked": bool(self.is_revoked),
            "is_compromised_private_key": bool(self.is_compromised_private_key),
            "key_technology": self.key_technology,
            "cert_pem": self.cert_pem,
            "cert_pem_sha256": self.cert_pem_sha256,
            "cert_serial": self.cert_serial,
            "spki_sha256": self.spki_sha256,
            "fingerprint_sha1": self.fingerprint_sha1,
            "cert_subject": self.cert_subject,
            "cert_issuer": self.cert_issuer,
            "private_key_id": _id(self.private_key_id),
            "certificate_request_id": _id(self.certificate_request_id),
            "unique_fqdn_set_id": _id(self.unique_fqdn_set_id),
            "domains_as_list": self.domains_as_list,
            "certificate_ca_chain_ids": [
                _id(i) for i in self.certificate_ca_chain_ids
            ],
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


class CertificateSignedChain(Base):
    """A chain offered for a certificate.

    ``is_upstream_default`` is True for the chain the ACME server returned
    first, NULL for the alternates.
    """

    __tablename__ = "certificate_signed_chain"
    __table_args__ = (
        sa.UniqueConstraint("certificate_signed_id", "certificate_ca_chain_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique constraint, which leads with it
    certificate_signed_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificate_signed.id")
    )
    certificate_ca_chain_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificate_ca_chain.id"), index=True
    )
    is_upstream_default: Mapped[Optional[bool]]

    certificate_signed: Mapped["CertificateSigned"] = relationship(
        back_populates="certificate_signed_chains"
    )
    certificate_ca_chain: Mapped["CertificateCAChain"] = relationship()

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "certificate_signed_id": _id(self.certificate_signed_id),
            "certificate_ca_chain_id": _id(self.certificate_ca_chain_id),
            "is_upstream_default": bool(self.is_upstream_default),
        }


class CertificateCAPreference(Base):
    """One slot of the preferred-CA list: the chain served with a certificate is the first of
    its chains holding the CA of slot 1, else of slot 2, ... (``lib.exports.preferred_chain``).

    ``slot`` runs 1..n without gaps; the list is rewritten whole on every change
    (``lib.db.preferences``), so slots are renumbered after a deletion.
    """

    __tablename__ = "certificate_ca_preference"
    __table_args__ = (sa.CheckConstraint("slot >= 1", name="slot_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot: Mapped[int] = mapped_column(unique=True)
    # indexed by its unique constraint
    certificate_ca_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate_ca.id"), unique=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(TZDateTime, default=utcnow)

    certificate_ca: Mapped["CertificateCA"] = relationship()

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "certificate_ca_id": _id(self.certificate_ca_id),
            "fingerprint_sha1": self.certificate_ca.fingerprint_sha1,
            "display_name": self.certificate_ca.display_name,
        }


class CertificateCAReconciliation(Base):
    """One attempt of reconcile-cas to fetch a CA's issuer from its AIA caIssuers URI.

    ``result`` is True when the issuer was fetched, verified (it signed the CA) and linked
    (``certificate_ca_id__issuer__reconciled``); False with ``error`` otherwise.
    """

    __tablename__ = "certificate_ca_reconciliation"

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_operation: Mapped[datetime.datetime] = mapped_column(TZDateTime, default=utcnow)
    certificate_ca_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate_ca.id"), index=True)
    cert_issuer_uri: Mapped[str] = mapped_column(sa.Text)
    result: Mapped[bool]
    error: Mapped[Optional[str]] = mapped_column(sa.Text)
    certificate_ca_id__issuer__reconciled: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_ca.id"), index=True
    )
    operations_event_id: Mapped[int] = mapped_column(sa.ForeignKey("operations_event.id"), index=True)

    certificate_ca: Mapped["CertificateCA"] = relationship(foreign_keys=[certificate_ca_id])
    certificate_ca__issuer__reconciled: Mapped[Optional["CertificateCA"]] = relationship(
        foreign_keys=[certificate_ca_id__issuer__reconciled]
    )

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "timestamp_operation": _iso(self.timestamp_operation),
            "certificate_ca_id": _id(self.certificate_ca_id),
            "cert_issuer_uri": self.cert_issuer_uri,
            "result": bool(self.result),
            "error": self.error,
            "certificate_ca_id__issuer__reconciled": _id(self.certificate_ca_id__issuer__reconciled),
            "operations_event_id": _id(self.operations_event_id),
        }


class RootStore(Base):
    """A trust store: the roots a platform or program trusts (its versions list them)."""

    __tablename__ = "root_store"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.Unicode(255), unique=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(TZDateTime, default=utcnow)
    # where the membership data came from (a package, a published list): shown, never parsed
    source: Mapped[Optional[str]] = mapped_column(sa.Text)

    root_store_versions: Mapped[list["RootStoreVersion"]] = relationship(
        back_populates="root_store", order_by="RootStoreVersion.id"
    )

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``root_store_versions``."""
        return {
            "id": _id(self.id),
            "name": self.name,
            "timestamp_created": _iso(self.timestamp_created),
            "source": self.source,
            "root_store_versions": [
                {"id": _id(v.id), "version_string": v.version_string} for v in self.root_store_versions
            ],
        }


class RootStoreVersion(Base):
    """One version of a trust store, and the CertificateCAs it holds (only those stored here)."""

    __tablename__ = "root_store_version"
    __table_args__ = (sa.UniqueConstraint("root_store_id", "version_string"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique constraint, which leads with it
    root_store_id: Mapped[int] = mapped_column(sa.ForeignKey("root_store.id"))
    version_string: Mapped[str] = mapped_column(sa.Unicode(255))
    timestamp_created: Mapped[datetime.datetime] = mapped_column(TZDateTime, default=utcnow)

    root_store: Mapped["RootStore"] = relationship(back_populates="root_store_versions")
    to_certificate_cas: Mapped[list["RootStoreVersion2CertificateCA"]] = relationship(
        back_populates="root_store_version", order_by="RootStoreVersion2CertificateCA.certificate_ca_id"
    )

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``root_store`` and ``to_certificate_cas`` with their CAs."""
        return {
            "id": _id(self.id),
            "root_store_id": _id(self.root_store_id),
            "root_store_name": self.root_store.name,
            "version_string": self.version_string,
            "timestamp_created": _iso(self.timestamp_created),
            "certificate_cas": [
                {
                    "id": _id(link.certificate_ca_id),
                    "display_name": link.certificate_ca.display_name,
                    "fingerprint_sha1": link.certificate_ca.fingerprint_sha1,
                }
                for link in self.to_certificate_cas
            ],
        }


class RootStoreVersion2CertificateCA(Base):
    """A root trusted by a version of a trust store."""

    __tablename__ = "root_store_version_2_certificate_ca"
    __table_args__ = (sa.UniqueConstraint("root_store_version_id", "certificate_ca_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique constraint, which leads with it
    root_store_version_id: Mapped[int] = mapped_column(sa.ForeignKey("root_store_version.id"))
    certificate_ca_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate_ca.id"), index=True)

    root_store_version: Mapped["RootStoreVersion"] = relationship(back_populates="to_certificate_cas")
    certificate_ca: Mapped["CertificateCA"] = relationship(back_populates="to_root_store_versions")

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "root_store_version_id": _id(self.root_store_version_id),
            "certificate_ca_id": _id(self.certificate_ca_id),
        }


# ==============================================================================
# domains


class Domain(Base):
    """A fully qualified domain name, stored lower-case (A-labels for IDNs).

    ``certificate_signed_id__latest_single`` / ``__latest_multi`` cache the
    newest active certificate covering only this domain / this and others;
    they are maintained by the update-recents operation.
    """

    __tablename__ = "domain"
    __table_args__ = (_check_lowercase("domain_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_name: Mapped[str] = mapped_column(sa.Unicode(255), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    is_from_queue_domain: Mapped[Optional[bool]]
    certificate_signed_id__latest_single: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_signed.id"), index=True
    )
    certificate_signed_id__latest_multi: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_signed.id"), index=True
    )
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    acme_authorizations: Mapped[list["AcmeAuthorization"]] = relationship(
        back_populates="domain", order_by="AcmeAuthorization.id.desc()"
    )
    acme_challenges: Mapped[list["AcmeChallenge"]] = relationship(
        back_populates="domain", order_by="AcmeChallenge.id.desc()"
    )
    certificate_signed__latest_single: Mapped[Optional["CertificateSigned"]] = (
        relationship(foreign_keys=[certificate_signed_id__latest_single])
    )
    certificate_signed__latest_multi: Mapped[Optional["CertificateSigned"]] = (
        relationship(foreign_keys=[certificate_signed_id__latest_multi])
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="domain"
    )
    # the queue item this domain was created from, if any
    queue_domain: Mapped[Optional["QueueDomain"]] = relationship(
        back_populates="domain"
    )
    to_fqdns: Mapped[list["UniqueFQDNSet2Domain"]] = relationship(
        back_populates="domain"
    )

    @property
    def has_active_certificates(self) -> bool:
        return bool(
            self.certificate_signed_id__latest_single
            or self.certificate_signed_id__latest_multi
        )

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``certificate_signed__latest_single`` / ``__latest_multi``
        when set."""
        payload: dict[str, Any] = {
            "id": _id(self.id),
            "domain_name": self.domain_name,
            "is_active": bool(self.is_active),
            "is_from_queue_domain": bool(self.is_from_queue_domain),
            "timestamp_created": _iso(self.timestamp_created),
            "has_active_certificates": self.has_active_certificates,
            "operations_event_id__created": _id(self.operations_event_id__created),
        }
        for label, cert in (
            ("certificate_signed__latest_single", self.certificate_signed__latest_single),
            ("certificate_signed__latest_multi", self.certificate_signed__latest_multi),
        ):
            payload[label] = (
                {
                    "id": _id(cert.id),
                    "timestamp_not_after": _iso(cert.timestamp_not_after),
                    "expiring_days": cert.expiring_days,
                }
                if cert is not None
                else None
            )
        return payload


class DomainBlocklisted(Base):
    """An exact name that must never be certified (stored canonical: lower-case, A-labels).

    Exact: ``example.com`` does not block ``www.example.com`` (docs/Blocklist.md).
    ``operations_event_id__created`` is the ``DomainBlocklisted__insert`` event (NULL for a
    row seeded or older than the admin routes).
    """

    __tablename__ = "domain_blocklisted"
    __table_args__ = (_check_lowercase("domain_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_name: Mapped[str] = mapped_column(sa.Unicode(255), unique=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    operations_event_id__created: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "domain_name": self.domain_name,
            "timestamp_created": _iso(self.timestamp_created),
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


class DomainAutocert(Base):
    """One attempt to certify a name on request (``/api/domain/autocert``, ``/api/domain/
    certificate-if-needed``), and while it runs, the name's lock across every instance.

    ``is_running`` is True while the attempt runs and NULL once it finished: the partial unique
    index allows one running attempt per name, so two calls for one name (on any instance) make
    one order; the second waits for the first (docs/Autocert.md). ``result``: ``running``,
    ``issued``, ``failed``, ``abandoned`` (its instance died: older than
    ``autocert.lock_timeout_seconds``). ``source``: ``autocert`` or ``certificate-if-needed``;
    only ``autocert`` rows count against ``autocert.orders_per_hour``.
    """

    __tablename__ = "domain_autocert"
    __table_args__ = (
        _check_lowercase("domain_name"),
        sa.Index(
            "uq_domain_autocert_running_domain_name",
            "domain_name",
            unique=True,
            sqlite_where=sa.text("is_running IS TRUE"),
            postgresql_where=sa.text("is_running IS TRUE"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_name: Mapped[str] = mapped_column(sa.Unicode(255), index=True)
    domain_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("domain.id"), index=True
    )
    source: Mapped[str] = mapped_column(sa.Unicode(32))
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow, index=True
    )
    timestamp_finished: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    is_running: Mapped[Optional[bool]] = mapped_column(default=True)
    is_successful: Mapped[Optional[bool]]
    result: Mapped[str] = mapped_column(sa.Unicode(32), default="running")
    error: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    acme_order_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_order.id"), index=True
    )
    certificate_signed_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_signed.id"), index=True
    )
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    domain: Mapped[Optional["Domain"]] = relationship()
    acme_order: Mapped[Optional["AcmeOrder"]] = relationship()

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "domain_name": self.domain_name,
            "domain_id": _id(self.domain_id),
            "source": self.source,
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_finished": _iso(self.timestamp_finished),
            "is_running": bool(self.is_running),
            "is_successful": self.is_successful,
            "result": self.result,
            "error": self.error,
            "acme_order_id": _id(self.acme_order_id),
            "certificate_signed_id": _id(self.certificate_signed_id),
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


# ==============================================================================
# acme-dns servers and their per-domain accounts (dns-01; docs/AcmeDns.md)


class AcmeDnsServer(Base):
    """An acme-dns server: the root URL of its HTTP API.

    ``is_global_default`` (True or NULL) marks the server new accounts are registered on when
    none is named. ``domain`` is the zone its ``fulldomain``s live under (learned from the first
    registration or import; shown to operators, never trusted for anything).
    """

    __tablename__ = "acme_dns_server"
    __table_args__ = (_check_true_or_null("is_global_default"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    timestamp_updated: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    root_url: Mapped[str] = mapped_column(sa.Unicode(255), unique=True)
    domain: Mapped[Optional[str]] = mapped_column(sa.Unicode(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_global_default: Mapped[Optional[bool]] = mapped_column(index=True, unique=True)
    # the last time its /health answered 200 (the check action)
    timestamp_last_healthy: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    acme_dns_server_accounts: Mapped[list["AcmeDnsServerAccount"]] = relationship(
        back_populates="acme_dns_server", order_by="AcmeDnsServerAccount.id.desc()"
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "root_url": self.root_url,
            "domain": self.domain,
            "is_active": bool(self.is_active),
            "is_global_default": bool(self.is_global_default),
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_updated": _iso(self.timestamp_updated),
            "timestamp_last_healthy": _iso(self.timestamp_last_healthy),
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


class AcmeDnsServerAccount(Base):
    """The acme-dns credentials of one Domain on one AcmeDnsServer.

    The operator delegates ``_acme-challenge.<domain>`` to ``fulldomain`` with a CNAME; dns-01
    TXT values for the domain (and its wildcard) are then written through ``/update`` with
    ``username`` and ``password``. ``password`` is a secret: ``as_json`` masks it (see
    ``as_json_with_password``). At most one active account per domain and server (a partial
    unique index: deactivated accounts are kept, any number of them). ``allowfrom`` is the JSON
    list of CIDR ranges the server accepts updates from (empty: any).
    """

    __tablename__ = "acme_dns_server_account"
    __table_args__ = (
        sa.Index(
            "uq_acme_dns_server_account_active_domain",
            "acme_dns_server_id",
            "domain_id",
            unique=True,
            sqlite_where=sa.text("is_active IS TRUE"),
            postgresql_where=sa.text("is_active IS TRUE"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    acme_dns_server_id: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_dns_server.id"), index=True
    )
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("domain.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # registered here through /register, or imported (credentials made elsewhere)
    is_imported: Mapped[bool] = mapped_column(default=False)
    username: Mapped[str] = mapped_column(sa.Unicode(255))
    password: Mapped[str] = mapped_column(sa.Unicode(255))
    fulldomain: Mapped[str] = mapped_column(sa.Unicode(255))
    subdomain: Mapped[str] = mapped_column(sa.Unicode(255))
    allowfrom: Mapped[str] = mapped_column(sa.Unicode(1024), default="[]")
    timestamp_last_update: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    acme_dns_server: Mapped["AcmeDnsServer"] = relationship(
        back_populates="acme_dns_server_accounts"
    )
    domain: Mapped["Domain"] = relationship()
    operations_event__created: Mapped["OperationsEvent"] = relationship()

    @property
    def allowfrom_list(self) -> list[str]:
        return json.loads(self.allowfrom or "[]")

    @property
    def password_sample(self) -> str:
        """The first and last characters only: enough to tell two keys apart."""
        if not self.password:
            return ""
        return "%s\u2026%s" % (self.password[:2], self.password[-2:])

    @property
    def cname_name(self) -> str:
        return "_acme-challenge." + self.domain.domain_name

    @property
    def cname_record(self) -> str:
        """The record the operator creates in the domain's zone."""
        return "%s. CNAME %s." % (self.cname_name, self.fulldomain)

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``domain`` and ``acme_dns_server``. The password is masked."""
        return {
            "id": _id(self.id),
            "acme_dns_server_id": _id(self.acme_dns_server_id),
            "acme_dns_server_root_url": self.acme_dns_server.root_url,
            "domain_id": _id(self.domain_id),
            "domain_name": self.domain.domain_name,
            "is_active": bool(self.is_active),
            "is_imported": bool(self.is_imported),
            "username": self.username,
            "password_sample": self.password_sample,
            "fulldomain": self.fulldomain,
            "subdomain": self.subdomain,
            "allowfrom": self.allowfrom_list,
            "cname_name": self.cname_name,
            "cname_record": self.cname_record,
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_last_update": _iso(self.timestamp_last_update),
            "operations_event_id__created": _id(self.operations_event_id__created),
        }

    @property
    def as_json_with_password(self) -> dict[str, Any]:
        """``as_json`` plus the password: only where the operator asked for it by name."""
        return dict(self.as_json, password=self.password)


class UniqueFQDNSet(Base):
    """A canonical set of domains; certificates, CSRs, orders and queue items
    point at sets, not domains.

    ``domain_ids_string`` is the sorted domain ids joined by commas: the set's
    fingerprint, hence unique.
    """

    __tablename__ = "unique_fqdn_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_ids_string: Mapped[str] = mapped_column(sa.Text, unique=True)
    count_domains: Mapped[int]
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    acme_orders: Mapped[list["AcmeOrder"]] = relationship(
        back_populates="unique_fqdn_set", order_by="AcmeOrder.id.desc()"
    )
    certificate_requests: Mapped[list["CertificateRequest"]] = relationship(
        back_populates="unique_fqdn_set", order_by="CertificateRequest.id.desc()"
    )
    certificate_signeds: Mapped[list["CertificateSigned"]] = relationship(
        back_populates="unique_fqdn_set", order_by="CertificateSigned.id.desc()"
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="unique_fqdn_set"
    )
    queue_certificates: Mapped[list["QueueCertificate"]] = relationship(
        foreign_keys="QueueCertificate.unique_fqdn_set_id",
        back_populates="unique_fqdn_set",
        order_by="QueueCertificate.id.desc()",
    )
    queue_certificates__active: Mapped[list["QueueCertificate"]] = relationship(
        primaryjoin="and_(UniqueFQDNSet.id == QueueCertificate.unique_fqdn_set_id,"
        " QueueCertificate.is_active.is_(True))",
        order_by="QueueCertificate.id.desc()",
        viewonly=True,
    )
    to_domains: Mapped[list["UniqueFQDNSet2Domain"]] = relationship(
        back_populates="unique_fqdn_set"
    )
    # `latest_certificate` and `latest_active_certificate` are declared at the
    # end of the module

    @property
    def domains_as_list(self) -> list[str]:
        """The domain names, sorted."""
        return sorted(to_d.domain.domain_name for to_d in self.to_domains)

    @property
    def domain_names(self) -> str:
        """The sorted domain names as one comma-separated string."""
        return ", ".join(self.domains_as_list)

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``to_domains`` and their domains."""
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "count_domains": self.count_domains,
            "domain_ids_string": self.domain_ids_string,
            "domains_as_list": self.domains_as_list,
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


class UniqueFQDNSet2Domain(Base):
    __tablename__ = "unique_fqdn_set_2_domain"

    unique_fqdn_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("unique_fqdn_set.id"), primary_key=True
    )
    domain_id: Mapped[int] = mapped_column(
        sa.ForeignKey("domain.id"), primary_key=True, index=True
    )

    unique_fqdn_set: Mapped["UniqueFQDNSet"] = relationship(back_populates="to_domains")
    domain: Mapped["Domain"] = relationship(back_populates="to_fqdns")

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "unique_fqdn_set_id": _id(self.unique_fqdn_set_id),
            "domain_id": _id(self.domain_id),
        }


# ==============================================================================
# queues


class QueueDomain(Base):
    """A domain name waiting to be made into a Domain (and certified).

    ``is_active`` is tri-state:
        True:  waiting for the next processing batch
        False: processed (successfully or not)
        None:  cancelled by the user
    """

    __tablename__ = "queue_domain"
    __table_args__ = (
        _check_lowercase("domain_name"),
        # At most one waiting row per name, kept by the database: two parallel adds of one name
        # cannot both insert (the loser answers `already_queued`).
        sa.Index(
            "uq_queue_domain_waiting_domain_name",
            "domain_name",
            unique=True,
            sqlite_where=sa.text("is_active IS TRUE"),
            postgresql_where=sa.text("is_active IS TRUE"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_name: Mapped[str] = mapped_column(sa.Unicode(255), index=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    timestamp_processed: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    domain_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("domain.id"), index=True
    )
    is_active: Mapped[Optional[bool]] = mapped_column(default=True, index=True)
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )
    # how the order the queue builds validates this name (``model_utils.AcmeChallengeType``:
    # http-01 or dns-01; a wildcard name is always dns-01)
    acme_challenge_type_id: Mapped[int] = mapped_column(
        default=model_utils.AcmeChallengeType.HTTP_01,
        server_default=sa.text(str(model_utils.AcmeChallengeType.HTTP_01)),
    )

    domain: Mapped[Optional["Domain"]] = relationship(back_populates="queue_domain")
    operations_event__created: Mapped["OperationsEvent"] = relationship()
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="queue_domain"
    )

    @property
    def acme_challenge_type(self) -> str:
        return model_utils.AcmeChallengeType.as_string(self.acme_challenge_type_id)

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "domain_name": self.domain_name,
            "acme_challenge_type": self.acme_challenge_type,
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_processed": _iso(self.timestamp_processed),
            "domain_id": _id(self.domain_id),
            # tri-state: see the class docstring
            "is_active": self.is_active,
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


class QueueCertificate(Base):
    """A renewal waiting to be processed.

    Exactly one ``*__source`` is set (what is being renewed); the target
    account, key and set are always known; ``*__generated`` record the results.

    ``is_active`` is tri-state:
        True:  pending; part of the next processing batch
        False: processed (see ``process_result``)
        None:  cancelled by the user
    ``process_result``: None untried, True/False the outcome of the last attempt.
    """

    __tablename__ = "queue_certificate"
    __table_args__ = (
        _check_exactly_one(
            "check_queue_certificate_source",
            "acme_order_id__source",
            "certificate_signed_id__source",
            "unique_fqdn_set_id__source",
        ),
        # At most one waiting renewal per set, kept by the database, not by a check-then-insert:
        # parallel enqueues (on one or several instances) make one item.
        sa.Index(
            "uq_queue_certificate_waiting_unique_fqdn_set_id",
            "unique_fqdn_set_id",
            unique=True,
            sqlite_where=sa.text("is_active IS TRUE"),
            postgresql_where=sa.text("is_active IS TRUE"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    timestamp_processed: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    timestamp_process_attempt: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    process_result: Mapped[Optional[bool]]
    is_active: Mapped[Optional[bool]] = mapped_column(default=True, index=True)
    # a waiting item deferred by the CA's rate limits is not taken before this time
    timestamp_not_before: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    # a failed item: its set is not enqueued again before this time (back-off, the CA's
    # Retry-After); ``count_failures`` is this failure's rank since the set's last success
    timestamp_retry_after: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    count_failures: Mapped[Optional[int]]
    private_key_cycle_id__renewal: Mapped[int]
    private_key_strategy_id__requested: Mapped[int]
    acme_account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("acme_account.id"), index=True
    )
    private_key_id: Mapped[int] = mapped_column(
        sa.ForeignKey("private_key.id"), index=True
    )
    unique_fqdn_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("unique_fqdn_set.id"), index=True
    )
    acme_order_id__source: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_order.id"), index=True
    )
    certificate_signed_id__source: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_signed.id"), index=True
    )
    unique_fqdn_set_id__source: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("unique_fqdn_set.id"), index=True
    )
    acme_order_id__generated: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_order.id"), index=True
    )
    certificate_request_id__generated: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_request.id"), index=True
    )
    certificate_signed_id__generated: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_signed.id"), index=True
    )
    operations_event_id__created: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )
    # the names the item's order validates with dns-01, comma-separated and sorted (wildcards
    # among them); every other name of the set is http-01 (NULL: all http-01). Recorded when the
    # item is queued: the freeform form's `domain_names_dns01`, else the types of the order it
    # renews. Processing reads it for an item with no source order (an item renewing an order
    # keeps that order's types: ``OrderSpec.from_queue_certificate``).
    domain_names_dns01: Mapped[Optional[str]] = mapped_column(sa.Text)

    acme_account: Mapped["AcmeAccount"] = relationship()
    acme_order__generated: Mapped[Optional["AcmeOrder"]] = relationship(
        foreign_keys=[acme_order_id__generated],
        back_populates="queue_certificate__generator",
    )
    acme_order__source: Mapped[Optional["AcmeOrder"]] = relationship(
        foreign_keys=[acme_order_id__source]
    )
    certificate_request__generated: Mapped[Optional["CertificateRequest"]] = (
        relationship()
    )
    certificate_signed__generated: Mapped[Optional["CertificateSigned"]] = (
        relationship(
            foreign_keys=[certificate_signed_id__generated],
            back_populates="queue_certificate__parent",
        )
    )
    certificate_signed__source: Mapped[Optional["CertificateSigned"]] = relationship(
        foreign_keys=[certificate_signed_id__source],
        back_populates="queue_certificate__renewal",
    )
    operations_event__created: Mapped["OperationsEvent"] = relationship()
    operations_object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="queue_certificate"
    )
    private_key: Mapped["PrivateKey"] = relationship()
    unique_fqdn_set: Mapped["UniqueFQDNSet"] = relationship(
        foreign_keys=[unique_fqdn_set_id], back_populates="queue_certificates"
    )
    unique_fqdn_set__source: Mapped[Optional["UniqueFQDNSet"]] = relationship(
        foreign_keys=[unique_fqdn_set_id__source]
    )

    # An item claimed this recently and still without an outcome is being processed (by this or
    # another instance). Older than this, its processor is taken to have died.
    IN_FLIGHT_SECONDS = 3600

    @classmethod
    def in_flight(cls, now: datetime.datetime):
        """SQL: the item was claimed less than ``IN_FLIGHT_SECONDS`` before ``now`` and has no outcome
        yet (the one rule the renewal update, the coverage events and the health report share)."""
        return sa.and_(
            cls.is_active.is_(False),
            cls.process_result.is_(None),
            cls.timestamp_process_attempt > now - datetime.timedelta(seconds=cls.IN_FLIGHT_SECONDS),
        )

    @property
    def private_key_cycle__renewal(self) -> str:
        return model_utils.PrivateKeyCycle.as_string(self.private_key_cycle_id__renewal)

    @property
    def private_key_strategy__requested(self) -> str:
        return model_utils.PrivateKeyStrategy.as_string(
            self.private_key_strategy_id__requested
        )

    @property
    def domains_as_list(self) -> list[str]:
        return self.unique_fqdn_set.domains_as_list

    @property
    def domains_dns01(self) -> list[str]:
        return [n for n in (self.domain_names_dns01 or "").split(",") if n]

    @property
    def domains_challenged(self) -> dict[str, str]:
        """Each name of the item with the challenge type recorded for it (``http-01``, ``dns-01``;
        a wildcard is always dns-01, also on an item queued before the types were recorded)."""
        dns01 = set(self.domains_dns01)
        return {
            n: ("dns-01" if (n in dns01 or n.startswith("*.")) else "http-01")
            for n in self.domains_as_list
        }

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            # the names validated with dns-01 (every other name of the set: http-01)
            "domain_names_dns01": self.domains_dns01,
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_processed": _iso(self.timestamp_processed),
            "timestamp_process_attempt": _iso(self.timestamp_process_attempt),
            # tri-states: see the class docstring
            "is_active": self.is_active,
            "process_result": self.process_result,
            "timestamp_not_before": _iso(self.timestamp_not_before),
            "timestamp_retry_after": _iso(self.timestamp_retry_after),
            "count_failures": self.count_failures,
            "private_key_cycle__renewal": self.private_key_cycle__renewal,
            "private_key_strategy__requested": self.private_key_strategy__requested,
            "acme_account_id": _id(self.acme_account_id),
            "private_key_id": _id(self.private_key_id),
            "unique_fqdn_set_id": _id(self.unique_fqdn_set_id),
            "source": {
                "acme_order_id": _id(self.acme_order_id__source),
                "certificate_signed_id": _id(self.certificate_signed_id__source),
                "unique_fqdn_set_id": _id(self.unique_fqdn_set_id__source),
            },
            "generated": {
                "acme_order_id": _id(self.acme_order_id__generated),
                "certificate_request_id": _id(self.certificate_request_id__generated),
                "certificate_signed_id": _id(self.certificate_signed_id__generated),
            },
            "operations_event_id__created": _id(self.operations_event_id__created),
        }


# ==============================================================================
# coverage assurance: what endangers a name's valid certificate, and who was told


class CoverageAssuranceEvent(Base):
    """Something endangers the coverage of some names: a certificate expiring with no
    renewal under way, a renewal that failed, no usable ACME account, a key compromised,
    a certificate revoked (``model_utils.CoverageAssuranceEventType``).

    At least one object is named (key, certificate or queue item). ``subject_key`` says
    which object the event is about (``CertificateSigned:12``, ``PrivateKey:3``,
    ``UniqueFQDNSet:4``); a partial unique index keeps ONE unresolved event per type and
    subject, so a check that runs every hour, or two instances, never raise it twice.
    A key compromise is a parent event (the key) with one child per certificate of the key.
    ``lib.db.coverage`` raises and resolves them.
    """

    __tablename__ = "coverage_assurance_event"
    __table_args__ = (
        sa.CheckConstraint(
            "private_key_id IS NOT NULL OR certificate_signed_id IS NOT NULL OR queue_certificate_id IS NOT NULL",
            name="check_one_object",
        ),
        sa.Index(
            "uq_coverage_assurance_event_unresolved_subject",
            "coverage_assurance_event_type_id",
            "subject_key",
            unique=True,
            sqlite_where=sa.text("coverage_assurance_resolution_id = 1"),
            postgresql_where=sa.text("coverage_assurance_resolution_id = 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow, index=True
    )
    timestamp_resolved: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    coverage_assurance_event_type_id: Mapped[int] = mapped_column(index=True)
    coverage_assurance_event_status_id: Mapped[int]
    coverage_assurance_resolution_id: Mapped[int] = mapped_column(index=True)
    subject_key: Mapped[str] = mapped_column(sa.Unicode(64))
    message: Mapped[str] = mapped_column(sa.Text)
    private_key_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("private_key.id"), index=True
    )
    certificate_signed_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_signed.id"), index=True
    )
    queue_certificate_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("queue_certificate.id"), index=True
    )
    # the names concerned, and the account (no usable account, a failed renewal's)
    unique_fqdn_set_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("unique_fqdn_set.id"), index=True
    )
    acme_account_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_account.id"), index=True
    )
    coverage_assurance_event_id__parent: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("coverage_assurance_event.id"), index=True
    )

    private_key: Mapped[Optional["PrivateKey"]] = relationship()
    certificate_signed: Mapped[Optional["CertificateSigned"]] = relationship()
    queue_certificate: Mapped[Optional["QueueCertificate"]] = relationship()
    unique_fqdn_set: Mapped[Optional["UniqueFQDNSet"]] = relationship()
    acme_account: Mapped[Optional["AcmeAccount"]] = relationship()
    parent: Mapped[Optional["CoverageAssuranceEvent"]] = relationship(
        back_populates="children", remote_side=[id]
    )
    children: Mapped[list["CoverageAssuranceEvent"]] = relationship(
        back_populates="parent", order_by="CoverageAssuranceEvent.id"
    )

    @property
    def coverage_assurance_event_type(self) -> str:
        return model_utils.CoverageAssuranceEventType.as_string(
            self.coverage_assurance_event_type_id
        )

    @property
    def coverage_assurance_event_status(self) -> str:
        return model_utils.CoverageAssuranceEventStatus.as_string(
            self.coverage_assurance_event_status_id
        )

    @property
    def coverage_assurance_resolution(self) -> str:
        return model_utils.CoverageAssuranceResolution.as_string(
            self.coverage_assurance_resolution_id
        )

    @property
    def is_unresolved(self) -> bool:
        return (
            self.coverage_assurance_resolution_id
            == model_utils.CoverageAssuranceResolution.UNRESOLVED
        )

    @property
    def domain_names(self) -> list[str]:
        return self.unique_fqdn_set.domains_as_list if self.unique_fqdn_set else []

    @property
    def as_json(self) -> dict[str, Any]:
        """Reads ``unique_fqdn_set`` (and its domains): eager-load them on lists."""
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_resolved": _iso(self.timestamp_resolved),
            "coverage_assurance_event_type": self.coverage_assurance_event_type,
            "coverage_assurance_event_status": self.coverage_assurance_event_status,
            "coverage_assurance_resolution": self.coverage_assurance_resolution,
            "message": self.message,
            "private_key_id": _id(self.private_key_id),
            "certificate_signed_id": _id(self.certificate_signed_id),
            "queue_certificate_id": _id(self.queue_certificate_id),
            "unique_fqdn_set_id": _id(self.unique_fqdn_set_id),
            "acme_account_id": _id(self.acme_account_id),
            "domain_names": self.domain_names,
            "coverage_assurance_event_id__parent": _id(
                self.coverage_assurance_event_id__parent
            ),
        }


class Notification(Base):
    """The outbox: one message to send on one channel (webhook or email).

    Written in the same transaction as what it tells (a coverage event), so a rolled-back
    event sends nothing and a crash loses nothing; sent after the commit by
    ``lib.db.notifications.deliver_pending``, retried with exponential back-off up to
    ``notify_max_attempts``. ``payload`` is the JSON sent (frozen when written).
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    kind: Mapped[str] = mapped_column(sa.Unicode(64))
    notification_channel_id: Mapped[int]
    notification_status_id: Mapped[int] = mapped_column(index=True)
    payload: Mapped[str] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    timestamp_next_attempt: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, index=True
    )
    timestamp_last_attempt: Mapped[Optional[datetime.datetime]] = mapped_column(
        TZDateTime
    )
    timestamp_sent: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    last_error: Mapped[Optional[str]] = mapped_column(sa.Text)
    coverage_assurance_event_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("coverage_assurance_event.id"), index=True
    )

    coverage_assurance_event: Mapped[Optional["CoverageAssuranceEvent"]] = (
        relationship()
    )

    @property
    def notification_channel(self) -> str:
        return model_utils.NotificationChannel.as_string(self.notification_channel_id)

    @property
    def notification_status(self) -> str:
        return model_utils.NotificationStatus.as_string(self.notification_status_id)

    @property
    def payload_json(self) -> dict[str, Any]:
        return json.loads(self.payload)

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "kind": self.kind,
            "notification_channel": self.notification_channel,
            "notification_status": self.notification_status,
            "attempts": self.attempts,
            "timestamp_next_attempt": _iso(self.timestamp_next_attempt),
            "timestamp_last_attempt": _iso(self.timestamp_last_attempt),
            "timestamp_sent": _iso(self.timestamp_sent),
            "last_error": self.last_error,
            "coverage_assurance_event_id": _id(self.coverage_assurance_event_id),
            "payload": self.payload_json,
        }


# ==============================================================================
# dns-01: the DNS backends that publish the TXT records (docs/Dns01.md)

# what the JSON and the pages show instead of a TSIG secret
SECRET_MASK = "********"


class DnsBackendRfc2136(Base):
    """One zone updated through RFC 2136 dynamic updates signed with TSIG (``lib.dns01``).

    ``zone`` is lower-case without a trailing dot; a name is handled by the longest active zone
    that encloses it (``lib.db.dns_backends.backend_for_name``). ``server``/``port`` take the
    updates (the primary). ``visibility_nameservers`` (``host[:port], ...``) are the servers the
    visibility wait asks; empty: the zone's NS records, port 53. ``tsig_secret`` is a secret:
    ``as_json`` masks it, nothing logs it.
    """

    __tablename__ = "dns_backend_rfc2136"
    __table_args__ = (_check_lowercase("zone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp_created: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    timestamp_updated: Mapped[Optional[datetime.datetime]] = mapped_column(TZDateTime)
    zone: Mapped[str] = mapped_column(sa.Unicode(255), unique=True)
    server: Mapped[str] = mapped_column(sa.Unicode(255))
    port: Mapped[int] = mapped_column(default=53)
    tsig_key_name: Mapped[str] = mapped_column(sa.Unicode(255))
    tsig_algorithm: Mapped[str] = mapped_column(sa.Unicode(32))
    tsig_secret: Mapped[str] = mapped_column(sa.Unicode(255))
    visibility_nameservers: Mapped[Optional[str]] = mapped_column(sa.Unicode(1024))
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "timestamp_created": _iso(self.timestamp_created),
            "timestamp_updated": _iso(self.timestamp_updated),
            "zone": self.zone,
            "server": self.server,
            "port": self.port,
            "tsig_key_name": self.tsig_key_name,
            "tsig_algorithm": self.tsig_algorithm,
            "tsig_secret": SECRET_MASK,
            "visibility_nameservers": self.visibility_nameservers,
            "is_active": self.is_active,
        }


# ==============================================================================
# operations log


class OperationsEvent(Base):
    """A typed bookkeeping event; every state change writes one.

    ``event_payload`` is JSON text and always holds ``"v": 1`` (the payload
    format version); write it with ``set_event_payload``.
    """

    __tablename__ = "operations_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    operations_event_type_id: Mapped[int] = mapped_column(index=True)
    timestamp_event: Mapped[datetime.datetime] = mapped_column(
        TZDateTime, default=utcnow
    )
    event_payload: Mapped[str] = mapped_column(sa.Text, default='{"v": 1}')
    operations_event_id__child_of: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )

    children: Mapped[list["OperationsEvent"]] = relationship(
        back_populates="parent", order_by="OperationsEvent.id"
    )
    object_events: Mapped[list["OperationsObjectEvent"]] = relationship(
        back_populates="operations_event", order_by="OperationsObjectEvent.id"
    )
    parent: Mapped[Optional["OperationsEvent"]] = relationship(
        back_populates="children", remote_side=[id]
    )

    @property
    def operations_event_type(self) -> str:
        return model_utils.OperationsEventType.as_string(self.operations_event_type_id)

    @property
    def event_payload_json(self) -> dict[str, Any]:
        return json.loads(self.event_payload)

    def set_event_payload(self, payload: dict[str, Any]) -> None:
        self.event_payload = json.dumps(dict(payload, v=1), sort_keys=True)

    @property
    def as_json(self) -> dict[str, Any]:
        return {
            "id": _id(self.id),
            "operations_event_type": self.operations_event_type,
            "timestamp_event": _iso(self.timestamp_event),
            "event_payload": self.event_payload_json,
            "operations_event_id__child_of": _id(self.operations_event_id__child_of),
        }


_OPERATIONS_OBJECT_EVENT_FKS = (
    "acme_account_id",
    "acme_account_key_id",
    "acme_order_id",
    "certificate_ca_id",
    "certificate_ca_chain_id",
    "certificate_request_id",
    "certificate_signed_id",
    "domain_id",
    "private_key_id",
    "queue_certificate_id",
    "queue_domain_id",
    "unique_fqdn_set_id",
    "acme_orderless_id",
)


class OperationsObjectEvent(Base):
    """What an OperationsEvent did to one object (exactly one object FK is set)."""

    __tablename__ = "operations_object_event"
    __table_args__ = (
        _check_exactly_one("exactly_one_object", *_OPERATIONS_OBJECT_EVENT_FKS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operations_event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("operations_event.id"), index=True
    )
    operations_object_event_status_id: Mapped[int]
    acme_account_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_account.id"), index=True
    )
    acme_account_key_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_account_key.id"), index=True
    )
    acme_order_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_order.id"), index=True
    )
    certificate_ca_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_ca.id"), index=True
    )
    certificate_ca_chain_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_ca_chain.id"), index=True
    )
    certificate_request_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_request.id"), index=True
    )
    certificate_signed_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("certificate_signed.id"), index=True
    )
    domain_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("domain.id"), index=True
    )
    private_key_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("private_key.id"), index=True
    )
    queue_certificate_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("queue_certificate.id"), index=True
    )
    queue_domain_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("queue_domain.id"), index=True
    )
    unique_fqdn_set_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("unique_fqdn_set.id"), index=True
    )
    acme_orderless_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("acme_orderless.id"), index=True
    )

    operations_event: Mapped["OperationsEvent"] = relationship(
        back_populates="object_events"
    )
    acme_account: Mapped[Optional["AcmeAccount"]] = relationship(
        back_populates="operations_object_events"
    )
    acme_account_key: Mapped[Optional["AcmeAccountKey"]] = relationship(
        back_populates="operations_object_events"
    )
    acme_order: Mapped[Optional["AcmeOrder"]] = relationship(
        back_populates="operations_object_events"
    )
    certificate_ca: Mapped[Optional["CertificateCA"]] = relationship(
        back_populates="operations_object_events"
    )
    certificate_ca_chain: Mapped[Optional["CertificateCAChain"]] = relationship()
    certificate_request: Mapped[Optional["CertificateRequest"]] = relationship(
        back_populates="operations_object_events"
    )
    certificate_signed: Mapped[Optional["CertificateSigned"]] = relationship(
        back_populates="operations_object_events"
    )
    domain: Mapped[Optional["Domain"]] = relationship(
        back_populates="operations_object_events"
    )
    private_key: Mapped[Optional["PrivateKey"]] = relationship(
        back_populates="operations_object_events"
    )
    queue_certificate: Mapped[Optional["QueueCertificate"]] = relationship(
        back_populates="operations_object_events"
    )
    queue_domain: Mapped[Optional["QueueDomain"]] = relationship(
        back_populates="operations_object_events"
    )
    unique_fqdn_set: Mapped[Optional["UniqueFQDNSet"]] = relationship(
        back_populates="operations_object_events"
    )
    acme_orderless: Mapped[Optional["AcmeOrderless"]] = relationship(
        back_populates="operations_object_events"
    )

    @property
    def operations_object_event_status(self) -> str:
        return model_utils.OperationsObjectEventStatus.as_string(
            self.operations_object_event_status_id
        )

    @property
    def as_json(self) -> dict[str, Any]:
        payload = {
            "id": _id(self.id),
            "operations_event_id": _id(self.operations_event_id),
            "operations_object_event_status": self.operations_object_event_status,
        }
        for column_name in _OPERATIONS_OBJECT_EVENT_FKS:
            payload[column_name] = _id(getattr(self, column_name))
        return payload


# ==============================================================================
# "latest" relationships
#
# Each picks one row through a correlated max(id) subquery on an alias, so it
# loads in one query (lazily or with selectinload/joinedload) without reading
# the whole collection.

_AcmeOrder_latest = aliased(AcmeOrder)
_CertificateSigned_latest = aliased(CertificateSigned)

CertificateRequest.latest_acme_order = relationship(
    AcmeOrder,
    primaryjoin=sa.and_(
        CertificateRequest.id == AcmeOrder.certificate_request_id,
        AcmeOrder.id
        == sa.select(sa.func.max(_AcmeOrder_latest.id))
        .where(_AcmeOrder_latest.certificate_request_id == CertificateRequest.id)
        .scalar_subquery(),
    ),
    uselist=False,
    viewonly=True,
)

CertificateRequest.certificate_signed__latest = relationship(
    CertificateSigned,
    primaryjoin=sa.and_(
        CertificateRequest.id == CertificateSigned.certificate_request_id,
        CertificateSigned.id
        == sa.select(sa.func.max(_CertificateSigned_latest.id))
        .where(
            _CertificateSigned_latest.certificate_request_id == CertificateRequest.id,
            _CertificateSigned_latest.is_active.is_(True),
        )
        .scalar_subquery(),
    ),
    uselist=False,
    viewonly=True,
)

UniqueFQDNSet.latest_certificate = relationship(
    CertificateSigned,
    primaryjoin=sa.and_(
        UniqueFQDNSet.id == CertificateSigned.unique_fqdn_set_id,
        CertificateSigned.id
        == sa.select(sa.func.max(_CertificateSigned_latest.id))
        .where(_CertificateSigned_latest.unique_fqdn_set_id == UniqueFQDNSet.id)
        .scalar_subquery(),
    ),
    uselist=False,
    viewonly=True,
)

UniqueFQDNSet.latest_active_certificate = relationship(
    CertificateSigned,
    primaryjoin=sa.and_(
        UniqueFQDNSet.id == CertificateSigned.unique_fqdn_set_id,
        CertificateSigned.id
        == sa.select(sa.func.max(_CertificateSigned_latest.id))
        .where(
            _CertificateSigned_latest.unique_fqdn_set_id == UniqueFQDNSet.id,
            _CertificateSigned_latest.is_active.is_(True),
        )
        .scalar_subquery(),
    ),
    uselist=False,
    viewonly=True,
)
