"""What the fuzz tests share (issue 13): hostile values and a fingerprint of the database."""

import hashlib

from hypothesis import strategies as st
from sqlalchemy import text

from app.extensions import db

# Values a clumsy user or an attacker types.
HOSTILE = [
    "", " ", "\x00", "nul\x00byte", "a\x00" * 50, "2147483648", "99999999999",
    "-2147483649", "99999999999999999999999999999999", "-1", "0", "1e308", "1E+999999",
    "-1e-999", "NaN", "Infinity", "-Infinity", "0x10", "1_000", "1,5", "1.234,56",
    "١٢٣", "１２３", "½", "9" * 400, "0." + "0" * 300 + "1", "Evil\r\nBcc: x@example.com",
    "line\nbreak", "\r", "x" * 10_000, "ü" * 3_000, "9999-12-31", "0000-00-00", "2026-02-30",
    "10000-01-01", "1900-01-01", "2026-13-45", "31/12/2026", "<script>alert(1)</script>",
    "' OR 1=1 --", "'; DROP TABLE invoices; --", "%00", "../../etc/passwd", "\u202e", "\ufeff",
    "XXX", "XTS", "true", "null", "[]", "{}", "time", "chargeable", "admin", "DKK",
]
values = st.one_of(st.sampled_from(HOSTILE),
                   st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                   st.integers(min_value=-(2 ** 70), max_value=2 ** 70).map(str),
                   st.decimals(allow_nan=True, allow_infinity=True).map(str))


def fingerprint() -> str:
    """Every row of every table, hashed: two equal fingerprints mean nothing was written."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        # Sorted here: PostgreSQL cannot order by a JSON column.
        rows = sorted(map(repr, db.session.execute(text(f"SELECT * FROM {table.name}"))))
        digest.update(f"{table.name}:{rows!r}".encode())
    db.session.rollback()
    return digest.hexdigest()
