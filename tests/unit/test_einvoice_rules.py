"""The e-invoice rules that need no XML: unit codes, VAT categories and whether SPEC 6's
rounding (per detail, then added) passes EN 16931's check of the tax per category."""

from decimal import Decimal

import pytest

from app.billing.einvoice import (category_tax_difference, row_rate, tax_reconciles, unit_code,
                                  vat_category)
from app.billing.money import round_money


@pytest.mark.parametrize("key, code", [
    ("hour", "HUR"), ("day", "DAY"), ("each", "C62"), ("km", "KMT"), ("month", "MON"),
    ("piece", "H87"), ("Hour", "HUR"), ("furlong", "C62"), ("", "C62"), (None, "C62"),
])
def test_unit_codes_are_un_ece_rec_20(key, code):
    assert unit_code(key) == code


@pytest.mark.parametrize("rate, treatment, category", [
    (Decimal(25), "standard", "S"), (Decimal("0.01"), "standard", "S"),
    (Decimal(0), "standard", "Z"), (Decimal(0), "exempt", "E"), (Decimal(25), "exempt", "E"),
    (Decimal(0), "out_of_scope", "O"),
])
def test_vat_category_of_a_rate_and_a_customer(rate, treatment, category):
    assert vat_category(rate, treatment) == category


def test_an_unknown_treatment_is_an_error():
    with pytest.raises(ValueError):
        vat_category(Decimal(25), "reverse_charge")


def test_a_row_with_its_tax_set_to_zero_is_zero_rated():
    assert row_rate(Decimal(25), Decimal("100.00"), Decimal("0.00")) == 0
    assert row_rate(Decimal(25), Decimal("0.00"), Decimal("0.00")) == 25
    assert row_rate(Decimal(25), Decimal("100.00"), Decimal("25.00")) == 25


def test_three_details_of_two_cents_differ_by_a_cent_and_pass():
    per_detail = round_money(Decimal("0.02") * 25 / 100, "DKK")  # 0.005 → 0.01 half-up
    ours = 3 * per_detail
    assert ours == Decimal("0.03")
    difference = category_tax_difference(Decimal("0.06"), Decimal(25), ours, "DKK")
    assert difference == Decimal("0.01")  # against round(0.015) = 0.02
    assert tax_reconciles(difference)


def test_many_details_that_drift_by_one_unit_or_more_are_refused():
    ours = 200 * Decimal("0.01")  # 200 details of 0.02: the rules compute 1.00
    difference = category_tax_difference(Decimal("4.00"), Decimal(25), ours, "DKK")
    assert difference == Decimal("1.00") and not tax_reconciles(difference)  # strictly < 1
    difference = category_tax_difference(Decimal("3.98"), Decimal(25), 199 * Decimal("0.01"),
                                         "DKK")
    assert difference == Decimal("0.99") and tax_reconciles(difference)  # 1.99 − round(0.995)
    assert not tax_reconciles(category_tax_difference(Decimal("8.00"), Decimal(25),
                                                      Decimal("4.00"), "DKK"))


def test_the_difference_compares_absolute_values_as_the_rules_do():
    # A credit note's negative amounts, and JPY (the rules round to 2 decimals anyway).
    assert category_tax_difference(Decimal("-0.06"), Decimal(25), Decimal("-0.03"), "DKK") == (
        Decimal("0.01"))
    assert category_tax_difference(Decimal("1234"), Decimal(25), Decimal("309"), "JPY") == (
        Decimal("0.50"))
    assert category_tax_difference(Decimal("13525.00"), Decimal(25), Decimal("3381.25"),
                                   "DKK") == 0


def test_half_up_on_the_absolute_value_is_the_rules_rounding():
    # XPath round() of 0.125 × 100 = 12.5 rounds up to 13: as ROUND_HALF_UP does.
    assert category_tax_difference(Decimal("0.50"), Decimal(25), Decimal("0.13"), "DKK") == 0
    assert category_tax_difference(Decimal("-0.50"), Decimal(25), Decimal("-0.13"), "DKK") == 0
