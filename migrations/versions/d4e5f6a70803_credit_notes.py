"""Credit notes (issue 14): a correction's link to what it corrects, what was billed and
what should have been, per detail, product line and header; at most one draft correction
of an invoice; billed-sales rows linked to the rows they correct (and found by invoice).

SQLite: columns are added with ALTER TABLE (a batch copy of invoice_line_details would drop
its placement triggers); only the invoices table, which has none, is copied to change its
checks.

Revision ID: d4e5f6a70803
Revises: c3d4e5f60702
Create Date: 2026-12-03 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e5f6a70803'
down_revision = 'c3d4e5f60702'
branch_labels = None
depends_on = None

OPEN_CORRECTION = ("corrects_invoice_id IS NOT NULL AND status = 'active' "
                   "AND project_invoice_status <> 'confirmed'")
MONEY = {
    "invoices": ("billed_detail_amount", "billed_discount_amount", "billed_freight_amount",
                 "corrected_freight_amount"),
    "invoice_lines": ("billed_quantity", "billed_amount", "billed_tax", "corrected_quantity",
                      "corrected_amount", "corrected_tax"),
    "invoice_line_details": ("billed_quantity", "billed_price", "billed_amount", "billed_tax",
                             "corrected_quantity", "corrected_price", "corrected_amount",
                             "corrected_tax"),
}
# table → (column, referred table)
LINKS = {"invoice_lines": ("corrects_line_id", "invoice_lines"),
         "invoice_line_details": ("corrects_detail_id", "invoice_line_details"),
         "billed_sales": ("corrects_sale_id", "billed_sales")}


def _fk(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_{column}_{referred}"


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, (column, referred) in LINKS.items():
        if sqlite:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                       f"CONSTRAINT {_fk(table, column, referred)} REFERENCES {referred} (id)")
        else:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(_fk(table, column, referred), table, referred, [column], ["id"])
    for table in ("invoice_lines", "invoice_line_details"):
        for column in MONEY[table]:
            op.add_column(table, sa.Column(column, sa.BigInteger(), nullable=True))
    op.add_column("invoice_line_details",
                  sa.Column("corrected_billing_type", sa.String(length=20), nullable=True))
    op.create_index("ix_invoice_line_details_corrects_detail_id", "invoice_line_details",
                    ["corrects_detail_id"])
    op.create_index("ix_billed_sales_invoice_id", "billed_sales", ["invoice_id"])
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        for column in MONEY["invoices"]:
            batch_op.add_column(sa.Column(column, sa.BigInteger(), nullable=True))
        batch_op.drop_constraint(op.f("ck_invoices_discount_freight_not_negative"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_invoices_discount_freight_sign"),
            "CASE WHEN invoice_type = 'credit_note' "
            "THEN discount_amount <= 0 AND freight_amount <= 0 "
            "ELSE discount_amount >= 0 AND freight_amount >= 0 END")
        batch_op.create_check_constraint(
            op.f("ck_invoices_credit_note_corrects_an_invoice"),
            "(invoice_type = 'credit_note') = (corrects_invoice_id IS NOT NULL)")
    op.create_index("uq_invoices_open_correction", "invoices", ["corrects_invoice_id"],
                    unique=True, sqlite_where=sa.text(OPEN_CORRECTION),
                    postgresql_where=sa.text(OPEN_CORRECTION))


def downgrade():
    op.drop_index("uq_invoices_open_correction", table_name="invoices")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_invoices_credit_note_corrects_an_invoice"), type_="check")
        batch_op.drop_constraint(op.f("ck_invoices_discount_freight_sign"), type_="check")
        batch_op.create_check_constraint(op.f("ck_invoices_discount_freight_not_negative"),
                                         "discount_amount >= 0 AND freight_amount >= 0")
        for column in MONEY["invoices"]:
            batch_op.drop_column(column)
    op.drop_index("ix_billed_sales_invoice_id", table_name="billed_sales")
    op.drop_index("ix_invoice_line_details_corrects_detail_id", table_name="invoice_line_details")
    op.drop_column("invoice_line_details", "corrected_billing_type")
    for table in ("invoice_line_details", "invoice_lines"):
        for column in MONEY[table]:
            op.drop_column(table, column)
    for table, (column, referred) in LINKS.items():
        if op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(_fk(table, column, referred), table, type_="foreignkey")
        op.drop_column(table, column)
