"""Payments and refunds of a confirmed invoice (issue 15): never deleted, a wrong one is
reversed (kept, with who and why)."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import (CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, func, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.billing.payments import PAYMENT_KINDS, PAYMENT_METHODS
from app.extensions import db
from app.models.invoices import Invoice
from app.models.types import ExactDecimal, one_of


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        one_of("kind", PAYMENT_KINDS),
        one_of("method", PAYMENT_METHODS),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("(reversed_at IS NULL) = (reversal_reason IS NULL)",
                        name="reversal_with_reason"),
        # A statement line pays at most one standing payment: booking it twice is refused
        # by the database; reversing the payment frees the line.
        Index("uq_payments_statement_line_standing", "statement_line_id", unique=True,
              sqlite_where=text("reversed_at IS NULL AND statement_line_id IS NOT NULL"),
              postgresql_where=text("reversed_at IS NULL AND statement_line_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="payment", server_default="payment")
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal)  # in the invoice's currency
    method: Mapped[str] = mapped_column(String(20), default="bank_transfer",
                                        server_default="bank_transfer")
    reference: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by: Mapped[str] = mapped_column(String(254))  # the actor's e-mail, or "cli"
    recorded_at: Mapped[dt.datetime] = mapped_column(server_default=func.current_timestamp())
    reversed_at: Mapped[dt.datetime | None]
    reversed_by: Mapped[str | None] = mapped_column(String(254))
    reversal_reason: Mapped[str | None] = mapped_column(Text)
    statement_line_id: Mapped[int | None] = mapped_column(ForeignKey("statement_lines.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    invoice: Mapped[Invoice] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class ReminderLevel(db.Model):
    """A reminder level an admin configures (issue 15): sent once an invoice is `days`
    overdue, with a subject and text per language — blank: the shipped default text of that
    language (app.services.reminders)."""

    __tablename__ = "reminder_levels"
    __table_args__ = (
        CheckConstraint("level > 0", name="level_positive"),
        CheckConstraint("days > 0", name="days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(Integer, unique=True)
    days: Mapped[int] = mapped_column(Integer, unique=True)
    subject_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    subject_ms: Mapped[str] = mapped_column(String(200), default="", server_default="")
    subject_da: Mapped[str] = mapped_column(String(200), default="", server_default="")
    body_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    body_ms: Mapped[str] = mapped_column(Text, default="", server_default="")
    body_da: Mapped[str] = mapped_column(Text, default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


REMINDER_RESULTS = ("sending", "sent", "failed")


class Reminder(db.Model):
    """One reminder level of one invoice (issue 15): claimed once — the unique
    (invoice, level) pair is what keeps two runners from sending it twice — then sent or
    failed; a failed one is tried again on the next run."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("invoice_id", "level", name="uq_reminders_invoice_level"),
        one_of("result", REMINDER_RESULTS),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    days_overdue: Mapped[int] = mapped_column(Integer)
    amount_due: Mapped[Decimal] = mapped_column(ExactDecimal)
    recipient: Mapped[str] = mapped_column(String(254))
    result: Mapped[str] = mapped_column(String(10), default="sending", server_default="sending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(254))  # the actor's e-mail, or "cli"
    claimed_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    invoice: Mapped[Invoice] = relationship()


STATEMENT_FORMATS = ("camt053", "csv")
STATEMENT_LINE_STATES = ("open", "booked", "skipped")


class BankStatement(db.Model):
    """An uploaded bank statement (issue 15): a CAMT.053 file or a CSV, kept once per file
    content."""

    __tablename__ = "bank_statements"
    __table_args__ = (one_of("format", STATEMENT_FORMATS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(10))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    account: Mapped[str | None] = mapped_column(String(64))  # the IBAN the file names
    uploaded_by: Mapped[str] = mapped_column(String(254))
    uploaded_at: Mapped[dt.datetime] = mapped_column(server_default=func.current_timestamp())

    lines: Mapped[list["StatementLine"]] = relationship(
        back_populates="statement", order_by="StatementLine.position")


class StatementLine(db.Model):
    """A credit line of a bank statement: `line_key` (the bank's entry reference, or a digest
    of what the line says) is unique, so a line that comes again in another upload is the
    same line; booked at most once (a payment that stands refers to it)."""

    __tablename__ = "statement_lines"
    __table_args__ = (
        one_of("status", STATEMENT_LINE_STATES),
        UniqueConstraint("statement_id", "position", name="uq_statement_lines_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id"))
    position: Mapped[int] = mapped_column(Integer)  # the line's place in the file, from 1
    line_key: Mapped[str] = mapped_column(String(100), unique=True)
    booking_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(Text, default="", server_default="")
    counterparty: Mapped[str] = mapped_column(String(200), default="", server_default="")
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    statement: Mapped[BankStatement] = relationship(back_populates="lines")

    __mapper_args__ = {"version_id_col": version}
