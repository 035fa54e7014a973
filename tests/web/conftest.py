"""Helpers of the page tests."""

import pytest
from flask_sqlalchemy.record_queries import get_recorded_queries

from app.extensions import db


@pytest.fixture
def count_queries(client):
    """GET a page on a cold session and return how many SQL statements it issued.

    The test client shares the test's app context, so the session (and its identity map)
    is dropped first: the page must load everything it shows itself, as in production.
    """

    def get(url: str) -> int:
        db.session.commit()
        db.session.remove()
        before = len(get_recorded_queries())
        response = client.get(url)
        assert response.status_code == 200
        return len(get_recorded_queries()) - before

    return get
