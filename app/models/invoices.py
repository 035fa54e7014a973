"""Invoices (SPEC 5, 8): header, lines, details, billed sales, sends and counters."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer,
                        LargeBinary, String, Text, UniqueConstraint, func, text, true)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from app.billing.enums import (BILLING_METHODS, BILLING_TYPES, DETAIL_CLASSES, INVOICE_STATUSES,
                               INVOICE_TYPES,
                               PROJECT_INVOICE_STATUSES, invoice_state)
from app.billing.corrections import BilledHeader
from app.extensions import db
from app.models.contracts import Contract, ContractLine, Milestone
from app.models.actuals import Actual
from app.models.reference import (NAME, Category, Customer, PriceList, Product, Project, Resource,
                                  Role, Task, Unit)
from app.models.types import SCALE, ExactDecimal, one_of

PRODUCT_CHOICES = ("existing", "write_in")
SEND_RESULTS = ("sent", "failed")

_OPEN_CORRECTION = ("corrects_invoice_id IS NOT NULL AND status = 'active' "
                    "AND project_invoice_status <> 'confirmed'")

# is_open = "on an invoice that is not cancelled". Partial unique indexes over it are how
# the database guarantees that no item sits on two open invoices.


class Invoice(db.Model):
    __tablename__ = "invoices"
    __table_args__ = (
        one_of("status", INVOICE_STATUSES),
        one_of("project_invoice_status", PROJECT_INVOICE_STATUSES),
        one_of("invoice_type", INVOICE_TYPES),
        CheckConstraint("(number IS NULL) = (project_invoice_status <> 'confirmed')",
                        name="number_iff_confirmed"),
        CheckConstraint("status <> 'paid' OR (project_invoice_status = 'confirmed' AND paid_on IS NOT NULL)",
                        name="paid_only_when_confirmed"),
        CheckConstraint(f"discount_percent IS NULL OR (discount_percent >= 0 AND discount_percent <= {100 * 10**SCALE})",
                        name="discount_percent_range"),
        # An invoice adds discount and freight; a credit note takes them back (issue 14).
        CheckConstraint("CASE WHEN invoice_type = 'credit_note' "
                        "THEN discount_amount <= 0 AND freight_amount <= 0 "
                        "ELSE discount_amount >= 0 AND freight_amount >= 0 END",
                        name="discount_freight_sign"),
        CheckConstraint("due_date >= invoice_date", name="due_after_invoice_date"),
        CheckConstraint("(invoice_type = 'credit_note') = (corrects_invoice_id IS NOT NULL)",
                        name="credit_note_corrects_an_invoice"),
        Index("ix_invoices_contract_status", "contract_id", "status"),
        # At most one draft (or in-review) correction of an invoice at a time.
        Index("uq_invoices_open_correction", "corrects_invoice_id", unique=True,
              sqlite_where=text(_OPEN_CORRECTION), postgresql_where=text(_OPEN_CORRECTION)),
        # The credit notes of an invoice (what is due on it, in the invoice list).
        Index("ix_invoices_corrects_invoice_id", "corrects_invoice_id",
              sqlite_where=text("corrects_invoice_id IS NOT NULL"),
              postgresql_where=text("corrects_invoice_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # the Invoice ID, PRO-000042
    number: Mapped[str | None] = mapped_column(String(20), unique=True)  # legal number at confirmation
    invoice_type: Mapped[str] = mapped_column(String(20), default="invoice", server_default="invoice")
    corrects_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id"))
    currency: Mapped[str] = mapped_column(String(3))
    opportunity: Mapped[str] = mapped_column(String(200), default="", server_default="")
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal)  # the contract's default rate
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    bill_to_name: Mapped[str] = mapped_column(NAME)
    bill_to_email: Mapped[str] = mapped_column(String(254))
    bill_to_street: Mapped[str] = mapped_column(String(200))
    bill_to_postal_code: Mapped[str] = mapped_column(String(20))
    bill_to_city: Mapped[str] = mapped_column(String(100))
    bill_to_country: Mapped[str] = mapped_column(String(2))
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    cutoff_date: Mapped[dt.date] = mapped_column(Date)
    # The parameters it was created with; "Refresh" takes the same kinds of items.
    include_time: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    include_expense: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    include_material: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    include_fee: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    include_milestones: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    include_products: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    project_invoice_status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    discount_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    discount_amount: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    freight_amount: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    detail_amount: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    pre_freight_amount: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    total_tax: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    total_amount: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    confirmed_at: Mapped[dt.datetime | None]
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.current_timestamp())
    # A credit note: the header of its original as billed when the correction was made
    # (original plus confirmed corrections), and the freight that should have been billed.
    billed_detail_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    billed_discount_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    billed_freight_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    corrected_freight_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    corrects: Mapped["Invoice | None"] = relationship(remote_side="Invoice.id")
    contract: Mapped[Contract] = relationship()
    customer: Mapped[Customer] = relationship()
    price_list: Mapped[PriceList] = relationship()
    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position, InvoiceLine.id")
    sends: Mapped[list["InvoiceSend"]] = relationship(back_populates="invoice",
                                                      order_by="InvoiceSend.sent_at")
    issued_document: Mapped["IssuedDocument | None"] = relationship(back_populates="invoice")
    # When it last went out to the customer: loaded by the invoice list (a correlated
    # subquery of its one statement, app.invoices.queries), None elsewhere.
    last_sent_at: Mapped[dt.datetime | None] = query_expression()
    # The invoice list's: what is still owed and what was paid (net of refunds), read with
    # the list (app.invoices.queries.invoice_list).
    listed_due: Mapped[Decimal | None] = query_expression()
    listed_paid: Mapped[Decimal | None] = query_expression()

    # Optimistic concurrency: every UPDATE checks and bumps the version it was read at.
    __mapper_args__ = {"version_id_col": version}

    @property
    def state(self) -> str:
        """The one state of app.billing (draft, in_review, confirmed, paid, cancelled,
        closed) that the two status columns make together."""
        return invoice_state(self.status, self.project_invoice_status)

    @property
    def is_credit_note(self) -> bool:
        return self.invoice_type == "credit_note"

    @property
    def billed_header(self) -> BilledHeader | None:
        """A credit note's original header as billed when it was made (None on an invoice)."""
        if not self.is_credit_note:
            return None
        return BilledHeader(self.billed_detail_amount, self.discount_percent,
                            self.billed_discount_amount, self.billed_freight_amount)


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        one_of("billing_method", BILLING_METHODS),
        UniqueConstraint("invoice_id", "contract_line_id"),
        # A product contract line is on at most one open invoice.
        Index("uq_invoice_lines_open_product", "contract_line_id", unique=True,
              sqlite_where=text("is_open AND billing_method = 'product'"),
              postgresql_where=text("is_open AND billing_method = 'product'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    contract_line_id: Mapped[int] = mapped_column(ForeignKey("contract_lines.id"))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    name: Mapped[str] = mapped_column(NAME)
    billing_method: Mapped[str] = mapped_column(String(20))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    contract_line_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    tax: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    extended_amount: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    # Product-based lines.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    product_name: Mapped[str | None] = mapped_column(NAME)
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    price: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # A credit note's line: the line it corrects; for a product line what was billed and
    # what should have been (quantity, price and tax above are the differences).
    corrects_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id"))
    billed_quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    billed_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    billed_tax: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    corrected_quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    corrected_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    corrected_tax: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    contract_line: Mapped[ContractLine] = relationship()
    project: Mapped[Project | None] = relationship()
    product: Mapped[Product | None] = relationship()
    details: Mapped[list["InvoiceLineDetail"]] = relationship(
        back_populates="invoice_line", order_by="InvoiceLineDetail.id")

    __mapper_args__ = {"version_id_col": version}


class InvoiceLineDetail(db.Model):
    """A detail row, backed by an actual, a milestone, or nothing (added by a reviewer)."""

    __tablename__ = "invoice_line_details"
    __table_args__ = (
        one_of("transaction_class", DETAIL_CLASSES),
        one_of("billing_type", tuple(t for t in BILLING_TYPES if t != "not_available")),
        one_of("product_choice", PRODUCT_CHOICES),
        CheckConstraint("transaction_type = 'billed_sales'", name="transaction_type_valid"),
        CheckConstraint("actual_id IS NULL OR milestone_id IS NULL", name="one_backing"),
        CheckConstraint("milestone_id IS NULL OR (transaction_class = 'milestone' AND billing_type = 'chargeable')",
                        name="milestone_details_chargeable"),
        CheckConstraint("extended_amount = amount + tax", name="extended_is_amount_plus_tax"),
        # No actual and no milestone on two open invoices, whatever the application does.
        Index("uq_invoice_line_details_open_actual", "actual_id", unique=True,
              sqlite_where=text("is_open AND actual_id IS NOT NULL"),
              postgresql_where=text("is_open AND actual_id IS NOT NULL")),
        Index("uq_invoice_line_details_open_milestone", "milestone_id", unique=True,
              sqlite_where=text("is_open AND milestone_id IS NOT NULL"),
              postgresql_where=text("is_open AND milestone_id IS NOT NULL")),
        Index("ix_invoice_line_details_line", "invoice_line_id", "billing_type", "id"),
        Index("ix_invoice_line_details_invoice", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("invoice_lines.id", ondelete="CASCADE"))
    actual_id: Mapped[int | None] = mapped_column(ForeignKey("actuals.id"))
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"))
    transaction_class: Mapped[str] = mapped_column(String(10))
    transaction_type: Mapped[str] = mapped_column(String(20), default="billed_sales",
                                                  server_default="billed_sales")
    billing_type: Mapped[str] = mapped_column(String(20), default="chargeable", server_default="chargeable")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    external_description: Mapped[str] = mapped_column(Text, default="", server_default="")
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    price: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    amount: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    tax: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    extended_amount: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0), server_default="0")
    product_choice: Mapped[str | None] = mapped_column(String(10))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    product_name: Mapped[str | None] = mapped_column(NAME)
    write_in_description: Mapped[str | None] = mapped_column(Text)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # A credit note's detail (app.billing.corrections): the detail it corrects, what that
    # billed and what should have been billed; quantity, amount and tax above are the
    # difference within the billed billing type (billing_type above is the billed one).
    # It never holds its item (is_open is false): the original's detail does.
    corrects_detail_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoice_line_details.id"), index=True)
    billed_quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    billed_price: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    billed_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    billed_tax: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    corrected_billing_type: Mapped[str | None] = mapped_column(String(20))
    corrected_quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    corrected_price: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    corrected_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    corrected_tax: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    invoice_line: Mapped[InvoiceLine] = relationship(back_populates="details")
    actual: Mapped[Actual | None] = relationship()
    milestone: Mapped[Milestone | None] = relationship()
    project: Mapped[Project | None] = relationship()
    task: Mapped[Task | None] = relationship()
    category: Mapped[Category | None] = relationship()
    role: Mapped[Role | None] = relationship()
    resource: Mapped[Resource | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    product: Mapped[Product | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def backing(self) -> str:
        """What the row is backed by: "actual", "milestone" or "none" (SPEC 5.4)."""
        if self.actual_id is not None:
            return "actual"
        if self.milestone_id is not None:
            return "milestone"
        return "none"


class BilledSale(db.Model):
    """What the customer was charged, written at confirmation with the invoice's values."""

    __tablename__ = "billed_sales"
    __table_args__ = (one_of("billing_type", BILLING_TYPES),
                      Index("ix_billed_sales_contract_line", "contract_line_id", "billing_type"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed: a credit note finds the rows of the invoice it corrects.
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("invoice_lines.id"))
    detail_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_line_details.id"))
    contract_line_id: Mapped[int] = mapped_column(ForeignKey("contract_lines.id"))
    actual_id: Mapped[int | None] = mapped_column(ForeignKey("actuals.id"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"))
    transaction_class: Mapped[str | None] = mapped_column(String(10))
    billing_type: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date | None] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    price: Mapped[Decimal] = mapped_column(ExactDecimal)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal)
    tax: Mapped[Decimal] = mapped_column(ExactDecimal)
    currency: Mapped[str] = mapped_column(String(3))
    posted_at: Mapped[dt.datetime] = mapped_column(server_default=func.current_timestamp())
    # A credit note's row: the billed-sales row of the original whose values it corrects.
    corrects_sale_id: Mapped[int | None] = mapped_column(ForeignKey("billed_sales.id"))


class InvoiceSend(db.Model):
    """One attempt to e-mail a confirmed invoice: when, to whom, and how it went."""

    __tablename__ = "invoice_sends"
    __table_args__ = (one_of("result", SEND_RESULTS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    sent_at: Mapped[dt.datetime] = mapped_column(server_default=func.current_timestamp())
    recipient: Mapped[str] = mapped_column(String(254))
    result: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(Text)
    # The SHA-256 of the PDF that went out (the issued document's, byte for byte).
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    invoice: Mapped[Invoice] = relationship(back_populates="sends")


class IssuedDocument(db.Model):
    """What a confirmed invoice's document shows, frozen at confirmation (the seller
    block, bill-to, language, document settings and texts), and the exact PDF bytes once
    rendered: a legal record that later changes of settings or the customer never alter."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        CheckConstraint("(pdf IS NULL) = (pdf_sha256 IS NULL)", name="pdf_with_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), unique=True)
    frozen_at: Mapped[dt.datetime]
    content: Mapped[str] = mapped_column(Text)  # the document's view model as JSON
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_rendered_at: Mapped[dt.datetime | None]

    invoice: Mapped[Invoice] = relationship(back_populates="issued_document")


class Counter(db.Model):
    """The next value of a generated number, read and bumped under a row lock.

    Numbers are never made by counting rows: legal numbers must be gapless and unique
    even with concurrent confirmations.
    """

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
