"""Extension objects, created here and bound to the app in create_app."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so that migrations can find and alter them on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()


# ---------------------------------------------------------------- SQLite write transactions
#
# pysqlite's own transaction handling begins a transaction only before a write, so a use
# case that reads the invoice first and writes second upgrades a read transaction to a
# write one; in WAL mode that fails at once ("database is locked") when another writer
# committed in between, without waiting for the busy timeout. The documented recipe
# (SQLAlchemy, "Serializable isolation / Savepoints / Transactional DDL" for pysqlite):
# the driver emits no BEGIN of its own (`isolation_level = None`) and SQLAlchemy's "begin"
# emits the one wanted. A use case (`app.services.use_case`) asks for BEGIN IMMEDIATE: it
# takes the write lock first, so concurrent writers queue on the busy timeout. Every other
# transaction (page reads) stays a plain deferred BEGIN: WAL readers never wait for a
# writer nor for each other.

from contextvars import ContextVar  # noqa: E402

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

# True while a use case runs in this thread (or task): its transaction begins IMMEDIATE.
SQLITE_IMMEDIATE: ContextVar[bool] = ContextVar("sqlite_immediate", default=False)


def _is_pysqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_no_driver_transactions(dbapi_connection, connection_record):
    if _is_pysqlite(dbapi_connection):
        dbapi_connection.isolation_level = None  # the BEGIN is emitted below


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite" and connection.dialect.driver == "pysqlite":
        # On the driver's connection: the BEGIN is no statement of the app's (query counts).
        connection.connection.driver_connection.execute(
            "BEGIN IMMEDIATE" if SQLITE_IMMEDIATE.get() else "BEGIN")
