"""The credit-note rules of app.billing.corrections (issue 14), without Flask: differences,
refusals of a correction that would bill more, billed-sales rows, the header as corrected
minus billed (SPEC 6 on both sides) and its tax per rate; and every cell of the
credit-note column of the edit matrix."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.billing.corrections import (Billed, BilledHeader, Corrected, FreightOutOfRange,
                                     corrected, correction_header, correction_problems,
                                     difference, fully_credited, header_taxes, sales_of)
from app.billing.editability import (CORRECTION_DETAIL_FIELDS, Rule, detail_field_rule,
                                     editable_detail_fields, header_field_rule,
                                     line_field_rule)
from app.billing.lifecycle import is_allowed
from app.billing.totals import TaxedAmount, default_tax, header_totals, tax_summary
from tests.spec_matrices import CORRECTION_EXPECTED, CORRECTION_HEADER_EDITABLE, E

TIME = Billed("chargeable", D("7.5"), D("950.00"), D("7125.00"), D("1781.25"))
RATE = D(25)


def fix(billed=TIME, **kw) -> Corrected:
    kw.setdefault("quantity", billed.quantity)
    return corrected(billed, rate=RATE, currency="DKK", **kw)


# ---------------------------------------------------------------- one detail

def test_full_credit_takes_everything_back():
    nothing = fix(quantity=D(0))
    assert (nothing.amount, nothing.tax) == (D("0.00"), D("0.00"))
    diff = difference(TIME, nothing)
    assert (diff.quantity, diff.amount, diff.tax, diff.extended_amount) == (
        D("-7.5"), D("-7125.00"), D("-1781.25"), D("-8906.25"))
    assert fully_credited(nothing)


def test_partial_credit_is_the_difference_rounded_per_spec_6():
    five = fix(quantity=D(5))
    assert (five.amount, five.tax) == (D("4750.00"), D("1187.50"))
    diff = difference(TIME, five)
    assert (diff.quantity, diff.amount, diff.tax) == (D("-2.5"), D("-2375.00"), D("-593.75"))
    assert not fully_credited(five)


def test_a_price_correction_keeps_the_quantity():
    billed = Billed("chargeable", D(3), D("33.33"), D("99.99"), D("25.00"))
    dearer = fix(billed, price=D("33.3333"))  # 3 × 33.3333 = 99.9999 → 100.00: more
    assert dearer.amount == D("100.00")
    assert correction_problems("none", billed, dearer) == {"corrected_price": "price_range"}
    lower = fix(billed, price=D("30"))
    assert (lower.amount, lower.tax) == (D("90.00"), D("22.50"))
    assert difference(billed, lower).quantity == 0
    assert difference(billed, lower).amount == D("-9.99")


def test_an_entered_tax_off_the_rate_is_credited_in_proportion():
    exempt = Billed("chargeable", D(10), D(100), D("1000.00"), D("0.00"))
    assert fix(exempt, quantity=D(4)).tax == D("0.00")
    odd = Billed("chargeable", D(10), D(100), D("1000.00"), D("120.00"))
    assert fix(odd, quantity=D(4)).tax == D("48.00")
    assert fix(odd, quantity=D(10)).tax == D("120.00")


def test_making_a_row_complimentary_credits_it_and_books_it_as_complimentary():
    gift = fix(billing_type="complimentary")
    assert correction_problems("actual", TIME, gift) == {}
    diff = difference(TIME, gift)
    assert (diff.amount, diff.tax) == (D("-7125.00"), D("-1781.25"))
    assert [(s.billing_type, s.quantity, s.amount) for s in sales_of(TIME, gift)] == [
        ("chargeable", D("-7.5"), D("-7125.00")), ("complimentary", D("7.5"), D("7125.00"))]
    assert not fully_credited(gift)  # still delivered, now free: the actual stays posted


def test_an_unchanged_row_posts_nothing_and_a_changed_one_posts_its_difference():
    assert sales_of(TIME, fix()) == []
    [sale] = sales_of(TIME, fix(quantity=D(5)))
    assert (sale.billing_type, sale.quantity, sale.price, sale.amount, sale.tax) == (
        "chargeable", D("-2.5"), D("950.00"), D("-2375.00"), D("-593.75"))


@pytest.mark.parametrize(("changes", "expected"), [
    ({"quantity": D(8)}, {"corrected_quantity": "quantity_range"}),
    ({"quantity": D(-1)}, {"corrected_quantity": "quantity_range"}),
    ({"price": D("950.01")}, {"corrected_price": "price_range"}),
    ({"price": D(-1)}, {"corrected_price": "price_range"}),
    ({"tax": D("1781.26")}, {"corrected_tax": "tax_range"}),
    ({"tax": D(-1)}, {"corrected_tax": "tax_range"}),
    ({"quantity": D(1), "tax": D("1000.00")}, {"corrected_tax": "tax_above_amount"}),
])
def test_a_correction_never_bills_more_than_was_billed(changes, expected):
    assert correction_problems("actual", TIME, fix(**changes)) == expected


def test_a_non_chargeable_row_cannot_be_made_chargeable_by_a_correction():
    free = Billed("non_chargeable", D("7.5"), D("950.00"), D("7125.00"), D("1781.25"))
    assert correction_problems("actual", free, fix(free, billing_type="chargeable")) == {
        "corrected_billing_type": "bills_more"}
    assert correction_problems("actual", free, fix(free, billing_type="complimentary")) == {}


def test_milestones_are_credited_whole_or_not_at_all():
    milestone = Billed("chargeable", D(1), D("1000.00"), D("1000.00"), D("250.00"))
    assert correction_problems("milestone", milestone, fix(milestone, quantity=D(0))) == {}
    assert correction_problems("milestone", milestone, fix(milestone)) == {}
    assert correction_problems("milestone", milestone, fix(milestone, quantity=D("0.5"))) == {
        "corrected_quantity": "milestone_whole"}


def test_product_line_quantity_between_zero_and_billed():
    product = Billed("chargeable", D(2), D("100.00"), D("200.00"), D("50.00"))
    assert correction_problems("product", product, fix(product, quantity=D(1))) == {}
    assert correction_problems("product", product, fix(product, quantity=D(3))) == {
        "corrected_quantity": "quantity_range"}


def test_jpy_has_no_decimals_to_round_to():
    yen = Billed("chargeable", D("7.5"), D("1333"), D("9998"), D("1000"))
    five = corrected(yen, quantity=D(5), rate=D(10), currency="JPY")
    assert (five.amount, five.tax) == (D("6665"), D("667"))  # 666.5 rounds half up
    assert difference(yen, five).amount == D("-3333")


# ---------------------------------------------------------------- the header

def billed_header(detail="10000.00", percent=None, discount="0.00", freight="0.00"):
    return BilledHeader(D(detail), None if percent is None else D(percent), D(discount), D(freight))


def test_full_credit_of_a_discount_and_freight_invoice_negates_its_header():
    original = header_totals([TaxedAmount(RATE, D("10000.00"), D("2500.00"))], "DKK", RATE,
                             D(10), freight_amount=D("150.00"))
    billed = billed_header(percent="10", discount=original.discount_amount, freight="150.00")
    header = correction_header(D("-10000.00"), D("-2500.00"), "DKK", RATE, billed, D(0)).totals
    assert header.detail_amount == -original.detail_amount
    assert header.discount_amount == -original.discount_amount == D("-1000.00")
    assert header.freight_amount == D("-150.00")
    assert header.total_tax == -original.total_tax
    assert header.total_amount == -original.total_amount


def test_partial_credit_with_a_percent_discount_takes_back_its_share():
    billed = billed_header(percent="10", discount="1000.00")
    header = correction_header(D("-2375.00"), D("-593.75"), "DKK", RATE, billed, D(0)).totals
    # corrected detail 7625.00 → discount 762.50: 237.50 of the discount comes back.
    assert header.discount_amount == D("-237.50")
    assert header.pre_freight_amount == D("-2137.50")
    assert header.total_tax == D("-593.75") + D("59.37")  # − (190.63 − 250.00)
    assert header.total_amount == header.pre_freight_amount + header.total_tax


def test_a_fixed_discount_stays_unless_the_corrected_amount_falls_below_it():
    billed = billed_header(discount="500.00")
    assert correction_header(D("-2000.00"), D("-500.00"), "DKK", RATE, billed,
                             D(0)).totals.discount_amount == D("0.00")
    assert correction_header(D("-9800.00"), D("-2450.00"), "DKK", RATE, billed,
                             D(0)).totals.discount_amount == D("-300.00")


def test_the_corrected_freight_is_between_zero_and_the_billed_freight():
    billed = billed_header(freight="150.00")
    kept = correction_header(D("-100.00"), D("-25.00"), "DKK", RATE, billed, D("150.00")).totals
    assert kept.freight_amount == 0
    with pytest.raises(FreightOutOfRange):
        correction_header(D("-100.00"), D("-25.00"), "DKK", RATE, billed, D("150.01"))


def test_the_tax_per_rate_of_a_credit_note_adds_up_with_the_header_differences():
    # The discount's tax on each side rounds on its own: 1.2525 → 1.25 and 2.505 → 2.51.
    billed = billed_header(detail="100.20", percent="10", discount="10.02")
    header = correction_header(D("-50.10"), D("-12.53"), "DKK", RATE, billed, D(0))
    totals = header.totals
    assert totals.discount_amount == D("-5.01")
    discount_tax, freight_tax = header_taxes(billed, totals.discount_amount,
                                             totals.freight_amount, RATE, "DKK")
    assert (discount_tax, freight_tax) == (header.discount_tax, header.freight_tax)
    assert discount_tax == D("-1.26")  # not round(−5.01 × 25 %) = −1.25
    summary = tax_summary([TaxedAmount(RATE, D("-50.10"), D("-12.53"))], "DKK", RATE,
                          totals.discount_amount, totals.freight_amount, totals.total_tax,
                          discount_tax=discount_tax, freight_tax=freight_tax)
    assert sum(r.tax for r in summary) == totals.total_tax
    assert default_tax(D("5.01"), RATE, "DKK") == D("1.25")


# ---------------------------------------------------------------- the credit-note column

def as_rule(expected: str) -> Rule:
    return Rule(True, None) if expected == E else Rule(False, expected)


def correction_cases():
    for field, row in CORRECTION_EXPECTED.items():
        for backing, cell in zip(("actual", "milestone", "none"), row):
            for state in ("draft", "in_review", "confirmed", "paid", "cancelled", "closed"):
                expected = cell if state in ("draft", "in_review") else "invoice_locked"
                yield pytest.param(backing, field, state, expected,
                                   id=f"{backing}-{field}-{state}")


@pytest.mark.parametrize(("backing", "field", "state", "expected"), list(correction_cases()))
def test_credit_note_detail_rule_matches_the_matrix(backing, field, state, expected):
    assert detail_field_rule(backing, field, state, invoice_type="credit_note") == as_rule(expected)


def test_the_credit_note_matrix_covers_every_field():
    assert set(CORRECTION_DETAIL_FIELDS) == set(CORRECTION_EXPECTED)
    assert editable_detail_fields("milestone", "draft", invoice_type="credit_note") == {
        "description", "external_description", "corrected_quantity"}
    # The corrected values mean nothing on an invoice.
    with pytest.raises(ValueError):
        detail_field_rule("actual", "corrected_quantity", "draft")


@pytest.mark.parametrize("field", ["name", "description", "invoice_date", "due_date",
                                   "corrected_freight_amount", "bill_to_name", "bill_to_email",
                                   "discount_percent", "discount_amount", "freight_amount",
                                   "total_amount", "number", "currency"])
def test_credit_note_header_keeps_what_its_original_says(field):
    rule = header_field_rule(field, "draft", invoice_type="credit_note")
    assert rule.editable == (field in CORRECTION_HEADER_EDITABLE)
    assert not header_field_rule(field, "confirmed", invoice_type="credit_note").editable
    if field == "corrected_freight_amount":
        with pytest.raises(ValueError):
            header_field_rule(field, "draft")


def test_credit_note_lines_take_a_corrected_quantity_only_on_product_lines():
    assert line_field_rule("corrected_quantity", "draft", billing_method="product",
                           invoice_type="credit_note").editable
    assert not line_field_rule("corrected_quantity", "draft", billing_method="time_and_material",
                               invoice_type="credit_note").editable
    assert not line_field_rule("name", "draft", billing_method="time_and_material",
                               invoice_type="credit_note").editable


@pytest.mark.parametrize(("action", "state", "invoice_type", "allowed"), [
    ("correct", "confirmed", "invoice", True), ("correct", "paid", "invoice", True),
    ("correct", "draft", "invoice", False), ("correct", "confirmed", "credit_note", False),
    ("refresh", "draft", "credit_note", False), ("mark_paid", "confirmed", "credit_note", False),
    ("confirm", "draft", "credit_note", True), ("delete", "draft", "credit_note", True),
    ("send", "confirmed", "credit_note", True), ("edit", "in_review", "credit_note", True),
])
def test_what_a_credit_note_may_do(action, state, invoice_type, allowed):
    assert is_allowed(action, state, invoice_type) is allowed
