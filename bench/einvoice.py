"""Benchmark: the e-invoice of a confirmed invoice of N details (not a test; prints figures).

    uv run python bench/einvoice.py [--sizes 1000] [--rules DIR] [--postgres URL|none]

For each N: one contract with N ready time actuals (bench/engine.py's seed), its invoice
created and confirmed, the customer and seller given electronic addresses; then timed, for
Peppol BIS 3 and OIOUBL 2.1: the first export in the process (stylesheets compiled), and
the median of 5 warm ones split into building the UBL and validating it (XSD + rules).
"""

import argparse
import datetime as dt
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import current_app  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.documents import einvoice  # noqa: E402
from app.documents.einvoice import ubl, validation  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Customer  # noqa: E402
from app.services.invoicing import InvoiceParameters, create_invoice  # noqa: E402
from app.services.lifecycle import confirm_invoice, find_invoice  # noqa: E402
from bench.engine import postgres_database, seed  # noqa: E402
from bench.einvoice_validation import DEFAULT_RULES, rules_or_exit  # noqa: E402

SELLER = {"COMPANY_NAME": "Bench Seller ApS", "COMPANY_VAT_ID": "DK25313763",
          "COMPANY_STREET": "Strandvejen 100", "COMPANY_POSTAL_CODE": "2900",
          "COMPANY_CITY": "Hellerup", "COMPANY_COUNTRY": "DK",
          "COMPANY_REGISTRATION_ID": "25313763", "COMPANY_ENDPOINT_ID": "25313763",
          "COMPANY_ENDPOINT_SCHEME": "0184", "COMPANY_IBAN": "DK5000400440116243",
          "COMPANY_BIC": "DABADKKK"}


def run(url: str, n: int, rules: str) -> dict[str, float]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "EINVOICE_RULES_DIR": rules, **SELLER})
    figures = {}
    with app.app_context():
        upgrade()
        seed(n)
        customer = db.session.query(Customer).one()
        customer.endpoint_scheme, customer.endpoint_id = "0184", "13585628"
        customer.registration_id, customer.tax_registration_id = "13585628", "DK13585628"
        db.session.commit()
        code = confirm_invoice(create_invoice(
            "bench", InvoiceParameters(cutoff=dt.date(2026, 12, 31))).code).code
        db.session.remove()
        for profile in einvoice.PROFILES:
            invoice = find_invoice(code)
            began = time.perf_counter()
            result = einvoice.export(invoice, profile)
            figures[f"{profile} first"] = time.perf_counter() - began
            assert result.ok, (result.problems, result.report.fatal[:3])
            builds, checks = [], []
            for _round in range(5):
                began = time.perf_counter()
                built = ubl.build(invoice, profile, current_app.config)
                builds.append(time.perf_counter() - began)
                began = time.perf_counter()
                validation.validate(built.xml, profile, rules)
                checks.append(time.perf_counter() - began)
            figures[f"{profile} build"] = statistics.median(builds)
            figures[f"{profile} validate"] = statistics.median(checks)
            figures[f"{profile} KB"] = len(built.xml) / 1024
            db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--rules", default=DEFAULT_RULES)
    parser.add_argument("--postgres", default="none",
                        help="an admin URL to create bench databases with, or 'none'")
    args = parser.parse_args()
    args.rules = rules_or_exit(args.rules)
    logging.disable(logging.INFO)
    steps = [f"{p} {s}" for p in einvoice.PROFILES for s in ("first", "build", "validate", "KB")]
    print(f"{'backend':<11}{'N':>7}" + "".join(f"{step:>18}" for step in steps)
          + "   (seconds; KB of XML)")
    for n in (int(s) for s in args.sizes.split(",")):
        backends = [("sqlite", None)] + ([("postgresql", args.postgres)]
                                         if args.postgres != "none" else [])
        for backend, admin in backends:
            with tempfile.TemporaryDirectory() as directory:
                url = (f"sqlite:///{directory}/bench.sqlite" if admin is None
                       else postgres_database(admin, f"invoicing_bench_ubl_{n}"))
                figures = run(url, n, args.rules)
            print(f"{backend:<11}{n:>7}" + "".join(
                f"{figures[s]:>18.1f}" if s.endswith("KB") else f"{figures[s]:>18.3f}"
                for s in steps), flush=True)


if __name__ == "__main__":
    main()
