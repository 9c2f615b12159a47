"""Factories: the minimal valid rows of each model class, flushed so their ids exist.

Shared by every test module (``from tests import factories as f``).
"""

import datetime
import hashlib
import itertools

import pytest
from sqlalchemy.exc import IntegrityError

from peter_sslers.model import meta
from peter_sslers.model import objects as m
from peter_sslers.model import utils

_seq = itertools.count(1)


def _uniq(prefix: str) -> str:
    return "%s-%d" % (prefix, next(_seq))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _add(s, obj):
    s.add(obj)
    s.flush()
    return obj


def assert_rejected(s, obj):
    s.add(obj)
    with pytest.raises(IntegrityError):
        s.flush()


def make_event(s, type_id=utils.OperationsEventType._DatabaseInitialization, **kw):
    return _add(s, m.OperationsEvent(operations_event_type_id=type_id, **kw))


def make_provider(s, **kw):
    name = _uniq("provider")
    values = dict(
        name=name,
        directory="https://%s.example.com/directory" % name,
        server="%s.example.com" % name,
    )
    values.update(kw)
    return _add(s, m.AcmeAccountProvider(**values))


def make_account(s, provider=None, **kw):
    values = dict(
        acme_account_provider=provider or make_provider(s),
        contact="mailto:%s@example.com" % _uniq("admin"),
        operations_event__created=make_event(s),
    )
    values.update(kw)
    return _add(s, m.AcmeAccount(**values))


def make_account_key(s, account=None, **kw):
    pem = _uniq("account-key-pem")
    values = dict(
        acme_account=account or make_account(s),
        is_active=True,
        key_technology_id=utils.KeyTechnology.RSA,
        key_pem=pem,
        key_pem_sha256=_sha(pem),
        spki_sha256=_sha("spki" + pem),
        acme_account_key_source_id=utils.AcmeAccountKeySource.GENERATED,
        operations_event__created=make_event(s),
    )
    values.update(kw)
    return _add(s, m.AcmeAccountKey(**values))


def make_private_key(s, **kw):
    pem = _uniq("private-key-pem")
    values = dict(
        key_technology_id=utils.KeyTechnology.RSA,
        key_pem=pem,
        key_pem_sha256=_sha(pem),
        spki_sha256=_sha("spki" + pem),
        private_key_source_id=utils.PrivateKeySource.GENERATED,
        private_key_type_id=utils.PrivateKeyType.STANDARD,
        operations_event__created=make_event(s),
    )
    values.update(kw)
    return _add(s, m.PrivateKey(**values))


def make_domain(s, name=None, **kw):
    values = dict(
        domain_name=name or "%s.example.com" % _uniq("d"),
        operations_event__created=make_event(s),
    )
    values.update(kw)
    return _add(s, m.Domain(**values))


def make_fqdn_set(s, names=None):
    domains = [make_domain(s, n) for n in (names or [None])]
    fqdn_set = m.UniqueFQDNSet(
        domain_ids_string=",".join(str(d.id) for d in sorted(domains, key=lambda d: d.id)),
        count_domains=len(domains),
        operations_event__created=make_event(s),
    )
    fqdn_set.to_domains = [m.UniqueFQDNSet2Domain(domain=d) for d in domains]
    return _add(s, fqdn_set)


def make_certificate_ca(s, **kw):
    pem = _uniq("ca-pem")
    now = meta.utcnow()
    values = dict(
        display_name=_uniq("CA"),
        key_technology_id=utils.KeyTechnology.RSA,
        cert_pem=pem,
        cert_pem_sha256=_sha(pem),
        spki_sha256=_sha("spki" + pem),
        fingerprint_sha1=_sha(pem)[:40],
        timestamp_not_before=now - datetime.timedelta(days=10),
        timestamp_not_after=now + datetime.timedelta(days=1000),
        cert_subject="CN=%s" % pem,
        cert_issuer="CN=root",
        operations_event__created=make_event(s),
    )
    values.update(kw)
    return _add(s, m.CertificateCA(**values))


def make_certificate_ca_chain(s, cas=None, **kw):
    cas = cas or [make_certificate_ca(s)]
    pem = "".join(ca.cert_pem for ca in cas)
    values = dict(
        display_name=_uniq("chain"),
        chain_pem=pem,
        chain_pem_sha256=_sha(pem),
        chain_length=len(cas),
        certificate_ca_0=cas[0],
        certificate_ca_n=cas[-1],
        certificate_ca_ids_string=",".join(str(ca.id) for ca in cas),
        operations_event__created=make_event(s),
    )
    values.update(kw)
    return _add(s, m.CertificateCAChain(**values))


def make_certificate_request(s, fqdn_set=None, **kw):
    pem = _uniq("csr-pem")
    values = dict(
        certificate_request_source_id=utils.CertificateRequestSource.ACME_ORDER,
        csr_pem=pem,
        csr_pem_sha256=_sha(pem),
        spki_sha256=_sha("spki" + pem),
        key_technology_id=utils.KeyTechnology.RSA,
        unique_fqdn_set=fqdn_set or make_fqdn_set(s),
        operations_event__created=make_event(s),
    )
    values.update(kw)
    return _add(s, m.CertificateRequest(**values))


def make_certificate_signed(s, fqdn_set=None, private_key=None, **kw):
    pem = _uniq("cert-pem")
    now = meta.utcnow()
    values = dict(
        timestamp_not_before=now - datetime.timedelta(days=1),
        timestamp_not_after=now + datetime.timedelta(days=89, hours=1),
        key_technology_id=utils.KeyTechnology.RSA,
        cert_pem=pem,
        cert_pem_sha256=_sha(pem),
        cert_serial=_sha(pem)[:32],
        spki_sha256=_sha("spki" + pem),
        fingerprint_sha1=_sha(pem)[:40],
        cert_subject="CN=example.com",
        cert_issuer="CN=CA",
        unique_fqdn_set=fqdn_set or make_fqdn_set(s),
        private_key=private_key or make_private_key(s),
        operations_event__created=make_event(s),
    )
    values.update(kw)
    return _add(s, m.CertificateSigned(**values))


def make_acme_order(s, account=None, fqdn_set=None, private_key=None, **kw):
    private_key = private_key or make_private_key(s)
    values = dict(
        acme_account=account or make_account(s),
        unique_fqdn_set=fqdn_set or make_fqdn_set(s),
        private_key=private_key,
        private_key__requested=private_key,
        acme_order_type_id=utils.AcmeOrderType.ACME_AUTOMATED_NEW,
        acme_order_processing_strategy_id=utils.AcmeOrder_ProcessingStrategy.CREATE_ORDER,
        acme_order_processing_status_id=utils.AcmeOrder_ProcessingStatus.CREATED_ACME,
        private_key_cycle_id__renewal=utils.PrivateKeyCycle.ACCOUNT_KEY_DEFAULT,
        private_key_strategy_id__requested=utils.PrivateKeyStrategy.SPECIFIED,
        order_url="https://acme.example.com/order/%s" % _uniq("o"),
    )
    values.update(kw)
    return _add(s, m.AcmeOrder(**values))


def make_authorization(s, order=None, domain=None, **kw):
    order = order or make_acme_order(s)
    values = dict(
        authorization_url="https://acme.example.com/authz/%s" % _uniq("a"),
        acme_order_created=order,
        domain=domain,
    )
    values.update(kw)
    authz = _add(s, m.AcmeAuthorization(**values))
    _add(s, m.AcmeOrder2AcmeAuthorization(acme_order=order, acme_authorization=authz))
    return authz


def make_challenge(s, authorization=None, domain_name=None, status=None, challenge_type=None, **kw):
    """An AcmeChallenge (pending http-01 unless told), with its order and authorization.

    ``domain_name`` reuses or creates that Domain; ``status`` and ``challenge_type`` take the
    model's strings (``"valid"``, ``"dns-01"``).
    """
    if authorization is None:
        domain = None
        if domain_name is not None:
            domain = s.query(m.Domain).filter_by(domain_name=domain_name).one_or_none()
        authorization = make_authorization(s, domain=domain or make_domain(s, domain_name))
    token = kw.pop("token", None) or _uniq("token")
    values = dict(
        acme_authorization=authorization,
        domain=authorization.domain,
        acme_challenge_type_id=utils.AcmeChallengeType.from_string(challenge_type or "http-01"),
        acme_status_challenge_id=utils.Acme_Status_Challenge.from_string(status or "pending"),
        challenge_url="https://acme.example.com/chall/%s" % _uniq("c"),
        token=token,
        keyauthorization="%s.%s" % (token, _sha(token)[:43]),
    )
    values.update(kw)
    return _add(s, m.AcmeChallenge(**values))


def make_queue_certificate(s, **kw):
    """A QueueCertificate, not added; the rows it needs are made only when not given (an
    unwanted set would add a Domain)."""
    makers = dict(
        acme_account=make_account,
        private_key=make_private_key,
        unique_fqdn_set=make_fqdn_set,
        operations_event__created=make_event,
    )
    values = dict(
        private_key_cycle_id__renewal=utils.PrivateKeyCycle.SINGLE_CERTIFICATE,
        private_key_strategy_id__requested=utils.PrivateKeyStrategy.DEFERRED_GENERATE,
    )
    values.update(kw)
    for name, make in makers.items():
        if name not in values:
            values[name] = make(s)
    return m.QueueCertificate(**values)


