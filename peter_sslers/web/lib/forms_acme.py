"""Form schemas of the ACME views (accounts, orders, authorizations, challenges, revocation).

Same rules as ``forms.py``: colander schemas, bound by ``Handler.validate``; each field's
description is its API documentation and a ``OneOf`` validator lists its valid options.
"""

import colander

from ...lib.acme_v2 import EAB_ALGORITHMS
from ...lib.db.acme_accounts import ACCOUNT_KEY_TECHNOLOGIES
from ...lib.db.acme_accounts import ACCOUNT_MARK_ACTIONS
from ...lib.db.actions_acme import ORDER_MARK_ACTIONS
from ...lib.db.order_spec import PRIVATE_KEY_OPTIONS
from ...lib.db.order_spec import PROCESSING_STRATEGIES
from ...model import objects as model
from ...model import utils as model_utils
from .forms import DOMAIN_NAMES_MAX_LENGTH
from .forms import Choice
from .forms import Id
from .forms import OneOf
from .forms import Text
from .forms import TextUpload
from .forms import column_length

PRIVATE_KEY_TECHNOLOGIES = ("RSA", "EC")

# the form's `private_key_option` -> actions_acme's private key strategy
# PRIVATE_KEY_OPTIONS (`private_key_option` -> the key strategy): lib/db/order_spec.py

# RFC 5280 CRLReason codes an ACME server may accept (7 is unused); text, as form values are
REVOCATION_REASONS = ("0", "1", "2", "3", "4", "5", "6", "8", "9", "10")


def _string(name, description, missing=colander.required, choices=None, max_length=None):
    """A text field: one of ``choices``, or free text of at most ``max_length`` characters."""
    return colander.SchemaNode(
        Choice(choices) if choices else Text(max_length),
        name=name,
        description=description,
        missing=missing,
        validator=OneOf(choices) if choices else None,
    )


def _id(name, description, missing=None):
    return colander.SchemaNode(Id(), name=name, description=description, missing=missing)


def _upload(name, description, missing=None):
    return colander.SchemaNode(TextUpload(), name=name, description=description, missing=missing)


def _account_policy(required: bool = False):
    """``account__private_key_cycle`` and ``account__private_key_technology``: the key policy of
    orders that let the account choose their certificate's key."""
    return (
        _string(
            "account__private_key_cycle",
            "How orders that defer to the account choose their certificate key",
            missing=colander.required if required else model_utils.PrivateKeyCycle.DEFAULT_ACME_ACCOUNT,
            choices=model_utils.PrivateKeyCycle.OPTIONS_ACME_ACCOUNT,
        ),
        _string(
            "account__private_key_technology",
            "The kind of certificate key those orders get",
            missing=colander.required if required else "RSA",
            choices=PRIVATE_KEY_TECHNOLOGIES,
        ),
    )


def _external_account_binding():
    """``eab_kid`` and ``eab_hmac_key``: External Account Binding (RFC 8555 section 7.3.4), both or
    neither; ``eab_mac_algorithm``: the MAC the binding is made with (RFC 7518 section 3.2)."""
    return (
        _string(
            "eab_kid",
            "Optional, with `eab_hmac_key`: the External Account Binding key id the CA issued (CAs such as "
            "ZeroSSL or Google Trust Services require one)",
            missing=None,
            max_length=column_length(model.AcmeAccount.eab_kid),
        ),
        _string(
            "eab_hmac_key",
            "Optional, with `eab_kid`: the EAB HMAC key, base64url as the CA gives it (a secret: never stored "
            "nor shown)",
            missing=None,
            max_length=1024,
        ),
        _string(
            "eab_mac_algorithm",
            "The MAC algorithm of the binding, as the CA asks (RFC 7518 section 3.2; default HS256, what most CAs "
            "use); read only with `eab_kid` and `eab_hmac_key`",
            missing="HS256",
            choices=tuple(EAB_ALGORITHMS),
        ),
    )


# --- AcmeAccount


class AcmeAccountNew(colander.Schema):
    acme_account_provider_id = _id(
        "acme_account_provider_id", "The ACME server (an id from /acme-account-providers); default: the default server"
    )
    account__contact = _string(
        "account__contact", "The account's contact email address", max_length=column_length(model.AcmeAccount.contact)
    )
    account_key_technology = _string(
        "account_key_technology",
        "The account key to generate",
        missing="RSA",
        choices=tuple(ACCOUNT_KEY_TECHNOLOGIES),
    )
    account__private_key_cycle, account__private_key_technology = _account_policy()
    eab_kid, eab_hmac_key, eab_mac_algorithm = _external_account_binding()


class AcmeAccountAuthenticate(colander.Schema):
    eab_kid, eab_hmac_key, eab_mac_algorithm = _external_account_binding()


class AcmeAccountUpload(colander.Schema):
    account_key_file_pem = _upload(
        "account_key_file_pem", "Either: the account key, PEM (with `acme_account_provider_id` and `account__contact`)"
    )
    acme_account_provider_id = _id(
        "acme_account_provider_id", "With `account_key_file_pem`: the ACME server the account is on"
    )
    account__contact = _string(
        "account__contact",
        "With `account_key_file_pem`: the account's contact email address",
        missing=None,
        max_length=column_length(model.AcmeAccount.contact),
    )
    account_key_file_le_pkey = _upload(
        "account_key_file_le_pkey", "Or: certbot's `private_key.json` (the account key as a JWK)"
    )
    account_key_file_le_reg = _upload(
        "account_key_file_le_reg", "with certbot's `regr.json` (the account URL names the ACME server)"
    )
    account_key_file_le_meta = _upload("account_key_file_le_meta", "and certbot's `meta.json`")
    acme_server_directory = _string(
        "acme_server_directory",
        "With certbot's files, optional: the directory URL of the account's ACME server (certbot's `server`, e.g. "
        "`https://127.0.0.1:14000/dir`); an unknown server is added with it",
        missing=None,
        max_length=column_length(model.AcmeAccountProvider.directory),
    )
    account__private_key_cycle, account__private_key_technology = _account_policy()


class AcmeAccountEdit(colander.Schema):
    account__private_key_cycle, account__private_key_technology = _account_policy(required=True)


class AcmeAccountMark(colander.Schema):
    action = _string("action", "What to mark it", choices=ACCOUNT_MARK_ACTIONS)


class AcmeAccountDeactivate(colander.Schema):
    key_pem = colander.SchemaNode(
        TextUpload(),
        name="key_pem",
        description="The account's active key, PEM (a file or the text): the confirmation of an irreversible action",
    )


class AcmeAccountKeyChange(colander.Schema):
    account_key_technology = _string(
        "account_key_technology",
        "The new key to generate (default: the same kind as the current key)",
        missing=None,
        choices=tuple(ACCOUNT_KEY_TECHNOLOGIES),
    )


class AcmeAccountDeactivatePendingAuthorizations(colander.Schema):
    acme_authorization_id = _id(
        "acme_authorization_id",
        "An AcmeAuthorization id of this account; repeat the field for several",
        missing=colander.required,
    )


# --- AcmeOrder


def _order_key_fields():
    return (
        _string(
            "private_key_option",
            "The certificate's key: chosen by the account's cycle at finalize (`private_key_for_account_key`), "
            "a new one made at finalize (`private_key_generate`), or `private_key_existing` with `private_key_id`",
            missing="private_key_for_account_key",
            choices=tuple(PRIVATE_KEY_OPTIONS),
        ),
        _id("private_key_id", "With `private_key_option=private_key_existing`: the PrivateKey id"),
        _string(
            "private_key_cycle__renewal",
            "How the key of this order's renewals is chosen",
            missing=model_utils.PrivateKeyCycle.DEFAULT_ACME_ORDER,
            choices=model_utils.PrivateKeyCycle.OPTIONS_ACME_ORDER,
        ),
    )


def _processing_strategy():
    return _string(
        "processing_strategy",
        "`create_order` (only create it on the ACME server), `process_single` (through to the certificate, "
        "now) or `process_multi` (then advance it with acme-process)",
        missing="process_single",
        choices=PROCESSING_STRATEGIES,
    )


class AcmeOrderNewFreeform(colander.Schema):
    domain_names_http01 = _string(
        "domain_names_http01",
        "The domain names validated with http-01, separated by commas (1 to 100 names in all, with "
        "`domain_names_dns01`)",
        missing="",
        max_length=DOMAIN_NAMES_MAX_LENGTH,
    )
    domain_names_dns01 = _string(
        "domain_names_dns01",
        "The domain names validated with dns-01, separated by commas; wildcards (`*.example.com`) only here. "
        "Each needs an RFC 2136 DNS backend for an enclosing zone or an acme-dns account "
        "(see /dns-backends-rfc2136 and /acme-dns-server-accounts)",
        missing="",
        max_length=DOMAIN_NAMES_MAX_LENGTH,
    )
    processing_strategy = _processing_strategy()
    acme_account_id = _id("acme_account_id", "The AcmeAccount to order with; default: the global default account")
    private_key_option, private_key_id, private_key_cycle__renewal = _order_key_fields()


class AcmeOrderRenewQuick(colander.Schema):
    processing_strategy = _processing_strategy()


class AcmeOrderRenewCustom(colander.Schema):
    processing_strategy = _processing_strategy()
    acme_account_id = _id("acme_account_id", "The AcmeAccount to order with; default: the order's account")
    private_key_option, private_key_id, private_key_cycle__renewal = _order_key_fields()


class AcmeOrderMark(colander.Schema):
    action = _string("action", "What to mark it", choices=ORDER_MARK_ACTIONS)


# --- CertificateSigned


class CertificateSignedRevoke(colander.Schema):
    reason = colander.SchemaNode(
        Choice(REVOCATION_REASONS),
        name="reason",
        description="An RFC 5280 CRLReason code (0 unspecified, 1 keyCompromise, 4 superseded, 5 cessationOfOperation...)",
        missing=None,
        validator=OneOf(REVOCATION_REASONS),
    )


# --- /api/domain/*: certificates on request (docs/Autocert.md)


def _domain_name(description: str):
    return _string("domain_name", description, max_length=255)


class ApiDomainAutocert(colander.Schema):
    domain_name = _domain_name(
        "The one host name to answer for (an IDN in Unicode or A-labels); no wildcard, no IP address"
    )


class ApiDomainCertificateIfNeeded(colander.Schema):
    domain_name = _domain_name(
        "The one host name (validated with http-01) to get a certificate for, if it has no valid one"
    )
    processing_strategy = _string(
        "processing_strategy",
        "Only `process_single`: the order is carried through to its certificate in this request",
        missing="process_single",
        choices=("process_single",),
    )
    acme_account_id = _id("acme_account_id", "The AcmeAccount to order with; default: the global default account")
    private_key_option, private_key_id, private_key_cycle__renewal = _order_key_fields()


class ApiDomainNames(colander.Schema):
    domain_names = _string(
        "domain_names",
        "The domain names, separated by commas (http-01; at most 100)",
        max_length=DOMAIN_NAMES_MAX_LENGTH,
    )
