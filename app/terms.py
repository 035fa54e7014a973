"""The glossary: what a user reads for each stored value of the billing vocabularies
(SPEC 10 fixes many of these terms), translated. Pages, refusal messages and documents
all name things with it.

The database keeps plain values such as "non_chargeable"; each vocabulary here is its own
ordered mapping (for choices); `term` looks a value up in all of them.
"""

from flask_babel import lazy_gettext as _l

TRANSACTION_CLASSES = {
    "time": _l("Time"),
    "expense": _l("Expense"),
    "material": _l("Material"),
    "fee": _l("Fee"),
}

DETAIL_CLASSES = {**TRANSACTION_CLASSES, "milestone": _l("Milestone")}

BILLING_TYPES = {
    "chargeable": _l("Chargeable"),
    "non_chargeable": _l("Non-chargeable"),
    "complimentary": _l("Complimentary"),
    "not_available": _l("Not available"),
}

BILLING_METHODS = {
    "time_and_material": _l("Time and material"),
    "fixed_price": _l("Fixed price"),
    "product": _l("Product"),
}

ACTUAL_STATUSES = {
    "unbilled": _l("Unbilled"),
    "ready": _l("Ready to invoice"),
    "invoice_created": _l("Invoice created"),
    "invoice_posted": _l("Invoice posted"),
}

# Milestones and product contract lines.
MILESTONE_STATUSES = {
    "not_ready": _l("Not ready to invoice"),
    "ready": _l("Ready to invoice"),
    "invoice_created": _l("Invoice created"),
    "invoice_posted": _l("Invoice posted"),
}

INVOICE_STATUSES = {
    "active": _l("Active"),
    "closed": _l("Closed"),
    "paid": _l("Paid"),
    "cancelled": _l("Cancelled"),
}

PROJECT_INVOICE_STATUSES = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "confirmed": _l("Confirmed"),
}

FREQUENCIES = {
    "weekly": _l("Weekly"),
    "biweekly": _l("Every two weeks"),
    "monthly": _l("Monthly"),
    "semi_monthly": _l("Twice a month"),
}

# The built-in units, by key; units an admin adds are shown by their name.
UNITS = {
    "hour": _l("Hour"),
    "day": _l("Day"),
    "each": _l("Each"),
    "km": _l("km"),
}

INVOICE_TYPES = {
    "invoice": _l("Invoice"),
    "credit_note": _l("Credit note"),
}

# Getting paid (issue 15): how money came in, and which way it went.
PAYMENT_METHODS = {
    "bank_transfer": _l("Bank transfer"),
    "card": _l("Card"),
    "cash": _l("Cash"),
    "other": _l("Other"),
}

PAYMENT_KINDS = {
    "payment": _l("Payment"),
    "refund": _l("Refund"),
}

ENTRY_STATUSES = {"draft": _l("Draft"), "submitted": _l("Submitted"), "approved": _l("Approved"),
                  "rejected": _l("Rejected")}

# How the fields of an invoice are named: labels of inputs, and refusals that name a field.
FIELD_LABELS = {
    "description": _l("Description"), "external_description": _l("External description"),
    "billing_type": _l("Billing type"), "tax": _l("Tax"), "quantity": _l("Quantity"),
    "price": _l("Price"), "amount": _l("Amount"), "start_date": _l("Start date"),
    "task": _l("Task"), "category": _l("Transaction category"), "role": _l("Role"),
    "resource": _l("Bookable resource"), "unit": _l("Unit"), "unit_schedule": _l("Unit schedule"),
    "product_choice": _l("Product choice"), "product": _l("Product"),
    "product_name": _l("Product name"), "write_in_description": _l("Write-in description"),
    "currency": _l("Currency"), "transaction_class": _l("Transaction class"),
    "transaction_type": _l("Transaction type"), "extended_amount": _l("Extended amount"),
    # Header
    "id": _l("Invoice ID"), "number": _l("Invoice number"), "name": _l("Name"),
    "price_list": _l("Price list"), "opportunity": _l("Opportunity"), "contract": _l("Contract"),
    "customer": _l("Customer"), "status": _l("Status"),
    "project_invoice_status": _l("Project invoice status"), "cutoff_date": _l("Cut-off date"),
    "bill_to_name": _l("Bill-to name"), "bill_to_email": _l("Bill-to e-mail"),
    "bill_to_street": _l("Street"), "bill_to_postal_code": _l("Postal code"),
    "bill_to_city": _l("City"), "bill_to_country": _l("Country"),
    "invoice_date": _l("Invoice date"), "due_date": _l("Due date"),
    "discount_percent": _l("Discount percent"), "discount_amount": _l("Discount amount"),
    "freight_amount": _l("Freight amount"), "detail_amount": _l("Detail amount"),
    "pre_freight_amount": _l("Pre-freight amount"), "total_tax": _l("Total tax"),
    "total_amount": _l("Total amount"),
    # Line
    "contract_line": _l("Contract line"), "project": _l("Project"),
    "billing_method": _l("Billing method"), "contract_line_amount": _l("Contract line amount"),
    "invoiced_to_date": _l("Invoiced to date"),
    # A credit note (issue 14): what should have been billed
    "corrected_quantity": _l("Corrected quantity"), "corrected_price": _l("Corrected price"),
    "corrected_tax": _l("Corrected tax"), "corrected_billing_type": _l("Corrected billing type"),
    "corrected_amount": _l("Corrected amount"),
    "corrected_freight_amount": _l("Corrected freight"),
}

# A value means the same thing in every vocabulary it appears in ("ready", "invoice_posted").
_ALL = {**DETAIL_CLASSES, **BILLING_TYPES, **BILLING_METHODS, **ACTUAL_STATUSES,
        **MILESTONE_STATUSES, **INVOICE_STATUSES, **PROJECT_INVOICE_STATUSES, **FREQUENCIES,
        **INVOICE_TYPES, **PAYMENT_METHODS, **PAYMENT_KINDS}


def unit_term(unit) -> str:
    """A unit's name, translated for the built-in units."""
    if unit is None:
        return ""
    return str(UNITS[unit.key]) if unit.key in UNITS else unit.name


def term(value: str | None) -> str:
    """The translated name of a stored value; unknown values are shown as they are."""
    if value is None:
        return ""
    return str(_ALL.get(value, value))
