"""Bad input is a clear 4xx and changes nothing (issue 11, item 4).

Each case here was a 500 (or worse: an orphan account on the ACME server, a process that grew
by 600 MB) before: ids past the INTEGER range, file parts where text belongs, multipart bodies
without a boundary, NUL bytes and over-long text, a 100 KB search value, a 1 MB value copied
into a redirect, and request bodies of any size read whole.
"""

import io
import re

import pytest
import webtest
from pyramid.interfaces import IRoutesMapper

from peter_sslers.config import ApplicationSettings
from peter_sslers.config import ConfigurationError
from peter_sslers.model import objects as m
from peter_sslers.web.lib import forms
from tests import factories as f
from tests.conftest import TEST_HOST
from tests.conftest import count_rows
from tests.web.test_acme_accounts import acme_app  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import acmeapp  # noqa: F401  (fixture)

ADMIN = "/.well-known/admin"
OUT_OF_RANGE = ["2147483648", "99999999999999999999", "9" * 400]


def all_rows(db) -> dict:
    return {table.name: count_rows(db, table) for table in m.Base.metadata.sorted_tables}


# --- ids past the column range


def id_routes(app):
    """Every GET-able admin route with an ``{id}`` placeholder, with its other placeholders filled."""
    mapper = app.registry.getUtility(IRoutesMapper)
    fill = {"format": "pem", "which": "all", "page": "1"}
    paths = []
    for route in mapper.get_routes():
        if "{id" not in route.pattern:
            continue
        kw = {name: fill.get(name, "x") for name in _placeholders(route.pattern) if name != "id"}
        paths.append((route.name, kw))
    assert len(paths) > 40, paths  # the registry, not a hand-written list
    return paths


def _placeholders(pattern):
    return [m.group(1) for m in re.finditer(r"{(\w+)(?::[^}]*)?}", pattern)]


@pytest.mark.parametrize("bad_id", OUT_OF_RANGE)
def test_ids_out_of_range_are_404_on_every_id_route(testapp, app, db, bad_id):
    """`/acme-order/99999999999999999999.json` was a 500 (OverflowError on SQLite; 2147483648 a
    DataError on PostgreSQL, where ids are INTEGER)."""
    before = all_rows(db)
    for name, kw in id_routes(app):
        path = _route_path(app, name, id=bad_id, **kw)
        res = testapp.get(path, status="*")
        assert res.status_int == 404, (path, res.status, res.text[:300])
        if name.endswith("|json"):
            assert res.json["result"] == "error" and res.json["status"] == 404
    assert all_rows(db) == before


def _route_path(app, name, **kw):
    mapper = app.registry.getUtility(IRoutesMapper)
    route = mapper.get_route(name)
    path = route.generate(kw)
    return path if path.startswith("/") else "/" + path


@pytest.mark.parametrize("identifier", OUT_OF_RANGE + ["exa%00mple.com", "a" * 300])
@pytest.mark.parametrize("suffix", [".json", "/config.json", "/mark.json"])
def test_domain_identifiers_no_domain_can_have_are_404(testapp, db, identifier, suffix):
    res = testapp.get(ADMIN + "/domain/%s%s" % (identifier, suffix), status=404)
    assert res.json["result"] == "error"


def test_ids_beyond_the_range_are_not_ids():
    assert forms.parse_id("2147483647") == 2147483647
    assert forms.parse_id(" 0 ") == 0
    for text in ["2147483648", "-1", "1.0", "\u00b2", "\u0661", "", " ", "0x10", "1e3", None, b"1"]:
        assert forms.parse_id(text) is None, text


@pytest.mark.parametrize("page", ["%C2%B2", "%D9%A1", "%D9%A1%D9%A2"])
def test_pages_in_other_digits_are_404(testapp, db, page):
    testapp.get(ADMIN + "/domains/%s.json" % page, status=404)


@pytest.mark.parametrize(
    "path,field",
    [
        ("/acme-account/new.json", "acme_account_provider_id"),
        ("/acme-order/new/freeform.json", "acme_account_id"),
        ("/acme-order/new/freeform.json", "private_key_id"),
        ("/queue-certificate/new/structured.json", "acme_order"),
    ],
)
@pytest.mark.parametrize("bad_id", OUT_OF_RANGE + ["\u00b2", "abc"])
def test_id_fields_out_of_range_are_400_naming_the_field(testapp, db, path, field, bad_id):
    before = all_rows(db)
    values = {"account__contact": "admin@example.com", "domain_names_http01": "example.com",
              "queue_source": "AcmeOrder", "private_key_option": "private_key_existing"}
    values[field] = bad_id
    res = testapp.post(ADMIN + path, values, status=400)
    assert res.json["result"] == "error"
    assert "Not an id" in res.json["form_errors"][field]
    assert all_rows(db) == before


def test_a_list_of_ids_out_of_range_is_400(testapp, db, dbsession):
    dbAccount = f.make_account(dbsession)
    dbsession.commit()
    res = testapp.post(
        ADMIN + "/acme-account/%s/acme-server/deactivate-pending-authorizations.json" % dbAccount.id,
        [("acme_authorization_id", "1"), ("acme_authorization_id", "99999999999999999999")],
        status=400,
    )
    assert "acme_authorization_id" in res.json["form_errors"]


# --- file parts and text


@pytest.mark.parametrize(
    "path,field,values",
    [
        ("/domain/new.json", "domain_name", {}),
        ("/unique-fqdn-set/new.json", "domain_names", {}),
        ("/acme-account/new.json", "account__contact", {}),
        ("/acme-account/new.json", "acme_account_provider_id", {"account__contact": "admin@example.com"}),
        ("/private-key/new.json", "key_technology", {}),
        ("/queue-domains/add.json", "domain_names_http01", {}),
    ],
)
def test_a_text_field_sent_as_a_file_is_400_naming_the_field(testapp, db, path, field, values):
    """`curl --form domain_name=@file`: a cgi FieldStorage where a str belongs was a 500."""
    before = all_rows(db)
    res = testapp.post(ADMIN + path, values, upload_files=[(field, "x.txt", b"example.com")], status=400)
    assert res.json["result"] == "error"
    assert "not a file" in res.json["form_errors"][field]
    assert all_rows(db) == before


def test_an_action_sent_as_a_file_is_400(testapp, db, dbsession):
    dbDomain = f.make_domain(dbsession, "example.com")
    dbsession.commit()
    res = testapp.post(
        ADMIN + "/domain/%s/mark.json" % dbDomain.id, upload_files=[("action", "a.txt", b"inactive")], status=400
    )
    assert "not a file" in res.json["form_errors"]["action"]
    res = testapp.post(
        ADMIN + "/domain/%s/mark" % dbDomain.id, upload_files=[("action", "a.txt", b"inactive")], status=303
    )
    assert "result=error" in res.location


def test_a_file_field_sent_as_text_is_400_naming_the_field(testapp, db):
    before = all_rows(db)
    res = testapp.post(ADMIN + "/private-key/upload.json", {"private_key_file": "not a key"}, status=400)
    assert list(res.json["form_errors"]) == ["private_key_file"]
    res = testapp.post(ADMIN + "/certificate-ca/upload-cert.json", {"cert_file": "\x00" * 10}, status=400)
    assert list(res.json["form_errors"]) == ["cert_file"]
    assert all_rows(db) == before


# --- unparsable bodies


@pytest.mark.parametrize(
    "content_type,body",
    [
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=\"domain_name\"\r\n\r\na\r\n--x--\r\n"),
        ("multipart/form-data; boundary=", b"--\r\n"),
        ("multipart/form-data; boundary=\"\x7f\"", b"junk"),
    ],
)
def test_multipart_without_a_usable_boundary_is_400(testapp, db, content_type, body):
    before = all_rows(db)
    res = testapp.post(ADMIN + "/domain/new.json", body, headers={"Content-Type": content_type}, status=400)
    assert res.json["result"] == "error" and res.json["status"] == 400
    assert "form data could not be read" in res.json["message"]
    res = testapp.post(ADMIN + "/domain/new", body, headers={"Content-Type": content_type}, status=400)
    assert "text/html" in res.content_type
    assert all_rows(db) == before


def test_an_unknown_content_length_is_read_within_the_limit(app, db, app_settings):
    """Pyramid's prequest sends ``CONTENT_LENGTH: -1`` (unknown) with its standard input as the
    body: the documented cron recipes. That body is read as one without a length: within the
    limit it is used, over it a 413 (it was a 400 "not a number", which broke every recipe)."""
    status, body = _post_raw(app, ADMIN + "/domain/new.json", io.BytesIO(b"domain_name=a.example.com"), "-1")
    assert status == 200, body
    assert count_rows(db, m.Domain) == 1
    huge = io.BytesIO(b"domain_name=" + b"a" * app_settings.request_max_bytes)
    status, body = _post_raw(app, ADMIN + "/domain/new.json", huge, "-1")
    assert status == 413 and huge.tell() <= app_settings.request_max_bytes + 1
    assert count_rows(db, m.Domain) == 1


def test_a_bad_content_length_is_400(app, db):
    status, body = _post_raw(app, ADMIN + "/domain/new.json", io.BytesIO(b"domain_name=a.example.com"), "12x")
    assert status == 400 and b"Content-Length" in body
    assert count_rows(db, m.Domain) == 0


# --- NUL bytes, control characters and lengths


@pytest.mark.parametrize(
    "path,field,value",
    [
        ("/domain/new.json", "domain_name", "exa\x00mple.com"),
        ("/domain/new.json", "domain_name", "a" * 300),
        ("/acme-account/new.json", "account__contact", "ad\x00min@example.com"),
        ("/acme-account/new.json", "account__contact", "a" * 250 + "@example.com"),
        ("/acme-account/upload.json", "acme_server_directory", "https://127.0.0.1/" + "d" * 300),
        ("/acme-account/upload.json", "acme_server_directory", "https://127.0.0.1/\x00"),
        ("/unique-fqdn-set/new.json", "domain_names", "a.example.com\nb.example.com"),
        ("/private-key/new.json", "key_technology", "RSA_2048\x00"),
    ],
)
def test_nul_and_over_long_text_is_400_naming_the_field(testapp, db, path, field, value):
    """PostgreSQL refuses NUL in text and values longer than a VARCHAR(255): those were 500s."""
    before = all_rows(db)
    res = testapp.post(ADMIN + path, {field: value}, status=400)
    assert field in res.json["form_errors"], res.json
    assert value not in res.text  # never echoed back
    assert all_rows(db) == before


def test_display_names_are_bounded_by_their_column(testapp, db):
    limit = forms.column_length(m.CertificateCA.display_name)
    res = testapp.post(
        ADMIN + "/certificate-ca/upload-cert.json", {"cert_file_name": "n" * (limit + 1)},
        upload_files=[("cert_file", "ca.pem", b"x")], status=400,
    )
    assert "Longer than the %d characters" % limit in res.json["form_errors"]["cert_file_name"]


def test_a_too_long_contact_never_reaches_the_acme_server(acmeapp, db, pebble_always_valid):
    """Before: the account was registered at the ACME server, then the insert failed on
    PostgreSQL: an orphan account whose key was lost. Now: 400, and pebble gets no newAccount."""
    log_before = _read(pebble_always_valid.log_path)
    before = all_rows(db)
    for contact in ["a" * 250 + "@example.com", "adm\x00in@example.com", "admin@" + "b" * 250 + ".com"]:
        res = acmeapp.post(ADMIN + "/acme-account/new.json", {"account__contact": contact}, status=400)
        assert "account__contact" in res.json["form_errors"]
    assert all_rows(db) == before
    assert _read(pebble_always_valid.log_path)[len(log_before):].count("/sign-me-up") == 0
    # the same with a contact that fits: pebble's log records the newAccount
    acmeapp.post(ADMIN + "/acme-account/new.json", {"account__contact": "admin@example.com"}, status=200)
    assert _read(pebble_always_valid.log_path)[len(log_before):].count("/sign-me-up") >= 1


def _read(path) -> str:
    with open(path, errors="replace") as f:
        return f.read()


def test_a_normalized_contact_is_checked_against_the_column_too(ctx):
    """An IDN domain is longer in its stored (punycode) form than as typed."""
    from peter_sslers.lib import errors
    from peter_sslers.lib.db.acme_accounts import CONTACT_MAX_LENGTH
    from peter_sslers.lib.db.acme_accounts import normalize_contact

    assert CONTACT_MAX_LENGTH == forms.column_length(m.AcmeAccount.contact)
    typed = "a" * 200 + "@" + "\u00e9" * 40 + ".example.com"
    assert len(typed) <= CONTACT_MAX_LENGTH
    with pytest.raises(errors.InvalidRequest):
        normalize_contact(typed)


# --- search values and redirects


@pytest.mark.parametrize("field", ["spki", "cert_subject", "cert_issuer"])
@pytest.mark.parametrize("value", ["a" * 100000, "a\x00b"])
def test_search_values_are_bounded(testapp, db, field, value):
    """A 100 KB LIKE pattern was a 500 on SQLite ('LIKE or GLOB pattern too complex')."""
    res = testapp.get(ADMIN + "/search.json", {field: value}, status=400)
    assert res.json["result"] == "error"
    assert len(res.body) < 1000
    testapp.get(ADMIN + "/search", {field: value}, status=400)


def test_a_megabyte_action_is_never_copied_into_a_redirect(testapp, db, dbsession):
    dbDomain = f.make_domain(dbsession, "example.com")
    dbsession.commit()
    huge = "a" * 1000000
    res = testapp.post(ADMIN + "/domain/%s/mark" % dbDomain.id, {"action": huge}, status=303)
    assert "result=error" in res.location
    assert len(res.headers["Location"]) < 2500
    res = testapp.post(ADMIN + "/domain/%s/mark.json" % dbDomain.id, {"action": huge}, status=400)
    assert res.json["form_errors"]["action"] == "Not one of: active, inactive."
    assert len(res.body) < 1000


# --- the request body limit


class CountingInput(io.RawIOBase):
    """A ``wsgi.input`` that counts what the app reads of a (virtually) huge body."""

    def __init__(self, size: int):
        self.size = size
        self.read_bytes = 0

    def readable(self):
        return True

    def read(self, n=-1):
        remaining = self.size - self.read_bytes
        n = remaining if n is None or n < 0 else min(n, remaining)
        self.read_bytes += n
        return b"a" * n

    def readline(self, limit=-1):
        return self.read(min(limit, 65536) if limit and limit > 0 else 65536)


@pytest.fixture
def small_limit_app(make_app, db):
    return make_app(request_max_bytes="8192", upload_max_bytes="4096")


def _post_raw(app, path, stream, content_length=None, content_type="application/x-www-form-urlencoded"):
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "HTTP_HOST": TEST_HOST,
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": content_type,
        "wsgi.input": stream,
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.errors": io.StringIO(),
    }
    if content_length is not None:
        environ["CONTENT_LENGTH"] = str(content_length)
    else:
        environ["wsgi.input_terminated"] = True  # as waitress marks a de-chunked body
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"] = status
        captured["headers"] = headers

    body = b"".join(app(environ, start_response))
    return int(captured["status"].split()[0]), body


@pytest.mark.parametrize("path", [ADMIN + "/domain/new.json", ADMIN + "/domain/new", "/.well-known/public/whoami"])
def test_a_body_over_the_limit_is_413_before_it_is_read(small_limit_app, db, path):
    """One 100 MB form field took the process from 134 MB to 721 MB: now nothing of it is read."""
    stream = CountingInput(100 * 1024 * 1024)
    status, body = _post_raw(small_limit_app, path, stream, content_length=stream.size)
    assert status == 413
    assert stream.read_bytes == 0
    if path.endswith(".json"):
        assert b'"status": 413' in body and b"request_max_bytes" in body


def test_a_body_without_a_length_is_read_no_further_than_the_limit(small_limit_app, db):
    stream = CountingInput(100 * 1024 * 1024)
    status, body = _post_raw(small_limit_app, ADMIN + "/domain/new.json", stream)
    assert status == 413
    assert stream.read_bytes <= 8192 + 1


def test_a_body_without_a_length_under_the_limit_is_served(small_limit_app, db):
    status, body = _post_raw(small_limit_app, ADMIN + "/domain/new.json", io.BytesIO(b"domain_name=chunked.example.com"))
    assert status == 200, body
    assert count_rows(db, m.Domain) == 1


def test_an_upload_of_a_certificate_with_chain_and_key_fits_the_default_limit(app_settings):
    assert app_settings.request_max_bytes >= 3 * app_settings.upload_max_bytes


def test_the_limit_is_a_413_on_the_default_app_too(testapp, db):
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": "a" * (1024 * 1024 + 1)}, status=413)
    assert res.json["status"] == 413
    assert count_rows(db, m.Domain) == 0


def test_request_max_bytes_below_upload_max_bytes_stops_start_up(raw_settings):
    settings = dict(raw_settings, request_max_bytes="4096", upload_max_bytes="8192")
    with pytest.raises(ConfigurationError) as info:
        ApplicationSettings.from_settings(settings)
    assert "request_max_bytes" in str(info.value)


def test_small_limit_app_still_serves_gets(small_limit_app, db):
    app = webtest.TestApp(small_limit_app, extra_environ={"HTTP_HOST": TEST_HOST})
    app.get(ADMIN + "/domains.json", status=200)
