"""Automatic invoicing (SPEC 7): process every due run date of every invoice schedule.

For each contract, the T&M lines due on the same run date go into one invoice with the
items dated on or before the cut-off (run date − 1). Each run date is recorded once per
schedule (a unique key); the contract row lock makes a second runner wait and then see
the first one's runs, so two runners never invoice the same items twice.

One run catches up at most MAX_CATCH_UP run dates of each schedule (the next runs take the
rest, and the results say how many wait), and runs no schedule that starts before
EARLIEST_START (app.billing.schedule): such a start is a typing error, and nothing of it
is recorded until it is corrected. A database that goes away stops the run without
recording the run date it was on: the next run does it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.billing.schedule import (EARLIEST_START, MAX_CATCH_UP, Schedule, StartTooEarly, catch_up,
                                  cutoff_date)
from app.extensions import db
from app.models import Contract, ContractLine, InvoiceSchedule, ScheduleRun
from app.services import audit
from app.services.connection import database_unreachable
from app.services.invoicing import InvoiceParameters, build_invoice, detail_count


@dataclass(frozen=True)
class RunResult:
    contract: str
    run_date: dt.date
    # succeeded / nothing_to_invoice / failed: recorded for the run date. Not recorded:
    # refused (a schedule not run at all; run_date is its start) and deferred (`left` due
    # run dates from run_date on wait for the next runs).
    result: str
    invoice: str | None = None
    error: str | None = None
    left: int = 0

    def describe(self) -> str:
        outcome = {"succeeded": f"invoice {self.invoice}", "nothing_to_invoice": "nothing to invoice",
                   "failed": f"failed: {self.error}", "refused": f"not run: {self.error}",
                   "deferred": f"{self.left} more due run date(s) from this one on are left for "
                               f"the next runs (one run catches up at most {MAX_CATCH_UP} of a "
                               f"schedule)"}[self.result]
        return f"{self.run_date.isoformat()} {self.contract}: {outcome}"


def as_schedule(row: InvoiceSchedule) -> Schedule:
    return Schedule(row.frequency, start=row.start_date, end=row.end_date, weekday=row.weekday,
                    days=tuple(row.days or ()))


def _due(today: dt.date) -> tuple[dict[tuple[int, dt.date], list[int]], list[RunResult]]:
    """(contract id, run date) → ids of the schedules due then and not yet run, at most
    MAX_CATCH_UP run dates of each; and what is refused or left for the next runs."""
    schedules = db.session.scalars(select(InvoiceSchedule).options(
        selectinload(InvoiceSchedule.contract_line).selectinload(ContractLine.contract))).all()
    done: dict[int, set[dt.date]] = defaultdict(set)
    for schedule_id, run_date in db.session.execute(select(ScheduleRun.schedule_id,
                                                           ScheduleRun.run_date)):
        done[schedule_id].add(run_date)
    due: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    notes = []
    for schedule in schedules:
        line = schedule.contract_line
        try:
            now = catch_up(as_schedule(schedule), today, done[schedule.id])
        except StartTooEarly:
            # Stored before the rule existed: one run would catch up thousands of run dates.
            notes.append(RunResult(line.contract.code, schedule.start_date, "refused", error=(
                f"the schedule of line '{line.name}' starts before {EARLIEST_START.isoformat()}; "
                f"correct its start date")))
            continue
        for run_date in now.dates:
            due[(line.contract_id, run_date)].append(schedule.id)
        if now.left:
            notes.append(RunResult(line.contract.code, now.left[0], "deferred",
                                   left=len(now.left)))
    return due, notes


def run_schedule(today: dt.date | None = None) -> list[RunResult]:
    """Catch up the run dates on or before today, oldest first, one transaction each; at
    most MAX_CATCH_UP of each schedule. Refused schedules and the run dates left for the
    next runs come last."""
    today = today or dt.date.today()
    due, notes = _due(today)
    results = []
    for (contract_id, run_date), schedule_ids in sorted(due.items(),
                                                        key=lambda item: (item[0][1], item[0][0])):
        result = _run_one(contract_id, run_date, schedule_ids, today)
        if result is not None:
            results.append(result)
    return results + notes


def _run_one(contract_id: int, run_date: dt.date, schedule_ids: list[int],
             today: dt.date) -> RunResult | None:
    contract = db.session.scalars(select(Contract).where(Contract.id == contract_id)
                                  .with_for_update()).one()
    code = contract.code
    # Under the lock: another runner may have done this run date meanwhile.
    already = set(db.session.scalars(select(ScheduleRun.schedule_id).where(
        ScheduleRun.schedule_id.in_(schedule_ids), ScheduleRun.run_date == run_date)))
    schedule_ids = [s for s in schedule_ids if s not in already]
    if not schedule_ids:
        db.session.rollback()
        return None
    cutoff = cutoff_date(run_date)
    runs = [{"schedule_id": s, "run_date": run_date, "cutoff_date": cutoff} for s in schedule_ids]
    try:
        line_ids = set(db.session.scalars(select(InvoiceSchedule.contract_line_id)
                                          .where(InvoiceSchedule.id.in_(schedule_ids))))
        invoice = build_invoice(contract, InvoiceParameters(cutoff=cutoff), today,
                                tm_line_ids=line_ids)
        has_products = any(line.billing_method == "product" for line in invoice.lines)
        if detail_count(invoice) == 0 and not has_products:
            # The scheduled path creates nothing when nothing is ready (SPEC 5.1).
            db.session.rollback()
            _record(runs, "nothing_to_invoice")
            db.session.commit()
            return RunResult(code, run_date, "nothing_to_invoice")
        audit.record(invoice.code, "create", field="cutoff_date", new=cutoff)
        _record(runs, "succeeded", invoice_id=invoice.id)
        db.session.commit()
        return RunResult(code, run_date, "succeeded", invoice=invoice.code)
    except IntegrityError:
        # Another runner recorded the same run date first: its invoice stands.
        db.session.rollback()
        return None
    except Exception as error:  # noqa: BLE001 — any failure is recorded on the run date
        db.session.rollback()
        if database_unreachable(error):
            raise  # not a failure of this run date: nothing is recorded, the next run does it
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        try:
            _record(runs, "failed", error=message)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return None
        return RunResult(code, run_date, "failed", error=message)


def _record(runs: list[dict], result: str, **values) -> None:
    db.session.execute(insert(ScheduleRun), [{**run, "result": result, **values} for run in runs])
