"""Data import (SPEC 11): a JSON company file, or a CSV file of actuals.

The whole file is checked first and every problem is listed by its path
(`actuals[17].quantity: not a number`, or `row 19, quantity: not a number` in a CSV file);
a file with any error is refused and nothing is written. A file without errors is written
in one transaction. The rules live in app.services.importing.
"""

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path as FilePath

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.services.importing.reading import Path, Problems, path_text
from app.services.importing.rules import ACTUAL_FIELDS, FORMAT, check
from app.services.importing.writing import write

__all__ = ["ImportRejected", "ImportSummary", "import_actuals_csv", "import_data", "import_file"]

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


class ImportRejected(Exception):
    """The file has errors; nothing was written. `errors` are "path: message" lines."""

    def __init__(self, errors: list[str]):
        super().__init__(f"rejected with {len(errors)} error(s): {errors[0] if errors else ''}")
        self.errors = list(errors)


@dataclass
class ImportSummary:
    """What an import created (kind → count) and what it warns about."""

    created: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

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
    try:
        text = FilePath(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportRejected([f"{path}: no such file"]) from None
    except UnicodeDecodeError:
        raise ImportRejected([f"{path}: not UTF-8 text"]) from None
    except OSError as error:
        raise ImportRejected([f"{path}: {error.strerror or error}"]) from None
    suffix = FilePath(path).suffix.lower()
    if suffix == ".csv":
        return import_actuals_csv(text)
    if suffix != ".json":
        raise ImportRejected([f"{path}: not a .json or .csv file"])
    try:
        # Decimal for every number with a fraction (and NaN/Infinity), so no float ever exists.
        data = json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except json.JSONDecodeError as error:
        raise ImportRejected([f"{path}: not valid JSON: {error.msg} "
                              f"(line {error.lineno}, column {error.colno})"]) from None
    return import_data(data)


def import_data(data: dict) -> ImportSummary:
    """Check a whole data file (SPEC 11), then write it in one transaction and commit."""
    return _import(data, path_text)


def import_actuals_csv(text: str) -> ImportSummary:
    """Import actuals from CSV: a header row of actual field names, one actual per row,
    empty cells omitted. Problems are reported by row (the header is row 1) and column,
    from the same rules as actuals in a JSON file."""
    actuals, row_numbers, misshapen = _read_csv(text)

    def row_of(path: Path) -> int:
        return row_numbers[path[1]] if len(path) > 1 and isinstance(path[1], int) else 1

    def where(path: Path) -> str:
        rest = path_text(path[2:]) if len(path) > 2 else ""
        return f"row {row_of(path)}" + (f", {rest}" if rest else "")

    return _import({"format": FORMAT, "actuals": actuals}, where, misshapen, row_of)


def _import(data: object, where: Callable[[Path], str],
            misshapen: list[tuple[int, str]] | None = None,
            row_of: Callable[[Path], int] | None = None) -> ImportSummary:
    """Check everything, then write it all in one transaction, or raise ImportRejected."""
    plan, problems = check(data)
    found = Problems.in_file_order(problems.errors, data)
    errors = [f"{where(path)}: {message}" for path, message in found]
    if misshapen and row_of is not None:  # CSV rows with stray cells, among their row's problems
        ranked = misshapen + [(row_of(path), line) for (path, _), line in zip(found, errors)]
        errors = [line for _, line in sorted(ranked, key=lambda problem: problem[0])]
    if errors:
        raise ImportRejected(errors)
    try:
        created = write(plan)
        db.session.commit()
    except IntegrityError as error:
        # Only a concurrent change can get here: everything else was checked beforehand.
        db.session.rollback()
        reason = str(error.orig).splitlines()[0]
        raise ImportRejected([f"file: refused by the database, changed meanwhile? ({reason})"]
                             ) from None
    except BaseException:
        db.session.rollback()
        raise
    warnings = [f"{where(path)}: {message}"
                for path, message in Problems.in_file_order(problems.warnings, data)]
    return ImportSummary(created, warnings)


def _read_csv(text: str) -> tuple[list[dict], list[int], list[tuple[int, str]]]:
    """The rows as actual dicts (blank cells None), the row number of each, and rows
    with a value in a column without a name, as (row number, message). A bad header row
    is refused at once: nothing below it could be read right."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many locales write ";" (or tabs) between cells.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records or not any(cell.strip() for cell in records[0]):
        raise ImportRejected(["row 1: no header row (columns such as "
                              f"{', '.join(REQUIRED_COLUMNS)})"])
    header = [cell.strip().lower() for cell in records[0]]
    errors = []
    for name in dict.fromkeys(header):
        if name and name not in ACTUAL_FIELDS:
            errors.append(f"row 1, {name}: unknown column")
        elif name and header.count(name) > 1:
            errors.append(f"row 1, {name}: duplicate column")
    errors += [f"row 1: missing column '{name}'" for name in REQUIRED_COLUMNS if name not in header]
    if errors:
        raise ImportRejected(errors)
    actuals, row_numbers, misshapen = [], [], []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if any(cell.strip() and (i >= len(header) or not header[i])
               for i, cell in enumerate(record)):
            misshapen.append((number, f"row {number}: a value in a column without a name"))
        # Blank cells stay as None (omitted) so that problems keep the order of the columns.
        cells = dict(zip(header, record + [""] * (len(header) - len(record))))
        actuals.append({name: cell if cell.strip() else None
                        for name, cell in cells.items() if name})
        row_numbers.append(number)
    return actuals, row_numbers, misshapen
