"""Benchmark: putting N ready actuals on one invoice (not a test; prints figures).

    uv run python bench/engine.py [--sizes 1000,10000,100000] [--postgres URL|none]

For each N it builds a fresh database with one contract and N ready actuals, then times
create_invoice (lines, details, status updates, totals, commit) and reports seconds,
rows per second and the peak of Python memory allocated during the call (tracemalloc).
As floors it times plain sqlite3 inserting N detail rows with executemany, into a bare
table of the same columns and into the app's own detail table (same indexes and checks).
Budget (SQLite, 2 cores): 10,000 actuals ≤ 1 s, within 3× the floor, linear in N,
memory flat in N.
"""

import argparse
import logging
import datetime as dt
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (Actual, Contract, ContractLine, ContractLineClass, Customer,  # noqa: E402
                        PriceList, Project, Resource, Role)
from app.services.invoicing import InvoiceParameters, create_invoice  # noqa: E402
from app.services.lifecycle import delete_invoice  # noqa: E402

DETAIL_COLUMNS = ("invoice_id", "invoice_line_id", "actual_id", "transaction_class",
                  "billing_type", "description", "external_description", "start_date",
                  "project_id", "task_id", "category_id", "role_id", "resource_id", "unit_id",
                  "quantity", "price", "amount", "tax", "extended_amount")


def seed(n: int) -> None:
    """One contract with a T&M line and n ready time actuals, bulk-inserted."""
    customer = Customer(name="Bench A/S", email="b@example.com", street="s", postal_code="1",
                        city="c", country="DK")
    price_list = PriceList(name="p", currency="DKK")
    project = Project(name="Bench", customer=customer)
    contract = Contract(number="C-BENCH", key="bench", name="Bench", customer=customer,
                        currency="DKK", price_list=price_list, tax_rate=Decimal(25))
    line = ContractLine(contract=contract, name="T&M", billing_method="time_and_material",
                        project=project, amount=Decimal(0), tax_rate=Decimal(25))
    role, resource = Role(name="Dev"), Resource(name="Ana")
    db.session.add_all([contract, line, role, resource])
    db.session.flush()
    db.session.add(ContractLineClass(contract_line_id=line.id, project_id=project.id,
                                     transaction_class="time"))
    start = dt.date(2026, 1, 1)
    rows = [{"project_id": project.id, "contract_line_id": line.id, "transaction_class": "time",
             "date": start + dt.timedelta(days=i % 300), "role_id": role.id,
             "resource_id": resource.id, "unit_id": 1, "quantity": Decimal("7.5"),
             "price": Decimal("950.00"), "currency": "DKK", "amount": Decimal("7125.00"),
             "tax": Decimal("1781.25"), "billing_type": "chargeable",
             "internal_comment": f"Work item {i}", "external_comment": "Development",
             "status": "ready"} for i in range(n)]
    for chunk in range(0, n, 20000):
        db.session.execute(insert(Actual), rows[chunk:chunk + 20000])
    db.session.commit()


def _invoice_once(n: int) -> str:
    invoice = create_invoice("bench", InvoiceParameters(cutoff=dt.date(2026, 12, 31)))
    assert invoice.detail_amount == Decimal("7125.00") * n, invoice.detail_amount
    return invoice.code


def time_engine(url: str, n: int) -> tuple[float, float]:
    """Seconds of create_invoice; then, after deleting that invoice (its items go back to
    ready), the same call again under tracemalloc for the peak of Python memory."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        seed(n)
        db.session.remove()
        began = time.perf_counter()
        code = _invoice_once(n)
        seconds = time.perf_counter() - began
        db.session.remove()
        delete_invoice(code)
        db.session.remove()
        tracemalloc.start()
        _invoice_once(n)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        db.session.remove()
        db.engine.dispose()
    return seconds, peak


def time_floor(n: int, path: Path, create: str | None) -> float:
    """Plain sqlite3: insert n detail rows with executemany into the table at path (made
    with `create` when given), and commit."""
    connection = sqlite3.connect(path)
    if create:
        connection.execute(create)
    else:  # the floor has no actuals: the triggers that check each one's status go
        for trigger in ("invoice_line_details_actual_placed",
                        "invoice_line_details_milestone_placed"):
            connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    row = (1, 1, 0, "time", "chargeable", "Work item", "Development", "2026-01-01", 1, None,
           None, 1, 1, 1, 75000, 9500000, 71250000, 17812500, 89062500)
    rows = [row[:2] + (i,) + row[3:] for i in range(n)]
    began = time.perf_counter()
    connection.executemany(f"INSERT INTO invoice_line_details ({', '.join(DETAIL_COLUMNS)}) "
                           f"VALUES ({', '.join('?' * len(DETAIL_COLUMNS))})", rows)
    connection.commit()
    seconds = time.perf_counter() - began
    connection.close()
    return seconds


def floors(n: int, directory: Path) -> tuple[float, float]:
    """The floor into a bare table of the same columns, and into the app's own detail
    table (same indexes and checks, created by the migrations; without the two triggers
    that check each row's actual or milestone is placed, as the floor inserts no actuals)."""
    bare = time_floor(n, directory / "bare.sqlite", "CREATE TABLE invoice_line_details "
                      f"(id INTEGER PRIMARY KEY, {', '.join(DETAIL_COLUMNS)})")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/schema.sqlite",
                      "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return bare, time_floor(n, directory / "schema.sqlite", None)


def postgres_database(admin_url: str, name: str) -> str:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="an admin URL to create bench databases with, or 'none'")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    logging.disable(logging.INFO)
    print(f"{'backend':<11}{'N':>8}{'seconds':>9}{'rows/s':>10}{'peak MiB':>10}"
          f"{'bare floor':>12}{'×':>6}{'table floor':>13}{'×':>6}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as directory:
            bare, table = floors(n, Path(directory))
            seconds, peak = time_engine(f"sqlite:///{directory}/bench.sqlite", n)
            print(f"{'sqlite':<11}{n:>8}{seconds:>9.3f}{n / seconds:>10,.0f}{peak:>10.2f}"
                  f"{bare:>12.3f}{seconds / bare:>6.1f}{table:>13.3f}{seconds / table:>6.1f}",
                  flush=True)
        if args.postgres != "none":
            url = postgres_database(args.postgres, f"invoicing_bench_{n}")
            seconds, peak = time_engine(url, n)
            print(f"{'postgresql':<11}{n:>8}{seconds:>9.3f}{n / seconds:>10,.0f}{peak:>10.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
