"""Import problems as data (app.services.importing.problems): one table maps each code to
its message, in English for the command line (SPEC 11) and translated for the pages."""

import ast
import re
from pathlib import Path

import pytest

from app.services.importing.problems import KINDS, MESSAGES, Problem

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "app" / "services" / "importing").glob("*.py")) + [
    ROOT / "app" / "services" / "importer.py"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.mark.parametrize("code, params, english", [
    ("required", {}, "required"),
    ("not_a_number", {}, "not a number"),
    ("too_many_decimals", {"places": 4}, "more than 4 decimals"),
    ("too_many_decimals_for_currency", {"currency": "DKK", "places": 2},
     "more decimals than DKK allows (2)"),
    ("unknown_reference", {"kind": "project", "key": "nope"}, "unknown project 'nope'"),
    ("unknown_reference", {"kind": "price list", "key": "eur"}, "unknown price list 'eur'"),
    ("duplicate_key", {"key": "acme"}, "duplicate key 'acme'"),
    ("key_exists", {"key": "a1"}, "'a1' already exists"),
    ("not_one_of", {"options": "unbilled, ready"}, "must be one of unbilled, ready"),
    ("float_number", {}, 'must be a string such as "7.5", not a float'),
    ("no_price", {"kind": "role", "key": "dev", "unit": "day", "price_list": "dkk"},
     "no price for role 'dev' per 'day' in price list 'dkk'"),
    ("missing_column", {"column": "unit"}, "missing column 'unit'"),
    ("invalid_schedule", {"reason": "the end date is before the start date"},
     "the end date is before the start date"),
    ("milestones_differ", {"total": "25000.00", "amount": "50000.00"},
     "milestones add up to 25000.00, the line amount is 50000.00"),
])
def test_a_problem_reads_in_english_from_its_code_and_params(code, params, english):
    assert Problem(("actuals", 3, "quantity"), code, params).message() == english


def test_a_key_with_a_percent_sign_is_shown_as_it_is():
    problem = Problem(("actuals", 0, "key"), "duplicate_key", {"key": "50%(x)s"})
    assert problem.message() == "duplicate key '50%(x)s'"


def test_problems_are_frozen_values():
    problem = Problem((1, "unit"), "unknown_reference", {"kind": "unit", "key": "crate"})
    assert problem == Problem((1, "unit"), "unknown_reference", {"key": "crate", "kind": "unit"})
    assert len({problem, Problem((1, "unit"), "unknown_reference",
                                 {"kind": "unit", "key": "crate"})}) == 1
    with pytest.raises(AttributeError):
        problem.code = "required"


def _recorded_problems():
    """(file, line, code, param names or None when not spelled out) of every problem the
    import code records: fail/error/warn(…, "code", name=…), refused("code", …) and
    Problem(path, "code", {…})."""
    for source in SOURCES:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", None)
            position = {"fail": 1, "error": 1, "warn": 1, "refused": 0, "Problem": 1}.get(name)
            if position is None or len(node.args) <= position:
                continue
            code = node.args[position]
            if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
                continue  # a code chosen elsewhere (checked where it is chosen)
            names = {keyword.arg for keyword in node.keywords}
            if None in names:
                names = None  # **params
            elif name == "Problem":
                params = node.args[2] if len(node.args) > 2 else None
                names = (None if params is not None and not isinstance(params, ast.Dict)
                         else {key.value for key in params.keys} if params is not None else set())
            yield source.name, node.lineno, code.value, names


def test_every_problem_the_importer_records_has_a_message_with_its_params():
    recorded = list(_recorded_problems())
    assert len(recorded) > 50  # the scan sees the calls
    wrong = [(file, line, code, names) for file, line, code, names in recorded
             if code not in MESSAGES
             or (names is not None and names != set(PLACEHOLDER.findall(MESSAGES[code])))]
    assert wrong == []


def test_every_kind_named_in_a_message_is_translated():
    assert {"project", "customer", "price list", "role", "category", "resource", "product",
            "unit"} <= KINDS.keys()
