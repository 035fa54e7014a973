"""Reading statement files (issue 15): CAMT.053 (.001.02 and .001.08) and CSV exports, credit
lines only, exact Decimal amounts, stable line keys, and every refusal with its line."""

import datetime as dt
from decimal import Decimal as D

import pytest

from app.services.statement_files import MAX_BYTES, StatementFileRefused, parse_statement
from tests.services.statement_samples import CAMT_08, camt_02


def refused(data: bytes) -> list[str]:
    with pytest.raises(StatementFileRefused) as error:
        parse_statement("f", data)
    return error.value.problems


def test_camt_053_001_02_credit_lines_only(app):
    parsed = parse_statement("s.xml", camt_02(ref1="2026-0007", amount2="100.5"))
    assert (parsed.format, parsed.account, parsed.debits_skipped) == (
        "camt053", "DK5000400440116243", 2)  # the debit and the reversal
    first, second = parsed.lines
    assert (first.position, first.booking_date, first.amount, first.currency) == (
        1, dt.date(2026, 4, 10), D("8906.25"), "DKK")
    assert isinstance(first.amount, D) and second.amount == D("100.5")
    assert first.reference == "Betaling faktura 2026-0007 tak"
    assert (first.counterparty, first.bank_reference) == ("Nordisk Byg A/S", "DK-20260410-0001")
    assert first.line_key == "camt:DK5000400440116243:DK-20260410-0001"
    assert second.line_key == "camt:DK5000400440116243:DK-20260410-0003"


def test_camt_053_001_08_without_an_entry_reference_gets_a_digest(app):
    parsed = parse_statement("s.xml", CAMT_08)
    [line] = parsed.lines
    assert (parsed.account, line.booking_date, line.amount) == (
        "MY12MBBE0000012345678", dt.date(2026, 4, 11), D("250.50"))
    assert line.counterparty == "Syarikat Maju Sdn Bhd" and "E2E-77" in line.reference
    assert line.line_key.startswith("sha256:") and len(line.line_key) <= 100
    assert parse_statement("again.xml", CAMT_08).lines[0].line_key == line.line_key


@pytest.mark.parametrize("data", [
    b"date,amount,currency,reference\n2026-04-10,1234.50,DKK,Invoice 2026-0001\n",
    b"\xef\xbb\xbfDato;Bel\xc3\xb8b;Valuta;Tekst\n10.04.2026;1234,50;dkk;Invoice 2026-0001\n",
    b"Tarikh;Amaun;Mata wang;Rujukan\n10-04-2026;1234,5;DKK;Invoice 2026-0001\n",
    b'date,amount,currency,reference\n2026-04-10,"1234,50",DKK,Invoice 2026-0001\n'])
def test_csv_with_either_delimiter_and_decimal_sign(app, data):
    parsed = parse_statement("s.csv", data)
    [line] = parsed.lines
    assert (parsed.format, parsed.account) == ("csv", None)
    assert (line.booking_date, line.amount, line.currency, line.reference) == (
        dt.date(2026, 4, 10), D("1234.50"), "DKK", "Invoice 2026-0001")
    assert line.line_key.startswith("sha256:")


def test_csv_debits_are_skipped_and_identical_lines_get_different_keys(app):
    parsed = parse_statement("s.csv", b"date,amount,currency,reference\n"
                                      b"2026-04-10,100.00,DKK,Rent\n2026-04-10,-5.00,DKK,Fee\n"
                                      b"2026-04-10,100,DKK,Rent\n")
    assert parsed.debits_skipped == 1
    assert [line.position for line in parsed.lines] == [1, 2]
    assert parsed.lines[0].line_key != parsed.lines[1].line_key


def test_every_bad_csv_line_is_named(app):
    problems = refused(b"date,amount,currency,reference\n"
                       b"2026-04-10,10.00,DKK,ok\n"
                       b"2026-04-10,\"12,3,4\",DKK,x\n"
                       b"2026-02-30,10.00,DKK,x\n"
                       b"2026-04-10,10.00,XXX,x\n"
                       b"2026-04-10,1500.5,JPY,x\n"
                       b"2026-04-10,10.00\n")
    assert problems == [
        'Line 3: the amount "12,3,4" is not a number.',
        'Line 4: the date "2026-02-30" is not a date (YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY).',
        'Line 5: "XXX" is not an ISO currency code in use.',
        'Line 6: JPY has at most 0 decimals, the amount "1500.5" has more.',
        "Line 7: it has 2 cells, the header 4."]


def test_jpy_whole_amounts_are_read(app):
    [line] = parse_statement("s.csv", b"date,amount,currency,reference\n2026-04-10,1500,JPY,x\n").lines
    assert line.amount == D("1500")


def test_every_bad_camt_entry_is_named(app):
    data = camt_02(amount1="12,5", amount2="1.001").replace(
        b"<BookgDt><Dt>2026-04-10</Dt></BookgDt>\n        <AcctSvcrRef>DK-20260410-0003",
        b"<BookgDt><Dt>10/04/2026</Dt></BookgDt>\n        <AcctSvcrRef>DK-20260410-0003")
    problems = refused(data)
    assert problems[0].startswith('Entry 1 (XML line 23): the amount "12,5" is not a number.')
    assert problems[1].startswith("Entry 3 (XML line 49): DKK has at most 2 decimals")
    assert problems[2].startswith('Entry 3 (XML line 49): the date "10/04/2026"')
    assert "is not" in refused(camt_02(ccy="XTS"))[0]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\xff\xfedate", "not UTF-8"),
    (b"<Document><unclosed></Document>", "not well-formed XML"),
    (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>',
     "not a CAMT.053"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><X/></Document>',
     "no statement"),
    (b"hello;world\n1;2\n", "neither a CAMT.053 statement nor a CSV"),
    (b"date,amount,currency,reference\n2026-04-10,-5.00,DKK,Fee\n", "no credit lines"),
    (b"date,amount,currency,reference\n", "no credit lines"),
])
def test_what_is_no_statement_is_refused(app, data, message):
    assert message in " ".join(refused(data))


def test_too_many_lines_or_too_large(app):
    rows = b"".join(b"2026-04-10,1.00,DKK,r%d\n" % n for n in range(5001))
    assert "at most 5000" in refused(b"date,amount,currency,reference\n" + rows)[0]
    assert "larger than 5 MB" in refused(b"x" * (MAX_BYTES + 1))[0]
