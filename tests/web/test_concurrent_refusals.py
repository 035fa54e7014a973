"""What the database refuses because of a concurrent writer answers like any refusal:
409 (or 422), a message, never a traceback — in a use case and outside one (issue 12)."""

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.services import Conflict, ServiceError, concurrent_refusal, use_case


class _Orig(Exception):
    def __init__(self, text, sqlstate=None):
        super().__init__(text)
        self.sqlstate = sqlstate


def _db_error(kind, text, sqlstate=None, **kw):
    return kind("INSERT …", {}, _Orig(text, sqlstate), **kw)


@pytest.mark.parametrize("error, status, words", [
    (StaleDataError("UPDATE statement on table 'invoices' expected to update 1 row(s); 0 were "
                    "matched."), 409, "Someone else changed this at the same moment"),
    (_db_error(IntegrityError, "duplicate key value violates unique constraint", "23505"), 409,
     "Someone else changed the same records"),
    (_db_error(IntegrityError, "UNIQUE constraint failed: invoices.number"), 409,
     "Someone else changed the same records"),
    (_db_error(IntegrityError, "insert or update violates foreign key constraint", "23503"),
     409, "Someone else changed the same records"),
    (_db_error(IntegrityError, "new row violates check constraint", "23514"), 422,
     "The database refused a value"),
    (_db_error(OperationalError, "canceling statement due to lock timeout", "55P03"), 409,
     "busy with another change"),
    (_db_error(OperationalError, "deadlock detected", "40P01"), 409, "busy with another change"),
    (_db_error(OperationalError, "database is locked"), 409, "busy with another change"),
])
def test_each_concurrent_refusal_is_mapped_once(error, status, words):
    refusal = concurrent_refusal(error)
    assert isinstance(refusal, ServiceError) and refusal.status == status
    assert words in str(refusal)


def test_a_dropped_connection_is_not_a_refusal():
    dropped = _db_error(OperationalError, "terminating connection due to administrator command",
                        "57P01", connection_invalidated=True)
    assert concurrent_refusal(dropped) is None


def test_a_use_case_that_loses_a_race_raises_a_conflict_and_writes_nothing(app):
    @use_case
    def loses():
        raise _db_error(IntegrityError, "duplicate key value violates unique constraint", "23505")

    with pytest.raises(Conflict, match="nothing was saved"):
        loses()


def test_a_write_outside_a_use_case_that_loses_a_race_answers_409(app):
    error = StaleDataError("UPDATE statement on table 'invoices' expected to update 1 row(s)")
    with app.test_request_context("/invoices/PRO-000001/confirm", method="POST"):
        response = app.make_response(app.handle_user_exception(error))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this at the same moment" in html and "Traceback" not in html
