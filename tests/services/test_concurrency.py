"""Safety under concurrency (PostgreSQL, separate processes) and under failure (both).

Concurrency tests start real processes, each with its own app and connection, released
together by a barrier; they run when TEST_DATABASE_URL points at PostgreSQL.
"""

import datetime as dt
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import (Actual, BilledSale, Counter, Invoice, InvoiceLineDetail, InvoiceSchedule,
                        ScheduleRun)
from app.services import invoicing, lifecycle
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import confirm_invoice
from app.services.scheduling import run_schedule
from tests.factories import make_actual, make_contract, make_project, make_tm_line

CUTOFF = dt.date(2026, 3, 31)


def _in_process(url, barrier, task, *args):
    """Run one use case in this (spawned) process once every process is ready."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
    with app.app_context():
        barrier.wait(timeout=60)
        try:
            if task == "create":
                return create_invoice(args[0], InvoiceParameters(cutoff=CUTOFF)).code
            if task == "confirm":
                return confirm_invoice(args[0]).number
            if task == "schedule":
                return [r.result for r in run_schedule(args[0])]
        finally:
            db.session.remove()
            db.engine.dispose()


def run_at_once(url, calls):
    # Forked children inherit the imported app; the parent holds no connection when it
    # forks, so no child can close a socket the parent still uses.
    db.session.remove()
    db.engine.dispose()
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        barrier = manager.Barrier(len(calls))
        with ProcessPoolExecutor(len(calls), mp_context=context) as pool:
            futures = [pool.submit(_in_process, url, barrier, *call) for call in calls]
            return [future.result(timeout=120) for future in futures]


@pytest.fixture
def postgres(app, database_url):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (set TEST_DATABASE_URL)")
    return database_url


@pytest.fixture
def line(app):
    contract = make_contract(key="c1")
    line = make_tm_line(contract, make_project(customer=contract.customer))
    for i in range(40):
        make_actual(line, key=f"a{i}", date=dt.date(2026, 1, 1) + dt.timedelta(days=i))
    db.session.commit()
    return line


def placements():
    """How many open invoice details each actual has."""
    return db.session.execute(
        select(Actual.key, func.count(InvoiceLineDetail.id))
        .outerjoin(InvoiceLineDetail, (InvoiceLineDetail.actual_id == Actual.id)
                   & InvoiceLineDetail.is_open)
        .group_by(Actual.key)).all()


def test_two_processes_creating_at_once_put_each_item_on_one_invoice(postgres, line):
    codes = run_at_once(postgres, [("create", "c1"), ("create", "c1")])
    db.session.expire_all()
    assert len(set(codes)) == 2
    assert {count for _, count in placements()} == {1}
    totals = sorted(db.session.scalars(select(Invoice.total_amount)))
    assert totals[0] == Decimal("0.00") and totals[1] == Decimal("356250.00")


def test_ten_concurrent_confirmations_get_ten_consecutive_numbers(postgres, line):
    codes = [create_invoice("c1", InvoiceParameters(cutoff=CUTOFF), today=dt.date(2026, 4, 1)).code
             for _ in range(10)]
    numbers = run_at_once(postgres, [("confirm", code) for code in codes])
    assert sorted(numbers) == [f"2026-{n:04d}" for n in range(1, 11)]


def test_two_concurrent_schedule_runs_create_each_invoice_once(postgres, line):
    db.session.add(InvoiceSchedule(contract_line_id=line.id, frequency="semi_monthly",
                                   start_date=dt.date(2026, 1, 1)))
    db.session.commit()
    results = run_at_once(postgres, [("schedule", CUTOFF), ("schedule", CUTOFF)])
    db.session.expire_all()
    # Run dates Jan 15, Jan 31, Feb 15 take the 40 actuals (Jan 1 – Feb 9); three more are empty.
    outcomes = [r for result in results for r in result]
    assert outcomes.count("succeeded") == 3 and outcomes.count("nothing_to_invoice") == 3
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 3
    assert db.session.scalar(select(func.count()).select_from(ScheduleRun)) == 6
    assert {count for _, count in placements()} == {1}


def test_a_failure_while_creating_leaves_nothing(app, line, monkeypatch):
    def explode(invoice):
        raise RuntimeError("disk full")

    monkeypatch.setattr(invoicing, "_add_ready_milestones", explode)
    with pytest.raises(RuntimeError):
        create_invoice("c1", InvoiceParameters(cutoff=CUTOFF))
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0
    assert db.session.scalar(select(func.count()).select_from(InvoiceLineDetail)) == 0
    assert set(db.session.scalars(select(Actual.status))) == {"ready"}
    assert db.session.get(Counter, "invoice") is None


def test_a_failure_while_confirming_leaves_the_draft_as_it_was(app, line, monkeypatch):
    code = create_invoice("c1", InvoiceParameters(cutoff=CUTOFF)).code

    def explode(invoice, now):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(lifecycle, "_write_billed_sales", explode)
    with pytest.raises(RuntimeError):
        confirm_invoice(code)
    invoice = db.session.scalars(select(Invoice)).one()
    assert (invoice.project_invoice_status, invoice.number) == ("draft", None)
    assert set(db.session.scalars(select(Actual.status))) == {"invoice_created"}
    assert db.session.scalar(select(func.count()).select_from(BilledSale)) == 0
    monkeypatch.undo()
    assert confirm_invoice(code).number.endswith("-0001")  # no gap left behind
