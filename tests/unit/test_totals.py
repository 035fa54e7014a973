"""Detail, line and header totals (SPEC 6): worked examples and properties."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.billing.enums import BILLING_TYPES, CHARGEABLE
from app.billing.money import minor_units
from app.billing.totals import (
    DetailValues, DiscountOutOfRange, HeaderTotals, LineTotals, NegativeFreight,
    TaxRateOutOfRange, TooManyDecimals, default_tax, detail_amount, extended_amount,
    header_totals, line_totals, product_line_totals,
)

# No example database: the repo root stays clean and runs stay reproducible.
PROPERTY = settings(deadline=None, database=None, max_examples=200)
CURRENCIES = ["DKK", "MYR", "JPY", "KWD"]
NOT_ADDING = [b for b in BILLING_TYPES if b != CHARGEABLE]


def line(amount: str, tax: str) -> LineTotals:
    """A line as the line totals would produce it."""
    return LineTotals(D(amount), D(tax), D(amount) + D(tax))


# --- worked examples -------------------------------------------------------------

def test_the_spec_json_example_detail():
    amount = detail_amount(D("7.5"), D("950.00"), "DKK")
    tax = default_tax(amount, D("25"), "DKK")
    assert (str(amount), str(tax), str(extended_amount(amount, tax))) == ("7125.00", "1781.25", "8906.25")


def test_detail_amount_rounds_once_half_up():
    assert detail_amount(D("0.3333"), D("10.0150"), "DKK") == D("3.34")  # 3.33799…
    assert detail_amount(D("1.5"), D("0.003"), "DKK") == D("0.00")  # 0.0045 rounds down
    assert detail_amount(D("1.5"), D("0.0030"), "KWD") == D("0.005")  # 0.0045 half-up
    assert detail_amount(D("-2"), D("1.2225"), "DKK") == D("-2.45")  # credit: away from zero


def test_jpy_has_no_decimals():
    amount = detail_amount(D("3"), D("333.3333"), "JPY")
    tax = default_tax(amount, D("10"), "JPY")
    assert (str(amount), str(tax)) == ("1000", "100")
    totals = header_totals([line("12345", "1235")], "JPY", D("10"), discount_percent=D("5"))
    assert str(totals.discount_amount) == "617"  # 617.25
    assert str(totals.total_tax) == "1173"  # 1235 − round(61.7) + 0
    assert str(totals.total_amount) == "12901"


def test_kwd_has_three_decimals():
    amount = detail_amount(D("1.5"), D("0.333"), "KWD")
    assert str(amount) == "0.500"  # 0.4995
    assert str(default_tax(amount, D("5"), "KWD")) == "0.025"
    assert str(line_totals([DetailValues(CHARGEABLE, amount, D("0.025"))], "KWD").extended_amount) == "0.525"


def test_line_totals_count_only_chargeable_details():
    details = [
        DetailValues("chargeable", D("7125.00"), D("1781.25")),
        DetailValues("chargeable", D("950.00"), D("237.50")),
        DetailValues("non_chargeable", D("500.00"), D("125.00")),
        DetailValues("complimentary", D("100.00"), D("25.00")),
    ]
    assert line_totals(details, "DKK") == LineTotals(D("8075.00"), D("2018.75"), D("10093.75"))


@pytest.mark.parametrize(("currency", "expected"), [("DKK", "0.00"), ("JPY", "0"), ("KWD", "0.000")])
def test_a_line_without_details_is_zero_in_the_currency(currency, expected):
    totals = line_totals([], currency)
    assert [str(v) for v in (totals.amount, totals.tax, totals.extended_amount)] == [expected] * 3


def test_product_line_amount_is_rounded_and_tax_taken_as_given():
    assert product_line_totals(D("3"), D("19.995"), D("15.00"), "MYR") == LineTotals(
        D("59.99"), D("15.00"), D("74.99"))  # 59.985 half-up


def test_header_without_discount_or_freight_is_the_sum_of_lines():
    totals = header_totals([line("7125.00", "1781.25"), line("1000.00", "250.00")], "DKK", D("25"))
    assert totals == HeaderTotals(
        detail_amount=D("8125.00"), discount_percent=None, discount_amount=D("0.00"),
        pre_freight_amount=D("8125.00"), freight_amount=D("0.00"), total_tax=D("2031.25"),
        total_amount=D("10156.25"))


def test_discount_percent_and_freight_are_taxed_at_the_default_rate():
    totals = header_totals([line("7125.00", "1781.25"), line("1000.00", "250.00")], "DKK", D("25"),
                           discount_percent=D("10"), freight_amount=D("100.00"))
    assert totals.discount_amount == D("812.50")
    assert totals.pre_freight_amount == D("7312.50")
    assert totals.total_tax == D("1853.12")  # 2031.25 − 203.13 (203.125) + 25.00
    assert totals.total_amount == D("9265.62")
    assert totals.discount_percent == D("10")


def test_entered_discount_amount_is_used_when_no_percent_is_given():
    totals = header_totals([line("1000.00", "80.00")], "MYR", D("8"), discount_amount=D("99.99"))
    assert (totals.discount_amount, totals.total_tax, totals.total_amount) == (D("99.99"), D("72.00"), D("972.01"))


def test_a_given_percent_wins_over_the_entered_amount():
    totals = header_totals([line("1000.00", "80.00")], "MYR", D("8"), discount_percent=D("0"),
                           discount_amount=D("50.00"))
    assert totals.discount_amount == D("0.00")


@pytest.mark.parametrize(("kwargs", "error", "field"), [
    ({"discount_amount": D("-0.01")}, DiscountOutOfRange, "discount_amount"),
    ({"discount_amount": D("100.01")}, DiscountOutOfRange, "discount_amount"),
    ({"discount_percent": D("100.0001")}, DiscountOutOfRange, "discount_percent"),
    ({"discount_percent": D("-1")}, DiscountOutOfRange, "discount_percent"),
    ({"freight_amount": D("-5.00")}, NegativeFreight, "freight_amount"),
    ({"discount_amount": D("1.005")}, TooManyDecimals, "discount_amount"),
    ({"freight_amount": D("0.001")}, TooManyDecimals, "freight_amount"),
    ({"discount_percent": D("12.34567")}, TooManyDecimals, "discount_percent"),
    ({"tax_rate": D("100.5")}, TaxRateOutOfRange, "tax_rate"),
    ({"tax_rate": D("-25")}, TaxRateOutOfRange, "tax_rate"),
])
def test_header_rejects_invalid_entries_naming_the_field(kwargs, error, field):
    kwargs = {"tax_rate": D("25"), **kwargs}
    with pytest.raises(error) as raised:
        header_totals([line("100.00", "25.00")], "DKK", **kwargs)
    assert raised.value.field == field
    assert isinstance(raised.value, ValueError)


def test_the_whole_detail_amount_may_be_discounted():
    totals = header_totals([line("100.00", "25.00")], "DKK", D("25"), discount_percent=D("100"))
    assert (totals.pre_freight_amount, totals.total_tax, totals.total_amount) == (D("0.00"), D("0.00"), D("0.00"))


def test_jpy_freight_with_decimals_is_rejected():
    with pytest.raises(TooManyDecimals):
        header_totals([line("1000", "100")], "JPY", D("10"), freight_amount=D("1.5"))


@pytest.mark.parametrize(("quantity", "price", "field"), [(D("1.23456"), D("1"), "quantity"), (D("1"), D("0.00001"), "price")])
def test_quantities_and_prices_have_at_most_four_decimals(quantity, price, field):
    with pytest.raises(TooManyDecimals) as raised:
        detail_amount(quantity, price, "DKK")
    assert raised.value.field == field


def test_detail_values_with_more_decimals_than_the_currency_are_rejected():
    with pytest.raises(TooManyDecimals):
        line_totals([DetailValues(CHARGEABLE, D("10"), D("2.5"))], "JPY")


def test_unknown_billing_type_is_rejected():
    with pytest.raises(ValueError):
        line_totals([DetailValues("billable", D("1.00"), D("0.25"))], "DKK")


@pytest.mark.parametrize("call", [
    lambda: detail_amount(7.5, D("950"), "DKK"),
    lambda: detail_amount(D("7.5"), 950.0, "DKK"),
    lambda: default_tax(D("7125.00"), 25.0, "DKK"),
    lambda: extended_amount(D("1.00"), 0.25),
    lambda: line_totals([DetailValues(CHARGEABLE, 1.0, D("0"))], "DKK"),
    lambda: line_totals([DetailValues("complimentary", D("1.00"), 0.25)], "DKK"),
    lambda: product_line_totals(D("1"), D("1"), 0.0, "DKK"),
    lambda: header_totals([line("1.00", "0.25")], "DKK", 25.0),
    lambda: header_totals([LineTotals(1.0, D("0"), D("1"))], "DKK", D("25")),
    lambda: header_totals([line("1.00", "0.25")], "DKK", D("25"), discount_percent=10.0),
    lambda: header_totals([line("1.00", "0.25")], "DKK", D("25"), discount_amount=0.5),
    lambda: header_totals([line("1.00", "0.25")], "DKK", D("25"), freight_amount=1.0),
])
def test_floats_are_rejected_everywhere(call):
    with pytest.raises(TypeError):
        call()


# --- properties ------------------------------------------------------------------

quantities = st.decimals(min_value=0, max_value=10_000, places=4, allow_nan=False, allow_infinity=False)
prices = st.decimals(min_value=0, max_value=100_000, places=4, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)


@st.composite
def details(draw, currency: str, billing_types=BILLING_TYPES) -> DetailValues:
    """A detail as stored: amount rounded from quantity × price, tax default or entered."""
    amount = detail_amount(draw(quantities), draw(prices), currency)
    entered = st.decimals(min_value=0, max_value=10**8, places=minor_units(currency),
                          allow_nan=False, allow_infinity=False)
    tax = draw(st.one_of(rates.map(lambda r: default_tax(amount, r, currency)), entered))
    return DetailValues(draw(st.sampled_from(billing_types)), amount, tax)


@st.composite
def invoices(draw):
    """(currency, tax rate, details per line)."""
    currency = draw(st.sampled_from(CURRENCIES))
    lines = draw(st.lists(st.lists(details(currency), max_size=6), max_size=5))
    return currency, draw(rates), lines


def has_currency_decimals(value: D, currency: str) -> bool:
    """True when value carries exactly the currency's number of decimals."""
    return value.as_tuple().exponent == -minor_units(currency)


@PROPERTY
@given(invoices())
def test_line_totals_are_exact_sums_of_chargeable_details(invoice):
    currency, _, lines = invoice
    for line_details in lines:
        totals = line_totals(line_details, currency)
        chargeable = [d for d in line_details if d.billing_type == CHARGEABLE]
        assert totals.amount == sum((d.amount for d in chargeable), D(0))
        assert totals.tax == sum((d.tax for d in chargeable), D(0))
        assert totals.extended_amount == totals.amount + totals.tax


@PROPERTY
@given(st.sampled_from(CURRENCIES).flatmap(
    lambda c: st.tuples(st.just(c), st.lists(details(c), max_size=6), details(c, NOT_ADDING), st.integers(0, 6))))
def test_non_chargeable_and_complimentary_details_add_nothing(case):
    currency, line_details, extra, position = case
    with_extra = line_details[:position] + [extra] + line_details[position:]
    assert line_totals(with_extra, currency) == line_totals(line_details, currency)


@PROPERTY
@given(invoices(), st.one_of(st.none(), rates), st.integers(0, 10**6))
def test_header_totals_add_up_to_the_minor_unit(invoice, discount_percent, freight_units):
    currency, tax_rate, lines = invoice
    freight = D(freight_units).scaleb(-minor_units(currency))
    line_list = [line_totals(d, currency) for d in lines]
    totals = header_totals(line_list, currency, tax_rate, discount_percent, freight_amount=freight)

    assert totals.detail_amount == sum((t.amount for t in line_list), D(0))
    assert totals.pre_freight_amount == totals.detail_amount - totals.discount_amount
    assert totals.total_amount == totals.pre_freight_amount + totals.freight_amount + totals.total_tax
    assert 0 <= totals.discount_amount <= totals.detail_amount
    if discount_percent is None and not freight_units:
        assert totals.total_tax == sum((t.tax for t in line_list), D(0))
    money = [totals.detail_amount, totals.discount_amount, totals.pre_freight_amount,
             totals.freight_amount, totals.total_tax, totals.total_amount]
    money += [v for t in line_list for v in (t.amount, t.tax, t.extended_amount)]
    assert all(has_currency_decimals(v, currency) for v in money)


@PROPERTY
@given(st.sampled_from(CURRENCIES), quantities, prices, rates)
def test_detail_values_have_the_currency_decimals_and_round_by_at_most_half_a_unit(currency, q, p, rate):
    amount = detail_amount(q, p, currency)
    tax = default_tax(amount, rate, currency)
    half_unit = D(1).scaleb(-minor_units(currency)) / 2
    assert has_currency_decimals(amount, currency) and has_currency_decimals(tax, currency)
    assert abs(amount - q * p) <= half_unit
    assert abs(tax - amount * rate / 100) <= half_unit
    assert extended_amount(amount, tax) == amount + tax
