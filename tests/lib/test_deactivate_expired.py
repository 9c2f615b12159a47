"""``actions.deactivate_expired`` (the daily ``deactivate-expired`` job) touches only what an expired
certificate touches: its Domains' latest certificates, its key's and its CA's counters. It used to
run the global update-recents, locking every account and key: renewals waited on it (`make simulate`)."""

import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from peter_sslers.lib.db import actions
from peter_sslers.model import objects as m
from tests import factories as f

DAY = datetime.timedelta(days=1)


def _expired_and_replaced(s, now):
    """An expired active certificate whose domain has a newer one; the key is shared with nothing."""
    fqdn_set = f.make_fqdn_set(s)
    key = f.make_private_key(s, count_active_certificates=1)
    old = f.make_certificate_signed(
        s, fqdn_set=fqdn_set, private_key=key, timestamp_not_before=now - 91 * DAY, timestamp_not_after=now - DAY,
        is_single_domain_cert=True,
    )
    new = f.make_certificate_signed(
        s, fqdn_set=fqdn_set, timestamp_not_before=now - 2 * DAY, timestamp_not_after=now + 88 * DAY, is_single_domain_cert=True
    )
    return old, new, key


def test_only_what_the_expired_certificates_touch(db, ctx):
    s = ctx.dbsession
    now = ctx.timestamp
    old, new, key = _expired_and_replaced(s, now)
    # another domain whose latest certificate is stale (nobody ran update-recents): not this job's
    stale_set = f.make_fqdn_set(s)
    f.make_certificate_signed(s, fqdn_set=stale_set, is_single_domain_cert=True)
    # an expired certificate that is still its only domain's latest: kept
    alone = f.make_certificate_signed(
        s, timestamp_not_before=now - 91 * DAY, timestamp_not_after=now - DAY, is_single_domain_cert=True
    )
    s.commit()
    stale_domain = stale_set.to_domains[0].domain
    assert stale_domain.certificate_signed_id__latest_single is None

    result = actions.deactivate_expired(ctx)
    s.commit()
    assert result["certificate_signed_ids"] == [old.id]
    s.expire_all()
    assert (old.is_active, old.is_deactivated) == (False, True)
    assert alone.is_active is True
    domain = old.unique_fqdn_set.to_domains[0].domain
    assert domain.certificate_signed_id__latest_single == new.id
    assert key.count_active_certificates == 0
    assert stale_domain.certificate_signed_id__latest_single is None  # untouched: update-recents' job
    # nothing expired: nothing to do, and still an event
    again = actions.deactivate_expired(ctx)
    assert again["count_deactivated"] == 0 and again["operations_event_id"]


def test_it_does_not_wait_for_an_account_a_renewal_holds(db, ctx):
    """PostgreSQL (row locks): a renewal recording its order holds its account's row; the daily job
    goes on beside it instead of queueing behind it (and every renewal behind the job)."""
    if db.dialect.name != "postgresql":
        pytest.skip("row locks are the PostgreSQL path; SQLite serialises writers")
    s = ctx.dbsession
    account = f.make_account(s)
    old, _, _ = _expired_and_replaced(s, ctx.timestamp)
    s.commit()
    with Session(bind=db) as renewal:
        renewal.execute(sa.select(m.AcmeAccount.id).where(m.AcmeAccount.id == account.id).with_for_update()).all()
        s.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        result = actions.deactivate_expired(ctx)
        s.commit()
        renewal.rollback()
    assert result["certificate_signed_ids"] == [old.id]
