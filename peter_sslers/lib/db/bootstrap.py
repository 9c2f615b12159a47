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
from ...model.objects import RootStore
from ...model.objects import RootStoreVersion
from ...model.objects import RootStoreVersion2CertificateCA
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

# Trust stores known to hold bundled roots: (store name, where the data comes from, version,
# display names of the TRUSTED_ROOTS it holds). Only facts that were checked are recorded: the
# two ISRG files in lib/ca_certs are byte for byte the ones of that Debian package version
# (/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt and ISRG_Root_X2.crt). The store holds
# well over a hundred other roots, which peter_sslers does not bundle and does not record
# (docs/Chains.md, "Root stores").
ROOT_STORES_SEED = (
    (
        "Debian ca-certificates (Mozilla CA bundle)",
        "Debian package ca-certificates: /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt and "
        "ISRG_Root_X2.crt are the bundled lib/ca_certs files. Only the roots peter_sslers bundles are "
        "recorded; the store trusts many more.",
        "20230311+deb12u1",
        ("ISRG Root X1", "ISRG Root X2"),
    ),
)


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
    created = {
        "AcmeAccountProvider": [],
        "PrivateKey": [],
        "CertificateCA": [],
        "DomainBlocklisted": [],
        "RootStoreVersion": [],
    }
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

    roots = {}
    for filename, display_name in TRUSTED_ROOTS:
        pem = importlib.resources.files("peter_sslers.lib").joinpath("ca_certs", filename).read_text()
        dbCertificateCA, is_created = getcreate__CertificateCA__by_pem_text(
            ctx, pem, display_name=display_name, is_trusted_root=True
        )
        roots[display_name] = dbCertificateCA
        if is_created:
            created["CertificateCA"].append(display_name)

    for name, source, version_string, root_names in ROOT_STORES_SEED:
        if _seed_root_store(ctx, name, source, version_string, [roots[n] for n in root_names]):
            created["RootStoreVersion"].append("%s %s" % (name, version_string))

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


def _seed_root_store(ctx, name: str, source: str, version_string: str, dbCAs) -> bool:
    """Create the store and its version with these roots, if the version is missing.

    :returns: whether the version was created.
    """
    dbRootStore = ctx.dbsession.scalars(sa.select(RootStore).where(RootStore.name == name)).first()
    if dbRootStore is None:
        log__OperationsEvent(ctx, "RootStore__insert", {"name": name})
        dbRootStore = RootStore()
        dbRootStore.name = name
        dbRootStore.source = source
        dbRootStore.timestamp_created = ctx.timestamp
        ctx.dbsession.add(dbRootStore)
        ctx.dbsession.flush(objects=[dbRootStore])
    dbVersion = ctx.dbsession.scalars(
        sa.select(RootStoreVersion).where(
            RootStoreVersion.root_store_id == dbRootStore.id, RootStoreVersion.version_string == version_string
        )
    ).first()
    if dbVersion is not None:
        return False
    dbVersion = RootStoreVersion()
    dbVersion.root_store_id = dbRootStore.id
    dbVersion.version_string = version_string
    dbVersion.timestamp_created = ctx.timestamp
    ctx.dbsession.add(dbVersion)
    ctx.dbsession.flush(objects=[dbVersion])
    for dbCA in dbCAs:
        dbLink = RootStoreVersion2CertificateCA()
        dbLink.root_store_version_id = dbVersion.id
        dbLink.certificate_ca_id = dbCA.id
        ctx.dbsession.add(dbLink)
    ctx.dbsession.flush()
    return True


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
