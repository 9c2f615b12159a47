"""Seed data and the start-up reconciliation of the configured ACME server.

``seed_database`` is idempotent: it creates what is missing and nothing else, so
``initialize_peter_sslers_db`` can run any number of times.
"""

import importlib.resources
import urllib.parse

import sqlalchemy as sa

from ...config import KNOWN_CERTIFICATE_AUTHORITIES
from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeAccountProvider
from ...model.objects import DomainBlocklisted
from ...model.objects import PrivateKey
from .. import errors
from .. import utils
from . import get
from .create import create__AcmeAccountProvider
from .getcreate import getcreate__CertificateCA__by_pem_text
from .logger import log__OperationsEvent

PLACEHOLDER_KEY_ID = 0
PLACEHOLDER_KEY_PEM = "*placeholder-key*"

# Bundled trust anchors: (file in lib/ca_certs, display name).
TRUSTED_ROOTS = (
    ("isrg_root_x1.pem", "ISRG Root X1"),
    ("isrg_root_x2.pem", "ISRG Root X2"),
)

BLOCKLIST_SEED = ("always-fail.example.com",)


def server_of(directory_url: str) -> str:
    """The host[:port] of an ACME directory URL; it identifies the server of an imported account."""
    return urllib.parse.urlsplit(directory_url).netloc.lower()


def check_initialized(connection) -> None:
    """:raises errors.DatabaseNotInitialized: the database has no peter_sslers tables."""
    inspector = sa.inspect(connection)
    if not inspector.has_table("acme_account_provider"):
        raise errors.DatabaseNotInitialized(
            "The database has no peter_sslers tables: run `initialize_peter_sslers_db YOUR.ini` first."
        )


def seed_database(ctx) -> dict:
    """Create the seed rows that are missing. Returns what was created, by kind."""
    created = {"AcmeAccountProvider": [], "PrivateKey": [], "CertificateCA": [], "DomainBlocklisted": []}
    # The initialisation event comes first, so every object below is its child.
    initialized = ctx.dbsession.get(PrivateKey, PLACEHOLDER_KEY_ID) is not None
    if not initialized:
        log__OperationsEvent(ctx, "_DatabaseInitialization")

    for name, directory in KNOWN_CERTIFICATE_AUTHORITIES.items():
        if get.get__AcmeAccountProvider__by_name(ctx, name) is None:
            create__AcmeAccountProvider(ctx, name, directory)
            created["AcmeAccountProvider"].append(name)

    if not initialized:
        _create_placeholder_key(ctx)
        created["PrivateKey"].append(PLACEHOLDER_KEY_ID)

    for filename, display_name in TRUSTED_ROOTS:
        pem = importlib.resources.files("peter_sslers.lib").joinpath("ca_certs", filename).read_text()
        dbCertificateCA, is_created = getcreate__CertificateCA__by_pem_text(
            ctx, pem, display_name=display_name, is_trusted_root=True
        )
        if is_created:
            created["CertificateCA"].append(display_name)

    # The blocklist is seeded once, with the database: an operator may remove the seed's name
    # (`/domain-blocklisted/{id}/delete`), and a later initialisation must not put it back.
    for domain_name in BLOCKLIST_SEED if not initialized else ():
        if get.get__DomainBlocklisted__by_name(ctx, domain_name) is None:
            dbBlocked = DomainBlocklisted()
            dbBlocked.domain_name = domain_name
            dbBlocked.timestamp_created = ctx.timestamp
            dbBlocked.operations_event_id__created = ctx.dbOperationsEvent.id
            ctx.dbsession.add(dbBlocked)
            created["DomainBlocklisted"].append(domain_name)
    ctx.dbsession.flush()
    return created


def _create_placeholder_key(ctx) -> PrivateKey:
    """PrivateKey 0 stands for "choose the key when the order is finalized"."""
    dbPrivateKey = PrivateKey()
    dbPrivateKey.id = PLACEHOLDER_KEY_ID
    dbPrivateKey.timestamp_created = ctx.timestamp
    dbPrivateKey.key_technology_id = model_utils.KeyTechnology.from_string("RSA")
    dbPrivateKey.key_pem = PLACEHOLDER_KEY_PEM
    dbPrivateKey.key_pem_sha256 = utils.sha256_hex(PLACEHOLDER_KEY_PEM)
    dbPrivateKey.spki_sha256 = PLACEHOLDER_KEY_PEM
    dbPrivateKey.is_active = True
    dbPrivateKey.private_key_source_id = model_utils.PrivateKeySource.from_string("placeholder")
    dbPrivateKey.private_key_type_id = model_utils.PrivateKeyType.from_string("placeholder")
    dbPrivateKey.operations_event_id__created = ctx.dbOperationsEvent.id
    ctx.dbsession.add(dbPrivateKey)
    ctx.dbsession.flush(objects=[dbPrivateKey])
    return dbPrivateKey


def reconcile_certificate_authority(ctx) -> dict:
    """Make the configured ACME server the (only) default, as the ini says.

    Also enables the servers named in ``certificate_authorities_enable`` and, as the
    specification requires, unsets a global default AcmeAccount that belongs to
    another server than the configured one.

    :returns: what changed, for logging.
    :raises errors.DatabaseNotInitialized: no schema yet.
    :raises errors.ConfigurationMismatch: the ini and the database disagree (a known
        server name with another directory while it has accounts; an unknown name in
        ``certificate_authorities_enable``).
    """
    check_initialized(ctx.dbsession.connection())
    settings = ctx.settings
    name = settings.certificate_authority_name
    directory = settings.certificate_authority_directory
    changes = {}

    dbProvider = get.get__AcmeAccountProvider__by_name(ctx, name)
    if dbProvider is None:
        if name not in KNOWN_CERTIFICATE_AUTHORITIES and name != "custom":
            raise errors.ConfigurationMismatch("Unknown ACME server `%s`." % name)
        dbProvider = create__AcmeAccountProvider(ctx, name, directory)
        changes["created"] = name
    elif dbProvider.directory != directory:
        has_accounts = ctx.dbsession.scalar(
            sa.select(sa.func.count(AcmeAccount.id)).where(AcmeAccount.acme_account_provider_id == dbProvider.id)
        )
        if has_accounts:
            raise errors.ConfigurationMismatch(
                "`certificate_authority_directory` is %s but the ACME server `%s` in the database, which has "
                "accounts, uses %s. Restore the old directory, or use another `certificate_authority`."
                % (directory, name, dbProvider.directory)
            )
        changes["directory"] = {"old": dbProvider.directory, "new": directory}
        dbProvider.directory = directory
        dbProvider.server = server_of(directory)

    if not dbProvider.is_default or not dbProvider.is_enabled:
        # One default at a time (a unique index holds it): clear the old one first.
        ctx.dbsession.execute(
            sa.update(AcmeAccountProvider)
            .where(AcmeAccountProvider.is_default.is_(True), AcmeAccountProvider.id != dbProvider.id)
            .values(is_default=None)
        )
        ctx.dbsession.flush()
        dbProvider.is_default = True
        dbProvider.is_enabled = True
        changes["default"] = name

    for other_name in settings.certificate_authorities_enable:
        dbOther = get.get__AcmeAccountProvider__by_name(ctx, other_name)
        if dbOther is None:
            raise errors.ConfigurationMismatch(
                "`certificate_authorities_enable` names `%s`, which is not a known ACME server (known: %s)."
                % (other_name, ", ".join(p.name for p in get.get__AcmeAccountProviders(ctx)))
            )
        if not dbOther.is_enabled:
            dbOther.is_enabled = True
            changes.setdefault("enabled", []).append(other_name)

    dbAccount = get.get__AcmeAccount__global_default(ctx)
    if dbAccount is not None and dbAccount.acme_account_provider_id != dbProvider.id:
        dbAccount.is_global_default = None
        changes["global_default_account_unset"] = dbAccount.id

    ctx.dbsession.flush()
    if changes:
        log__OperationsEvent(ctx, "AcmeAccountProvider__activate_default", {"changes": changes})
    return changes
