"""Reading a bank statement file (issue 15): a CAMT.053 XML statement (read by pycamt) or a
CSV export, by its content. What a user gets is the credit lines of the file — the money that
came in — each with a key that stays the same when the line comes again in another upload;
debits, reversals and pending entries are skipped and counted. A file with any bad line is
refused whole, every bad line named.
"""

import codecs
import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from lxml import etree
from pycamt.parser import Camt053ParseError, Camt053Parser

from app.billing.money import minor_units
from app.billing.values import beyond_max_amount, fits, is_currency, parse_number, plausible_date
from app.services import ServiceError

MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 5000
REFERENCE_MAX = 1000
COUNTERPARTY_MAX = 200  # StatementLine.counterparty
BANK_REFERENCE_MAX = 100  # StatementLine.bank_reference
KEY_MAX = 100  # StatementLine.line_key

# The header words of a CSV file's columns, by column (English, Danish, Malay).
CSV_COLUMNS = {
    "date": ("date", "booking date", "dato", "bogføringsdato", "tarikh"),
    "amount": ("amount", "beløb", "belob", "amaun", "jumlah"),
    "currency": ("currency", "valuta", "mata wang", "matawang"),
    "reference": ("reference", "text", "tekst", "rujukan", "description"),
    "counterparty": ("counterparty", "name", "navn", "nama", "payer"),
    "bank_reference": ("bank reference", "bank_reference", "id", "bankreference",
                       "rujukan bank"),
}
REQUIRED_COLUMNS = ("date", "amount", "currency", "reference")
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


class StatementFileRefused(ServiceError):
    """The file cannot be read as a statement; `problems` lists every reason (one a bad
    line), nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = [str(problem) for problem in problems]
        super().__init__(" ".join(self.problems), "file")


@dataclass(frozen=True)
class ParsedLine:
    """One credit line: the money that came in, and what the bank says of it."""

    position: int  # from 1, among the credit lines of the file
    booking_date: dt.date
    amount: Decimal  # > 0, at most the currency's decimals
    currency: str
    reference: str
    counterparty: str
    bank_reference: str | None
    line_key: str


@dataclass(frozen=True)
class ParsedStatement:
    format: str  # "camt053" | "csv"
    account: str | None
    lines: list[ParsedLine] = field(default_factory=list)
    debits_skipped: int = 0  # debit, reversed and pending lines


@dataclass(frozen=True)
class _Raw:
    """A credit line as read, before it gets its position and key."""

    where: str  # "Line 4" / "Entry 3 (XML line 40)"
    booking_date: dt.date
    amount: Decimal
    currency: str
    reference: str
    counterparty: str
    bank_reference: str | None


def parse_statement(file_name: str, data: bytes) -> ParsedStatement:
    """The credit lines of a CAMT.053 or CSV statement file; StatementFileRefused naming
    every problem otherwise."""
    if len(data) > MAX_BYTES:
        raise StatementFileRefused([_("The file is larger than %(size)s MB; split it.",
                                      size=MAX_BYTES // (1024 * 1024))])
    if not data.strip():
        raise StatementFileRefused([_("The file is empty.")])
    if data.lstrip(codecs.BOM_UTF8).lstrip().startswith(b"<"):
        return _camt(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatementFileRefused([_("The file is not UTF-8 text; save it as CSV UTF-8.")]) from None
    return _csv(text)


# ---------------------------------------------------------------- the checks of one line

def _clean(value: str | None, limit: int) -> str:
    """Text as stored: runs of spaces and line breaks as one space, nothing unstorable."""
    return _SPACES.sub(" ", _UNSTORABLE.sub("", value or "")).strip()[:limit]


def _amount(where: str, text: str | None, currency: str | None, problems: list[str],
            decimal_sign: str) -> Decimal | None:
    try:
        amount = parse_number(text or "", decimal_sign)
    except ValueError:
        problems.append(_('%(where)s: the amount "%(value)s" is not a number.',
                          where=where, value=_clean(text, 40)))
        return None
    if beyond_max_amount(amount):
        problems.append(_('%(where)s: the amount "%(value)s" is too large.',
                          where=where, value=_clean(text, 40)))
        return None
    if currency and is_currency(currency) and not fits(amount, minor_units(currency)):
        problems.append(_("%(where)s: %(currency)s has at most %(places)s decimals, the "
                          'amount "%(value)s" has more.', where=where, currency=currency,
                          places=minor_units(currency), value=_clean(text, 40)))
        return None
    return amount


def _currency(where: str, code: str | None, problems: list[str]) -> str | None:
    code = (code or "").strip().upper()
    if not is_currency(code):
        problems.append(_('%(where)s: "%(value)s" is not an ISO currency code in use.',
                          where=where, value=_clean(code, 10)))
        return None
    return code


def _date(where: str, text: str | None, formats: tuple[str, ...], problems: list[str]
          ) -> dt.date | None:
    value = (text or "").strip()
    for pattern in formats:
        try:
            day = dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        if plausible_date(day):
            return day
        break
    problems.append(_('%(where)s: the date "%(value)s" is not a date (YYYY-MM-DD, DD-MM-YYYY '
                      "or DD.MM.YYYY).", where=where, value=_clean(value, 40)))
    return None


def _keyed(raws: list[_Raw], account: str | None, bank_keys: dict[int, str]) -> list[ParsedLine]:
    """Positions and keys: the bank's own entry reference when it gave one, else a digest of
    what the line says and how many identical lines came before it in this file."""
    seen: dict[tuple, int] = {}
    lines = []
    for index, raw in enumerate(raws):
        amount = format(raw.amount.quantize(Decimal(1).scaleb(-minor_units(raw.currency))), "f")
        what = (account or "", raw.booking_date.isoformat(), amount, raw.currency, raw.reference)
        occurrence = seen[what] = seen.get(what, 0) + 1
        key = bank_keys.get(index)
        if key is None or len(key) > KEY_MAX:
            digest = hashlib.sha256("\x1f".join([*what, str(occurrence)]).encode()).hexdigest()
            key = f"sha256:{digest}"
        lines.append(ParsedLine(index + 1, raw.booking_date, raw.amount, raw.currency,
                                raw.reference, raw.counterparty, raw.bank_reference, key))
    return lines


def _finish(format_: str, account: str | None, raws: list[_Raw], skipped: int,
            problems: list[str], bank_keys: dict[int, str] | None = None) -> ParsedStatement:
    if problems:
        raise StatementFileRefused(problems)
    if not raws:
        raise StatementFileRefused([_("The file has no credit lines: nothing came in to book.")])
    return ParsedStatement(format_, account, _keyed(raws, account, bank_keys or {}), skipped)


def _too_many(count: int) -> None:
    if count > MAX_LINES:
        raise StatementFileRefused([_("The file has %(num)s lines; at most %(max)s are read "
                                      "at once. Split it.", num=count, max=MAX_LINES)])


# ---------------------------------------------------------------- CAMT.053

def _camt(data: bytes) -> ParsedStatement:
    try:
        parser = Camt053Parser(data)
    except etree.XMLSyntaxError as error:
        raise StatementFileRefused([_("The file is not well-formed XML (line %(line)s).",
                                      line=error.lineno or 1)]) from None
    except (ValueError, TypeError):
        raise StatementFileRefused([_("The file is not well-formed XML.")]) from None
    if "camt.053" not in str(parser.tree.tag):
        raise StatementFileRefused([_("The XML file is not a CAMT.053 bank statement.")])
    try:
        transactions = parser.get_transactions()
        entries = parser.tree.findall(".//Ntry", parser.namespaces)
        accounts = [s.get("IBAN") for s in parser.get_statement_info() if s.get("IBAN")]
    except Camt053ParseError:
        raise StatementFileRefused([_("The CAMT.053 file has no statement in it.")]) from None
    except (AttributeError, TypeError, ValueError, KeyError):
        raise StatementFileRefused([_("The CAMT.053 file could not be read: an element it "
                                      "needs is missing.")]) from None
    _too_many(len(transactions))
    # Which entry each transaction is of (an entry with several transaction details gives
    # one transaction each, as pycamt reads them), for the XML line of a problem.
    lines_of = []
    for entry in entries:
        details = len(entry.findall(".//NtryDtls//TxDtls", parser.namespaces))
        lines_of += [entry.sourceline] * max(details, 1)
    if len(lines_of) != len(transactions):
        lines_of = [None] * len(transactions)
    account = accounts[0] if accounts else None
    raws, bank_keys, problems, skipped = [], {}, [], 0
    for number, (tx, sourceline) in enumerate(zip(transactions, lines_of), start=1):
        where = (_("Entry %(num)s (XML line %(line)s)", num=number, line=sourceline)
                 if sourceline else _("Entry %(num)s", num=number))
        indicator = (tx.get("CreditDebitIndicator") or "").strip()
        if indicator not in ("CRDT", "DBIT"):
            problems.append(_("%(where)s: it says neither credit (CRDT) nor debit (DBIT).",
                              where=where))
            continue
        reversed_ = (tx.get("ReversalIndicator") or "").strip().lower() == "true"
        status = (tx.get("Status") or "BOOK").strip().upper()
        if indicator == "DBIT" or reversed_ or status not in ("BOOK", "BOOKED"):
            skipped += 1
            continue
        currency = _currency(where, tx.get("Currency"), problems)
        amount = _amount(where, tx.get("Amount"), currency, problems, ".")
        day = _date(where, (tx.get("BookingDate") or tx.get("ValueDate") or "")[:10],
                    ("%Y-%m-%d",), problems)
        if currency is None or amount is None or day is None:
            continue
        if amount <= 0:
            problems.append(_("%(where)s: a credit of %(amount)s is not money received.",
                              where=where, amount=amount))
            continue
        reference = (tx.get("RemittanceInformationFull") or tx.get("RemittanceInformation")
                     or tx.get("AdditionalEntryInformation") or "")
        end_to_end = tx.get("EndToEndId") or ""
        if end_to_end and end_to_end.upper() != "NOTPROVIDED" and end_to_end not in reference:
            reference = f"{reference} {end_to_end}"
        bank_reference = _clean(tx.get("TransactionID"), BANK_REFERENCE_MAX) or None
        if bank_reference:
            bank_keys[len(raws)] = f"camt:{account or ''}:{bank_reference}"
        raws.append(_Raw(where, day, amount, currency, _clean(reference, REFERENCE_MAX),
                         _clean(tx.get("DebtorName"), COUNTERPARTY_MAX), bank_reference))
    # The same entry reference twice in one file is one entry told twice: keep the digest.
    counts: dict[str, int] = {}
    for key in bank_keys.values():
        counts[key] = counts.get(key, 0) + 1
    bank_keys = {index: key for index, key in bank_keys.items() if counts[key] == 1}
    return _finish("camt053", account, raws, skipped, problems, bank_keys)


# ---------------------------------------------------------------- CSV

def _columns(header: list[str]) -> dict[str, int]:
    """The index of each known column in the header row."""
    words = {word: column for column, names in CSV_COLUMNS.items() for word in names}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = words.get(_SPACES.sub(" ", cell.strip().lower()))
        if column and column not in found:
            found[column] = index
    return found


def _csv(text: str) -> ParsedStatement:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise StatementFileRefused([_("Line %(line)s: the file cannot be read as CSV (%(error)s).",
                                      line=reader.line_num, error=error)]) from None
    rows = [(number, row) for number, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise StatementFileRefused([_("The file is empty.")])
    columns = _columns(rows[0][1])
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise StatementFileRefused([_(
            "The file is neither a CAMT.053 statement nor a CSV file with a header row of the "
            "columns date, amount, currency and reference (missing: %(columns)s).",
            columns=", ".join(missing))])
    body = rows[1:]
    _too_many(len(body))
    raws, problems, skipped = [], [], 0
    for number, row in body:
        where = _("Line %(num)s", num=number)
        if len(row) <= max(columns.values()):
            problems.append(_("%(where)s: it has %(found)s cells, the header %(expected)s.",
                              where=where, found=len(row), expected=len(rows[0][1])))
            continue
        cell = {name: row[index] for name, index in columns.items()}
        currency = _currency(where, cell["currency"], problems)
        amount = _amount(where, cell["amount"], currency, problems, ",")
        day = _date(where, cell["date"], DATE_FORMATS, problems)
        if amount is not None and amount <= 0:
            skipped += 1  # a debit (negative), or nothing
            continue
        if currency is None or amount is None or day is None:
            continue
        raws.append(_Raw(where, day, amount, currency, _clean(cell["reference"], REFERENCE_MAX),
                         _clean(cell.get("counterparty"), COUNTERPARTY_MAX),
                         _clean(cell.get("bank_reference"), BANK_REFERENCE_MAX) or None))
    return _finish("csv", None, raws, skipped, problems)
