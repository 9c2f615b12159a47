"""The ACME-flow tool (issue 13, item 5): AcmeOrderless routes, HTML and JSON, and the public
responder serving its manual challenges; everything 404 when ``enable_acme_flow`` is off."""

import pytest
import webtest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from peter_sslers.lib import acme_v2
from peter_sslers.model import objects as m
from peter_sslers.model import utils
from tests import factories as f
from tests.browser import BrowserTestApp
from tests.conftest import TEST_HOST
from tests.conftest import count_rows

ADMIN = "/.well-known/admin"
TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"  # 43 characters, like LetsEncrypt's
TOKEN2 = "ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210_-zyxw"
THUMB = "T" * 43
KEYAUTH = TOKEN + "." + THUMB


@pytest.fixture(scope="module")
def app_on(make_app):
    return make_app(enable_acme_flow="true")


@pytest.fixture
def client(app_on, db):
    return BrowserTestApp(app_on, extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})


def new_orderless(client, names="example.com,www.example.com", **fields):
    res = client.post(ADMIN + "/acme-orderless/new.json", dict(domain_names_http01=names, **fields), status=200)
    assert res.json["result"] == "success"
    return res.json["AcmeOrderless"]


def public_get(client, token, host="example.com", status="*"):
    return client.get("/.well-known/acme-challenge/%s" % token, extra_environ={"HTTP_HOST": host}, status=status)


def add(client, orderless_id, status=200, **fields):
    return client.post(ADMIN + "/acme-orderless/%s/add-challenge.json" % orderless_id, fields, status=status)


def real_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


# --- create, list, focus


def test_new_creates_placeholders_for_each_name(client, db):
    o = new_orderless(client, names="WWW.example.com, example.com.")
    assert o["domain_names"] == ["example.com", "www.example.com"]
    assert o["is_processing"] is True and o["acme_account_id"] is None
    assert [(c["domain_name"], c["token"], c["keyauthorization"]) for c in o["acme_orderless_challenges"]] == [
        ("example.com", None, None),
        ("www.example.com", None, None),
    ]
    # the 2021 field name `domain_names` is read too
    res = client.post(ADMIN + "/acme-orderless/new.json", {"domain_names": "other.example.com"}, status=200)
    assert res.json["AcmeOrderless"]["domain_names"] == ["other.example.com"]
    res = client.get(ADMIN + "/acme-orderlesss.json", status=200)
    assert sorted(res.json["AcmeOrderlesss"]) == sorted([o["id"], str(int(o["id"]) + 1)])
    assert res.json["pagination"]["total_items"] == 2
    res = client.get(ADMIN + "/acme-orderlesss", status=200)
    assert "www.example.com" in res.text
    client.get(ADMIN + "/acme-orderlesss/1.json", status=200)
    res = client.get(ADMIN + "/acme-orderless/%s.json" % o["id"], status=200)
    assert res.json["AcmeOrderless"] == o
    res = client.get(ADMIN + "/acme-orderless/%s" % o["id"], status=200)
    assert "www.example.com" in res.text and "Add a challenge" in res.text


def test_the_containers_of_a_domain(client, db, dbsession):
    o1 = new_orderless(client, names="example.com,www.example.com")
    o2 = new_orderless(client, names="example.org")
    res = client.get(ADMIN + "/domain/www.example.com/acme-orderlesss.json", status=200)
    assert list(res.json["AcmeOrderlesss"]) == [o1["id"]]
    res = client.get(ADMIN + "/domain/EXAMPLE.org/acme-orderlesss.json", status=200)
    assert list(res.json["AcmeOrderlesss"]) == [o2["id"]]
    client.get(ADMIN + "/domain/example.org/acme-orderlesss/1.json", status=200)
    assert client.get(ADMIN + "/domain/nothing.example.net/acme-orderlesss.json", status=200).json["AcmeOrderlesss"] == {}
    res = client.get(ADMIN + "/domain/example.org/acme-orderlesss", status=200)
    assert "for example.org" in res.text
    # by a Domain's id; an unknown id and a name no domain can have are 404
    dbDomain = f.make_domain(dbsession, "example.com")
    dbsession.commit()
    res = client.get(ADMIN + "/domain/%s/acme-orderlesss.json" % dbDomain.id, status=200)
    assert list(res.json["AcmeOrderlesss"]) == [o1["id"]]
    assert "containers for this name" in client.get(ADMIN + "/domain/%s" % dbDomain.id, status=200).text
    client.get(ADMIN + "/domain/987654/acme-orderlesss.json", status=404)
    client.get(ADMIN + "/domain/not_a_name/acme-orderlesss.json", status=404)


def test_new_html_form_and_redirect(client, db):
    res = client.get(ADMIN + "/acme-orderless/new", status=200)
    form = res.forms[1]  # 0: the header's search box
    form["domain_names_http01"] = "example.com"
    res = form.submit(status=303)
    assert "/acme-orderless/1?result=success" in res.location
    # a bad name: the form again, 400, nothing kept
    res = client.get(ADMIN + "/acme-orderless/new", status=200)
    form = res.forms[1]  # 0: the header's search box
    form["domain_names_http01"] = "*.example.com"
    res = form.submit(status=400)
    assert "Wildcard" in res.text
    assert count_rows(db, m.AcmeOrderless) == 1


def test_new_json_get_is_documentation(client):
    res = client.get(ADMIN + "/acme-orderless/new.json", status=200)
    assert "domain_names_http01" in res.json["form_fields"]
    assert "HTTP POST" in str(res.json["instructions"])


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"domain_names_http01": ""}, "domain_names_http01"),
        ({"domain_names_http01": "not a name!"}, "domain_names_http01"),
        ({"domain_names_http01": "*.example.com"}, "domain_names_http01"),
        ({"domain_names_http01": "blocked.example.com"}, "domain_names_http01"),
        ({"domain_names_http01": "example.com", "acme_account_id": "987654"}, "acme_account_id"),
        ({"domain_names_http01": "example.com", "acme_account_id": "x"}, "acme_account_id"),
    ],
)
def test_new_bad_input(client, db, dbsession, fields, field):
    dbsession.add(m.DomainBlocklisted(domain_name="blocked.example.com"))
    dbsession.commit()
    res = client.post(ADMIN + "/acme-orderless/new.json", fields, status=400)
    assert res.json["result"] == "error" and field in res.json["form_errors"]
    assert count_rows(db, m.AcmeOrderless) == 0 and count_rows(db, m.AcmeOrderlessChallenge) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/acme-orderless/999",
        "/acme-orderless/999.json",
        "/acme-orderless/999/add-challenge",
        "/acme-orderless/999/add-challenge.json",
        "/acme-orderless/999/update.json",
        "/acme-orderless/999/deactivate",
        "/acme-orderless/999/deactivate.json",
        "/acme-orderless/999/acme-challenge/1.json",
        "/acme-orderless/99999999999999999999.json",
    ],
)
def test_unknown_ids_are_404(client, db, path):
    client.get(ADMIN + path, status=404)
    if "/" in path.split("999", 1)[1]:  # an action: POST too
        client.post(ADMIN + path, {}, status=404)


def test_challenge_of_another_orderless_is_404(client, db):
    o1 = new_orderless(client, names="example.com")
    o2 = new_orderless(client, names="example.org")
    c2 = o2["acme_orderless_challenges"][0]["id"]
    client.get(ADMIN + "/acme-orderless/%s/acme-challenge/%s.json" % (o1["id"], c2), status=404)
    res = client.get(ADMIN + "/acme-orderless/%s/acme-challenge/%s.json" % (o2["id"], c2), status=200)
    assert res.json["AcmeOrderlessChallenge"]["domain_name"] == "example.org"
    res = client.get(ADMIN + "/acme-orderless/%s/acme-challenge/%s" % (o2["id"], c2), status=200)
    assert "example.org" in res.text


# --- add-challenge, update, and the responder


def test_add_challenge_is_served_then_not_after_deactivate(client, db):
    o = new_orderless(client)
    public_get(client, TOKEN, status=404)
    res = add(client, o["id"], domain="Example.com", token=TOKEN, keyauthorization=KEYAUTH)
    challenge = res.json["AcmeOrderlessChallenge"]
    assert (challenge["domain_name"], challenge["token"], challenge["keyauthorization"]) == (
        "example.com",
        TOKEN,
        KEYAUTH,
    )
    res = public_get(client, TOKEN, status=200)
    assert res.text == KEYAUTH and res.content_type == "text/plain"
    public_get(client, TOKEN, host="example.com:80", status=200)
    # the Host must be the challenge's name
    public_get(client, TOKEN, host="www.example.com", status=404)
    res = client.get(ADMIN + "/acme-orderless/%s/acme-challenge/%s.json" % (o["id"], challenge["id"]), status=200)
    assert res.json["AcmeOrderlessChallenge"]["count_polled"] == 2
    assert res.json["AcmeOrderlessChallenge"]["timestamp_polled_last"] is not None
    # GET on deactivate documents it (JSON) or goes back with an error (HTML); nothing changes
    res = client.get(ADMIN + "/acme-orderless/%s/deactivate.json" % o["id"], status=200)
    assert "HTTP POST" in str(res.json["instructions"])
    res = client.get(ADMIN + "/acme-orderless/%s/deactivate" % o["id"], status=303)
    assert "result=error" in res.location
    public_get(client, TOKEN, status=200)
    res = client.post(ADMIN + "/acme-orderless/%s/deactivate.json" % o["id"], {}, status=200)
    assert res.json["AcmeOrderless"]["is_processing"] is False
    assert res.json["AcmeOrderless"]["timestamp_finalized"] is not None
    public_get(client, TOKEN, status=404)
    # deactivated: no more changes, and not twice
    res = client.post(ADMIN + "/acme-orderless/%s/deactivate.json" % o["id"], {}, status=400)
    assert "already deactivated" in res.json["error"]
    add(client, o["id"], status=400, domain="example.com", token=TOKEN2, keyauthorization=TOKEN2 + "." + THUMB)
    client.post(ADMIN + "/acme-orderless/%s/update.json" % o["id"], {"%s_token" % challenge["id"]: ""}, status=400)
    # the token of a deactivated challenge may be used again
    o2 = new_orderless(client)
    add(client, o2["id"], domain="example.com", token=TOKEN, keyauthorization=KEYAUTH)
    assert public_get(client, TOKEN, status=200).text == KEYAUTH


def test_deactivate_html(client, db):
    o = new_orderless(client)
    res = client.get(ADMIN + "/acme-orderless/%s" % o["id"], status=200)
    res = [fm for fm in res.forms.values() if fm.action.endswith("/deactivate")][0].submit(status=303)
    assert "result=success&operation=deactivate" in res.location
    res = client.get(res.location, status=200)
    assert "deactivated" in res.text and "Add a challenge" not in res.text


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"domain": "other.example.com", "token": TOKEN, "keyauthorization": KEYAUTH}, "domain"),
        ({"domain": "not a name", "token": TOKEN, "keyauthorization": KEYAUTH}, "domain"),
        ({"domain": "example.com", "token": "short", "keyauthorization": "short." + THUMB}, "token"),
        ({"domain": "example.com", "token": TOKEN + "=", "keyauthorization": KEYAUTH}, "token"),
        ({"domain": "example.com", "token": "t" * 129, "keyauthorization": "t" * 129 + "." + THUMB}, "token"),
        ({"domain": "example.com", "token": TOKEN, "keyauthorization": TOKEN2 + "." + THUMB}, "keyauthorization"),
        ({"domain": "example.com", "token": TOKEN, "keyauthorization": TOKEN + ".short"}, "keyauthorization"),
        ({"domain": "example.com", "token": TOKEN, "keyauthorization": TOKEN}, "keyauthorization"),
        ({"domain": "example.com", "token": TOKEN}, "keyauthorization"),  # no account to compute it
        ({"domain": "example.com", "keyauthorization": KEYAUTH}, "token"),
        ({"domain": "example.com", "acme_challenge_type": "dns-01", "token": TOKEN, "keyauthorization": KEYAUTH},
         "acme_challenge_type"),
    ],
)
def test_add_challenge_bad_input(client, db, fields, field):
    o = new_orderless(client)
    res = add(client, o["id"], status=400, **fields)
    assert res.json["result"] == "error" and field in res.json["form_errors"], res.json
    assert count_rows(db, m.AcmeOrderlessChallenge) == 2
    public_get(client, TOKEN, status=404)


def test_add_challenge_html_form_and_errors(client, db):
    o = new_orderless(client)
    res = client.get(ADMIN + "/acme-orderless/%s/add-challenge" % o["id"], status=200)
    form = [fm for fm in res.forms.values() if fm.action.endswith("/add-challenge")][0]
    form["domain"] = "www.example.com"
    form["token"] = TOKEN
    form["keyauthorization"] = "wrong"
    res = form.submit(status=400)
    assert "keyauthorization" in res.text
    res = client.get(ADMIN + "/acme-orderless/%s" % o["id"], status=200)
    form = [fm for fm in res.forms.values() if fm.action.endswith("/add-challenge")][0]
    form["domain"] = "www.example.com"
    form["token"] = TOKEN
    form["keyauthorization"] = KEYAUTH
    res = form.submit(status=303)
    assert "result=success&operation=add-challenge" in res.location
    assert public_get(client, TOKEN, host="www.example.com", status=200).text == KEYAUTH
    res = client.get(ADMIN + "/acme-orderless/%s/add-challenge.json" % o["id"], status=200)
    assert "token" in res.json["form_fields"]


def test_duplicate_tokens_are_refused(client, db, dbsession):
    o = new_orderless(client)
    add(client, o["id"], domain="example.com", token=TOKEN, keyauthorization=KEYAUTH)
    # the same token again, here or in another live AcmeOrderless
    res = add(client, o["id"], status=400, domain="www.example.com", token=TOKEN, keyauthorization=KEYAUTH)
    assert "already used" in res.json["form_errors"]["token"]
    o2 = new_orderless(client, names="example.org")
    add(client, o2["id"], status=400, domain="example.org", token=TOKEN, keyauthorization=KEYAUTH)
    # a real challenge still in play holds its token too
    f.make_challenge(dbsession, domain_name="example.net", token=TOKEN2)
    dbsession.commit()
    res = add(client, o2["id"], status=400, domain="example.org", token=TOKEN2, keyauthorization=TOKEN2 + "." + THUMB)
    assert "already used" in res.json["error"]


def test_competing_names_are_refused(client, db, dbsession, make_app):
    """`block_competing_challenges`: a name another AcmeOrderless or a pending AcmeOrder is still
    validating; free again once that is deactivated or finished."""
    o = new_orderless(client, names="example.com")
    res = client.post(ADMIN + "/acme-orderless/new.json", {"domain_names_http01": "www.example.com,example.com"},
                      status=400)
    assert "AcmeOrderless %s" % o["id"] in res.json["form_errors"]["domain_names_http01"]
    client.post(ADMIN + "/acme-orderless/%s/deactivate.json" % o["id"], {}, status=200)
    new_orderless(client, names="www.example.com,example.com")
    dbOrder = f.make_acme_order(dbsession, fqdn_set=f.make_fqdn_set(dbsession, ["example.net"]))
    dbOrder.acme_status_order_id = utils.Acme_Status_Order.PENDING
    dbOrder.is_processing = True
    dbsession.commit()
    res = client.post(ADMIN + "/acme-orderless/new.json", {"domain_names_http01": "example.net"}, status=400)
    assert "AcmeOrder %s" % dbOrder.id in res.json["error"]
    # the option off: no such check
    relaxed = BrowserTestApp(make_app(enable_acme_flow="true", block_competing_challenges="false"),
                             extra_environ={"HTTP_HOST": TEST_HOST})
    res = relaxed.post(ADMIN + "/acme-orderless/new.json", {"domain_names_http01": "example.net"}, status=200)
    client.post(ADMIN + "/acme-orderless/%s/deactivate.json" % res.json["AcmeOrderless"]["id"], {}, status=200)
    dbOrder.acme_status_order_id = utils.Acme_Status_Order.VALID
    dbsession.commit()
    new_orderless(client, names="example.net,example.org")


def test_update_edits_and_clears(client, db):
    o = new_orderless(client)
    c1, c2 = [c["id"] for c in o["acme_orderless_challenges"]]
    url = ADMIN + "/acme-orderless/%s/update.json" % o["id"]
    res = client.post(
        url,
        {"%s_token" % c1: TOKEN, "%s_keyauthorization" % c1: KEYAUTH, "csrf_token": "ignored", "other": "x"},
        status=200,
    )
    assert res.json["changed"] == [c1]
    assert public_get(client, TOKEN, status=200).text == KEYAUTH
    # the same values again: nothing changed
    res = client.post(url, {"%s_token" % c1: TOKEN, "%s_keyauthorization" % c1: KEYAUTH}, status=200)
    assert res.json["changed"] == []
    # the token moves to the other name: old one no longer served
    res = client.post(
        url,
        {"%s_token" % c1: "", "%s_token" % c2: TOKEN, "%s_keyauthorization" % c2: KEYAUTH},
        status=200,
    )
    assert sorted(res.json["changed"]) == sorted([c1, c2])
    public_get(client, TOKEN, host="example.com", status=404)
    assert public_get(client, TOKEN, host="www.example.com", status=200).text == KEYAUTH
    # GET documents (JSON) or shows the form (HTML)
    res = client.get(url, status=200)
    assert "{challenge_id}_token" in res.json["form_fields"]
    res = client.get(ADMIN + "/acme-orderless/%s/update" % o["id"], status=200)
    form = [fm for fm in res.forms.values() if fm.action.endswith("/update")][0]
    form["%s_token" % c1] = TOKEN2
    form["%s_keyauthorization" % c1] = TOKEN2 + "." + THUMB
    res = form.submit(status=303)
    assert "result=success&operation=update" in res.location
    assert public_get(client, TOKEN2, status=200).text == TOKEN2 + "." + THUMB


@pytest.mark.parametrize(
    "fields_of",
    [
        lambda c1, c2, other: {},  # nothing to update
        lambda c1, c2, other: {"%s_token" % other: TOKEN, "%s_keyauthorization" % other: KEYAUTH},
        lambda c1, c2, other: {"%s_token" % c1: "bad token", "%s_keyauthorization" % c1: KEYAUTH},
        lambda c1, c2, other: {"%s_token" % c1: TOKEN, "%s_keyauthorization" % c1: TOKEN2 + "." + THUMB},
        # the same token twice in one request
        lambda c1, c2, other: {
            "%s_token" % c1: TOKEN, "%s_keyauthorization" % c1: KEYAUTH,
            "%s_token" % c2: TOKEN, "%s_keyauthorization" % c2: KEYAUTH,
        },
        # a good change beside a bad one: neither is kept
        lambda c1, c2, other: {
            "%s_token" % c1: TOKEN, "%s_keyauthorization" % c1: KEYAUTH, "%s_token" % c2: "x",
        },
    ],
)
def test_update_bad_input_changes_nothing(client, db, fields_of):
    o = new_orderless(client)
    other = new_orderless(client, names="example.org")["acme_orderless_challenges"][0]["id"]
    c1, c2 = [c["id"] for c in o["acme_orderless_challenges"]]
    res = client.post(ADMIN + "/acme-orderless/%s/update.json" % o["id"], fields_of(c1, c2, other), status=400)
    assert res.json["result"] == "error"
    res = client.get(ADMIN + "/acme-orderless/%s.json" % o["id"], status=200)
    assert [c["token"] for c in res.json["AcmeOrderless"]["acme_orderless_challenges"]] == [None, None]
    public_get(client, TOKEN, status=404)


def test_account_thumbprint_is_checked_and_computed(client, db, dbsession):
    account = f.make_account(dbsession)
    f.make_account_key(dbsession, account, key_pem=real_key_pem())
    keyless = f.make_account(dbsession)
    dbsession.commit()
    thumbprint = acme_v2.AcmeKey(account.acme_account_key.key_pem).thumbprint
    res = client.post(
        ADMIN + "/acme-orderless/new.json",
        {"domain_names_http01": "example.com", "acme_account_id": str(keyless.id)},
        status=400,
    )
    assert "no active key" in res.json["form_errors"]["acme_account_id"]
    o = new_orderless(client, names="example.com", acme_account_id=str(account.id))
    assert o["acme_account_id"] == str(account.id)
    # another key's thumbprint is refused
    res = add(client, o["id"], status=400, domain="example.com", token=TOKEN, keyauthorization=KEYAUTH)
    assert "thumbprint" in res.json["form_errors"]["keyauthorization"]
    # left out: computed from the account's key
    res = add(client, o["id"], domain="example.com", token=TOKEN)
    assert res.json["AcmeOrderlessChallenge"]["keyauthorization"] == TOKEN + "." + thumbprint
    assert public_get(client, TOKEN, status=200).text == TOKEN + "." + thumbprint


def test_blocklisted_name_is_not_served(client, db, dbsession):
    o = new_orderless(client)
    add(client, o["id"], domain="example.com", token=TOKEN, keyauthorization=KEYAUTH)
    dbsession.add(m.DomainBlocklisted(domain_name="example.com"))
    dbsession.commit()
    public_get(client, TOKEN, status=404)
    # and it gets no new challenge (docs/Blocklist.md)
    before = count_rows(db, m.AcmeOrderlessChallenge)
    res = add(client, o["id"], status=400, domain="Example.com")
    assert res.json["form_errors"]["domain"] == "Blocklisted: example.com. A blocklisted name is never certified."
    assert count_rows(db, m.AcmeOrderlessChallenge) == before


def test_real_challenges_first_and_the_hit_is_cheap(client, db, dbsession, count_queries):
    """A real challenge's lookup is untouched (one indexed query); a manual one is the second."""
    dbReal = f.make_challenge(dbsession, domain_name="example.net", token=TOKEN2)
    dbsession.commit()
    o = new_orderless(client)
    add(client, o["id"], domain="example.com", token=TOKEN, keyauthorization=KEYAUTH)
    public_get(client, TOKEN2, host="example.net", status=200)  # warm the remote address row
    with count_queries() as counter:
        assert public_get(client, TOKEN2, host="example.net", status=200).text == dbReal.keyauthorization
    statements = [s.lstrip().upper() for s in counter.statements]
    assert len([s for s in statements if s.startswith("SELECT")]) == 2, statements
    assert "ACME_ORDERLESS" not in " ".join(statements)
    with count_queries() as counter:
        assert public_get(client, TOKEN, status=200).text == KEYAUTH
    statements = [s.lstrip().upper() for s in counter.statements]
    assert len([s for s in statements if s.startswith("SELECT")]) == 2, statements
    assert len([s for s in statements if s.startswith("UPDATE")]) == 1, statements
    assert not [s for s in statements if s.startswith("INSERT")], statements
    assert count_rows(db, m.AcmeChallengePoll) == 2  # the real challenge's two hits; the manual one counts on its row


# --- the option off


def test_everything_is_404_when_the_option_is_off(client, db, app):
    """`app` is the suite's app (test.ini: enable_acme_flow = false) on the same database."""
    o = new_orderless(client)
    add(client, o["id"], domain="example.com", token=TOKEN, keyauthorization=KEYAUTH)
    c = o["acme_orderless_challenges"][0]["id"]
    off = webtest.TestApp(app, extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})
    paths = [
        "/acme-orderlesss", "/acme-orderlesss/1", "/acme-orderless/new",
        "/acme-orderless/%s" % o["id"], "/acme-orderless/%s/add-challenge" % o["id"],
        "/acme-orderless/%s/update" % o["id"], "/acme-orderless/%s/deactivate" % o["id"],
        "/acme-orderless/%s/acme-challenge/%s" % (o["id"], c),
        "/domain/example.com/acme-orderlesss",
    ]
    for path in paths:
        off.get(ADMIN + path, status=404)
        res = off.get(ADMIN + path + ".json", status=404)
        assert res.content_type == "application/json", path
        off.post(ADMIN + path + ".json", {"domain": "example.com"}, status=404)
    # the responder ignores the manual challenges; the tool's app still serves them
    res = off.get("/.well-known/acme-challenge/%s" % TOKEN, extra_environ={"HTTP_HOST": "example.com"}, status=404)
    assert KEYAUTH not in res.text
    public_get(client, TOKEN, status=200)
    # nothing the tool has shows in the admin's documentation or index
    assert "acme-orderless" not in off.get(ADMIN + "/api.json", status=200).text
    assert "acme-orderless" not in off.get(ADMIN, status=200).text
    assert "acme-orderless" in client.get(ADMIN + "/api.json", status=200).text
    assert "acme-orderless" in client.get(ADMIN, status=200).text
    assert count_rows(db, m.AcmeOrderless) == 1


def test_a_miss_with_the_option_on_is_three_queries_and_no_write(client, db, count_queries):
    with count_queries() as counter:
        public_get(client, "unknownToken", status=404)
    statements = [s.lstrip().upper() for s in counter.statements]
    assert len([s for s in statements if s.startswith("SELECT")]) == 3, statements
    assert not [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))], statements



def test_gets_and_other_methods_on_the_actions_change_nothing(client, db):
    """tests/web/test_actions.py's checks, over the tool's routes (absent from the suite's app)."""
    from tests.web.test_actions import HOSTILE_QUERY
    from tests.web.test_actions import action_routes
    from tests.web.test_actions import fill
    from tests.web.test_actions import table_counts

    new_orderless(client, names="example.com")  # id 1, its challenge id 1
    routes = [r for r in action_routes(client.app.registry) if "orderless" in r[0]]
    assert len(routes) == 8, routes
    before = table_counts(db)
    for name, pattern in routes:
        path = fill(pattern)
        res = client.get(path + HOSTILE_QUERY, status="*")
        assert res.status_int < 500, (name, path, res.status)
        if name.endswith("|json"):
            assert res.status_int == 200 and res.json["method"] == "POST", (name, res.text[:200])
        for method in ("HEAD", "PUT", "DELETE", "OPTIONS"):
            res = client.request(path + HOSTILE_QUERY, method=method, status="*")
            assert res.status_int < 500, (method, name, res.status)
        assert table_counts(db) == before, (name, path)
    # and every GET route of the tool
    from pyramid.interfaces import IRoutesMapper

    for route in client.app.registry.getUtility(IRoutesMapper).get_routes():
        if "orderless" in route.name:
            res = client.get(fill("/" + route.pattern.lstrip("/")) + HOSTILE_QUERY, status="*")
            assert res.status_int < 500, (route.name, res.status)
    assert table_counts(db) == before


# --- the challenge URL (the 2021 `challenge_url`)

CHALLENGE_URL = "https://acme.example/acme/chall/Ab12Cd"


def test_challenge_url_add_show_edit_clear(client, db):
    o = new_orderless(client)
    c1, c2 = [c["id"] for c in o["acme_orderless_challenges"]]
    res = add(client, o["id"], domain="example.com", token=TOKEN, keyauthorization=KEYAUTH,
              challenge_url=" %s " % CHALLENGE_URL)
    added = res.json["AcmeOrderlessChallenge"]
    assert added["challenge_url"] == CHALLENGE_URL
    # a placeholder may carry one too; none given: null
    placeholder = add(client, o["id"], domain="www.example.com", challenge_url="http://127.0.0.1:14000/chall/1")
    assert placeholder.json["AcmeOrderlessChallenge"]["challenge_url"] == "http://127.0.0.1:14000/chall/1"
    assert [c["challenge_url"] for c in o["acme_orderless_challenges"]] == [None, None]
    # shown on the container's page and the challenge's
    page = client.get(ADMIN + "/acme-orderless/%s" % o["id"]).text
    assert CHALLENGE_URL in page and 'name="%s_url"' % c1 in page
    assert CHALLENGE_URL in client.get(
        ADMIN + "/acme-orderless/%s/acme-challenge/%s" % (o["id"], added["id"])).text
    docs = client.get(ADMIN + "/acme-orderless/%s/add-challenge.json" % o["id"]).json
    assert "challenge_url" in docs["form_fields"]
    assert "{challenge_id}_url" in client.get(ADMIN + "/acme-orderless/%s/update.json" % o["id"]).json["form_fields"]
    # update: `<id>_url` alone sets the URL and leaves the token as it is
    url = ADMIN + "/acme-orderless/%s/update.json" % o["id"]
    res = client.post(url, {"%s_url" % added["id"]: "https://acme.example/acme/chall/Other"})
    assert res.json["changed"] == [added["id"]]
    challenge = [c for c in res.json["AcmeOrderless"]["acme_orderless_challenges"] if c["id"] == added["id"]][0]
    assert challenge["challenge_url"] == "https://acme.example/acme/chall/Other" and challenge["token"] == TOKEN
    assert public_get(client, TOKEN, status=200).text == KEYAUTH
    # with a token as well; the same values again change nothing
    fields = {"%s_token" % c1: TOKEN2, "%s_keyauthorization" % c1: TOKEN2 + "." + THUMB, "%s_url" % c1: CHALLENGE_URL}
    assert client.post(url, fields).json["changed"] == [c1]
    assert client.post(url, fields).json["changed"] == []
    # empty: cleared
    res = client.post(url, {"%s_url" % c1: ""})
    assert res.json["changed"] == [c1]
    challenge = [c for c in res.json["AcmeOrderless"]["acme_orderless_challenges"] if c["id"] == c1][0]
    assert challenge["challenge_url"] is None and challenge["token"] == TOKEN2
    assert c2  # untouched throughout
    # the HTML form edits it too
    res = client.get(ADMIN + "/acme-orderless/%s/update" % o["id"])
    form = [fm for fm in res.forms.values() if fm.action.endswith("/update")][0]
    form["%s_url" % c2] = CHALLENGE_URL + "2"
    assert "result=success&operation=update" in form.submit(status=303).location
    res = client.get(ADMIN + "/acme-orderless/%s.json" % o["id"]).json
    assert [c["challenge_url"] for c in res["AcmeOrderless"]["acme_orderless_challenges"] if c["id"] == c2] == [
        CHALLENGE_URL + "2"
    ]


BAD_CHALLENGE_URLS = [
    "acme.example/chall/1",  # no scheme
    "ftp://acme.example/chall/1",
    "javascript:alert(1)",
    "https://",  # no host
    "https://user:pass@acme.example/chall/1",
    "https://acme.example/chall/1#fragment",
    "https://acme.example/chall 1",
    "https://acme.example:99999/chall/1",
    "https://acme.example/" + "c" * 250,  # longer than the column
]


@pytest.mark.parametrize("bad", BAD_CHALLENGE_URLS)
def test_challenge_url_bad_values_change_nothing(client, db, bad):
    o = new_orderless(client)
    c1 = o["acme_orderless_challenges"][0]["id"]
    res = add(client, o["id"], status=400, domain="example.com", token=TOKEN, keyauthorization=KEYAUTH,
              challenge_url=bad)
    assert res.json["result"] == "error" and "challenge_url" in res.json["form_errors"], res.json
    assert count_rows(db, m.AcmeOrderlessChallenge) == 2
    public_get(client, TOKEN, status=404)
    res = client.post(
        ADMIN + "/acme-orderless/%s/update.json" % o["id"],
        {"%s_token" % c1: TOKEN, "%s_keyauthorization" % c1: KEYAUTH, "%s_url" % c1: bad},
        status=400,
    )
    assert res.json["result"] == "error" and "%s_url" % c1 in res.json["form_errors"], res.json
    res = client.get(ADMIN + "/acme-orderless/%s.json" % o["id"]).json
    assert [(c["token"], c["challenge_url"]) for c in res["AcmeOrderless"]["acme_orderless_challenges"]] == [
        (None, None), (None, None)
    ]
    page = client.post(ADMIN + "/acme-orderless/%s/add-challenge" % o["id"],
                       {"domain": "example.com", "challenge_url": bad}, status=400)
    assert "Nothing was changed" in page.text


# --- the operations log


def _events(db):
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    with Session(bind=db) as s:
        events = [(utils.OperationsEventType.as_string(e.operations_event_type_id), e.event_payload_json)
                  for e in s.scalars(sa.select(m.OperationsEvent).order_by(m.OperationsEvent.id))]
        objects = [(utils.OperationsEventType.as_string(o.operations_object_event_status_id), o.acme_orderless_id)
                   for o in s.scalars(sa.select(m.OperationsObjectEvent).order_by(m.OperationsObjectEvent.id))]
    return events, objects


def test_each_action_is_logged(client, db):
    before_events, before_objects = _events(db)
    o = new_orderless(client)
    oid = int(o["id"])
    c1 = o["acme_orderless_challenges"][0]["id"]
    added = add(client, o["id"], domain="www.example.com", token=TOKEN, keyauthorization=KEYAUTH,
                challenge_url=CHALLENGE_URL).json["AcmeOrderlessChallenge"]
    client.post(ADMIN + "/acme-orderless/%s/update.json" % o["id"], {"%s_url" % c1: CHALLENGE_URL + "/x"})
    client.post(ADMIN + "/acme-orderless/%s/update.json" % o["id"], {"%s_url" % c1: CHALLENGE_URL + "/x"})  # no change
    client.post(ADMIN + "/acme-orderless/%s/deactivate.json" % o["id"], {})
    # refused actions log nothing
    client.post(ADMIN + "/acme-orderless/%s/deactivate.json" % o["id"], {}, status=400)
    add(client, o["id"], status=400, domain="example.com")
    events, objects = _events(db)
    events, objects = events[len(before_events):], objects[len(before_objects):]
    assert [name for name, _ in events] == [
        "AcmeOrderless__insert", "AcmeOrderless__add_challenge", "AcmeOrderless__update", "AcmeOrderless__deactivate"
    ]
    assert objects == [(name, oid) for name, _ in events]
    payloads = dict(events)
    assert payloads["AcmeOrderless__insert"]["domain_names"] == ["example.com", "www.example.com"]
    assert payloads["AcmeOrderless__add_challenge"]["acme_orderless_challenge_id"] == int(added["id"])
    assert payloads["AcmeOrderless__add_challenge"]["challenge_url"] == CHALLENGE_URL
    assert payloads["AcmeOrderless__update"]["acme_orderless_challenge_ids"] == [c1]
    assert all(p["acme_orderless_id"] == oid for p in payloads.values())
    # the operations log shows them
    listing = client.get(ADMIN + "/operations/log.json").json
    assert "AcmeOrderless__deactivate" in str(listing)
