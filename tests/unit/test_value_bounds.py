"""The pure bounds every input shares (issue 13): the largest amount a money column holds,
the plausible dates, the currencies in use."""

import datetime as dt
from decimal import Decimal

import pytest

from app.billing.totals import (AmountTooLarge, LineTotals, check_amount, detail_amount,
                                extended_amount, header_totals, line_totals_of_sums,
                                product_line_totals)
from app.billing.values import (MAX_AMOUNT, MAX_DATE, MIN_DATE, beyond_max_amount, is_currency,
                                plausible_date)


def test_the_largest_amount_is_what_a_scaled_bigint_holds():
    assert MAX_AMOUNT == Decimal("922337203685477.5807")
    assert not beyond_max_amount(MAX_AMOUNT) and beyond_max_amount(MAX_AMOUNT + Decimal("0.0001"))
    assert beyond_max_amount(-MAX_AMOUNT - 1)


def test_quantity_times_price_beyond_the_bound_names_the_amount():
    amount = detail_amount(Decimal("1e11"), Decimal("1e11"), "DKK")  # shown as stored
    with pytest.raises(AmountTooLarge) as refused:
        check_amount(amount)
    assert refused.value.field == "amount" and refused.value.limit == MAX_AMOUNT
    assert check_amount(MAX_AMOUNT) == MAX_AMOUNT
    with pytest.raises(AmountTooLarge):
        product_line_totals(Decimal("1e11"), Decimal("1e11"), Decimal(0), "DKK")
    assert detail_amount(Decimal("2"), Decimal("3.5"), "DKK") == Decimal("7.00")


def test_line_and_invoice_totals_beyond_the_bound_are_refused():
    half = Decimal("500000000000000.00")
    with pytest.raises(AmountTooLarge) as refused:
        line_totals_of_sums({"chargeable": (half * 2, Decimal(0))}, "DKK")
    assert refused.value.field == "amount"
    with pytest.raises(AmountTooLarge) as refused:
        extended_amount(half, half)
    assert refused.value.field == "extended_amount"
    lines = [LineTotals(half, Decimal(0), half)] * 2
    with pytest.raises(AmountTooLarge) as refused:
        header_totals(lines, "DKK", Decimal(0))
    assert refused.value.field == "detail_amount"
    with pytest.raises(AmountTooLarge) as refused:
        header_totals([LineTotals(half, Decimal(0), half)], "DKK", Decimal(0),
                      freight_amount=half)
    assert refused.value.field == "total_amount"


@pytest.mark.parametrize(("day", "plausible"), [
    (MIN_DATE, True), (MAX_DATE, True), (dt.date(1999, 12, 31), False),
    (dt.date(2100, 1, 1), False), (dt.date(9999, 12, 31), False), (dt.date(1, 1, 1), False)])
def test_dates_are_plausible_from_2000_to_2099(day, plausible):
    assert plausible_date(day) is plausible


@pytest.mark.parametrize(("code", "active"), [
    ("DKK", True), ("MYR", True), ("EUR", True), ("JPY", True), ("USD", True),
    ("XXX", False), ("XTS", False), ("DEM", False), ("XAU", False), ("ZZZ", False),
    ("dkk", False), ("", False)])
def test_only_currencies_in_use_are_currencies(code, active):
    assert is_currency(code) is active


def test_a_currency_in_use_then_is_a_currency_then():
    assert is_currency("DEM", on=dt.date(1990, 1, 1))
    assert not is_currency("DEM", on=dt.date(2026, 1, 1))
