"""Issued documents (issue 11): what a confirmed invoice's document shows is frozen at
confirmation, and the exact PDF bytes are kept once rendered, with their SHA-256, so that
later downloads and sends serve the same document byte for byte.

What the document shows is built by the documents adapter, which the factory registers as
app.extensions["freeze_document"] (as with the invoice e-mail, the use case renders
nothing itself).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, IssuedDocument
from app.services import use_case

# The issued document of an invoice being confirmed, as the JSON the record keeps.
FreezeDocument = Callable[[Invoice], str]


def digest(pdf: bytes) -> str:
    """The SHA-256 of a PDF, as kept beside it and on every send."""
    return hashlib.sha256(pdf).hexdigest()


def freeze_document(invoice: Invoice, now: dt.datetime) -> IssuedDocument:
    """Keep the invoice's document as it is now, inside the confirming transaction."""
    freeze: FreezeDocument = current_app.extensions["freeze_document"]
    db.session.flush()
    issued = IssuedDocument(invoice_id=invoice.id, frozen_at=now, content=freeze(invoice))
    db.session.add(issued)
    invoice.issued_document = issued
    return issued


@use_case
def keep_pdf(invoice_id: int, pdf: bytes, *, now: dt.datetime | None = None) -> bytes:
    """Keep the first PDF rendered of an issued document and return the kept bytes.

    The row is locked, so of two first downloads at once one keeps its bytes and the
    other gets them; bytes once kept are never replaced.
    """
    issued = db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.invoice_id == invoice_id)
        .with_for_update().execution_options(populate_existing=True)).one()
    if issued.pdf is None:
        issued.pdf, issued.pdf_sha256 = pdf, digest(pdf)
        issued.pdf_rendered_at = now or dt.datetime.now()
    return issued.pdf
