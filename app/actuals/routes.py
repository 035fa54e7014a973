"""The actuals list: every priced billable fact, newest first."""

from flask import current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.actuals import bp
from app.actuals.forms import ActualFilterForm
from app.extensions import db
from app.main.forms import fill_project_choices
from app.models import Actual


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
    pagination = db.paginate(query, page=request.args.get("page", 1, type=int),
                             per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("actuals/list.html", form=form, pagination=pagination,
                           filtered=bool(filters))
