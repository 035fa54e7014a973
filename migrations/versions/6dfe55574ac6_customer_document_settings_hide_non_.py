"""Customer document settings: hide non-chargeable rows, time annex

Revision ID: 6dfe55574ac6
Revises: 7f87bc34d419
Create Date: 2026-11-22 17:44:20.417118

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6dfe55574ac6'
down_revision = '7f87bc34d419'
branch_labels = None
depends_on = None


def upgrade():
    # sa.false() renders as 0 on SQLite and false on PostgreSQL (a boolean column there
    # refuses the integer 0 that autogenerate wrote).
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hide_non_chargeable', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('time_annex', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('time_annex')
        batch_op.drop_column('hide_non_chargeable')
