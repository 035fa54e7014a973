"""How far back a schedule may start, and how much one run catches up (app.billing.schedule)."""

import datetime as dt

import pytest

from app.billing.schedule import (EARLIEST_START, MAX_CATCH_UP, Schedule, ScheduleError,
                                  StartTooEarly, catch_up, run_dates_until)

D = dt.date


@pytest.mark.parametrize("start", [D(1900, 1, 1), D(26, 1, 1), D(1999, 12, 31)])
def test_a_schedule_starting_before_2000_is_refused_by_its_start_field(start):
    with pytest.raises(StartTooEarly) as refused:
        Schedule("monthly", start=start, days=[31])
    assert isinstance(refused.value, ScheduleError) and refused.value.field == "start"
    assert "before 2000-01-01" in str(refused.value)


def test_the_first_day_of_2000_is_the_earliest_start():
    assert EARLIEST_START == D(2000, 1, 1)
    schedule = Schedule("weekly", start=EARLIEST_START, weekday=0)
    assert run_dates_until(schedule, D(2000, 1, 10)) == [D(2000, 1, 3), D(2000, 1, 10)]


def test_a_wrong_frequency_is_named_before_the_start():
    with pytest.raises(ScheduleError) as refused:
        Schedule("daily", start=D(1900, 1, 1))
    assert refused.value.field == "frequency"


def test_one_run_catches_up_at_most_a_year_of_weekly_run_dates_and_leaves_the_rest():
    schedule = Schedule("weekly", start=D(2024, 1, 1), weekday=0)  # Mondays from 2024-01-01
    today = D(2026, 3, 31)
    every = run_dates_until(schedule, today)
    assert len(every) == 118 and MAX_CATCH_UP == 52

    first = catch_up(schedule, today)
    assert first.dates == every[:52] and first.left == every[52:]
    second = catch_up(schedule, today, done=set(first.dates))
    assert second.dates == every[52:104] and second.left == every[104:]
    third = catch_up(schedule, today, done=set(first.dates + second.dates))
    assert third.dates == every[104:] and third.left == []
    assert catch_up(schedule, today, done=set(every)).dates == []


def test_run_dates_already_done_are_skipped_wherever_they_are():
    schedule = Schedule("monthly", start=D(2026, 1, 1), days=[31])
    now = catch_up(schedule, D(2026, 4, 30), done={D(2026, 2, 28)}, limit=2)
    assert now.dates == [D(2026, 1, 31), D(2026, 3, 31)] and now.left == [D(2026, 4, 30)]


def test_a_schedule_within_the_cap_is_caught_up_in_one_run():
    schedule = Schedule("semi_monthly", start=D(2026, 1, 1))
    now = catch_up(schedule, D(2026, 12, 31))
    assert len(now.dates) == 24 and now.left == []
