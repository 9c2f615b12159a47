"""`make demo`: issue a real certificate end to end on this machine, with nothing from outside.

It starts, all on loopback:

1. pebble-challtestsrv as a DNS server that answers 127.0.0.1 for every name;
2. pebble (a real RFC 8555 ACME server, Debian's package) resolving names through it;
3. peter_sslers itself (pserve, a fresh SQLite database) on the port where pebble's validation
   authority fetches http-01 tokens, with the public and the admin views on;

then, through the JSON API, creates an ACME account and orders a certificate for a few names.
pebble really validates: it fetches each token from peter_sslers' own
`/.well-known/acme-challenge/` responder. The certificate is printed, with where to look in the
admin. `--keep` leaves everything running until Ctrl-C.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from tests.pebble import ChallTestSrv  # noqa: E402  (the same harness the test suite uses)
from tests.pebble import Pebble  # noqa: E402
from tools.served import Served  # noqa: E402
from tools.served import ServedError  # noqa: E402
from tools.served import server_ini  # noqa: E402

def step(text: str) -> None:
    print("\n==> %s" % text, flush=True)


def post(url: str, fields: dict) -> dict:
    response = requests.post(url, data=fields, timeout=300)
    payload = response.json()
    if payload.get("result") != "success":
        raise SystemExit("%s failed (%s): %s" % (url, response.status_code, json.dumps(payload, indent=2)))
    return payload


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", default="demo.example.com,www.demo.example.com,api.demo.example.com")
    parser.add_argument("--keep", action="store_true", help="keep pebble and peter_sslers running until Ctrl-C")
    args = parser.parse_args()
    bin_dir = os.path.dirname(sys.executable)
    workdir = tempfile.mkdtemp(prefix="peter_sslers-demo-")
    processes = []
    challtestsrv = pebble = None
    try:
        step("starting pebble-challtestsrv (DNS: every name is 127.0.0.1) and pebble")
        challtestsrv = ChallTestSrv(workdir).start()
        pebble = Pebble(os.path.join(workdir, "pebble"), env={"PEBBLE_VA_NOSLEEP": "1"}, dns_server=challtestsrv.dns_address)
        pebble.start()
        print("pebble: %s (validates http-01 on 127.0.0.1:%d)" % (pebble.directory_url, pebble.http_port))

        step("starting peter_sslers on 127.0.0.1:%d, a fresh SQLite database" % pebble.http_port)
        ini = os.path.join(workdir, "demo.ini")
        settings = {
            "sqlalchemy.url": "sqlite:///%s" % os.path.join(workdir, "demo.sqlite"),
            "enable_views_public": "true",
            "enable_views_admin": "true",
            "certificate_authority": "pebble",
            "certificate_authority_directory": pebble.directory_url,
            "certificate_authority_ca_bundle": pebble.ca_bundle_path,
        }
        with open(ini, "w") as f:
            f.write(server_ini(settings, pebble.http_port, threads=4))
        subprocess.run([os.path.join(bin_dir, "initialize_peter_sslers_db"), ini], check=True, stdout=subprocess.DEVNULL)
        server = Served(ini, pebble.http_port, os.path.join(workdir, "pserve.log"), name="peter_sslers")
        processes.append(server)
        try:
            server.wait(20)
        except ServedError as exc:
            raise SystemExit(str(exc))
        base = server.url
        admin = base + "/.well-known/admin"

        step("creating an ACME account on pebble")
        account = post(admin + "/acme-account/new.json", {"account__contact": "demo@example.com"})
        print("AcmeAccount %s: %s" % (account["AcmeAccount"]["id"], account["AcmeAccount"].get("account_url")))

        step("ordering a certificate for %s (pebble validates against peter_sslers itself)" % args.names)
        order = post(
            admin + "/acme-order/new/freeform.json",
            {"domain_names_http01": args.names, "processing_strategy": "process_single"},
        )["AcmeOrder"]
        print("AcmeOrder %s: %s" % (order["id"], order["acme_status_order"]))
        certificate_id = order["certificate_signed_id"]
        if not certificate_id:
            raise SystemExit("the order ended without a certificate: %s" % json.dumps(order, indent=2))

        step("the certificate, as a server fetches it")
        name = args.names.split(",")[0]
        config = requests.get(admin + "/domain/%s/config.json" % name, timeout=10).json()
        cert = config["certificate_signed__latest_multi"] or config["certificate_signed__latest_single"]
        print(cert["certificate"]["pem"])
        openssl = shutil.which("openssl")
        if openssl:
            subprocess.run([openssl, "x509", "-noout", "-subject", "-issuer", "-dates", "-ext", "subjectAltName"],
                           input=cert["certificate"]["pem"].encode(), check=False)
        print("\nDone: CertificateSigned %s. Admin: %s/certificate-signed/%s" % (certificate_id, admin, certificate_id))
        print("Work directory (database, logs, ini): %s" % workdir)
        if args.keep:
            print("Running; Ctrl-C stops pebble and peter_sslers.")
            while True:
                time.sleep(3600)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            process.stop()
        for service in (pebble, challtestsrv):
            if service is not None:
                service.stop()


if __name__ == "__main__":
    sys.exit(main())
