"""The ACME-flow tool (``enable_acme_flow``): AcmeOrderless, manual http-01 challenges.

An operator runs another ACME client (``certbot --manual``, a script...) whose order needs
http-01 answers on hosts that point at peter_sslers. They create an AcmeOrderless with the
order's names, then type in each challenge's token and key authorization; the public
responder serves them (``get.get__AcmeOrderlessChallenge__answerable``) until the container is
deactivated. peter_sslers never talks to the ACME server about these.

Every function validates everything before it changes anything, and raises
``errors.InvalidRequest`` (with the form field at fault) on bad input. Each action that changes
something records an OperationsEvent (``AcmeOrderless__insert``, ``__add_challenge``,
``__update``, ``__deactivate``) and an OperationsObjectEvent on the AcmeOrderless.
"""

import re
import urllib.parse
from typing import Optional

import sqlalchemy as sa

from .. import acme_v2
from .. import errors
from .. import utils
from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeChallenge
from ...model.objects import AcmeOrder
from ...model.objects import AcmeOrderless
from ...model.objects import AcmeOrderlessChallenge
from ...model.objects import Domain
from ...model.objects import UniqueFQDNSet2Domain
from . import actions
from . import get
from . import validate
from .getcreate import MAX_DOMAINS_PER_SET
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent

# RFC 8555 section 8.1: a token is base64url without padding and carries at least 128 bits of
# entropy (22 characters); 128 characters is far past any CA's and keeps `token.thumbprint` in
# its column.
TOKEN_MIN_LENGTH = 22
TOKEN_MAX_LENGTH = 128
RE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{%d,%d}$" % (TOKEN_MIN_LENGTH, TOKEN_MAX_LENGTH))
# RFC 7638 thumbprint of the account key: base64url of a SHA-256 digest, 43 characters
RE_THUMBPRINT = re.compile(r"^[A-Za-z0-9_-]{43}$")

CHALLENGE_TYPES = ("http-01",)

# the column's length (acme_orderless_challenge.challenge_url)
CHALLENGE_URL_MAX_LENGTH = AcmeOrderlessChallenge.challenge_url.property.columns[0].type.length
RE_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f]")


def validate_challenge_url(raw: Optional[str], field: str = "challenge_url") -> Optional[str]:
    """The URL of the CA's challenge object, as the other client shows it: an ``http://`` or
    ``https://`` URL with a host, no credentials, no fragment, no spaces, at most 255 characters.
    Empty: None (no URL). It is kept for the operator's reference and never fetched.

    :raises errors.InvalidRequest: (on ``field``) not such a URL.
    """
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > CHALLENGE_URL_MAX_LENGTH:
        raise errors.InvalidRequest("The challenge URL is longer than %d characters." % CHALLENGE_URL_MAX_LENGTH, field=field)
    if RE_URL_FORBIDDEN.search(value):
        raise errors.InvalidRequest("The challenge URL holds spaces or control characters.", field=field)
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # a bad port raises ValueError
    except ValueError:
        raise errors.InvalidRequest("The challenge URL is not a URL.", field=field)
    if parts.scheme.lower() not in ("http", "https"):
        raise errors.InvalidRequest("The challenge URL must be an https:// (or http://) URL.", field=field)
    if not parts.hostname:
        raise errors.InvalidRequest("The challenge URL has no host.", field=field)
    if parts.username is not None or parts.password is not None:
        raise errors.InvalidRequest("The challenge URL must not carry credentials.", field=field)
    if parts.fragment:
        raise errors.InvalidRequest("The challenge URL must not have a fragment.", field=field)
    return value


def _log(ctx, event_name: str, dbOrderless: AcmeOrderless, **payload) -> None:
    """The OperationsEvent of one action, and its OperationsObjectEvent on the AcmeOrderless."""
    dbEvent = log__OperationsEvent(ctx, event_name, dict(acme_orderless_id=dbOrderless.id, **payload))
    log__OperationsObjectEvent(ctx, event_name, dbOrderless, dbEvent)


def validate_token(token: str, field: str = "token") -> str:
    token = (token or "").strip()
    if not RE_TOKEN.match(token):
        raise errors.InvalidRequest(
            "Not an ACME token: %d to %d characters of base64url (A-Z, a-z, 0-9, `-`, `_`)."
            % (TOKEN_MIN_LENGTH, TOKEN_MAX_LENGTH),
            field=field,
        )
    return token


def account_thumbprint(dbAccount: Optional[AcmeAccount]) -> Optional[str]:
    """The JWK thumbprint of the account's active key (None without an account)."""
    if dbAccount is None:
        return None
    dbKey = dbAccount.acme_account_key
    if dbKey is None:
        raise errors.InvalidRequest("The ACME account %s has no active key." % dbAccount.id, field="acme_account_id")
    return acme_v2.AcmeKey(dbKey.key_pem).thumbprint


def validate_keyauthorization(
    token: str, keyauthorization: Optional[str], thumbprint: Optional[str], field: str = "keyauthorization"
) -> str:
    """``token.thumbprint`` for this token (and this account's thumbprint, when one is attached).

    Left out with an account attached: computed from the account's key.
    """
    keyauthorization = (keyauthorization or "").strip()
    if not keyauthorization:
        if thumbprint is None:
            raise errors.InvalidRequest(
                "The key authorization is needed (`token.thumbprint`): no ACME account is attached to compute it.",
                field=field,
            )
        return "%s.%s" % (token, thumbprint)
    head, dot, tail = keyauthorization.partition(".")
    if not dot or head != token or not RE_THUMBPRINT.match(tail):
        raise errors.InvalidRequest(
            "Not the key authorization of this token: `token.thumbprint` (the thumbprint is 43 characters of "
            "base64url).",
            field=field,
        )
    if thumbprint is not None and tail != thumbprint:
        raise errors.InvalidRequest(
            "The key authorization does not carry the thumbprint of the attached ACME account's key.", field=field
        )
    return keyauthorization


def token_in_use(ctx, token: str, exclude_challenge_ids: tuple = ()) -> bool:
    """Is ``token`` held by a live challenge: a real one still in play, or an ACME-flow one of a
    processing container (other than ``exclude_challenge_ids``, which are being rewritten)?"""
    real = ctx.dbsession.scalar(
        sa.select(AcmeChallenge.id)
        .where(
            AcmeChallenge.token == token,
            AcmeChallenge.acme_status_challenge_id.in_(model_utils.Acme_Status_Challenge.IDS_POSSIBLY_ACTIVE),
        )
        .limit(1)
    )
    if real is not None:
        return True
    statement = (
        sa.select(AcmeOrderlessChallenge.id)
        .join(AcmeOrderless, AcmeOrderlessChallenge.acme_orderless_id == AcmeOrderless.id)
        .where(AcmeOrderlessChallenge.token == token, AcmeOrderless.is_processing.is_(True))
    )
    if exclude_challenge_ids:
        statement = statement.where(AcmeOrderlessChallenge.id.not_in(list(exclude_challenge_ids)))
    return ctx.dbsession.scalar(statement.limit(1)) is not None


def competing(ctx, names: list) -> list:
    """What is still validating any of ``names``: ``AcmeOrder N`` (processing, pending on the
    server: the rule of ``block_competing_challenges`` for new orders) and ``AcmeOrderless N``
    (processing), sorted."""
    orders = ctx.dbsession.scalars(
        sa.select(AcmeOrder.id)
        .join(UniqueFQDNSet2Domain, UniqueFQDNSet2Domain.unique_fqdn_set_id == AcmeOrder.unique_fqdn_set_id)
        .join(Domain, Domain.id == UniqueFQDNSet2Domain.domain_id)
        .where(
            Domain.domain_name.in_(names),
            AcmeOrder.is_processing.is_(True),
            AcmeOrder.acme_status_order_id.in_(model_utils.Acme_Status_Order.IDS_BLOCKING),
        )
        .distinct()
    ).all()
    orderlesss = ctx.dbsession.scalars(
        sa.select(AcmeOrderless.id)
        .join(AcmeOrderlessChallenge, AcmeOrderlessChallenge.acme_orderless_id == AcmeOrderless.id)
        .where(AcmeOrderlessChallenge.domain_name.in_(names), AcmeOrderless.is_processing.is_(True))
        .distinct()
    ).all()
    return ["AcmeOrder %s" % i for i in sorted(orders)] + ["AcmeOrderless %s" % i for i in sorted(orderlesss)]


def _require_processing(dbOrderless: AcmeOrderless) -> None:
    if not dbOrderless.is_processing:
        raise errors.InvalidTransition("This AcmeOrderless is deactivated: it cannot be changed.")


def create(ctx, domain_names_raw: str, dbAccount: Optional[AcmeAccount] = None) -> AcmeOrderless:
    """A processing AcmeOrderless for these names, with one placeholder http-01 challenge each
    (no token yet: the operator fills them in).

    :raises errors.InvalidRequest: no names, a bad, wildcard or blocklisted name, too many names,
        an account without an active key; with ``block_competing_challenges``, a name an AcmeOrder
        or another AcmeOrderless is still validating (``errors.ConflictingObject``).
    """
    field = "domain_names_http01"
    names = utils.split_domain_names(domain_names_raw)
    if not names:
        raise errors.InvalidRequest("No domain names.", field=field)
    try:
        names = utils.validate_domain_names(names)
    except errors.InvalidRequest as exc:
        raise errors.InvalidRequest(exc.message, field=field)
    if len(names) > MAX_DOMAINS_PER_SET:
        raise errors.InvalidRequest("At most %d domain names." % MAX_DOMAINS_PER_SET, field=field)
    validate.refuse_blocklisted(ctx, names, field=field)
    if ctx.settings.block_competing_challenges:
        others = competing(ctx, names)
        if others:
            raise errors.ConflictingObject(
                "Still validating some of these names: %s; finish or deactivate first." % ", ".join(others),
                field=field,
            )
    account_thumbprint(dbAccount)  # an attached account must have a key to check against
    dbOrderless = AcmeOrderless(
        timestamp_created=ctx.timestamp,
        is_processing=True,
        domain_names=",".join(names),
        acme_account=dbAccount,
    )
    ctx.dbsession.add(dbOrderless)
    for name in names:
        ctx.dbsession.add(
            AcmeOrderlessChallenge(
                acme_orderless=dbOrderless,
                domain_name=name,
                acme_challenge_type_id=model_utils.AcmeChallengeType.HTTP_01,
                timestamp_created=ctx.timestamp,
            )
        )
    ctx.dbsession.flush()
    _log(
        ctx,
        "AcmeOrderless__insert",
        dbOrderless,
        domain_names=names,
        acme_account_id=dbAccount.id if dbAccount is not None else None,
    )
    return dbOrderless


def add_challenge(
    ctx,
    dbOrderless: AcmeOrderless,
    domain_name: str,
    token: Optional[str] = None,
    keyauthorization: Optional[str] = None,
    challenge_type: str = "http-01",
    challenge_url: Optional[str] = None,
) -> AcmeOrderlessChallenge:
    """Another challenge for one of the container's names: a placeholder (no token), or a token
    with its key authorization (computed when an account is attached and it is left out); and,
    optionally, the URL of the CA's challenge.

    :raises errors.InvalidRequest: deactivated, a name not of this container, a blocklisted
        name, a bad or live token, a bad key authorization, a bad challenge URL, a type other than http-01.
    """
    _require_processing(dbOrderless)
    if challenge_type not in CHALLENGE_TYPES:
        raise errors.InvalidRequest("Only http-01 challenges are served.", field="acme_challenge_type")
    try:
        name = utils.validate_domain_name(domain_name or "")
    except errors.InvalidRequest as exc:
        raise errors.InvalidRequest(exc.message, field="domain")
    if name not in dbOrderless.domain_names_list:
        raise errors.InvalidRequest(
            "`%s` is not one of this AcmeOrderless's names (%s)." % (name, ", ".join(dbOrderless.domain_names_list)),
            field="domain",
        )
    # a name blocklisted since the container was made gets no new challenge
    validate.refuse_blocklisted(ctx, [name], field="domain")
    token, keyauthorization = _token_and_keyauthorization(ctx, dbOrderless, token, keyauthorization)
    challenge_url = validate_challenge_url(challenge_url)
    dbChallenge = AcmeOrderlessChallenge(
        acme_orderless=dbOrderless,
        domain_name=name,
        acme_challenge_type_id=model_utils.AcmeChallengeType.HTTP_01,
        timestamp_created=ctx.timestamp,
        token=token,
        keyauthorization=keyauthorization,
        challenge_url=challenge_url,
    )
    ctx.dbsession.add(dbChallenge)
    dbOrderless.timestamp_updated = ctx.timestamp
    ctx.dbsession.flush()
    _log(
        ctx,
        "AcmeOrderless__add_challenge",
        dbOrderless,
        acme_orderless_challenge_id=dbChallenge.id,
        domain_name=name,
        token=token,  # public: the responder serves it
        challenge_url=challenge_url,
    )
    return dbChallenge


def _token_and_keyauthorization(
    ctx,
    dbOrderless: AcmeOrderless,
    token: Optional[str],
    keyauthorization: Optional[str],
    exclude_challenge_ids: tuple = (),
    prefix: str = "",
) -> tuple:
    """The validated ``(token, keyauthorization)``: both None when neither is given."""
    token = (token or "").strip()
    keyauthorization = (keyauthorization or "").strip()
    if not token:
        if keyauthorization:
            raise errors.InvalidRequest("A key authorization needs its token.", field=prefix + "token")
        return None, None
    token = validate_token(token, field=prefix + "token")
    keyauthorization = validate_keyauthorization(
        token, keyauthorization, account_thumbprint(dbOrderless.acme_account), field=prefix + "keyauthorization"
    )
    if token_in_use(ctx, token, exclude_challenge_ids):
        raise errors.InvalidRequest("This token is already used by a live challenge.", field=prefix + "token")
    return token, keyauthorization


# ``<challenge id>_token``, ``<challenge id>_keyauthorization`` and ``<challenge id>_url``: the
# fields of ``update`` (the 2021 names)
RE_UPDATE_FIELD = re.compile(r"^(\d{1,10})_(token|keyauthorization|url)$")


def update_challenges(ctx, dbOrderless: AcmeOrderless, fields: dict) -> list:
    """Edit challenges from the 2021 free-form fields ``<id>_token``, ``<id>_keyauthorization``
    and ``<id>_url``.

    A challenge named by ``<id>_token`` or ``<id>_keyauthorization`` gets both values (an empty
    token clears it: the challenge is no longer served); one named by ``<id>_url`` gets that
    challenge URL (empty: none). A challenge keeps what its fields do not name. Other fields are
    ignored. Returns the ids of the challenges that changed.

    :raises errors.InvalidRequest: deactivated, no challenge field, a challenge not of this
        container, a bad or live token, a bad key authorization, a bad challenge URL.
    """
    _require_processing(dbOrderless)
    by_id = {str(c.id): c for c in dbOrderless.acme_orderless_challenges}
    named_token = []  # challenges whose token and key authorization are given
    named_url = []  # challenges whose URL is given
    for key in fields:
        match = RE_UPDATE_FIELD.match(key)
        if match is None:
            continue
        challenge_id, what = match.group(1), match.group(2)
        if challenge_id not in by_id:
            raise errors.InvalidRequest(
                "Challenge %s is not one of this AcmeOrderless's challenges." % challenge_id, field=key
            )
        named = named_url if what == "url" else named_token
        if challenge_id not in named:
            named.append(challenge_id)
    if not named_token and not named_url:
        raise errors.InvalidRequest(
            "Nothing to update: send `<challenge id>_token` and `<challenge id>_keyauthorization`, or "
            "`<challenge id>_url`.",
            field="Error_Main",
        )
    # validate every challenge before changing any; a token may appear only once in the request,
    # and the challenges it rewrites do not hold their old tokens against it (a token may move)
    rewritten = tuple(by_id[challenge_id].id for challenge_id in named_token)
    wanted = {}
    seen_tokens = {}
    for challenge_id in sorted(named_token, key=int):
        token, keyauthorization = _token_and_keyauthorization(
            ctx,
            dbOrderless,
            fields.get("%s_token" % challenge_id),
            fields.get("%s_keyauthorization" % challenge_id),
            exclude_challenge_ids=rewritten,
            prefix="%s_" % challenge_id,
        )
        if token is not None:
            if token in seen_tokens:
                raise errors.InvalidRequest(
                    "The same token is given to challenges %s and %s." % (seen_tokens[token], challenge_id),
                    field="%s_token" % challenge_id,
                )
            seen_tokens[token] = challenge_id
        wanted.setdefault(challenge_id, {}).update(token=token, keyauthorization=keyauthorization)
    for challenge_id in sorted(named_url, key=int):
        field = "%s_url" % challenge_id
        wanted.setdefault(challenge_id, {})["challenge_url"] = validate_challenge_url(fields.get(field), field=field)
    changed = []
    for challenge_id in sorted(wanted, key=int):
        dbChallenge = by_id[challenge_id]
        values = {name: value for name, value in wanted[challenge_id].items() if getattr(dbChallenge, name) != value}
        if not values:
            continue
        for name, value in values.items():
            setattr(dbChallenge, name, value)
        dbChallenge.timestamp_updated = ctx.timestamp
        changed.append(challenge_id)
    if changed:
        dbOrderless.timestamp_updated = ctx.timestamp
    ctx.dbsession.flush()
    if changed:
        _log(
            ctx,
            "AcmeOrderless__update",
            dbOrderless,
            acme_orderless_challenge_ids=changed,
            challenges={
                challenge_id: {
                    "token": by_id[challenge_id].token,
                    "challenge_url": by_id[challenge_id].challenge_url,
                }
                for challenge_id in changed
            },
        )
    return changed


def deactivate(ctx, dbOrderless: AcmeOrderless) -> None:
    """Stop serving the container's challenges, for good.

    :raises errors.InvalidTransition: already deactivated.
    """
    actions.lock_for_change(ctx, dbOrderless)
    if not dbOrderless.is_processing:
        raise errors.InvalidTransition("This AcmeOrderless is already deactivated.")
    dbOrderless.is_processing = False
    dbOrderless.timestamp_finalized = ctx.timestamp
    dbOrderless.timestamp_updated = ctx.timestamp
    ctx.dbsession.flush()
    _log(ctx, "AcmeOrderless__deactivate", dbOrderless)


def record_poll(ctx, dbChallenge: AcmeOrderlessChallenge) -> None:
    """A hit of the public responder: one UPDATE, counted in SQL (concurrent hits all count)."""
    ctx.dbsession.execute(
        sa.update(AcmeOrderlessChallenge)
        .where(AcmeOrderlessChallenge.id == dbChallenge.id)
        .values(count_polled=AcmeOrderlessChallenge.count_polled + 1, timestamp_polled_last=ctx.timestamp)
        .execution_options(synchronize_session=False)
    )
