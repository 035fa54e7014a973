"""The billing backlog (SPEC 4): everything not yet on an invoice, read-only for now."""

from flask import current_app, render_template, request

from app.backlog import bp
from app.backlog.forms import BacklogFilterForm, fill_contract_choices
from app.backlog.queries import (BacklogFilter, actual_totals, backlog_actuals, backlog_milestones,
                                 backlog_products, milestone_totals, product_totals)
from app.extensions import db
from app.main.forms import fill_project_choices


@bp.get("/backlog")
def index():
    """Open actuals (paginated), milestones and product lines, each with totals per status."""
    form = BacklogFilterForm(request.args)
    contract_ids = fill_contract_choices(form.contract)
    project_ids = fill_project_choices(form.project)
    filters = form.active()
    flt = BacklogFilter(contract_id=contract_ids.get(filters.get("contract")),
                        project_id=project_ids.get(filters.get("project")),
                        kind=filters.get("kind"), date_from=filters.get("date_from"),
                        date_to=filters.get("date_to"))
    context = {"form": form, "flt": flt, "filtered": bool(filters)}
    if flt.shows("actual"):
        context["actuals"] = db.paginate(backlog_actuals(flt),
                                         page=request.args.get("page", 1, type=int),
                                         per_page=current_app.config["PAGE_SIZE"],
                                         error_out=False)
        context["actual_totals"] = actual_totals(flt)
    if flt.shows("milestone"):
        context["milestones"] = backlog_milestones(flt)
        context["milestone_totals"] = milestone_totals(flt)
    if flt.shows("product"):
        context["products"] = backlog_products(flt)
        context["product_totals"] = product_totals(context["products"])
    return render_template("backlog/index.html", **context)
