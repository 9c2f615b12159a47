"""The data model: ``meta`` (base, types, sessions), ``utils`` (enumerations)
and ``objects`` (the ORM classes)."""

import sqlalchemy.orm

from . import meta  # noqa: F401
from . import objects  # noqa: F401
from . import utils  # noqa: F401

# resolve every relationship now, so a broken one fails at import, not at the
# first query that happens to touch it
sqlalchemy.orm.configure_mappers()
