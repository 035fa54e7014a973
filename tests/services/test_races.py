"""Races through the pages and the CLI, in separate processes on PostgreSQL (issue 12).

Each race runs ROUNDS times. Every process has its own app and connections and is
released together with the others by a barrier. After every round the suite counts what a
user or an accountant would notice: answers ≥ 500, items billed twice, items whose status
says something else than where they are, gaps in the legal numbers — all must be 0, and
each loser gets what a single user would (409 with the current state).
"""

import datetime as dt
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import exists, func, literal, select, text

from app import create_app
from app.extensions import db
from app.models import (Actual, BilledSale, ContractLine, Invoice, InvoiceLine, InvoiceLineDetail,
                        Milestone)
from app.services.corrections import correct_invoice
from app.services.invoicing import InvoiceParameters, create_invoice, fingerprint, ready_items
from app.services.lifecycle import ItemsNotPlaced, confirm_invoice
from app.services.payments import due_of
from tests.factories import (make_actual, make_contract, make_product_line, make_project,
                             make_resource, make_role, make_tm_line)

ROUNDS = 10
CUTOFF = dt.date(2026, 3, 31)
PLACED = ("invoice_created", "invoice_posted")

_app = None


def _start(url):
    """Each worker process: its own app (and engine), built once."""
    global _app
    _app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "LOGIN_DISABLED": True})


def _act(barrier, kind, *args):
    """One request (or CLI command) of a race, sent once every process is ready: the status
    and the first line of the answer (or the CLI's exit code and error)."""
    with _app.app_context():
        client = _app.test_client()
        barrier.wait(timeout=60)
        try:
            if kind == "post":
                path, form = args
                response = client.post(path, data=form)
                return response.status_code, response.get_data(as_text=True)
            if kind == "cli":
                result = _app.test_cli_runner().invoke(args=list(args))
                failure = result.exception if not isinstance(result.exception, SystemExit) else None
                return (500 if failure else result.exit_code), result.output + (
                    repr(failure) if failure else "")
        finally:
            db.session.remove()
    raise ValueError(kind)


@pytest.fixture
def race(app, database_url):
    """run(calls) → [(status, text)] of calls made at the same moment from as many processes."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("races are run on PostgreSQL (set TEST_DATABASE_URL)")
    context = multiprocessing.get_context("fork")
    pools: dict[int, ProcessPoolExecutor] = {}
    with context.Manager() as manager:
        def run(calls):
            # The parent holds no connection when it forks (the commit returns the session's,
            # dispose closes the pool's), so no child can close a socket the parent uses.
            db.session.commit()
            db.engine.dispose()
            if len(calls) not in pools:
                pools[len(calls)] = ProcessPoolExecutor(
                    len(calls), mp_context=context, initializer=_start, initargs=(database_url,))
            barrier = manager.Barrier(len(calls))
            futures = [pools[len(calls)].submit(_act, barrier, *call) for call in calls]
            return [future.result(timeout=180) for future in futures]

        yield run
        for pool in pools.values():
            pool.shutdown()


# ---------------------------------------------------------------- what must never happen

def status_lies() -> int:
    """Items whose status says they are on an invoice when no open invoice holds them, or
    the other way round."""
    detail = InvoiceLineDetail
    lies = 0
    for model, column in ((Actual, detail.actual_id), (Milestone, detail.milestone_id)):
        placed = exists().where(column == model.id, detail.is_open)
        lies += db.session.scalar(select(func.count()).select_from(model).where(
            model.status.in_(PLACED) != placed))
    placed = exists().where(InvoiceLine.contract_line_id == ContractLine.id, InvoiceLine.is_open,
                            InvoiceLine.billing_method == "product")
    lies += db.session.scalar(select(func.count()).select_from(ContractLine).where(
        ContractLine.billing_method == "product", ContractLine.status.in_(PLACED) != placed))
    return lies


def billed_twice() -> int:
    """Items on more than one open invoice, or posted to billed sales for more than they
    are (credit notes post negative differences, so an item credited in full and billed
    again adds up to its quantity once)."""
    detail = InvoiceLineDetail
    twice = 0
    for column in (detail.actual_id, detail.milestone_id):
        twice += db.session.scalar(select(func.count()).select_from(
            select(column).where(column.is_not(None), detail.is_open).group_by(column)
            .having(func.count() > 1).subquery()))
    for column, at_most in ((BilledSale.actual_id, Actual.quantity),
                            (BilledSale.milestone_id, literal(1))):
        model = Actual if column is BilledSale.actual_id else Milestone
        twice += db.session.scalar(select(func.count()).select_from(
            select(column).join(model, model.id == column).group_by(column, at_most)
            .having(func.sum(BilledSale.quantity) > at_most).subquery()))
    return twice


def number_gaps() -> int:
    numbers = sorted(int(n.split("-")[1]) for n in db.session.scalars(
        select(Invoice.number).where(Invoice.number.is_not(None))))
    return len(set(range(1, len(numbers) + 1)) ^ set(numbers))


def assert_sound(answers) -> None:
    db.session.expire_all()
    failures = [(status, text[:300]) for status, text in answers if status >= 500]
    assert failures == []
    assert (billed_twice(), status_lies(), number_gaps()) == (0, 0, 0)


# ---------------------------------------------------------------- data of one round

def contract_with_actuals(count=30, *, product=False):
    contract = make_contract()
    line = make_tm_line(contract, make_project(customer=contract.customer))
    role, resource = make_role(), make_resource()
    actuals = [make_actual(line, role=role, resource=resource,
                           date=dt.date(2026, 1, 1) + dt.timedelta(days=i % 80),
                           quantity=Decimal(1 + i % 5)) for i in range(count)]
    if product:
        make_product_line(contract, status="ready")
    db.session.commit()
    return contract, line, actuals


def draft(contract, **kw):
    return create_invoice(contract.number, InvoiceParameters(cutoff=CUTOFF),
                          today=dt.date(2026, 4, 1), **kw)


def wizard_finish(contract):
    """The form the wizard's Finish posts, with the fingerprint of its preview."""
    params = InvoiceParameters(cutoff=CUTOFF)
    return (f"/contracts/{contract.number}/invoice", {
        "cutoff": CUTOFF.isoformat(), "classes": sorted(params.classes), "products": "y",
        "action": "finish", "selection": fingerprint(ready_items(contract, params))})


# ---------------------------------------------------------------- the races

def test_eight_wizard_finishes_for_one_contract_create_one_draft(race):
    for _round in range(ROUNDS):
        contract, _line, _actuals = contract_with_actuals(product=True)
        answers = race([("post", *wizard_finish(contract))] * 8)
        assert_sound(answers)
        statuses = sorted(status for status, _text in answers)
        assert statuses == [302] + [409] * 7, [t[:200] for s, t in answers if s != 302]
        # The losers waited for the winner and were told what it took.
        assert all("were taken by" in text for status, text in answers if status == 409)
        assert db.session.scalar(select(func.count()).select_from(Invoice)
                                 .where(Invoice.contract_id == contract.id)) == 1


def test_ten_confirms_of_one_draft_give_one_number(race):
    for _round in range(ROUNDS):
        contract, _line, _actuals = contract_with_actuals(product=True)
        invoice = draft(contract)
        answers = race([("post", f"/invoices/{invoice.code}/confirm", {})] * 10)
        assert_sound(answers)
        assert sorted(status for status, _text in answers) == [303] + [409] * 9
        db.session.refresh(invoice)
        assert all(f"number {invoice.number}: Confirmed" in text
                   for status, text in answers if status == 409)


def test_invoices_and_credit_notes_confirmed_at_once_share_one_gapless_sequence(race):
    for _round in range(ROUNDS):
        credit_notes, invoices = [], []
        for _i in range(5):
            contract, _line, _actuals = contract_with_actuals(5)
            original = confirm_invoice(draft(contract).code)
            credit_notes.append(correct_invoice(original.code).code)
            contract, _line, _actuals = contract_with_actuals(5)
            invoices.append(draft(contract).code)
        answers = race([("post", f"/invoices/{code}/confirm", {})
                        for code in credit_notes + invoices])
        assert_sound(answers)
        assert [status for status, _text in answers] == [303] * 10
        numbers = db.session.scalars(select(Invoice.number).where(
            Invoice.code.in_(credit_notes + invoices))).all()
        assert len(set(numbers)) == 10
        # Every credit note credited its original in full: its actuals are ready again.
        assert db.session.scalar(select(func.count()).select_from(Actual).where(
            Actual.status == "ready")) == 25 * (_round + 1)


def test_two_payments_of_what_is_due_at_once_never_overpay(race):
    for _round in range(ROUNDS):
        contract, _line, _actuals = contract_with_actuals(3)
        invoice = confirm_invoice(draft(contract).code)
        due, today = str(invoice.total_amount.quantize(Decimal("0.01"))), dt.date.today()
        answers = race([("cli", "invoices", "pay", invoice.number, "--amount", due,
                         "--date", today.isoformat())] * 2)
        assert_sound(answers)
        assert sorted(status for status, _text in answers) == [0, 1], answers
        assert "Nothing is due" in next(text for status, text in answers if status == 1)
        db.session.expire_all()
        assert due_of(db.session.get(Invoice, invoice.id)).amount == 0


@pytest.mark.parametrize("other", ["refresh", "submit-review", "header", "delete"])
def test_confirm_racing_another_action_answers_each_like_a_refusal(race, other):
    for _round in range(ROUNDS):
        contract, line, _actuals = contract_with_actuals(product=True)
        invoice = draft(contract)
        # Something new to refresh, so that a refresh has items to take.
        make_actual(line, date=dt.date(2026, 2, 1))
        db.session.commit()
        form = {"version": invoice.version, "name": "Renamed"} if other == "header" else {}
        answers = race([("post", f"/invoices/{invoice.code}/confirm", {}),
                        ("post", f"/invoices/{invoice.code}/{other}", form)])
        assert_sound(answers)
        # A delete that won leaves the confirm nothing to confirm: 404.
        assert {status for status, _text in answers} <= {200, 303, 404, 409}
        assert answers[0][0] in (303, 404, 409)


def test_two_refreshes_of_two_drafts_of_one_contract_place_each_item_once(race):
    for _round in range(ROUNDS):
        contract, line, _actuals = contract_with_actuals()
        first, second = draft(contract), draft(contract)
        for i in range(20):
            make_actual(line, date=dt.date(2026, 2, 1) + dt.timedelta(days=i))
        db.session.commit()
        answers = race([("post", f"/invoices/{first.code}/refresh", {}),
                        ("post", f"/invoices/{second.code}/refresh", {})])
        assert_sound(answers)
        assert [status for status, _text in answers] == [303, 303]
        added = db.session.scalar(select(func.count()).select_from(InvoiceLineDetail).where(
            InvoiceLineDetail.invoice_id.in_([first.id, second.id])))
        assert added == 50


def test_marking_not_ready_while_an_invoice_is_created_never_leaves_a_status_lying(race, app):
    """The defect of issue 12: "not ready" committed between placement and status change
    left items on a draft marked unbilled, offered again and billed when confirmed."""
    outcomes = set()
    for _round in range(ROUNDS):
        contract, _line, actuals = contract_with_actuals(300)
        withdrawn = {"action": "not_ready", "actual": [str(a.id) for a in actuals[::2]]}
        answers = race([("post", "/backlog/mark", withdrawn),
                        ("cli", "invoices", "create", contract.number,
                         "--cutoff", CUTOFF.isoformat())])
        assert_sound(answers)
        assert answers[1][0] == 0, answers[1][1]
        db.session.expire_all()
        on_invoice = db.session.scalar(select(func.count()).select_from(InvoiceLineDetail)
                                       .join(Invoice).where(Invoice.contract_id == contract.id))
        outcomes.add(on_invoice)
        assert on_invoice in (150, 300)  # the withdrawal went first, or was refused whole
        # The contract can still be invoiced and refreshed (no unique violation left behind).
        code = db.session.scalars(select(Invoice.code)
                                  .where(Invoice.contract_id == contract.id)).one()
        assert app.test_client().post(f"/invoices/{code}/refresh").status_code == 303
        assert status_lies() == 0


def test_confirm_refuses_an_invoice_carrying_an_item_marked_elsewhere(app):
    """The last line of defence: confirming bills only items whose status says they are on
    this invoice."""
    contract, _line, actuals = contract_with_actuals(3)
    invoice = draft(contract)
    if db.engine.dialect.name == "postgresql":
        # As a database owner could: past the triggers that keep status and placement one.
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    actuals[0].status = "unbilled"
    db.session.commit()
    with pytest.raises(ItemsNotPlaced, match="carries 1 item that is no longer marked"):
        confirm_invoice(invoice.code)
    db.session.refresh(invoice)
    assert invoice.number is None


def test_two_reminder_runs_at_once_send_each_reminder_once(race, app, monkeypatch):
    """Two `invoices remind` at the same moment (two cron jobs, two servers): every due
    reminder reaches the mail server once, and is recorded once as sent."""
    from app.models import Reminder
    from app.services.reminders import LevelInput, save_levels
    from tests.mail_server import start_server

    controller, inbox = start_server(app)
    # The racing processes build their own app: the mail settings reach them by environment.
    for name in ("SMTP_HOST", "SMTP_PORT", "MAIL_FROM"):
        monkeypatch.setenv(name, str(app.config[name]))
    try:
        save_levels([LevelInput(days, {}, {}) for days in (7, 21, 35)])
        codes = []
        for _round in range(ROUNDS):
            for _i in range(3):
                contract, _line, _actuals = contract_with_actuals(2)
                codes.append(confirm_invoice(draft(contract).code).code)
            db.session.commit()
            due = db.session.scalar(select(func.max(Invoice.due_date)))
            day = (due + dt.timedelta(days=7 * (_round % 3 + 1) * 3)).isoformat()
            before = len(inbox.envelopes)
            answers = race([("cli", "invoices", "remind", "--date", day)] * 2)
            assert_sound(answers)
            assert [status for status, _text in answers] == [0, 0], answers
            sent = db.session.scalar(select(func.count()).select_from(Reminder).where(
                Reminder.result == "sent"))
            # Each invoice's reminder (one level per run) went out exactly once.
            assert len(inbox.envelopes) == sent
            assert len(inbox.envelopes) > before
            pairs = db.session.execute(select(Reminder.invoice_id, Reminder.level)).all()
            assert len(pairs) == len(set(pairs))
    finally:
        controller.stop()
