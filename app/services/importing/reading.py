"""Reading the objects of an import file: typed getters that record every problem under
its path (`actuals[3].quantity`) and return None for what is missing or wrong."""

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import TypeVar

from app.billing.money import PERCENT_PLACES, minor_units, round_money, to_decimal
from app.billing.values import (fits, is_country, is_currency, is_email, text_problem,
                                too_large)
from app.services.importing.problems import Path, Problem

Found = TypeVar("Found")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def path_text(path: Path) -> str:
    """`contracts[0].lines[1].amount`; the whole file is `file`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "file"


def _position(data: object, path: Path) -> list[int]:
    """Where a path points in the file: list items by index, fields by their place in
    their object (a missing field after the ones present)."""
    position = []
    node = data
    for part in path:
        if isinstance(part, int):
            position.append(part)
            node = node[part] if isinstance(node, list) and part < len(node) else None
        elif isinstance(node, dict):
            names = list(node)
            position.append(names.index(part) if part in node else len(names))
            node = node.get(part)
        else:
            position.append(0)
            node = None
    return position


class Problems:
    """The errors and warnings found in one file, each a Problem: its path, a code of
    problems.MESSAGES and the values of its message."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, path: Path, code: str, /, **params: object) -> None:
        self.errors.append(Problem(path, code, params))

    def warn(self, path: Path, code: str, /, **params: object) -> None:
        self.warnings.append(Problem(path, code, params))

    @staticmethod
    def in_file_order(found: list[Problem], data: object) -> list[Problem]:
        """Sorted by position in the file; problems at the same place keep their order."""
        return sorted(found, key=lambda problem: _position(data, problem.path))


# The format nests six levels (contracts[0].lines[0].schedule.days[0]); a file nested far
# deeper is not one of ours, and walking it would only cost time and memory.
MAX_DEPTH = 10


def unstorable_text(data: object) -> list[Problem]:
    """A problem for every string of the file (value or field name) the database cannot
    store (a NUL byte, a lone surrogate: app.billing.values.text_problem), and for nesting
    deeper than the format goes. Checked before anything else reads the file: no such
    string may reach a query. Walks without recursion, so no file can exhaust the stack."""
    found: list[Problem] = []
    stack: list[tuple[object, Path]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        depth = len(path)
        if isinstance(node, str):
            kind = text_problem(node, multiline=True)
            if kind is not None:
                found.append(Problem(path, f"text_{kind}"))
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            found.append(Problem(path, "nested_too_deep", {"levels": MAX_DEPTH}))
            continue
        if isinstance(node, dict):
            children = []
            for name, value in node.items():
                kind = text_problem(name, multiline=True)
                if kind is not None:
                    # The name itself cannot be printed as it is: its characters escaped.
                    found.append(Problem(path + (ascii(name)[1:-1],), f"field_name_{kind}"))
                else:
                    children.append((value, path + (name,)))
        else:
            children = [(value, path + (index,)) for index, value in enumerate(node)]
        stack.extend(reversed(children))
    return found


def parse_number(value: object) -> Decimal | None:
    """A finite Decimal from a string, int or Decimal; None for anything else (bool, float…)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        return None
    try:
        return to_decimal(value)
    except (TypeError, ValueError):
        return None


_TOO_FINE = "too_many_decimals"


# Files repeat the same few quantities, prices and dates many times over: parse each once.
@lru_cache(maxsize=4096)
def _checked_number(raw: str | int | Decimal, places: int) -> Decimal | str:
    """The number, else the code of what is wrong with it (_TOO_FINE: more than `places`
    decimals)."""
    number = parse_number(raw)
    if number is None:
        return "not_a_number"
    if too_large(number):
        return "too_large"
    if not fits(number, places):
        return _TOO_FINE
    return number


@lru_cache(maxsize=4096)
def _parsed_date(raw: str) -> dt.date | None:
    text = raw.strip()
    if not _DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def items_of(value: object, path: Path, problems: Problems, required: bool = False) -> list["Item"]:
    """The objects of a list field; a problem for a non-list and for each non-object entry."""
    if value is None:
        if required:
            problems.error(path, "required")
        return []
    if not isinstance(value, list):
        problems.error(path, "not_a_list")
        return []
    items = []
    for index, entry in enumerate(value):
        if isinstance(entry, dict):
            items.append(Item(entry, path + (index,), problems))
        else:
            problems.error(path + (index,), "not_an_object")
    return items


class Item:
    """One object of the file. Getters record a problem under `<path>.<field>` and
    return None when the field is missing (and not required) or wrong."""

    __slots__ = ("data", "path", "problems")

    def __init__(self, data: dict, path: Path, problems: Problems) -> None:
        self.data = data
        self.path = path
        self.problems = problems

    def fail(self, name: str | int | None, code: str, /, **params: object) -> None:
        """Record a problem with a field, or with the whole object when name is None."""
        self.problems.errors.append(
            Problem(self.path if name is None else self.path + (name,), code, params))

    def given(self, name: str) -> bool:
        """Present and not blank: null and "" count as omitted."""
        value = self.data.get(name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def only(self, allowed: Collection[str],
             elsewhere: Mapping[str, tuple[str, dict]] | None = None) -> None:
        """A problem for every field not in allowed (`elsewhere` says why, for some: the
        code and params of the problem)."""
        for name in self.data:
            if name not in allowed:
                code, params = (elsewhere or {}).get(name, ("unknown_field", {}))
                self.fail(name, code, **params)

    def value(self, name: str, required: bool = True) -> object:
        """The raw value of a field, None when omitted (a problem if it is required)."""
        value = self.data.get(name)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
        if required:
            self.fail(name, "required")
        return None

    def text(self, name: str, required: bool = True, limit: int | None = 200) -> str | None:
        raw = self.value(name, required)
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.fail(name, "not_text")
            return None
        text = raw.strip()
        if limit is not None and len(text) > limit:
            self.fail(name, "too_long", limit=limit)
            return None
        return text

    def email(self, name: str) -> str | None:
        address = self.text(name, limit=254)
        if address is not None and not is_email(address):
            self.fail(name, "not_an_email")
            return None
        return address

    def country(self, name: str) -> str | None:
        code = self.text(name, limit=None)
        if code is None:
            return None
        code = code.upper()
        if not is_country(code):
            self.fail(name, "not_a_country")
            return None
        return code

    def currency(self, name: str, required: bool = True) -> str | None:
        code = self.text(name, required, limit=None)
        if code is None:
            return None
        code = code.upper()
        if not is_currency(code):
            self.fail(name, "unknown_currency", currency=code)
            return None
        return code

    def _decimal(self, name: str, required: bool, places: int, currency: str | None,
                 minimum: Decimal | None) -> Decimal | None:
        """A number with at most `places` decimals (those of `currency`, when given)."""
        raw = self.value(name, required)
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (str, int, Decimal)):
            self.fail(name, "float_number" if isinstance(raw, float) else "not_a_number")
            return None
        number = _checked_number(raw, places)
        if not isinstance(number, Decimal):
            if number is not _TOO_FINE:
                self.fail(name, number)
            elif currency is None:
                self.fail(name, "too_many_decimals", places=places)
            else:
                self.fail(name, "too_many_decimals_for_currency", currency=currency,
                          places=places)
        elif minimum is not None and number < minimum:
            if minimum == 0:
                self.fail(name, "negative")
            else:
                self.fail(name, "below_minimum", minimum=minimum)
        else:
            return number
        return None

    def number(self, name: str, required: bool = True, places: int = 4,
               minimum: Decimal | None = None) -> Decimal | None:
        """A quantity or price: at most `places` decimals."""
        return self._decimal(name, required, places, None, minimum)

    def money(self, name: str, currency: str | None, required: bool = True,
              minimum: Decimal | None = None) -> Decimal | None:
        """An amount in the currency, with no more decimals than it has minor units."""
        if currency is None:  # unknown because of another problem: check the rest
            return self.number(name, required, minimum=minimum)
        places = minor_units(currency)
        amount = self._decimal(name, required, places, currency, minimum)
        return None if amount is None else round_money(amount, currency)

    def percent(self, name: str, required: bool = True) -> Decimal | None:
        rate = self.number(name, required, places=PERCENT_PLACES)
        if rate is not None and not 0 <= rate <= 100:
            self.fail(name, "not_a_percentage")
            return None
        return rate

    def date(self, name: str, required: bool = True) -> dt.date | None:
        raw = self.value(name, required)
        if raw is None:
            return None
        day = _parsed_date(raw) if isinstance(raw, str) else None
        if day is None:
            self.fail(name, "not_a_date")
        return day

    def choice(self, name: str, options: Iterable[str], required: bool = True,
               default: str | None = None) -> str | None:
        raw = self.value(name, required)
        if raw is None:
            return default
        value = raw.strip().lower() if isinstance(raw, str) else raw
        if value not in options:
            self.fail(name, "not_one_of", options=", ".join(options))
            return None
        return value

    def flag(self, name: str, default: bool) -> bool | None:
        raw = self.data.get(name)
        if raw is None:
            return default
        if isinstance(raw, bool):
            return raw
        self.fail(name, "not_a_flag")
        return None

    def ref(self, name: str, find: Callable[[str], Found | None], label: str,
            required: bool = True) -> Found | None:
        """The record a key refers to; `unknown <label> '<key>'` when there is none (label:
        one of problems.KINDS)."""
        key = self.text(name, required, limit=None)
        if key is None:
            return None
        found = find(key)
        if found is None:
            self.fail(name, "unknown_reference", kind=label, key=key)
        return found

    def child(self, name: str, required: bool = True) -> "Item | None":
        raw = self.value(name, required)
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.fail(name, "not_an_object")
            return None
        return Item(raw, self.path + (name,), self.problems)

    def children(self, name: str, required: bool = False) -> list["Item"]:
        return items_of(self.data.get(name), self.path + (name,), self.problems, required)
