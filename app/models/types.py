"""Column types that keep money exact on SQLite and PostgreSQL alike."""

from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint
from sqlalchemy.types import TypeDecorator

SCALE = 4


class ExactDecimal(TypeDecorator):
    """A Decimal stored as a fixed-scale integer (value × 10^4).

    SQLite has no decimal type and SQLAlchemy's Numeric passes through float there;
    integers are exact on both databases and so are their SQL sums. Values with more
    decimals than the scale are refused rather than silently rounded.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, (float, bool)) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"ExactDecimal takes Decimal or int, not {type(value).__name__}")
        scaled = Decimal(value).scaleb(SCALE)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {SCALE} decimals")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        # SUM() on PostgreSQL answers NUMERIC (a Decimal); both are exact.
        return Decimal(int(value)).scaleb(-SCALE)

    @property
    def python_type(self):
        return Decimal


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    """A CHECK that keeps a string column inside its enumeration."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")
