"""Actuals (SPEC 4): approved, priced billable facts, and the entries they come from."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.billing.enums import ACTUAL_STATUSES, BILLING_TYPES, TRANSACTION_CLASSES
from app.extensions import db
from app.models.contracts import ContractLine
from app.models.reference import KEY, Category, Project, Resource, Role, Task, Unit
from app.models.types import ExactDecimal, one_of

ENTRY_STATUSES = ("draft", "submitted", "approved", "rejected")


class Actual(db.Model):
    """Never deleted; after creation only billing status and descriptions change."""

    __tablename__ = "actuals"
    __table_args__ = (
        one_of("transaction_class", TRANSACTION_CLASSES),
        one_of("billing_type", BILLING_TYPES),
        one_of("status", ACTUAL_STATUSES),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
        # An actual no contract line includes is not available for invoicing, and only then.
        CheckConstraint("(contract_line_id IS NULL AND billing_type = 'not_available')"
                        " OR (contract_line_id IS NOT NULL AND billing_type <> 'not_available')",
                        name="not_available_without_line"),
        CheckConstraint("transaction_class <> 'time' OR (role_id IS NOT NULL AND resource_id IS NOT NULL)",
                        name="time_has_role_and_resource"),
        Index("ix_actuals_line_status_date", "contract_line_id", "status", "date"),
        Index("ix_actuals_project_date", "project_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    contract_line_id: Mapped[int | None] = mapped_column(ForeignKey("contract_lines.id"))
    transaction_class: Mapped[str] = mapped_column(String(10))
    date: Mapped[dt.date] = mapped_column(Date)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    price: Mapped[Decimal] = mapped_column(ExactDecimal)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(ExactDecimal)
    tax: Mapped[Decimal] = mapped_column(ExactDecimal)
    billing_type: Mapped[str] = mapped_column(String(20))
    internal_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    external_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default="unbilled", server_default="unbilled")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.current_timestamp())

    project: Mapped[Project] = relationship()
    task: Mapped[Task | None] = relationship()
    contract_line: Mapped[ContractLine | None] = relationship()
    role: Mapped[Role | None] = relationship()
    resource: Mapped[Resource | None] = relationship()
    category: Mapped[Category | None] = relationship()
    unit: Mapped[Unit] = relationship()

    @property
    def code(self) -> str:
        return self.key or str(self.id)


class Entry(db.Model):
    """A time, expense, material or fee entry; approving it creates the priced actual."""

    __tablename__ = "entries"
    __table_args__ = (one_of("transaction_class", TRANSACTION_CLASSES),
                      one_of("status", ENTRY_STATUSES),
                      CheckConstraint("(status = 'approved') = (actual_id IS NOT NULL)",
                                      name="approved_has_actual"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    transaction_class: Mapped[str] = mapped_column(String(10))
    date: Mapped[dt.date] = mapped_column(Date)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    internal_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    external_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    actual_id: Mapped[int | None] = mapped_column(ForeignKey("actuals.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.current_timestamp())
    submitted_at: Mapped[dt.datetime | None]
    approved_at: Mapped[dt.datetime | None]

    actual: Mapped[Actual | None] = relationship()
