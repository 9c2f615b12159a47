"""Admin protection (issue 11): allowed hosts, authentication, CSRF, headers, file modes.

Each test reproduces one defect of the issue: on the code before the fix, a foreign Host got
admin pages and keys, a Referer-only cross-site POST went through, nothing needed credentials,
no form carried a CSRF token, and the SQLite file was created 0644.
"""

import base64
import html.parser
import logging
import os
import re
import stat
import subprocess
import sys

import bcrypt
import pytest
import sqlalchemy as sa
import webtest

from peter_sslers.config import ApplicationSettings
from peter_sslers.config import ConfigurationError
from peter_sslers.model import meta
from peter_sslers.model import objects as m
from peter_sslers.scripts import initializedb
from peter_sslers.web import security
from tests import factories as f
from tests.conftest import TEST_HOST
from tests.conftest import count_rows

ADMIN = "/.well-known/admin"
TEMPLATES = os.path.join(os.path.dirname(security.__file__), "templates", "admin")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _client(app, host):
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": host, "REMOTE_ADDR": "127.0.0.1"})


def _new_key(testapp) -> str:
    res = testapp.post(ADMIN + "/private-key/new.json", {"key_technology": "EC_P256"}, status=200)
    return res.json["PrivateKey"]["id"]


# --- the host allow-list


FOREIGN_HOSTS = ["rebind.attacker.example", "rebind.attacker.example:7201", "attacker.example.", "[2001:db8::1]:80"]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_foreign_host_gets_no_admin_page(app, testapp, host):
    key_id = _new_key(testapp)
    foreign = _client(app, host)
    res = foreign.get(ADMIN + "/private-key/%s/key.pem" % key_id, status=403)
    assert "PRIVATE KEY" not in res.text
    assert res.content_type == "text/plain"
    res = foreign.get(ADMIN + "/private-key/%s.json" % key_id, status=403)
    assert res.json["result"] == "error" and res.json["status"] == 403
    assert "PRIVATE KEY" not in res.text
    for path in ("", "/domains", "/settings", "/private-keys.json", "/no-such-route"):
        res = foreign.get(ADMIN + path, status=403)
        assert "admin_allowed_hosts" in res.text
    # a POST is refused before it can change anything
    foreign.post(ADMIN + "/domain/new.json", {"domain_name": "example.com"}, status=403)
    # the public views answer any host
    assert foreign.get("/.well-known/public/whoami", status=200)


@pytest.mark.parametrize(
    "host",
    [
        TEST_HOST,  # test.ini's admin_allowed_hosts
        TEST_HOST.upper() + ":8080",
        TEST_HOST + ".",
        "localhost",
        "localhost:7201",
        "127.0.0.1:7201",
        "[::1]:7201",
        "[::1]",
    ],
)
def test_allowed_and_loopback_hosts_get_admin_pages(app, testapp, host):
    key_id = _new_key(testapp)
    client = _client(app, host)
    assert "PRIVATE KEY" in client.get(ADMIN + "/private-key/%s/key.pem" % key_id, status=200).text
    client.get(ADMIN + "/domains", status=200)


def test_admin_server_host_is_allowed_by_default(make_app, db):
    app = make_app(admin_allowed_hosts="", admin_server="http://certs.internal.example:7201")
    _client(app, "certs.internal.example:7201").get(ADMIN + "/domains.json", status=200)
    _client(app, TEST_HOST).get(ADMIN + "/domains.json", status=403)
    _client(app, "127.0.0.1:6543").get(ADMIN + "/domains.json", status=200)


def test_normalize_host():
    assert security.normalize_host("Example.COM:80") == "example.com"
    assert security.normalize_host("example.com.") == "example.com"
    assert security.normalize_host("[::1]:7201") == "::1"
    assert security.normalize_host("[::1]") == "::1"
    assert security.normalize_host("[::1]x") is None
    assert security.normalize_host("a@b") is None
    assert security.normalize_host("") is None
    with pytest.raises(ConfigurationError, match="admin_allowed_hosts"):
        ApplicationSettings.from_settings({"admin_allowed_hosts": "good.example, bad/host"})


# --- the Origin check and CSRF tokens


def _token(testapp) -> str:
    form = testapp.get(ADMIN + "/domain/new", status=200).forms[1]  # 0: the header's search box
    return form["csrf_token"].value


@pytest.fixture
def browser(app, db):
    """A plain WebTest client: it sends a CSRF token only when a test gives one (not BrowserTestApp)."""
    return _client(app, TEST_HOST)


def test_referer_only_cross_site_post_is_refused(browser, db):
    testapp = browser
    testapp.post(
        ADMIN + "/domain/new.json",
        {"domain_name": "example.com"},
        headers={"Referer": "http://evil.example.net/page.html"},
        status=403,
    )
    testapp.post(
        ADMIN + "/domain/new",
        {"domain_name": "example.com"},
        headers={"Referer": "http://evil.example.net/page.html"},
        status=403,
    )
    assert count_rows(db, m.Domain) == 0


def test_origin_is_compared_with_the_allow_list_not_the_host(make_app, db):
    """On a rebinding attack Host and Origin are both the attacker's, so comparing them says
    "same origin". With the host check off (``*``) the Origin must still be an allowed name."""
    app = make_app(admin_allowed_hosts="*")
    client = _client(app, "evil.example.net")
    token = _token(client)  # "*": the attacker's Host gets pages, and so a token
    client.post(
        ADMIN + "/domain/new.json",
        {"domain_name": "example.com", "csrf_token": token},
        headers={"Origin": "http://evil.example.net"},
        status=403,
    )
    client.post(
        ADMIN + "/domain/new.json",
        {"domain_name": "example.com", "csrf_token": token},
        headers={"Referer": "http://evil.example.net/"},
        status=403,
    )
    assert count_rows(db, m.Domain) == 0
    # the loopback Origin of the admin's own browser is fine
    client = _client(app, "127.0.0.1:7201")
    token = _token(client)
    client.post(
        ADMIN + "/domain/new.json",
        {"domain_name": "example.com", "csrf_token": token},
        headers={"Origin": "http://127.0.0.1:7201", "Sec-Fetch-Site": "same-origin"},
        status=200,
    )
    client.post(
        ADMIN + "/domain/new.json",
        {"domain_name": "example.org", "csrf_token": token},
        headers={"Origin": "http://127.0.0.1:7201", "Sec-Fetch-Site": "same-site"},
        status=403,
    )
    client.post(
        ADMIN + "/domain/new.json", {"domain_name": "example.org", "csrf_token": token}, headers={"Origin": "null"}, status=403
    )
    assert count_rows(db, m.Domain) == 1


def test_same_site_post_needs_the_csrf_token(browser, db):
    testapp = browser
    origin = {"Origin": "http://%s" % TEST_HOST}
    testapp.post(ADMIN + "/domain/new.json", {"domain_name": "example.com"}, headers=origin, status=403)
    testapp.post(
        ADMIN + "/domain/new.json", {"domain_name": "example.com", "csrf_token": "forged"}, headers=origin, status=403
    )
    assert count_rows(db, m.Domain) == 0
    token = _token(testapp)
    testapp.post(ADMIN + "/domain/new.json", {"domain_name": "example.com", "csrf_token": token}, headers=origin, status=200)
    # the header works too (for scripts in the page, should there ever be any)
    headers = dict(origin, **{"X-CSRF-Token": token, "Sec-Fetch-Site": "same-origin"})
    testapp.post(ADMIN + "/domain/new.json", {"domain_name": "example.org"}, headers=headers, status=200)
    # a browser's form submit: the page's own form, its cookie, its token
    form = testapp.get(ADMIN + "/domain/new", status=200).forms[1]  # 0: the header's search box
    form["domain_name"] = "example.net"
    assert form.submit(headers=origin, status=303)
    assert count_rows(db, m.Domain) == 3


def test_cookie_alone_marks_a_browser(browser, db):
    testapp = browser
    _token(testapp)  # the cookie jar now holds the CSRF cookie, as a browser would
    testapp.post(ADMIN + "/domain/new.json", {"domain_name": "example.com"}, status=403)
    testapp.post(ADMIN + "/domain/new.json", {"domain_name": "example.com", "csrf_token": _token(testapp)}, status=200)


def test_curl_style_post_needs_no_token(browser, db):
    testapp = browser
    testapp.post(ADMIN + "/domain/new.json", {"domain_name": "example.com"}, status=200)
    res = testapp.post(
        ADMIN + "/private-key/upload.json",
        upload_files=[("private_key_file", "k.pem", open(os.path.join(ROOT, "tests", "test_data", "csr_ec.key.pem"), "rb").read())],
        status=200,
    )
    assert res.json["result"] == "success"


class _FormCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"method": (attrs.get("method") or "get").lower(), "fields": {}}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None:
            self._current["fields"][attrs.get("name")] = attrs.get("value")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _admin_html_get_paths(app):
    """Every admin HTML page without a placeholder, read from the route registry."""
    from pyramid.interfaces import IRoutesMapper

    mapper = app.registry.getUtility(IRoutesMapper)
    for route in mapper.get_routes():
        if route.name.startswith("admin") and "|json" not in route.name and "{" not in route.pattern:
            yield "/" + route.pattern.lstrip("/")


def test_every_post_form_carries_the_csrf_token(app, testapp, dbsession):
    # objects, so the focus pages (and their many forms) render
    domain = f.make_domain(dbsession, "example.com")
    fqdn_set = f.make_fqdn_set(dbsession, ["example.org"])
    account = f.make_account(dbsession)
    queue_item = f.make_queue_certificate(dbsession, unique_fqdn_set=fqdn_set, unique_fqdn_set__source=fqdn_set)
    dbsession.add(queue_item)
    dbsession.commit()
    key_id = _new_key(testapp)
    paths = sorted(set(_admin_html_get_paths(app)))
    paths += [
        ADMIN + path
        for path in (
        "/domain/%s" % domain.id,
        "/unique-fqdn-set/%s" % fqdn_set.id,
        "/unique-fqdn-set/%s/modify" % fqdn_set.id,
        "/acme-account/%s" % account.id,
        "/private-key/%s" % key_id,
        "/queue-certificate/%s" % queue_item.id,
        )
    ]
    pages_with_post_forms = 0
    for path in paths:
        res = testapp.get(path, expect_errors=True)
        if res.status_int != 200 or res.content_type != "text/html":
            continue
        collector = _FormCollector()
        collector.feed(res.text)
        posts = [form for form in collector.forms if form["method"] == "post"]
        pages_with_post_forms += bool(posts)
        for form in posts:
            assert form["fields"].get("csrf_token"), "a POST form without the CSRF token on %s" % path
    assert pages_with_post_forms >= 15
    # and every POST form in the templates' source, rendered or not
    for name in os.listdir(TEMPLATES):
        with open(os.path.join(TEMPLATES, name)) as source:
            text = source.read()
        for match in re.finditer(r"<form\b[^>]*>", text, re.I):
            if re.search(r'method="post"', match.group(0), re.I):
                assert text[match.end() :].startswith("${csrf_input()}"), "%s: %s" % (name, match.group(0))


# --- authentication


@pytest.fixture
def credentials(tmp_path):
    htpasswd = tmp_path / "admin.htpasswd"
    # `htpasswd -B` writes $2y$; the same algorithm as bcrypt's $2b$
    hashed = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$", 1)
    htpasswd.write_text("# admins\nalice:%s\n" % hashed)
    tokens = tmp_path / "admin.tokens"
    token = security.new_token()
    tokens.write_text("cron:%s\n" % security.token_digest(token))
    return {"htpasswd": str(htpasswd), "tokens": str(tokens), "token": token}


def _basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}


def test_auth_on_requires_credentials_on_every_admin_route(make_app, db, credentials):
    app = make_app(admin_htpasswd_file=credentials["htpasswd"], admin_tokens_file=credentials["tokens"])
    client = _client(app, TEST_HOST)
    res = client.get(ADMIN + "/domains", status=401)
    assert res.headers["WWW-Authenticate"].startswith('Basic realm="peter_sslers admin"')
    res = client.get(ADMIN + "/domains.json", status=401)
    assert res.json["result"] == "error" and res.json["status"] == 401
    client.get(ADMIN + "/no-such-page", status=401)
    client.post(ADMIN + "/domain/new.json", {"domain_name": "example.com"}, status=401)
    assert count_rows(db, m.Domain) == 0
    # wrong password, unknown user, garbage
    client.get(ADMIN + "/domains", headers=_basic("alice", "wrong"), status=401)
    client.get(ADMIN + "/domains", headers=_basic("mallory", "correct horse"), status=401)
    client.get(ADMIN + "/domains", headers={"Authorization": "Basic !!!"}, status=401)
    # the right one, twice (the second from the verified cache)
    client.get(ADMIN + "/domains", headers=_basic("alice", "correct horse"), status=200)
    client.get(ADMIN + "/domains.json", headers=_basic("alice", "correct horse"), status=200)
    # curl with credentials still needs no CSRF token
    client.post(ADMIN + "/domain/new.json", {"domain_name": "example.com"}, headers=_basic("alice", "correct horse"), status=200)
    assert count_rows(db, m.Domain) == 1
    # public views never need credentials
    client.get("/.well-known/public/whoami", status=200)


def test_bearer_token_works_on_json_routes_only(make_app, db, credentials):
    app = make_app(admin_tokens_file=credentials["tokens"])
    client = _client(app, TEST_HOST)
    bearer = {"Authorization": "Bearer " + credentials["token"]}
    client.get(ADMIN + "/domains.json", headers=bearer, status=200)
    client.post(ADMIN + "/domain/new.json", {"domain_name": "example.com"}, headers=bearer, status=200)
    client.get(ADMIN + "/domains", headers=bearer, status=401)
    client.get(ADMIN + "/domains.json", headers={"Authorization": "Bearer " + credentials["token"] + "x"}, status=401)
    # the file holds the digest only: the digest is no token
    digest = security.token_digest(credentials["token"])
    client.get(ADMIN + "/domains.json", headers={"Authorization": "Bearer " + digest}, status=401)


def test_htpasswd_file_is_read_again_when_it_changes(make_app, db, credentials):
    app = make_app(admin_htpasswd_file=credentials["htpasswd"])
    client = _client(app, TEST_HOST)
    client.get(ADMIN + "/domains", headers=_basic("bob", "pw-of-bob"), status=401)
    assert subprocess.run(
        [sys.executable, "-m", "peter_sslers.web.security", "add-user", credentials["htpasswd"], "bob", "--password-stdin"],
        input="pw-of-bob\n",
        text=True,
        capture_output=True,
    ).returncode == 0
    assert stat.S_IMODE(os.stat(credentials["htpasswd"]).st_mode) == 0o600
    client.get(ADMIN + "/domains", headers=_basic("bob", "pw-of-bob"), status=200)
    client.get(ADMIN + "/domains", headers=_basic("alice", "correct horse"), status=200)


def test_new_token_console_script(tmp_path):
    path = str(tmp_path / "tokens")
    result = subprocess.run(
        [sys.executable, "-m", "peter_sslers.web.security", "new-token", path, "ci"], text=True, capture_output=True
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    with open(path) as f:
        content = f.read()
    assert token not in content
    assert content == "ci:%s\n" % security.token_digest(token)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert security.TokensFile(path).verify(token) == "ci"


def test_bad_htpasswd_file_stops_start_up(make_app, tmp_path):
    path = tmp_path / "md5.htpasswd"
    path.write_text("alice:$apr1$abcdefgh$0123456789abcdefghijkl\n")
    with pytest.raises(ConfigurationError, match="admin_htpasswd_file.*bcrypt"):
        make_app(admin_htpasswd_file=str(path))


# --- headers


def test_security_headers(testapp):
    res = testapp.get(ADMIN + "/domains", status=200)
    csp = res.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert res.headers["Referrer-Policy"] == "same-origin"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in testapp.get(ADMIN + "/domains.json").headers
    public = testapp.get("/.well-known/public/whoami", status=200)
    assert public.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in public.headers
    missing = testapp.get("/.well-known/acme-challenge/nothing-here", status=404)
    assert missing.headers["X-Content-Type-Options"] == "nosniff"



def test_security_headers_once_each(testapp, dbsession):
    """The tween sets its headers in one pass (web/tweens.py ``_set_headers``): each exactly once,
    on a page, on config.json (a Response of the view's own), on a 404 and on a refusal."""
    dbDomain = f.make_domain(dbsession, name="headers-once.example.com")
    dbsession.commit()
    admin_names = ("X-Peter-SSLers", "X-Content-Type-Options", "Cache-Control", "X-Frame-Options",
                   "Content-Security-Policy", "Referrer-Policy")
    for res in (
        testapp.get(ADMIN + "/domains", status=200),
        testapp.get(ADMIN + "/domain/%s/config.json" % dbDomain.id, status=200),
        testapp.get(ADMIN + "/domain/no-such-domain.example.com/config.json", status=404),
        testapp.get(ADMIN + "/domains.json", headers={"Host": "rebound.example.com"}, status=403),
    ):
        names = [name.lower() for name, _value in res.headerlist]
        for name in admin_names:
            assert names.count(name.lower()) == 1, (res.request.path, res.headerlist)
        assert res.headers["Cache-Control"] == "no-store"
        assert res.headers["X-Frame-Options"] == "DENY"
    for res in (
        testapp.get("/.well-known/public/whoami", status=200),
        testapp.get("/.well-known/acme-challenge/nothing-here", status=404),
    ):
        names = [name.lower() for name, _value in res.headerlist]
        assert names.count("x-content-type-options") == 1 and names.count("x-peter-sslers") == 1
        assert "cache-control" not in names and "content-security-policy" not in names


def test_set_headers_replaces_a_views_own_value():
    from pyramid.response import Response

    from peter_sslers.web import tweens

    response = Response("x", content_type="text/plain")
    response.headers["cache-control"] = "max-age=60"
    response.headers["X-Other"] = "kept"
    tweens._set_headers(response, tweens.ADMIN_HEADERS)
    assert response.headers.getall("Cache-Control") == ["no-store"]
    assert response.headers["X-Other"] == "kept"
    assert response.content_type == "text/plain"

def test_templates_need_no_inline_script_or_style():
    """The CSP forbids inline script and style: the templates must not rely on them."""
    for name in os.listdir(TEMPLATES):
        with open(os.path.join(TEMPLATES, name)) as source:
            text = source.read().lower()
        for needle in ("<script", "<style", " style=", " onclick=", " onsubmit=", " onchange=", " onload=", "javascript:"):
            assert needle not in text, "%s holds %s" % (name, needle)


# --- file modes and start-up warnings


def test_sqlite_file_is_created_0600(tmp_path, app_settings):
    old = os.umask(0o022)  # the usual umask, under which SQLite alone made the file 0644
    try:
        path = tmp_path / "new.sqlite"
        engine = meta.get_engine({"sqlalchemy.url": "sqlite:///%s" % path})
        initializedb.initialize_database(engine, app_settings)
        engine.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with sa.create_engine("sqlite:///%s" % path).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1



def test_sqlite_wal_files_are_0600_and_wal_is_the_default(tmp_path, app_settings):
    """WAL (the default journal) keeps FILE-wal and FILE-shm beside the database while it is open:
    they hold the last commits (private keys too), so they must be 0600 like the file."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "wal.sqlite"
        engine = meta.get_engine({"sqlalchemy.url": "sqlite:///%s" % path})
        initializedb.initialize_database(engine, app_settings)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            connection.exec_driver_sql(
                "INSERT INTO domain_blocklisted (domain_name, timestamp_created) "
                "VALUES ('wal.example.com', '2026-01-01 00:00:00')"
            )
            connection.commit()
            for suffix in ("-wal", "-shm"):
                assert os.path.exists("%s%s" % (path, suffix)), suffix
                assert stat.S_IMODE(os.stat("%s%s" % (path, suffix)).st_mode) == 0o600, suffix
        engine.dispose()
    finally:
        os.umask(old)
    # the mode is stored in the file: a plain connection finds it, and the row
    with sa.create_engine("sqlite:///%s" % path).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        count = "SELECT count(*) FROM domain_blocklisted WHERE domain_name = 'wal.example.com'"
        assert connection.exec_driver_sql(count).scalar() == 1


def test_sqlite_journal_and_synchronous_options(tmp_path):
    path = tmp_path / "options.sqlite"
    settings = {"sqlalchemy.url": "sqlite:///%s" % path, "sqlite_synchronous": "normal"}
    engine = meta.get_engine(settings)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    engine.dispose()
    # back to the rollback journal: the file is converted on the first connection
    engine = meta.get_engine(dict(settings, sqlite_journal_mode="DELETE", sqlite_synchronous="full"))
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    engine.dispose()
    assert not os.path.exists("%s-wal" % path)
    for bad in ({"sqlite_journal_mode": "memory"}, {"sqlite_synchronous": "off"}, {"sqlite_journal_mode": ""}):
        with pytest.raises(ConfigurationError) as exc:
            meta.get_engine(dict(settings, **bad))
        assert list(bad)[0] in str(exc.value)
        with pytest.raises(ConfigurationError):
            ApplicationSettings.from_settings(dict(settings, **bad))
    # an in-memory database keeps SQLite's memory journal, and works
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:mem1?mode=memory&cache=shared&uri=true"):
        engine = meta.get_engine({"sqlalchemy.url": url})
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        engine.dispose()

def test_initialize_script_creates_the_database_0600(tmp_path):
    ini = tmp_path / "init.ini"
    db_path = tmp_path / "store.sqlite"
    ini.write_text(
        "[app:main]\nuse = egg:peter_sslers\nsqlalchemy.url = sqlite:///%s\ncertificate_authority = pebble\n" % db_path
    )
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "initialize_peter_sslers_db"), str(ini)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


def test_start_up_warns_about_a_readable_store(tmp_path, caplog):
    path = tmp_path / "open.sqlite"
    path.write_bytes(b"")
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="peter_sslers.model.meta"):
        meta.get_engine({"sqlalchemy.url": "sqlite:///%s" % path}).dispose()
    assert any(str(path) in r.getMessage() and "0644" in r.getMessage() for r in caplog.records), caplog.text
    caplog.clear()
    os.chmod(path, 0o600)
    with caplog.at_level(logging.WARNING, logger="peter_sslers.model.meta"):
        meta.get_engine({"sqlalchemy.url": "sqlite:///%s" % path}).dispose()
    assert not caplog.records


def _settings(**raw):
    base = {"enable_views_admin": "true"}
    base.update(raw)
    return ApplicationSettings.from_settings(base)


def test_start_up_warns_when_the_admin_listens_beyond_loopback_without_auth(tmp_path, caplog, credentials):
    def warnings(settings, global_config=None):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="peter_sslers.web.security"):
            security.warn_at_startup(settings, global_config)
        return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

    assert warnings(_settings()) == []
    assert warnings(_settings(admin_server="http://127.0.0.1:7201")) == []
    loud = warnings(_settings(admin_server="http://certs.internal.example:7201"))
    assert len(loud) == 1 and "WITHOUT AUTHENTICATION" in loud[0] and "certs.internal.example" in loud[0]
    ini = tmp_path / "serve.ini"
    ini.write_text("[app:main]\nuse = egg:peter_sslers\n\n[server:main]\nuse = egg:waitress#main\nlisten = 0.0.0.0:7201\n")
    assert "0.0.0.0" in warnings(_settings(), {"__file__": str(ini)})[0]
    ini.write_text("[server:main]\nuse = egg:waitress#main\nlisten = 127.0.0.1:7201 [::1]:7201\n")
    assert warnings(_settings(), {"__file__": str(ini)}) == []
    ini.write_text("[server:main]\nuse = egg:waitress#main\nhost = 10.0.0.5\nport = 7201\n")
    assert "10.0.0.5" in warnings(_settings(), {"__file__": str(ini)})[0]
    # with authentication, or without the admin views: quiet
    assert warnings(_settings(admin_htpasswd_file=credentials["htpasswd"]), {"__file__": str(ini)}) == []
    assert warnings(_settings(enable_views_admin="false"), {"__file__": str(ini)}) == []


def test_the_app_warns_at_start_up(make_app, db, tmp_path, caplog):
    ini = tmp_path / "serve.ini"
    ini.write_text("[server:main]\nuse = egg:waitress#main\nlisten = *:7201\n")
    settings = {"admin_server": "http://10.1.2.3:7201"}
    with caplog.at_level(logging.WARNING, logger="peter_sslers.web.security"):
        make_app(**settings)
    assert "WITHOUT AUTHENTICATION" in caplog.text
