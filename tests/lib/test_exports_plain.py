"""lib/exports.py: the plain-row choosers the full Redis prime uses (``served_index``,
``preferred_chain_id``) choose exactly what the ORM-row ones (``served_field``,
``preferred_chain``) choose, on every combination."""

import datetime
import itertools
from types import SimpleNamespace

from peter_sslers.lib import exports

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


def _certificate(state):
    """None, or a certificate (is_active, days to expiry)."""
    if state is None:
        return None
    active, days = state
    return SimpleNamespace(is_active=active, timestamp_not_after=NOW + days * DAY)


def test_served_index_agrees_with_served_field_everywhere():
    states = [None] + [(active, days) for active in (True, False) for days in (-30, -10, 0, 10, 30)]
    checked = 0
    for multi, single in itertools.product(states, repeat=2):
        domain = SimpleNamespace(
            is_active=True,
            certificate_signed__latest_multi=_certificate(multi),
            certificate_signed__latest_single=_certificate(single),
        )
        field = exports.served_field(domain, NOW)
        plain = [None if c is None else (c.is_active, c.timestamp_not_after) for c in (
            domain.certificate_signed__latest_multi, domain.certificate_signed__latest_single)]
        index = exports.served_index(plain, NOW)
        assert (exports.SERVE_FIELDS[index] if index is not None else None) == field, (multi, single)
        checked += 1
    assert checked == len(states) ** 2


def test_served_index_examples():
    valid, expired = NOW + DAY, NOW - DAY
    assert exports.served_index([(True, valid), (True, valid)], NOW) == 0  # the multi first
    assert exports.served_index([(True, expired), (True, valid)], NOW) == 1  # a valid single beats an expired multi
    assert exports.served_index([(True, expired), (True, expired - DAY)], NOW) == 0  # both expired: the later
    assert exports.served_index([(True, expired - DAY), (True, expired)], NOW) == 1
    assert exports.served_index([(True, expired), (True, expired)], NOW) == 0  # a tie: the multi
    assert exports.served_index([(False, valid), None], NOW) is None  # inactive only
    assert exports.served_index([None, None], NOW) is None


def _links(spec):
    """ORM-like links and the plain rows of the same links: spec is (link id, upstream default,
    chain id, CA ids)."""
    orm = [
        SimpleNamespace(
            id=link_id,
            is_upstream_default=default,
            certificate_ca_chain=SimpleNamespace(id=chain_id, certificate_ca_ids=list(ca_ids)),
        )
        for link_id, default, chain_id, ca_ids in spec
    ]
    rows = [(default, link_id, chain_id, ",".join(str(i) for i in ca_ids)) for link_id, default, chain_id, ca_ids in spec]
    return SimpleNamespace(certificate_signed_chains=orm), rows


class ReadOnce:
    """A preference that fails the test if it is read for a certificate with one chain."""

    def __iter__(self):
        raise AssertionError("the preference was read")


def test_preferred_chain_id_agrees_with_preferred_chain():
    spec = [(5, None, 50, (1, 2)), (3, True, 30, (3, 4)), (4, None, 40, (5,)), (9, None, 90, (2, 6))]
    preferences = [(), (frozenset({2}),), (frozenset({5}),), (frozenset({6}),), (frozenset({7}), frozenset({4, 5})),
                   (frozenset({99}),)]
    for count in range(0, len(spec) + 1):
        for chosen in itertools.permutations(spec, count):
            certificate, rows = _links(chosen)
            for preference in preferences:
                chain = exports.preferred_chain(certificate, preference)
                expected = chain.id if chain is not None else None
                assert exports.preferred_chain_id(rows, preference) == expected, (chosen, preference)


def test_preferred_chain_id_examples():
    _certificate, rows = _links([(5, None, 50, (1, 2)), (3, True, 30, (3, 4)), (4, None, 40, (5,))])
    assert exports.preferred_chain_id(rows, ()) == 30  # the upstream default
    assert exports.preferred_chain_id(rows, (frozenset({5}),)) == 40
    assert exports.preferred_chain_id(rows, (frozenset({7}), frozenset({2}))) == 50  # slot 2 when slot 1 matches nothing
    assert exports.preferred_chain_id([], ()) is None
    # one chain: nothing to choose, the list is not read
    assert exports.preferred_chain_id([(None, 1, 10, "1")], ReadOnce()) == 10
