"""Invoice schedule run dates (SPEC 7). Pure date arithmetic, no database."""

import calendar
import datetime as dt
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice, takewhile

FREQUENCIES = ("weekly", "biweekly", "monthly", "semi_monthly")
SEMI_MONTHLY_DAYS = (15, 31)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# No schedule starts before this day. A start further back is a typing error (1900, 0026)
# rather than a contract, and a run catches up every run date since the start: from 1900,
# some 6,600 of them. A fixed day rather than "n years ago": a schedule accepted once stays
# acceptable however long it runs, and a data file that imports today imports next year.
EARLIEST_START = dt.date(2000, 1, 1)
# The most run dates of one schedule that one run catches up, oldest first; the next runs
# take the rest. A year of weekly runs: no run takes hours, and daily runs still catch up
# years within days.
MAX_CATCH_UP = 52


class ScheduleError(ValueError):
    """A schedule that cannot produce run dates; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StartTooEarly(ScheduleError):
    """The start date is before EARLIEST_START."""

    def __init__(self, start: dt.date) -> None:
        super().__init__("start", f"the start date {start.isoformat()} is before "
                                  f"{EARLIEST_START.isoformat()}, the earliest a schedule may start")
        self.start = start


@dataclass(frozen=True)
class Schedule:
    frequency: str
    start: dt.date
    end: dt.date | None = None
    weekday: int | None = None  # Monday = 0, for weekly and biweekly
    days: Sequence[int] = ()  # 1–4 days of the month, for monthly

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ScheduleError("frequency", f"frequency must be one of {', '.join(FREQUENCIES)}")
        if self.frequency in ("weekly", "biweekly"):
            if self.weekday is None or not 0 <= self.weekday <= 6:
                raise ScheduleError("weekday", "a weekly schedule needs a weekday (0 = Monday … 6)")
        if self.frequency == "monthly":
            if not 1 <= len(self.days) <= 4 or len(set(self.days)) != len(self.days):
                raise ScheduleError("days", "a monthly schedule runs on 1 to 4 different days")
            if any(not 1 <= d <= 31 for d in self.days):
                raise ScheduleError("days", "days of the month are 1 to 31")
        if self.start < EARLIEST_START:
            raise StartTooEarly(self.start)
        if self.end is not None and self.end < self.start:
            raise ScheduleError("end", "the end date is before the start date")

    @property
    def month_days(self) -> tuple[int, ...]:
        return SEMI_MONTHLY_DAYS if self.frequency == "semi_monthly" else tuple(sorted(self.days))


def _clamped(year: int, month: int, day: int) -> dt.date:
    """Day 31 of a 30-day month (or 29–31 of February) is the month's last day."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _unbounded(schedule: Schedule) -> Iterator[dt.date]:
    if schedule.frequency in ("weekly", "biweekly"):
        step = dt.timedelta(weeks=1 if schedule.frequency == "weekly" else 2)
        day = schedule.start + dt.timedelta(days=(schedule.weekday - schedule.start.weekday()) % 7)
        while True:
            yield day
            day += step
    year, month = schedule.start.year, schedule.start.month
    while True:
        # Sorted days can clamp onto the same date (30 and 31 in February): yield it once.
        dates = sorted({_clamped(year, month, d) for d in schedule.month_days})
        yield from (d for d in dates if d >= schedule.start)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def iter_run_dates(schedule: Schedule) -> Iterator[dt.date]:
    """Every run date from the start, in order, up to the end date if there is one."""
    dates = _unbounded(schedule)
    if schedule.end is None:
        return dates
    return takewhile(lambda d: d <= schedule.end, dates)


def run_dates_until(schedule: Schedule, today: dt.date) -> list[dt.date]:
    """The run dates on or before today: what a run has to have processed."""
    return list(takewhile(lambda d: d <= today, iter_run_dates(schedule)))


@dataclass(frozen=True)
class CatchUp:
    """What one run does of a schedule: the due run dates it runs now, oldest first, and
    those it leaves to the next runs."""

    dates: list[dt.date]
    left: list[dt.date]


def catch_up(schedule: Schedule, today: dt.date, done: Container[dt.date] = (),
             limit: int = MAX_CATCH_UP) -> CatchUp:
    """The run dates on or before today not yet `done`: the first `limit` to run now, the
    others left."""
    due = [d for d in run_dates_until(schedule, today) if d not in done]
    return CatchUp(due[:limit], due[limit:])


def next_run_dates(schedule: Schedule, after: dt.date, count: int = 5) -> list[dt.date]:
    """The next `count` run dates after a day, for showing a schedule as it is edited."""
    return list(islice((d for d in iter_run_dates(schedule) if d > after), count))


def cutoff_date(run_date: dt.date) -> dt.date:
    """A run takes items dated on or before the day before it."""
    return run_date - dt.timedelta(days=1)
