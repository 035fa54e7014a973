"""The actuals list (every priced billable fact, newest first) and the CSV upload."""

from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.actuals import bp
from app.actuals.forms import ActualFilterForm, ImportForm
from app.htmx import wants_fragment
from app.config import DEFAULT_UPLOAD_LIMIT
from app.web.forms import fill_project_choices
from app.web.pages import paginate
from app.models import Actual
from app.services.importer import (REQUIRED_COLUMNS, ImportRejected, Problem, csv_cell,
                                   import_actuals_csv)
from app.services.importing.rules import ACTUAL_FIELDS


@bp.get("/actuals")
def index():
    """Actuals, paginated, filtered by project, class, billing status and billing type."""
    form = ActualFilterForm(request.args)
    project_ids = fill_project_choices(form.project)
    filters = form.active()
    query = (select(Actual)
             .options(joinedload(Actual.project), joinedload(Actual.task),
                      joinedload(Actual.role), joinedload(Actual.resource),
                      joinedload(Actual.category), joinedload(Actual.unit))
             .order_by(Actual.date.desc(), Actual.id.desc()))
    if "project" in filters:
        query = query.where(Actual.project_id == project_ids[filters["project"]])
    for name in ("transaction_class", "status", "billing_type"):
        if name in filters:
            query = query.where(getattr(Actual, name) == filters[name])
    pagination = paginate(query)
    return render_template("actuals/list.html", form=form, pagination=pagination,
                           filtered=bool(filters))


# --- CSV upload ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemRow:
    """One row of the table of problems: where in the CSV file, and what, translated."""

    row: int | str
    column: str
    message: str


def _problem_row(problem: Problem) -> ProblemRow:
    row, column = csv_cell(problem.path)
    return ProblemRow("" if row is None else row, column, problem.translated())


def _warning(problem: Problem) -> str:
    row, column = csv_cell(problem.path)
    if row is None:
        return problem.translated()
    if column:
        return _("Row %(row)s, %(column)s: %(message)s", row=row, column=column,
                 message=problem.translated())
    return _("Row %(row)s: %(message)s", row=row, message=problem.translated())


@bp.route("/actuals/import", methods=["GET", "POST"])
def import_csv():
    """Upload a CSV file of actuals; the same rules as `flask import-data`: a file with any
    error is rejected whole, with every error listed by row and column, and nothing written."""
    form = ImportForm()
    problems: list[ProblemRow] = []
    if form.validate_on_submit():
        # The request as a whole is bounded by MAX_CONTENT_LENGTH (413, app/web/errors.py);
        # this bounds the file when that limit is switched off.
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or DEFAULT_UPLOAD_LIMIT
        data = form.file.data.read(limit + 1)
        try:
            if len(data) > limit:
                raise ValueError(_("The file is larger than %(size)s MB; split it.",
                                   size=limit // (1024 * 1024)))
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValueError(_("The file is not UTF-8 text; save it as CSV UTF-8.")) from None
            summary = import_actuals_csv(text)
        except ValueError as error:
            form.file.errors = [str(error)]
        except ImportRejected as rejected:
            problems = [_problem_row(problem) for problem in rejected.problems]
        else:
            count = summary.created.get("actuals", 0)
            flash(ngettext("Imported %(num)s actual.", "Imported %(num)s actuals.", count),
                  "success")
            if summary.warned:
                flash(" ".join(_warning(problem) for problem in summary.warned[:10]), "warning")
            return redirect(url_for("actuals.index"))
    failed = bool(problems or form.errors)
    return render_template("actuals/import.html", form=form, problems=problems,
                           required=REQUIRED_COLUMNS,
                           optional=[c for c in ACTUAL_FIELDS if c not in REQUIRED_COLUMNS],
                           filename=form.file.data.filename if failed and form.file.data else None
                           ), 422 if failed and wants_fragment() else 200
