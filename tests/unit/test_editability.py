"""Every cell of the SPEC 5.2-5.4 edit matrices, written out independently of the code."""
from __future__ import annotations

import pytest

from app.billing.editability import (
    DETAIL_FIELDS, HEADER_EDITABLE_FIELDS, Rule, applies_to_class, class_inputs, detail_field_rule,
    editable_detail_fields, header_field_rule, line_field_rule,
)
from app.billing.enums import BACKINGS, INVOICE_STATES, invoice_state
from app.billing.lifecycle import is_allowed
from tests.spec_matrices import DETAIL_EXPECTED, E  # SPEC 5.4, also used by the page tests

OPEN_STATES = ("draft", "in_review")
LOCKED_STATES = ("confirmed", "paid", "cancelled", "closed")
BACKING_COLUMNS = ("actual", "milestone", "none")


def as_rule(expected: str) -> Rule:
    """Turn a matrix cell into the Rule the code must return."""
    return Rule(True, None) if expected == E else Rule(False, expected)


def detail_cases():
    """(backing, field, state, creating, expected) for every cell, each with its own id."""
    for field, row in DETAIL_EXPECTED.items():
        for backing, cell in zip(BACKING_COLUMNS, row):
            for state in OPEN_STATES + LOCKED_STATES:
                for creating in (False, True):
                    expected = cell if state in OPEN_STATES else "invoice_locked"
                    if creating and state in OPEN_STATES and (backing, field) == ("none", "transaction_class"):
                        expected = E
                    yield pytest.param(
                        backing, field, state, creating, expected,
                        id=f"{backing}-{field}-{state}{'-creating' if creating else ''}")


@pytest.mark.parametrize(("backing", "field", "state", "creating", "expected"), list(detail_cases()))
def test_detail_field_rule_matches_the_spec_matrix(backing, field, state, creating, expected):
    assert detail_field_rule(backing, field, state, creating=creating) == as_rule(expected)


def test_the_matrices_cover_every_field_backing_and_state():
    assert DETAIL_FIELDS == tuple(DETAIL_EXPECTED)
    assert set(BACKINGS) == set(BACKING_COLUMNS)
    assert set(INVOICE_STATES) == set(OPEN_STATES + LOCKED_STATES)


@pytest.mark.parametrize(("args", "kwargs"), [
    (("invoice", "description", "draft"), {}),
    (("actual", "colour", "draft"), {}),
    (("actual", "description", "posted"), {}),
])
def test_detail_field_rule_rejects_unknown_names(args, kwargs):
    with pytest.raises(ValueError):
        detail_field_rule(*args, **kwargs)


def test_editable_detail_fields_of_an_actual_detail():
    assert editable_detail_fields("actual", "draft") == {
        "description", "external_description", "billing_type", "tax"}


def test_editable_detail_fields_of_a_milestone_detail():
    assert editable_detail_fields("milestone", "in_review") == {"description", "external_description"}


def test_transaction_class_of_a_new_unbacked_detail_is_chosen_only_at_creation():
    assert "transaction_class" in editable_detail_fields("none", "draft", creating=True)
    assert "transaction_class" not in editable_detail_fields("none", "draft")


@pytest.mark.parametrize("state", LOCKED_STATES)
def test_nothing_is_editable_on_a_locked_invoice(state):
    for backing in BACKINGS:
        assert editable_detail_fields(backing, state, creating=True) == frozenset()


@pytest.mark.parametrize(("state", "allowed"), [(s, s in OPEN_STATES) for s in INVOICE_STATES])
def test_details_can_be_added_only_to_draft_or_in_review(state, allowed):
    # Adding a detail is an edit: the use case checks the "edit" action.
    assert is_allowed("edit", state) is allowed


def test_the_edit_action_rejects_an_unknown_state():
    with pytest.raises(ValueError):
        is_allowed("edit", "archived")


@pytest.mark.parametrize(("transaction_class", "field", "applies"), [
    ("time", "role", True), ("time", "resource", True), ("time", "task", True),
    ("time", "category", False), ("time", "product_choice", False),
    ("expense", "category", True), ("expense", "role", False), ("expense", "resource", False),
    ("material", "product_choice", True), ("material", "product", True),
    ("fee", "product_name", False), ("milestone", "task", False),
    ("time", "quantity", True), ("milestone", "description", True),
])
def test_which_fields_apply_to_which_class(transaction_class, field, applies):
    assert applies_to_class(field, transaction_class) is applies


def test_a_field_of_another_class_is_locked_with_its_own_reason():
    rule = detail_field_rule("none", "category", "draft", transaction_class="time")
    assert rule == Rule(False, "not_for_class")
    assert "category" not in editable_detail_fields("none", "draft", transaction_class="time")
    assert "category" in editable_detail_fields("none", "draft", transaction_class="expense")
    # Without a class (the bare matrix of SPEC 5.4) every field keeps its cell.
    assert detail_field_rule("none", "category", "draft") == Rule(True)


def test_a_material_shows_the_product_fields_of_its_product_choice():
    assert class_inputs("material", None) == {"category", "task", "product_choice"}
    assert class_inputs("material", "existing") == {"category", "task", "product_choice", "product"}
    assert class_inputs("material", "write_in") >= {"product_name", "write_in_description"}
    assert class_inputs("time", "existing") == {"role", "resource", "task"}


HEADER_EXPECTED = {
    **dict.fromkeys(
        ["name", "description", "bill_to_name", "bill_to_email", "bill_to_street",
         "bill_to_postal_code", "bill_to_city", "bill_to_country", "invoice_date", "due_date",
         "discount_percent", "discount_amount", "freight_amount"], E),
    **dict.fromkeys(["detail_amount", "pre_freight_amount", "total_tax", "total_amount"], "computed"),
    **dict.fromkeys(
        ["id", "number", "currency", "price_list", "opportunity", "contract", "customer",
         "status", "project_invoice_status", "cutoff_date"], "fixed"),
}


@pytest.mark.parametrize("state", OPEN_STATES + LOCKED_STATES)
@pytest.mark.parametrize("field", HEADER_EXPECTED)
def test_header_field_rule_matches_spec_5_2(field, state):
    expected = HEADER_EXPECTED[field] if state in OPEN_STATES else "invoice_locked"
    assert header_field_rule(field, state) == as_rule(expected)


def test_header_editable_fields_are_exactly_the_editable_ones():
    assert set(HEADER_EDITABLE_FIELDS) == {f for f, c in HEADER_EXPECTED.items() if c == E}


def test_header_field_rule_rejects_an_unknown_field():
    with pytest.raises(ValueError):
        header_field_rule("colour", "draft")


LINE_EXPECTED = {
    "name": E,
    **dict.fromkeys(["contract_line", "project", "billing_method", "contract_line_amount",
                     "product", "quantity", "price"], "fixed"),
    **dict.fromkeys(["invoiced_to_date", "amount", "tax", "extended_amount"], "computed"),
}


@pytest.mark.parametrize("billing_method", [None, "time_and_material", "fixed_price", "product"])
@pytest.mark.parametrize("state", OPEN_STATES + LOCKED_STATES)
@pytest.mark.parametrize("field", LINE_EXPECTED)
def test_line_field_rule_matches_spec_5_3(field, state, billing_method):
    expected = LINE_EXPECTED[field]
    if billing_method == "product" and field == "name":
        expected = "fixed"  # product-based lines cannot be edited at all
    if state not in OPEN_STATES:
        expected = "invoice_locked"
    assert line_field_rule(field, state, billing_method=billing_method) == as_rule(expected)


@pytest.mark.parametrize(("field", "kwargs"), [("colour", {}), ("name", {"billing_method": "barter"})])
def test_line_field_rule_rejects_unknown_names(field, kwargs):
    with pytest.raises(ValueError):
        line_field_rule(field, "draft", **kwargs)


@pytest.mark.parametrize(("status", "project_status", "state"), [
    ("active", "draft", "draft"),
    ("active", "in_review", "in_review"),
    ("active", "confirmed", "confirmed"),
    ("paid", "confirmed", "paid"),
    ("cancelled", "draft", "cancelled"),
    ("cancelled", "in_review", "cancelled"),
    ("closed", "confirmed", "closed"),
])
def test_invoice_state_combines_both_status_columns(status, project_status, state):
    assert invoice_state(status, project_status) == state


@pytest.mark.parametrize(("status", "project_status"), [("open", "draft"), ("active", "approved")])
def test_invoice_state_rejects_unknown_statuses(status, project_status):
    with pytest.raises(ValueError):
        invoice_state(status, project_status)
