"""disable_acme_account_providers: the 2021 console script, run as installed (setup.py entry point)."""

import os
import subprocess
import sys

import sqlalchemy as sa
from sqlalchemy.orm import Session

from peter_sslers.model import objects as m
from peter_sslers.model import utils
from tests.conftest import ROOT

COMMAND = os.path.join(os.path.dirname(sys.executable), "disable_acme_account_providers")
INIT = os.path.join(os.path.dirname(sys.executable), "initialize_peter_sslers_db")


def _ini(tmp_path, name="app.ini", database="fresh.sqlite") -> str:
    ini = tmp_path / name
    ini.write_text(
        "[app:main]\nuse = egg:peter_sslers\nsqlalchemy.url = sqlite:///%s\n"
        "certificate_authorities_enable = letsencrypt-v2\n" % (tmp_path / database)
    )
    return str(ini)


def _providers(tmp_path, database="fresh.sqlite") -> dict:
    engine = sa.create_engine("sqlite:///%s" % (tmp_path / database))
    try:
        with Session(bind=engine) as session:
            return {p.name: (p.is_enabled, p.is_default) for p in session.scalars(sa.select(m.AcmeAccountProvider))}
    finally:
        engine.dispose()


def _events(tmp_path, database="fresh.sqlite") -> list:
    engine = sa.create_engine("sqlite:///%s" % (tmp_path / database))
    try:
        with Session(bind=engine) as session:
            return [
                (utils.OperationsEventType.as_string(e.operations_event_type_id), e.event_payload)
                for e in session.scalars(sa.select(m.OperationsEvent).order_by(m.OperationsEvent.id))
            ]
    finally:
        engine.dispose()


def run(*args):
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, cwd=ROOT)


def test_disables_every_acme_server_until_the_ini_is_applied_again(tmp_path):
    ini = _ini(tmp_path)
    subprocess.run([INIT, ini], check=True, capture_output=True, cwd=ROOT)
    before = _providers(tmp_path)
    # the ini's server (the default, staging): enabled and the default; the other it enables
    assert before["letsencrypt-v2-staging"] == (True, True)
    assert before["letsencrypt-v2"] == (True, None)
    assert before["pebble"] == (None, None)

    result = run(ini)
    assert result.returncode == 0, result.stderr
    assert "disabled (and no longer the default): letsencrypt-v2-staging, letsencrypt-v2" in result.stdout
    assert set(_providers(tmp_path).values()) == {(None, None)}
    name, payload = _events(tmp_path)[-1]
    assert name == "AcmeAccountProvider__mark__is_enabled"
    assert "letsencrypt-v2-staging" in payload and "pebble" not in payload
    assert "disable_acme_account_providers" in payload

    # twice: nothing more to do, nothing logged
    count = len(_events(tmp_path))
    result = run(ini)
    assert result.returncode == 0 and "every ACME server was disabled already" in result.stdout
    assert len(_events(tmp_path)) == count

    # the ini applied again (here by initialize_peter_sslers_db; an app start or a job does the same)
    subprocess.run([INIT, ini], check=True, capture_output=True, cwd=ROOT)
    assert _providers(tmp_path) == before


def test_bad_command_lines_and_databases(tmp_path):
    result = run()
    assert result.returncode == 2 and "usage: disable_acme_account_providers <config_uri>" in result.stderr
    assert run("a.ini", "b.ini").returncode == 2
    # a bad ini: the option is named
    bad = tmp_path / "bad.ini"
    bad.write_text("[app:main]\nuse = egg:peter_sslers\nsqlalchemy.url = sqlite://\nredis.prime_style = 7\n")
    result = run(str(bad))
    assert result.returncode == 2 and "redis.prime_style" in result.stderr
    # no such file
    result = run(str(tmp_path / "missing.ini"))
    assert result.returncode == 2 and "missing.ini" in result.stderr
    # a database that was never initialised: said so, nothing created
    ini = _ini(tmp_path, "empty.ini", "empty.sqlite")
    result = run(ini)
    assert result.returncode == 2 and "initialize_peter_sslers_db" in result.stderr
    engine = sa.create_engine("sqlite:///%s" % (tmp_path / "empty.sqlite"))
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
