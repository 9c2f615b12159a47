"""The admin's forms, buttons, messages and pages (issue 15, items 3 to 6).

* Forms: each error next to its field and, in the summary, after the field's label (never the
  field's internal name); the action's own message; the values sent kept; a long value not
  echoed whole, neither in the page nor in a redirect.
* Irreversible actions: styled as dangerous, and a confirmation page (no JavaScript) before they
  run from a browser; the ``.json`` twin runs at once and says so in its documentation.
* Messages: flash messages in the session, shown once, never read from the query string; the
  error pages in the admin layout.
* Layout: valid HTML5 on every page (html5lib, every parse error reported), contents lists,
  content types, the admin URL of the request in the examples, a favicon.
"""

import configparser
import os
import re
import urllib.parse

import html5lib
import pytest

from peter_sslers.model import objects as m
from peter_sslers.model import utils
from tests import data
from tests import factories as f
from tests.conftest import ROOT
from tests.conftest import count_rows

ADMIN = "/.well-known/admin"
LONG = "a" * 100_000  # 100 KB: never sent back whole


def upload(testapp, stem="leaf_rsa_multi") -> str:
    files = data.leaf(stem)
    res = testapp.post(
        ADMIN + "/certificate-signed/upload.json",
        upload_files=[
            ("private_key_file", "privkey.pem", files["key"].encode()),
            ("certificate_file", "cert.pem", files["cert"].encode()),
            ("chain_file", "chain.pem", files["chain"].encode()),
        ],
        status=200,
    )
    return res.json["CertificateSigned"]["id"]


def banners(text: str) -> list:
    return re.findall(r'<div class="alert alert-(?:success|error)" role="(?:status|alert)">(.*?)</div>', text, re.S)


# --- 3. forms


def test_form_error_next_to_the_field_with_its_label(testapp, db):
    files = data.leaf("leaf_rsa_single")
    before = count_rows(db, m.CertificateSigned)
    res = testapp.post(
        ADMIN + "/certificate-signed/upload",
        upload_files=[("private_key_file", "privkey.pem", files["key"].encode()), ("certificate_file", "cert.pem", files["cert"].encode())],
        status=400,
    )
    assert count_rows(db, m.CertificateSigned) == before
    # next to the field: right after its label
    assert re.search(r'<label for="chain_file">[^<]*</label><span class="field-error" id="chain_file-error">', res.text)
    # the summary names the field by its label, linked to it; no internal name
    assert '<a href="#chain_file">Chain (PEM)</a>' in res.text
    assert "<strong>chain_file</strong>" not in res.text and "Error_Main" not in res.text
    # JSON keeps the field names (API clients key on them) and its sentence says which field
    res = testapp.post(ADMIN + "/certificate-signed/upload.json", status=400)
    assert set(res.json["form_errors"]) == {"private_key_file", "certificate_file", "chain_file"}
    assert res.json["error"] != "There was an error with your form."
    assert "Chain (PEM): " in res.json["error"] and "Certificate (PEM): " in res.json["error"]


def test_form_error_internal_names_become_labels(testapp):
    res = testapp.post(ADMIN + "/acme-account/new", {"account__contact": "a@example.com", "account__private_key_cycle": "hourly"}, status=400)
    assert "Certificate keys of its orders: cycle</a>" in res.text
    assert ">account__private_key_cycle<" not in res.text
    assert 'id="account__private_key_cycle-error"' in res.text


def test_form_values_are_kept(testapp, db):
    before = count_rows(db, m.Domain)
    res = testapp.post(ADMIN + "/domain/new", {"domain_name": "bad..example.com"}, status=400)
    assert 'value="bad..example.com"' in res.text
    assert 'id="domain_name-error"' in res.text
    assert count_rows(db, m.Domain) == before


def test_long_input_is_not_echoed_whole(testapp, db):
    before = count_rows(db, m.UniqueFQDNSet)
    res = testapp.post(ADMIN + "/unique-fqdn-set/new", {"domain_names": LONG}, status=400)
    assert LONG not in res.text and len(res.body) < 40_000
    assert 'id="domain_names-error"' in res.text
    res = testapp.post(ADMIN + "/unique-fqdn-set/new.json", {"domain_names": LONG}, status=400)
    assert len(res.body) < 10_000 and res.json["result"] == "error"
    assert count_rows(db, m.UniqueFQDNSet) == before


def test_long_value_of_a_one_click_action_is_cut_everywhere(testapp):
    cert_id = upload(testapp)
    res = testapp.post(ADMIN + "/certificate-signed/%s/mark" % cert_id, {"action": LONG}, status=303)
    assert len(res.location) < 1000 and "result=error" in res.location
    assert len(res.headers.get("Set-Cookie", "")) < 4000
    page = res.follow()
    assert LONG not in page.text and len(page.body) < 60_000


def test_one_click_action_says_its_own_failure(testapp):
    cert_id = upload(testapp)
    res = testapp.post(ADMIN + "/certificate-signed/%s/mark" % cert_id, {"action": "unrevoke"}, status=303)
    (banner,) = banners(res.follow().text)
    assert banner.startswith("Mark failed: Action: ")
    assert "There was an error with your form" not in banner


# --- 4. irreversible actions


def test_revoke_buttons_are_dangerous(testapp):
    cert_id = upload(testapp)
    page = testapp.get(ADMIN + "/certificate-signed/%s" % cert_id).text
    assert re.search(r'<button type="submit" class="danger">Revoke on the ACME server', page)
    assert re.search(r'<button type="submit" class="danger">Mark revoked here', page)
    # reversible ones are not
    assert '<button type="submit">Deactivate</button>' in page


def test_mark_revoked_asks_first(testapp, db):
    cert_id = upload(testapp)
    url = ADMIN + "/certificate-signed/%s/mark" % cert_id
    before = count_rows(db, m.OperationsEvent)
    page = testapp.post(url, {"action": "revoked"}, status=200)
    assert "Are you sure?" in page.text and "cannot be undone" in page.text
    assert count_rows(db, m.OperationsEvent) == before
    assert testapp.get(url.replace("/mark", ".json")).json["CertificateSigned"]["is_revoked"] is False
    form = page.forms["confirm"]
    assert form.action == url and form["action"].value == "revoked" and form["confirm"].value == "1"
    assert "csrf_token" in form.fields
    # cancel goes back to the object
    assert page.html.find("a", string=re.compile("Cancel")).get("href") == ADMIN + "/certificate-signed/%s" % cert_id
    res = form.submit(status=303)
    assert "result=success" in res.location and "action=revoked" in res.location
    assert testapp.get(url.replace("/mark", ".json")).json["CertificateSigned"]["is_revoked"] is True


def test_reversible_marks_do_not_ask(testapp):
    cert_id = upload(testapp)
    res = testapp.post(ADMIN + "/certificate-signed/%s/mark" % cert_id, {"action": "inactive"}, status=303)
    assert "result=success" in res.location


def test_a_refused_form_is_not_asked_about(testapp):
    # confirm only what would run: a bad reason is answered at once
    cert_id = upload(testapp)
    res = testapp.post(ADMIN + "/certificate-signed/%s/acme-server/revoke" % cert_id, {"reason": "99"}, status=303)
    assert "result=error" in res.location


def test_confirmation_of_a_missing_object_is_404(testapp):
    testapp.post(ADMIN + "/certificate-signed/999999/mark", {"action": "revoked"}, status=404)


def test_json_runs_at_once_and_says_so(testapp):
    cert_id = upload(testapp)
    docs = testapp.get(ADMIN + "/certificate-signed/%s/mark.json" % cert_id).json
    assert any("confirm=1" in note for note in docs["notes"])
    res = testapp.post(ADMIN + "/certificate-signed/%s/mark.json" % cert_id, {"action": "revoked"}, status=200)
    assert res.json["CertificateSigned"]["is_revoked"] is True
    docs = testapp.get(ADMIN + "/api.json").json["endpoints"]
    confirmed = {e["endpoint"] for e in docs if any("confirm=1" in n for n in e.get("notes", ()))}
    for path in (
        "/certificate-signed/{id}/acme-server/revoke.json",
        "/private-key/{id}/mark.json",
        "/acme-account/{id}/acme-server/key-change.json",
        "/acme-authorization/{id}/acme-server/deactivate.json",
        "/acme-order/{id}/acme-server/deactivate-authorizations.json",
    ):
        assert any(re.sub(r"\{[^}]*\}", "{id}", e).endswith(path) for e in confirmed), (path, confirmed)


def test_mark_key_compromised_asks_first(testapp, db):
    cert_id = upload(testapp)
    key_id = testapp.get(ADMIN + "/certificate-signed/%s.json" % cert_id).json["CertificateSigned"]["private_key_id"]
    page = testapp.get(ADMIN + "/private-key/%s" % key_id).text
    assert re.search(r'class="danger">Mark compromised', page)
    res = testapp.post(ADMIN + "/private-key/%s/mark" % key_id, {"action": "compromised"}, status=200)
    assert "Are you sure?" in res.text
    assert testapp.get(ADMIN + "/private-key/%s.json" % key_id).json["PrivateKey"]["is_compromised"] is False
    res.forms["confirm"].submit(status=303)
    assert testapp.get(ADMIN + "/private-key/%s.json" % key_id).json["PrivateKey"]["is_compromised"] is True


@pytest.fixture
def order_world(dbsession):
    order = f.make_acme_order(
        dbsession,
        is_auto_renew=True,
        private_key_strategy_id__requested=utils.PrivateKeyStrategy.DEFERRED_ASSOCIATE,
    )
    authz = f.make_authorization(dbsession, order=order, domain=f.make_domain(dbsession))
    f.make_challenge(dbsession, authorization=authz, status="*410*")
    dbsession.commit()
    return {"order": order.id, "authz": authz.id}


def test_auto_renew_buttons_say_what_they_do(testapp, order_world):
    page = testapp.get(ADMIN + "/acme-order/%s" % order_world["order"]).text
    assert "Renew manually" not in page
    assert "Turn automatic renewal off" in page and "neither renews" not in page
    res = testapp.post(ADMIN + "/acme-order/%s/mark" % order_world["order"], {"action": "renew_manual"}, status=303)
    page = res.follow().text
    assert "Turn automatic renewal on" in page


def test_internal_values_are_words_in_html_and_raw_in_json(testapp, order_world):
    page = testapp.get(ADMIN + "/acme-order/%s" % order_world["order"]).text
    assert "deferred-associate" not in re.sub(r'title="[^"]*"', "", page)
    assert "chosen at finalize" in page
    page = testapp.get(ADMIN + "/acme-authorization/%s" % order_world["authz"]).text
    assert ">*410*<" not in page and "no longer listed by the ACME server (410)" in page
    res = testapp.get(ADMIN + "/acme-order/%s.json" % order_world["order"]).json
    assert res["AcmeOrder"]["private_key_strategy__requested"] == "deferred-associate"


# --- 5. messages and error pages


def alerts(text: str) -> str:
    return " ".join(re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', text, re.S))


def test_banner_is_not_taken_from_the_query_string(testapp):
    text = testapp.get(ADMIN + "?result=error&operation=PWNED_OP&error=PWNED_TEXT").text
    assert banners(text) == [] and "PWNED" not in alerts(text)
    text = testapp.get(ADMIN + "/domains?result=success&operation=PWNED_OP&action=PWNED").text
    assert banners(text) == [] and "PWNED" not in alerts(text)


def _session_cookie(res) -> str:
    (value,) = [c.split(";")[0].split("=", 1)[1] for c in res.headers.getall("Set-Cookie") if c.startswith("peter_sslers_session=")]
    return value


def test_flash_message_is_shown_once(testapp):
    cert_id = upload(testapp)
    res = testapp.post(ADMIN + "/certificate-signed/%s/mark" % cert_id, {"action": "inactive"}, status=303)
    assert _session_cookie(res)
    # the CSRF cookie comes with it: from now on this client is a browser and its POSTs carry the token
    assert any(c.startswith("csrf_token=") for c in res.headers.getall("Set-Cookie"))
    page = res.follow().text
    assert banners(page) == ["Done: mark (action inactive)."]
    assert banners(testapp.get(ADMIN + "/certificate-signed/%s" % cert_id).text) == []


def test_flash_cookie_is_signed(testapp, app):
    from tests.browser import BrowserTestApp
    from tests.conftest import TEST_HOST

    cert_id = upload(testapp)
    res = testapp.post(ADMIN + "/certificate-signed/%s/mark" % cert_id, {"action": "inactive"}, status=303)
    cookie = _session_cookie(res)
    url = ADMIN + "/certificate-signed/%s" % cert_id
    environ = {"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"}
    # the cookie is what carries the message ...
    page = BrowserTestApp(app, extra_environ=environ).get(url, headers={"Cookie": "peter_sslers_session=" + cookie})
    assert banners(page.text) == ["Done: mark (action inactive)."]
    # ... and one whose signature does not match (someone else's words) is ignored
    forged = cookie[:10] + ("A" if cookie[10] != "A" else "B") + cookie[11:]
    page = BrowserTestApp(app, extra_environ=environ).get(url, headers={"Cookie": "peter_sslers_session=" + forged})
    assert banners(page.text) == []


def test_banner_once_on_the_queue_pages(testapp):
    res = testapp.post(ADMIN + "/queue-domains/add", {"domain_names_http01": "queued.example.com"}, status=303)
    page = res.follow().text
    assert len(banners(page)) == 1


@pytest.mark.parametrize(
    "path, status",
    [
        ("/no-such-page", 404),
        ("/certificate-signed/999999", 404),
        ("/acme-authorizations?status=bogus", 400),
    ],
)
def test_error_pages_in_the_layout(testapp, path, status):
    res = testapp.get(ADMIN + path, status=status)
    assert res.content_type == "text/html"
    assert "admin.css" in res.text and 'class="topbar"' in res.text  # the layout and its navigation
    assert "<h1>%s " % status in res.text
    assert res.headers["Content-Security-Policy"]


def test_public_paths_keep_plain_errors(testapp):
    res = testapp.get("/.well-known/acme-challenge/nothing-here", status=404)
    assert "topbar" not in res.text


def test_json_errors_stay_json(testapp):
    res = testapp.get(ADMIN + "/certificate-signed/999999.json", status=404)
    assert res.json["result"] == "error" and res.json["status"] == 404


@pytest.mark.parametrize("redirect", [False, True])
def test_unexpected_error_page(make_app, db, monkeypatch, redirect):
    from tests.browser import BrowserTestApp
    from tests.conftest import TEST_HOST

    from peter_sslers.lib.db import get

    def boom(*args, **kw):
        raise RuntimeError("boom")

    client = BrowserTestApp(
        make_app(exception_redirect="true" if redirect else "false"),
        extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"},
    )
    monkeypatch.setattr(get, "get__OperationsEvent__count", boom)
    if redirect:
        res = client.get(ADMIN + "/operations/log", status=303)
        # the sentence travels in the session, not the query string
        assert "boom" not in res.location and "error=" not in res.location
        monkeypatch.undo()
        (banner,) = banners(res.follow().text)
        assert "An unexpected error occurred: boom" in banner
    else:
        res = client.get(ADMIN + "/operations/log", status=500)
        assert 'class="topbar"' in res.text and "<h1>500 " in res.text and "boom" not in res.text


# --- 6. layout


def test_settings_and_api_have_contents(testapp):
    page = testapp.get(ADMIN + "/settings").text
    assert '<nav class="toc"' in page
    assert '<a href="#option-admin_prefix">admin_prefix</a>' in page and 'id="option-admin_prefix"' in page
    page = testapp.get(ADMIN + "/api").text
    assert '<nav class="toc"' in page
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert len(targets) > 5
    for target in targets:
        assert 'id="%s"' % target in page, target


def test_tables_scroll_inside_the_page(testapp):
    css = testapp.get(ADMIN + "/static/admin.css").text
    assert re.search(r"table\.list \{[^}]*display: block;[^}]*overflow-x: auto;", css)
    assert "@media (max-width: 900px)" in css


def test_favicon(testapp):
    page = testapp.get(ADMIN).text
    href = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page).group(1)
    res = testapp.get(href, status=200)
    assert res.content_type == "image/svg+xml" and b"<svg" in res.body


def test_structured_renewal_is_linked(testapp):
    page = testapp.get(ADMIN + "/queue-certificates/unprocessed").text
    assert ADMIN + "/queue-certificate/new/structured" in page
    cert_id = upload(testapp)
    page = testapp.get(ADMIN + "/certificate-signed/%s" % cert_id)
    link = page.html.find("a", string="Queue its renewal")["href"]
    form_page = testapp.get(link).text
    assert 'name="queue_source" value="CertificateSigned"' in form_page
    # the chooser of the bare page leads to the same form
    chooser = testapp.get(ADMIN + "/queue-certificate/new/structured")
    form = chooser.forms["pick_source_form"]
    form["queue_source"] = "CertificateSigned"
    form["source_id"] = cert_id
    assert 'name="queue_source" value="CertificateSigned"' in form.submit().text


def test_admin_url_in_examples_follows_the_request(testapp):
    res = testapp.get(ADMIN + "/certificate-signed/upload", extra_environ={"HTTP_HOST": "localhost:9999"})
    assert "http://localhost:9999%s/certificate-signed/upload.json" % ADMIN in res.text
    res = testapp.get(ADMIN + "/certificate-signed/upload.json", extra_environ={"HTTP_HOST": "127.0.0.1:7302"})
    assert res.json["example"].startswith("curl") and "http://127.0.0.1:7302%s/" % ADMIN in res.json["example"]
    # the example ini no longer pins a port into every copy
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(os.path.join(ROOT, "example_development.ini"))
    assert not parser.get("app:main", "admin_server", fallback=None)


# --- valid HTML5 on every page


def html5_errors(text: str) -> list:
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(text)
    return [(pos, code, vars_) for pos, code, vars_ in parser.errors]


def test_the_checker_finds_a_form_in_a_paragraph():
    bad = "<!DOCTYPE html><html><head><title>x</title></head><body><p><form></form></p></body></html>"
    assert html5_errors(bad)
    good = "<!DOCTYPE html><html><head><title>x</title></head><body><div><form></form></div></body></html>"
    assert html5_errors(good) == []


LINK = re.compile(r'href="(%s[^"#]*)"' % re.escape(ADMIN))
SKIP = re.compile(r"\.(json|pem|txt|der|cer|crt|key|csr|zip|css|svg)(\?|$)|/static/|/raw|\.well-known/admin/api/metrics")


def test_every_admin_page_is_valid_html5(testapp, dbsession, order_world):
    cert_id = upload(testapp)
    f._add(dbsession, f.make_queue_certificate(dbsession, unique_fqdn_set__source=f.make_fqdn_set(dbsession)))
    dbsession.commit()
    seen, queue, failures = set(), [ADMIN], []
    extra = [
        # forms, with and without errors, and pages a link does not lead to
        ("GET", ADMIN + "/no-such-page", None),
        ("POST", ADMIN + "/domain/new", {"domain_name": "bad..example.com"}),
        ("POST", ADMIN + "/acme-account/new", {"account__contact": "x", "account__private_key_cycle": "hourly"}),
        ("POST", ADMIN + "/certificate-signed/%s/mark" % cert_id, {"action": "revoked"}),
        ("GET", ADMIN + "/acme-authorizations?status=bogus", None),
    ]
    while queue and len(seen) < 600:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        res = testapp.get(path, status="*", expect_errors=True)
        if res.status_int in (301, 302, 303):
            target = urllib.parse.urlsplit(res.location)
            queue.append(target.path + ("?" + target.query if target.query else ""))
            continue
        if res.content_type != "text/html":
            continue
        errors = html5_errors(res.text)
        if errors:
            failures.append((path, res.status_int, errors[:3]))
        for link in LINK.findall(res.text):
            link = link.replace("&amp;", "&")
            if not SKIP.search(link) and link not in seen:
                queue.append(link)
    for method, path, params in extra:
        res = (testapp.get if method == "GET" else testapp.post)(path, params, status="*", expect_errors=True)
        errors = html5_errors(res.text)
        if errors:
            failures.append((method + " " + path, res.status_int, errors[:3]))
    assert len(seen) > 40, sorted(seen)
    assert not failures, "\n".join(repr(f) for f in failures)


# --- the session's key


def test_session_secret_is_checked():
    from peter_sslers.config import ApplicationSettings
    from peter_sslers.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="admin_session_secret"):
        ApplicationSettings.from_settings({"admin_session_secret": "too short"})
    assert ApplicationSettings.from_settings({"admin_session_secret": "k" * 32}).admin_session_secret == "k" * 32


def test_instances_sharing_the_session_secret_read_each_others_messages(make_app, db):
    from tests.browser import BrowserTestApp
    from tests.conftest import TEST_HOST

    environ = {"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"}
    secret = "s" * 40
    one = BrowserTestApp(make_app(admin_session_secret=secret), extra_environ=environ)
    cert_id = upload(one)
    res = one.post(ADMIN + "/certificate-signed/%s/mark" % cert_id, {"action": "inactive"}, status=303)
    cookie = {"Cookie": "peter_sslers_session=" + _session_cookie(res)}
    url = ADMIN + "/certificate-signed/%s" % cert_id
    two = BrowserTestApp(make_app(admin_session_secret=secret), extra_environ=environ)
    assert banners(two.get(url, headers=cookie).text) == ["Done: mark (action inactive)."]
    # an instance with its own random key (no admin_session_secret) shows nothing of it
    other = BrowserTestApp(make_app(), extra_environ=environ)
    assert banners(other.get(url, headers=cookie).text) == []
