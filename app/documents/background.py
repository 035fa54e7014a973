"""Long invoice PDFs rendered in the background (issue 17).

WeasyPrint needs ~0.3 s a page in the request thread, so a ~100-page draft would outlive
gunicorn's 30 s worker timeout. An invoice with more than PDF_BACKGROUND_ROWS details
(`BACKGROUND_ROWS` by default) is rendered by a thread pool of the process instead: the
request starts the render (or joins the one already running for the same content) and
answers at once with a page that polls its progress.

A render is keyed by the invoice code and a fingerprint of what the document shows (the
invoice's version, and the count, version sum and highest id of its lines and details):
any edit makes a new key, and so a new render. Finished PDFs are files in the instance
folder (PDF_RENDER_DIR), so that every gunicorn worker can answer a poll and serve the download whichever
worker rendered it; the newest `KEEP` are kept, older ones dropped.

An issued invoice's PDF is rendered once and kept (app.services.issuing.keep_pdf): its
first long render goes through here too, and keeps the bytes; later downloads are served
from storage.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import func, select

from app.billing.enums import ISSUED_STATES
from app.documents.rendering import background_pdf
from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceLineDetail
from app.services import ServiceError

# More details than this and the PDF is rendered in the background (~35 rows a page,
# ~0.3 s a page: 300 rows are ~9 pages, ~3 s).
BACKGROUND_ROWS = 300
# Finished PDFs kept on disk (the newest).
KEEP = 6
# A render claimed this long ago that has not finished is taken to have died with its
# process (a restart), and is started again.
STALE_SECONDS = 15 * 60

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pdf-render")
_guard = threading.Lock()


@dataclass(frozen=True)
class Render:
    """What a poll reads of one render."""
    job: str
    state: str  # "running", "ready" or "failed"
    elapsed: int  # whole seconds since it started
    pages: int | None  # once WeasyPrint has laid the document out
    error: str | None = None


def wants_background(invoice: Invoice) -> bool:
    """Whether the invoice's PDF is rendered in the background: not when an issued one's is
    kept already (served from storage), else when it has more details than the limit."""
    if invoice.state in ISSUED_STATES and invoice.issued_document is not None \
            and invoice.issued_document.pdf is not None:
        return False
    limit = int(current_app.config.get("PDF_BACKGROUND_ROWS", BACKGROUND_ROWS))
    return _fingerprint(invoice)[0] > limit


def _fingerprint(invoice: Invoice) -> tuple[int, str]:
    """The number of details and a fingerprint of what the document shows, in two
    aggregate statements (no row is loaded)."""
    details = db.session.execute(
        select(func.count(InvoiceLineDetail.id), func.coalesce(func.sum(InvoiceLineDetail.version), 0),
               func.coalesce(func.max(InvoiceLineDetail.id), 0))
        .where(InvoiceLineDetail.invoice_id == invoice.id)).one()
    lines = db.session.execute(
        select(func.count(InvoiceLine.id), func.coalesce(func.sum(InvoiceLine.version), 0),
               func.coalesce(func.max(InvoiceLine.id), 0))
        .where(InvoiceLine.invoice_id == invoice.id)).one()
    # The database and the invoice's creation too: two apps (or a restored database) may
    # share the folder.
    content = f"{current_app.config['SQLALCHEMY_DATABASE_URI']}:{invoice.code}:{invoice.created_at}"
    if invoice.state in ISSUED_STATES:
        content += ":issued"  # the frozen document never changes
    else:
        content += f":{invoice.version}:{tuple(details)}:{tuple(lines)}"
    return int(details[0]), hashlib.sha256(content.encode()).hexdigest()[:24]


def _folder() -> Path:
    folder = Path(current_app.config.get("PDF_RENDER_DIR")
                  or Path(current_app.instance_path) / "pdf-renders")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def start(invoice: Invoice) -> str:
    """Start the background render of the invoice's PDF, or join the one running or done
    for the same content; returns its job id."""
    job = _fingerprint(invoice)[1]
    folder = _folder()
    status, pdf = folder / f"{job}.json", folder / f"{job}.pdf"
    with _guard:
        if pdf.exists():
            os.utime(pdf)  # recently asked for: kept longest
            return job
        if status.exists():
            known = _read(status)
            if known and not known.get("error") and time.time() - known["started"] < STALE_SECONDS:
                return job  # running here or in another worker: join it
            status.unlink(missing_ok=True)
        try:  # claim it: of two workers at once, one renders
            handle = os.open(status, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return job
        with os.fdopen(handle, "w") as out:
            json.dump({"code": invoice.code, "file_name": None, "started": time.time(),
                       "pages": None, "error": None}, out)
    app = current_app._get_current_object()
    _executor.submit(_render, app, invoice.code, job, folder)
    return job


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _update(path: Path, **changes) -> None:
    known = _read(path) or {}
    known.update(changes)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(known))
    temporary.replace(path)


def _render(app: Flask, code: str, job: str, folder: Path) -> None:
    """The worker thread: build and render the document inside an app context of its own."""
    status = folder / f"{job}.json"
    with app.app_context():
        try:
            pdf, file_name = background_pdf(code, lambda pages: _update(status, pages=pages))
            _update(status, file_name=file_name)
            temporary = folder / f"{job}.part"
            temporary.write_bytes(pdf)
            temporary.replace(folder / f"{job}.pdf")  # ready: in one step, for every worker
        except ServiceError as error:  # what the document refuses (a tax summary that differs)
            _update(status, error=str(error))
        except Exception as error:  # noqa: BLE001  (logged; the page says it failed)
            app.logger.exception("background PDF of %s failed", code)
            _update(status, error=type(error).__name__)
        finally:
            db.session.remove()
    _drop_old(folder)


def _drop_old(folder: Path) -> None:
    """Keep the newest KEEP finished PDFs (and their status); drop the rest."""
    with _guard:
        finished = sorted(folder.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in finished[KEEP:]:
            old.unlink(missing_ok=True)
            old.with_suffix(".json").unlink(missing_ok=True)
        # Renders that failed, or died with their process, long ago.
        for status in folder.glob("*.json"):
            if not status.with_suffix(".pdf").exists() \
                    and time.time() - status.stat().st_mtime > STALE_SECONDS:
                status.unlink(missing_ok=True)


def progress(job: str) -> Render | None:
    """The state of a render, or None when no such job is known (dropped, or never)."""
    if not job.isalnum():
        return None
    folder = _folder()
    known = _read(folder / f"{job}.json")
    if known is None:
        return None
    elapsed = int(time.time() - known["started"])
    if (folder / f"{job}.pdf").exists():
        return Render(job, "ready", elapsed, known.get("pages"))
    if known.get("error"):
        return Render(job, "failed", elapsed, known.get("pages"), known["error"])
    return Render(job, "running", elapsed, known.get("pages"))


def finished(job: str, code: str) -> tuple[bytes, str] | None:
    """The finished PDF of a job of the invoice `code` and its file name, or None."""
    if not job.isalnum():
        return None
    folder = _folder()
    known = _read(folder / f"{job}.json")
    if known is None or known.get("code") != code:
        return None
    try:
        return (folder / f"{job}.pdf").read_bytes(), known["file_name"]
    except OSError:
        return None
