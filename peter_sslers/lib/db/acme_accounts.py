"""ACME accounts: local records, keys, and what the ACME server knows of them.

Everything that talks to the server goes through ``acme_client`` and commits
(``ctx.checkpoint()``) right after the server has acted, so a crash never forgets an
account the server created or a key it rolled over.
"""

import dataclasses
import json
import re
import urllib.parse
from typing import Optional
from typing import Tuple

import sqlalchemy as sa

from ...config import KNOWN_CERTIFICATE_AUTHORITIES
from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeAccountKey
from ...model.objects import AcmeAccountProvider
from .. import acme_v2
from .. import cert_utils
from .. import certbot
from .. import errors
from .. import utils
from . import actions
from . import get
from .acme_logger import AcmeEventLogger
from .create import create__AcmeAccountProvider
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent

_RE_EMAIL = re.compile(r"^[^@\s:/]+@[^@\s:/]+$")
_RE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# the contact column's length (stored without its `mailto:`)
CONTACT_MAX_LENGTH = AcmeAccount.contact.property.columns[0].type.length
ACCOUNT_KEY_TECHNOLOGIES = {
    "RSA": ("RSA", 2048, None),
    "RSA_2048": ("RSA", 2048, None),
    "RSA_3072": ("RSA", 3072, None),
    "RSA_4096": ("RSA", 4096, None),
    "EC": ("EC", None, "P-256"),
    "EC_P256": ("EC", None, "P-256"),
    "EC_P384": ("EC", None, "P-384"),
}


# --- the client


def acme_transport(ctx, dbProvider: AcmeAccountProvider, logger: Optional[AcmeEventLogger] = None) -> acme_v2.AcmeTransport:
    """A transport to this ACME server. The configured server trusts the configured CA bundle."""
    ca_bundle = None
    if dbProvider.name == ctx.settings.certificate_authority_name:
        ca_bundle = ctx.settings.certificate_authority_ca_bundle
    on_exchange = logger.record if logger is not None else None
    # one HTTP session, directory and nonce pool per server for this unit of work (ctx: one request,
    # job or queue worker, one thread): its orders do not fetch them again. Nothing stored outlives
    # the ctx; the directory and nonces are the server's, not data of ours that could go stale.
    cache = getattr(ctx, "acme_transports", None)
    if cache is None:  # a stand-in context (tests): a transport of its own
        return acme_v2.AcmeTransport(dbProvider.directory, ca_bundle=ca_bundle, on_exchange=on_exchange)
    key = (dbProvider.directory, ca_bundle)
    shared = cache.get(key)
    if shared is None:
        shared = cache[key] = acme_v2.AcmeTransport(dbProvider.directory, ca_bundle=ca_bundle)
    return shared.sharing(on_exchange)


def acme_client(ctx, dbAccount: AcmeAccount, logger: Optional[AcmeEventLogger] = None) -> acme_v2.AcmeClient:
    """A client for this account, with its active key.

    :raises errors.InvalidTransition: the account has no active key.
    """
    dbKey = dbAccount.acme_account_key
    if dbKey is None:
        raise errors.InvalidTransition("The ACME account %s has no active key." % dbAccount.id)
    logger = logger or AcmeEventLogger(ctx, acme_account_id=dbAccount.id)
    return acme_v2.AcmeClient(
        acme_transport(ctx, dbAccount.acme_account_provider, logger),
        acme_v2.AcmeKey(dbKey.key_pem),
        account_url=dbAccount.account_url,
    )


# --- input


def normalize_contact(contact: Optional[str], field: str = "account__contact") -> Optional[str]:
    """An email address (a leading ``mailto:`` is dropped), or None.

    :raises errors.InvalidRequest: not an email address.
    """
    if contact is None:
        return None
    contact = contact.strip()
    if contact.lower().startswith("mailto:"):
        contact = contact[len("mailto:") :]
    if not contact:
        return None
    if not _RE_EMAIL.match(contact):
        raise errors.InvalidRequest("`%s` is not an email address." % contact, field=field)
    local, domain = contact.rsplit("@", 1)
    if _RE_CONTROL.search(local):
        raise errors.InvalidRequest("The email address holds a control character.", field=field)
    try:
        domain = utils.validate_domain_name(domain)
    except errors.InvalidRequest:
        raise errors.InvalidRequest("`%s` is not an email address with a valid domain." % contact, field=field)
    contact = "%s@%s" % (local, domain)
    if len(contact) > CONTACT_MAX_LENGTH:
        # checked here, before any ACME server sees it: registered first and refused by the
        # column after, the account would exist on the server with its key lost
        raise errors.InvalidRequest(
            "The email address is longer than the %d characters allowed." % CONTACT_MAX_LENGTH, field=field
        )
    return contact


# the column that keeps the EAB key id of a bound account
EAB_KID_MAX_LENGTH = AcmeAccount.eab_kid.property.columns[0].type.length


def parse_external_account(
    eab_kid: Optional[str], eab_hmac_key: Optional[str], eab_mac_algorithm: Optional[str] = "HS256"
) -> Optional[acme_v2.ExternalAccountKey]:
    """The External Account Binding credential of a registration form (RFC 8555 section 7.3.4):
    both fields or neither (None). The HMAC key is base64url, as CAs hand it out;
    ``eab_mac_algorithm`` is HS256 (empty: HS256), HS384 or HS512 (RFC 7518 section 3.2).

    :raises errors.FormInvalid: one without the other, a key that is not base64url, a key id that
        is too long or holds control characters, another MAC algorithm. No message holds the HMAC key.
    """
    eab_mac_algorithm = (eab_mac_algorithm or "").strip() or "HS256"
    if eab_mac_algorithm not in acme_v2.EAB_ALGORITHMS:
        raise errors.FormInvalid(
            {"eab_mac_algorithm": "Not one of: %s." % ", ".join(acme_v2.EAB_ALGORITHMS)}
        )
    eab_kid = (eab_kid or "").strip() or None
    eab_hmac_key = (eab_hmac_key or "").strip() or None
    if eab_kid is None and eab_hmac_key is None:
        return None
    if eab_kid is None:
        raise errors.FormInvalid({"eab_kid": "Required with `eab_hmac_key`: External Account Binding needs both."})
    if eab_hmac_key is None:
        raise errors.FormInvalid({"eab_hmac_key": "Required with `eab_kid`: External Account Binding needs both."})
    if _RE_CONTROL.search(eab_kid) or len(eab_kid) > EAB_KID_MAX_LENGTH:
        raise errors.FormInvalid(
            {"eab_kid": "The EAB key id must be at most %d characters, without control characters." % EAB_KID_MAX_LENGTH}
        )
    try:
        hmac_key = acme_v2.decode_eab_hmac_key(eab_hmac_key)
    except ValueError as exc:
        raise errors.FormInvalid({"eab_hmac_key": str(exc)})
    return acme_v2.ExternalAccountKey(kid=eab_kid, hmac_key=hmac_key, alg=eab_mac_algorithm)


def get__AcmeAccountProvider__for_use(ctx, provider_id) -> AcmeAccountProvider:
    """An enabled ACME server by id.

    :raises errors.InvalidRequest: unknown or not enabled.
    """
    try:
        dbProvider = ctx.dbsession.get(AcmeAccountProvider, int(provider_id))
    except (TypeError, ValueError):
        dbProvider = None
    if dbProvider is None:
        raise errors.InvalidRequest("Unknown ACME server.", field="acme_account_provider_id")
    if not dbProvider.is_enabled:
        raise errors.InvalidRequest(
            "The ACME server `%s` is not enabled (see `certificate_authorities_enable`)." % dbProvider.name,
            field="acme_account_provider_id",
        )
    return dbProvider


# --- local records


def getcreate__AcmeAccount(
    ctx,
    dbProvider: AcmeAccountProvider,
    contact: Optional[str],
    key_pem: Optional[str] = None,
    key_technology: str = "RSA",
    private_key_cycle: str = "single_certificate",
    private_key_technology: str = "RSA",
    account_url: Optional[str] = None,
    terms_of_service: Optional[str] = None,
    key_source: str = "imported",
) -> Tuple[AcmeAccount, bool]:
    """Find (by its key) or create an AcmeAccount with its active key. Nothing is sent to the server.

    :param key_pem: an existing account key; None generates one of ``key_technology``.
    :param key_source: ``imported`` or ``generated`` (where ``key_pem`` came from).
    :raises errors.InvalidRequest: a bad key, contact, cycle or technology.
    :raises errors.ConflictingObject: the key belongs to an account on another server.
    """
    _check_key_policy(private_key_cycle, private_key_technology)
    if key_pem is None:
        key_pem = generate_account_key(key_technology)
        key_source = "generated"
    key_pem = cert_utils.cleanup_pem_text(key_pem)
    with errors.for_field("account_key_file_pem"):
        acme_key = acme_v2.AcmeKey(key_pem)
        parsed = cert_utils.parse_key(key_pem)
    existing = ctx.dbsession.scalars(
        sa.select(AcmeAccountKey).where(AcmeAccountKey.spki_sha256 == parsed["spki_sha256"])
    ).first()
    if existing is not None:
        dbAccount = existing.acme_account
        if dbAccount.acme_account_provider_id != dbProvider.id:
            raise errors.ConflictingObject(
                "This key belongs to ACME account %s on another server." % dbAccount.id, field="account_key_file_pem"
            )
        if account_url is not None and dbAccount.account_url is None:
            # found by its key: learn the account URL it was stored without (e.g. a PEM upload)
            _check_account_url_free(ctx, account_url)
            dbAccount.account_url = account_url
            dbEvent = log__OperationsEvent(
                ctx, "AcmeAccount__edit", {"acme_account_id": dbAccount.id, "account_url": account_url}
            )
            log__OperationsObjectEvent(ctx, "AcmeAccount__edit", dbAccount, dbEvent)
            ctx.dbsession.flush(objects=[dbAccount])
        return dbAccount, False
    if account_url is not None:
        _check_account_url_free(ctx, account_url)
    dbEvent = log__OperationsEvent(ctx, "AcmeAccount__insert", {"provider": dbProvider.name, "jwk_alg": acme_key.alg})
    dbAccount = AcmeAccount()
    dbAccount.timestamp_created = ctx.timestamp
    dbAccount.contact = contact
    dbAccount.account_url = account_url
    dbAccount.terms_of_service = terms_of_service
    dbAccount.is_active = True
    dbAccount.acme_account_provider_id = dbProvider.id
    dbAccount.private_key_cycle_id = model_utils.PrivateKeyCycle.from_string(private_key_cycle)
    dbAccount.private_key_technology_id = model_utils.KeyTechnology.from_string(private_key_technology)
    dbAccount.operations_event_id__created = dbEvent.id
    ctx.dbsession.add(dbAccount)
    ctx.dbsession.flush(objects=[dbAccount])
    _add_key(ctx, dbAccount, key_pem, parsed, key_source, dbEvent)
    log__OperationsObjectEvent(ctx, "AcmeAccount__insert", dbAccount, dbEvent)
    return dbAccount, True


def _check_account_url_free(ctx, account_url: str) -> None:
    """:raises errors.ConflictingObject: another account (another key) has this account URL."""
    owner = ctx.dbsession.scalars(sa.select(AcmeAccount).where(AcmeAccount.account_url == account_url)).first()
    if owner is not None:
        raise errors.ConflictingObject(
            "ACME account %s already has the account URL %s with another key." % (owner.id, account_url),
            field="account_key_file_pem",
        )


def _check_key_policy(private_key_cycle: str, private_key_technology: str) -> None:
    if private_key_cycle not in model_utils.PrivateKeyCycle.OPTIONS_ACME_ACCOUNT:
        raise errors.InvalidRequest(
            "`account__private_key_cycle` must be one of: %s." % ", ".join(model_utils.PrivateKeyCycle.OPTIONS_ACME_ACCOUNT),
            field="account__private_key_cycle",
        )
    if private_key_technology not in ("RSA", "EC"):
        raise errors.InvalidRequest(
            "`account__private_key_technology` must be RSA or EC.", field="account__private_key_technology"
        )


def generate_account_key(key_technology: str) -> str:
    """A new account key: ``RSA`` (2048), ``RSA_3072``, ``RSA_4096``, ``EC``/``EC_P256``, ``EC_P384``."""
    if key_technology not in ACCOUNT_KEY_TECHNOLOGIES:
        raise errors.InvalidRequest(
            "`account_key_technology` must be one of: %s." % ", ".join(ACCOUNT_KEY_TECHNOLOGIES),
            field="account_key_technology",
        )
    technology, bits, curve = ACCOUNT_KEY_TECHNOLOGIES[key_technology]
    return cert_utils.new_account_key(key_technology=technology, bits=bits or 2048, curve=curve or "P-256")


def new__AcmeAccount(
    ctx,
    dbProvider: AcmeAccountProvider,
    contact: Optional[str],
    key_technology: str = "RSA",
    private_key_cycle: str = "single_certificate",
    private_key_technology: str = "RSA",
    external_account: Optional[acme_v2.ExternalAccountKey] = None,
) -> Tuple[AcmeAccount, bool]:
    """A new account: a key made here, registered on the ACME server (newAccount, RFC 8555 7.3),
    and only then stored. If the server refuses, or cannot be reached, nothing is stored but the
    record of the exchange.

    ``external_account`` binds it to the CA's external account (RFC 8555 7.3.4, see
    :func:`parse_external_account`); the account keeps its key id (``eab_kid``), never the HMAC key.

    :returns: ``(dbAccount, created_on_server)``.
    :raises errors.ExternalAccountBindingError: the server requires a binding and none was given
        (nothing sent), or it refused the binding.
    """
    _check_key_policy(private_key_cycle, private_key_technology)
    key_pem = generate_account_key(key_technology)
    logger = AcmeEventLogger(ctx)
    client = acme_v2.AcmeClient(acme_transport(ctx, dbProvider, logger), acme_v2.AcmeKey(key_pem))
    resource, is_created = client.new_account(
        contact=["mailto:%s" % contact] if contact else None,
        terms_of_service_agreed=True,
        external_account=external_account,
    )
    dbAccount, _ = getcreate__AcmeAccount(
        ctx,
        dbProvider,
        contact,
        key_pem=key_pem,
        private_key_cycle=private_key_cycle,
        private_key_technology=private_key_technology,
        account_url=resource.url,
        terms_of_service=ctx.settings.certificate_authority_agreement or client.transport.directory().terms_of_service,
        key_source="generated",
    )
    dbAccount.timestamp_last_authenticated = ctx.timestamp
    event_payload = {"account_url": resource.url, "is_created": is_created}
    if external_account is not None and is_created:
        dbAccount.eab_kid = external_account.kid
        event_payload["eab_kid"] = external_account.kid
        event_payload["eab_mac_algorithm"] = external_account.alg
    for dbEvent in logger.records:
        dbEvent.acme_account_id = dbAccount.id
    _checkpoint_event(ctx, "AcmeAccount__create", dbAccount, event_payload)
    _maybe_make_global_default(ctx, dbAccount)
    return dbAccount, is_created


def _add_key(ctx, dbAccount, key_pem, parsed, source, dbEvent) -> AcmeAccountKey:
    dbKey = AcmeAccountKey()
    dbKey.acme_account_id = dbAccount.id
    dbKey.is_active = True
    dbKey.timestamp_created = ctx.timestamp
    dbKey.key_technology_id = model_utils.KeyTechnology.from_string(parsed["key_technology"])
    dbKey.key_pem = key_pem
    dbKey.key_pem_sha256 = utils.sha256_hex(key_pem)
    dbKey.spki_sha256 = parsed["spki_sha256"]
    dbKey.acme_account_key_source_id = model_utils.AcmeAccountKeySource.from_string(source)
    dbKey.operations_event_id__created = dbEvent.id
    ctx.dbsession.add(dbKey)
    ctx.dbsession.flush(objects=[dbKey])
    ctx.dbsession.refresh(dbAccount, attribute_names=["acme_account_key"])
    log__OperationsObjectEvent(ctx, "AcmeAccountKey__insert", dbKey, dbEvent)
    return dbKey


def parse_certbot_account(private_key_json: str, regr_json: str, meta_json: Optional[str] = None) -> dict:
    """certbot's three account files as plain values: the key as PEM, the account URL, the contact.

    An empty registration body (certbot writes ``{}`` for an account without an email address)
    gives no contact; only ``mailto:`` contacts count.

    :raises errors.InvalidRequest: (on the field at fault) files that are not certbot's.
    """
    try:
        jwk = json.loads(private_key_json)
    except ValueError:
        raise errors.InvalidRequest("Not JSON.", field="account_key_file_le_pkey")
    if not isinstance(jwk, dict):
        raise errors.InvalidRequest("Not a JSON Web Key.", field="account_key_file_le_pkey")
    with errors.for_field("account_key_file_le_pkey"):
        key_pem = cert_utils.convert_jwk_to_pem(jwk)
    try:
        regr = json.loads(regr_json)
    except ValueError:
        raise errors.InvalidRequest("Not JSON.", field="account_key_file_le_reg")
    if not isinstance(regr, dict) or not isinstance(regr.get("uri"), str):
        raise errors.InvalidRequest("No account `uri` in it.", field="account_key_file_le_reg")
    server = urllib.parse.urlsplit(regr["uri"]).netloc.lower()
    if not regr["uri"].startswith(("https://", "http://")) or not server:
        raise errors.InvalidRequest("The account `uri` %r is not a URL." % regr["uri"], field="account_key_file_le_reg")
    if meta_json:
        try:
            json.loads(meta_json)
        except ValueError:
            raise errors.InvalidRequest("Not JSON.", field="account_key_file_le_meta")
    terms_of_service = regr.get("terms_of_service")
    return {
        "key_pem": key_pem,
        "account_url": regr["uri"],
        "server": server,
        "contact": certbot.first_email_contact(regr.get("body")),
        "terms_of_service": terms_of_service if isinstance(terms_of_service, str) else None,
    }


# Let's Encrypt's ACME v1 hosts -> the v2 directory of the same CA. Accounts registered before
# ACME v2 keep their v1 account URL in certbot's regr.json (https://acme-v01.api.letsencrypt.org/
# acme/reg/N), and certbot links accounts/acme-v02.../directory to the v1 accounts: Let's
# Encrypt's v2 API accepts those URLs as key ids, so these are live accounts of the v2 server.
# Never a server of their own (the v1 API is gone).
LEGACY_ACME_V1_SERVERS = {
    "acme-v01.api.letsencrypt.org": KNOWN_CERTIFICATE_AUTHORITIES["letsencrypt-v2"],
    "acme-staging.api.letsencrypt.org": KNOWN_CERTIFICATE_AUTHORITIES["letsencrypt-v2-staging"],
}


def _directory_key(url: str) -> str:
    """A directory URL as certbot tells servers apart: host and path, without the scheme
    (certbot's ``accounts/`` paths drop it) or a trailing ``/``."""
    parts = urllib.parse.urlsplit(url.strip())
    return (parts.netloc.lower() + parts.path).rstrip("/")


def get__AcmeAccountProvider__by_server(ctx, server: str) -> Optional[AcmeAccountProvider]:
    return ctx.dbsession.scalars(sa.select(AcmeAccountProvider).where(AcmeAccountProvider.server == server)).first()


def getcreate__AcmeAccountProvider__by_server(
    ctx, server: str, directory_url: Optional[str] = None
) -> Tuple[AcmeAccountProvider, bool]:
    """The ACME server of an imported account; an unknown one is added.

    Found by the exact directory URL when one is given (compared as certbot does: without the
    scheme or a trailing ``/``), else by the host of the account URL. The ``server`` column is
    unique, so peter_sslers knows one directory per host: an account whose directory is another
    one on a known host (``acme.example.com/v2/DV`` where ``/v2/OV`` is known) is refused, never
    attached to the wrong directory. Let's Encrypt's ACME v1 hosts mean its v2 servers
    (:data:`LEGACY_ACME_V1_SERVERS`).

    A server added here is not enabled: its accounts are stored, and nothing is sent to it
    until an operator enables it (``certificate_authorities_enable``).

    :param server: ``host[:port]`` of the account URL.
    :param directory_url: the server's ACME directory URL (certbot's ``server``); needed when the
        server is unknown, and always on the same host.
    :raises errors.InvalidRequest: an unknown server and no directory URL (on
        ``account_key_file_le_reg``, where the server comes from), or a directory URL that is not
        on that server (on ``acme_server_directory``).
    :raises errors.ConflictingObject: (on ``acme_server_directory``) the host is known with
        another directory.
    """
    directory_url = directory_url.strip() if directory_url else None
    legacy = LEGACY_ACME_V1_SERVERS.get(server)
    if legacy is not None:
        if directory_url and _directory_key(directory_url) not in (_directory_key(legacy), server + "/directory"):
            raise errors.InvalidRequest(
                "`%s` is not the ACME directory of the account's server `%s` (Let's Encrypt's ACME v1, whose "
                "accounts are used with %s)." % (directory_url, server, legacy),
                field="acme_server_directory",
            )
        server, directory_url = urllib.parse.urlsplit(legacy).netloc.lower(), legacy
    elif directory_url:
        parts = urllib.parse.urlsplit(directory_url)
        if parts.scheme not in ("https", "http") or parts.netloc.lower() != server:
            raise errors.InvalidRequest(
                "`%s` is not an ACME directory URL on the account's server `%s`." % (directory_url, server),
                field="acme_server_directory",
            )
    dbProvider = get__AcmeAccountProvider__by_server(ctx, server)
    if dbProvider is not None:
        if directory_url is None or _directory_key(dbProvider.url or "") == _directory_key(directory_url):
            return dbProvider, False
        raise errors.ConflictingObject(
            "The account's ACME directory is %s, but the ACME server `%s` known on the same host `%s` has the "
            "directory %s. peter_sslers keeps one directory per host: this account is not imported."
            % (directory_url, dbProvider.name, server, dbProvider.url),
            field="acme_server_directory",
        )
    if not directory_url:
        known = ", ".join("%s (%s)" % (p.name, p.server) for p in ctx.dbsession.scalars(sa.select(AcmeAccountProvider)))
        raise errors.InvalidRequest(
            "The account is on `%s`, which is not a known ACME server (known: %s). Send its directory URL "
            "as `acme_server_directory` to add it." % (server, known),
            field="account_key_file_le_reg",
        )
    owner = ctx.dbsession.scalars(sa.select(AcmeAccountProvider).where(AcmeAccountProvider.directory == directory_url)).first()
    if owner is not None:  # same directory, another host spelling: impossible unless edited by hand
        raise errors.ConflictingObject(
            "The ACME server `%s` already has the directory %s." % (owner.name, directory_url),
            field="acme_server_directory",
        )
    # a known CA's name when its row was removed; else the host
    known_names = [n for n, d in KNOWN_CERTIFICATE_AUTHORITIES.items() if _directory_key(d) == _directory_key(directory_url)]
    name = known_names[0] if known_names and get.get__AcmeAccountProvider__by_name(ctx, known_names[0]) is None else server[:60]
    suffix = 1
    while get.get__AcmeAccountProvider__by_name(ctx, name) is not None:
        suffix += 1
        name = "%s-%s" % (server[:56], suffix)
    log__OperationsEvent(ctx, "AcmeAccountProvider__insert", {"name": name, "directory": directory_url, "server": server})
    dbProvider = create__AcmeAccountProvider(ctx, name, directory_url)
    return dbProvider, True


@dataclasses.dataclass
class CertbotAccountImport:
    """What importing certbot's account files found or created."""

    AcmeAccount: AcmeAccount
    is_created: bool
    AcmeAccountProvider: AcmeAccountProvider
    is_created__provider: bool
    # something the operator should know that did not stop the import (an account URL mismatch)
    note: Optional[str] = None


def import__AcmeAccount__certbot(
    ctx,
    private_key_json: str,
    regr_json: str,
    meta_json: Optional[str],
    contact: Optional[str] = None,
    directory_url: Optional[str] = None,
    private_key_cycle: str = "single_certificate",
    private_key_technology: str = "RSA",
) -> CertbotAccountImport:
    """Import one certbot account (``private_key.json``, ``regr.json``, ``meta.json``); nothing is
    sent to the ACME server. The upload route and ``peter_sslers_import_certbot`` both use it.

    The account key (an RSA or EC JWK) becomes a PEM; the ACME server is the host of the account
    URL, added when unknown (see :func:`getcreate__AcmeAccountProvider__by_server`). The same
    account again is found by its key (``is_created`` False); an account stored without an
    account URL gets this one; one stored with another URL keeps it, and ``note`` says so.
    A key already stored for an account on another server is refused, on every run: one key is
    one account on one server.

    :param contact: overrides the contact of ``regr.json``.
    :raises errors.InvalidRequest: (on the field at fault) files that are not certbot's, an
        invalid contact, an unknown server without a directory URL.
    :raises errors.ConflictingObject: the key or the account URL belongs to another account.
    """
    try:
        parsed = parse_certbot_account(private_key_json, regr_json, meta_json)
        if contact:
            contact = normalize_contact(contact, field="account__contact")
        else:
            contact = normalize_contact(parsed["contact"], field="account_key_file_le_reg")
        # check the key policy before a server is added for nothing
        _check_key_policy(private_key_cycle, private_key_technology)
        dbProvider, is_created__provider = getcreate__AcmeAccountProvider__by_server(
            ctx, parsed["server"], directory_url
        )
        dbAccount, is_created = getcreate__AcmeAccount(
            ctx,
            dbProvider,
            contact,
            key_pem=parsed["key_pem"],
            account_url=parsed["account_url"],
            terms_of_service=parsed["terms_of_service"],
            private_key_cycle=private_key_cycle,
            private_key_technology=private_key_technology,
        )
    except errors.InvalidRequest as exc:
        # the key came in certbot's JWK file, not as a PEM
        if exc.field in (None, "account_key_file_pem"):
            exc.field = "account_key_file_le_pkey"
        raise
    note = None
    if not is_created and dbAccount.account_url != parsed["account_url"]:
        # the same key on the same server is the same account (e.g. its ACME v1 and v2 URLs)
        note = "already here with the account URL %s; regr.json says %s (the URL already here is kept)" % (
            dbAccount.account_url,
            parsed["account_url"],
        )
    return CertbotAccountImport(dbAccount, is_created, dbProvider, is_created__provider, note=note)


# --- the server side


def upload__AcmeAccount(ctx, values: dict) -> Tuple[AcmeAccount, bool, Optional["CertbotAccountImport"]]:
    """Import an account from an upload form (``forms_acme.AcmeAccountUpload``'s values): an account
    key PEM with its server and contact, or certbot's three account files. Nothing is sent to the
    ACME server; the same key again finds the account it belongs to.

    Used by ``/acme-account/upload`` and by the 2021 order forms' ``account_key_file``.

    :returns: ``(dbAccount, is_created, CertbotAccountImport or None)``.
    :raises errors.InvalidRequest: (on the field at fault) missing or bad files and fields.
    """
    certbot_fields = ("account_key_file_le_pkey", "account_key_file_le_reg", "account_key_file_le_meta")
    has_pem = values["account_key_file_pem"] is not None
    has_certbot = any(values[name] is not None for name in certbot_fields)
    policy = {
        "private_key_cycle": values["account__private_key_cycle"],
        "private_key_technology": values["account__private_key_technology"],
    }
    if has_pem and has_certbot:
        raise errors.InvalidRequest(
            "Upload either `account_key_file_pem` or certbot's three files, not both.", field="account_key_file_pem"
        )
    if has_pem:
        if values["acme_account_provider_id"] is None:
            raise errors.FormInvalid({"acme_account_provider_id": "Required with `account_key_file_pem`."})
        dbProvider = get__AcmeAccountProvider__for_use(ctx, values["acme_account_provider_id"])
        contact = normalize_contact(values["account__contact"])
        if contact is None:
            raise errors.InvalidRequest("An email address is required.", field="account__contact")
        dbAccount, is_created = getcreate__AcmeAccount(
            ctx, dbProvider, contact, key_pem=values["account_key_file_pem"], **policy
        )
        return dbAccount, is_created, None
    if not has_certbot:
        raise errors.InvalidRequest(
            "Upload `account_key_file_pem` (with `acme_account_provider_id` and `account__contact`), or "
            "certbot's `account_key_file_le_pkey`, `account_key_file_le_reg` and `account_key_file_le_meta`."
        )
    missing = {name: "Required: certbot's three account files go together." for name in certbot_fields if values[name] is None}
    if missing:
        raise errors.FormInvalid(missing)
    result = import__AcmeAccount__certbot(
        ctx,
        values["account_key_file_le_pkey"],
        values["account_key_file_le_reg"],
        values["account_key_file_le_meta"],
        contact=values["account__contact"],
        directory_url=values["acme_server_directory"],
        **policy,
    )
    return result.AcmeAccount, result.is_created, result


def _checkpoint_event(ctx, event: str, dbAccount: AcmeAccount, payload: dict) -> None:
    dbEvent = log__OperationsEvent(ctx, event, dict(payload, acme_account_id=dbAccount.id))
    log__OperationsObjectEvent(ctx, event, dbAccount, dbEvent)
    ctx.checkpoint()


def register(
    ctx,
    dbAccount: AcmeAccount,
    only_return_existing: bool = False,
    external_account: Optional[acme_v2.ExternalAccountKey] = None,
) -> dict:
    """newAccount (RFC 8555 7.3): create the account on the server, or find it.

    The server's account URL and terms are stored and committed at once. ``external_account``
    binds an account the server creates (RFC 8555 7.3.4); its key id is kept as ``eab_kid``.

    :returns: ``{"is_created": bool}`` (False when the server already knew the key).
    :raises errors.AcmeServerError: e.g. code ``accountDoesNotExist`` with ``only_return_existing``.
    :raises errors.ConflictingObject: the server's account URL belongs to another local account.
    :raises errors.ExternalAccountBindingError: the server requires a binding and none was given
        (nothing sent), or it refused the binding.
    """
    client = acme_client(ctx, dbAccount)
    contact = ["mailto:%s" % dbAccount.contact] if dbAccount.contact else None
    resource, is_created = client.new_account(
        contact=contact,
        terms_of_service_agreed=True,
        only_return_existing=only_return_existing,
        external_account=external_account,
    )
    owner = ctx.dbsession.scalars(
        sa.select(AcmeAccount).where(AcmeAccount.account_url == resource.url, AcmeAccount.id != dbAccount.id)
    ).first()
    if owner is not None:
        raise errors.ConflictingObject(
            "The ACME server says this key is account %s, which is ACME account %s here." % (resource.url, owner.id)
        )
    dbAccount.account_url = resource.url
    dbAccount.terms_of_service = (
        ctx.settings.certificate_authority_agreement or client.transport.directory().terms_of_service
    )
    dbAccount.timestamp_last_authenticated = ctx.timestamp
    if resource.status == "deactivated":
        dbAccount.is_active = False
        dbAccount.timestamp_deactivated = dbAccount.timestamp_deactivated or ctx.timestamp
    event = "AcmeAccount__check" if only_return_existing else "AcmeAccount__authenticate"
    event_payload = {"account_url": resource.url, "is_created": is_created}
    if external_account is not None and is_created and not only_return_existing:
        # bound only when the server created it: an existing account ignores the binding sent
        dbAccount.eab_kid = external_account.kid
        event_payload["eab_kid"] = external_account.kid
        event_payload["eab_mac_algorithm"] = external_account.alg
    _checkpoint_event(ctx, event, dbAccount, event_payload)
    _maybe_make_global_default(ctx, dbAccount)
    return {"is_created": is_created, "status": resource.status}


def _maybe_make_global_default(ctx, dbAccount: AcmeAccount) -> None:
    """The first usable account on the default ACME server becomes the global default."""
    if not dbAccount.is_usable or not dbAccount.acme_account_provider.is_default:
        return
    has_default = ctx.dbsession.scalar(
        sa.select(sa.func.count(AcmeAccount.id)).where(AcmeAccount.is_global_default.is_(True))
    )
    if not has_default:
        dbAccount.is_global_default = True
        _checkpoint_event(ctx, "AcmeAccount__mark__default", dbAccount, {"automatic": True})


def deactivate(ctx, dbAccount: AcmeAccount) -> None:
    """Deactivate the account on the server (RFC 8555 7.3.6). Irreversible."""
    if dbAccount.timestamp_deactivated is not None:
        raise errors.InvalidTransition("The account is already deactivated.")
    if not dbAccount.account_url:
        raise errors.InvalidTransition("The account is not registered on the ACME server.")
    client = acme_client(ctx, dbAccount)
    client.deactivate_account()
    dbAccount.is_active = False
    dbAccount.is_global_default = None
    dbAccount.timestamp_deactivated = ctx.timestamp
    _checkpoint_event(ctx, "AcmeAccount__deactivate", dbAccount, {})


def key_change(ctx, dbAccount: AcmeAccount, key_technology: Optional[str] = None) -> AcmeAccountKey:
    """Roll the account over to a new key made here (RFC 8555 7.3.5).

    The new key is committed as soon as the server accepts it: the old one no longer works.
    """
    if not dbAccount.account_url:
        raise errors.InvalidTransition("The account is not registered on the ACME server.")
    if not dbAccount.is_active:
        raise errors.InvalidTransition("The account is not active.")
    dbOldKey = dbAccount.acme_account_key
    new_pem = generate_account_key(key_technology or dbOldKey.key_technology)
    client = acme_client(ctx, dbAccount)
    client.key_change(acme_v2.AcmeKey(new_pem))
    dbOldKey.is_active = None
    dbOldKey.timestamp_deactivated = ctx.timestamp
    ctx.dbsession.flush(objects=[dbOldKey])
    dbEvent = log__OperationsEvent(ctx, "AcmeAccount__key_change", {"acme_account_id": dbAccount.id, "old_key_id": dbOldKey.id})
    dbNewKey = _add_key(ctx, dbAccount, new_pem, cert_utils.parse_key(new_pem), "generated", dbEvent)
    log__OperationsObjectEvent(ctx, "AcmeAccount__key_change", dbAccount, dbEvent)
    ctx.checkpoint()
    return dbNewKey


# --- local state


ACCOUNT_MARK_ACTIONS = ("global_default", "active", "inactive")


def mark(ctx, dbAccount: AcmeAccount, action: str) -> str:
    """``global_default`` (on the default ACME server only), ``active``, ``inactive``."""
    if action not in ACCOUNT_MARK_ACTIONS:
        raise errors.InvalidRequest("`action` must be one of: %s." % ", ".join(ACCOUNT_MARK_ACTIONS), field="action")
    actions.lock_for_change(ctx, dbAccount)
    if action == "global_default":
        if dbAccount.is_global_default:
            raise errors.InvalidTransition("The account is already the global default.", field="action")
        if not dbAccount.acme_account_provider.is_default:
            raise errors.InvalidTransition(
                "Only an account on the default ACME server (`certificate_authority`) can be the global default.",
                field="action",
            )
        if not dbAccount.is_usable:
            raise errors.InvalidTransition("The account is not active.", field="action")
        ctx.dbsession.execute(
            sa.update(AcmeAccount).where(AcmeAccount.is_global_default.is_(True)).values(is_global_default=None),
            execution_options={"synchronize_session": "fetch"},
        )
        ctx.dbsession.flush()
        dbAccount.is_global_default = True
        event = "AcmeAccount__mark__default"
    elif action == "active":
        if dbAccount.is_active:
            raise errors.InvalidTransition("The account is already active.", field="action")
        if dbAccount.timestamp_deactivated is not None:
            raise errors.InvalidTransition("The account was deactivated on the ACME server; that is final.", field="action")
        dbAccount.is_active = True
        event = "AcmeAccount__mark__active"
    else:
        if not dbAccount.is_active:
            raise errors.InvalidTransition("The account is already inactive.", field="action")
        if dbAccount.is_global_default:
            raise errors.InvalidTransition("The global default account cannot be deactivated.", field="action")
        dbAccount.is_active = False
        event = "AcmeAccount__mark__inactive"
    dbEvent = log__OperationsEvent(ctx, event, {"acme_account_id": dbAccount.id})
    log__OperationsObjectEvent(ctx, event, dbAccount, dbEvent)
    ctx.dbsession.flush()
    return event


def edit(ctx, dbAccount: AcmeAccount, private_key_cycle: str, private_key_technology: str) -> None:
    """The key policy the account's deferred orders use."""
    if private_key_cycle not in model_utils.PrivateKeyCycle.OPTIONS_ACME_ACCOUNT:
        raise errors.InvalidRequest("Unknown private key cycle `%s`." % private_key_cycle, field="account__private_key_cycle")
    if private_key_technology not in ("RSA", "EC"):
        raise errors.InvalidRequest("`account__private_key_technology` must be RSA or EC.", field="account__private_key_technology")
    dbAccount.private_key_cycle_id = model_utils.PrivateKeyCycle.from_string(private_key_cycle)
    dbAccount.private_key_technology_id = model_utils.KeyTechnology.from_string(private_key_technology)
    dbEvent = log__OperationsEvent(
        ctx,
        "AcmeAccount__edit",
        {"acme_account_id": dbAccount.id, "private_key_cycle": private_key_cycle, "private_key_technology": private_key_technology},
    )
    log__OperationsObjectEvent(ctx, "AcmeAccount__edit", dbAccount, dbEvent)
    ctx.dbsession.flush()
