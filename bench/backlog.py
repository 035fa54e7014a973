"""Benchmark: the billing backlog page with 20,000 actuals (not a test; prints figures).

    uv run python bench/backlog.py [--actuals 20000] [--requests 30] [--postgres URL]

Builds a fresh database (a SQLite file; with --postgres, an EMPTY PostgreSQL database of
your own, whose public schema is dropped and recreated) with three contracts, their
milestones and product lines, and N actuals bulk-inserted in mixed states (unbilled, ready,
on invoices, not available). Then it times server requests through Flask's test client
(routing, queries, template, no network): the first page, a filtered page, a late page and
the "all matching" selection summary, each `--requests` times after one warm-up, and
prints p50 / p95 in milliseconds and the SQL statements per request.
Budget: ≤ 300 ms per page.
"""

import argparse
import datetime as dt
import logging
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from flask_sqlalchemy.record_queries import get_recorded_queries  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from app import create_app  # noqa: E402
from app.billing.totals import default_tax, detail_amount  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (Actual, Category, Contract, ContractLine, ContractLineClass,  # noqa: E402
                        Customer, Milestone, PriceList, Project, Resource, Role, Task)

STATUSES = ["unbilled"] * 5 + ["ready"] * 4 + ["invoice_created", "invoice_posted"]


def seed(n: int) -> dict:
    """Three contracts on three projects; n actuals spread over them and over 2026."""
    customer = Customer(name="Bench A/S", email="b@example.com", street="s", postal_code="1",
                        city="c", country="DK")
    price_list = PriceList(name="Bench prices", currency="DKK")
    roles = [Role(name=f"Role {i}", chargeable=i != 3) for i in range(4)]
    resources = [Resource(name=f"Person {i}") for i in range(6)]
    categories = [Category(name=f"Category {i}") for i in range(4)]
    db.session.add_all([customer, price_list, *roles, *resources, *categories])
    lines, projects = [], []
    for c in range(3):
        project = Project(name=f"Project {c}", customer=customer)
        project.tasks = [Task(name=f"Task {t}") for t in range(4)]
        contract = Contract(number=f"C-B{c:04d}", key=f"bench-{c}", name=f"Bench {c}",
                            customer=customer, currency="DKK", price_list=price_list,
                            tax_rate=Decimal(25))
        tm = ContractLine(contract=contract, name="T&M", billing_method="time_and_material",
                          project=project, amount=Decimal(0), tax_rate=Decimal(25), position=0)
        fixed = ContractLine(contract=contract, name="Fixed", billing_method="fixed_price",
                             project=project, amount=Decimal("20000.00"), tax_rate=Decimal(25),
                             position=1)
        fixed.milestones = [Milestone(name=f"M{m}", date=dt.date(2026, 1 + m % 12, 15),
                                      amount=Decimal("1000.00"), tax=Decimal("250.00"),
                                      status="not_ready" if m % 2 else "ready")
                            for m in range(20)]
        product = ContractLine(contract=contract, name="Licence", billing_method="product",
                               quantity=Decimal(2), price=Decimal("100.00"),
                               tax=Decimal("50.00"), tax_rate=Decimal(25), status="ready",
                               product_name="Licence", position=2)
        db.session.add_all([project, contract, tm, fixed, product])
        lines.append(tm)
        projects.append(project)
    db.session.flush()
    for project, line in zip(projects, lines, strict=True):
        for transaction_class in ("time", "expense"):
            db.session.add(ContractLineClass(contract_line_id=line.id, project_id=project.id,
                                             transaction_class=transaction_class))
    rows = []
    start = dt.date(2026, 1, 1)
    for i in range(n):
        c = i % 3
        is_time = i % 4 != 3
        quantity = Decimal("7.5") if is_time else Decimal(1 + i % 3)
        price = Decimal("950.00") if is_time else Decimal("1200.00")
        amount = detail_amount(quantity, price, "DKK")
        # Every 50th expense of project 2 is on no line: not available, never in the backlog.
        not_available = not is_time and c == 2 and i % 50 == 3
        rows.append({
            "project_id": projects[c].id, "task_id": projects[c].tasks[i % 4].id,
            "contract_line_id": None if not_available else lines[c].id,
            "transaction_class": "time" if is_time else "expense",
            "date": start + dt.timedelta(days=i % 330),
            "role_id": roles[i % 4].id if is_time else None,
            "resource_id": resources[i % 6].id if is_time else None,
            "category_id": None if is_time else categories[i % 4].id,
            "unit_id": 1 if is_time else 3, "quantity": quantity, "price": price,
            "currency": "DKK", "amount": amount, "tax": default_tax(amount, Decimal(25), "DKK"),
            "billing_type": ("not_available" if not_available
                             else "non_chargeable" if is_time and i % 4 == 3 else "chargeable"),
            "internal_comment": f"Work item {i}", "external_comment": "Development",
            "description": "" if is_time else f"Expense {i}",
            "status": STATUSES[i % len(STATUSES)]})
    for chunk in range(0, n, 5000):
        db.session.execute(insert(Actual), rows[chunk:chunk + 5000])
    db.session.commit()
    return {"contract": "C-B0001", "project": str(projects[1].id)}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client, method: str, url: str, data: dict | None, requests: int):
    """Milliseconds of each request after one warm-up, and the statements of one request."""
    call = client.get if method == "GET" else client.post
    response = call(url, data=data)
    assert response.status_code == 200, (url, response.status_code)
    before = len(get_recorded_queries())
    call(url, data=data)
    statements = len(get_recorded_queries()) - before
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = call(url, data=data)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    return times, statements, len(response.data)


def run(url: str, n: int, requests: int) -> None:
    # LOGIN_DISABLED: the pages as a signed-in user gets them (else a 302 to the sign-in page).
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "SQLALCHEMY_RECORD_QUERIES": True,
                      "LOGIN_DISABLED": True})
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        refs = seed(n)
        seeded = time.perf_counter() - began
        db.session.remove()
        in_backlog = db.session.scalar(text(
            "SELECT count(*) FROM actuals WHERE status IN ('unbilled', 'ready') "
            "AND billing_type <> 'not_available'"))
        last_page = -(-in_backlog // app.config["PAGE_SIZE"])
        print(f"{db.engine.dialect.name}: {n:,} actuals ({in_backlog:,} in the backlog, "
              f"{last_page} pages of {app.config['PAGE_SIZE']}), seeded in {seeded:.1f} s")
        cases = [
            ("page 1", "GET", "/backlog", None),
            ("filtered", "GET", (f"/backlog?contract={refs['contract']}&kind=time&status=ready"
                                 f"&date_from=2026-03-01&date_to=2026-09-30"), None),
            ("late page", "GET", f"/backlog?page={last_page - 1}", None),
            ("all matching (htmx)", "POST", "/backlog/selection", {"all_matching": "1"}),
        ]
        client = app.test_client()
        print(f"{'request':<22}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'SQL':>5}{'KiB':>6}")
        for name, method, path, data in cases:
            times, statements, size = measure(client, method, path, data, requests)
            print(f"{name:<22}{statistics.median(times):>8.1f}{percentile(times, .95):>8.1f}"
                  f"{max(times):>8.1f}{statements:>5}{size / 1024:>6.0f}", flush=True)
        db.session.remove()
        db.engine.dispose()


def reset_postgresql(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actuals", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database of your own "
                        "('none', the default: SQLite only)")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as directory:
        run(f"sqlite:///{directory}/backlog.sqlite", args.actuals, args.requests)
    if args.postgres and args.postgres != "none":
        reset_postgresql(args.postgres)
        run(args.postgres, args.actuals, args.requests)


if __name__ == "__main__":
    main()
