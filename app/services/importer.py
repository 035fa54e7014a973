"""Data import (SPEC 11): a JSON company file, or a CSV file of actuals.

The whole file is checked first and every problem is listed by its path
(`actuals[17].quantity: not a number`, or `row 19, quantity: not a number` in a CSV file);
a file with any error is refused and nothing is written. A file without errors is written
in one transaction. The rules live in app.services.importing.

Problems are data (app.services.importing.problems.Problem: path, code, params): the
command line prints them in English, the upload page in the user's language.
"""

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path as FilePath

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.services.importing.problems import Path, Problem
from app.services.importing.reading import MAX_DEPTH, Problems, path_text, unstorable_text
from app.services.importing.rules import ACTUAL_FIELDS, FORMAT, check
from app.services.importing.writing import write

__all__ = ["ImportRejected", "ImportSummary", "Problem", "csv_cell", "csv_where",
           "import_actuals_csv", "import_data", "import_file"]

# Columns a CSV file of actuals cannot do without (the others may be left out).
REQUIRED_COLUMNS = ("key", "project", "class", "date", "quantity", "unit")
# Singular and plural of each kind in the one-line summary.
LABELS = {
    "customers": ("customer", "customers"), "roles": ("role", "roles"),
    "resources": ("resource", "resources"), "categories": ("category", "categories"),
    "products": ("product", "products"), "price_lists": ("price list", "price lists"),
    "role_prices": ("role price", "role prices"),
    "category_prices": ("category price", "category prices"),
    "projects": ("project", "projects"), "tasks": ("task", "tasks"),
    "contracts": ("contract", "contracts"), "contract_lines": ("contract line", "contract lines"),
    "invoice_schedules": ("invoice schedule", "invoice schedules"),
    "milestones": ("milestone", "milestones"), "actuals": ("actual", "actuals"),
}


def csv_where(path: Path) -> str:
    """Where a problem of a CSV file is: `row 4, quantity`, `row 1` (the whole file: `file`)."""
    if not path:
        return "file"
    rest = path_text(path[1:]) if len(path) > 1 else ""
    return f"row {path[0]}" + (f", {rest}" if rest else "")


def csv_cell(path: Path) -> tuple[int | None, str]:
    """The row number and column of a CSV file's problem: (4, "quantity"), (1, "") for a
    whole row, (None, "") for the whole file."""
    if not path or not isinstance(path[0], int):
        return None, ""
    return path[0], path_text(path[1:]) if len(path) > 1 else ""


class ImportRejected(Exception):
    """The file has errors; nothing was written. `problems` are the errors as data (in a
    CSV file their paths start at the row number); `errors` are the same as "where:
    message" lines in English, as the command line prints them."""

    def __init__(self, problems: list[Problem], where: Callable[[Path], str] = path_text):
        self.problems = list(problems)
        self.where = where
        first = self.problems[0] if self.problems else None
        super().__init__(f"rejected with {len(self.problems)} error(s): "
                         f"{self._line(first) if first is not None else ''}")

    def _line(self, problem: Problem) -> str:
        return f"{self.where(problem.path)}: {problem.message()}"

    @cached_property
    def errors(self) -> list[str]:
        return [self._line(problem) for problem in self.problems]


@dataclass
class ImportSummary:
    """What an import created (kind → count) and what it warns about: `warnings` as the
    command line prints them, `warned` the same as data (to show them translated)."""

    created: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    warned: list[Problem] = field(default_factory=list)

    def describe(self) -> str:
        """One line, e.g. "Imported 2 customers, 1 role, 310 actuals."."""
        parts = []
        for kind, count in self.created.items():
            if count:
                singular, plural = LABELS.get(kind, (kind, kind))
                parts.append(f"{count} {singular if count == 1 else plural}")
        return f"Imported {', '.join(parts)}." if parts else "Imported nothing."


def import_file(path: FilePath) -> ImportSummary:
    """Import a .json data file or a .csv file of actuals."""
    def refused(code: str, **params: object) -> ImportRejected:
        """A problem with the file as a whole, reported under its name."""
        return ImportRejected([Problem((), code, params)], where=lambda _: str(path))

    try:
        text = FilePath(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise refused("no_such_file") from None
    except UnicodeDecodeError:
        raise refused("not_utf8") from None
    except OSError as error:
        raise refused("unreadable", reason=error.strerror or str(error)) from None
    suffix = FilePath(path).suffix.lower()
    if suffix == ".csv":
        return import_actuals_csv(text)
    if suffix != ".json":
        raise refused("not_json_or_csv")
    if not text.strip():
        raise refused("empty_file")
    try:
        # Decimal for every number with a fraction (and NaN/Infinity), so no float ever exists.
        data = json.loads(text, parse_float=_json_number, parse_int=_json_integer,
                          parse_constant=Decimal)
    except json.JSONDecodeError as error:
        raise refused("not_json", reason=error.msg, line=error.lineno,
                      column=error.colno) from None
    except RecursionError:
        # The parser recurses once per array or object: thousands of them nested.
        raise refused("nested_too_deep", levels=MAX_DEPTH) from None
    return import_data(data)


# Python refuses to turn more digits than this into an int (sys.get_int_max_str_digits).
_INT_DIGITS = 4000


def _json_integer(text: str) -> int | Decimal:
    """An int; a Decimal for more digits than Python makes ints of (it is too large for
    every field, which says so)."""
    return int(text) if len(text) <= _INT_DIGITS else Decimal(text)


def _json_number(text: str) -> Decimal:
    """The number exactly; an exponent beyond what Decimal holds (1e99999999999999999999)
    as the nearest number it does hold, which the field then refuses as too large (or as
    too many decimals)."""
    try:
        return Decimal(text)
    except InvalidOperation:
        mantissa, _, exponent = text.lower().partition("e")
        if not mantissa.strip("+-0.") or not exponent:
            return Decimal(0)
        sign = "-" if mantissa.startswith("-") else ""
        return Decimal(f"{sign}1E{'-' if exponent.startswith('-') else '+'}999999")


def import_data(data: dict) -> ImportSummary:
    """Check a whole data file (SPEC 11), then write it in one transaction and commit."""
    return _import(data, path_text)


def import_actuals_csv(text: str) -> ImportSummary:
    """Import actuals from CSV: a header row of actual field names, one actual per row,
    empty cells omitted. Problems are reported by row (the header is row 1) and column,
    from the same rules as actuals in a JSON file: their paths are (row, column)."""
    actuals, row_numbers, misshapen = _read_csv(text)

    def row_of(path: Path) -> int:
        return row_numbers[path[1]] if len(path) > 1 and isinstance(path[1], int) else 1

    def by_row(found: list[Problem]) -> list[Problem]:
        """`actuals[3].quantity` as (row, "quantity"); rows with stray cells among their
        row's problems."""
        located = [Problem((row_of(problem.path), *problem.path[2:]), problem.code,
                           problem.params) for problem in found]
        if misshapen:
            located = sorted(misshapen + located, key=lambda problem: problem.path[0])
        return located

    return _import({"format": FORMAT, "actuals": actuals}, csv_where, by_row)


def _import(data: object, where: Callable[[Path], str],
            locate: Callable[[list[Problem]], list[Problem]] | None = None) -> ImportSummary:
    """Check everything, then write it all in one transaction, or raise ImportRejected.
    `locate` turns the problems (in file order) into the paths `where` describes."""
    unstorable = unstorable_text(data)
    if unstorable:
        # Refused before the rules look anything up: such a string must not reach a query.
        errors = Problems.in_file_order(unstorable, data)
        raise ImportRejected(locate(errors) if locate is not None else errors, where)
    plan, problems = check(data)
    errors = Problems.in_file_order(problems.errors, data)
    if locate is not None:
        errors = locate(errors)
    if errors:
        raise ImportRejected(errors, where)
    try:
        created = write(plan)
        db.session.commit()
    except IntegrityError as error:
        # Only a concurrent change can get here: everything else was checked beforehand.
        db.session.rollback()
        reason = str(error.orig).splitlines()[0]
        raise ImportRejected([Problem((), "database_refused", {"reason": reason})]) from None
    except BaseException:
        db.session.rollback()
        raise
    warned = Problems.in_file_order(problems.warnings, data)
    if locate is not None:
        warned = locate(warned)
    return ImportSummary(created, [f"{where(problem.path)}: {problem.message()}"
                                   for problem in warned], warned)


# A header row of more columns than this is no file of actuals (it has a few dozen at most).
MAX_COLUMNS = 200
# No cell of an actual is anywhere near this long (csv's own limit is 128 KiB).
MAX_CELL = 10_000


def _csv_records(text: str, delimiter: str) -> list[list[str]]:
    """The rows of the file; a cell too long to be one of an actual, or a row the csv
    module cannot read, refuses the file with its row (and column) number."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return records
        except csv.Error as error:
            # A cell beyond csv's own field limit (128 KiB), or what else csv cannot read.
            problem = (Problem((len(records) + 1,), "cell_too_long", {"limit": MAX_CELL})
                       if "field limit" in str(error)
                       else Problem((len(records) + 1,), "unreadable_row", {"reason": str(error)}))
            raise ImportRejected([problem], csv_where) from None
        records.append(record)
        for column, cell in enumerate(record, start=1):
            if len(cell) > MAX_CELL:
                name = (records[0][column - 1].strip().lower()
                        if len(records) > 1 and column <= len(records[0]) else "")
                where = name if name in ACTUAL_FIELDS else f"column {column}"
                raise ImportRejected([Problem((len(records), where),
                                              "cell_too_long", {"limit": MAX_CELL})],
                                     csv_where)


def _read_csv(text: str) -> tuple[list[dict], list[int], list[Problem]]:
    """The rows as actual dicts (blank cells None), the row number of each, and a problem
    for each row with a value in a column without a name. A bad header row is refused at
    once: nothing below it could be read right."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many locales write ";" (or tabs) between cells.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    records = _csv_records(text, delimiter)
    if not records or not any(cell.strip() for cell in records[0]):
        raise ImportRejected([Problem((1,), "no_header", {"columns": ", ".join(REQUIRED_COLUMNS)})],
                             csv_where)
    if len(records[0]) > MAX_COLUMNS:
        raise ImportRejected([Problem((1,), "too_many_columns",
                                      {"count": len(records[0]), "limit": MAX_COLUMNS})], csv_where)
    header = [cell.strip().lower() for cell in records[0]]
    errors = []
    for name in dict.fromkeys(header):
        if name and name not in ACTUAL_FIELDS:
            errors.append(Problem((1, name), "unknown_column"))
        elif name and header.count(name) > 1:
            errors.append(Problem((1, name), "duplicate_column"))
    errors += [Problem((1,), "missing_column", {"column": name})
               for name in REQUIRED_COLUMNS if name not in header]
    if errors:
        raise ImportRejected(errors, csv_where)
    actuals, row_numbers, misshapen = [], [], []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if any(cell.strip() and (i >= len(header) or not header[i])
               for i, cell in enumerate(record)):
            misshapen.append(Problem((number,), "unnamed_column_value"))
        # Blank cells stay as None (omitted) so that problems keep the order of the columns.
        cells = dict(zip(header, record + [""] * (len(header) - len(record))))
        actuals.append({name: cell if cell.strip() else None
                        for name, cell in cells.items() if name})
        row_numbers.append(number)
    return actuals, row_numbers, misshapen
