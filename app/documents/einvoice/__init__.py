"""E-invoices (issue 16): Peppol BIS Billing 3.0 and OIOUBL 2.1 UBL documents of a confirmed
invoice or credit note, validated with the official schemas and rules before they are
offered — an adapter beside the PDF (app/documents/rendering.py).

- `ubl` builds the XML of a profile from the invoice (lxml, no hand-written strings);
- `validation` checks it against the UBL XSD and the compiled Schematron rules (saxonche),
  read from EINVOICE_RULES_DIR, compiled once per process;
- `export` (below) is what the pages, the mail and the CLI call.
"""

PROFILES = ("peppol", "oioubl")

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from app.models import Invoice


class EInvoiceUnavailable(Exception):
    """No e-invoice can be made here: the rules directory is not configured (or not
    readable); the message says how to configure it."""


@dataclass(frozen=True)
class EInvoice:
    """The e-invoice of an invoice in a profile, and what was found wrong with it: our own
    refusals (`problems`, e.g. a VAT rounding the rules would refuse) and the rules'
    (`report`). Offered only when `ok`."""

    profile: str
    xml: bytes
    problems: tuple[str, ...]
    report: object  # validation.Report
    file_name: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and self.report.ok


def profile_of(invoice: Invoice) -> str:
    """The profile a customer receives; Peppol BIS 3 for one set to PDF only (what the
    download and the CLI give by default)."""
    profile = invoice.customer.einvoice_profile
    return profile if profile in PROFILES else "peppol"


def rules_dir() -> str:
    """The configured rules directory, or EInvoiceUnavailable saying how to set it."""
    directory = current_app.config.get("EINVOICE_RULES_DIR") or ""
    if not directory:
        raise EInvoiceUnavailable(_(
            "E-invoices are not configured: set EINVOICE_RULES_DIR to the folder of the "
            "official UBL schemas and Peppol / OIOUBL rules (xsd/ and rules/), then restart."))
    return directory


def export(invoice: Invoice, profile: str | None = None) -> EInvoice:
    """Build the e-invoice of a confirmed or paid invoice (or credit note) and validate it
    against the UBL XSD and the profile's rules; EInvoiceUnavailable when the rules are not
    configured."""
    from app.documents.einvoice import ubl, validation

    profile = profile or profile_of(invoice)
    if profile not in PROFILES:
        raise ValueError(f"Unknown e-invoice profile: {profile!r}")
    directory = rules_dir()
    built = ubl.build(invoice, profile, current_app.config)
    try:
        report = validation.validate(built.xml, profile, directory)
    except validation.RulesNotConfigured as error:
        raise EInvoiceUnavailable(str(error)) from error
    kind = "creditnote" if invoice.is_credit_note else "invoice"
    return EInvoice(profile, built.xml, tuple(built.problems), report,
                    file_name=f"{kind}-{invoice.number or invoice.code}-{profile}.xml")
