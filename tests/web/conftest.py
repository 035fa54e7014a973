"""Helpers of the page tests."""

import datetime as dt

import pytest
from flask_sqlalchemy.record_queries import get_recorded_queries

from app.extensions import db
from app.services.invoicing import InvoiceParameters, create_invoice
from tests.factories import make_actual, make_contract, make_project, make_tm_line


@pytest.fixture
def invoice(app):
    """A draft invoice of contract "c1" with one ready time actual on its T&M line."""
    contract = make_contract(key="c1")
    line = make_tm_line(contract, make_project(customer=contract.customer))
    make_actual(line)
    db.session.commit()
    return create_invoice("c1", InvoiceParameters(cutoff=dt.date(2026, 3, 31)))


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
