"""Use cases: load, apply the rules of app.billing, write, commit once; raise ServiceError."""

import functools
import logging
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import SQLITE_IMMEDIATE, db

log = logging.getLogger(__name__)

ROW = "row"  # the key of a refusal about the whole request rather than one field


class ServiceError(Exception):
    """A use case refused what was asked; nothing was written.

    The message is one line, fit for a user. `field` names the form field it belongs next
    to (None: the whole request); `errors` carries several such messages at once, by field.
    The subclasses say only what kind of refusal it is, which decides the answer at the
    edge (`status`): 422 for a value that cannot be saved, 404 for what is not there, 409
    when the state of what was asked about does not allow it.
    """

    status = 422

    def __init__(self, message: str | None = None, field: str | None = None, *,
                 errors: Mapping[str, str] | None = None) -> None:
        if errors:
            message = message or " ".join(str(m) for m in errors.values())
        super().__init__(message or "")
        self.field = field
        self._errors = dict(errors) if errors else None

    @property
    def errors(self) -> dict[str, str]:
        """Every message by field (ROW for one about the whole request)."""
        return self._errors or {self.field or ROW: str(self)}


class NotFound(ServiceError):
    """What was asked about does not exist (or no longer does)."""

    status = 404


class Conflict(ServiceError):
    """The current state of what was asked about does not allow it: another action got
    there first, or a version changed since the page was opened."""

    status = 409


def find_one(query, error: ServiceError, *, lock: bool = False):
    """The first row of a query, locked for update when asked; raise the error if none.

    A locked row is read again from the database, not taken from the session: the state a
    use case checks after the lock is the state no one else can change until it commits.
    """
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = db.session.scalars(query).first()
    if row is None:
        raise error
    return row


def use_case(function=None, *, keeps_rows: bool = False):
    """One transaction per use case: commit when it returns, roll back if anything raises,
    so that a failure half-way leaves nothing half-written.

    keeps_rows: the commit leaves the rows the use case wrote loaded, so that the answer
    shows them without reading them again. Only for use cases that write through the ORM:
    a bulk UPDATE that skips the session would leave a stale row behind. A rollback still
    expires everything.
    """
    if function is None:
        return functools.partial(use_case, keeps_rows=keeps_rows)

    @functools.wraps(function)
    def run(*args, **kwargs):
        session = db.session()
        expires = session.expire_on_commit
        immediate = None
        if not SQLITE_IMMEDIATE.get() and _on_sqlite(session):
            _end_read_transaction(session)
            immediate = SQLITE_IMMEDIATE.set(True)
        try:
            result = function(*args, **kwargs)
            session.expire_on_commit = expires and not keeps_rows
            try:
                session.commit()
            finally:
                session.expire_on_commit = expires
            return result
        except (StaleDataError, IntegrityError, OperationalError, DataError, ValueError,
                OverflowError) as error:
            session.rollback()
            refusal = concurrent_refusal(error)
            if refusal is None:
                raise
            log.warning("%s refused by the database: %s", function.__qualname__,
                        str(error).splitlines()[0] if str(error) else type(error).__name__)
            raise refusal from error
        except BaseException:
            session.rollback()
            raise
        finally:
            if immediate is not None:
                SQLITE_IMMEDIATE.reset(immediate)

    return run


def _on_sqlite(session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "sqlite"


def _end_read_transaction(session) -> None:
    """SQLite: the use case's transaction must begin IMMEDIATE (app.extensions), which a
    transaction already open for what the edge read first (the invoice, the signed-in
    user) cannot become. That one has written nothing: end it, keeping what it loaded, so
    the use case begins its own. (With something pending, it is left as it is.)"""
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    expires = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expires


# SQLSTATEs (PostgreSQL) of what another transaction did at the same moment.
_CONFLICT_STATES = {"23505", "23503", "23P01"}  # unique, foreign key, exclusion
_BUSY_STATES = {"55P03", "40P01", "40001", "57014"}  # lock timeout, deadlock, serialisation,
#                                                      statement timeout
_CONFLICT_TEXTS = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")
_BUSY_TEXTS = ("database is locked", "database table is locked")


def concurrent_refusal(error: Exception) -> ServiceError | None:
    """The one mapping of what the database refused because of a concurrent writer into
    a refusal the edge answers like any other (SPEC 8: a race answers 409, never 500):

    - an optimistic version check that failed (StaleDataError), a unique or foreign-key
      violation: someone else changed the same thing first → Conflict;
    - a lock wait that timed out, a deadlock, a serialisation failure → Conflict, "busy";
    - any other integrity error (a check or not-null constraint) → a 422 refusal;
    - a value the column cannot hold (too long, NUL, out of range: `value_refusal`) → 422.

    None for what is not a refusal (a dropped connection, a bug): it stays an error.
    """
    if isinstance(error, StaleDataError):
        return Conflict(_("Someone else changed this at the same moment; nothing was saved. "
                          "Reload and try again."))
    state = getattr(getattr(error, "orig", None), "sqlstate", None)
    text = str(getattr(error, "orig", error))
    if isinstance(error, IntegrityError):
        if state in _CONFLICT_STATES or any(t in text for t in _CONFLICT_TEXTS):
            return Conflict(_("Someone else changed the same records at the same moment; "
                              "nothing was saved. Reload and try again."))
        return ServiceError(_("The database refused a value; nothing was saved."))
    if isinstance(error, OperationalError) and not error.connection_invalidated and (
            state in _BUSY_STATES or any(t in text for t in _BUSY_TEXTS)):
        return Conflict(_("The records are busy with another change; nothing was saved. "
                          "Try again in a moment."))
    return value_refusal(error)


# SQLSTATEs (PostgreSQL, class 22) of a value the column cannot hold: too long, a character
# the encoding has not (NUL), a number or date out of range, an untranslatable character.
_VALUE_STATES = {"22001", "22021", "22003", "22008", "22P05"}
# The same refusals raised by the drivers before the server sees the value: psycopg 3
# (a DataError without SQLSTATE) and psycopg2 (a ValueError) for NUL, either driver and
# sqlite3 for a lone surrogate (UnicodeEncodeError), sqlite3 for an integer beyond 64 bits.
_VALUE_TEXTS = ("cannot contain NUL", "surrogates not allowed",
                "too large to convert to SQLite INTEGER")


def value_refusal(error: Exception) -> ServiceError | None:
    """A value that slipped past the checks at the edge and that the database (or its
    driver) cannot store: a 422 refusal, nothing saved, instead of a 500. None for any
    other error."""
    state = getattr(getattr(error, "orig", None), "sqlstate", None)
    text = str(getattr(error, "orig", None) or error)
    if isinstance(error, (DataError, ValueError, OverflowError)) and (
            state in _VALUE_STATES or any(t in text for t in _VALUE_TEXTS)):
        return ServiceError(_("A value is too long or not valid; nothing was saved."))
    return None
