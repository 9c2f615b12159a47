"""Exactly once: the same object created by parallel requests is one row, and no request fails.

A real HTTP server (waitress, 20 threads) on a free loopback port, on the run's database (a
SQLite file, or PostgreSQL with ``SSL_TEST_DATABASE_URL``): each case fires N requests at once
(a barrier releases the threads together) and checks every answer is a 2xx (or a clear 4xx)
and that exactly one row was made.
"""

import concurrent.futures
import threading

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session
from webtest.http import StopableWSGIServer

from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests import data
from tests import factories as f
from tests.conftest import TEST_HOST
from tests.conftest import count_rows

ADMIN = "/.well-known/admin"
N = 20


@pytest.fixture
def server(app, db):
    wsgi = StopableWSGIServer.create(app, host="127.0.0.1", threads=N)
    try:
        yield wsgi.application_url.rstrip("/")
    finally:
        wsgi.shutdown()


def fire(url: str, n: int = N, **kwargs) -> list:
    """POST ``n`` times at once; the answers' (status, json)."""
    barrier = threading.Barrier(n)

    def _one(_):
        barrier.wait()
        res = requests.post(url, headers={"Host": TEST_HOST}, timeout=120, **kwargs)
        try:
            body = res.json()
        except ValueError:
            body = res.text[:500]
        return res.status_code, body

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(_one, range(n)))


def assert_all_succeeded(answers: list) -> list:
    bad = [a for a in answers if a[0] != 200 or a[1].get("result") != "success"]
    assert not bad, bad
    return [a[1] for a in answers]


def test_parallel_domain_new_makes_one_domain(server, db):
    before = count_rows(db, m.Domain)
    answers = assert_all_succeeded(fire(server + ADMIN + "/domain/new.json", data={"domain_name": "race.example.com"}))
    assert count_rows(db, m.Domain) == before + 1
    assert len({a["Domain"]["id"] for a in answers}) == 1
    assert sorted(a["is_created"] for a in answers) == [False] * (N - 1) + [True]


def test_parallel_unique_fqdn_set_new_makes_one_set(server, db):
    before = (count_rows(db, m.Domain), count_rows(db, m.UniqueFQDNSet))
    answers = assert_all_succeeded(
        fire(server + ADMIN + "/unique-fqdn-set/new.json", data={"domain_names": "a.race.example.com, b.race.example.com"})
    )
    assert (count_rows(db, m.Domain), count_rows(db, m.UniqueFQDNSet)) == (before[0] + 2, before[1] + 1)
    assert count_rows(db, m.UniqueFQDNSet2Domain) == 2
    assert len({a["UniqueFQDNSet"]["id"] for a in answers}) == 1


def test_parallel_private_key_upload_makes_one_key(server, db):
    before = count_rows(db, m.PrivateKey)
    key = data.read("leaf_rsa_single.key.pem").encode()
    answers = assert_all_succeeded(
        fire(server + ADMIN + "/private-key/upload.json", files={"private_key_file": ("k.pem", key)})
    )
    assert count_rows(db, m.PrivateKey) == before + 1
    assert len({a["PrivateKey"]["id"] for a in answers}) == 1


def test_parallel_certificate_ca_upload_makes_one_ca(server, db):
    before = count_rows(db, m.CertificateCA)
    ca = data.read("root_ca.cert.pem").encode()
    answers = assert_all_succeeded(fire(server + ADMIN + "/certificate-ca/upload-cert.json", files={"cert_file": ("ca.pem", ca)}))
    assert count_rows(db, m.CertificateCA) == before + 1
    assert len({a["CertificateCA"]["id"] for a in answers}) == 1


def test_parallel_chain_upload_makes_one_chain(server, db):
    before = (count_rows(db, m.CertificateCA), count_rows(db, m.CertificateCAChain))
    chain = (data.read("intermediate_a.cert.pem") + data.read("root_ca.cert.pem")).encode()
    answers = assert_all_succeeded(
        fire(server + ADMIN + "/certificate-ca-chain/upload-chain.json", files={"chain_file": ("c.pem", chain)})
    )
    assert (count_rows(db, m.CertificateCA), count_rows(db, m.CertificateCAChain)) == (before[0] + 2, before[1] + 1)
    assert len({a["CertificateCAChain"]["id"] for a in answers}) == 1


def test_parallel_certificate_upload_makes_one_of_everything(server, db):
    models = (m.CertificateSigned, m.CertificateCAChain, m.CertificateCA, m.PrivateKey, m.Domain, m.UniqueFQDNSet,
              m.CertificateSignedChain)  # fmt: skip
    before = {model.__name__: count_rows(db, model) for model in models}
    files = data.leaf("leaf_rsa_multi")
    answers = assert_all_succeeded(
        fire(
            server + ADMIN + "/certificate-signed/upload.json",
            files={
                "private_key_file": ("privkey.pem", files["key"].encode()),
                "certificate_file": ("cert.pem", files["cert"].encode()),
                "chain_file": ("chain.pem", files["chain"].encode()),
            },
        )
    )
    after = {model.__name__: count_rows(db, model) for model in models}
    names = len(data.facts("leaf_rsa_multi.cert.pem")["domains"])
    chain_length = files["chain"].count("BEGIN CERTIFICATE")
    assert after == dict(
        before,
        CertificateSigned=before["CertificateSigned"] + 1,
        CertificateCAChain=before["CertificateCAChain"] + 1,
        CertificateCA=before["CertificateCA"] + chain_length,
        PrivateKey=before["PrivateKey"] + 1,
        Domain=before["Domain"] + names,
        UniqueFQDNSet=before["UniqueFQDNSet"] + 1,
        CertificateSignedChain=before["CertificateSignedChain"] + 1,
    )
    assert len({a["CertificateSigned"]["id"] for a in answers}) == 1
    assert sorted(a["is_created"] for a in answers) == [False] * (N - 1) + [True]



def _leaves_of_one_new_chain(n: int) -> tuple:
    """A new root and intermediate, and ``n`` EC leaves they signed, each with a key of its own, one
    name of its own and one name they all share: (chain PEM, [(cert PEM, key PEM)])."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    tag = f._uniq("race")

    def build(subject, issuer, public_key, signing_key, is_ca, names=()):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=90 if names else 3650))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        )
        if names:
            san = x509.SubjectAlternativeName([x509.DNSName(n) for n in names])
            builder = builder.add_extension(san, critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    def pem(cert):
        return cert.public_bytes(serialization.Encoding.PEM).decode()

    root_key, ca_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name, ca_name = "Race Root %s" % tag, "Race Intermediate %s" % tag
    build(root_name, root_name, root_key.public_key(), root_key, True)
    intermediate = build(ca_name, root_name, ca_key.public_key(), root_key, True)
    leaves = []
    for i in range(n):
        key = ec.generate_private_key(ec.SECP256R1())
        names = ["leaf%d.%s.example.com" % (i, tag), "shared.%s.example.com" % tag]
        cert = build(names[0], ca_name, key.public_key(), ca_key, False, names)
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        leaves.append((pem(cert), key_pem))
    return pem(intermediate), leaves


def test_parallel_uploads_of_new_certificates_on_one_new_chain(server, db):
    """What a fleet does when its CA starts issuing from a new intermediate: N different certificates
    (each its own key and name, and one name they share) uploaded at once, all on the same chain
    nobody has stored yet. Each upload makes its certificate, key, name and set; the chain, its CA and
    the shared name are made once, and no upload fails (this chain row once raced to a 500)."""
    models = (m.CertificateSigned, m.CertificateCAChain, m.CertificateCA, m.PrivateKey, m.Domain, m.UniqueFQDNSet,
              m.CertificateSignedChain)  # fmt: skip
    before = {model.__name__: count_rows(db, model) for model in models}
    chain_pem, leaves = _leaves_of_one_new_chain(N)
    barrier = threading.Barrier(N)

    def _one(leaf):
        cert_pem, key_pem = leaf
        barrier.wait()
        res = requests.post(
            server + ADMIN + "/certificate-signed/upload.json",
            headers={"Host": TEST_HOST},
            timeout=120,
            files={
                "private_key_file": ("privkey.pem", key_pem.encode()),
                "certificate_file": ("cert.pem", cert_pem.encode()),
                "chain_file": ("chain.pem", chain_pem.encode()),
            },
        )
        try:
            return res.status_code, res.json()
        except ValueError:
            return res.status_code, res.text[:500]

    with concurrent.futures.ThreadPoolExecutor(N) as pool:
        answers = assert_all_succeeded(list(pool.map(_one, leaves)))
    assert all(a["is_created"] for a in answers)
    assert len({a["CertificateSigned"]["id"] for a in answers}) == N
    assert len({a["CertificateCAChain"]["id"] for a in answers}) == 1
    assert sum(a["CertificateCAChain"]["created"] for a in answers) == 1
    assert all(a["PrivateKey"]["created"] for a in answers)
    after = {model.__name__: count_rows(db, model) for model in models}
    assert after == dict(
        before,
        CertificateSigned=before["CertificateSigned"] + N,
        CertificateCAChain=before["CertificateCAChain"] + 1,
        CertificateCA=before["CertificateCA"] + 1,
        PrivateKey=before["PrivateKey"] + N,
        Domain=before["Domain"] + N + 1,
        UniqueFQDNSet=before["UniqueFQDNSet"] + N,
        CertificateSignedChain=before["CertificateSignedChain"] + N,
    )
    # every row made has its creation event, and every event its object event
    with Session(bind=db) as session:
        for model in (m.CertificateSigned, m.PrivateKey, m.Domain, m.UniqueFQDNSet, m.CertificateCAChain):
            assert session.scalar(sa.select(sa.func.count()).select_from(model).where(
                model.operations_event_id__created.is_(None))) == 0  # fmt: skip
        ids = [int(a["CertificateSigned"]["id"]) for a in answers]
        assert session.scalar(
            sa.select(sa.func.count()).select_from(m.OperationsObjectEvent).where(
                m.OperationsObjectEvent.certificate_signed_id.in_(ids))
        ) == N  # fmt: skip
        # the shared name's latest certificate is one of them (each upload recomputed it)
        shared = session.scalars(sa.select(m.Domain).where(m.Domain.domain_name.like("shared.race%"))).all()
        assert len(shared) == 1 and shared[0].certificate_signed_id__latest_multi in ids

# --- the queues: one waiting item, kept by the database


def test_parallel_queue_domain_add_queues_once(server, db):
    answers = assert_all_succeeded(fire(server + ADMIN + "/queue-domains/add.json", data={"domain_names_http01": "q.race.example.com"}))
    results = sorted(a["domains"]["q.race.example.com"] for a in answers)
    assert results == ["already_queued"] * (N - 1) + ["queued"], results
    with Session(bind=db) as session:
        waiting = session.scalars(sa.select(m.QueueDomain).where(m.QueueDomain.is_active.is_(True))).all()
    assert [q.domain_name for q in waiting] == ["q.race.example.com"]


@pytest.fixture
def account_id(db) -> str:
    with Session(bind=db) as session:
        provider = session.scalars(sa.select(m.AcmeAccountProvider).where(m.AcmeAccountProvider.is_default.is_(True))).one()
        account = f.make_account(session, provider=provider, is_active=True)
        f.make_account_key(session, account=account)
        session.commit()
        return str(account.id)


def test_parallel_queue_certificate_enqueue_makes_one_item(server, db, account_id):
    # the set exists already: the enqueues race on the queue item itself, not on the set
    res = requests.post(
        server + ADMIN + "/unique-fqdn-set/new.json", data={"domain_names": "renew.race.example.com"}, headers={"Host": TEST_HOST}
    )
    assert res.json()["result"] == "success"
    answers = fire(
        server + ADMIN + "/queue-certificate/new/freeform.json",
        data={"domain_names_http01": "renew.race.example.com", "acme_account_id": account_id},
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [400] * (N - 1), answers
    for status, body in answers:
        if status == 400:
            assert body["result"] == "error" and "already waiting" in str(body), body
    assert count_rows(db, m.QueueCertificate) == 1


# --- update-recents next to marks: no deadlock


def fire_mixed(requests_: list) -> list:
    """POST each ``(url, data)`` at once; the answers' (status, json or text)."""
    barrier = threading.Barrier(len(requests_))

    def _one(item):
        url, values = item
        barrier.wait()
        res = requests.post(url, data=values, headers={"Host": TEST_HOST}, timeout=120)
        try:
            return res.status_code, res.json()
        except ValueError:
            return res.status_code, res.text[:500]

    with concurrent.futures.ThreadPoolExecutor(len(requests_)) as pool:
        return list(pool.map(_one, requests_))


def test_update_recents_next_to_marks_never_deadlocks(app, server, db):
    """The global update-recents rewrites every Domain and PrivateKey; a certificate mark writes
    its key, itself, then its Domains. Before the lock order (lib/db/actions.py) the two took
    them crosswise, and PostgreSQL aborted one with `deadlock detected` (a 500)."""
    from tests.web.test_certificate_signed import upload
    import webtest

    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": TEST_HOST})
    ids = [upload(client, stem).json["CertificateSigned"]["id"] for stem in data.LEAVES]
    answers = []
    for round_ in range(6):
        batch = []
        for i in range(N):
            if i % 2 == 0:
                batch.append((server + ADMIN + "/api/update-recents.json", {}))
            elif i % 4 == 1:
                cert_id = ids[(i // 4 + round_) % len(ids)]
                action = "inactive" if (round_ + i) % 2 else "active"
                batch.append((server + ADMIN + "/certificate-signed/%s/mark.json" % cert_id, {"action": action}))
            else:
                batch.append((server + ADMIN + "/domain/a.example.com/mark.json", {"action": "inactive" if round_ % 2 else "active"}))
        answers.extend(fire_mixed(batch))
    bad = [a for a in answers if a[0] >= 500 or a[0] not in (200, 400)]
    assert not bad, bad
    # a refused mark is a clear transition error, not a conflict
    assert all(a[1]["result"] == "error" and "already" in a[1]["error"] + str(a[1].get("form_errors")) for a in answers if a[0] == 400), [a for a in answers if a[0] == 400][:3]


def test_a_row_made_by_get_or_create_rolls_back_with_its_transaction(db, app_settings):
    """The savepoint of ``insert_or_find`` stays inside the caller's transaction. (On SQLite a
    SAVEPOINT opened before the driver's BEGIN made its RELEASE a COMMIT: a dry run, or a request
    rejected after creating a domain, kept the rows.)"""
    from peter_sslers.lib.context import ApiContext
    from peter_sslers.lib.db import getcreate

    before = (count_rows(db, m.Domain), count_rows(db, m.OperationsEvent))
    with Session(bind=db) as session:
        ctx = ApiContext(session, app_settings)
        dbDomain, is_created = getcreate.getcreate__Domain__by_domainName(ctx, "rolled-back.example.com")
        assert is_created and dbDomain.id
        session.rollback()
    assert (count_rows(db, m.Domain), count_rows(db, m.OperationsEvent)) == before




def test_the_same_upload_again_leaves_no_write_lock(server, db):
    """The import takes SQLite's write lock before its lookups, even when it then finds everything
    and writes nothing (the same upload again): the request's end must release it, or every other
    writer would wait for its busy timeout."""
    files = data.leaf("leaf_ec256_single")
    upload = {
        "private_key_file": ("privkey.pem", files["key"].encode()),
        "certificate_file": ("cert.pem", files["cert"].encode()),
        "chain_file": ("chain.pem", files["chain"].encode()),
    }
    answers = [fire(server + ADMIN + "/certificate-signed/upload.json", n=1, files=upload)[0] for _ in range(2)]
    assert [(status, body["is_created"]) for status, body in answers] == [(200, True), (200, False)]
    if db.dialect.name != "sqlite":
        return
    with sa.create_engine(db.url, connect_args={"timeout": 1}).connect() as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # `database is locked` after 1 s if still held
        connection.exec_driver_sql("ROLLBACK")

def test_one_savepoint_write_runs_again_after_a_twin_row(db, app_settings):
    """``write_in_one_savepoint``: when an insert of its run meets a twin row committed meanwhile
    (here: a Domain another transaction made after this one looked; the first attempt does not look),
    the whole savepoint is rolled back, its events with it, and the run goes again, each insert in a
    savepoint of its own; what it made before stays, and so does the caller's transaction."""
    from peter_sslers.lib.context import ApiContext
    from peter_sslers.lib.db import getcreate

    name = "%s.example.com" % f._uniq("twin")
    with Session(bind=db) as session:
        getcreate.getcreate__Domain__by_domainName(ApiContext(session, app_settings), name)
        session.commit()
    before = {model: count_rows(db, model) for model in (m.Domain, m.OperationsEvent, m.OperationsObjectEvent)}
    attempts = []
    with Session(bind=db) as session:
        ctx = ApiContext(session, app_settings)
        first, _ = getcreate.getcreate__Domain__by_domainName(ctx, "first-%s" % name)  # before: kept
        root = ctx.dbOperationsEvent

        def write():
            attempts.append(getcreate.in_one_savepoint(ctx))
            other, _ = getcreate._create_domain(ctx, "other-%s" % name)  # made in every attempt
            if len(attempts) == 1:
                return getcreate._create_domain(ctx, name)  # inserts the twin: IntegrityError
            return getcreate.getcreate__Domain__by_domainName(ctx, name)

        dbDomain, is_created = getcreate.write_in_one_savepoint(ctx, write)
        assert attempts == [True, False]
        assert not is_created and dbDomain.domain_name == name
        assert not getcreate.in_one_savepoint(ctx) and ctx.dbOperationsEvent is root
        session.commit()
    after = {model: count_rows(db, model) for model in before}
    # the first domain and "other" (once): two domains, two events, two object events
    assert after == {model: before[model] + 2 for model in before}

# --- the routes added with issue 12 and 13: acme-dns servers, coverage events, notifications


def test_parallel_acme_dns_server_new_makes_one_server(server, db):
    answers = assert_all_succeeded(
        fire(server + ADMIN + "/acme-dns-server/new.json", data={"root_url": "http://127.0.0.1:9/"})
    )
    assert count_rows(db, m.AcmeDnsServer) == 1
    assert len({a["AcmeDnsServer"]["id"] for a in answers}) == 1
    assert sorted(a["is_created"] for a in answers) == [False] * (N - 1) + [True]


def test_parallel_coverage_event_marks_resolve_it_once(server, db, ctx):
    """Twenty "abandoned" at once: one resolves the event (one log entry), the others are told it is
    resolved already; none is a 500."""
    from peter_sslers.lib.db import coverage
    from tests.web.test_coverage_assurance import cert_for

    cert_for(ctx.dbsession, ["mark.race.example.com"])
    ctx.dbsession.commit()
    coverage.check_expiring(ctx)
    ctx.dbsession.commit()
    (event_id,) = ctx.dbsession.scalars(sa.select(m.CoverageAssuranceEvent.id)).all()
    answers = fire(
        server + ADMIN + "/coverage-assurance-event/%s/mark.json" % event_id,
        data={"action": "resolution", "resolution": "abandoned"},
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses[0] == 200 and statuses.count(200) == 1, answers
    for status, body in answers:
        if status != 200:
            assert 400 <= status < 500 and body["result"] == "error" and "abandoned" in body["error"], body
    with Session(bind=db) as s:
        marks = s.scalars(
            sa.select(m.OperationsEvent).where(
                m.OperationsEvent.operations_event_type_id
                == model_utils.OperationsEventType.from_string("CoverageAssuranceEvent__mark_resolution")
            )
        ).all()
        assert len(marks) == 1


def test_parallel_notification_deliveries_send_once(make_app, db, ctx):
    """Twenty `deliver` calls at once (cron on several instances): the webhook gets one POST."""
    from peter_sslers.lib.db import coverage
    from tests.lib.test_notify import WebhookReceiver
    from tests.lib.test_notify import with_settings
    from tests.web.test_coverage_assurance import cert_for

    receiver = WebhookReceiver()
    wsgi = StopableWSGIServer.create(make_app(notify_webhook_url=receiver.url), host="127.0.0.1", threads=N)
    try:
        with_settings(ctx, notify_webhook_url=receiver.url)
        cert_for(ctx.dbsession, ["deliver.race.example.com"])
        ctx.dbsession.commit()
        coverage.check_expiring(ctx)
        ctx.dbsession.commit()
        answers = assert_all_succeeded(fire(wsgi.application_url.rstrip("/") + ADMIN + "/api/notifications/deliver.json"))
        assert sum(a["results"]["count_sent"] for a in answers) == 1, answers
        assert len(receiver.requests) == 1
    finally:
        wsgi.shutdown()
        receiver.close()


def test_parallel_certificate_marks_change_it_once(server, db):
    """Twenty "inactive" at once: one deactivates the certificate (one log entry), the others are told
    it is inactive already; none is a 500."""
    files = data.leaf("leaf_rsa_single")
    res = requests.post(
        server + ADMIN + "/certificate-signed/upload.json",
        files={
            "private_key_file": ("privkey.pem", files["key"].encode()),
            "certificate_file": ("cert.pem", files["cert"].encode()),
            "chain_file": ("chain.pem", files["chain"].encode()),
        },
        headers={"Host": TEST_HOST},
    )
    cert_id = res.json()["CertificateSigned"]["id"]
    answers = fire(server + ADMIN + "/certificate-signed/%s/mark.json" % cert_id, data={"action": "inactive"})
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(200) == 1 and all(400 <= s < 500 for s in statuses[1:]), answers
    with Session(bind=db) as s:
        marks = s.scalars(
            sa.select(m.OperationsEvent).where(
                m.OperationsEvent.operations_event_type_id
                == model_utils.OperationsEventType.from_string("CertificateSigned__mark__inactive")
            )
        ).all()
        assert len(marks) == 1


def _one_success(answers: list, event_type: str, db) -> None:
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(200) == 1 and all(400 <= s < 500 for s in statuses[1:]), answers
    with Session(bind=db) as s:
        logged = s.scalars(
            sa.select(m.OperationsEvent).where(
                m.OperationsEvent.operations_event_type_id == model_utils.OperationsEventType.from_string(event_type)
            )
        ).all()
        assert len(logged) == 1, event_type


def test_parallel_domain_marks_change_it_once(server, db):
    res = requests.post(server + ADMIN + "/domain/new.json", data={"domain_name": "mark.race.example.com"}, headers={"Host": TEST_HOST})
    domain_id = res.json()["Domain"]["id"]
    answers = fire(server + ADMIN + "/domain/%s/mark.json" % domain_id, data={"action": "inactive"})
    _one_success(answers, "Domain__mark__inactive", db)


def test_parallel_private_key_marks_change_it_once(server, db):
    files = data.leaf("leaf_rsa_single")
    res = requests.post(
        server + ADMIN + "/private-key/upload.json",
        files={"private_key_file": ("privkey.pem", files["key"].encode())},
        headers={"Host": TEST_HOST},
    )
    key_id = res.json()["PrivateKey"]["id"]
    answers = fire(server + ADMIN + "/private-key/%s/mark.json" % key_id, data={"action": "inactive"})
    _one_success(answers, "PrivateKey__mark__inactive", db)


def test_parallel_queue_cancels_cancel_once(server, db, account_id):
    res = requests.post(
        server + ADMIN + "/queue-certificate/new/freeform.json",
        data={"domain_names_http01": "cancel.race.example.com", "acme_account_id": account_id},
        headers={"Host": TEST_HOST},
    )
    item_id = res.json()["QueueCertificate"]["id"]
    answers = fire(server + ADMIN + "/queue-certificate/%s/mark.json" % item_id, data={"action": "cancel"})
    _one_success(answers, "QueueCertificate__mark", db)
