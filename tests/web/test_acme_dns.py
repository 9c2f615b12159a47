"""acme-dns servers and accounts: every route (HTML and JSON), good and bad input, against the
stand-in acme-dns (tests/acme_dns_standin.py) and a loopback DNS stub for the CNAME audit."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from peter_sslers.lib import errors
from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import acme_dns as db_acme_dns
from peter_sslers.model import objects as m
from tests.acme_dns_standin import AcmeDnsStandin
from tests.acme_dns_standin import CnameDnsStub
from tests.browser import BrowserTestApp
from tests.conftest import TEST_HOST
from tests.conftest import count_rows
from tests.lib.test_acme_dns import closed_port_url

ADMIN = "/.well-known/admin"
TXT = "T" * 43


@pytest.fixture(scope="module")
def standin():
    server = AcmeDnsStandin().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dns_stub():
    stub = CnameDnsStub().start()
    yield stub
    stub.stop()


@pytest.fixture(scope="module")
def acme_dns_app(make_app, dns_stub):
    return make_app(acme_dns_audit_resolver=dns_stub.address, acme_dns_timeout="2")


@pytest.fixture
def client(acme_dns_app, db, standin, dns_stub):
    standin.reset()
    dns_stub.cnames.clear()
    return BrowserTestApp(acme_dns_app, extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})


def new_server(client, root_url, **fields) -> dict:
    res = client.post(ADMIN + "/acme-dns-server/new.json", dict(root_url=root_url, **fields))
    assert res.json["result"] == "success"
    return res.json["AcmeDnsServer"]


def ensure(client, server_id, names, status=200, **fields):
    return client.post(
        ADMIN + "/acme-dns-server/%s/ensure-domains.json" % server_id, dict(domain_names=names, **fields), status=status
    )


# --- servers


def test_server_new_list_focus(client, db, standin):
    page = client.get(ADMIN + "/acme-dns-server/new")
    assert "csrf_token" in page.text
    docs = client.get(ADMIN + "/acme-dns-server/new.json").json
    assert "root_url" in docs["form_fields"]
    res = client.post(ADMIN + "/acme-dns-server/new.json", {"root_url": standin.url + "/", "is_global_default": "1"})
    assert res.json["is_created"] is True
    server = res.json["AcmeDnsServer"]
    assert server["root_url"] == standin.url and server["is_global_default"] is True and server["is_active"] is True
    again = client.post(ADMIN + "/acme-dns-server/new.json", {"root_url": standin.url})
    assert again.json["is_created"] is False and again.json["AcmeDnsServer"]["id"] == server["id"]
    html = client.post(ADMIN + "/acme-dns-server/new", {"root_url": "http://127.0.0.1:1"}, status=303)
    assert "/acme-dns-server/" in html.location and "is_created=true" in html.location
    assert count_rows(db, m.AcmeDnsServer) == 2
    listing = client.get(ADMIN + "/acme-dns-servers.json").json
    assert set(listing["AcmeDnsServers"]) == {server["id"], str(int(server["id"]) + 1)}
    assert listing["pagination"]["total_items"] == 2
    assert standin.url in client.get(ADMIN + "/acme-dns-servers").text
    client.get(ADMIN + "/acme-dns-servers/1")
    focus = client.get(ADMIN + "/acme-dns-server/%s.json" % server["id"]).json
    assert focus["AcmeDnsServer"]["root_url"] == standin.url and focus["AcmeDnsServerAccounts_5"] == []
    assert "Check /health now" in client.get(ADMIN + "/acme-dns-server/%s" % server["id"]).text


@pytest.mark.parametrize("root_url", ["", "auth.example.com", "ftp://auth.example.com", "https://u:p@auth.example.com"])
def test_server_new_bad_url(client, db, root_url):
    res = client.post(ADMIN + "/acme-dns-server/new.json", {"root_url": root_url}, status=400)
    assert res.json["result"] == "error" and "root_url" in res.json["form_errors"]
    page = client.post(ADMIN + "/acme-dns-server/new", {"root_url": root_url or "x"}, status=400)
    assert "Nothing was changed" in page.text
    assert count_rows(db, m.AcmeDnsServer) == 0


def test_server_edit(client, db, standin):
    server = new_server(client, "http://127.0.0.1:1")
    other = new_server(client, "http://127.0.0.1:2")
    url = ADMIN + "/acme-dns-server/%s/edit" % server["id"]
    assert "http://127.0.0.1:1" in client.get(url).text
    assert "root_url" in client.get(url + ".json").json["form_fields"]
    res = client.post(url + ".json", {"root_url": standin.url})
    assert res.json["AcmeDnsServer"]["root_url"] == standin.url
    for bad, field in ((standin.url, "root_url"), (other["root_url"], "root_url"), ("nope", "root_url")):
        res = client.post(url + ".json", {"root_url": bad}, status=400)
        assert field in res.json["form_errors"]
    assert client.post(url, {"root_url": "http://127.0.0.1:3"}, status=303).location.endswith("operation=edit")
    with Session(bind=db) as s:
        assert s.get(m.AcmeDnsServer, int(server["id"])).root_url == "http://127.0.0.1:3"


def test_server_mark(client, db):
    one = new_server(client, "http://127.0.0.1:1", is_global_default="1")
    two = new_server(client, "http://127.0.0.1:2")
    mark = ADMIN + "/acme-dns-server/%s/mark.json"
    assert client.get(mark % one["id"]).json["valid_options"]["action"] == ["active", "inactive", "global_default"]
    res = client.post(mark % two["id"], {"action": "global_default"})
    assert res.json["AcmeDnsServer"]["is_global_default"] is True
    assert client.get(ADMIN + "/acme-dns-server/%s.json" % one["id"]).json["AcmeDnsServer"]["is_global_default"] is False
    # inactive also stops it being the default
    res = client.post(mark % two["id"], {"action": "inactive"})
    assert res.json["AcmeDnsServer"]["is_active"] is False and res.json["AcmeDnsServer"]["is_global_default"] is False
    for action, message in (("inactive", "Already inactive"), ("global_default", "inactive server"), ("bogus", "Not one of")):
        res = client.post(mark % two["id"], {"action": action}, status=400)
        assert message in res.json["form_errors"]["action"]
    assert client.post(mark % two["id"], {"action": "active"}).json["AcmeDnsServer"]["is_active"] is True
    html = client.post(ADMIN + "/acme-dns-server/%s/mark" % one["id"], {"action": "active"}, status=303)
    assert "result=error" in html.location
    assert "result=error" in client.get(ADMIN + "/acme-dns-server/%s/mark" % one["id"], status=303).location


def test_server_check(client, db, standin):
    server = new_server(client, standin.url)
    res = client.post(ADMIN + "/acme-dns-server/%s/check.json" % server["id"])
    assert res.json["health"] is True and res.json["AcmeDnsServer"]["timestamp_last_healthy"]
    assert client.post(ADMIN + "/acme-dns-server/%s/check" % server["id"], status=303).location.endswith("operation=check")
    standin.fail_status = 500
    res = client.post(ADMIN + "/acme-dns-server/%s/check.json" % server["id"], status=502)
    assert res.json["service"] == "acme-dns" and "HTTP 500" in res.json["error"]
    down = new_server(client, closed_port_url())
    res = client.post(ADMIN + "/acme-dns-server/%s/check.json" % down["id"], status=503)
    assert "could not be reached" in res.json["error"]
    with Session(bind=db) as s:
        assert s.get(m.AcmeDnsServer, int(down["id"])).timestamp_last_healthy is None


# --- accounts


def test_ensure_domains_register_and_update_txt(client, db, standin, app_settings):
    server = new_server(client, standin.url, is_global_default="1")
    assert "csrf_token" in client.get(ADMIN + "/acme-dns-server/%s/ensure-domains" % server["id"]).text
    res = ensure(client, server["id"], "Example.com, *.example.com, www.example.org")
    matrix = res.json["result_matrix"]
    assert set(matrix) == {"example.com", "www.example.org"}  # the wildcard is its base name
    assert all(row["is_created"] for row in matrix.values())
    row = matrix["example.com"]
    assert row["AcmeDnsServerAccount"]["cname_record"] == "_acme-challenge.example.com. CNAME %s." % (
        row["AcmeDnsServerAccount"]["fulldomain"]
    )
    assert len(standin.users) == 2
    again = ensure(client, server["id"], "example.com")
    assert again.json["result_matrix"]["example.com"]["is_created"] is False
    assert len(standin.users) == 2 and count_rows(db, m.AcmeDnsServerAccount) == 2
    # the server learned its zone
    assert client.get(ADMIN + "/acme-dns-server/%s.json" % server["id"]).json["AcmeDnsServer"]["domain"] == standin.domain

    # what the order flow calls
    with Session(bind=db) as s:
        ctx = ApiContext(s, app_settings)
        account = db_acme_dns.account_for_domain(ctx, "*.example.com")
        assert account.id == int(row["AcmeDnsServerAccount"]["id"])
        assert db_acme_dns.account_for_domain(ctx, "other.example.com") is None
        assert db_acme_dns.update_txt(ctx, account, TXT) == TXT
        s.commit()
        assert standin.txt_values(account.fulldomain) == [TXT]
        assert account.timestamp_last_update is not None
        # the server forgot the user: 401, a clear error
        standin.reset()
        with pytest.raises(errors.AcmeDnsServerError) as info:
            db_acme_dns.update_txt(ctx, account, TXT)
        assert info.value.status == 401 and account.password not in info.value.message
        with pytest.raises(errors.InvalidRequest):
            db_acme_dns.update_txt(ctx, account, "too-short")


def test_ensure_domains_html_and_results(client, db, standin):
    server = new_server(client, standin.url)
    res = client.post(
        ADMIN + "/acme-dns-server/%s/ensure-domains" % server["id"], {"domain_names": "a.example.com,b.example.com"}, status=303
    )
    assert "/ensure-domains-results?acme-dns-server-accounts=" in res.location
    page = client.get(res.location)
    assert "_acme-challenge.a.example.com. CNAME" in page.text and "_acme-challenge.b.example.com. CNAME" in page.text
    ids = res.location.split("acme-dns-server-accounts=")[1].split("&")[0].replace("%2C", ",")
    results = client.get(
        ADMIN + "/acme-dns-server/%s/ensure-domains-results.json" % server["id"], {"acme-dns-server-accounts": ids}
    ).json
    assert set(results["result_matrix"]) == {"a.example.com", "b.example.com"}
    client.get(
        ADMIN + "/acme-dns-server/%s/ensure-domains-results.json" % server["id"], {"acme-dns-server-accounts": "x"}, status=404
    )
    accounts = client.get(ADMIN + "/acme-dns-server/%s/acme-dns-server-accounts.json" % server["id"]).json
    assert len(accounts["AcmeDnsServerAccounts"]) == 2
    assert "a.example.com" in client.get(ADMIN + "/acme-dns-server/%s/acme-dns-server-accounts" % server["id"]).text
    # the server's page lists them
    assert "a.example.com" in client.get(ADMIN + "/acme-dns-server/%s" % server["id"]).text


def test_ensure_domains_bad_input_stores_nothing(client, db, standin):
    server = new_server(client, standin.url)
    for names, message in (("", "domain_names"), ("not a name!", "domain_names"), ("x.example.com", "allowfrom")):
        fields = {"allowfrom": "not-a-net"} if message == "allowfrom" else {}
        res = ensure(client, server["id"], names, status=400, **fields)
        assert message in res.json["form_errors"]
    too_many = ",".join("n%d.example.com" % i for i in range(101))
    assert "At most" in ensure(client, server["id"], too_many, status=400).json["error"]
    client.post(ADMIN + "/acme-dns-server/%s/ensure-domains" % server["id"], {"domain_names": ""}, status=400)
    assert standin.users == {} and count_rows(db, m.AcmeDnsServerAccount) == 0
    client.post(ADMIN + "/acme-dns-server/%s/mark.json" % server["id"], {"action": "inactive"})
    assert "inactive" in ensure(client, server["id"], "x.example.com", status=400).json["error"]


def test_blocklisted_names_get_no_account(client, db, dbsession, standin):
    """ensure-domains and import-domain refuse a blocklisted name (its base name for a wildcard),
    even when its Domain exists: nothing is registered or stored (docs/Blocklist.md)."""
    from tests import factories as f

    f.make_domain(dbsession, "old.example.com")
    dbsession.add(m.DomainBlocklisted(domain_name="old.example.com"))
    dbsession.add(m.DomainBlocklisted(domain_name="new.example.com"))
    dbsession.commit()
    server = new_server(client, standin.url)
    for names in ("fine.example.com, new.example.com", "*.old.example.com"):
        res = ensure(client, server["id"], names, status=400)
        assert "Blocklisted: " in res.json["form_errors"]["domain_names"], res.json
    url = ADMIN + "/acme-dns-server/%s/import-domain.json" % server["id"]
    for name in ("old.example.com", "new.example.com"):
        res = client.post(url, dict(IMPORTED, domain_name=name), status=400)
        assert res.json["form_errors"]["domain_name"] == "Blocklisted: %s. A blocklisted name is never certified." % name
    assert standin.users == {} and count_rows(db, m.AcmeDnsServerAccount) == 0
    assert count_rows(db, m.Domain) == 1


def test_ensure_domains_unreachable_or_failing_stores_nothing(client, db, standin):
    down = new_server(client, closed_port_url())
    res = ensure(client, down["id"], "example.com", status=503)
    assert res.json["service"] == "acme-dns" and "could not be reached" in res.json["error"]
    html = client.post(ADMIN + "/acme-dns-server/%s/ensure-domains" % down["id"], {"domain_names": "example.com"}, status=303)
    assert "result=error" in html.location
    server = new_server(client, standin.url)
    standin.fail_status = 500
    assert ensure(client, server["id"], "example.com", status=502).json["status"] == 500
    assert count_rows(db, m.AcmeDnsServerAccount) == 0 and count_rows(db, m.Domain) == 0


IMPORTED = dict(
    domain_name="imported.example.com",
    username="0a1b2c3d-0000-4000-8000-000000000001",
    password="k" * 40,
    fulldomain="0a1b2c3d-0000-4000-8000-000000000002.auth.acme-dns.test",
    subdomain="0a1b2c3d-0000-4000-8000-000000000002",
    allowfrom="192.0.2.0/24, 2001:db8::/32",
)


def test_import_domain(client, db, standin):
    server = new_server(client, standin.url)
    url = ADMIN + "/acme-dns-server/%s/import-domain" % server["id"]
    assert "csrf_token" in client.get(url).text
    assert "password" in client.get(url + ".json").json["form_fields"]
    res = client.post(url + ".json", IMPORTED)
    account = res.json["AcmeDnsServerAccount"]
    assert account["is_imported"] is True and account["allowfrom"] == ["192.0.2.0/24", "2001:db8::/32"]
    assert "password" not in account and "k" * 40 not in res.text
    # the same domain again: a duplicate
    dup = client.post(url + ".json", dict(IMPORTED, username="0a1b2c3d-0000-4000-8000-000000000009"), status=400)
    assert "already has an active account" in dup.json["form_errors"]["domain_name"]
    # ensure-domains keeps the imported account (nothing registered)
    assert ensure(client, server["id"], "imported.example.com").json["result_matrix"]["imported.example.com"]["is_created"] is False
    assert standin.users == {}
    for field, value in (("username", "alice"), ("password", "short"), ("subdomain", "a.b"), ("domain_name", "nope")):
        res = client.post(url + ".json", dict(IMPORTED, **{"domain_name": "other.example.com", field: value}), status=400)
        assert field in res.json["form_errors"]
    page = client.post(url, dict(IMPORTED, domain_name="other.example.com", password="short"), status=400)
    assert "Nothing was changed" in page.text and "k" * 40 not in page.text
    html = client.post(url, dict(IMPORTED, domain_name="html.example.com"), status=303)
    assert "/acme-dns-server-account/" in html.location
    assert count_rows(db, m.AcmeDnsServerAccount) == 2


def test_accounts_list_focus_and_password(client, db, standin):
    server = new_server(client, standin.url)
    row = ensure(client, server["id"], "example.com").json["result_matrix"]["example.com"]
    account_id = row["AcmeDnsServerAccount"]["id"]
    password = next(iter(standin.users.values()))["password"]
    listing = client.get(ADMIN + "/acme-dns-server-accounts.json")
    assert list(listing.json["AcmeDnsServerAccounts"]) == [account_id] and password not in listing.text
    assert password not in client.get(ADMIN + "/acme-dns-server-accounts").text
    client.get(ADMIN + "/acme-dns-server-accounts/1.json")
    focus = client.get(ADMIN + "/acme-dns-server-account/%s.json" % account_id)
    assert password not in focus.text and focus.json["AcmeDnsServerAccount"]["password_sample"]
    shown = client.get(ADMIN + "/acme-dns-server-account/%s.json" % account_id, {"show_password": "1"})
    assert shown.json["AcmeDnsServerAccount"]["password"] == password
    page = client.get(ADMIN + "/acme-dns-server-account/%s" % account_id)
    assert password not in page.text
    assert "_acme-challenge.example.com. CNAME %s." % row["AcmeDnsServerAccount"]["fulldomain"] in page.text
    assert password in client.get(ADMIN + "/acme-dns-server-account/%s" % account_id, {"show_password": "1"}).text


def test_audit(client, db, standin, dns_stub):
    server = new_server(client, standin.url)
    row = ensure(client, server["id"], "example.com").json["result_matrix"]["example.com"]
    account_id = row["AcmeDnsServerAccount"]["id"]
    fulldomain = row["AcmeDnsServerAccount"]["fulldomain"]
    missing = client.get(ADMIN + "/acme-dns-server-account/%s/audit.json" % account_id).json
    assert missing["audit"]["status"] == "missing" and missing["audit"]["ok"] is False
    assert missing["audit"]["instruction"] == "_acme-challenge.example.com. CNAME %s." % fulldomain
    assert missing["audit"]["resolver"] == dns_stub.address
    page = client.get(ADMIN + "/acme-dns-server-account/%s/audit" % account_id)
    assert "has no CNAME" in page.text or "does not exist" in page.text
    dns_stub.cnames["_acme-challenge.example.com"] = "elsewhere.example.net"
    wrong = client.get(ADMIN + "/acme-dns-server-account/%s/audit.json" % account_id).json
    assert wrong["audit"]["status"] == "wrong_target" and wrong["audit"]["found"] == ["elsewhere.example.net"]
    dns_stub.cnames["_acme-challenge.example.com"] = fulldomain
    ok = client.get(ADMIN + "/acme-dns-server-account/%s/audit.json" % account_id).json
    assert ok["audit"]["ok"] is True and ok["audit"]["found"] == [fulldomain]
    assert "is a CNAME to" in client.get(ADMIN + "/acme-dns-server-account/%s/audit" % account_id).text


@pytest.mark.parametrize(
    "path",
    [
        "/acme-dns-server/999", "/acme-dns-server/999.json", "/acme-dns-server/999/edit", "/acme-dns-server/999/edit.json",
        "/acme-dns-server/999/mark.json", "/acme-dns-server/999/check.json", "/acme-dns-server/999/ensure-domains",
        "/acme-dns-server/999/ensure-domains-results.json", "/acme-dns-server/999/import-domain.json",
        "/acme-dns-server/999/acme-dns-server-accounts.json", "/acme-dns-server-account/999",
        "/acme-dns-server-account/999.json", "/acme-dns-server-account/999/audit.json",
        "/acme-dns-server/99999999999", "/acme-dns-servers/99999999999999.json",
    ],
)
def test_unknown_ids_are_404(client, path):
    client.get(ADMIN + path, status=404)
    if path.endswith(("mark.json", "check.json", "edit.json", "import-domain.json")):
        client.post(ADMIN + path, {"action": "active"}, status=404)


def test_account_for_domain_prefers_the_global_default(client, db, standin, app_settings):
    one = new_server(client, standin.url)
    ensure(client, one["id"], "example.com")
    two = new_server(client, standin.url + "/two")
    client.post(ADMIN + "/acme-dns-server/%s/import-domain.json" % two["id"], dict(IMPORTED, domain_name="example.com"))
    with Session(bind=db) as s:
        ctx = ApiContext(s, app_settings)
        # no default: the newest account
        assert db_acme_dns.account_for_domain(ctx, "example.com").acme_dns_server_id == int(two["id"])
    client.post(ADMIN + "/acme-dns-server/%s/mark.json" % one["id"], {"action": "global_default"})
    with Session(bind=db) as s:
        ctx = ApiContext(s, app_settings)
        assert db_acme_dns.account_for_domain(ctx, "*.example.com").acme_dns_server_id == int(one["id"])
    client.post(ADMIN + "/acme-dns-server/%s/mark.json" % one["id"], {"action": "inactive"})
    client.post(ADMIN + "/acme-dns-server/%s/mark.json" % two["id"], {"action": "inactive"})
    with Session(bind=db) as s:
        ctx = ApiContext(s, app_settings)
        assert db_acme_dns.account_for_domain(ctx, "example.com") is None
        events = s.scalars(sa.select(m.OperationsEvent.operations_event_type_id)).all()
    from peter_sslers.model import utils

    names = {utils.OperationsEventType.as_string(i) for i in events}
    assert {"AcmeDnsServer__insert", "AcmeDnsServerAccount__insert", "AcmeDnsServerAccount__import",
            "AcmeDnsServer__mark__default", "AcmeDnsServer__mark__inactive"} <= names


# --- a Domain's acme-dns accounts, and registering one Domain (the 2021 domain routes)


def new_domain(client, name="example.com") -> dict:
    return client.post(ADMIN + "/domain/new.json", {"domain_name": name}).json["Domain"]


def test_domain_register_with_a_server(client, db, standin):
    server = new_server(client, standin.url)
    domain = new_domain(client)
    url = ADMIN + "/domain/%s/acme-dns-server/new" % domain["id"]
    page = client.get(url)
    assert "csrf_token" in page.text and standin.url in page.text
    docs = client.get(url + ".json").json
    assert "acme_dns_server_id" in docs["form_fields"]
    res = client.post(url + ".json", {"acme_dns_server_id": server["id"]})
    assert res.json["result"] == "success"
    account = res.json["AcmeDnsServerAccount"]
    assert account["domain_name"] == "example.com" and account["acme_dns_server_id"] == server["id"]
    assert account["is_active"] is True and "password" not in account
    row = res.json["result_matrix"]["example.com"]
    assert row["is_created"] is True and row["AcmeDnsServerAccount"]["cname_record"].startswith(
        "_acme-challenge.example.com. CNAME "
    )
    assert len(standin.users) == 1
    # the same code path as ensure-domains: it finds this account
    assert ensure(client, server["id"], "example.com").json["result_matrix"]["example.com"]["is_created"] is False
    # again: refused, nothing registered
    again = client.post(url + ".json", {"acme_dns_server_id": server["id"]}, status=400)
    assert again.json["result"] == "error"
    assert "already has an active account (%s)" % account["id"] in again.json["form_errors"]["acme_dns_server_id"]
    assert len(standin.users) == 1 and count_rows(db, m.AcmeDnsServerAccount) == 1
    # by name too; HTML goes on to the account's page (with its CNAME)
    other = new_server(client, standin.url + "/")  # the same server (normalized URL)
    assert other["id"] == server["id"]
    new_domain(client, "www.example.org")
    html = client.post(ADMIN + "/domain/www.example.org/acme-dns-server/new", {"acme_dns_server_id": server["id"]},
                       status=303)
    assert "/acme-dns-server-account/" in html.location and "result=success" in html.location
    assert "_acme-challenge.www.example.org. CNAME" in client.get(html.location).text
    assert count_rows(db, m.AcmeDnsServerAccount) == 2


def test_domain_register_bad_input_changes_nothing(client, db, standin):
    server = new_server(client, standin.url)
    domain = new_domain(client)
    url = ADMIN + "/domain/%s/acme-dns-server/new" % domain["id"]
    for value, message in (("", "acme_dns_server_id"), ("abc", "acme_dns_server_id"), ("99999", "acme_dns_server_id"),
                           ("99999999999999", "acme_dns_server_id"), ("-1", "acme_dns_server_id")):
        res = client.post(url + ".json", {"acme_dns_server_id": value}, status=400)
        assert res.json["result"] == "error" and message in res.json["form_errors"], (value, res.json)
    page = client.post(url, {"acme_dns_server_id": "99999"}, status=400)
    assert "There is no acme-dns server 99999" in page.text and "Nothing was changed" in page.text
    # an inactive server
    client.post(ADMIN + "/acme-dns-server/%s/mark.json" % server["id"], {"action": "inactive"})
    res = client.post(url + ".json", {"acme_dns_server_id": server["id"]}, status=400)
    assert "inactive" in res.json["error"]
    assert standin.users == {} and count_rows(db, m.AcmeDnsServerAccount) == 0
    # an unreachable or failing server stores nothing
    down = new_server(client, closed_port_url())
    res = client.post(url + ".json", {"acme_dns_server_id": down["id"]}, status=503)
    assert res.json["service"] == "acme-dns"
    working = new_server(client, standin.url + "/failing")
    standin.fail_status = 500
    client.post(url + ".json", {"acme_dns_server_id": working["id"]}, status=502)
    assert count_rows(db, m.AcmeDnsServerAccount) == 0
    # a GET changes nothing either
    client.get(url + ".json", {"acme_dns_server_id": working["id"]})
    assert count_rows(db, m.AcmeDnsServerAccount) == 0


def test_domain_accounts_list(client, db, standin):
    one = new_server(client, standin.url)
    two = new_server(client, standin.url + "/two")
    domain = new_domain(client)
    new_domain(client, "other.example.com")
    ensure(client, one["id"], "example.com, other.example.com")
    client.post(ADMIN + "/acme-dns-server/%s/import-domain.json" % two["id"], dict(IMPORTED, domain_name="example.com"))
    for identifier in (domain["id"], "example.com"):
        listing = client.get(ADMIN + "/domain/%s/acme-dns-server-accounts.json" % identifier).json
        assert listing["Domain"] == {"id": domain["id"], "domain_name": "example.com"}
        accounts = listing["AcmeDnsServerAccounts"]
        assert len(accounts) == 2 and {a["domain_name"] for a in accounts.values()} == {"example.com"}
        assert {a["acme_dns_server_id"] for a in accounts.values()} == {one["id"], two["id"]}
        assert listing["pagination"]["total_items"] == 2
    page = client.get(ADMIN + "/domain/example.com/acme-dns-server-accounts")
    assert "acme-dns accounts of example.com" in page.text and "other.example.com" not in page.text
    assert client.get(ADMIN + "/domain/example.com/acme-dns-server-accounts/1.json").json["pagination"]
    client.get(ADMIN + "/domain/%s/acme-dns-server-accounts/2.json" % domain["id"], status=303)  # past the last
    # the Domain's page links both routes
    focus = client.get(ADMIN + "/domain/%s" % domain["id"]).text
    assert "/acme-dns-server-accounts" in focus and "/acme-dns-server/new" in focus


@pytest.mark.parametrize(
    "path",
    [
        "/domain/99999/acme-dns-server-accounts", "/domain/99999/acme-dns-server-accounts.json",
        "/domain/nothing.example.com/acme-dns-server-accounts.json", "/domain/99999/acme-dns-server-accounts/1.json",
        "/domain/99999/acme-dns-server/new", "/domain/99999/acme-dns-server/new.json",
        "/domain/99999999999999/acme-dns-server/new.json", "/domain/nothing.example.com/acme-dns-server/new.json",
        "/acme-dns-server-account/999/mark", "/acme-dns-server-account/999/mark.json",
        "/acme-dns-server-account/99999999999/mark.json",
    ],
)
def test_domain_routes_and_account_mark_unknown_ids_are_404(client, db, standin, path):
    client.get(ADMIN + path, status=404)
    if "/new" in path or "/mark" in path:
        client.post(ADMIN + path, {"acme_dns_server_id": "1", "action": "inactive"}, status=404)
    assert count_rows(db, m.AcmeDnsServerAccount) == 0


# --- deactivating an account


def test_account_mark(client, db, standin, app_settings):
    server = new_server(client, standin.url)
    row = ensure(client, server["id"], "example.com").json["result_matrix"]["example.com"]
    first_id = row["AcmeDnsServerAccount"]["id"]
    mark = ADMIN + "/acme-dns-server-account/%s/mark"
    docs = client.get(mark % first_id + ".json").json
    assert docs["valid_options"]["action"] == ["active", "inactive"]
    assert "Deactivate" in client.get(ADMIN + "/acme-dns-server-account/%s" % first_id).text
    res = client.post(mark % first_id + ".json", {"action": "inactive"})
    assert res.json["result"] == "success" and res.json["AcmeDnsServerAccount"]["is_active"] is False
    with Session(bind=db) as s:
        ctx = ApiContext(s, app_settings)
        assert db_acme_dns.account_for_domain(ctx, "*.example.com") is None
        dbAccount = db_acme_dns.get__AcmeDnsServerAccount__by_id(ctx, int(first_id))
        with pytest.raises(errors.InvalidRequest):
            db_acme_dns.update_txt(ctx, dbAccount, TXT)
    assert standin.txt_values(row["AcmeDnsServerAccount"]["fulldomain"]) == []
    # bad values: 400, nothing changed
    for action, message in (("inactive", "Already inactive"), ("bogus", "Not one of"), ("", "action"),
                            ("x" * 5000, "Not one of")):
        res = client.post(mark % first_id + ".json", {"action": action}, status=400)
        assert res.json["result"] == "error"
        assert message in res.json["form_errors"]["action"] or message in res.json["form_errors"], (action, res.json)
    html = client.post(mark % first_id, {"action": "inactive"}, status=303)
    assert "result=error" in html.location
    assert "result=error" in client.get(mark % first_id, status=303).location  # a GET changes nothing
    # the domain has no active account now: ensure-domains registers a second one
    second = ensure(client, server["id"], "example.com").json["result_matrix"]["example.com"]
    assert second["is_created"] is True
    second_id = second["AcmeDnsServerAccount"]["id"]
    # one active account per domain and server: activating the first is refused while the second is
    res = client.post(mark % first_id + ".json", {"action": "active"}, status=400)
    assert "another active account (%s)" % second_id in res.json["form_errors"]["action"]
    with Session(bind=db) as s:
        assert s.get(m.AcmeDnsServerAccount, int(first_id)).is_active is False
        assert s.get(m.AcmeDnsServerAccount, int(second_id)).is_active is True
    # deactivate the second, then the first can come back
    client.post(mark % second_id + ".json", {"action": "inactive"})
    html = client.post(mark % first_id, {"action": "active"}, status=303)
    assert "result=success" in html.location and "operation=mark" in html.location
    with Session(bind=db) as s:
        ctx = ApiContext(s, app_settings)
        assert db_acme_dns.account_for_domain(ctx, "example.com").id == int(first_id)
        events = s.scalars(sa.select(m.OperationsEvent.operations_event_type_id)).all()
    from peter_sslers.model import utils

    names = [utils.OperationsEventType.as_string(i) for i in events]
    assert names.count("AcmeDnsServerAccount__mark__inactive") == 2
    assert names.count("AcmeDnsServerAccount__mark__active") == 1
    # the lists show the state
    listing = client.get(ADMIN + "/domain/example.com/acme-dns-server-accounts.json").json["AcmeDnsServerAccounts"]
    assert {k: v["is_active"] for k, v in listing.items()} == {first_id: True, second_id: False}
