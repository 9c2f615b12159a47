"""acme-dns servers and their per-domain accounts in the database (docs/AcmeDns.md).

What the dns-01 order flow calls:

* ``account_for_domain(ctx, domain_name)``: the active account that answers dns-01 for a name
  (a wildcard name uses its base name), or None.
* ``update_txt(ctx, dbAcmeDnsServerAccount, txt_value)``: write the TXT value through the
  account's server (``POST /update``).

The rest serves the admin: servers (new, edit, mark, check), accounts (``ensure_domains``
registers them, ``register_domain`` registers one Domain, ``import_account`` stores credentials
made elsewhere, ``update_AcmeDnsServerAccount__mark`` deactivates or reactivates one) and the
CNAME audit.
"""

import json
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ...model.objects import AcmeDnsServer
from ...model.objects import AcmeDnsServerAccount
from ...model.objects import Domain
from .. import acme_dns
from .. import errors
from .. import utils
from . import actions
from . import validate
from .getcreate import MAX_DOMAINS_PER_SET
from .getcreate import getcreate__Domain__by_domainName
from .getcreate import insert_or_find
from .logger import log__OperationsEvent

ACME_DNS_SERVER_MARK_ACTIONS = ("active", "inactive", "global_default")
ACME_DNS_SERVER_ACCOUNT_MARK_ACTIONS = ("active", "inactive")

# the most names one ensure-domains request registers (each is one request to the server)
MAX_ENSURE_DOMAINS = MAX_DOMAINS_PER_SET


# --- reading


def query__AcmeDnsServer():
    return sa.select(AcmeDnsServer).order_by(AcmeDnsServer.id.desc())


def get__AcmeDnsServer__by_id(ctx, server_id: int) -> Optional[AcmeDnsServer]:
    return ctx.dbsession.get(AcmeDnsServer, server_id)


def get__AcmeDnsServer__by_root_url(ctx, root_url: str) -> Optional[AcmeDnsServer]:
    return ctx.dbsession.scalars(sa.select(AcmeDnsServer).where(AcmeDnsServer.root_url == root_url)).first()


def get__AcmeDnsServer__global_default(ctx) -> Optional[AcmeDnsServer]:
    return ctx.dbsession.scalars(sa.select(AcmeDnsServer).where(AcmeDnsServer.is_global_default.is_(True))).first()


def query__AcmeDnsServerAccount(acme_dns_server_id: Optional[int] = None, domain_id: Optional[int] = None):
    """Accounts newest first, with the server and domain their JSON and lists read."""
    statement = sa.select(AcmeDnsServerAccount).options(
        joinedload(AcmeDnsServerAccount.acme_dns_server), joinedload(AcmeDnsServerAccount.domain)
    )
    if acme_dns_server_id is not None:
        statement = statement.where(AcmeDnsServerAccount.acme_dns_server_id == acme_dns_server_id)
    if domain_id is not None:
        statement = statement.where(AcmeDnsServerAccount.domain_id == domain_id)
    return statement.order_by(AcmeDnsServerAccount.id.desc())


def get__AcmeDnsServerAccount__by_id(ctx, account_id: int) -> Optional[AcmeDnsServerAccount]:
    return ctx.dbsession.scalars(query__AcmeDnsServerAccount().where(AcmeDnsServerAccount.id == account_id)).first()


def get__AcmeDnsServerAccounts__by_ids(ctx, account_ids) -> List[AcmeDnsServerAccount]:
    if not account_ids:
        return []
    return list(
        ctx.dbsession.scalars(query__AcmeDnsServerAccount().where(AcmeDnsServerAccount.id.in_(list(account_ids))))
    )


def get__AcmeDnsServerAccount__active(ctx, dbAcmeDnsServer, dbDomain) -> Optional[AcmeDnsServerAccount]:
    return ctx.dbsession.scalars(
        query__AcmeDnsServerAccount(acme_dns_server_id=dbAcmeDnsServer.id, domain_id=dbDomain.id).where(
            AcmeDnsServerAccount.is_active.is_(True)
        )
    ).first()


def base_domain_name(domain_name: str) -> str:
    """The name whose ``_acme-challenge`` record answers dns-01 for ``domain_name``: a wildcard
    name (``*.example.com``) is validated at its base name (RFC 8555 section 8.4).

    :raises errors.InvalidRequest: not a domain name.
    """
    name = utils.validate_domain_name(domain_name, allow_wildcard=True)
    return name[2:] if name.startswith("*.") else name


def account_for_domain(ctx, domain_name: str) -> Optional[AcmeDnsServerAccount]:
    """The acme-dns account that answers dns-01 for ``domain_name`` (a wildcard uses its base
    name): an active account on an active server; the global default server's first, then the
    newest. None when there is none (the caller refuses dns-01 for the name).

    :raises errors.InvalidRequest: ``domain_name`` is not a domain name.
    """
    name = base_domain_name(domain_name)
    statement = (
        sa.select(AcmeDnsServerAccount)
        .join(AcmeDnsServer, AcmeDnsServerAccount.acme_dns_server_id == AcmeDnsServer.id)
        .join(Domain, AcmeDnsServerAccount.domain_id == Domain.id)
        .options(joinedload(AcmeDnsServerAccount.acme_dns_server), joinedload(AcmeDnsServerAccount.domain))
        .where(
            Domain.domain_name == name,
            AcmeDnsServerAccount.is_active.is_(True),
            AcmeDnsServer.is_active.is_(True),
        )
        # True first: NULL sorts last on PostgreSQL and first on SQLite, so compare explicitly
        .order_by(sa.case((AcmeDnsServer.is_global_default.is_(True), 0), else_=1), AcmeDnsServerAccount.id.desc())
    )
    return ctx.dbsession.scalars(statement).first()


# --- the server's API


def client_for(ctx, dbAcmeDnsServer: AcmeDnsServer) -> acme_dns.AcmeDnsClient:
    """A client of the server's API with the configured time-out and CA bundle."""
    return acme_dns.AcmeDnsClient(
        dbAcmeDnsServer.root_url, timeout=ctx.settings.acme_dns_timeout, ca_bundle=ctx.settings.acme_dns_ca_bundle
    )


def update_txt(ctx, dbAcmeDnsServerAccount: AcmeDnsServerAccount, txt_value: str) -> str:
    """Write a dns-01 TXT value (``base64url(SHA-256(key authorization))``, 43 characters)
    through the account's acme-dns server. The server keeps the two newest values of the
    account's ``fulldomain``, so a wildcard and its base name can be answered at once.

    :returns: the value the server stored.
    :raises errors.InvalidRequest: the account or its server is inactive, or the value is not
        43 base64url characters (nothing sent).
    :raises errors.AcmeDnsUnreachable: the server did not answer.
    :raises errors.AcmeDnsServerError: it refused (401: credentials or allowfrom), or failed.
    """
    if not dbAcmeDnsServerAccount.is_active:
        raise errors.InvalidRequest("acme-dns account %s is inactive." % dbAcmeDnsServerAccount.id)
    dbAcmeDnsServer = dbAcmeDnsServerAccount.acme_dns_server
    if not dbAcmeDnsServer.is_active:
        raise errors.InvalidRequest("acme-dns server %s is inactive." % dbAcmeDnsServer.id)
    acme_dns.validate_txt(txt_value)
    stored = client_for(ctx, dbAcmeDnsServer).update_txt(
        dbAcmeDnsServerAccount.username,
        dbAcmeDnsServerAccount.password,
        dbAcmeDnsServerAccount.subdomain,
        txt_value,
    )
    log__OperationsEvent(
        ctx,
        "AcmeDnsServerAccount__update_txt",
        {
            "acme_dns_server_account_id": str(dbAcmeDnsServerAccount.id),
            "domain_name": dbAcmeDnsServerAccount.domain.domain_name,
            "fulldomain": dbAcmeDnsServerAccount.fulldomain,
            "txt": txt_value,  # public: it is served in DNS
        },
    )
    dbAcmeDnsServerAccount.timestamp_last_update = ctx.timestamp
    ctx.dbsession.flush(objects=[dbAcmeDnsServerAccount])
    return stored


def check_AcmeDnsServer(ctx, dbAcmeDnsServer: AcmeDnsServer) -> bool:
    """``GET /health``; on 200 the time is recorded as ``timestamp_last_healthy``.

    :raises errors.AcmeDnsUnreachable: / :raises errors.AcmeDnsServerError: otherwise.
    """
    client_for(ctx, dbAcmeDnsServer).health()
    log__OperationsEvent(ctx, "AcmeDnsServer__check", {"acme_dns_server_id": str(dbAcmeDnsServer.id)})
    dbAcmeDnsServer.timestamp_last_healthy = ctx.timestamp
    ctx.dbsession.flush(objects=[dbAcmeDnsServer])
    return True


def audit_AcmeDnsServerAccount(ctx, dbAcmeDnsServerAccount: AcmeDnsServerAccount) -> acme_dns.CnameAudit:
    """Is ``_acme-challenge.<domain>`` a CNAME to the account's ``fulldomain``? Asks the DNS
    server of ``acme_dns_audit_resolver`` (else the system's). Changes nothing."""
    return acme_dns.audit_cname(
        dbAcmeDnsServerAccount.domain.domain_name,
        dbAcmeDnsServerAccount.fulldomain,
        resolver=ctx.settings.acme_dns_audit_resolver,
        timeout=ctx.settings.acme_dns_timeout,
    )


# --- servers


def getcreate__AcmeDnsServer(ctx, root_url: str, is_global_default: bool = False) -> Tuple[AcmeDnsServer, bool]:
    """Find or create the server of ``root_url`` (nothing is sent to it: ``check`` does that).

    :raises errors.InvalidRequest: (field ``root_url``) not an http(s) URL.
    """
    root_url = acme_dns.normalize_root_url(root_url)
    dbAcmeDnsServer = get__AcmeDnsServer__by_root_url(ctx, root_url)
    if dbAcmeDnsServer is not None:
        if is_global_default and not dbAcmeDnsServer.is_global_default:
            update_AcmeDnsServer__mark(ctx, dbAcmeDnsServer, "global_default")
        return dbAcmeDnsServer, False

    def create():
        dbOperationsEvent = log__OperationsEvent(ctx, "AcmeDnsServer__insert", {"root_url": root_url})
        dbAcmeDnsServer = AcmeDnsServer()
        dbAcmeDnsServer.root_url = root_url
        dbAcmeDnsServer.is_active = True
        dbAcmeDnsServer.timestamp_created = ctx.timestamp
        dbAcmeDnsServer.operations_event_id__created = dbOperationsEvent.id
        ctx.dbsession.add(dbAcmeDnsServer)
        ctx.dbsession.flush(objects=[dbAcmeDnsServer])
        return dbAcmeDnsServer

    dbAcmeDnsServer, is_created = insert_or_find(ctx, create, lambda: get__AcmeDnsServer__by_root_url(ctx, root_url))
    if is_global_default:
        update_AcmeDnsServer__mark(ctx, dbAcmeDnsServer, "global_default")
    return dbAcmeDnsServer, is_created


def update_AcmeDnsServer__edit(ctx, dbAcmeDnsServer: AcmeDnsServer, root_url: str) -> AcmeDnsServer:
    """Change the server's root URL (it moved); its accounts stay.

    :raises errors.InvalidRequest: (field ``root_url``) not a URL, the same URL, or another
        server's.
    """
    root_url = acme_dns.normalize_root_url(root_url)
    if root_url == dbAcmeDnsServer.root_url:
        raise errors.InvalidTransition("The root URL is unchanged.", field="root_url")
    other = get__AcmeDnsServer__by_root_url(ctx, root_url)
    if other is not None:
        raise errors.ConflictingObject("acme-dns server %s already has this root URL." % other.id, field="root_url")
    log__OperationsEvent(
        ctx,
        "AcmeDnsServer__edit",
        {"acme_dns_server_id": str(dbAcmeDnsServer.id), "old": dbAcmeDnsServer.root_url, "new": root_url},
    )
    dbAcmeDnsServer.root_url = root_url
    dbAcmeDnsServer.timestamp_updated = ctx.timestamp
    ctx.dbsession.flush(objects=[dbAcmeDnsServer])
    return dbAcmeDnsServer


def update_AcmeDnsServer__mark(ctx, dbAcmeDnsServer: AcmeDnsServer, action: str) -> AcmeDnsServer:
    """``active``, ``inactive`` (also stops it being the global default) or ``global_default``
    (it must be active; the previous default stops being one).

    :raises errors.InvalidTransition: already so, or a global default that is inactive.
    """
    if action not in ACME_DNS_SERVER_MARK_ACTIONS:
        raise errors.InvalidRequest("Not one of: %s." % ", ".join(ACME_DNS_SERVER_MARK_ACTIONS), field="action")
    actions.lock_for_change(ctx, dbAcmeDnsServer)
    payload = {"acme_dns_server_id": str(dbAcmeDnsServer.id), "action": action}
    if action == "active":
        if dbAcmeDnsServer.is_active:
            raise errors.InvalidTransition("Already active.", field="action")
        log__OperationsEvent(ctx, "AcmeDnsServer__mark__active", payload)
        dbAcmeDnsServer.is_active = True
    elif action == "inactive":
        if not dbAcmeDnsServer.is_active:
            raise errors.InvalidTransition("Already inactive.", field="action")
        log__OperationsEvent(ctx, "AcmeDnsServer__mark__inactive", payload)
        if dbAcmeDnsServer.is_global_default:
            log__OperationsEvent(ctx, "AcmeDnsServer__mark__notdefault", payload)
            dbAcmeDnsServer.is_global_default = None
        dbAcmeDnsServer.is_active = False
    else:
        if dbAcmeDnsServer.is_global_default:
            raise errors.InvalidTransition("Already the global default.", field="action")
        if not dbAcmeDnsServer.is_active:
            raise errors.InvalidTransition("An inactive server cannot be the global default.", field="action")
        previous = get__AcmeDnsServer__global_default(ctx)
        if previous is not None:
            log__OperationsEvent(
                ctx, "AcmeDnsServer__mark__notdefault", {"acme_dns_server_id": str(previous.id), "action": action}
            )
            previous.is_global_default = None
            previous.timestamp_updated = ctx.timestamp
            # the unique index holds one True at a time: clear the old one before setting the new
            ctx.dbsession.flush(objects=[previous])
        log__OperationsEvent(ctx, "AcmeDnsServer__mark__default", payload)
        dbAcmeDnsServer.is_global_default = True
    dbAcmeDnsServer.timestamp_updated = ctx.timestamp
    ctx.dbsession.flush(objects=[dbAcmeDnsServer])
    return dbAcmeDnsServer


# --- accounts


def _domain_for_account(ctx, domain_name: str) -> Domain:
    """The Domain an account is for: a wildcard name stands for its base name. Never for a
    blocklisted name, even one whose Domain exists (an account is something made for it).

    :raises errors.DomainBlocklisted: (field ``domain_name``) it is blocklisted.
    """
    with errors.for_field("domain_name"):
        name = base_domain_name(domain_name)
        validate.refuse_blocklisted(ctx, [name])
        dbDomain, _ = getcreate__Domain__by_domainName(ctx, name)
    return dbDomain


def _insert_account(
    ctx, dbAcmeDnsServer, dbDomain, registration: acme_dns.AcmeDnsRegistration, is_imported: bool
) -> Tuple[AcmeDnsServerAccount, bool]:
    """Store credentials; race-safe: an active account another request stored meanwhile wins."""

    def create():
        dbOperationsEvent = log__OperationsEvent(
            ctx,
            "AcmeDnsServerAccount__import" if is_imported else "AcmeDnsServerAccount__insert",
            {
                "acme_dns_server_id": str(dbAcmeDnsServer.id),
                "domain_name": dbDomain.domain_name,
                "fulldomain": registration.fulldomain,
            },
        )
        dbAccount = AcmeDnsServerAccount()
        dbAccount.acme_dns_server_id = dbAcmeDnsServer.id
        dbAccount.domain_id = dbDomain.id
        dbAccount.is_active = True
        dbAccount.is_imported = is_imported
        dbAccount.username = registration.username
        dbAccount.password = registration.password
        dbAccount.fulldomain = registration.fulldomain
        dbAccount.subdomain = registration.subdomain
        dbAccount.allowfrom = json.dumps(list(registration.allowfrom))
        dbAccount.timestamp_created = ctx.timestamp
        dbAccount.operations_event_id__created = dbOperationsEvent.id
        ctx.dbsession.add(dbAccount)
        ctx.dbsession.flush(objects=[dbAccount])
        return dbAccount

    dbAccount, is_created = insert_or_find(
        ctx, create, lambda: get__AcmeDnsServerAccount__active(ctx, dbAcmeDnsServer, dbDomain)
    )
    if is_created and not dbAcmeDnsServer.domain:
        # the zone the server's fulldomains live under, for the operator's eyes
        dbAcmeDnsServer.domain = registration.fulldomain.split(".", 1)[1][:255]
        ctx.dbsession.flush(objects=[dbAcmeDnsServer])
    return dbAccount, is_created


def _require_active(dbAcmeDnsServer: AcmeDnsServer) -> None:
    if not dbAcmeDnsServer.is_active:
        raise errors.InvalidRequest("acme-dns server %s is inactive: activate it first." % dbAcmeDnsServer.id)


def ensure_domains(
    ctx, dbAcmeDnsServer: AcmeDnsServer, domain_names: List[str], allowfrom: Optional[List[str]] = None
) -> Dict[str, dict]:
    """An active account on this server for each name (the 2021 "ensure-domains"): a name that
    has one keeps it, the others are registered (``POST /register``). A wildcard name stands for
    its base name.

    Every name is validated before the first registration; a server that fails part-way raises,
    and the caller's transaction (which holds the accounts registered so far) is rolled back: the
    server then holds a few unused registrations, harmless.

    :returns: ``{domain_name: {"Domain", "AcmeDnsServerAccount", "is_created"}}`` (JSON-ready).
    :raises errors.InvalidRequest: (field ``domain_names``) no names, too many, a bad or
        blocklisted name; (``allowfrom``) a bad network; the server is inactive.
    :raises errors.AcmeDnsUnreachable: / :raises errors.AcmeDnsServerError: registration failed.
    """
    _require_active(dbAcmeDnsServer)
    with errors.for_field("domain_names"):
        names = sorted({base_domain_name(name) for name in domain_names})
        if not names:
            raise errors.InvalidRequest("No domain names.")
        if len(names) > MAX_ENSURE_DOMAINS:
            raise errors.InvalidRequest("At most %d domain names at once." % MAX_ENSURE_DOMAINS)
        validate.refuse_blocklisted(ctx, names)
    allowfrom = acme_dns.normalize_allowfrom(allowfrom)
    client = client_for(ctx, dbAcmeDnsServer)
    matrix = {}
    for name in names:
        dbDomain = _domain_for_account(ctx, name)
        dbAccount = get__AcmeDnsServerAccount__active(ctx, dbAcmeDnsServer, dbDomain)
        is_created = False
        if dbAccount is None:
            registration = client.register(allowfrom=allowfrom)
            dbAccount, is_created = _insert_account(ctx, dbAcmeDnsServer, dbDomain, registration, is_imported=False)
        matrix[name] = result_row(dbAccount, is_created)
    return matrix


def result_row(dbAccount: AcmeDnsServerAccount, is_created: Optional[bool] = None) -> dict:
    row = {
        "Domain": {"id": str(dbAccount.domain_id), "domain_name": dbAccount.domain.domain_name},
        "AcmeDnsServerAccount": {
            "id": str(dbAccount.id),
            "subdomain": dbAccount.subdomain,
            "fulldomain": dbAccount.fulldomain,
            "cname_name": dbAccount.cname_name,
            "cname_record": dbAccount.cname_record,
        },
    }
    if is_created is not None:
        row["is_created"] = is_created
    return row


def import_account(
    ctx,
    dbAcmeDnsServer: AcmeDnsServer,
    domain_name: str,
    username: str,
    password: str,
    fulldomain: str,
    subdomain: str,
    allowfrom: Optional[List[str]] = None,
) -> AcmeDnsServerAccount:
    """Store credentials registered elsewhere (another tool, the 2021 install) for a domain.
    Nothing is sent to the server.

    :raises errors.InvalidRequest: a field does not have acme-dns's format (the field named).
    :raises errors.ConflictingObject: (field ``domain_name``) the domain has an active account
        on this server already.
    """
    _require_active(dbAcmeDnsServer)
    registration = acme_dns.validate_credentials(username, password, subdomain, fulldomain)
    registration = acme_dns.AcmeDnsRegistration(
        username=registration.username,
        password=registration.password,
        fulldomain=registration.fulldomain,
        subdomain=registration.subdomain,
        allowfrom=tuple(acme_dns.normalize_allowfrom(allowfrom)),
    )
    dbDomain = _domain_for_account(ctx, domain_name)
    existing = get__AcmeDnsServerAccount__active(ctx, dbAcmeDnsServer, dbDomain)
    if existing is not None:
        raise errors.ConflictingObject(
            "`%s` already has an active account (%s) on this acme-dns server." % (dbDomain.domain_name, existing.id),
            field="domain_name",
        )
    dbAccount, is_created = _insert_account(ctx, dbAcmeDnsServer, dbDomain, registration, is_imported=True)
    if not is_created:
        raise errors.ConflictingObject(
            "`%s` already has an active account on this acme-dns server." % dbDomain.domain_name, field="domain_name"
        )
    return dbAccount


def register_domain(ctx, dbAcmeDnsServer: AcmeDnsServer, dbDomain: Domain) -> AcmeDnsServerAccount:
    """Register a new account for one Domain on this server (the 2021
    ``/domain/{id}/acme-dns-server/new``): ``ensure_domains`` for the one name, refused when the
    Domain has an active account on the server already (``ensure_domains`` would keep it).

    :raises errors.ConflictingObject: (field ``acme_dns_server_id``) the Domain has an active
        account on this server (its id is in the message).
    :raises errors.InvalidRequest: the server is inactive, the Domain is blocklisted.
    :raises errors.AcmeDnsUnreachable: / :raises errors.AcmeDnsServerError: registration failed.
    """
    existing = get__AcmeDnsServerAccount__active(ctx, dbAcmeDnsServer, dbDomain)
    if existing is not None:
        raise errors.ConflictingObject(
            "`%s` already has an active account (%s) on acme-dns server %s: a domain has one active account "
            "per server (deactivate that one first to register another)."
            % (dbDomain.domain_name, existing.id, dbAcmeDnsServer.id),
            field="acme_dns_server_id",
        )
    with errors.for_field("acme_dns_server_id"):
        matrix = ensure_domains(ctx, dbAcmeDnsServer, [dbDomain.domain_name])
    row = matrix[dbDomain.domain_name]
    if not row["is_created"]:
        # another request registered one meanwhile (``_insert_account``'s race)
        raise errors.ConflictingObject(
            "`%s` already has an active account on acme-dns server %s." % (dbDomain.domain_name, dbAcmeDnsServer.id),
            field="acme_dns_server_id",
        )
    return get__AcmeDnsServerAccount__by_id(ctx, int(row["AcmeDnsServerAccount"]["id"]))


def update_AcmeDnsServerAccount__mark(ctx, dbAccount: AcmeDnsServerAccount, action: str) -> AcmeDnsServerAccount:
    """``inactive``: the account is no longer used for dns-01 (``account_for_domain`` and so the
    order flow skip it; ``update_txt`` refuses it); it is kept, with its credentials.
    ``active``: it is used again, but only when the Domain has no other active account on the
    same server: that one is refused, not switched off silently (the Domain's CNAME points at
    exactly one account's fulldomain, which the operator chose; see docs/AcmeDns.md).

    :raises errors.InvalidRequest: (field ``action``) not one of the actions.
    :raises errors.InvalidTransition: already so.
    :raises errors.ConflictingObject: (field ``action``) activating while another account of the
        Domain on the server is active.
    """
    if action not in ACME_DNS_SERVER_ACCOUNT_MARK_ACTIONS:
        raise errors.InvalidRequest("Not one of: %s." % ", ".join(ACME_DNS_SERVER_ACCOUNT_MARK_ACTIONS), field="action")
    want_active = action == "active"
    actions.lock_for_change(ctx, dbAccount)
    if bool(dbAccount.is_active) == want_active:
        raise errors.InvalidTransition("Already %s." % action, field="action")
    if want_active:
        other = get__AcmeDnsServerAccount__active(ctx, dbAccount.acme_dns_server, dbAccount.domain)
        if other is not None:
            raise errors.ConflictingObject(
                "`%s` has another active account (%s) on this acme-dns server: deactivate it first (and point the "
                "CNAME at this account's fulldomain)." % (dbAccount.domain.domain_name, other.id),
                field="action",
            )
    payload = {
        "acme_dns_server_account_id": str(dbAccount.id),
        "acme_dns_server_id": str(dbAccount.acme_dns_server_id),
        "domain_name": dbAccount.domain.domain_name,
        "action": action,
    }

    def mark():
        log__OperationsEvent(ctx, "AcmeDnsServerAccount__mark__%s" % action, payload)
        dbAccount.is_active = want_active
        ctx.dbsession.flush(objects=[dbAccount])
        return dbAccount

    if not want_active:
        return mark()
    # two activations at once: the partial unique index (one active account per domain and
    # server) lets one win; the other is refused as above
    _, is_marked = insert_or_find(
        ctx, mark, lambda: get__AcmeDnsServerAccount__active(ctx, dbAccount.acme_dns_server, dbAccount.domain)
    )
    if not is_marked:
        raise errors.ConflictingObject(
            "`%s` has another active account on this acme-dns server: deactivate it first."
            % dbAccount.domain.domain_name,
            field="action",
        )
    return dbAccount
