"""The 2021 order forms (issue 13): `account_key_option` / `private_key_option` with keys named by
their PEM MD5 or uploaded, translated into today's ids (``web/lib/forms_2021.py``), against pebble
(gated by SSL_RUN_LETSENCRYPT_API_TESTS; the app of test_acme_accounts.py).

Two real orders (one carried through to its certificate, one only created); every other case is
decided before anything is sent, most on the renewal queue's freeform form (local only)."""

import hashlib

from peter_sslers.lib import cert_utils
from peter_sslers.model import objects as m
from tests.conftest import count_rows
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_accounts import acme_app  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import acmeapp  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import new_account
from tests.web.test_acme_accounts import providers
from tests.web.test_acme_accounts import rows


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def order(app, names, status=200, **fields):
    values = {"domain_names_http01": ",".join(names)}
    files = [(name, name + ".pem", value) for name, value in fields.items() if isinstance(value, bytes)]
    values.update({k: v for k, v in fields.items() if not isinstance(v, bytes)})
    return app.post(ADMIN + "/acme-order/new/freeform.json", values, upload_files=files, status=status).json


def queue(app, names, status=200, **fields):
    values = {"domain_names_http01": ",".join(names)}
    files = [(name, name + ".pem", value) for name, value in fields.items() if isinstance(value, bytes)]
    values.update({k: v for k, v in fields.items() if not isinstance(v, bytes)})
    return app.post(ADMIN + "/queue-certificate/new/freeform.json", values, upload_files=files, status=status).json


def all_rows(db) -> dict:
    counts = rows(db)
    counts["QueueCertificate"] = count_rows(db, m.QueueCertificate)
    return counts


def new_key(app) -> dict:
    return app.post(ADMIN + "/private-key/new.json", {"key_technology": "EC_P256"}).json["PrivateKey"]


# --- the JSON carries key_pem_md5


def test_json_carries_key_pem_md5(acmeapp):
    account = new_account(acmeapp)
    assert account["key_pem_md5"] == md5(account["AcmeAccountKey"]["key_pem"])
    assert account["AcmeAccountKey"]["key_pem_md5"] == account["key_pem_md5"]
    key = new_key(acmeapp)
    assert key["key_pem_md5"] == md5(key["key_pem"])
    again = acmeapp.get(ADMIN + "/private-key/%s.json" % key["id"]).json["PrivateKey"]
    assert again["key_pem_md5"] == key["key_pem_md5"]


# --- orders placed with the 2021 fields


def test_order_by_account_and_key_md5_succeeds(acmeapp, db):
    """Done means: an order placed with the 2021 form fields succeeds."""
    new_account(acmeapp)  # the global default
    account = new_account(acmeapp, contact="other@example.com")
    key = new_key(acmeapp)
    res = order(
        acmeapp,
        ["md5.example.com"],
        account_key_option="account_key_existing",
        account_key_existing=account["key_pem_md5"].upper(),  # hex, either case
        private_key_option="private_key_existing",
        private_key_existing=key["key_pem_md5"],
        processing_strategy="process_single",
    )
    assert res["result"] == "success", res
    placed = res["AcmeOrder"]
    assert placed["acme_status_order"] == "valid" and placed["certificate_signed_id"]
    assert placed["acme_account_id"] == account["id"]
    assert placed["private_key_id"] == key["id"]
    assert placed["private_key_strategy__requested"] == "specified"


def test_order_with_uploaded_account_and_private_key(acmeapp, db):
    """`account_key_file` (a key pebble does not know: registered before the order) and
    `private_key_file`; the order is only created (`create_order`)."""
    default = new_account(acmeapp)
    account_pem = cert_utils.new_account_key("RSA")
    key_pem = cert_utils.new_private_key("EC")
    pebble_id = providers(acmeapp)["pebble"]["id"]
    res = order(
        acmeapp,
        ["upload.example.com"],
        account_key_option="account_key_file",
        account_key_file_pem=account_pem.encode(),
        acme_account_provider_id=pebble_id,
        account__contact="upload2021@example.com",
        private_key_option="private_key_file",
        private_key_file_pem=key_pem.encode(),
        processing_strategy="create_order",
    )
    assert res["result"] == "success", res
    placed = res["AcmeOrder"]
    assert placed["acme_status_order"] == "pending"
    assert placed["acme_account_id"] != default["id"]
    account = acmeapp.get(ADMIN + "/acme-account/%s.json" % placed["acme_account_id"]).json["AcmeAccount"]
    assert account["contact"] == "upload2021@example.com"
    assert account["account_url"]  # registered on pebble before the order was sent
    assert account["AcmeAccountKey"]["acme_account_key_source"] == "imported"
    key = acmeapp.get(ADMIN + "/private-key/%s.json" % placed["private_key_id"]).json["PrivateKey"]
    assert key["private_key_source"] == "imported" and key["key_pem_md5"] == md5(cert_utils.cleanup_pem_text(key_pem))


def test_uploads_refused_by_the_order_leave_nothing(acmeapp, db):
    """The translation runs in the request's transaction: an order refused afterwards takes the
    uploaded account and key back."""
    new_account(acmeapp)
    pebble_id = providers(acmeapp)["pebble"]["id"]
    before = all_rows(db)
    for names, field in ((["always-fail.example.com"], "domain_names_http01"), (["not a domain"], "domain_names_http01")):
        res = order(
            acmeapp,
            names,
            status=400,
            account_key_option="account_key_file",
            account_key_file_pem=cert_utils.new_account_key("RSA").encode(),
            acme_account_provider_id=pebble_id,
            account__contact="refused@example.com",
            private_key_option="private_key_file",
            private_key_file_pem=cert_utils.new_private_key("EC").encode(),
        )
        assert res["result"] == "error" and field in res["form_errors"], res
        assert all_rows(db) == before
    # and on a bad processing strategy (the route's own schema, after the translation)
    res = order(
        acmeapp,
        ["ok.example.com"],
        status=400,
        processing_strategy="process_all",
        account_key_option="account_key_file",
        account_key_file_pem=cert_utils.new_account_key("RSA").encode(),
        acme_account_provider_id=pebble_id,
        account__contact="refused@example.com",
    )
    assert "processing_strategy" in res["form_errors"]
    assert all_rows(db) == before


# --- the mapping, on the renewal queue's freeform form (nothing is sent to pebble)


def test_queue_freeform_global_default_and_strategies(acmeapp, db):
    default = new_account(acmeapp)
    res = queue(acmeapp, ["q1.example.com"], account_key_option="account_key_global_default")
    assert res["result"] == "success", res
    assert res["QueueCertificate"]["acme_account_id"] == default["id"]
    # the 2021 pages also sent the default's MD5: checked when that option is chosen, else ignored
    res = queue(
        acmeapp,
        ["q2.example.com"],
        account_key_option="account_key_global_default",
        account_key_global_default=default["key_pem_md5"],
        private_key_option="private_key_generate",
    )
    assert res["QueueCertificate"]["private_key_strategy__requested"] == "deferred-generate"
    other = new_account(acmeapp, contact="other@example.com")
    res = queue(
        acmeapp,
        ["q3.example.com"],
        account_key_option="account_key_reuse",
        account_key_reuse=other["key_pem_md5"],
        account_key_global_default=default["key_pem_md5"],
        private_key_option="private_key_for_account_key",
    )
    assert res["QueueCertificate"]["acme_account_id"] == other["id"]
    assert res["QueueCertificate"]["private_key_strategy__requested"] == "deferred-associate"
    key = new_key(acmeapp)
    res = queue(
        acmeapp,
        ["q4.example.com"],
        acme_account_id=other["id"],  # the same account: no conflict
        account_key_option="account_key_existing",
        account_key_existing=other["key_pem_md5"],
        private_key_option="private_key_reuse",
        private_key_reuse=key["key_pem_md5"],
        private_key_id=key["id"],  # the same key
    )
    assert res["QueueCertificate"]["private_key_id"] == key["id"]
    assert res["QueueCertificate"]["private_key_strategy__requested"] == "specified"
    # today's fields alone still work
    res = queue(acmeapp, ["q5.example.com"], acme_account_id=other["id"])
    assert res["QueueCertificate"]["acme_account_id"] == other["id"]


def test_no_global_default_account(acmeapp, db):
    before = all_rows(db)
    res = queue(acmeapp, ["q.example.com"], status=400, account_key_option="account_key_global_default")
    assert "global default" in res["form_errors"]["account_key_option"]
    assert all_rows(db) == before


def test_bad_2021_input_is_refused_and_writes_nothing(acmeapp, db):
    default = new_account(acmeapp)
    inactive = new_account(acmeapp, contact="inactive@example.com")
    acmeapp.post(ADMIN + "/acme-account/%s/mark.json" % inactive["id"], {"action": "inactive"})
    compromised = new_key(acmeapp)
    acmeapp.post(ADMIN + "/private-key/%s/mark.json" % compromised["id"], {"action": "compromised"})
    off = new_key(acmeapp)
    acmeapp.post(ADMIN + "/private-key/%s/mark.json" % off["id"], {"action": "inactive"})
    good = new_key(acmeapp)
    pebble_id = providers(acmeapp)["pebble"]["id"]
    unknown = "0" * 32
    existing = {"account_key_option": "account_key_existing"}
    cases = [
        # accounts
        (dict(existing, account_key_existing=unknown), "account_key_existing", "No ACME account"),
        (dict(existing), "account_key_existing", "Required"),
        (dict(existing, account_key_existing="xyz"), "account_key_existing", "32 hexadecimal"),
        (dict(existing, account_key_existing=inactive["key_pem_md5"]), "account_key_existing", "not active"),
        ({"account_key_option": "account_key_bogus"}, "account_key_option", "Not one of"),
        ({"account_key_existing": default["key_pem_md5"]}, "account_key_existing", "account_key_option"),
        (
            dict(existing, account_key_existing=default["key_pem_md5"], acme_account_id=inactive["id"]),
            "acme_account_id",
            "Conflicting",
        ),
        (
            {"account_key_option": "account_key_global_default", "account_key_global_default": inactive["key_pem_md5"]},
            "account_key_global_default",
            "another key",
        ),
        ({"account_key_option": "account_key_file"}, "account_key_file_pem", "Required"),
        (
            {
                "account_key_option": "account_key_file",
                "account_key_file_pem": b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n",
                "acme_account_provider_id": pebble_id,
                "account__contact": "garbage@example.com",
            },
            "account_key_file_pem",
            "",
        ),
        (
            {
                "account_key_option": "account_key_file",
                "account_key_file_pem": cert_utils.new_account_key("RSA").encode(),
                "account__contact": "noprovider@example.com",
            },
            "acme_account_provider_id",
            "Required",
        ),
        (
            dict(existing, account_key_existing=default["key_pem_md5"], account_key_file_pem=b"x"),
            "account_key_file_pem",
            "does not go with",
        ),
        # private keys
        ({"private_key_option": "private_key_existing", "private_key_existing": unknown}, "private_key_existing", "No private key"),
        (
            {"private_key_option": "private_key_existing", "private_key_existing": compromised["key_pem_md5"]},
            "private_key_existing",
            "compromised",
        ),
        ({"private_key_option": "private_key_existing", "private_key_existing": off["key_pem_md5"]}, "private_key_existing", "not active"),
        ({"private_key_option": "private_key_reuse"}, "private_key_reuse", "Required"),
        ({"private_key_option": "private_key_file"}, "private_key_file_pem", "Required"),
        ({"private_key_option": "private_key_file", "private_key_file_pem": b"not a key at all"}, "private_key_file_pem", ""),
        (
            {"private_key_option": "private_key_file", "private_key_file_pem": compromised["key_pem"].encode()},
            "private_key_file_pem",
            "compromised",
        ),
        ({"private_key_option": "private_key_bogus"}, "private_key_option", "Not one of"),
        ({"private_key_existing": good["key_pem_md5"]}, "private_key_existing", "private_key_option"),
        (
            {"private_key_option": "private_key_generate", "private_key_existing": good["key_pem_md5"]},
            "private_key_existing",
            "does not go with",
        ),
        (
            {"private_key_option": "private_key_existing", "private_key_existing": good["key_pem_md5"], "private_key_id": off["id"]},
            "private_key_id",
            "Conflicting",
        ),
    ]
    before = all_rows(db)
    for fields, field, text in cases:
        for send in (order, queue):
            res = send(acmeapp, ["bad.example.com"], status=400, **dict(fields))
            assert res["result"] == "error", (fields, res)
            assert field in res["form_errors"], (fields, res)
            assert text in res["form_errors"][field], (fields, res)
            assert all_rows(db) == before, fields
    # HTML: the form again, with the error
    page = acmeapp.post(ADMIN + "/acme-order/new/freeform", dict(existing, domain_names_http01="bad.example.com", account_key_existing=unknown), status=400)
    assert "No ACME account" in page.text
    assert all_rows(db) == before


def test_other_routes_take_the_2021_fields(acmeapp, db):
    """Renew custom, the domain queue and the structured renewal queue (account only)."""
    default = new_account(acmeapp)
    other = new_account(acmeapp, contact="other@example.com")
    placed = acmeapp.post(
        ADMIN + "/acme-order/new/freeform.json", {"domain_names_http01": "r.example.com", "processing_strategy": "create_order"}
    ).json["AcmeOrder"]
    spare = new_key(acmeapp)  # the key the structured form refuses below
    # a refusal after the translation (the order is still pending: renewing it is refused) writes nothing
    before = all_rows(db)
    res = acmeapp.post(
        ADMIN + "/acme-order/%s/renew/custom.json" % placed["id"],
        {"account_key_option": "account_key_existing", "account_key_existing": "0" * 32},
        status=400,
    ).json
    assert "account_key_existing" in res["form_errors"]
    res = acmeapp.post(
        ADMIN + "/queue-certificate/new/structured.json",
        {"queue_source": "AcmeOrder", "acme_order": placed["id"], "account_key_option": "account_key_existing",
         "account_key_existing": other["key_pem_md5"], "private_key_option": "private_key_existing",
         "private_key_existing": spare["key_pem_md5"]},
        status=400,
    ).json
    assert "takes no private key" in res["form_errors"]["private_key_existing"]
    assert all_rows(db) == before
    res = acmeapp.post(
        ADMIN + "/queue-certificate/new/structured.json",
        {"queue_source": "AcmeOrder", "acme_order": placed["id"], "account_key_option": "account_key_existing",
         "account_key_existing": other["key_pem_md5"]},
    ).json
    assert res["result"] == "success" and res["QueueCertificate"]["acme_account_id"] == other["id"]
    res = acmeapp.post(
        ADMIN + "/queue-domains/process.json",
        {"account_key_option": "account_key_existing", "account_key_existing": "0" * 32},
        status=400,
    ).json
    assert "account_key_existing" in res["form_errors"]
    assert default["id"]


def test_docs_list_the_2021_fields(acmeapp):
    paths = (
        "/acme-order/new/freeform.json",
        "/queue-certificate/new/freeform.json",
        "/queue-certificate/new/structured.json",
        "/queue-domains/process.json",
    )
    for path in paths:
        docs = acmeapp.get(ADMIN + path).json
        assert "account_key_existing" in docs["form_fields_2021"], path
        assert "account_key_file_pem" in docs["form_fields_2021"], path
        assert docs["valid_options_2021"]["account_key_option"] == [
            "account_key_global_default", "account_key_existing", "account_key_reuse", "account_key_file"
        ]
        if "structured" in path:
            assert "private_key_option" not in docs["valid_options_2021"]
        else:
            assert "private_key_file" in docs["valid_options_2021"]["private_key_option"]
            assert "private_key_existing" in docs["form_fields_2021"]
    # a route that places no order lists none
    assert "form_fields_2021" not in acmeapp.get(ADMIN + "/acme-account/upload.json").json


def test_renew_custom_docs_list_the_2021_fields(acmeapp):
    new_account(acmeapp)
    placed = acmeapp.post(
        ADMIN + "/acme-order/new/freeform.json", {"domain_names_http01": "d.example.com", "processing_strategy": "create_order"}
    ).json["AcmeOrder"]
    docs = acmeapp.get(ADMIN + "/acme-order/%s/renew/custom.json" % placed["id"]).json
    assert "private_key_existing" in docs["form_fields_2021"]
