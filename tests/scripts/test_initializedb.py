"""initialize_peter_sslers_db: migrations equal the model, seeding is complete and idempotent."""

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.orm import Session

from peter_sslers.lib.db.bootstrap import PLACEHOLDER_KEY_ID
from peter_sslers.model import meta
from peter_sslers.model import objects as m
from peter_sslers.model import utils
from peter_sslers.scripts.initializedb import initialize_database
from tests.conftest import ROOT
from tests.conftest import count_rows


def test_migrations_match_the_model(db):
    """What `alembic upgrade head` built is exactly what the model declares (alembic's check)."""
    with db.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, meta.Base.metadata)
    assert diff == []


def test_seed(db, dbsession):
    providers = {p.name: p for p in dbsession.scalars(sa.select(m.AcmeAccountProvider))}
    assert set(providers) == {"letsencrypt-v2", "letsencrypt-v2-staging", "pebble"}
    assert providers["letsencrypt-v2"].directory == "https://acme-v02.api.letsencrypt.org/directory"
    assert providers["letsencrypt-v2-staging"].server == "acme-staging-v02.api.letsencrypt.org"
    # test.ini configures pebble: it is the one default, enabled
    assert providers["pebble"].is_default is True and providers["pebble"].is_enabled is True
    assert providers["letsencrypt-v2"].is_default is None
    placeholder = dbsession.get(m.PrivateKey, PLACEHOLDER_KEY_ID)
    assert placeholder.private_key_source_id == utils.PrivateKeySource.from_string("placeholder")
    assert placeholder.private_key_type_id == utils.PrivateKeyType.from_string("placeholder")
    roots = dbsession.scalars(sa.select(m.CertificateCA).order_by(m.CertificateCA.display_name)).all()
    assert [r.display_name for r in roots] == ["ISRG Root X1", "ISRG Root X2"]
    assert all(r.is_trusted_root for r in roots)
    assert [r.key_technology_id for r in roots] == [utils.KeyTechnology.from_string(t) for t in ("RSA", "EC")]
    assert dbsession.scalars(sa.select(m.DomainBlocklisted.domain_name)).all() == ["always-fail.example.com"]
    init = dbsession.scalars(sa.select(m.OperationsEvent).order_by(m.OperationsEvent.id)).first()
    assert utils.OperationsEventType.as_string(init.operations_event_type_id) == "_DatabaseInitialization"


def test_initialization_is_idempotent(db, app_settings):
    tables = [m.AcmeAccountProvider, m.PrivateKey, m.CertificateCA, m.DomainBlocklisted, m.OperationsEvent]
    before = {t.__name__: count_rows(db, t) for t in tables}
    result = initialize_database(db, app_settings)
    assert not any(result["created"].values())
    assert result["acme_server"] == {}
    assert {t.__name__: count_rows(db, t) for t in tables} == before


def test_custom_acme_server_from_the_ini(db, raw_settings):
    from peter_sslers.config import ApplicationSettings

    settings = dict(raw_settings)
    settings["certificate_authority"] = "custom"
    settings["certificate_authority_directory"] = "https://acme.internal.example:8443/directory"
    result = initialize_database(db, ApplicationSettings.from_settings(settings))
    assert result["acme_server"]["created"] == "custom"
    with Session(bind=db) as session:
        custom = session.scalars(sa.select(m.AcmeAccountProvider).filter_by(name="custom")).one()
        assert custom.server == "acme.internal.example:8443"
        assert custom.is_default is True
        assert session.scalars(sa.select(m.AcmeAccountProvider).filter_by(name="pebble")).one().is_default is None


def test_global_default_account_on_another_server_is_unset(db, raw_settings, dbsession):
    """The specification's start-up rule."""
    from peter_sslers.config import ApplicationSettings
    from tests import factories as f

    pebble = dbsession.scalars(sa.select(m.AcmeAccountProvider).filter_by(name="pebble")).one()
    account = f.make_account(dbsession, provider=pebble, is_global_default=True)
    dbsession.commit()
    # same server: kept
    initialize_database(db, ApplicationSettings.from_settings(raw_settings))
    dbsession.expire_all()
    assert dbsession.get(m.AcmeAccount, account.id).is_global_default is True
    # the ini now names another server: unset
    settings = dict(raw_settings, certificate_authority="letsencrypt-v2-staging")
    settings.pop("certificate_authority_directory")
    result = initialize_database(db, ApplicationSettings.from_settings(settings))
    assert result["acme_server"]["global_default_account_unset"] == account.id
    dbsession.expire_all()
    assert dbsession.get(m.AcmeAccount, account.id).is_global_default is None


def test_app_start_applies_the_rule_too(db, make_app, dbsession):
    from tests import factories as f

    pebble = dbsession.scalars(sa.select(m.AcmeAccountProvider).filter_by(name="pebble")).one()
    account = f.make_account(dbsession, provider=pebble, is_global_default=True)
    dbsession.commit()
    make_app(certificate_authority="letsencrypt-v2", certificate_authority_directory="")
    dbsession.expire_all()
    assert dbsession.get(m.AcmeAccount, account.id).is_global_default is None
    staging = dbsession.scalars(sa.select(m.AcmeAccountProvider).filter_by(name="letsencrypt-v2")).one()
    assert staging.is_default is True


def test_changed_directory_with_accounts_refuses_to_start(db, make_app, dbsession):
    from peter_sslers.lib import errors
    from tests import factories as f

    pebble = dbsession.scalars(sa.select(m.AcmeAccountProvider).filter_by(name="pebble")).one()
    f.make_account(dbsession, provider=pebble)
    dbsession.commit()
    with pytest.raises(errors.ConfigurationMismatch) as excinfo:
        make_app(certificate_authority_directory="https://127.0.0.1:14999/dir")
    assert "certificate_authority_directory" in str(excinfo.value)


def test_unknown_server_in_enable_list_refuses_to_start(db, make_app):
    from peter_sslers.lib import errors

    with pytest.raises(errors.ConfigurationMismatch) as excinfo:
        make_app(certificate_authorities_enable="letsencrypt-v1")
    assert "letsencrypt-v1" in str(excinfo.value)
    make_app(certificate_authorities_enable="letsencrypt-v2")


def test_console_script_twice(tmp_path):
    """The real command, on a fresh SQLite file: initialises, then changes nothing."""
    ini = tmp_path / "app.ini"
    ini.write_text(
        "[app:main]\nuse = egg:peter_sslers\nsqlalchemy.url = sqlite:///%s\n" % (tmp_path / "fresh.sqlite")
    )
    command = [os.path.join(os.path.dirname(sys.executable), "initialize_peter_sslers_db"), str(ini)]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert "ISRG Root X1" in first.stdout
    second = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert second.returncode == 0, second.stderr
    assert "nothing (already initialised)" in second.stdout
    engine = sa.create_engine("sqlite:///%s" % (tmp_path / "fresh.sqlite"))
    assert count_rows(engine, m.AcmeAccountProvider) == 3
    engine.dispose()


def test_console_script_bad_ini(tmp_path):
    ini = tmp_path / "bad.ini"
    ini.write_text("[app:main]\nuse = egg:peter_sslers\nsqlalchemy.url = sqlite://\nredis.prime_style = 7\n")
    command = [os.path.join(os.path.dirname(sys.executable), "initialize_peter_sslers_db"), str(ini)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    assert "redis.prime_style" in result.stderr


def test_app_on_an_uninitialised_database_says_so(tmp_path):
    from peter_sslers import main
    from peter_sslers.lib import errors

    with pytest.raises(errors.DatabaseNotInitialized) as excinfo:
        main({}, **{"sqlalchemy.url": "sqlite:///%s" % (tmp_path / "empty.sqlite")})
    assert "initialize_peter_sslers_db" in str(excinfo.value)
