"""Reading the objects of an import file: typed getters that record every problem under
its path (`actuals[3].quantity`) and return None for what is missing or wrong."""

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import TypeVar

from app.billing.money import (PERCENT_PLACES, UnknownCurrency, check_places, minor_units,
                               round_money, to_decimal)

Path = tuple[str | int, ...]
Found = TypeVar("Found")

# Money columns keep value × 10^4 in a 64-bit integer; stay well inside it.
TOO_LARGE = Decimal(10) ** 12
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


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
    """The errors and warnings found in one file, each with its path."""

    def __init__(self) -> None:
        self.errors: list[tuple[Path, str]] = []
        self.warnings: list[tuple[Path, str]] = []

    def error(self, path: Path, message: str) -> None:
        self.errors.append((path, message))

    def warn(self, path: Path, message: str) -> None:
        self.warnings.append((path, message))

    @staticmethod
    def in_file_order(found: list[tuple[Path, str]], data: object) -> list[tuple[Path, str]]:
        """Sorted by position in the file; problems at the same place keep their order."""
        return sorted(found, key=lambda problem: _position(data, problem[0]))


def parse_number(value: object) -> Decimal | None:
    """A finite Decimal from a string, int or Decimal; None for anything else (bool, float…)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        return None
    try:
        return to_decimal(value)
    except (TypeError, ValueError):
        return None


def fits(value: Decimal, places: int) -> bool:
    """Whether the value needs no more than `places` decimals."""
    try:
        check_places(value, places)
    except ValueError:
        return False
    return True


_TOO_FINE = "too many decimals"


# Files repeat the same few quantities, prices and dates many times over: parse each once.
@lru_cache(maxsize=4096)
def _checked_number(raw: str | int | Decimal, places: int) -> Decimal | str:
    """The number, else what is wrong with it (_TOO_FINE: more than `places` decimals)."""
    number = parse_number(raw)
    if number is None:
        return "not a number"
    if abs(number) >= TOO_LARGE:
        return "too large"
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
        problems.error(path, "must be a list")
        return []
    items = []
    for index, entry in enumerate(value):
        if isinstance(entry, dict):
            items.append(Item(entry, path + (index,), problems))
        else:
            problems.error(path + (index,), "must be an object")
    return items


class Item:
    """One object of the file. Getters record a problem under `<path>.<field>` and
    return None when the field is missing (and not required) or wrong."""

    __slots__ = ("data", "path", "problems")

    def __init__(self, data: dict, path: Path, problems: Problems) -> None:
        self.data = data
        self.path = path
        self.problems = problems

    def fail(self, name: str | int | None, message: str) -> None:
        """Record a problem with a field, or with the whole object when name is None."""
        self.problems.error(self.path if name is None else self.path + (name,), message)

    def given(self, name: str) -> bool:
        """Present and not blank: null and "" count as omitted."""
        value = self.data.get(name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def only(self, allowed: Collection[str], elsewhere: Mapping[str, str] | None = None) -> None:
        """A problem for every field not in allowed (`elsewhere` says why, for some)."""
        for name in self.data:
            if name not in allowed:
                self.fail(name, (elsewhere or {}).get(name, "unknown field"))

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
            self.fail(name, "must be text")
            return None
        text = raw.strip()
        if limit is not None and len(text) > limit:
            self.fail(name, f"longer than {limit} characters")
            return None
        return text

    def email(self, name: str) -> str | None:
        address = self.text(name, limit=254)
        if address is not None and not _EMAIL.fullmatch(address):
            self.fail(name, "not an e-mail address")
            return None
        return address

    def country(self, name: str) -> str | None:
        code = self.text(name, limit=None)
        if code is None:
            return None
        if len(code) != 2 or not (code.isascii() and code.isalpha()):
            self.fail(name, "must be a 2-letter ISO 3166 country code")
            return None
        return code.upper()

    def currency(self, name: str, required: bool = True) -> str | None:
        code = self.text(name, required, limit=None)
        if code is None:
            return None
        code = code.upper()
        try:
            minor_units(code)
        except UnknownCurrency:
            self.fail(name, f"unknown currency '{code}'")
            return None
        return code

    def _decimal(self, name: str, required: bool, places: int, too_fine: str,
                 minimum: Decimal | None) -> Decimal | None:
        raw = self.value(name, required)
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (str, int, Decimal)):
            self.fail(name, 'must be a string such as "7.5", not a float' if isinstance(raw, float)
                      else "not a number")
            return None
        number = _checked_number(raw, places)
        if not isinstance(number, Decimal):
            self.fail(name, too_fine if number is _TOO_FINE else number)
        elif minimum is not None and number < minimum:
            self.fail(name, "must not be negative" if minimum == 0
                      else f"must be at least {minimum}")
        else:
            return number
        return None

    def number(self, name: str, required: bool = True, places: int = 4,
               minimum: Decimal | None = None) -> Decimal | None:
        """A quantity or price: at most `places` decimals."""
        return self._decimal(name, required, places, f"more than {places} decimals", minimum)

    def money(self, name: str, currency: str | None, required: bool = True,
              minimum: Decimal | None = None) -> Decimal | None:
        """An amount in the currency, with no more decimals than it has minor units."""
        if currency is None:  # unknown because of another problem: check the rest
            return self.number(name, required, minimum=minimum)
        places = minor_units(currency)
        amount = self._decimal(name, required, places,
                               f"more decimals than {currency} allows ({places})", minimum)
        return None if amount is None else round_money(amount, currency)

    def percent(self, name: str, required: bool = True) -> Decimal | None:
        rate = self.number(name, required, places=PERCENT_PLACES)
        if rate is not None and not 0 <= rate <= 100:
            self.fail(name, "must be between 0 and 100")
            return None
        return rate

    def date(self, name: str, required: bool = True) -> dt.date | None:
        raw = self.value(name, required)
        if raw is None:
            return None
        day = _parsed_date(raw) if isinstance(raw, str) else None
        if day is None:
            self.fail(name, "not a date (YYYY-MM-DD)")
        return day

    def choice(self, name: str, options: Iterable[str], required: bool = True,
               default: str | None = None) -> str | None:
        raw = self.value(name, required)
        if raw is None:
            return default
        value = raw.strip().lower() if isinstance(raw, str) else raw
        if value not in options:
            self.fail(name, f"must be one of {', '.join(options)}")
            return None
        return value

    def flag(self, name: str, default: bool) -> bool | None:
        raw = self.data.get(name)
        if raw is None:
            return default
        if isinstance(raw, bool):
            return raw
        self.fail(name, "must be true or false")
        return None

    def ref(self, name: str, find: Callable[[str], Found | None], label: str,
            required: bool = True) -> Found | None:
        """The record a key refers to; `unknown <label> '<key>'` when there is none."""
        key = self.text(name, required, limit=None)
        if key is None:
            return None
        found = find(key)
        if found is None:
            self.fail(name, f"unknown {label} '{key}'")
        return found

    def child(self, name: str, required: bool = True) -> "Item | None":
        raw = self.value(name, required)
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.fail(name, "must be an object")
            return None
        return Item(raw, self.path + (name,), self.problems)

    def children(self, name: str, required: bool = False) -> list["Item"]:
        return items_of(self.data.get(name), self.path + (name,), self.problems, required)
