"""`make screenshots`: the admin's pictures in docs/images/, taken in headless Chromium.

It builds, on loopback and in a temporary directory, what the browser tests build
(tests/ui/test_admin_chromium.py), with the same helpers:

1. pebble (Debian's, every challenge valid: tests/pebble.py) as the ACME server;
2. peter_sslers on a fresh SQLite database (test.ini's settings, `initialize_database`), served
   over HTTP (tests/edge/conftest.ServedApp), with a stand-in nginx pool (tools/fake_server.py);
3. a few objects of each kind through the JSON API (tests/chromium.seed_admin), a certificate
   ordered from pebble, two uploads ending in 5 and 20 days and an expired one;

then opens Debian's chromium (tests/chromium.launch) and writes, in docs/images/ (or --out):

  dashboard.png     the admin index
  domains.png       the domain list, with each domain's certificate and days left
  certificate.png   a certificate's page
  form-error.png    the certificate upload form, refused with a field error
  confirmation.png  the confirmation step of "revoke on the ACME server" (see below)

The pages are taken as the code draws them today: run it again after a change to the
templates. When the revoke control has no confirmation step (it revokes at once), the picture
shows the certificate page with the control instead, and the script says so.
"""

import argparse
import datetime
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from pyramid.paster import get_appsettings  # noqa: E402

from peter_sslers import main as make_wsgi_app  # noqa: E402
from peter_sslers.config import ApplicationSettings  # noqa: E402
from peter_sslers.model import meta  # noqa: E402
from peter_sslers.scripts.initializedb import initialize_database  # noqa: E402
from tests import chromium  # noqa: E402  (the same harness the browser tests use)
from tests import data  # noqa: E402
from tests.edge.conftest import ServedApp  # noqa: E402
from tests.nginx_fake import FakeServer  # noqa: E402
from tests.pebble import ALWAYS_VALID_ENV  # noqa: E402
from tests.pebble import Pebble  # noqa: E402
from tests.web.test_acme_accounts import pebble_settings  # noqa: E402

DEFAULT_OUT = os.path.join(ROOT, "docs", "images")
# what the pictures show: wide enough for the tables, one screen high
VIEWPORT = {"width": 1280, "height": 860}


def step(text: str) -> None:
    print("==> %s" % text, flush=True)


def build_app(workdir: str, pebble: Pebble, nginx_pool: FakeServer):
    settings = dict(get_appsettings(os.path.join(ROOT, "test.ini")))
    settings["sqlalchemy.url"] = "sqlite:///%s" % os.path.join(workdir, "screenshots.sqlite")
    settings.update(pebble_settings(pebble))
    settings.update({"enable_nginx": "true", "nginx.servers_pool": nginx_pool.url})
    engine = meta.get_engine(settings)
    initialize_database(engine, ApplicationSettings.from_settings(settings))
    settings["dbengine"] = engine
    return make_wsgi_app({}, **settings), engine


def leaf_ending_in(names: list, days: int) -> dict:
    """A certificate for ``names`` ending in ``days`` days, issued by the test data's intermediate A
    (its key is in tests/test_data), with its chain and key: what the lists colour as expiring."""
    issuer = x509.load_pem_x509_certificate(data.read_bytes("intermediate_a.cert.pem"))
    issuer_key = serialization.load_pem_private_key(data.read_bytes("intermediate_a.key.pem"), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=85))
        .not_valid_after(now + datetime.timedelta(days=days, hours=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )
    return {
        "cert": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "chain": data.read("intermediate_a.cert.pem"),
        "key": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
    }


def shoot(tab: chromium.AdminTab, out: str, name: str) -> None:
    path = os.path.join(out, name)
    tab.page.screenshot(path=path, full_page=False)
    print("    %s (%s)" % (os.path.relpath(path, ROOT), tab.page.url.split("/.well-known", 1)[-1]))


def take(browser, served: ServedApp, made: dict, revoke_cert_id: str, out: str) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = chromium.AdminTab(context, served.admin)
        tab.goto()
        shoot(tab, out, "dashboard.png")

        tab.nav(r"^\s*domains\b")
        shoot(tab, out, "domains.png")

        tab.goto("/certificate-signed/%s" % made["ordered"])
        shoot(tab, out, "certificate.png")

        tab.goto("/certificate-signed/upload")
        tab.field(r"^\s*certificate\b").set_input_files(data.path("junk_garbage.txt"))
        tab.field(r"^\s*chain\b").set_input_files(data.path("leaf_rsa_single.chain.pem"))
        tab.field(r"^\s*private key\b").set_input_files(data.path("leaf_rsa_single.key.pem"))
        tab.press(r"^\s*upload", status=None)
        shoot(tab, out, "form-error.png")

        tab.goto("/certificate-signed/%s" % revoke_cert_id)
        control = tab.control(chromium.REVOKE_ON_SERVER)
        before = tab.page.screenshot(full_page=False)
        tab.click(control.first, status=None)
        revoked = served.get_json("/certificate-signed/%s.json" % revoke_cert_id)["CertificateSigned"]
        if revoked.get("timestamp_revoked_upstream"):
            print("    note: revoking took one click (no confirmation step): confirmation.png shows the control")
            with open(os.path.join(out, "confirmation.png"), "wb") as f:
                f.write(before)
        else:
            shoot(tab, out, "confirmation.png")
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="where the PNG files go (default docs/images)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="peter_sslers-screenshots-")
    pebble = nginx_pool = served = engine = playwright = browser = None
    try:
        step("pebble, a stand-in nginx, and peter_sslers on a fresh database")
        pebble = Pebble(os.path.join(workdir, "pebble"), env=ALWAYS_VALID_ENV).start()
        nginx_pool = FakeServer().start()
        app, engine = build_app(workdir, pebble, nginx_pool)
        served = ServedApp(app)
        step("a few objects of each kind")
        made = chromium.seed_admin(served, with_acme=True, prefix="shop")
        # certificates near their end, and an expired one, for the lists' colours
        served.upload(leaf_ending_in(["shop-ends-soon.example.com"], 5))
        served.upload(leaf_ending_in(["shop-ends-this-month.example.com"], 20))
        served.upload(data.leaf("leaf_expired"))
        revoke_cert_id = served.post_json(
            "/acme-order/new/freeform.json", data={"domain_names_http01": "old-shop.example.com"}
        )["AcmeOrder"]["certificate_signed_id"]
        step("Chromium: %s" % chromium.chromium_path())
        playwright = chromium.start_playwright()
        browser = chromium.launch(playwright)
        take(browser, served, made, revoke_cert_id, args.out)
        return 0
    except chromium.BrowserUnavailable as exc:
        print("cannot take the screenshots: %s" % exc, file=sys.stderr)
        return 2
    finally:
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()
        if served is not None:
            served.stop()
        if engine is not None:
            engine.dispose()
        if nginx_pool is not None:
            nginx_pool.stop()
        if pebble is not None:
            pebble.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
