"""Bank statements (issue 15): upload a CAMT.053 or CSV statement, see which open invoice
each credit line pays, and book the lines chosen as payments in one go."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.billing.values import parse_id
from app.receivables import bp
from app.receivables.forms import BookStatementForm, StatementUploadForm
from app.receivables.routes import today
from app.services import ServiceError, audit
from app.services.statement_files import MAX_BYTES, StatementFileRefused
from app.services.statements import SKIP, StatementNotFound, proposals, statement_list
from app.services.statements import book_statement as book
from app.services.statements import upload_statement as upload

# The badge of each kind of match (app.billing.payments.Match), as the page names it.
MATCH_LABELS = {"exact": _l("exact"), "partial": _l("partial"), "amount": _l("by amount"),
                "over": _l("over"), "none": _l("no match")}
MATCH_BADGES = {"exact": "paid", "partial": "partly_paid", "amount": "confirmed",
                "over": "partly_paid", "none": "method"}


def _statements_page(form: StatementUploadForm, problems: list[str] | None = None,
                     status: int = 200):
    return render_template("receivables/statements.html", form=form, problems=problems or [],
                           statements=statement_list()), status


@bp.get("/receivables/statements")
def statements():
    """The uploaded bank statements, newest first, and the upload form."""
    return _statements_page(StatementUploadForm())


@bp.post("/receivables/statements")
def upload_statement():
    """Upload a statement file: its credit lines are stored once each, and the statement
    opens with what each line pays. A file with any bad line is refused whole (422), every
    problem listed next to the file field."""
    form = StatementUploadForm()
    if not form.validate_on_submit():
        return _statements_page(form, status=422)
    data = form.file.data.read(MAX_BYTES + 1)  # more is refused as too large
    try:
        done = upload(form.file.data.filename or "", data, uploaded_by=audit.current_actor().name)
    except StatementFileRefused as refused:
        return _statements_page(form, refused.problems, 422)
    except ServiceError as refused:
        return _statements_page(form, [str(refused)], refused.status)
    if done.again:
        flash(_("This file was uploaded before; nothing was added."), "warning")
    else:
        message = ngettext("%(num)s new line.", "%(num)s new lines.", done.new_lines)
        if done.known_lines:
            message += " " + ngettext(
                "%(num)s line was on an earlier statement and is not added again.",
                "%(num)s lines were on an earlier statement and are not added again.",
                done.known_lines)
        if done.debits_skipped:
            message += " " + ngettext("%(num)s debit line skipped.", "%(num)s debit lines skipped.",
                                      done.debits_skipped)
        flash(message, "success")
    return redirect(url_for("receivables.statement", statement_id=done.statement_id))


def _statement_page(statement_id: int, form: BookStatementForm, errors: dict | None = None,
                    chosen: dict | None = None, status: int = 200):
    try:
        review = proposals(statement_id)
    except StatementNotFound:
        abort(404)
    return render_template("receivables/statement.html", review=review, form=form,
                           errors=errors or {}, chosen=chosen, match_labels=MATCH_LABELS,
                           match_badges=MATCH_BADGES, skip=SKIP), status


@bp.get("/receivables/statements/<id:statement_id>")
def statement(statement_id: int):
    """One statement: each line with the invoice it pays by the matching rule, to book."""
    return _statement_page(statement_id, BookStatementForm())


def _decisions() -> tuple[dict[int, str | None], dict[str, str]]:
    """The posted choice of each line: `line-<id>` = an Invoice ID, "skip", or blank
    (decide later, left out)."""
    decisions, chosen = {}, {}
    for name, value in request.form.items():
        if not name.startswith("line-"):
            continue
        try:
            line_id = parse_id(name.removeprefix("line-"))
        except ValueError:
            continue
        value = value.strip()
        chosen[name] = value
        if value:
            decisions[line_id] = None if value == SKIP else value
    return decisions, chosen


@bp.post("/receivables/statements/<id:statement_id>/book")
def book_statement(statement_id: int):
    """Book the chosen lines as payments (a skipped line pays nothing): all of them, or —
    on any refusal — none, each refusal shown next to its line (422, 409 for a line
    someone else booked first)."""
    form = BookStatementForm()
    decisions, chosen = _decisions()
    if not form.validate_on_submit():
        return _statement_page(statement_id, form, chosen=chosen, status=422)
    try:
        done = book(statement_id, decisions, today=today())
    except ServiceError as refused:
        if isinstance(refused, StatementNotFound):
            abort(404)
        return _statement_page(statement_id, form, refused.errors, chosen, refused.status)
    flash(ngettext("%(num)s line booked.", "%(num)s lines booked.", done.booked) + (
        " " + ngettext("%(num)s line skipped.", "%(num)s lines skipped.", done.skipped)
        if done.skipped else ""), "success")
    return redirect(url_for("receivables.statement", statement_id=statement_id))
