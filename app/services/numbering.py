"""Generated numbers: contract numbers, invoice IDs and gapless legal invoice numbers."""

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Counter


def next_value(name: str) -> int:
    """Bump and return a named counter in the caller's transaction.

    One upsert statement: the row lock it takes is held until the caller commits, so
    concurrent transactions queue up and a rolled-back one leaves no gap.
    """
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(Counter).values(name=name, value=1)
                 .on_conflict_do_update(index_elements=[Counter.name],
                                        set_={"value": Counter.value + 1})
                 .returning(Counter.value))
    return db.session.execute(statement).scalar_one()


def next_contract_number() -> str:
    return f"C-{next_value('contract'):05d}"


def next_invoice_code() -> str:
    """The Invoice ID given at creation, e.g. PRO-000042."""
    return f"PRO-{next_value('invoice'):06d}"


def next_legal_number(year: int) -> str:
    """The gapless legal number given at confirmation, e.g. 2026-0007, one sequence a year."""
    return f"{year}-{next_value(f'legal:{year}'):04d}"
