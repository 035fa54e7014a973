"""Use cases: load, apply the rules of app.billing, write, commit once; raise named errors."""

import functools

from app.extensions import db


class ServiceError(Exception):
    """A use case refused what was asked; the message is one line, fit for a user."""


def find_one(query, error: ServiceError, *, lock: bool = False):
    """The first row of a query, locked for update when asked; raise the error if none."""
    if lock:
        query = query.with_for_update()
    row = db.session.scalars(query).first()
    if row is None:
        raise error
    return row


def use_case(function):
    """One transaction per use case: commit when it returns, roll back if anything raises,
    so that a failure half-way leaves nothing half-written."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            result = function(*args, **kwargs)
            db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            raise

    return run
