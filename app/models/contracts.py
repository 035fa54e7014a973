"""Contracts (SPEC 3): contract lines of three billing methods, milestones and invoice
schedules (SPEC 7)."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, CheckConstraint, Date, ForeignKey, ForeignKeyConstraint, Index,
                        Integer, String, Text, UniqueConstraint, func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.billing.enums import BILLING_METHODS, MILESTONE_STATUSES, TRANSACTION_CLASSES
from app.billing.schedule import FREQUENCIES
from app.extensions import db
from app.models.reference import KEY, NAME, Customer, PriceList, Product, Project
from app.models.types import SCALE, ExactDecimal, one_of

RUN_RESULTS = ("succeeded", "nothing_to_invoice", "failed")


def _tax_rate_range() -> CheckConstraint:
    """0–100 %, written in the stored scaled integers (100 % = 100 × 10^SCALE)."""
    return CheckConstraint(f"tax_rate >= 0 AND tax_rate <= {100 * 10**SCALE}", name="tax_rate_range")


class Contract(db.Model):
    __tablename__ = "contracts"
    __table_args__ = (CheckConstraint("length(currency) = 3", name="currency_iso"),
                      _tax_rate_range())

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(NAME)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    currency: Mapped[str] = mapped_column(String(3))
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id"))
    opportunity: Mapped[str] = mapped_column(String(200), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())

    customer: Mapped[Customer] = relationship()
    price_list: Mapped[PriceList] = relationship()
    lines: Mapped[list["ContractLine"]] = relationship(
        back_populates="contract", order_by="ContractLine.position, ContractLine.id")

    @property
    def code(self) -> str:
        """What references and JSON call this contract: its imported key, else its number."""
        return self.key or self.number


class ContractLine(db.Model):
    __tablename__ = "contract_lines"
    __table_args__ = (
        one_of("billing_method", BILLING_METHODS),
        one_of("status", MILESTONE_STATUSES),
        # (id, project_id) is the target of contract_line_classes' composite key.
        UniqueConstraint("id", "project_id", name="uq_contract_lines_id_project_id"),
        CheckConstraint("billing_method = 'product' OR (project_id IS NOT NULL AND amount IS NOT NULL)",
                        name="project_lines_have_project_and_amount"),
        CheckConstraint("billing_method <> 'product' OR (quantity IS NOT NULL AND price IS NOT NULL"
                        " AND tax IS NOT NULL AND status IS NOT NULL"
                        " AND (product_id IS NOT NULL OR product_name IS NOT NULL))",
                        name="product_lines_complete"),
        CheckConstraint("billing_method = 'product' OR status IS NULL",
                        name="status_only_on_product_lines"),
        _tax_rate_range(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    name: Mapped[str] = mapped_column(NAME)
    billing_method: Mapped[str] = mapped_column(String(20))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal)
    not_to_exceed: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    # Product lines only.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    product_name: Mapped[str | None] = mapped_column(NAME)
    product_description: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    price: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    tax: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    status: Mapped[str | None] = mapped_column(String(20))

    contract: Mapped[Contract] = relationship(back_populates="lines")
    project: Mapped[Project | None] = relationship()
    product: Mapped[Product | None] = relationship()
    class_rows: Mapped[list["ContractLineClass"]] = relationship(
        back_populates="contract_line", cascade="all, delete-orphan")
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="contract_line", order_by="Milestone.date, Milestone.id")
    schedule: Mapped["InvoiceSchedule | None"] = relationship(back_populates="contract_line")

    @property
    def code(self) -> str:
        return self.key or str(self.id)

    @property
    def classes(self) -> list[str]:
        """The transaction classes this line includes, in the canonical order."""
        chosen = {row.transaction_class for row in self.class_rows}
        return [c for c in TRANSACTION_CLASSES if c in chosen]


class ContractLineClass(db.Model):
    """A transaction class included on a T&M line.

    The unique (project, class) key makes the database refuse the same pair on two lines.
    """

    __tablename__ = "contract_line_classes"
    __table_args__ = (
        UniqueConstraint("project_id", "transaction_class"),
        ForeignKeyConstraint(["contract_line_id", "project_id"],
                             ["contract_lines.id", "contract_lines.project_id"],
                             name="fk_contract_line_classes_line_project",
                             ondelete="CASCADE"),
        one_of("transaction_class", TRANSACTION_CLASSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_line_id: Mapped[int] = mapped_column(index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    transaction_class: Mapped[str] = mapped_column(String(10))

    contract_line: Mapped[ContractLine] = relationship(back_populates="class_rows")


class Milestone(db.Model):
    __tablename__ = "milestones"
    __table_args__ = (one_of("status", MILESTONE_STATUSES),
                      Index("ix_milestones_line_status_date", "contract_line_id", "status", "date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(KEY, unique=True)
    contract_line_id: Mapped[int] = mapped_column(ForeignKey("contract_lines.id"))
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    external_description: Mapped[str] = mapped_column(Text, default="", server_default="")
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal)
    tax: Mapped[Decimal] = mapped_column(ExactDecimal)
    status: Mapped[str] = mapped_column(String(20), default="not_ready", server_default="not_ready")

    contract_line: Mapped[ContractLine] = relationship(back_populates="milestones")


class InvoiceSchedule(db.Model):
    """How often a T&M line is invoiced automatically (SPEC 7)."""

    __tablename__ = "invoice_schedules"
    __table_args__ = (
        one_of("frequency", FREQUENCIES),
        CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("frequency NOT IN ('weekly', 'biweekly') OR weekday IS NOT NULL",
                        name="weekly_has_weekday"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_line_id: Mapped[int] = mapped_column(ForeignKey("contract_lines.id"), unique=True)
    frequency: Mapped[str] = mapped_column(String(20))
    weekday: Mapped[int | None] = mapped_column(Integer)  # Monday = 0
    # monthly: 1–4 days of the month
    days: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    contract_line: Mapped[ContractLine] = relationship(back_populates="schedule")
    runs: Mapped[list["ScheduleRun"]] = relationship(back_populates="schedule",
                                                     order_by="ScheduleRun.run_date")


class ScheduleRun(db.Model):
    """One processed run date; unique per schedule so that a run date is done once."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "run_date"), one_of("result", RUN_RESULTS))

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("invoice_schedules.id"))
    run_date: Mapped[date] = mapped_column(Date)
    cutoff_date: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    ran_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())

    schedule: Mapped[InvoiceSchedule] = relationship(back_populates="runs")
