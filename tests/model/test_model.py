"""The data model: enumerations, database constraints, relationships, derived
properties and the JSON shapes.

Every constraint test inserts a bad row and expects the *database* to refuse it
(IntegrityError), so the same tests prove the DDL on SQLite and PostgreSQL.
"""

import datetime
import inspect
import json

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import selectinload

from peter_sslers.model import meta
from peter_sslers.model import objects as m
from peter_sslers.model import utils

UTC = datetime.timezone.utc

from tests import factories as f


# ==============================================================================
# enumerations

MAPPING_CLASSES = sorted(
    {
        cls
        for _name, cls in inspect.getmembers(utils, inspect.isclass)
        if issubclass(cls, utils._Mapping) and cls._mapping
    },
    key=lambda cls: cls.__name__,
)


@pytest.mark.parametrize("cls", MAPPING_CLASSES, ids=lambda c: c.__name__)
def test_enum_round_trip(cls):
    assert cls.options() == [cls._mapping[i] for i in sorted(cls._mapping)]
    for id_, name in cls._mapping.items():
        assert cls.as_string(id_) == name
        assert cls.from_string(name) == id_


@pytest.mark.parametrize("cls", MAPPING_CLASSES, ids=lambda c: c.__name__)
def test_enum_constants_and_groups_are_valid(cls):
    for attr, value in vars(cls).items():
        if attr.startswith("OPTIONS_"):
            assert getattr(cls, "IDS_" + attr[8:]) == tuple(cls.from_string(n) for n in value)
        elif attr.startswith("DEFAULT"):
            assert value in cls.options()
        elif attr.isupper() and isinstance(value, int):
            assert value in cls._mapping, "%s.%s" % (cls.__name__, attr)


def test_enum_bad_values_name_the_class_and_accepted_values():
    with pytest.raises(ValueError) as exc:
        utils.Acme_Status_Order.from_string("bogus")
    assert "Acme_Status_Order" in str(exc.value)
    assert "'bogus'" in str(exc.value)
    assert "'pending'" in str(exc.value) and "'deactivated'" in str(exc.value)

    with pytest.raises(ValueError) as exc:
        utils.KeyTechnology.as_string(3)
    assert "KeyTechnology" in str(exc.value)
    assert "1='RSA'" in str(exc.value) and "2='EC'" in str(exc.value)

    for bad in (None, True, "1"):
        with pytest.raises(ValueError):
            utils.KeyTechnology.as_string(bad)
    with pytest.raises(ValueError):
        utils.KeyTechnology.from_string(None)
    # case matters: the strings are exact
    with pytest.raises(ValueError):
        utils.KeyTechnology.from_string("rsa")


def test_enum_group_with_unknown_name_fails_at_class_creation():
    with pytest.raises(TypeError, match="OPTIONS_SYNC"):

        class _Bad(utils._Mapping):
            _mapping = {404: "*404*"}
            OPTIONS_SYNC = ("*404",)


def test_enum_duplicate_names_fail_at_class_creation():
    with pytest.raises(TypeError, match="duplicate"):

        class _Bad(utils._Mapping):
            _mapping = {1: "a", 2: "a"}


def test_acme_status_groups():
    order = utils.Acme_Status_Order
    assert order.OPTIONS_X_ACME_SYNC == ("*404*",)
    assert order.IDS_X_ACME_SYNC == (order.X_404_X,)
    assert order.IDS_ACTIVE == (order.PENDING, order.READY, order.PROCESSING)
    assert order.IDS_RETRY == (order.INVALID, 404, 406, order.DEACTIVATED)
    assert order.DEACTIVATED == 999 and order.GONE_410 == 410
    assert utils.Acme_Status_Challenge.GONE_410 == 410
    assert utils.Acme_Status_Challenge.as_string(410) == "*410*"
    assert utils.Acme_Status_Authorization.DEACTIVATED == 4
    # authorizations never go through processing/ready, and are never "gone"
    for name in ("processing", "ready", "*410*"):
        assert name not in utils.Acme_Status_Authorization.options()


def test_acme_status_from_string_or_unknown():
    order = utils.Acme_Status_Order
    assert order.from_string_or_unknown("ready") == order.READY
    assert order.from_string_or_unknown("deactivated") == order.DEACTIVATED
    assert order.from_string_or_unknown("mystery") == order.X_406_X
    # our internal markers are never accepted from a server
    assert order.from_string_or_unknown("*404*") == order.X_406_X
    assert order.from_string_or_unknown(None) == order.X_406_X
    authz = utils.Acme_Status_Authorization
    assert authz.from_string_or_unknown("expired") == authz.EXPIRED
    assert authz.from_string_or_unknown("ready") == authz.X_406_X
    challenge = utils.Acme_Status_Challenge
    assert challenge.from_string_or_unknown("processing") == challenge.PROCESSING
    # the strict form still raises
    with pytest.raises(ValueError):
        order.from_string("mystery")


def test_acme_event_ids():
    assert sorted(utils.AcmeEvent._mapping) == list(range(4, 24))
    assert utils.AcmeEvent.as_string(23) == "v2|renewalInfo"  # RFC 9773 (ARI)
    assert utils.AcmeEvent.as_string(17) == "v2|revokeCert"
    assert utils.AcmeEvent.as_string(22) == "v2|Certificate-download"
    assert utils.AcmeEvent.from_string("v2|-order-PostAsGet") == utils.AcmeEvent.ORDER_POST_AS_GET


def test_operations_event_type():
    ops = utils.OperationsEventType
    assert utils.OperationsObjectEventStatus is ops
    assert ops.Domain__insert == 410 == ops.from_string("Domain__insert")
    assert ops.ApiDomains__certificate_if_needed == 2010
    for name in ops.options():
        assert getattr(ops, name) == ops.from_string(name)
    # acme-dns (issue 13) kept the 2021 ids
    assert ops.AcmeDnsServer__insert == 1300 == ops.from_string("AcmeDnsServer__insert")
    assert ops.AcmeDnsServer__edit == 1306
    assert ops.AcmeDnsServerAccount__insert == 1400
    assert ops.CoverageAssuranceEvent__insert == ops.from_string("CoverageAssuranceEvent__insert")


# ==============================================================================
# schema

def test_all_lists_every_mapped_class():
    mapped = {mapper.class_.__name__ for mapper in meta.Base.registry.mappers}
    assert mapped == set(m.__all__)
    # acme_challenge_unknown_poll dropped (the responder stores no misses); acme_challenge_probe
    # added (issue 12: the http-01 self-check); acme_dns_server and acme_dns_server_account,
    # dns_backend_rfc2136 (issue 13: dns-01 through acme-dns and RFC 2136); acme_orderless and
    # acme_orderless_challenge (issue 13: the ACME-flow tool); certificate_ca_preference,
    # certificate_ca_reconciliation, root_store, root_store_version and
    # root_store_version_2_certificate_ca (issue 14: chains you prefer); domain_autocert (issue 14:
    # autocert, the attempts and the per-name lock)
    assert len(meta.Base.metadata.tables) == 39


def test_every_foreign_key_column_is_indexed():
    for table in meta.Base.metadata.tables.values():
        indexed = {tuple(ix.columns)[0].name for ix in table.indexes}
        indexed |= {tuple(uq.columns)[0].name for uq in table.constraints if isinstance(uq, sa.UniqueConstraint)}
        indexed.add(table.primary_key.columns.values()[0].name)
        for fk in table.foreign_keys:
            assert fk.parent.name in indexed, "%s.%s" % (table.name, fk.parent.name)


def test_every_datetime_column_is_tz_aware():
    for table in meta.Base.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, (sa.DateTime, meta.TZDateTime)):
                assert isinstance(column.type, meta.TZDateTime), "%s.%s" % (table.name, column.name)


# ==============================================================================
# constraints


def test_foreign_keys_are_enforced(dbsession):
    f.assert_rejected(dbsession, m.Domain(domain_name="example.com", operations_event_id__created=987654))


def test_domain_name_unique(dbsession):
    f.make_domain(dbsession, "example.com")
    f.assert_rejected(dbsession, m.Domain(domain_name="example.com", operations_event__created=f.make_event(dbsession)))


@pytest.mark.parametrize("cls", [m.Domain, m.DomainBlocklisted, m.QueueDomain])
def test_domain_names_must_be_lowercase(dbsession, cls):
    values = {"domain_name": "Example.COM"}
    if cls is not m.DomainBlocklisted:
        values["operations_event__created"] = f.make_event(dbsession)
    f.assert_rejected(dbsession, cls(**values))


def test_domain_blocklisted_unique(dbsession):
    f._add(dbsession, m.DomainBlocklisted(domain_name="blocked.example.com"))
    f.assert_rejected(dbsession, m.DomainBlocklisted(domain_name="blocked.example.com"))


def test_queue_domain_name_not_unique(dbsession):
    # the same name may be queued again after a cancellation
    for is_active in (False, True):
        queue_item = m.QueueDomain(
            domain_name="example.com", is_active=is_active, operations_event__created=f.make_event(dbsession)
        )
        f._add(dbsession, queue_item)


def _ensure_one(s, cls, flag, factory):
    """The seeded database may already hold the one row flagged True."""
    if s.scalars(sa.select(cls).where(flag.is_(True))).first() is None:
        factory(s, **{flag.key: True})


def test_provider_one_default(dbsession):
    _ensure_one(dbsession, m.AcmeAccountProvider, m.AcmeAccountProvider.is_default, f.make_provider)
    f.make_provider(dbsession, is_default=None, is_enabled=True)
    f.make_provider(dbsession, is_default=None)
    f.assert_rejected(
        dbsession,
        m.AcmeAccountProvider(
            name="two", directory="https://two.example.com/dir", server="two.example.com", is_default=True
        ),
    )


@pytest.mark.parametrize(
    "cls,attr",
    [
        (m.AcmeAccountProvider, "is_default"),
        (m.AcmeAccountProvider, "is_enabled"),
        (m.AcmeAccount, "is_global_default"),
        (m.AcmeAccountKey, "is_active"),
    ],
)
def test_true_or_null_flags_reject_false(dbsession, cls, attr):
    factories = {
        m.AcmeAccountProvider: f.make_provider,
        m.AcmeAccount: f.make_account,
        m.AcmeAccountKey: f.make_account_key,
    }
    obj = factories[cls](dbsession)
    setattr(obj, attr, False)
    with pytest.raises(IntegrityError):
        dbsession.flush()


@pytest.mark.parametrize(
    "values",
    [
        {"endpoint": "https://a.example.com/acme", "directory": "https://a.example.com/dir"},
        {"endpoint": None, "directory": None},
    ],
    ids=["both", "neither"],
)
def test_provider_endpoint_xor_directory(dbsession, values):
    f.assert_rejected(dbsession, m.AcmeAccountProvider(name="a", server="a.example.com", **values))


def test_provider_endpoint_only_is_accepted(dbsession):
    f.make_provider(dbsession, directory=None, endpoint="https://e.example.com/acme")


def test_provider_protocol_must_be_acme_v2(dbsession):
    f.assert_rejected(
        dbsession,
        m.AcmeAccountProvider(
            name="v1", directory="https://v1.example.com/dir", server="v1.example.com", protocol="acme-v1"
        ),
    )


@pytest.mark.parametrize("attr", ["name", "server", "directory"])
def test_provider_unique_columns(dbsession, attr):
    first = f.make_provider(dbsession)
    other = dict(name="other", server="other.example.com", directory="https://other.example.com/dir")
    other[attr] = getattr(first, attr)
    f.assert_rejected(dbsession, m.AcmeAccountProvider(**other))


def test_one_global_default_account(dbsession):
    _ensure_one(dbsession, m.AcmeAccount, m.AcmeAccount.is_global_default, f.make_account)
    f.make_account(dbsession)
    f.make_account(dbsession)
    f.assert_rejected(
        dbsession,
        m.AcmeAccount(
            acme_account_provider=f.make_provider(dbsession),
            is_global_default=True,
            operations_event__created=f.make_event(dbsession),
        ),
    )


def test_account_has_one_active_key(dbsession):
    account = f.make_account(dbsession)
    f.make_account_key(dbsession, account, is_active=None)
    f.make_account_key(dbsession, account, is_active=None)
    f.make_account_key(dbsession, account)
    f.make_account_key(dbsession)  # another account's active key
    pem = f._uniq("pem")
    f.assert_rejected(
        dbsession,
        m.AcmeAccountKey(
            acme_account=account,
            is_active=True,
            key_technology_id=utils.KeyTechnology.RSA,
            key_pem=pem,
            key_pem_sha256=f._sha(pem),
            spki_sha256=f._sha(pem),
            acme_account_key_source_id=utils.AcmeAccountKeySource.IMPORTED,
            operations_event__created=f.make_event(dbsession),
        ),
    )


@pytest.mark.parametrize(
    "factory,column",
    [
        (f.make_private_key, "key_pem_sha256"),
        (f.make_account_key, "key_pem_sha256"),
        (f.make_certificate_ca, "cert_pem_sha256"),
        (f.make_certificate_ca_chain, "chain_pem_sha256"),
        (f.make_certificate_signed, "cert_pem_sha256"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_pem_digest_unique(dbsession, factory, column):
    first = factory(dbsession)
    with pytest.raises(IntegrityError):
        factory(dbsession, **{column: getattr(first, column)})


def test_pem_text_itself_is_not_unique(dbsession):
    # uniqueness is on the digest only: a btree index cannot hold multi-KB PEM text
    first = f.make_certificate_ca(dbsession, cert_pem="X" * 20000)
    f.make_certificate_ca(dbsession, cert_pem=first.cert_pem)


def test_certificate_request_digest_not_unique(dbsession):
    first = f.make_certificate_request(dbsession)
    f.make_certificate_request(dbsession, csr_pem=first.csr_pem, csr_pem_sha256=first.csr_pem_sha256)


@pytest.mark.parametrize(
    "factory,attr",
    [
        (f.make_authorization, "authorization_url"),
        (f.make_challenge, "challenge_url"),
        (f.make_acme_order, "order_url"),
        (f.make_account, "account_url"),
        (f.make_fqdn_set, "domain_ids_string"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_unique_columns(dbsession, factory, attr):
    first = factory(dbsession)
    if getattr(first, attr) is None:
        setattr(first, attr, "https://acme.example.com/acct/1")
        dbsession.flush()
    second = factory(dbsession)
    setattr(second, attr, getattr(first, attr))
    with pytest.raises(IntegrityError):
        dbsession.flush()


def test_remote_ip_address_unique(dbsession):
    f._add(dbsession, m.RemoteIpAddress(remote_ip_address="192.0.2.1"))
    f.assert_rejected(dbsession, m.RemoteIpAddress(remote_ip_address="192.0.2.1"))


def test_challenge_token_required(dbsession):
    challenge = f.make_challenge(dbsession)
    challenge.token = None
    with pytest.raises(IntegrityError):
        dbsession.flush()


def test_certificate_signed_chain_pair_unique(dbsession):
    cert = f.make_certificate_signed(dbsession)
    chain = f.make_certificate_ca_chain(dbsession)
    other_chain = f.make_certificate_ca_chain(dbsession)
    f._add(dbsession, m.CertificateSignedChain(certificate_signed=cert, certificate_ca_chain=chain, is_upstream_default=True))
    f._add(dbsession, m.CertificateSignedChain(certificate_signed=cert, certificate_ca_chain=other_chain))
    f.assert_rejected(dbsession, m.CertificateSignedChain(certificate_signed=cert, certificate_ca_chain=chain))


def test_certificate_comes_from_one_order(dbsession):
    cert = f.make_certificate_signed(dbsession)
    f.make_acme_order(dbsession, certificate_signed=cert)
    with pytest.raises(IntegrityError):
        f.make_acme_order(dbsession, certificate_signed=cert)


@pytest.mark.parametrize("source", ["acme_order__source", "certificate_signed__source", "unique_fqdn_set__source"])
def test_queue_certificate_one_source_accepted(dbsession, source):
    factories = {
        "acme_order__source": f.make_acme_order,
        "certificate_signed__source": f.make_certificate_signed,
        "unique_fqdn_set__source": f.make_fqdn_set,
    }
    queue_item = f._add(dbsession, f.make_queue_certificate(dbsession, **{source: factories[source](dbsession)}))
    assert queue_item.is_active is True


@pytest.mark.parametrize("sources", [(), ("acme_order__source", "unique_fqdn_set__source")], ids=["none", "two"])
def test_queue_certificate_needs_exactly_one_source(dbsession, sources):
    factories = {"acme_order__source": f.make_acme_order, "unique_fqdn_set__source": f.make_fqdn_set}
    f.assert_rejected(dbsession, f.make_queue_certificate(dbsession, **{k: factories[k](dbsession) for k in sources}))


@pytest.mark.parametrize("objects", [(), ("domain", "private_key")], ids=["none", "two"])
def test_operations_object_event_needs_exactly_one_object(dbsession, objects):
    factories = {"domain": f.make_domain, "private_key": f.make_private_key}
    f.assert_rejected(
        dbsession,
        m.OperationsObjectEvent(
            operations_event=f.make_event(dbsession),
            operations_object_event_status_id=utils.OperationsObjectEventStatus.Domain__insert,
            **{k: factories[k](dbsession) for k in objects},
        ),
    )


def test_operations_object_event_one_object_accepted(dbsession):
    event = f.make_event(dbsession, utils.OperationsEventType.Domain__insert)
    ooe = f._add(
        dbsession,
        m.OperationsObjectEvent(
            operations_event=event,
            operations_object_event_status_id=utils.OperationsObjectEventStatus.Domain__insert,
            domain=f.make_domain(dbsession),
        ),
    )
    assert event.object_events == [ooe]
    assert ooe.operations_object_event_status == "Domain__insert"


# ==============================================================================
# timestamps


def test_tzdatetime_round_trip_is_aware_utc(dbsession):
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    moment = datetime.datetime(2021, 3, 4, 12, 30, 15, tzinfo=plus_two)
    event = f.make_event(dbsession, timestamp_event=moment)
    dbsession.commit()
    dbsession.expire_all()
    loaded = dbsession.get(m.OperationsEvent, event.id)
    assert loaded.timestamp_event == moment
    assert loaded.timestamp_event.tzinfo is UTC
    assert loaded.timestamp_event.hour == 10
    # comparisons in SQL use the same UTC instant
    found = dbsession.scalars(
        sa.select(m.OperationsEvent.id).where(m.OperationsEvent.timestamp_event == moment.astimezone(UTC))
    ).all()
    assert found == [event.id]


def test_tzdatetime_refuses_naive(dbsession):
    dbsession.add(
        m.OperationsEvent(
            operations_event_type_id=utils.OperationsEventType._DatabaseInitialization,
            timestamp_event=datetime.datetime(2021, 1, 1, 0, 0),
        )
    )
    with pytest.raises(StatementError) as exc:
        dbsession.flush()
    assert isinstance(exc.value.orig, ValueError)


def test_defaults(dbsession):
    order = f.make_acme_order(dbsession)
    dbsession.commit()
    dbsession.expire_all()
    assert order.acme_status_order_id == utils.Acme_Status_Order.PENDING
    assert order.acme_status_order == "pending"
    assert order.is_processing is True and order.is_auto_renew is True
    assert order.timestamp_created.tzinfo is UTC
    assert abs(order.timestamp_created - meta.utcnow()) < datetime.timedelta(minutes=1)
    account = order.acme_account
    assert account.private_key_cycle == "single_certificate"
    assert account.private_key_technology == "RSA"
    assert account.count_acme_orders == 0
    assert account.acme_account_provider.protocol == "acme-v2"
    event = f.make_event(dbsession)
    assert event.event_payload_json == {"v": 1}
    authz = f.make_authorization(dbsession, order=order)
    assert authz.acme_status_authorization == "*discovered*"


# ==============================================================================
# relationships and derived properties


def test_account_active_key_and_is_usable(dbsession):
    account = f.make_account(dbsession)
    assert account.acme_account_key is None
    assert account.is_usable is False
    old = f.make_account_key(dbsession, account, is_active=None)
    active = f.make_account_key(dbsession, account)
    dbsession.expire(account)
    assert account.acme_account_key is active
    assert set(account.acme_account_keys_all) == {old, active}
    assert account.is_usable is True
    assert account.is_global_default_candidate is False  # provider is not default
    account.acme_account_provider.is_default = True
    assert account.is_global_default_candidate is True
    account.is_active = False
    assert account.is_usable is False


def test_certificate_signed_order_and_account(dbsession):
    cert = f.make_certificate_signed(dbsession)
    assert cert.acme_order is None and cert.acme_account is None
    order = f.make_acme_order(dbsession, certificate_signed=cert)
    renewal = f.make_acme_order(dbsession, certificate_signed__renewal_of=cert, acme_order__renewal_of=order)
    dbsession.expire(cert)
    assert cert.acme_order is order
    assert cert.acme_account is order.acme_account
    assert cert.acme_order__renewals == [renewal]
    assert renewal.acme_order__renewal_of is order
    assert renewal.acme_order__retry_of is None


def test_certificate_expiring_days(dbsession):
    cert = f.make_certificate_signed(dbsession)
    assert cert.expiring_days == 89
    cert.timestamp_not_after = meta.utcnow() - datetime.timedelta(hours=1)
    assert cert.expiring_days == -1


def test_domain_latest_certificates(dbsession):
    domain = f.make_domain(dbsession, "latest.example.com")
    assert domain.has_active_certificates is False
    single = f.make_certificate_signed(dbsession)
    multi = f.make_certificate_signed(dbsession)
    domain.certificate_signed__latest_single = single
    domain.certificate_signed__latest_multi = multi
    dbsession.flush()
    assert domain.certificate_signed_id__latest_single == single.id
    assert domain.has_active_certificates is True
    payload = domain.as_json
    assert payload["certificate_signed__latest_single"]["id"] == str(single.id)
    assert payload["certificate_signed__latest_multi"]["expiring_days"] == 89


def test_unique_fqdn_set_domains(dbsession):
    fqdn_set = f.make_fqdn_set(dbsession, ["b.example.com", "a.example.com", "c.example.com"])
    assert fqdn_set.domains_as_list == ["a.example.com", "b.example.com", "c.example.com"]
    assert fqdn_set.domain_names == "a.example.com, b.example.com, c.example.com"
    domain = dbsession.scalars(sa.select(m.Domain).where(m.Domain.domain_name == "b.example.com")).one()
    assert [to.unique_fqdn_set for to in domain.to_fqdns] == [fqdn_set]


def test_latest_relationships(dbsession):
    fqdn_set = f.make_fqdn_set(dbsession)
    csr = f.make_certificate_request(dbsession, fqdn_set=fqdn_set)
    first = f.make_certificate_signed(dbsession, fqdn_set=fqdn_set, certificate_request=csr)
    second = f.make_certificate_signed(dbsession, fqdn_set=fqdn_set, certificate_request=csr)
    inactive = f.make_certificate_signed(dbsession, fqdn_set=fqdn_set, certificate_request=csr, is_active=False)
    order_a = f.make_acme_order(dbsession, fqdn_set=fqdn_set, certificate_request=csr)
    order_b = f.make_acme_order(dbsession, fqdn_set=fqdn_set, certificate_request=csr)
    other_set = f.make_fqdn_set(dbsession)
    f.make_certificate_signed(dbsession, fqdn_set=other_set)
    dbsession.commit()
    dbsession.expire_all()
    assert fqdn_set.latest_certificate is inactive
    assert fqdn_set.latest_active_certificate is second
    assert csr.certificate_signed__latest is second
    assert csr.latest_acme_order is order_b
    assert {first, second, inactive} == set(fqdn_set.certificate_signeds)
    assert order_a in csr.acme_orders
    dbsession.expire_all()
    # the same relationships eager-load in one query each
    sets = dbsession.scalars(
        sa.select(m.UniqueFQDNSet)
        .where(m.UniqueFQDNSet.id.in_([fqdn_set.id, other_set.id]))
        .options(
            selectinload(m.UniqueFQDNSet.latest_active_certificate),
            selectinload(m.UniqueFQDNSet.latest_certificate),
        )
        .order_by(m.UniqueFQDNSet.id)
    ).all()
    assert [s.latest_active_certificate.id for s in sets] == [second.id, other_set.latest_active_certificate.id]
    assert sets[0].latest_certificate.id == inactive.id


def test_authorization_challenges_by_type_and_orders(dbsession):
    order = f.make_acme_order(dbsession)
    authz = f.make_authorization(dbsession, order=order, domain=f.make_domain(dbsession))
    http = f.make_challenge(dbsession, authz)
    dns = f.make_challenge(dbsession, authz, acme_challenge_type_id=utils.AcmeChallengeType.DNS_01)
    second_order = f.make_acme_order(dbsession)
    f._add(dbsession, m.AcmeOrder2AcmeAuthorization(acme_order=second_order, acme_authorization=authz))
    dbsession.expire_all()
    assert authz.acme_challenge_http_01 is http
    assert authz.acme_challenge_dns_01 is dns
    assert authz.acme_challenge_tls_alpn_01 is None
    assert authz.acme_challenges == [http, dns]
    assert http.acme_orders == [second_order, order]
    assert order.acme_authorizations == [authz]
    assert authz.acme_order_created is order
    assert http.domain.acme_challenges == [dns, http]


ORDER_FLAGS = (
    "is_can_acme_process",
    "is_can_acme_finalize",
    "is_can_mark_invalid",
    "is_can_retry",
    "is_can_acme_server_sync",
    "is_can_acme_server_deactivate_authorizations",
    "is_can_acme_server_download_certificate",
    "is_renewable_quick",
    "is_renewable_custom",
    "is_renewable_queue",
)
# the order has an order_url, a certificate_url, an active account and key, and
# one pending authorization; only the ACME status varies
SYNC_AND_DEACTIVATE = {"is_can_acme_server_sync", "is_can_acme_server_deactivate_authorizations"}
RENEW = {"is_renewable_quick", "is_renewable_custom"}


@pytest.mark.parametrize(
    "status,expected",
    [
        ("pending", {"is_can_acme_process", "is_can_mark_invalid"} | SYNC_AND_DEACTIVATE),
        ("ready", {"is_can_acme_process", "is_can_acme_finalize", "is_can_mark_invalid"} | SYNC_AND_DEACTIVATE | RENEW),
        ("processing", {"is_can_mark_invalid"} | SYNC_AND_DEACTIVATE),
        ("valid", {"is_can_acme_server_download_certificate"} | SYNC_AND_DEACTIVATE | RENEW),
        ("invalid", {"is_can_retry"} | SYNC_AND_DEACTIVATE),
        ("deactivated", {"is_can_retry"} | SYNC_AND_DEACTIVATE),
        ("*404*", {"is_can_retry"} | RENEW),
    ],
)
def test_order_capability_flags(dbsession, status, expected):
    order = f.make_acme_order(
        dbsession,
        acme_status_order_id=utils.Acme_Status_Order.from_string(status),
        certificate_url="https://acme.example.com/cert/1",
    )
    f.make_authorization(dbsession, order=order, acme_status_authorization_id=utils.Acme_Status_Authorization.PENDING)
    dbsession.expire(order)
    assert {f for f in ORDER_FLAGS if getattr(order, f)} == expected | {"is_renewable_queue"}


def test_order_flags_follow_account_key_and_certificate(dbsession):
    order = f.make_acme_order(
        dbsession,
        acme_status_order_id=utils.Acme_Status_Order.VALID,
        certificate_url="https://acme.example.com/cert/2",
    )
    assert order.is_can_acme_server_deactivate_authorizations is False  # nothing to deactivate
    order.private_key.is_active = False
    assert order.is_renewable_quick is False and order.is_renewable_custom is True
    order.acme_account.is_active = False
    assert order.is_renewable_custom is False and order.is_renewable_queue is False
    assert order.is_can_acme_server_download_certificate is True
    order.certificate_signed = f.make_certificate_signed(dbsession)
    dbsession.flush()
    assert order.is_can_acme_server_download_certificate is False
    order.order_url = None
    assert order.is_can_acme_server_sync is False


def test_private_key_usable_and_can_sign(dbsession):
    placeholder = dbsession.get(m.PrivateKey, 0) or f.make_private_key(
        dbsession,
        id=0,
        private_key_source_id=utils.PrivateKeySource.PLACEHOLDER,
        private_key_type_id=utils.PrivateKeyType.PLACEHOLDER,
    )
    assert placeholder.is_key_usable is True and placeholder.can_key_sign is False
    key = f.make_private_key(dbsession)
    assert key.is_key_usable is True and key.can_key_sign is True
    key.is_compromised = True
    assert key.is_key_usable is False and key.can_key_sign is False
    key.is_compromised = None
    key.is_active = False
    assert key.is_key_usable is False


def test_private_key_calendar_repr(dbsession):
    created = datetime.datetime(2021, 1, 6, 12, 0, tzinfo=UTC)  # ISO 2021-W01, Wednesday
    weekly = f.make_private_key(
        dbsession, private_key_type_id=utils.PrivateKeyType.GLOBAL_WEEKLY, timestamp_created=created
    )
    daily = f.make_private_key(
        dbsession, private_key_type_id=utils.PrivateKeyType.ACCOUNT_DAILY, timestamp_created=created
    )
    standard = f.make_private_key(dbsession, timestamp_created=created)
    assert weekly.autogenerated_calendar_repr == "2021.1"
    assert daily.autogenerated_calendar_repr == "2021.1.3"
    assert standard.autogenerated_calendar_repr is None


def test_queue_certificates_active_and_sources(dbsession):
    fqdn_set = f.make_fqdn_set(dbsession)
    cert = f.make_certificate_signed(dbsession, fqdn_set=fqdn_set)
    # one waiting item per set (a partial unique index): the others are made processed
    pending, processed, cancelled = (
        f._add(
            dbsession,
            f.make_queue_certificate(dbsession, unique_fqdn_set=fqdn_set, certificate_signed__source=cert, is_active=is_active),
        )
        for is_active in (True, False, False)
    )
    cancelled.is_active = None  # an update: at INSERT the ORM would apply the default
    dbsession.flush()
    dbsession.expire_all()
    assert fqdn_set.queue_certificates__active == [pending]
    assert len(fqdn_set.queue_certificates) == 3
    assert len(cert.queue_certificate__renewal) == 3
    generated = f.make_certificate_signed(dbsession)
    order = f.make_acme_order(dbsession)
    pending.certificate_signed__generated = generated
    pending.acme_order__generated = order
    dbsession.flush()
    assert generated.queue_certificate__parent == [pending]
    assert order.queue_certificate__generator is pending


def test_one_waiting_renewal_per_set(dbsession):
    """The database, not the code, keeps one waiting renewal per set; processed ones may be many."""
    fqdn_set = f.make_fqdn_set(dbsession)
    f._add(dbsession, f.make_queue_certificate(dbsession, unique_fqdn_set=fqdn_set, unique_fqdn_set__source=fqdn_set))
    for _ in range(2):
        f._add(dbsession, f.make_queue_certificate(dbsession, unique_fqdn_set=fqdn_set, unique_fqdn_set__source=fqdn_set, is_active=False))
    second = f.make_queue_certificate(dbsession, unique_fqdn_set=fqdn_set, unique_fqdn_set__source=fqdn_set)
    f.assert_rejected(dbsession, second)


def test_one_waiting_queued_name(dbsession):
    event = f.make_event(dbsession)
    for is_active in (True, False, False):
        f._add(dbsession, m.QueueDomain(domain_name="once.example.com", is_active=is_active, operations_event__created=event))
    f.assert_rejected(dbsession, m.QueueDomain(domain_name="once.example.com", is_active=True, operations_event__created=event))


def test_queue_domain_links_its_domain(dbsession):
    domain = f.make_domain(dbsession, "queued.example.com")
    queue_item = m.QueueDomain(
        domain_name="queued.example.com", domain=domain, is_active=False, operations_event__created=f.make_event(dbsession)
    )
    f._add(dbsession, queue_item)
    dbsession.expire_all()
    assert domain.queue_domain is queue_item


def test_operations_event_payload_and_children(dbsession):
    parent = f.make_event(dbsession, utils.OperationsEventType.operations__update_recents__global)
    child = m.OperationsEvent(operations_event_type_id=utils.OperationsEventType.Domain__mark__active, parent=parent)
    child.set_event_payload({"domain_id": 12, "v": 7})
    f._add(dbsession, child)
    assert json.loads(child.event_payload) == {"domain_id": 12, "v": 1}
    assert parent.children == [child]
    assert child.as_json["event_payload"] == {"domain_id": 12, "v": 1}
    assert child.as_json["operations_event_type"] == "Domain__mark__active"
    assert child.as_json["operations_event_id__child_of"] == str(parent.id)


# ==============================================================================
# JSON


def _build_everything(s):
    """One row of every class, linked the way the application links them."""
    account = f.make_account(s)
    f.make_account_key(s, account)
    fqdn_set = f.make_fqdn_set(s, ["json.example.com", "www.json.example.com"])
    key = f.make_private_key(s, acme_account__owner=account)
    csr = f.make_certificate_request(s, fqdn_set=fqdn_set, private_key=key)
    cert = f.make_certificate_signed(
        s, fqdn_set=fqdn_set, private_key=key, certificate_request=csr, timestamp_revoked_upstream=meta.utcnow()
    )
    ca = f.make_certificate_ca(s)
    chain = f.make_certificate_ca_chain(s, [ca, f.make_certificate_ca(s, cert_issuer__certificate_ca=ca)])
    f._add(s, m.CertificateSignedChain(certificate_signed=cert, certificate_ca_chain=chain, is_upstream_default=True))
    order = f.make_acme_order(
        s, account=account, fqdn_set=fqdn_set, private_key=key, certificate_request=csr, certificate_signed=cert
    )
    f._add(s, m.AcmeOrderSubmission(acme_order=order))
    domain = fqdn_set.to_domains[0].domain
    domain.certificate_signed__latest_multi = cert
    authz = f.make_authorization(s, order=order, domain=domain)
    challenge = f.make_challenge(s, authz, keyauthorization="token.thumbprint")
    ip = f._add(s, m.RemoteIpAddress(remote_ip_address="192.0.2.7"))
    f._add(s, m.AcmeChallengePoll(acme_challenge=challenge, remote_ip_address=ip))
    f._add(
        s,
        m.AcmeEventLog(
            acme_event_id=utils.AcmeEvent.NEW_ORDER,
            request_method="POST",
            request_url="https://acme.example.com/new-order",
            request_payload=json.dumps({"identifiers": [{"type": "dns", "value": "json.example.com"}]}),
            response_status=201,
            response_headers=json.dumps({"Location": order.order_url}),
            response_payload="{}",
            acme_account_id=account.id,
            acme_order_id=order.id,
        ),
    )
    f._add(s, m.DomainBlocklisted(domain_name="blocked.example.com"))
    now = datetime.datetime.now(datetime.timezone.utc)
    f._add(
        s,
        m.DomainAutocert(
            domain_name="json.example.com",
            domain_id=fqdn_set.to_domains[0].domain_id,
            source="autocert",
            timestamp_created=now,
            timestamp_finished=now,
            is_running=None,
            is_successful=True,
            result="issued",
            acme_order_id=order.id,
            certificate_signed_id=cert.id,
            operations_event_id__created=f.make_event(s).id,
        ),
    )
    f._add(
        s,
        m.AcmeChallengeProbe(
            token="probe-token", domain_name="json.example.com", key_authorization="probe-token.thumbprint",
            timestamp_created=now, timestamp_expires=now + datetime.timedelta(minutes=1),
        ),
    )
    orderless = f._add(s, m.AcmeOrderless(domain_names="json.example.com", acme_account=account))
    f._add(
        s,
        m.AcmeOrderlessChallenge(
            acme_orderless=orderless, domain_name="json.example.com", token="orderless-token",
            keyauthorization="orderless-token.thumbprint", timestamp_polled_last=now, count_polled=1,
        ),
    )
    cae_parent = f._add(
        s,
        m.CoverageAssuranceEvent(
            timestamp_created=now,
            coverage_assurance_event_type_id=utils.CoverageAssuranceEventType.from_string("PrivateKey_compromised_mark"),
            coverage_assurance_event_status_id=utils.CoverageAssuranceEventStatus.from_string("reported"),
            coverage_assurance_resolution_id=utils.CoverageAssuranceResolution.UNRESOLVED,
            subject_key="PrivateKey:%s" % key.id,
            message="key compromised",
            private_key=key,
            acme_account_id=account.id,
        ),
    )
    cae_child = f._add(
        s,
        m.CoverageAssuranceEvent(
            timestamp_created=now,
            timestamp_resolved=now,
            coverage_assurance_event_type_id=utils.CoverageAssuranceEventType.from_string("PrivateKey_compromised_mark"),
            coverage_assurance_event_status_id=utils.CoverageAssuranceEventStatus.from_string("resolved-replaced"),
            coverage_assurance_resolution_id=utils.CoverageAssuranceResolution.from_string("CertificateSigned_replaced"),
            subject_key="CertificateSigned:%s" % cert.id,
            message="certificate of a compromised key",
            certificate_signed=cert,
            unique_fqdn_set_id=fqdn_set.id,
            coverage_assurance_event_id__parent=cae_parent.id,
        ),
    )
    f._add(
        s,
        m.Notification(
            timestamp_created=now,
            kind="coverage_assurance_event",
            notification_channel_id=utils.NotificationChannel.from_string("webhook"),
            notification_status_id=utils.NotificationStatus.PENDING,
            payload=json.dumps({"coverage_assurance_event_id": str(cae_child.id)}),
            timestamp_next_attempt=now,
            coverage_assurance_event_id=cae_parent.id,
        ),
    )
    acme_dns_server = f._add(
        s,
        m.AcmeDnsServer(
            root_url="https://acme-dns.example.com", domain="acme-dns.example.com", is_global_default=True,
            operations_event__created=f.make_event(s),
        ),
    )
    f._add(
        s,
        m.AcmeDnsServerAccount(
            acme_dns_server=acme_dns_server,
            domain=domain,
            username="0a1b2c3d-0000-4000-8000-000000000001",
            password="p" * 40,
            fulldomain="0a1b2c3d-0000-4000-8000-000000000002.acme-dns.example.com",
            subdomain="0a1b2c3d-0000-4000-8000-000000000002",
            allowfrom='["192.0.2.0/24"]',
            timestamp_last_update=now,
            operations_event__created=f.make_event(s),
        ),
    )
    f._add(
        s,
        m.DnsBackendRfc2136(
            zone="json.example.com",
            server="127.0.0.1",
            port=53,
            tsig_key_name="peter-sslers",
            tsig_algorithm="hmac-sha256",
            tsig_secret="c2VjcmV0",
            timestamp_updated=now,
        ),
    )
    # the preferred-CA list and a reconcile-cas attempt (issue 14; the root stores are seeded)
    f._add(s, m.CertificateCAPreference(slot=1, certificate_ca=ca))
    f._add(
        s,
        m.CertificateCAReconciliation(
            certificate_ca=chain.certificate_ca_n, cert_issuer_uri="http://ca.example.com/issuer.der", result=True,
            certificate_ca__issuer__reconciled=ca, operations_event_id=f.make_event(s).id,
        ),
    )
    queue_domain = f._add(s, m.QueueDomain(domain_name="queued.example.com", operations_event__created=f.make_event(s)))
    queue_cert = f._add(s, f.make_queue_certificate(s, acme_order__source=order))
    event = f.make_event(s)
    for attr, obj in (
        ("domain", domain),
        ("queue_domain", queue_domain),
        ("queue_certificate", queue_cert),
        ("certificate_ca_chain", chain),
    ):
        f._add(
            s,
            m.OperationsObjectEvent(
                operations_event=event,
                operations_object_event_status_id=utils.OperationsEventType.Domain__insert,
                **{attr: obj},
            ),
        )
    s.commit()
    return order


def _check_json_value(key, value, path):
    if key == "id" or key.endswith("_id") or "_id__" in key:
        assert value is None or (isinstance(value, str) and value.isdigit()), path
    elif key.endswith("_ids"):
        assert all(isinstance(v, str) and v.isdigit() for v in value), path
    elif key.startswith("timestamp_") and value is not None:
        parsed = datetime.datetime.fromisoformat(value)
        assert parsed.utcoffset() == datetime.timedelta(0), path
        assert value.endswith(("+00:00", "Z")), path


def _walk(payload, path):
    if isinstance(payload, dict):
        for key, value in payload.items():
            _check_json_value(key, value, path + "." + key)
            _walk(value, path + "." + key)
    elif isinstance(payload, list):
        for i, value in enumerate(payload):
            _walk(value, "%s[%d]" % (path, i))


def test_as_json_every_class(dbsession):
    _build_everything(dbsession)
    dbsession.expire_all()
    for name in m.__all__:
        cls = getattr(m, name)
        rows = dbsession.scalars(sa.select(cls)).all()
        assert rows, name
        for row in rows:
            payload = row.as_json
            json.dumps(payload)  # plain types only
            _walk(payload, name)


def test_as_json_shapes(dbsession):
    order = _build_everything(dbsession)
    payload = order.as_json
    assert payload["id"] == str(order.id)
    assert payload["acme_account_id"] == str(order.acme_account_id)
    assert payload["acme_status_order"] == "pending"
    assert payload["acme_order_type"] == "ACME Automated (New)"
    assert payload["domains_as_list"] == ["json.example.com", "www.json.example.com"]
    assert payload["acme_order_id__retry_of"] is None
    assert payload["timestamp_created"].endswith("+00:00")
    assert payload["is_processing"] is True
    cert = order.certificate_signed
    cert_json = cert.as_json
    assert cert_json["cert_pem"] == cert.cert_pem
    assert cert_json["cert_pem_sha256"] == cert.cert_pem_sha256
    assert cert_json["certificate_ca_chain_ids"] == [str(cert.certificate_signed_chains[0].certificate_ca_chain_id)]
    assert cert_json["is_revoked"] is False
    key_json = order.private_key.as_json
    assert key_json["key_pem"] == order.private_key.key_pem
    assert key_json["acme_account_id__owner"] == str(order.acme_account_id)
    account_json = order.acme_account.as_json
    assert account_json["is_global_default"] is False
    assert account_json["is_usable"] is True
    assert account_json["AcmeAccountKey"]["key_pem"] == order.acme_account.acme_account_key.key_pem
    log = dbsession.scalars(sa.select(m.AcmeEventLog).where(m.AcmeEventLog.acme_order_id == order.id)).one()
    log_json = log.as_json
    assert log_json["acme_event"] == "v2|newOrder"
    assert log_json["response_headers"] == {"Location": order.order_url}
    queue_json = dbsession.scalars(
        sa.select(m.QueueCertificate).where(m.QueueCertificate.acme_order_id__source == order.id)
    ).one().as_json
    assert queue_json["source"] == {
        "acme_order_id": str(order.id),
        "certificate_signed_id": None,
        "unique_fqdn_set_id": None,
    }
    assert queue_json["is_active"] is True


def test_acme_dns_json_masks_the_password(dbsession):
    _build_everything(dbsession)
    dbsession.expire_all()
    account = dbsession.scalars(sa.select(m.AcmeDnsServerAccount)).one()
    payload = account.as_json
    assert "password" not in payload and "p" * 40 not in json.dumps(payload)
    assert payload["password_sample"] == "pp\u2026pp"
    assert payload["allowfrom"] == ["192.0.2.0/24"]
    assert payload["cname_record"] == "_acme-challenge.json.example.com. CNAME %s." % account.fulldomain
    assert account.as_json_with_password["password"] == "p" * 40
    server_json = account.acme_dns_server.as_json
    assert server_json["is_global_default"] is True and server_json["root_url"] == "https://acme-dns.example.com"


def test_acme_dns_one_active_account_per_domain_and_server(dbsession):
    _build_everything(dbsession)
    account = dbsession.scalars(sa.select(m.AcmeDnsServerAccount)).one()
    values = dict(
        acme_dns_server_id=account.acme_dns_server_id, domain_id=account.domain_id, username=account.username,
        password=account.password, fulldomain=account.fulldomain, subdomain=account.subdomain,
        operations_event_id__created=account.operations_event_id__created,
    )
    # inactive ones: any number
    for _ in range(2):
        f._add(dbsession, m.AcmeDnsServerAccount(is_active=False, **values))
    dbsession.flush()
    f.assert_rejected(dbsession, m.AcmeDnsServerAccount(**values))
