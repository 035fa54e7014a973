"""Payments and refunds of invoices (issue 15): several per invoice, never deleted, a wrong
one reversed with who and why. Invoices already marked as paid get the payment of their
total on their payment date.

Revision ID: e5f6a7b80904
Revises: d4e5f6a70803
Create Date: 2026-12-03 13:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5f6a7b80904'
down_revision = 'd4e5f6a70803'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), server_default='payment', nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('method', sa.String(length=20), server_default='bank_transfer', nullable=False),
        sa.Column('reference', sa.String(length=100), nullable=True),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.Column('recorded_by', sa.String(length=254), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.Column('reversed_at', sa.DateTime(), nullable=True),
        sa.Column('reversed_by', sa.String(length=254), nullable=True),
        sa.Column('reversal_reason', sa.Text(), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.CheckConstraint("kind IN ('payment', 'refund')", name=op.f('ck_payments_kind_valid')),
        sa.CheckConstraint("method IN ('bank_transfer', 'card', 'cash', 'other')",
                           name=op.f('ck_payments_method_valid')),
        sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
        sa.CheckConstraint('(reversed_at IS NULL) = (reversal_reason IS NULL)',
                           name=op.f('ck_payments_reversal_with_reason')),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'],
                                name=op.f('fk_payments_invoice_id_invoices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    )
    op.create_index(op.f('ix_payments_invoice_id'), 'payments', ['invoice_id'], unique=False)
    # An invoice marked as paid before payments existed was paid in full on its payment date.
    op.execute("INSERT INTO payments (invoice_id, kind, date, amount, method, reference, note, "
               "recorded_by) SELECT id, 'payment', paid_on, total_amount, 'other', "
               "payment_reference, '', 'migration' FROM invoices "
               "WHERE status = 'paid' AND total_amount > 0")


def downgrade():
    op.drop_index(op.f('ix_payments_invoice_id'), table_name='payments')
    op.drop_table('payments')
