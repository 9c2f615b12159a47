"""Alembic environment: migrations target the peter_sslers model.

Run as ``alembic -c YOUR.ini upgrade head`` (the ini's ``sqlalchemy.url`` is used), or
from code with a connection in ``config.attributes["connection"]`` (how
``initialize_peter_sslers_db`` and the tests run it, inside their own transaction).
"""

from alembic import context
from pyramid.paster import get_appsettings
from pyramid.paster import setup_logging

from peter_sslers.model import meta
from peter_sslers.model import objects  # noqa: F401  (registers every table)

config = context.config
target_metadata = meta.Base.metadata


def _render_item(type_, obj, autogen_context):
    # TZDateTime is stored as a plain DateTime: migrations need not import the app's types.
    if type_ == "type" and isinstance(obj, meta.TZDateTime):
        return "sa.DateTime()"
    return False


def _configure(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: migrations rebuild tables in batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    if config.config_file_name:
        setup_logging(config.config_file_name)
    settings = get_appsettings(config.config_file_name)
    engine = meta.get_engine(settings)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("peter_sslers migrations run online only: alembic -c YOUR.ini upgrade head")
run_migrations_online()
