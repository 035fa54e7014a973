"""Payments and refunds of a confirmed invoice (issue 15): never deleted, a wrong one is
reversed (kept, with who and why)."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, func
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
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    invoice: Mapped[Invoice] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None
