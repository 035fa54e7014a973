"""Benchmark: the inline invoice editor on a large invoice (not a test; prints figures).

    uv run python bench/editor.py [--details 5000] [--edits 200] [--pages 50]
                                  [--postgres URL|none] [--no-budget]

Builds a fresh database with one contract and an invoice of N details (N ready time
actuals put on a draft by create_invoice), then measures, in process through the Flask test
client (so: server time, no network):

- the invoice page (GET /invoices/<id>, the editor as a reviewer opens it), `--pages` times;
- single-cell edits as htmx posts them (POST /invoices/<id>/details/<detail>, the row's
  version, HX-Request): `--edits` edits of random details, cycling through a billing type
  change (the row moves group: the heaviest answer), a tax and a description.

Reports p50 and p95 in milliseconds, and the SQL statements one cell edit issues (by the
kind of cell: a billing type that moves the row is the heaviest). Budget: p95 ≤ 50 ms for an edit and ≤ 300 ms for the
page at 5,000 details. --postgres takes the URL of a database it may empty (its public
schema is dropped and migrated again); by default only SQLite runs.
"""

import argparse
import datetime as dt
import logging
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, event, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import InvoiceLineDetail  # noqa: E402
from app.services.invoicing import InvoiceParameters, create_invoice  # noqa: E402
from bench.engine import seed  # noqa: E402  (one contract "bench" with n ready actuals)

PAGE_BUDGET_MS, EDIT_BUDGET_MS = 300, 50
HX = {"HX-Request": "true"}
VERSION = re.compile(r'name="version" value="(\d+)"')


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def reset_postgresql(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def measure(url: str, details: int, edits: int, pages: int) -> dict[str, list[float]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "LOGIN_DISABLED": True})
    timings: dict[str, list[float]] = {"page": [], "edit": []}
    statements: dict[str, list[int]] = {}
    executed = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *_args: executed.__setitem__(0, executed[0] + 1))
        upgrade()
        seed(details)
        code = create_invoice("bench", InvoiceParameters(cutoff=dt.date(2026, 12, 31))).code
        ids = list(db.session.scalars(select(InvoiceLineDetail.id)))
        versions = dict.fromkeys(ids, 1)
        db.session.remove()
        client = app.test_client()

        def timed(kind, call):
            began = time.perf_counter()
            response = call()
            timings[kind].append((time.perf_counter() - began) * 1000)
            db.session.remove()  # a request of its own, as in production
            return response

        for _ in range(3):  # warm-up: templates compiled, statements cached
            client.get(f"/invoices/{code}")
        for _ in range(pages):
            response = timed("page", lambda: client.get(f"/invoices/{code}"))
            assert response.status_code == 200, response.status_code
        assert response.get_data(as_text=True).count('data-testid="detail-row"') == 50

        rng = random.Random(7)
        cells = [("billing_type", lambda i: rng.choice(["non_chargeable", "complimentary",
                                                        "chargeable"])),
                 ("tax", lambda i: f"{rng.randint(0, 300000) / 100:.2f}"),
                 ("description", lambda i: f"Reviewed work item {i}")]
        for i in range(edits):
            detail_id = rng.choice(ids)
            field, value = cells[i % len(cells)]
            data = {"version": versions[detail_id], field: value(i)}
            before = executed[0]
            response = timed("edit", lambda: client.post(
                f"/invoices/{code}/details/{detail_id}", data=data, headers=HX))
            statements.setdefault(field, []).append(executed[0] - before)
            assert response.status_code == 200, response.status_code
            versions[detail_id] = int(VERSION.search(response.get_data(as_text=True)).group(1))
        db.session.remove()
        db.engine.dispose()
    timings["statements"] = statements
    return timings


def report(backend: str, details: int, timings: dict) -> bool:
    ok = True
    counts = ", ".join(f"{field} {min(n)}–{max(n)}" for field, n in timings["statements"].items())
    print(f"{backend:<11}{details:>8}  SQL statements per cell edit: {counts}", flush=True)
    for kind, budget in (("page", PAGE_BUDGET_MS), ("edit", EDIT_BUDGET_MS)):
        values = timings[kind]
        p50, p95 = statistics.median(values), percentile(values, 95)
        within = p95 <= budget
        ok &= within
        print(f"{backend:<11}{details:>8}  {kind:<5}{len(values):>6}{p50:>9.1f}{p95:>9.1f}"
              f"{max(values):>9.1f}   ≤ {budget} ms  {'ok' if within else 'OVER BUDGET'}", flush=True)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", type=int, default=5000)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--postgres", help="URL of a PostgreSQL database it may empty "
                        "('none', the default: SQLite only)")
    parser.add_argument("--no-budget", action="store_true",
                        help="exit 0 whatever the figures (a small-N run that only checks the "
                        "bench works, tests/services/test_benches.py)")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    print(f"{'backend':<11}{'details':>8}  {'what':<5}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    ok = True
    with tempfile.TemporaryDirectory() as directory:
        timings = measure(f"sqlite:///{directory}/bench.sqlite", args.details, args.edits, args.pages)
        ok &= report("sqlite", args.details, timings)
    if args.postgres and args.postgres != "none":
        reset_postgresql(args.postgres)
        ok &= report("postgresql", args.details,
                     measure(args.postgres, args.details, args.edits, args.pages))
    sys.exit(0 if ok or args.no_budget else 1)


if __name__ == "__main__":
    main()
