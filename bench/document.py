"""Benchmark: rendering the invoice document of a long invoice as PDF (not a test; prints
figures).

    uv run python bench/document.py [--rows 1450] [--repeat 3]

Builds a fresh SQLite database with one confirmed invoice of N one-line time details
(1,450 make 41 A4 pages), then times building the document's view model and
rendering the PDF with WeasyPrint, and reports pages, seconds and pages per second.
"""

import argparse
import io
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from app import create_app  # noqa: E402
from app.documents.document import build_document  # noqa: E402
from app.documents.rendering import render_pdf  # noqa: E402
from tests.worlds import LONG_INVOICE_ROWS, long_invoice  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=LONG_INVOICE_ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' progress lines
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade()
            invoice = long_invoice(args.rows)
            timings = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                built = time.perf_counter()
                document = build_document(invoice)
                built = time.perf_counter() - built
                pdf = render_pdf(document)
                timings.append((time.perf_counter() - started, built))
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
    best, build = min(timings)
    print(f"rows={args.rows} pages={pages} pdf_bytes={len(pdf):,}")
    print(f"render seconds: best {best:.2f} (view model {build:.2f}), "
          f"all {', '.join(f'{t:.2f}' for t, _ in timings)}; {pages / best:.1f} pages/s")


if __name__ == "__main__":
    main()
