"""The 2021 order forms, still accepted: an account and a private key chosen by option and PEM MD5.

Scripts written for the 2021 design choose the order's ACME account with ``account_key_option``
and its certificate key with ``private_key_option``, naming keys by the MD5 of their PEM
(``key_pem_md5`` in the JSON of AcmeAccount and PrivateKey) or uploading them. Today's forms
name both by id (``acme_account_id``, ``private_key_option=private_key_existing`` with
``private_key_id``).

:func:`translate` is the one translation: each order-placing route (``ROUTES``) calls it before
its own schema reads the form. It rewrites the posted form in place into today's fields and
changes nothing when no 2021 field is sent. An uploaded key is found or created by the very code
of ``/acme-account/upload`` and ``/private-key/upload``, in the request's transaction: when the
form or the order is then refused, the request's rollback removes it again.

Bad input is an ``errors.InvalidRequest`` on the field at fault (the house error envelope):
an unknown MD5, an inactive account, a compromised or inactive key, a missing or unusable upload,
an option whose value field belongs to another option, or a 2021 choice that names another
account or key than the id also sent.
"""

import re

import colander

from ...lib import errors
from ...lib.db import acme_accounts
from ...lib.db import get
from ...lib.db import getcreate
from . import forms
from . import forms_acme

# --- the 2021 fields

ACCOUNT_KEY_OPTIONS = ("account_key_global_default", "account_key_existing", "account_key_reuse", "account_key_file")
# the option values whose own field holds the PEM MD5 (`account_key_existing=<md5>`)
ACCOUNT_KEY_MD5_FIELDS = ("account_key_global_default", "account_key_existing", "account_key_reuse")
ACCOUNT_KEY_FILE_FIELDS = (
    "account_key_file_pem",
    "account_key_file_le_pkey",
    "account_key_file_le_reg",
    "account_key_file_le_meta",
)

# today's `private_key_option` values stay (forms_acme.PRIVATE_KEY_OPTIONS); 2021 adds these two
PRIVATE_KEY_OPTIONS = ("private_key_existing", "private_key_reuse", "private_key_file") + tuple(
    option for option in forms_acme.PRIVATE_KEY_OPTIONS if option != "private_key_existing"
)
PRIVATE_KEY_MD5_FIELDS = ("private_key_existing", "private_key_reuse")
PRIVATE_KEY_FILE_FIELDS = ("private_key_file_pem", "private_key_file")

# the routes that take the 2021 fields -> whether they take a private key choice
# (a structured renewal queue item keeps its source order's key strategy)
ROUTES = {
    "admin:acme_order:new:freeform": True,
    "admin:acme_order:focus:renew:custom": True,
    "admin:queue_certificate:new_freeform": True,
    "admin:queue_certificate:new_structured": False,
    "admin:queue_domains:process": True,
    "admin:api:domain:certificate_if_needed": True,
}

_RE_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")


def _md5_valid(node, value):
    if not _RE_MD5.match(value):
        raise colander.Invalid(node, "Not a PEM MD5: 32 hexadecimal digits (the key's `key_pem_md5`).")


def _md5(name: str, description: str) -> colander.SchemaNode:
    return colander.SchemaNode(
        forms.Text(64), name=name, description=description, missing=None, validator=_md5_valid
    )


def _option(name: str, description: str, choices) -> colander.SchemaNode:
    return colander.SchemaNode(
        forms.Choice(choices), name=name, description=description, missing=None, validator=forms.OneOf(choices)
    )


class Order2021(colander.Schema):
    """The 2021 choice fields (the uploads are read by the upload forms' own schemas)."""

    account_key_option = _option(
        "account_key_option",
        "2021: how the ACME account is chosen instead of `acme_account_id`: `account_key_global_default`, "
        "`account_key_existing` (or `account_key_reuse`) with the account key's PEM MD5 in the field of that "
        "name, or `account_key_file` with an uploaded account key",
        ACCOUNT_KEY_OPTIONS,
    )
    account_key_global_default = _md5(
        "account_key_global_default",
        "2021, optional with `account_key_option=account_key_global_default`: the global default account's key "
        "PEM MD5, checked",
    )
    account_key_existing = _md5(
        "account_key_existing",
        "2021, with `account_key_option=account_key_existing`: the PEM MD5 of the current key of the account "
        "(`key_pem_md5` of /acme-account/{id}.json)",
    )
    account_key_reuse = _md5(
        "account_key_reuse", "2021, with `account_key_option=account_key_reuse`: as `account_key_existing`"
    )
    private_key_option = _option(
        "private_key_option",
        "2021 values beside today's: `private_key_existing` (or `private_key_reuse`) with the key's PEM MD5 in "
        "the field of that name (instead of `private_key_id`), `private_key_file` with an uploaded key; "
        "`private_key_generate` and `private_key_for_account_key` as today",
        PRIVATE_KEY_OPTIONS,
    )
    private_key_existing = _md5(
        "private_key_existing",
        "2021, with `private_key_option=private_key_existing`: the PEM MD5 of the PrivateKey (`key_pem_md5` of "
        "/private-key/{id}.json)",
    )
    private_key_reuse = _md5(
        "private_key_reuse", "2021, with `private_key_option=private_key_reuse`: as `private_key_existing`"
    )


# what the documentation of the routes lists besides Order2021's fields (the uploads)
UPLOAD_FIELDS_DOCS = {
    "account_key_file_pem": "2021, with `account_key_option=account_key_file`: the account key, PEM, with "
    "`acme_account_provider_id` and `account__contact` (as /acme-account/upload; an unknown key becomes a new "
    "account, registered on the ACME server when the order is sent)",
    "account_key_file_le_pkey": "2021, with `account_key_option=account_key_file`, instead of "
    "`account_key_file_pem`: certbot's `private_key.json`, with `account_key_file_le_reg` and "
    "`account_key_file_le_meta`",
    "acme_account_provider_id": "2021, with `account_key_file_pem`: the ACME server of the account",
    "account__contact": "2021, with `account_key_file_pem`: the account's contact email address",
    "account__private_key_cycle": "2021, with `account_key_option=account_key_file`: the new account's key cycle",
    "account__private_key_technology": "2021, with `account_key_option=account_key_file`: the new account's key "
    "technology",
    "private_key_file_pem": "2021, with `private_key_option=private_key_file`: the certificate's key, PEM (as "
    "/private-key/upload; `private_key_file` is read too)",
}


def form_fields(route_name: str) -> dict:
    """The 2021 fields a route's documentation lists as accepted alternatives."""
    takes_private_key = ROUTES[route_name]
    fields = {}
    for node in Order2021().children:
        if node.name.startswith("private_key") and not takes_private_key:
            continue
        fields[node.name] = node.description
    for name, text in UPLOAD_FIELDS_DOCS.items():
        if name.startswith("private_key") and not takes_private_key:
            continue
        fields[name] = text
    return fields


def valid_options(route_name: str) -> dict:
    options = {"account_key_option": list(ACCOUNT_KEY_OPTIONS)}
    if ROUTES[route_name]:
        options["private_key_option"] = list(PRIVATE_KEY_OPTIONS)
    return options


# --- the translation


def _sent(post, name: str) -> bool:
    """Whether the form carries a value for ``name`` (an empty field or empty file part is none)."""
    for value in post.getall(name):
        if isinstance(value, str):
            if value.strip():
                return True
        elif value is not None:  # a file part
            return True
    return False


def _route_name(handler) -> str:
    return handler.request.matched_route.name.replace("|json", "")


def translate(handler) -> None:
    """Rewrite a 2021 order form (``request.POST``) into today's fields, in place.

    Call it first in the ``try`` of an order-placing route (one of ``ROUTES``), before its
    schema reads the form; what it creates (an uploaded account or key) is in the request's
    transaction, so the error answer of that ``try`` (a doomed transaction) takes it back.

    :raises errors.InvalidRequest: on the field at fault, nothing kept.
    """
    post = handler.request.POST
    takes_private_key = ROUTES[_route_name(handler)]
    values = handler.validate(Order2021)
    _translate_account(handler, post, values)
    _translate_private_key(handler, post, values, takes_private_key)


def _stray(option_field: str, option, sent_fields) -> None:
    """:raises errors.InvalidRequest: a value field of another option than the one chosen."""
    for name in sent_fields:
        if option is None:
            raise errors.InvalidRequest(
                "`%s` is a 2021 field that goes with `%s`: choose that option too." % (name, option_field), field=name
            )
        raise errors.InvalidRequest(
            "`%s` does not go with `%s=%s`: send only the fields of the option chosen." % (name, option_field, option),
            field=name,
        )


def _replace_id(post, field: str, new_id: int, option_field: str, option: str) -> None:
    """Put ``new_id`` in today's ``field``; an id already sent must name the same object."""
    if _sent(post, field):
        raw = post.get(field)
        if not isinstance(raw, str) or forms.parse_id(raw) != new_id:
            raise errors.InvalidRequest(
                "Conflicting choices: `%s=%s` names %s %s, not the `%s` sent." % (option_field, option, field, new_id, field),
                field=field,
            )
    post[field] = str(new_id)


def _translate_account(handler, post, values: dict) -> None:
    ctx = handler.ctx
    option = values["account_key_option"]
    # the 2021 pages sent `account_key_global_default` (a hidden field) whatever the option chosen:
    # it counts only when that option is chosen
    md5_sent = [
        name
        for name in ACCOUNT_KEY_MD5_FIELDS
        if values[name] is not None and name != option and name != "account_key_global_default"
    ]
    files_sent = [name for name in ACCOUNT_KEY_FILE_FIELDS if _sent(post, name)]
    _stray("account_key_option", option, md5_sent)
    if option != "account_key_file":
        _stray("account_key_option", option, files_sent)
    if option is None:
        return
    if option == "account_key_global_default":
        dbAccount = get.get__AcmeAccount__global_default(ctx)
        if dbAccount is None:
            raise errors.InvalidRequest(
                "There is no global default ACME account: choose one with `account_key_existing`, or make an "
                "account the global default (its mark action `global_default`).",
                field="account_key_option",
            )
        md5 = values["account_key_global_default"]
        key = dbAccount.acme_account_key
        if md5 is not None and (key is None or key.key_pem_md5 != md5.lower()):
            raise errors.InvalidRequest(
                "The global default ACME account (%s) has another key than this PEM MD5." % dbAccount.id,
                field="account_key_global_default",
            )
    elif option == "account_key_file":
        if not files_sent:
            raise errors.FormInvalid(
                {
                    "account_key_file_pem": "Required with `account_key_option=account_key_file`: the account key, "
                    "PEM (or certbot's three account files).",
                }
            )
        upload = handler.validate(forms_acme.AcmeAccountUpload)
        dbAccount, _, _ = acme_accounts.upload__AcmeAccount(ctx, upload)
    else:  # account_key_existing, account_key_reuse
        md5 = values[option]
        if md5 is None:
            raise errors.InvalidRequest(
                "Required with `account_key_option=%s`: the PEM MD5 of the account's key (`key_pem_md5`)." % option,
                field=option,
            )
        dbKey = get.get__AcmeAccountKey__by_pem_md5(ctx, md5)
        if dbKey is None:
            raise errors.InvalidRequest("No ACME account has a key with this PEM MD5.", field=option)
        if not dbKey.is_active:
            raise errors.InvalidRequest(
                "This key is a retired key of ACME account %s: name the account by its current key." % dbKey.acme_account_id,
                field=option,
            )
        dbAccount = dbKey.acme_account
    if not dbAccount.is_usable:
        field = "account_key_file_pem" if option == "account_key_file" else option
        raise errors.InvalidRequest("The ACME account %s is not active." % dbAccount.id, field=field)
    _replace_id(post, "acme_account_id", dbAccount.id, "account_key_option", option)


def _translate_private_key(handler, post, values: dict, takes_private_key: bool) -> None:
    ctx = handler.ctx
    option = values["private_key_option"]
    md5_sent = [name for name in PRIVATE_KEY_MD5_FIELDS if values[name] is not None]
    files_sent = [name for name in PRIVATE_KEY_FILE_FIELDS if _sent(post, name)]
    if not takes_private_key:
        # `private_key_option` alone is not read here, as today's form does not read it; a key
        # named or uploaded would be dropped unseen: refused
        for name in md5_sent + files_sent:
            raise errors.InvalidRequest(
                "This form takes no private key: the renewal keeps its source order's key strategy.", field=name
            )
        return
    _stray("private_key_option", option, [name for name in md5_sent if name != option])
    if option != "private_key_file":
        _stray("private_key_option", option, files_sent)
    if option in PRIVATE_KEY_MD5_FIELDS:
        md5 = values[option]
        if md5 is None:
            if option == "private_key_existing":
                return  # today's form: `private_key_id`
            raise errors.InvalidRequest(
                "Required with `private_key_option=%s`: the key's PEM MD5 (`key_pem_md5`)." % option, field=option
            )
        dbPrivateKey = get.get__PrivateKey__by_pem_md5(ctx, md5)
        if dbPrivateKey is None:
            raise errors.InvalidRequest("No private key has this PEM MD5.", field=option)
        field = option
    elif option == "private_key_file":
        if not files_sent:
            message = "Required with `private_key_option=private_key_file`: the key, PEM."
            raise errors.FormInvalid(
                {"private_key_file_pem": message, "private_key_option": "`private_key_file` needs `private_key_file_pem`."}
            )
        upload = handler.validate(forms.PrivateKeyUpload)
        dbPrivateKey, _ = getcreate.getcreate__PrivateKey__by_pem_text(
            ctx, upload["private_key_file"], field="private_key_file_pem"
        )
        field = "private_key_file_pem"
    else:  # today's values (or none): today's schema reads them
        return
    if dbPrivateKey.is_compromised:
        raise errors.InvalidRequest(
            "The private key %s is compromised: no order uses it again. Choose another key." % dbPrivateKey.id,
            field=field,
        )
    if not dbPrivateKey.can_key_sign:
        raise errors.InvalidRequest("The private key %s is not active: choose an active key." % dbPrivateKey.id, field=field)
    post["private_key_option"] = "private_key_existing"
    _replace_id(post, "private_key_id", dbPrivateKey.id, "private_key_option", option)
