"""The getting-paid rules of app.billing.payments (issue 15), without Flask: amount due,
payment refusals, ageing on the bucket edges, reminder levels, statement-line matching."""
import datetime as dt
from decimal import Decimal as D

import pytest

from app.billing.payments import (OpenInvoice, Received, ReminderLevel, ageing_bucket,
                                  amount_due, days_overdue, due_reminder_level,
                                  match_statement_line, payment_problem)


def test_a_partial_then_a_final_payment_settle_the_invoice():
    first = amount_due(D("1250.00"), D(0), [Received("payment", D("500.00"))], "DKK")
    assert first.amount == D("750.00") and not first.settled
    final = amount_due(D("1250.00"), D(0), [Received("payment", D("500.00")),
                                           Received("payment", D("750.00"))], "DKK")
    assert final.settled and final.amount == D("0.00")


def test_a_reversed_payment_counts_for_nothing():
    due = amount_due(D("1250.00"), D(0), [Received("payment", D("1250.00"), reversed=True)], "DKK")
    assert due.amount == D("1250.00")


def test_a_credit_note_after_full_payment_leaves_a_refund_due_until_it_is_refunded():
    paid = [Received("payment", D("1250.00"))]
    due = amount_due(D("1250.00"), D("-250.00"), paid, "DKK")
    assert (due.amount, due.refund) == (D("-250.00"), D("250.00"))
    assert payment_problem("payment", D("1"), due, "DKK") == "nothing_due"
    assert payment_problem("refund", D("250.00"), due, "DKK") is None
    assert payment_problem("refund", D("250.01"), due, "DKK") == "more_than_refund"
    refunded = amount_due(D("1250.00"), D("-250.00"), [*paid, Received("refund", D("250.00"))], "DKK")
    assert refunded.settled


@pytest.mark.parametrize(("amount", "problem"), [
    (D("750.01"), "more_than_due"), (D(0), "not_positive"), (D(-1), "not_positive"),
    (D("0.001"), "too_many_decimals"), (D("750.00"), None), (D("0.01"), None)])
def test_what_a_payment_may_be(amount, problem):
    due = amount_due(D("1250.00"), D(0), [Received("payment", D("500.00"))], "DKK")
    assert payment_problem("payment", amount, due, "DKK") == problem
    assert payment_problem("refund", D(1), due, "DKK") == "no_refund_due"


def test_jpy_payments_are_whole_yen():
    due = amount_due(D(10998), D(0), [Received("payment", D(5000))], "JPY")
    assert due.amount == D(5998)
    assert payment_problem("payment", D("0.5"), due, "JPY") == "too_many_decimals"
    with pytest.raises(ValueError):
        amount_due(D(10998), D(0), [Received("payment", D("0.5"))], "JPY")


@pytest.mark.parametrize(("late", "bucket"), [
    (-5, "not_due"), (0, "not_due"), (1, "1_30"), (30, "1_30"), (31, "31_60"), (60, "31_60"),
    (61, "61_90"), (90, "61_90"), (91, "over_90"), (400, "over_90")])
def test_ageing_buckets_on_their_edges(late, bucket):
    due_date = dt.date(2026, 3, 31)
    today = due_date + dt.timedelta(days=late)
    assert ageing_bucket(due_date, today) == bucket
    assert days_overdue(due_date, today) == max(late, 0)


LEVELS = [ReminderLevel(1, 7), ReminderLevel(2, 21), ReminderLevel(3, 35)]


@pytest.mark.parametrize(("overdue", "sent", "level"), [
    (0, [], None), (6, [], None), (7, [], 1), (20, [1], None), (21, [1], 2), (21, [], 2),
    (40, [], 3), (40, [1], 3), (40, [3], None), (40, [1, 2, 3], None), (22, [2], None)])
def test_reminder_levels_are_sent_once_each_and_the_level_reached_first(overdue, sent, level):
    assert due_reminder_level(LEVELS, overdue, sent) == level


OPEN = [OpenInvoice("PRO-000007", "2026-0007", "DKK", D("1250.00")),
        OpenInvoice("PRO-000008", "2026-0008", "DKK", D("800.00")),
        OpenInvoice("PRO-000009", "2026-0009", "EUR", D("800.00"))]


@pytest.mark.parametrize(("reference", "amount", "currency", "kind", "invoice"), [
    ("Faktura 2026-0007 tak", D("1250.00"), "DKK", "exact", "PRO-000007"),
    ("pro-000007", D("1000.00"), "DKK", "partial", "PRO-000007"),
    ("2026-0007", D("1300.00"), "DKK", "over", "PRO-000007"),
    ("no reference", D("800.00"), "DKK", "amount", "PRO-000008"),
    ("no reference", D("800.00"), "SEK", "none", None),
    # Another number that starts with the same digits does not name it: the amount does.
    ("2026-00071", D("1250.00"), "DKK", "amount", "PRO-000007"),
    ("2026-0007 and 2026-0008", D("1250.00"), "DKK", "none", None),
    ("2026-0009", D("800.00"), "DKK", "amount", "PRO-000008"),  # another currency's number
    ("2026-0007", D("-1250.00"), "DKK", "none", None),
])
def test_a_statement_line_is_matched_by_number_or_id_then_by_amount(reference, amount, currency,
                                                                   kind, invoice):
    match = match_statement_line(reference, amount, currency, OPEN)
    assert (match.kind, match.invoice) == (kind, invoice)
