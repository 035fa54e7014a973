"""Bank statements (issue 15): upload a statement file once, see which open invoice each of
its credit lines pays (app.billing.payments.match_statement_line), and book the lines chosen
as payments — all of them or, on any refusal, none.

A line is known by its key (app.services.statement_files): a line that comes again in an
overlapping statement is not stored twice, and it is booked at most once (the database
refuses a second standing payment of one line; reversing the payment opens the line again).
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload

from app.billing.payments import Match, OpenInvoice, match_statement_line
from app.extensions import db
from app.models import BankStatement, Invoice, Payment, StatementLine
from app.services import Conflict, NotFound, ServiceError, find_one, payments, use_case
from app.services.lifecycle import check_action
from app.services.statement_files import parse_statement

SKIP = "skip"  # the decision of a line that pays no invoice
_UNSTORABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CHUNK = 500  # keys per IN (…) when looking for lines known already


class StatementNotFound(NotFound):
    pass


@dataclass(frozen=True)
class Uploaded:
    """What an upload did: the statement (a new one, or the same file uploaded before),
    how many lines it added, how many were known from an earlier statement, how many debit
    lines it skipped."""

    statement_id: int
    new_lines: int
    known_lines: int
    debits_skipped: int
    again: bool = False  # the very same file was uploaded before: nothing written


@use_case
def upload_statement(file_name: str, data: bytes, *, uploaded_by: str) -> Uploaded:
    """Store a statement file's credit lines, each line once whatever the number of
    statements it comes on; the same file again is the statement it was."""
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(select(BankStatement.id).where(BankStatement.sha256 == digest))
    if existing is not None:
        return Uploaded(existing, 0, 0, 0, again=True)
    parsed = parse_statement(file_name, data)
    keys = [line.line_key for line in parsed.lines]
    known: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        known.update(db.session.scalars(select(StatementLine.line_key).where(
            StatementLine.line_key.in_(keys[start:start + _CHUNK]))))
    name = _UNSTORABLE.sub("", (file_name or "").replace("\\", "/").rsplit("/", 1)[-1])
    statement = BankStatement(format=parsed.format, file_name=name[:255] or "statement",
                              sha256=digest, account=parsed.account, uploaded_by=uploaded_by)
    db.session.add(statement)
    db.session.flush()
    new = [line for line in parsed.lines if line.line_key not in known]
    if new:
        db.session.execute(insert(StatementLine), [
            {"statement_id": statement.id, "position": line.position, "line_key": line.line_key,
             "booking_date": line.booking_date, "amount": line.amount, "currency": line.currency,
             "reference": line.reference, "counterparty": line.counterparty,
             "bank_reference": line.bank_reference, "status": "open", "version": 1}
            for line in new])
    return Uploaded(statement.id, len(new), len(parsed.lines) - len(new), parsed.debits_skipped)


@dataclass(frozen=True)
class Payable:
    """An open invoice a line may pay, as the choice names it."""

    invoice: OpenInvoice
    customer: str


@dataclass(frozen=True)
class LineProposal:
    line: StatementLine
    match: Match  # kind "none" for a line that is no longer open
    booked_to: str | None = None  # the legal number of the invoice a booked line paid


@dataclass(frozen=True)
class Review:
    """One statement with what each line pays: the proposals and the open invoices."""

    statement: BankStatement
    lines: list[LineProposal]
    payables: list[Payable]

    def choices(self, currency: str) -> list[Payable]:
        return [p for p in self.payables if p.invoice.currency == currency]


def open_invoices() -> list[Payable]:
    """Confirmed invoices (not credit notes, not cancelled) with something due, by number;
    read in a fixed number of statements."""
    invoices = db.session.scalars(
        select(Invoice).options(joinedload(Invoice.customer))
        .where(Invoice.project_invoice_status == "confirmed", Invoice.invoice_type == "invoice",
               Invoice.status.not_in(("cancelled", "paid")))
        .order_by(Invoice.number)).all()
    dues = payments.amounts_due(list(invoices))
    return [Payable(OpenInvoice(i.code, i.number or "", i.currency, dues[i.id].amount),
                    i.customer.name)
            for i in invoices if dues[i.id].amount > 0]


def find_statement(statement_id: int) -> BankStatement:
    return find_one(select(BankStatement).where(BankStatement.id == statement_id),
                    StatementNotFound(_("There is no bank statement %(id)s.", id=statement_id)))


def proposals(statement_id: int) -> Review:
    """Each line of the statement with the invoice it pays by the matching rule (open lines),
    or the invoice it was booked to."""
    statement = find_statement(statement_id)
    lines = db.session.scalars(select(StatementLine).where(
        StatementLine.statement_id == statement.id).order_by(StatementLine.position)).all()
    booked = dict(db.session.execute(
        select(Payment.statement_line_id, Invoice.number).join(Invoice, Invoice.id == Payment.invoice_id)
        .join(StatementLine, StatementLine.id == Payment.statement_line_id)
        .where(StatementLine.statement_id == statement.id, Payment.reversed_at.is_(None))).all())
    payables = open_invoices()
    invoices = [p.invoice for p in payables]
    rows = [LineProposal(line, match_statement_line(line.reference, line.amount, line.currency,
                                                    invoices)
                         if line.status == "open" else Match("none"), booked.get(line.id))
            for line in lines]
    return Review(statement, rows, payables)


def statement_list(limit: int = 200) -> list[tuple[BankStatement, dict[str, int]]]:
    """The latest statements, each with its number of lines by status (one statement)."""
    statements = db.session.scalars(select(BankStatement).order_by(
        BankStatement.uploaded_at.desc(), BankStatement.id.desc()).limit(limit)).all()
    counts: dict[int, dict[str, int]] = {s.id: {} for s in statements}
    if statements:
        for statement_id, status, count in db.session.execute(
                select(StatementLine.statement_id, StatementLine.status, func.count())
                .where(StatementLine.statement_id.in_(list(counts)))
                .group_by(StatementLine.statement_id, StatementLine.status)):
            counts[statement_id][status] = count
    return [(s, counts[s.id]) for s in statements]


@dataclass(frozen=True)
class Booked:
    booked: int
    skipped: int


def _on_line(line: StatementLine, message: str) -> str:
    """A refusal as the page says it next to its line: "Line 3: that is more than is due…"."""
    if len(message) > 1 and message[1].islower():
        message = message[0].lower() + message[1:]
    return _("Line %(num)s: %(message)s", num=line.position, message=message)


@use_case
def book_statement(statement_id: int, decisions: dict[int, str | None], *,
                   today: dt.date | None = None) -> Booked:
    """Book the decided lines of a statement: an invoice code → a bank-transfer payment of
    the line's amount on its booking date; None → the line is skipped. All or nothing: any
    refusal (a line booked already, more than is due, a date the invoice refuses) leaves
    every line and invoice as it was, each refusal named by its line."""
    statement = find_statement(statement_id)
    if not decisions:
        raise ServiceError(_("Choose an invoice, or Skip, for at least one line."))
    codes = sorted({code for code in decisions.values() if code})
    # The one lock order: invoices (by id, as lifecycle's use cases lock them), then lines.
    invoices = db.session.scalars(
        select(Invoice).where((Invoice.code.in_(codes)) | (Invoice.number.in_(codes)))
        .order_by(Invoice.id).with_for_update()
        .execution_options(populate_existing=True)).all() if codes else []
    by_code = {key: i for i in invoices for key in (i.code, i.number) if key}
    lines = {line.id: line for line in db.session.scalars(
        select(StatementLine).where(StatementLine.id.in_(list(decisions)),
                                    StatementLine.statement_id == statement.id)
        .order_by(StatementLine.id).with_for_update()
        .execution_options(populate_existing=True))}
    errors: dict[str, str] = {}
    conflict = False
    booked = skipped = 0
    for line_id in sorted(decisions, key=lambda i: (lines[i].position if i in lines else 0, i)):
        line, code = lines.get(line_id), decisions[line_id]
        if line is None:
            errors[f"line-{line_id}"] = _("Line %(id)s is not on this statement.", id=line_id)
            conflict = True
            continue
        if line.status != "open":
            errors[f"line-{line_id}"] = _on_line(line, _(
                "it was booked already; reload the statement.") if line.status == "booked"
                else _("it was skipped already; reload the statement."))
            conflict = True
            continue
        if not code:
            line.status = "skipped"
            skipped += 1
            continue
        try:
            invoice = by_code.get(code)
            if invoice is None:
                raise NotFound(_("unknown invoice '%(code)s'", code=code))
            check_action(invoice, "pay")
            if invoice.currency != line.currency:
                raise ServiceError(_("the line is in %(line)s, invoice %(invoice)s in "
                                     "%(currency)s.", line=line.currency,
                                     invoice=invoice.number, currency=invoice.currency))
            payments.check_date(invoice, line.booking_date, "date", today)
            payments.record(invoice, "payment", line.amount, line.booking_date,
                            method="bank_transfer",
                            reference=(line.bank_reference or line.reference)[:100] or None,
                            note=_("Bank statement %(statement)s (%(file)s), line %(line)s",
                                   statement=statement.id, file=statement.file_name,
                                   line=line.position),
                            statement_line_id=line.id)
        except ServiceError as refusal:
            errors[f"line-{line_id}"] = _on_line(line, str(refusal))
            conflict = conflict or isinstance(refusal, Conflict)
            continue
        line.status = "booked"
        booked += 1
    if errors:
        raise (Conflict if conflict else ServiceError)(errors=errors)
    return Booked(booked, skipped)
