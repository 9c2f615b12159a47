"""lib.db.order_spec: the one order specification (each constructor, the one validation and its
messages, the dns-01 shape) and the import direction (actions_acme does not import queues).
No ACME server: nothing here sends an order."""

import ast
import pathlib
import subprocess
import sys

import pytest

from peter_sslers.lib import errors
from peter_sslers.lib.db import order_spec
from peter_sslers.lib.db.order_spec import OrderSpec
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests import factories as f

LIB_DB = pathlib.Path(order_spec.__file__).parent


def usable_account(s, **kw):
    account = f.make_account(s, provider=f.make_provider(s, is_enabled=True), **kw)
    f.make_account_key(s, account=account)
    return account


def refused(ctx, spec, field, text, **kw):
    with pytest.raises(errors.InvalidRequest) as caught:
        spec.validate(ctx, **kw)
    assert caught.value.field == field, caught.value.field
    assert text in caught.value.message, caught.value.message
    return caught.value


# --- constructors


def test_from_names_and_validate_normalise(ctx):
    s = ctx.dbsession
    account = usable_account(s)
    spec = OrderSpec.from_names(account, ["WWW.Example.com", "a.example.com"])
    assert spec.validated == "" and spec.domains_challenged == {"WWW.Example.com": "http-01", "a.example.com": "http-01"}
    valid = spec.validate(ctx)
    assert valid.validated == "all"
    assert list(valid.domains_challenged.items()) == [("a.example.com", "http-01"), ("www.example.com", "http-01")]
    assert valid.names_for("http-01") == ["a.example.com", "www.example.com"] and valid.names_for("dns-01") == []
    # the deferred strategies take the placeholder key; validating again changes nothing
    assert valid.dbPrivateKey.id == 0 and valid.validate(ctx) is valid
    # frozen: a change is a copy, and a copy is validated again
    with pytest.raises(Exception):
        valid.processing_strategy = "create_order"
    assert valid.replace(processing_strategy="create_order").validated == ""


def test_from_form(ctx):
    s = ctx.dbsession
    account = usable_account(s)
    key = f.make_private_key(s)
    values = {
        "acme_account_id": account.id,
        "private_key_option": "private_key_existing",
        "private_key_id": key.id,
        "private_key_cycle__renewal": "single_certificate",
        "processing_strategy": "process_multi",
        "domain_names_http01": "a.example.com, b.example.com",
        "domain_names_dns01": "*.example.net",
    }
    spec = OrderSpec.from_form(ctx, values)
    assert spec.dbAccount is account and spec.dbPrivateKey is key and spec.private_key_strategy == "specified"
    assert spec.processing_strategy == "process_multi" and spec.private_key_cycle__renewal == "single_certificate"
    assert dict(spec.domains_challenged) == {"a.example.com": "http-01", "b.example.com": "http-01", "*.example.net": "dns-01"}
    assert (spec.order_type, spec.event) == ("ACME Automated (New)", "AcmeOrder_New_Automated")
    template = OrderSpec.from_form(ctx, dict(values, private_key_option="private_key_generate"), with_names=False)
    assert template.domain_names == [] and template.private_key_strategy == "deferred-generate"
    assert template.dbPrivateKey is None


@pytest.mark.parametrize(
    "values, field, text",
    [
        ({"acme_account_id": 987654}, "acme_account_id", "There is no ACME account 987654."),
        ({"private_key_option": "private_key_existing"}, "private_key_id", "Required with `private_key_option"),
        ({"private_key_option": "private_key_existing", "private_key_id": 987654}, "private_key_id", "no private key 987654"),
        ({"private_key_option": "private_key_mystery"}, "private_key_option", "`private_key_option` must be one of"),
    ],
)
def test_from_form_refuses(ctx, values, field, text):
    account = usable_account(ctx.dbsession)
    values = dict({"acme_account_id": account.id}, **values)
    with pytest.raises(errors.InvalidRequest) as caught:
        OrderSpec.from_form(ctx, values)
    assert caught.value.field == field and text in caught.value.message


def test_from_form_refuses_an_account_on_a_server_not_enabled(ctx):
    s = ctx.dbsession
    account = f.make_account(s, provider=f.make_provider(s, is_enabled=None))
    with pytest.raises(errors.InvalidTransition) as caught:
        OrderSpec.from_form(ctx, {"acme_account_id": account.id})
    assert caught.value.field == "acme_account_id" and "is not enabled" in caught.value.message


def test_from_order_retry_and_renewals(ctx):
    s = ctx.dbsession
    account, other = usable_account(s), usable_account(s)
    key = f.make_private_key(s)
    fqdn_set = f.make_fqdn_set(s, ["order-spec.example.com"])
    dbOrder = f.make_acme_order(s, account=account, fqdn_set=fqdn_set, private_key=key)
    retry = OrderSpec.from_order(ctx, dbOrder, "retry")
    assert retry.dbAccount is account and retry.dbPrivateKey is key and retry.private_key_strategy == "specified"
    assert retry.domain_names == ["order-spec.example.com"] and retry.processing_strategy == "create_order"
    assert (retry.order_type, retry.event, retry.acme_order_id__retry_of) == (
        "ACME Automated (Retry)",
        "AcmeOrder_New_Retry",
        dbOrder.id,
    )
    quick = OrderSpec.from_order(ctx, dbOrder, "renew_quick", processing_strategy="process_single")
    assert quick.processing_strategy == "process_single" and quick.acme_order_id__renewal_of == dbOrder.id
    assert (quick.order_type, quick.event) == ("ACME Automated (Renew Quick)", "AcmeOrder_Renew_Quick")
    custom = OrderSpec.from_order(
        ctx,
        dbOrder,
        "renew_custom",
        processing_strategy="process_single",
        values={"acme_account_id": other.id, "private_key_option": "private_key_generate"},
    )
    assert custom.dbAccount is other and custom.private_key_strategy == "deferred-generate" and custom.dbPrivateKey is None
    assert custom.private_key_cycle__renewal == "account_key_default"
    assert (custom.order_type, custom.event) == ("ACME Automated (Renew Custom)", "AcmeOrder_Renew_Custom")


def test_from_queue_items(ctx):
    s = ctx.dbsession
    account = usable_account(s)
    key = f.make_private_key(s, is_compromised=True)
    fqdn_set = f.make_fqdn_set(s, ["queued-spec.example.com"])
    dbOrder = f.make_acme_order(s, account=account, fqdn_set=fqdn_set, private_key=key)
    # a compromised specified key is not carried into the renewal: the account's cycle chooses
    recorded = OrderSpec.from_renewal_source(ctx, dbOrder, fqdn_set)
    assert recorded.private_key_strategy == "deferred-associate" and recorded.dbPrivateKey is None
    assert recorded.dbAccount is account and recorded.order_type == "Queue - Certificate Renewal"
    dbQueue = m.QueueCertificate(
        is_active=True,
        timestamp_created=ctx.timestamp,
        acme_account=account,
        private_key=key,
        private_key_strategy_id__requested=model_utils.PrivateKeyStrategy.from_string("specified"),
        private_key_cycle_id__renewal=model_utils.PrivateKeyCycle.from_string("account_daily"),
        unique_fqdn_set=fqdn_set,
        acme_order__source=dbOrder,
        operations_event__created=f.make_event(s),
    )
    s.add(dbQueue)
    s.flush()
    spec = OrderSpec.from_queue_certificate(ctx, dbQueue)
    assert spec.private_key_strategy == "deferred-associate" and spec.private_key_cycle__renewal == "account_daily"
    assert spec.domain_names == ["queued-spec.example.com"] and spec.acme_order_id__renewal_of == dbOrder.id
    assert (spec.order_type, spec.event, spec.processing_strategy) == (
        "Queue - Certificate Renewal",
        "QueueCertificate__process",
        "process_single",
    )
    template = OrderSpec(account, {}, processing_strategy="create_order").validate(ctx, names=False)
    assert template.validated == "choices"
    batch = OrderSpec.from_queue_domains(ctx, ["b.example.com", "a.example.com"], template)
    assert batch.validated == "" and batch.processing_strategy == "create_order"
    assert (batch.order_type, batch.event) == ("Queue - Domains", "QueueDomain__process")
    assert batch.validate(ctx).domain_names == ["a.example.com", "b.example.com"]


# --- the one validation


@pytest.mark.parametrize(
    "changes, field, text",
    [
        ({"processing_strategy": "fast"}, "processing_strategy", "`processing_strategy` must be one of: create_order"),
        ({"private_key_strategy": "any"}, "private_key_option", "The private key strategy must be one of: specified"),
        ({"private_key_cycle__renewal": "hourly"}, "private_key_cycle__renewal", "`private_key_cycle__renewal` must be"),
        ({"dbAccount": None}, "acme_account_id", "There is no ACME account for this order"),
        ({"private_key_strategy": "specified"}, "private_key_id", "Choose an active private key."),
        ({"domains_challenged": {}}, "domain_names", "At least one domain name is required."),
        ({"domains_challenged": {"bad name.example.com": "http-01"}}, "domain_names", ""),
        ({"domains_challenged": {"*.example.com": "http-01"}}, "domain_names", "can only be validated with dns-01"),
        ({"domains_challenged": {"a.example.com": "tls-alpn-01"}}, "domain_names", "is not a challenge type"),
        (
            {"domains_challenged": {"A.example.com": "http-01", "a.example.com": "dns-01"}},
            "domain_names",
            "a.example.com is given for both http-01 and dns-01",
        ),
        (
            {"domains_challenged": {"%s.example.com" % i: "http-01" for i in range(101)}},
            "domain_names",
            "A set holds at most 100 domain names; 101 were given.",
        ),
        ({"domains_challenged": {"*.example.org": "dns-01"}}, "domain_names", "dns-01 for *.example.org needs a DNS"),
    ],
)
def test_validate_messages(ctx, changes, field, text):
    account = usable_account(ctx.dbsession)
    spec = OrderSpec.from_names(account, ["ok.example.com"]).replace(**changes)
    refused(ctx, spec, field, text)


def test_validate_refuses_an_inactive_account_and_unusable_keys(ctx):
    s = ctx.dbsession
    inactive = f.make_account(s, provider=f.make_provider(s, is_enabled=True))  # no key: not usable
    refused(ctx, OrderSpec.from_names(inactive, ["x.example.com"]), "acme_account_id", "is not active.")
    account = usable_account(s)
    compromised = f.make_private_key(s, is_compromised=True)
    spec = OrderSpec.from_names(account, ["x.example.com"], private_key_strategy="specified", dbPrivateKey=compromised)
    refused(ctx, spec, "private_key_id", "is compromised")
    inactive_key = f.make_private_key(s, is_active=False)
    spec = spec.replace(dbPrivateKey=inactive_key)
    refused(ctx, spec, "private_key_id", "Choose an active private key.")
    # names=False checks the choices only
    refused(ctx, spec.replace(domains_challenged={}), "private_key_id", "Choose an active private key.", names=False)
    assert OrderSpec(account, {}).validate(ctx, names=False).validated == "choices"


def test_validate_refuses_a_blocklisted_name(ctx):
    s = ctx.dbsession
    s.add(m.DomainBlocklisted(domain_name="blocked.example.com"))
    s.flush()
    spec = OrderSpec.from_names(usable_account(s), ["ok.example.com", "Blocked.Example.com"])
    refused(ctx, spec, "domain_names", "Blocklisted: blocked.example.com.")


def test_dns01_is_carried_when_a_publisher_exists(ctx, monkeypatch):
    """The shape: a wildcard with dns-01 beside an http-01 name. The publisher check is the hook
    of dns-01 (an RFC 2136 backend or an acme-dns account); here it answers yes."""
    monkeypatch.setattr(order_spec, "_dns01_publisher", lambda ctx, name: name.endswith("example.test"))
    spec = OrderSpec(usable_account(ctx.dbsession), {"*.Example.test": "dns-01", "www.example.com": "http-01"})
    valid = spec.validate(ctx)
    assert dict(valid.domains_challenged) == {"*.example.test": "dns-01", "www.example.com": "http-01"}
    assert valid.names_for("dns-01") == ["*.example.test"] and valid.names_for("http-01") == ["www.example.com"]


# --- the import direction


def test_actions_acme_does_not_import_queues():
    """No circle: importing actions_acme (in a fresh interpreter) does not import queues."""
    code = "import sys, peter_sslers.lib.db.actions_acme; print('peter_sslers.lib.db.queues' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def _imports(module: str) -> set:
    tree = ast.parse((LIB_DB / (module + ".py")).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names.add(node.module or "")
            names.update(alias.name for alias in node.names if not node.module)
    return names


def test_no_import_circle_between_the_order_modules():
    assert "queues" not in _imports("actions_acme")
    assert "actions_acme" in _imports("queues") and "order_spec" in _imports("queues")
    # the spec is below both: it imports neither
    assert not {"queues", "actions_acme"} & _imports("order_spec")


# --- taken by place_order


def test_place_order_validates_the_spec_before_anything(ctx):
    from peter_sslers.lib.db import actions_acme
    import sqlalchemy as sa

    s = ctx.dbsession
    account = usable_account(s)
    orders = s.scalar(sa.select(sa.func.count()).select_from(m.AcmeOrder))
    with pytest.raises(errors.InvalidRequest) as caught:
        actions_acme.place_order(ctx, OrderSpec.from_names(account, ["x.example.com"], processing_strategy="fast"))
    assert caught.value.field == "processing_strategy"
    # the old keyword form gives the same message: one validation
    with pytest.raises(errors.InvalidRequest) as caught_old:
        actions_acme.new_order(ctx, account, ["x.example.com"], processing_strategy="fast")
    assert caught_old.value.message == caught.value.message
    assert s.scalar(sa.select(sa.func.count()).select_from(m.AcmeOrder)) == orders


def test_retries_and_renewals_keep_each_names_challenge_type():
    """``challenged_like``: the types an earlier order used (``AcmeOrder.domain_names_dns01``);
    without an order, a wildcard is dns-01 (its only type), the rest http-01. The order flow
    with dns-01 is tested end to end in tests/web/test_acme_order_dns01.py."""
    import types as _types

    names = ["*.example.test", "example.test", "www.example.test"]
    dbOrder = _types.SimpleNamespace(domains_dns01=["*.example.test", "example.test"])
    assert order_spec.challenged_like(names, dbOrder) == {
        "*.example.test": "dns-01",
        "example.test": "dns-01",
        "www.example.test": "http-01",
    }
    assert order_spec.challenged_like(names, None) == {
        "*.example.test": "dns-01",
        "example.test": "http-01",
        "www.example.test": "http-01",
    }


def test_names_from_form_takes_each_name_once():
    """The two lists of a form: each name with its list's type; a name in both is refused (the
    same message as ``validate``, on ``domain_names``), whatever list it came first in."""
    values = {"domain_names_http01": "a.example.com, b.example.com", "domain_names_dns01": "*.example.net example.net"}
    assert order_spec.names_from_form(values) == {
        "a.example.com": "http-01",
        "b.example.com": "http-01",
        "*.example.net": "dns-01",
        "example.net": "dns-01",
    }
    assert order_spec.names_from_form({}) == {}
    with pytest.raises(errors.InvalidRequest) as caught:
        order_spec.names_from_form({"domain_names_http01": "a.example.com", "domain_names_dns01": "x.example.com,a.example.com"})
    assert caught.value.field == "domain_names"
    assert caught.value.message == "a.example.com is given for both http-01 and dns-01."


def test_the_queues_keep_each_names_type(ctx):
    """``from_queue_domains`` takes the types the names were queued with; ``from_queue_certificate``
    the item's recorded dns-01 names when it renews no order (a wildcard: dns-01 always)."""
    s = ctx.dbsession
    account = usable_account(s)
    template = OrderSpec(account, {}).validate(ctx, names=False)
    batch = OrderSpec.from_queue_domains(ctx, {"*.q.example.test": "dns-01", "h.example.com": "http-01"}, template)
    assert dict(batch.domains_challenged) == {"*.q.example.test": "dns-01", "h.example.com": "http-01"}
    assert OrderSpec.from_queue_domains(ctx, ["*.q.example.test"], template).domains_challenged == {"*.q.example.test": "dns-01"}
    fqdn_set = f.make_fqdn_set(s, ["*.item.example.test", "item.example.test", "www.item.example.test"])
    dbQueue = m.QueueCertificate(
        is_active=True,
        timestamp_created=ctx.timestamp,
        acme_account=account,
        private_key=s.get(m.PrivateKey, 0) or f.make_private_key(s),
        private_key_strategy_id__requested=model_utils.PrivateKeyStrategy.from_string("deferred-associate"),
        private_key_cycle_id__renewal=model_utils.PrivateKeyCycle.from_string("account_daily"),
        unique_fqdn_set=fqdn_set,
        unique_fqdn_set__source=fqdn_set,
        domain_names_dns01="item.example.test",
        operations_event__created=f.make_event(s),
    )
    s.add(dbQueue)
    s.flush()
    assert OrderSpec.from_queue_certificate(ctx, dbQueue).domains_challenged == {
        "*.item.example.test": "dns-01",
        "item.example.test": "dns-01",
        "www.item.example.test": "http-01",
    }
    assert dbQueue.domains_challenged == OrderSpec.from_queue_certificate(ctx, dbQueue).domains_challenged
