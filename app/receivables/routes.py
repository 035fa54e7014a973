"""Receivables (issue 15): what customers still owe on confirmed invoices, how late it is,
totals per currency and ageing bucket, and the same list as CSV."""

import csv
import datetime as dt
import io
from functools import partial

from flask import Response, render_template, request
from flask_babel import gettext as _

from app.formatting import money_plain
from app.receivables import bp
from app.receivables.forms import BUCKET_LABELS, ReceivablesFilterForm, fill_choices
from app.receivables.queries import (ReceivablesFilter, every_receivable, receivable_currencies,
                                     receivables_page, totals)
from app.web.pages import page_of

# A text cell a spreadsheet would read as a formula (or that hides one behind a tab or a
# line break) is written with a leading quote; numbers and dates are written as they are.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FILTER_FIELDS = ("customer", "currency", "bucket", "sort")


def today() -> dt.date:
    """The day receivables are aged on (tests replace it)."""
    return dt.date.today()


def _filter() -> tuple[ReceivablesFilterForm, ReceivablesFilter, dict]:
    """The filters of the query string; a value that is not a choice is ignored (and marked)."""
    form = ReceivablesFilterForm(request.args)
    customer_ids = fill_choices(form, receivable_currencies())
    filters = form.active()
    flt = ReceivablesFilter(today=today(), customer_id=customer_ids.get(filters.get("customer")),
                            currency=filters.get("currency"), bucket=filters.get("bucket"),
                            sort=filters.get("sort", "overdue"))
    filters.pop("sort", None)
    return form, flt, filters


@bp.get("/receivables")
def index():
    """Confirmed invoices with an amount due, most overdue first, with totals per currency
    and ageing bucket, paginated."""
    form, flt, filters = _filter()
    sums = totals(flt)
    pagination = page_of(partial(receivables_page, flt, sum(t.count for t in sums)))
    # The CSV link keeps the filters, and nothing else of the query string.
    kept = {name: request.args[name] for name in FILTER_FIELDS if request.args.get(name)}
    return render_template("receivables/index.html", form=form, flt=flt, totals=sums,
                           pagination=pagination, filtered=bool(filters), kept=kept,
                           buckets=BUCKET_LABELS)


def safe_cell(value: object) -> object:
    """A text cell as a spreadsheet cannot run it: '=1+1 → "'=1+1"; others as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@bp.get("/receivables.csv")
def export():
    """The receivables the filters keep, every page, as CSV: money plain ("1234.50", the
    currency's decimals), dates ISO."""
    _form, flt, _filters = _filter()
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, so that spreadsheets read the file as UTF-8
    writer = csv.writer(out)
    buckets = {key: safe_cell(str(text)) for key, text in BUCKET_LABELS.items()}  # once
    writer.writerow([_("Invoice number"), _("Invoice ID"), _("Customer"), _("Currency"),
                     _("Invoice date"), _("Due date"), _("Days overdue"), _("Overdue"),
                     _("Total amount"), _("Credited"), _("Paid"), _("Amount due")])
    for row in every_receivable(flt):
        amounts = [money_plain(value, row.currency)
                   for value in (row.total, row.credited, row.paid, row.due)]
        writer.writerow([safe_cell(row.number), safe_cell(row.code), safe_cell(row.customer),
                         safe_cell(row.currency), row.invoice_date.isoformat(),
                         row.due_date.isoformat(), row.days_overdue,
                         buckets[row.bucket], *amounts])
    name = f"receivables-{flt.today.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
