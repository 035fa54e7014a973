"""Audit trail: a hash chain per invoice (seq, hash), refuse TRUNCATE (PostgreSQL) and
REPLACE (SQLite); entries' time set by the app

Revision ID: b2c3d4e5f601
Revises: 97e8890f6f1c
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# The one definition of the chain's hash: the entries written before this migration are
# chained exactly as the app chains new ones (and `audit verify` checks them).
from app.billing import audit_chain


# revision identifiers, used by Alembic.
revision = 'b2c3d4e5f601'
down_revision = '97e8890f6f1c'
branch_labels = None
depends_on = None

BATCH = 5000
MESSAGE = "audit entries are append-only"
# SQLite: what the append-only triggers are, by name (a table rebuilt in batch mode loses
# its triggers, so they are dropped before and created again after).
_SQLITE_BEFORE = {
    "audit_entries_no_update": f"""
        CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    "audit_entries_no_delete": f"""
        CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
}
_SQLITE_REPLACE = {
    # INSERT OR REPLACE / REPLACE INTO delete the row in the way without firing the
    # DELETE trigger (unless recursive_triggers is on): refuse an insert that would meet
    # an existing entry, before the conflict is resolved.
    "audit_entries_no_replace": f"""
        CREATE TRIGGER audit_entries_no_replace BEFORE INSERT ON audit_entries
        WHEN EXISTS (SELECT 1 FROM audit_entries WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    # …and one that would meet an entry's place in its chain. Said as SQLite says it of
    # the unique constraint it pre-empts, so that a race still reads as one (409).
    "audit_entries_no_replace_seq": """
        CREATE TRIGGER audit_entries_no_replace_seq BEFORE INSERT ON audit_entries
        WHEN EXISTS (SELECT 1 FROM audit_entries
                     WHERE invoice_code = NEW.invoice_code AND seq = NEW.seq)
        BEGIN SELECT RAISE(ABORT,
            'UNIQUE constraint failed: audit_entries.invoice_code, audit_entries.seq'); END""",
}

_entries = sa.table(
    "audit_entries", sa.column("id", sa.Integer), sa.column("invoice_code", sa.String),
    sa.column("seq", sa.Integer), sa.column("hash", sa.String), sa.column("user_id", sa.Integer),
    sa.column("actor", sa.String), sa.column("at", sa.DateTime), sa.column("action", sa.String),
    sa.column("target", sa.String), sa.column("field", sa.String),
    sa.column("old_value", sa.Text), sa.column("new_value", sa.Text))


def _chain_existing_entries(bind) -> None:
    """Give every entry its seq and hash: each invoice's entries in id order, read and
    written in batches (keyset by id)."""
    heads: dict[str, tuple[int, str]] = {}
    columns = [_entries.c[name] for name in ("id", *audit_chain.FIELDS) if name != "seq"]
    update = (_entries.update().where(_entries.c.id == sa.bindparam("entry_id"))
              .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash")))
    last = 0
    while True:
        rows = bind.execute(sa.select(*columns).where(_entries.c.id > last)
                            .order_by(_entries.c.id).limit(BATCH)).mappings().all()
        if not rows:
            return
        changes = []
        for row in rows:
            seq, previous = heads.get(row["invoice_code"], (0, audit_chain.GENESIS))
            [entry] = audit_chain.chained([row], seq, previous)
            heads[row["invoice_code"]] = (entry["seq"], entry["hash"])
            changes.append({"entry_id": row["id"], "new_seq": entry["seq"],
                            "new_hash": entry["hash"]})
        bind.execute(update, changes)
        last = rows[-1]["id"]


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    # Filling them in is an UPDATE, which the trail refuses: lift that while it runs.
    if postgresql:
        op.execute("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only")
    else:
        for name in _SQLITE_BEFORE:
            op.execute(f"DROP TRIGGER {name}")
    _chain_existing_entries(bind)
    if postgresql:
        op.execute("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only")

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        # The app sets the time: the hash covers it, so it must be the app's value.
        batch_op.alter_column('at', existing_type=sa.DateTime(), existing_nullable=False,
                              server_default=None)
        # The unique (invoice, seq) serves the head and the timeline in its place.
        batch_op.drop_index('ix_audit_entries_invoice')
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entries_invoice_code_seq'),
                                          ['invoice_code', 'seq'])

    if postgresql:
        # A statement-level trigger: TRUNCATE fires no row triggers, and TRUNCATE … CASCADE
        # (from users, whom entries reference) fires those of every table it reaches.
        op.execute("""
            CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
            FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()""")
    else:
        for sql in (*_SQLITE_BEFORE.values(), *_SQLITE_REPLACE.values()):
            op.execute(sql)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP TRIGGER audit_entries_no_truncate ON audit_entries")
    else:
        for name in (*_SQLITE_BEFORE, *_SQLITE_REPLACE):
            op.execute(f"DROP TRIGGER {name}")

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entries_invoice_code_seq'), type_='unique')
        batch_op.create_index('ix_audit_entries_invoice', ['invoice_code', 'id'], unique=False)
        batch_op.alter_column('at', existing_type=sa.DateTime(), existing_nullable=False,
                              server_default=sa.text('(CURRENT_TIMESTAMP)'))
        batch_op.drop_column('hash')
        batch_op.drop_column('seq')

    if not postgresql:
        for sql in _SQLITE_BEFORE.values():
            op.execute(sql)
