"""Use cases: load, apply the rules of app.billing, write, commit once; raise ServiceError."""

import functools
from collections.abc import Mapping

from app.extensions import db

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
    """The first row of a query, locked for update when asked; raise the error if none."""
    if lock:
        query = query.with_for_update()
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
        try:
            result = function(*args, **kwargs)
            session.expire_on_commit = expires and not keeps_rows
            try:
                session.commit()
            finally:
                session.expire_on_commit = expires
            return result
        except BaseException:
            session.rollback()
            raise

    return run
