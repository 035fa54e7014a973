"""Issue 17: an edit applies its delta to its line (app.billing.totals.line_totals_after)
instead of re-summing every detail; after any sequence of edits the line and header totals
equal a full recalculation to the minor unit."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.billing.enums import BILLING_TYPES, CHARGEABLE
from app.billing.totals import (DetailValues, LineTotals, TotalsError, header_totals,
                                line_totals, line_totals_after)

PROPERTY = settings(deadline=None, database=None, max_examples=300)
CURRENCIES = {"DKK": 2, "JPY": 0, "BHD": 3}


def money(places: int):
    return st.integers(-10**9, 10**9).map(lambda n: Decimal(n).scaleb(-places))


def details(places: int):
    return st.builds(DetailValues, st.sampled_from(BILLING_TYPES), money(places),
                     money(places))


@st.composite
def edit_sequences(draw):
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    places = CURRENCIES[currency]
    start = draw(st.lists(details(places), max_size=8))
    edits = draw(st.lists(st.tuples(st.sampled_from(("change", "add", "delete")),
                                    st.integers(0, 10**6), details(places)), max_size=25))
    return currency, start, edits


@PROPERTY
@given(edit_sequences(), st.sampled_from([None, Decimal("0"), Decimal("12.5"), Decimal("100")]),
       st.sampled_from([Decimal("0"), Decimal("25"), Decimal("8.25")]))
def test_totals_after_any_edits_equal_a_full_recalculation(sequence, percent, rate):
    currency, rows, edits = sequence
    rows = list(rows)
    line = line_totals(rows, currency)
    for kind, index, new in edits:
        if kind == "add" or not rows:
            rows.append(new)
            line = line_totals_after(line, None, new, currency)
        elif kind == "delete":
            old = rows.pop(index % len(rows))
            line = line_totals_after(line, old, None, currency)
        else:
            i = index % len(rows)
            old, rows[i] = rows[i], new
            line = line_totals_after(line, old, new, currency)
        assert line == line_totals(rows, currency)
    # The header from the incrementally kept line is the header of the full re-sum (or
    # both refuse the same discount).
    freight = Decimal(10).scaleb(-CURRENCIES[currency])
    assert _header(line, currency, rate, percent, freight) == \
        _header(line_totals(rows, currency), currency, rate, percent, freight)


def _header(line, currency, rate, percent, freight):
    try:
        return header_totals([line], currency, rate, percent, freight_amount=freight)
    except TotalsError as error:
        return type(error)


def test_only_a_chargeable_detail_moves_its_line():
    line = LineTotals(Decimal("100.00"), Decimal("25.00"), Decimal("125.00"))
    complimentary = DetailValues("complimentary", Decimal("40.00"), Decimal("10.00"))
    chargeable = DetailValues(CHARGEABLE, Decimal("40.00"), Decimal("10.00"))
    # Made complimentary: its amount and tax leave the line.
    assert line_totals_after(line, chargeable, complimentary, "DKK") == LineTotals(
        Decimal("60.00"), Decimal("15.00"), Decimal("75.00"))
    # A complimentary detail edited stays out of the totals.
    assert line_totals_after(line, complimentary, complimentary, "DKK") == line
