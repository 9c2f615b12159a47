"""Form schemas (colander). Each field's description is also its API documentation."""

import colander

from ...lib.db.update import DOMAIN_MARK_ACTIONS


class DomainNew(colander.Schema):
    domain_name = colander.SchemaNode(
        colander.String(),
        name="domain_name",
        description="One fully qualified domain name, e.g. `example.com`",
    )


class DomainMark(colander.Schema):
    action = colander.SchemaNode(
        colander.String(),
        name="action",
        description="What to mark the Domain",
        validator=colander.OneOf(DOMAIN_MARK_ACTIONS),
    )
