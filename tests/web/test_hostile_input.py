"""Hostile input on every form route, driven by Hypothesis (issue 11, item 7).

The routes come from the app's own registry: every action the self-documentation registry
(``web/lib/docs.py``) records as a POST, with its colander schema, in its JSON twin and its
HTML twin. No hand-written list: a new action is covered the day it is declared.

For each route, Hypothesis draws a form: each field of the schema missing, a hostile value
(huge, NUL and other control characters, unicode, ids out of range, numbers where text
belongs, SQL and markup), a plausible one (one of its valid options), a file part where text
belongs, or the field repeated; sometimes an unknown field besides, and sometimes an
out-of-range id in the path. The properties:

* no answer is a 500 (an outside service's failure may be a 502 or a 503: nothing else);
* after a rejected request (4xx), the row count of every table is what it was.

No ACME server is needed: the app's default ACME server is a closed port on loopback, so an
input good enough to reach it fails at once. The objects the routes act on are made through
the app's own upload routes (a certificate with its key and chain, an account key) and the
factories (an order, its authorization and challenge, queue items), with every ACME URL on
that closed port.

Bounded: a few examples per route (``SSL_HOSTILE_EXAMPLES``, default 3), no deadline,
derandomized so a failure reproduces, and no example database written into the tree.
"""

import os
import re
import time

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from pyramid.interfaces import IRoutesMapper

from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from peter_sslers.web.lib import docs as docs_registry
from tests import data
from tests.browser import BrowserTestApp
from tests import factories as f
from tests.conftest import TEST_HOST
from tests.pebble import free_port

ADMIN = "/.well-known/admin"
EXAMPLES = int(os.environ.get("SSL_HOSTILE_EXAMPLES", "3"))

HOSTILE_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    # no shrinking: it would run a failing route hundreds of times; the report names the request
    phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
)

# --- the values

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "example.com\x00.evil",
    "\r\nSet-Cookie: x=y",
    "\t",
    "\x7f",
    "x" * 256,
    "x" * 70000,
    "\u00e9" * 300,
    "\u202e\u0644\u0627",
    "\U0001f600",
    "\ufeff",
    "-1",
    "0",
    "1",
    "2147483647",
    "2147483648",
    "99999999999999999999",
    "\u00b2",
    "\u0661\u0662",
    "1e3",
    "0x10",
    "null",
    "true",
    "[]",
    "{}",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00",
    "../../etc/passwd",
    "a," * 300,
    "example.com," * 120,
    "*.example.com",
    "mailto:",
    "admin@" + "b" * 300 + ".com",
]


def field_values(node):
    """What Hypothesis may send for one schema field: None means 'leave it out'."""
    choices = []
    validator = getattr(node, "validator", None)
    if hasattr(validator, "choices"):  # colander.OneOf and forms.OneOf
        choices = [str(c) for c in validator.choices]
    plausible = choices + ["example.com", "a.example.com,b.example.com", "admin@example.com", "1"]
    return st.one_of(
        st.none(),
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=40),
        st.sampled_from(plausible),
        st.builds(lambda b: ("file", b), st.sampled_from([b"", b"\x00\xff", b"example.com", b"x" * 5000])),
        st.builds(lambda a, b: ("repeat", a, b), st.sampled_from(HOSTILE_TEXT), st.sampled_from(plausible)),
    )


def form_strategy(schema):
    nodes = list(schema().children) if schema is not None else []
    fields = {node.name: field_values(node) for node in nodes}
    extra = st.one_of(
        st.none(),
        st.tuples(st.sampled_from(["unknown_field", "action", "id", "acme_account_id", "_charset_"]),
                  st.sampled_from(HOSTILE_TEXT)),
    )
    return st.fixed_dictionaries(fields), extra


def encode_form(values: dict, extra):
    params, files = [], []
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, tuple) and value[0] == "file":
            files.append((name, "hostile.txt", value[1]))
        elif isinstance(value, tuple) and value[0] == "repeat":
            params.extend([(name, value[1]), (name, value[2])])
        else:
            params.append((name, value))
    if extra is not None:
        params.append(extra)
    return params, files


# --- the world the routes act on


class World:
    """Ids of real objects for the route placeholders, by the path's first segment."""

    def __init__(self, ids: dict):
        self.ids = ids

    def placeholder(self, route_pattern: str, name: str) -> str:
        segment = route_pattern.lstrip("/").split("/")[2] if route_pattern.startswith(ADMIN) else ""
        if name == "domain_identifier":
            return str(self.ids["domain"])
        if name == "id":
            return str(self.ids.get(segment, 1))
        if name == "format":
            return "pem"
        if name == "which":
            return "all"
        if name == "page":
            return "1"
        return "x"


def build_world(testapp, dbengine, closed_url) -> World:
    # a certificate with its key and chain, through the upload route: cert, key, CAs, domain, set
    files = data.leaf("leaf_rsa_single")
    res = testapp.post(
        ADMIN + "/certificate-signed/upload.json",
        upload_files=[
            ("private_key_file", "k.pem", files["key"].encode()),
            ("certificate_file", "c.pem", files["cert"].encode()),
            ("chain_file", "ch.pem", files["chain"].encode()),
        ],
        status=200,
    )
    certificate = res.json["CertificateSigned"]
    with sa.orm.Session(bind=dbengine, expire_on_commit=False) as s:
        dbProvider = s.scalars(sa.select(m.AcmeAccountProvider).where(m.AcmeAccountProvider.is_default.is_(True))).one()
        provider_id = dbProvider.id
    res = testapp.post(
        ADMIN + "/acme-account/upload.json",
        {"acme_account_provider_id": str(provider_id), "account__contact": "hostile@example.com"},
        upload_files=[("account_key_file_pem", "a.pem", data.read("account_rsa.key.pem").encode())],
        status=200,
    )
    account_id = int(res.json["AcmeAccount"]["id"])
    testapp.post(ADMIN + "/queue-domains/add.json", {"domain_names_http01": "queued.example.com"}, status=200)
    res = testapp.post(ADMIN + "/acme-orderless/new.json", {"domain_names_http01": "example.com"}, status=200)
    orderless_id = int(res.json["AcmeOrderless"]["id"])
    with sa.orm.Session(bind=dbengine, expire_on_commit=False) as s:
        dbAccount = s.get(m.AcmeAccount, account_id)
        dbAccount.account_url = closed_url + "/acct/1"
        dbCertificate = s.get(m.CertificateSigned, int(certificate["id"]))
        dbDomain = dbCertificate.unique_fqdn_set.to_domains[0].domain
        dbOrder = f.make_acme_order(
            s,
            account=dbAccount,
            fqdn_set=dbCertificate.unique_fqdn_set,
            private_key=dbCertificate.private_key,
            order_url=closed_url + "/order/1",
            finalize_url=closed_url + "/finalize/1",
        )
        dbAuthz = f.make_authorization(
            s, order=dbOrder, domain=dbDomain, authorization_url=closed_url + "/authz/1",
            acme_status_authorization_id=model_utils.Acme_Status_Authorization.PENDING,
        )
        dbChallenge = f.make_challenge(s, dbAuthz, challenge_url=closed_url + "/chall/1")
        dbQueueCertificate = f.make_queue_certificate(
            s, acme_account=dbAccount, unique_fqdn_set__source=dbCertificate.unique_fqdn_set
        )
        s.add(dbQueueCertificate)
        s.flush()
        dbQueueDomain = s.scalars(sa.select(m.QueueDomain)).first()
        # /api/reconcile-cas downloads the CAs' caIssuers URIs: the test data's name ca.example.com;
        # here they are the closed port, as the ACME server is (the tests stay on loopback)
        s.execute(
            sa.update(m.CertificateCA)
            .where(m.CertificateCA.cert_issuer_uri.is_not(None))
            .values(cert_issuer_uri=closed_url.replace("https://", "http://") + "/issuer.der")
        )
        ids = {
            "acme-account": dbAccount.id,
            "acme-authorization": dbAuthz.id,
            "acme-challenge": dbChallenge.id,
            "acme-order": dbOrder.id,
            "acme-orderless": orderless_id,
            "certificate-signed": dbCertificate.id,
            "certificate-ca": s.scalars(sa.select(m.CertificateCA.id)).first(),
            "certificate-ca-chain": s.scalars(sa.select(m.CertificateCAChain.id)).first(),
            "domain": dbDomain.id,
            "private-key": dbCertificate.private_key_id,
            "queue-certificate": dbQueueCertificate.id,
            "queue-domain": dbQueueDomain.id,
            "unique-fqdn-set": dbCertificate.unique_fqdn_set_id,
        }
        s.commit()
    return World(ids)


def row_counts(dbengine) -> dict:
    """Every table's row count, in one statement."""
    tables = m.Base.metadata.sorted_tables
    statement = sa.select(*[sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables])
    with dbengine.connect() as connection:
        row = connection.execute(statement).one()
    return dict(row._mapping)


# --- the routes, from the registry


def post_routes(app):
    """(route name, pattern, schema) of every POST action, JSON and HTML twins."""
    mapper = app.registry.getUtility(IRoutesMapper)
    routes = []
    for entry in docs_registry.get_all(app.registry).values():
        if not entry.is_post:
            continue
        names = [entry.route_name + "|json"] + ([] if entry.json_only else [entry.route_name])
        for name in names:
            route = mapper.get_route(name)
            if route is not None:
                routes.append((name, "/" + route.pattern.lstrip("/"), entry.schema))
    return sorted(routes, key=lambda r: r[0])


def fill(pattern: str, world: World, hostile_id) -> str:
    def replace(match):
        name = match.group(1)
        if hostile_id is not None and name in ("id", "domain_identifier"):
            return hostile_id
        return world.placeholder(pattern, name)

    return re.sub(r"{(\w+)(?::(?:[^{}]|{[^}]*})*)?}", replace, pattern)


@pytest.fixture
def hostile_app(make_app, db):
    """The app, its default ACME server a closed port on loopback (an ACME call fails at once),
    with the ACME-flow tool on (its routes are registered only then)."""
    closed_url = "https://127.0.0.1:%d" % free_port()
    app = make_app(certificate_authority_directory=closed_url + "/dir", enable_acme_flow="true")
    return app, closed_url


def test_every_form_route_survives_hostile_input(hostile_app, dbengine):
    app, closed_url = hostile_app
    # posts like the admin's pages (the CSRF token once a page set its cookie): the hostile values
    # must reach the forms' validation, not stop at the CSRF check
    testapp = BrowserTestApp(app, extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})
    world = build_world(testapp, dbengine, closed_url)
    routes = post_routes(app)
    # the registry, not a hand-written list: every action of the API, both twins
    assert len(routes) >= 90, [r[0] for r in routes]
    only = os.environ.get("SSL_HOSTILE_ROUTES")  # a regex, to look at some routes closely
    if only:
        routes = [r for r in routes if re.search(only, r[0])]
    failures = []
    timings = []
    for name, pattern, schema in routes:
        form, extra = form_strategy(schema)
        has_id = "{id" in pattern or "{domain_identifier" in pattern
        hostile_ids = [None, None, None, "2147483648", "99999999999999999999"] if has_id else [None]

        @HOSTILE_SETTINGS
        @given(values=form, extra=extra, hostile_id=st.sampled_from(hostile_ids))
        def check(values, extra, hostile_id):
            path = fill(pattern, world, hostile_id)
            params, files = encode_form(values, extra)
            before = row_counts(dbengine)
            res = testapp.post(path, params=params, upload_files=files or None, status="*", expect_errors=True)
            where = "%s POST %s %r %r -> %s" % (name, path, _short(params), _short(files), res.status)
            assert res.status_int != 500, where + "\n" + res.text[:500]
            assert res.status_int < 500 or res.status_int in (502, 503), where
            if hostile_id is not None:
                assert res.status_int == 404, where
            if 400 <= res.status_int < 500:
                assert row_counts(dbengine) == before, where
                if name.endswith("|json") and res.content_type == "application/json":
                    assert res.json["result"] == "error", where
                assert len(res.body) < 200000, where  # nothing huge echoed back
            location = res.headers.get("Location", "")
            assert len(location) < 4096, where

        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # an assertion, or the app raising through WebTest
            failures.append("%s: %s" % (name, " | ".join(str(exc).splitlines()[:3])[:900] or repr(exc)))
        timings.append((time.monotonic() - started, name))
    print("slowest routes:", sorted(timings, reverse=True)[:8])
    assert not failures, "\n".join(failures)


def _short(value):
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "..."
