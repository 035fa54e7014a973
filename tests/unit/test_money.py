"""Currency minor units, half-up rounding and strict Decimal parsing."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.billing.money import (
    UnknownCurrency, check_places, minor_units, plain, round_money, to_decimal, zero,
)


@pytest.mark.parametrize(("currency", "places"), [("DKK", 2), ("MYR", 2), ("JPY", 0), ("KWD", 3), ("EUR", 2)])
def test_minor_units_come_from_babel(currency, places):
    assert minor_units(currency) == places


@pytest.mark.parametrize("currency", ["XYZ", "", "dkk", "EURO"])
def test_unknown_currency_is_rejected(currency):
    with pytest.raises(UnknownCurrency):
        minor_units(currency)
    with pytest.raises(ValueError):
        round_money(D("1"), currency)


@pytest.mark.parametrize(("value", "currency", "expected"), [
    ("2.345", "DKK", "2.35"),
    ("2.344", "DKK", "2.34"),
    ("-2.345", "DKK", "-2.35"),
    ("-2.344", "DKK", "-2.34"),
    ("0.005", "MYR", "0.01"),
    ("-0.005", "MYR", "-0.01"),
    ("0.5", "JPY", "1"),
    ("1234.5", "JPY", "1235"),
    ("-1234.5", "JPY", "-1235"),
    ("1.0005", "KWD", "1.001"),
    ("7", "DKK", "7.00"),
    ("1E+3", "DKK", "1000.00"),
])
def test_round_money_rounds_half_up_away_from_zero(value, currency, expected):
    result = round_money(D(value), currency)
    assert result == D(expected)
    assert str(result) == expected


def test_zero_has_the_currency_decimals():
    assert [str(zero(c)) for c in ("DKK", "JPY", "KWD")] == ["0.00", "0", "0.000"]


@pytest.mark.parametrize("func", [
    lambda v: round_money(v, "DKK"), to_decimal, lambda v: check_places(v, 2), plain,
])
@pytest.mark.parametrize("value", [1.5, 0.0, True])
def test_floats_and_bools_are_never_converted(func, value):
    with pytest.raises(TypeError):
        func(value)


@pytest.mark.parametrize(("value", "expected"), [
    (D("1.50"), D("1.50")), (7, D("7")), (" 12.3400 ", D("12.34")), ("-0.5", D("-0.5")), ("1e5", D("100000")),
])
def test_to_decimal_accepts_decimal_int_and_numeric_strings(value, expected):
    assert to_decimal(value) == expected


@pytest.mark.parametrize("value", ["", "  ", "abc", "1,5", "NaN", "sNaN", "Infinity", "-inf", D("NaN")])
def test_to_decimal_rejects_non_numbers(value):
    with pytest.raises(ValueError):
        to_decimal(value)


@pytest.mark.parametrize("value", [None, [1], b"1"])
def test_to_decimal_rejects_other_types(value):
    with pytest.raises(TypeError):
        to_decimal(value)


@pytest.mark.parametrize(("value", "places"), [("1.2345", 4), ("7.50000", 4), ("100", 0), ("1E+3", 0), ("-0.01", 2)])
def test_check_places_returns_the_value_unchanged(value, places):
    decimal = D(value)
    assert check_places(decimal, places) is decimal


@pytest.mark.parametrize(("value", "places"), [("1.23456", 4), ("0.5", 0), ("-0.001", 2)])
def test_check_places_rejects_extra_decimals(value, places):
    with pytest.raises(ValueError):
        check_places(D(value), places)


@pytest.mark.parametrize(("value", "expected"), [("1E+3", "1000"), ("1234.50", "1234.50"), ("-0.00", "-0.00"), ("1E-7", "0.0000001")])
def test_plain_never_uses_an_exponent(value, expected):
    assert plain(D(value)) == expected
