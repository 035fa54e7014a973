"""Fixtures: an app on a fresh, migrated database — SQLite always, PostgreSQL too when
TEST_DATABASE_URL is set (every database test then runs once on each)."""

import copy
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.auth import throttle
from app.extensions import db

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
BUILTIN_TABLES = {"unit_schedules", "units", "alembic_version"}
SHARED_MEMORY = Path("/dev/shm")
# The official e-invoice schemas and rules (third-party, never in the repository):
# EINVOICE_RULES_DIR, as .ci/run sets it, else the shared folder beside the checkout.
EINVOICE_RULES = os.environ.get("EINVOICE_RULES_DIR") or next(
    (str(path) for path in (Path(__file__).resolve().parents[2] / "shared" / "einvoice",
                            Path("/work/shared/einvoice")) if path.is_dir()), "")
# PostgreSQL: the tables whose id sequence was used since it was last restarted (by an
# insert, even one rolled back): TRUNCATE … RESTART IDENTITY must reset them though empty.
_USED_SEQUENCES = """
SELECT t.relname FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_sequences q ON q.schemaname = current_schema() AND q.sequencename = s.relname
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i') AND q.last_value IS NOT NULL"""


def _reset_postgresql(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def _sqlite_folder(request, tmp_path_factory) -> Path:
    """Where the SQLite database goes: in memory-backed /dev/shm when there is one (every
    commit of every test syncs the file to disk otherwise), else pytest's temporary folder."""
    if SHARED_MEMORY.is_dir() and os.access(SHARED_MEMORY, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="invoicing-tests-", dir=SHARED_MEMORY))
        request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
        return folder
    return tmp_path_factory.mktemp("db")


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A database migrated once per test session and backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{_sqlite_folder(request, tmp_path_factory) / 'test.sqlite'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        _reset_postgresql(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _written_tables(tables: list) -> list:
    """Those of `tables` that a test wrote to, asked in one statement: most tests write a
    few tables, and many none (PostgreSQL: a used id sequence counts as written)."""
    quote = db.engine.dialect.identifier_preparer.format_table
    probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {quote(t)})"
                               for t in tables)
    if db.engine.dialect.name == "postgresql":
        probe += " UNION ALL " + _USED_SEQUENCES
    written = set(db.session.scalars(text(probe)))
    return [t for t in tables if t.name in written]


def _empty_tables() -> None:
    """Delete every row but the built-in units, children first, touching only the tables
    that were written. PostgreSQL truncates them (and restarts their ids): a DELETE would
    leave dead rows and changing statistics behind, and with them row orders that move
    from one test to the next."""
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in BUILTIN_TABLES]
    written = _written_tables(tables)
    quote = db.engine.dialect.identifier_preparer.format_table
    if written and db.engine.dialect.name == "postgresql":
        names = ", ".join(quote(t) for t in written)
        # The audit trail refuses TRUNCATE by trigger, also when a CASCADE (from users)
        # reaches it: triggers do not fire in the replica role, set for that statement only
        # (setting it takes a superuser, as the suite's role is).
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.execute(text("SET LOCAL session_replication_role = origin"))
    elif written:
        # Append-only tables refuse DELETE by trigger: lift the triggers while emptying.
        names = {t.name for t in written} | BUILTIN_TABLES
        triggers = [(name, sql) for name, table, sql in db.session.execute(text(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"))
            if table in names]
        for name, _sql in triggers:
            db.session.execute(text(f"DROP TRIGGER {name}"))
        for table in written:
            db.session.execute(table.delete())
        for _name, sql in triggers:
            db.session.execute(text(sql))
    db.session.execute(text("DELETE FROM units WHERE id > 4"))
    db.session.execute(text("DELETE FROM unit_schedules WHERE id > 3"))
    db.session.commit()


class _Pristine:
    """What a test may change on the shared app, as it was when the app was built: the
    config (tests set LOGIN_DISABLED, PAGE_SIZE, the SMTP settings…) and the Jinja
    environment's globals, filters, tests and bytecode cache."""

    def __init__(self, app) -> None:
        self.config = copy.deepcopy(dict(app.config))
        env = app.jinja_env
        self.jinja = [(mapping, dict(mapping)) for mapping in (env.globals, env.filters, env.tests)]
        self.bytecode_cache = env.bytecode_cache

    def restore(self, app) -> None:
        app.config.clear()
        app.config.update(copy.deepcopy(self.config))
        for mapping, saved in self.jinja:  # in place: compiled templates hold these dicts
            if mapping != saved:
                mapping.clear()
                mapping.update(saved)
        app.jinja_env.bytecode_cache = self.bytecode_cache


@pytest.fixture(scope="session")
def _shared_app(database_url):
    """One app per backend for the whole session: building an app per test took about half
    of the run. Each test gets it through `app` with the config restored."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test",
                      "TESTING": True, "WTF_CSRF_ENABLED": False, "LOGIN_DISABLED": True,
                      "SQLALCHEMY_RECORD_QUERIES": True, "EINVOICE_RULES_DIR": EINVOICE_RULES})
    pristine = _Pristine(app)
    yield app, pristine
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_shared_app):
    """The app of this backend in a fresh app context (a fresh session, `g` and recorded
    queries), its config as built; every row the test wrote is deleted afterwards."""
    app, pristine = _shared_app
    pristine.restore(app)
    throttle.reset()  # sign-in counts are process-wide (memory://): none from an earlier test
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.session.remove()
    pristine.restore(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def inbox(app):
    """A real SMTP server (aiosmtpd) in this process, the app's mail settings pointed at
    it: what it was handed (tests/mail_server.py)."""
    from tests.mail_server import start_server

    controller, inbox = start_server(app)
    yield inbox
    controller.stop()
