"""Schedules from 1900: a start before 2000 is refused wherever a schedule is made (the form,
the import) and not run when one is already stored; one run catches up at most MAX_CATCH_UP
run dates of a schedule and says how many wait for the next runs."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.billing.schedule import MAX_CATCH_UP
from app.extensions import db
from app.models import Invoice, InvoiceSchedule, ScheduleRun
from app.services import ServiceError
from app.services.contracts import ScheduleValues, save_schedule
from app.services.importer import ImportRejected, import_data
from app.services.scheduling import run_schedule
from tests.factories import make_actual, make_contract, make_project, make_tm_line
from tests.web.helpers import error_next_to, page
from tests.worlds import company

D = dt.date
TODAY = D(2026, 3, 31)


def runs() -> int:
    return db.session.scalar(select(func.count()).select_from(ScheduleRun))


@pytest.fixture
def line(app):
    contract = make_contract(key="c1")
    line = make_tm_line(contract, make_project(customer=contract.customer), classes=("time",),
                        name="Build")
    db.session.commit()
    return line


def schedule(line, **kw) -> InvoiceSchedule:
    row = InvoiceSchedule(**{"contract_line_id": line.id, "frequency": "weekly", "weekday": 0,
                             "start_date": D(2024, 1, 1), **kw})
    db.session.add(row)
    db.session.commit()
    return row


# --- the run ---------------------------------------------------------------------------------

def test_a_long_catch_up_runs_a_year_of_weekly_dates_at_a_time_and_says_what_is_left(line):
    schedule(line)  # Mondays since 2024-01-01: 118 run dates by TODAY
    make_actual(line, key="old", date=D(2024, 1, 3))
    db.session.commit()

    first = run_schedule(TODAY)
    done = [r for r in first if r.result != "deferred"]
    assert len(done) == MAX_CATCH_UP == 52 and runs() == 52
    assert done[0].run_date == D(2024, 1, 1) and done[-1].run_date == D(2024, 12, 23)
    assert [r.result for r in done].count("succeeded") == 1  # the one actual, on 2024-01-08
    assert first[-1].result == "deferred" and first[-1].left == 66
    assert first[-1].describe() == (
        "2024-12-30 c1: 66 more due run date(s) from this one on are left for the next runs "
        "(one run catches up at most 52 of a schedule)")

    second = run_schedule(TODAY)
    assert [r.run_date for r in second][:1] == [D(2024, 12, 30)] and second[-1].left == 14
    third = run_schedule(TODAY)
    assert len(third) == 14 and all(r.result != "deferred" for r in third)
    assert third[-1].run_date == D(2026, 3, 30)
    assert run_schedule(TODAY) == [] and runs() == 118
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_the_command_line_says_how_many_run_dates_are_left(runner, line):
    schedule(line)
    result = runner.invoke(args=["invoices", "run-schedule", "--date", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "52 run(s), 0 invoice(s) created, 66 due run date(s) left for the next runs.")


def test_a_stored_schedule_from_1900_is_not_run_and_the_others_are(runner, line):
    # Stored before the rule existed (or written around it): the run must not start on it.
    schedule(line, start_date=D(1900, 1, 1))
    other = make_tm_line(line.contract, make_project(customer=line.contract.customer),
                         classes=("time",), name="Support")
    db.session.commit()
    schedule(other, frequency="monthly", weekday=None, days=[31], start_date=D(2026, 1, 1))

    results = run_schedule(TODAY)
    assert [(r.run_date, r.result) for r in results] == [
        (D(2026, 1, 31), "nothing_to_invoice"), (D(2026, 2, 28), "nothing_to_invoice"),
        (D(2026, 3, 31), "nothing_to_invoice"), (D(1900, 1, 1), "refused")]
    assert results[-1].describe() == (
        "1900-01-01 c1: not run: the schedule of line 'Build' starts before 2000-01-01; "
        "correct its start date")
    assert runs() == 3  # nothing recorded for the schedule from 1900

    result = runner.invoke(args=["invoices", "run-schedule", "--date", TODAY.isoformat()])
    assert result.exit_code == 1
    assert "not run: the schedule of line 'Build' starts before 2000-01-01" in result.output
    assert result.output.splitlines()[-1] == (
        "Error: some schedules start before they may and were not run; correct their start "
        "dates (see above)")


# --- where schedules are made ------------------------------------------------------------

def test_saving_a_schedule_from_1999_is_refused_next_to_its_start_date(line):
    with pytest.raises(ServiceError) as refused:
        save_schedule(line.id, ScheduleValues("monthly", D(1999, 12, 31), days=(31,)))
    assert refused.value.field == "start_date"
    assert str(refused.value) == "A schedule starts in 2000 or later: check the year."
    assert save_schedule(line.id, ScheduleValues("monthly", D(2000, 1, 1), days=(31,)))
    assert db.session.scalars(select(InvoiceSchedule.start_date)).one() == D(2000, 1, 1)


def test_the_schedule_form_shows_the_refusal_next_to_the_start_date(client, line):
    url = f"/contracts/{line.contract.number}/lines/{line.id}/schedule"
    response = client.post(url, data={"frequency": "weekly", "weekday": "0", "days": "",
                                      "start_date": "1900-01-01", "end_date": ""})
    assert response.status_code in (200, 422)
    assert error_next_to(page(response), "start_date") == (
        "A schedule starts in 2000 or later: check the year.")
    assert db.session.scalar(select(func.count()).select_from(InvoiceSchedule)) == 0

    preview = page(client.get("/contracts/schedule-preview?frequency=weekly&weekday=0"
                              "&start_date=1900-01-01", headers={"HX-Request": "true"}))
    assert "A schedule starts in 2000 or later: check the year." in preview


def test_the_preview_says_a_long_catch_up_takes_several_runs(client, line):
    preview = page(client.get("/contracts/schedule-preview?frequency=weekly&weekday=0"
                              "&start_date=2000-01-03", headers={"HX-Request": "true"}))
    weeks = len(range(0, (dt.date.today() - D(2000, 1, 3)).days + 1, 7))
    assert (f"{weeks} run dates before today will be caught up, at most 52 on each run."
            in preview)


def test_the_import_refuses_a_schedule_from_1900(app):
    data = company()
    data["contracts"][0]["lines"][0]["schedule"] = {"frequency": "monthly", "days": [31],
                                                    "start": "1900-01-01"}
    with pytest.raises(ImportRejected) as rejected:
        import_data(data)
    assert rejected.value.errors == [
        "contracts[0].lines[0].schedule.start: before 2000-01-01: a schedule catches up every "
        "run date since its start, check the year"]
    assert db.session.scalar(select(func.count()).select_from(InvoiceSchedule)) == 0
