"""Benchmark: correcting an invoice of N details (not a test; prints figures).

    uv run python bench/credit_note.py [--sizes 1000,10000] [--postgres URL|none]

For each N: one contract with N ready time actuals (bench/engine.py's seed), its invoice
created and confirmed, then timed: Correct (the draft credit note with N corrective rows),
one corrected quantity (an editor save: the row, its line and the header recomputed),
and the credit note's confirmation (N billed-sales differences, N items back to ready).
Budget (SQLite, 2 cores): Correct of 10,000 details ≤ 2 s; a save ≤ 50 ms at any N;
the confirmation within 2× the invoice's own.
"""

import argparse
import datetime as dt
import logging
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Actual, InvoiceLineDetail  # noqa: E402
from app.services.corrections import correct_invoice, update_correction  # noqa: E402
from app.services.invoicing import InvoiceParameters, create_invoice  # noqa: E402
from app.services.lifecycle import confirm_invoice  # noqa: E402
from bench.engine import postgres_database, seed  # noqa: E402


def timed(function, *args, **kwargs):
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - began


def run(url: str, n: int) -> dict[str, float]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    figures = {}
    with app.app_context():
        upgrade()
        seed(n)
        code = create_invoice("bench", InvoiceParameters(cutoff=dt.date(2026, 12, 31))).code
        db.session.remove()
        original, figures["confirm invoice"] = timed(confirm_invoice, code)
        code, total = original.code, original.total_amount
        db.session.remove()
        credit_note, figures["correct"] = timed(correct_invoice, code)
        assert credit_note.total_amount == -total
        detail = db.session.scalars(select(InvoiceLineDetail).where(
            InvoiceLineDetail.invoice_id == credit_note.id).limit(1)).one()
        code, detail_id, version = credit_note.code, detail.id, detail.version
        db.session.remove()
        _edit, figures["one save"] = timed(update_correction, code, detail_id, version,
                                           {"corrected_quantity": Decimal(5)})
        db.session.remove()
        _confirmed, figures["confirm credit note"] = timed(confirm_invoice, code)
        ready = db.session.scalar(select(db.func.count()).select_from(Actual)
                                  .where(Actual.status == "ready"))
        assert ready == n - 1, ready
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="an admin URL to create bench databases with, or 'none'")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    steps = ("confirm invoice", "correct", "one save", "confirm credit note")
    print(f"{'backend':<11}{'N':>8}" + "".join(f"{step:>21}" for step in steps) + "   (seconds)")
    for n in (int(s) for s in args.sizes.split(",")):
        backends = [("sqlite", None)]
        if args.postgres != "none":
            backends.append(("postgresql", args.postgres))
        for backend, admin in backends:
            with tempfile.TemporaryDirectory() as directory:
                url = (f"sqlite:///{directory}/bench.sqlite" if admin is None
                       else postgres_database(admin, f"invoicing_bench_cn_{n}"))
                figures = run(url, n)
            print(f"{backend:<11}{n:>8}" + "".join(f"{figures[s]:>21.3f}" for s in steps),
                  flush=True)


if __name__ == "__main__":
    main()
