"""Invoice schedule run dates around month ends and leap years (SPEC 7)."""

import datetime as dt

import pytest

from app.billing.schedule import (Schedule, ScheduleError, cutoff_date, iter_run_dates,
                                  next_run_dates, run_dates_until)

D = dt.date


def test_monthly_on_the_31st_uses_the_last_day_of_short_months():
    schedule = Schedule("monthly", start=D(2026, 1, 1), days=[31])
    assert run_dates_until(schedule, D(2026, 6, 30)) == [
        D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31),
        D(2026, 6, 30)]


def test_february_of_a_leap_year_ends_on_the_29th():
    schedule = Schedule("monthly", start=D(2028, 2, 1), days=[30])
    assert next_run_dates(schedule, after=D(2028, 1, 31), count=2) == [D(2028, 2, 29), D(2028, 3, 30)]


def test_days_that_clamp_onto_the_same_date_run_once():
    schedule = Schedule("monthly", start=D(2026, 2, 1), days=[29, 30, 31])
    assert run_dates_until(schedule, D(2026, 2, 28)) == [D(2026, 2, 28)]


def test_monthly_on_several_days_in_order():
    schedule = Schedule("monthly", start=D(2026, 3, 10), days=[21, 7])
    assert next_run_dates(schedule, after=D(2026, 3, 9), count=4) == [
        D(2026, 3, 21), D(2026, 4, 7), D(2026, 4, 21), D(2026, 5, 7)]


def test_semi_monthly_is_the_15th_and_the_month_end():
    schedule = Schedule("semi_monthly", start=D(2026, 2, 1))
    assert run_dates_until(schedule, D(2026, 3, 31)) == [
        D(2026, 2, 15), D(2026, 2, 28), D(2026, 3, 15), D(2026, 3, 31)]


def test_weekly_on_a_weekday_from_the_start():
    schedule = Schedule("weekly", start=D(2026, 3, 4), weekday=4)  # a Wednesday; Fridays
    assert next_run_dates(schedule, after=D(2026, 3, 1), count=3) == [
        D(2026, 3, 6), D(2026, 3, 13), D(2026, 3, 20)]


def test_biweekly_skips_every_second_week_across_the_year_end():
    schedule = Schedule("biweekly", start=D(2026, 12, 21), weekday=0)
    assert next_run_dates(schedule, after=D(2026, 12, 1), count=3) == [
        D(2026, 12, 21), D(2027, 1, 4), D(2027, 1, 18)]


def test_a_start_on_the_run_day_counts():
    schedule = Schedule("weekly", start=D(2026, 3, 6), weekday=4)
    assert next(iter_run_dates(schedule)) == D(2026, 3, 6)


def test_the_end_date_stops_the_schedule():
    schedule = Schedule("monthly", start=D(2026, 1, 1), end=D(2026, 3, 30), days=[31])
    assert list(iter_run_dates(schedule)) == [D(2026, 1, 31), D(2026, 2, 28)]


def test_cutoff_is_the_day_before_the_run_date():
    assert cutoff_date(D(2026, 3, 1)) == D(2026, 2, 28)
    assert cutoff_date(D(2028, 3, 1)) == D(2028, 2, 29)


@pytest.mark.parametrize("kwargs, field", [
    ({"frequency": "daily"}, "frequency"),
    ({"frequency": "weekly"}, "weekday"),
    ({"frequency": "monthly", "days": []}, "days"),
    ({"frequency": "monthly", "days": [1, 2, 3, 4, 5]}, "days"),
    ({"frequency": "monthly", "days": [32]}, "days"),
    ({"frequency": "monthly", "days": [1], "end": D(2025, 1, 1)}, "end"),
])
def test_invalid_schedules_name_the_field(kwargs, field):
    with pytest.raises(ScheduleError) as error:
        Schedule(start=D(2026, 1, 1), **kwargs)
    assert error.value.field == field
