"""The blocklist rule, in one place (docs/Blocklist.md).

A name is blocklisted when its canonical form (``utils.validate_domain_name``: lower case, IDN as
punycode, no trailing dot) is, exactly, a ``DomainBlocklisted.domain_name``. Exact: blocklisting
``example.com`` blocks neither ``www.example.com`` nor ``*.example.com`` (each is listed on its
own), as in the 2021 design. Names are stored canonical (a check constraint keeps them lower
case), so the comparison is a plain equality on the unique index, case-insensitive by
construction.

Every creation path passes through ``refuse_blocklisted``: ``getcreate.validate_set_names`` (every
UniqueFQDNSet: orders from every form and queue, CSRs, uploads, certbot imports, set new and
modify, the renewal ``update``), ``getcreate.getcreate__Domain__by_domainName`` (a new Domain: the
domain form, acme-dns accounts), and the paths that make no set: the queue of domains
(``queues.queue_domains__add`` answers ``blocklisted`` per name), queue items from an existing
source (``queues.queue_certificates__insert``), the renewal ``update`` of a certificate whose own
set it renews (``queues._active_names_set``), the ACME-flow tool (``acme_orderless.create``,
``add_challenge``), a certificate upload (checked before anything is parsed further) and acme-dns
accounts (``acme_dns._domain_for_account``, ``ensure_domains``). The public responder's queries
exclude blocklisted hosts in SQL (``get.get__AcmeChallenge__answerable`` and its siblings).
"""

from typing import Iterable
from typing import List
from typing import Optional

import sqlalchemy as sa

from ...model.objects import DomainBlocklisted
from .. import errors


def blocklisted_names(ctx, domain_names: Iterable[str]) -> List[str]:
    """Which of these canonical names are blocklisted (exact match), sorted; one query."""
    names = sorted({name for name in domain_names if name})
    if not names:
        return []
    return sorted(
        ctx.dbsession.scalars(
            sa.select(DomainBlocklisted.domain_name).where(DomainBlocklisted.domain_name.in_(names))
        ).all()
    )


def is_blocklisted(ctx, domain_name: str) -> bool:
    return bool(blocklisted_names(ctx, [domain_name]))


def refuse_blocklisted(ctx, domain_names: Iterable[str], field: Optional[str] = None) -> None:
    """:raises errors.DomainBlocklisted: (on ``field``) some of these canonical names are blocklisted."""
    blocked = blocklisted_names(ctx, domain_names)
    if blocked:
        raise errors.DomainBlocklisted(blocked, field=field)
