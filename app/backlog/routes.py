"""The billing backlog (SPEC 4): everything not yet on an invoice, filtered, selected and
marked ready or not ready to invoice in bulk."""

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from jinja2_fragments.flask import render_block

from app.backlog import bp
from app.backlog.forms import BacklogFilterForm, fill_contract_choices
from app.services.backlog import mark_selection
from app.backlog.queries import (BacklogFilter, actual_totals, backlog_milestones, backlog_products,
                                 matching_ids, milestone_totals, paginate_actuals, product_totals,
                                 selection_of, selection_of_all)
from app.web.forms import fill_project_choices
from app.web.pages import page_of, posted_ids
from app.services.backlog import BacklogRefused

FILTER_FIELDS = ("contract", "project", "kind", "status", "date_from", "date_to")
KINDS = ("actual", "milestone", "product")


def _filter(args) -> tuple[BacklogFilterForm, BacklogFilter, dict]:
    """The filter form read from `args` (the query string, or the bulk form's copy of it)."""
    form = BacklogFilterForm(args)
    contract_ids = fill_contract_choices(form.contract)
    project_ids = fill_project_choices(form.project)
    filters = form.active()
    flt = BacklogFilter(contract_id=contract_ids.get(filters.get("contract")),
                        project_id=project_ids.get(filters.get("project")),
                        kind=filters.get("kind"), date_from=filters.get("date_from"),
                        date_to=filters.get("date_to"), status=filters.get("status"))
    return form, flt, filters


@bp.get("/backlog")
def index():
    """Open actuals (paginated), milestones and product lines, each with totals per status,
    and a selection to mark ready or not ready."""
    form, flt, filters = _filter(request.args)
    context = {"form": form, "flt": flt, "filtered": bool(filters),
               "kept": {name: request.args[name] for name in FILTER_FIELDS + ("page",)
                        if request.args.get(name)}}
    if flt.shows("actual"):
        context["actuals"] = page_of(partial(paginate_actuals, flt))  # past the end: the last
        context["actual_totals"] = actual_totals(flt)
    if flt.shows("milestone"):
        context["milestones"] = backlog_milestones(flt)
        context["milestone_totals"] = milestone_totals(flt)
    if flt.shows("product"):
        context["products"] = backlog_products(flt)
        context["product_totals"] = product_totals(context["products"])
    context["matching"] = sum((context[name].total if name == "actuals" else len(context[name]))
                              for name in ("actuals", "milestones", "products")
                              if name in context)
    return render_template("backlog/index.html", selection=None, **context)


def _chosen() -> tuple[dict[str, list[int]], bool]:
    """The ids ticked in the bulk form, by kind, and whether "all matching" was ticked."""
    ids = {kind: posted_ids(request.form, kind) for kind in KINDS}  # no row id: left out
    return ids, request.form.get("all_matching") == "1"


@bp.post("/backlog/selection")
def selection():
    """The count and amount of what is selected, as the boxes are ticked (htmx)."""
    ids, everything = _chosen()
    if everything:
        flt = _filter(request.form)[1]
        chosen = selection_of_all(flt)
    else:
        chosen = selection_of(ids)
    # Only htmx asks for this: it is the summary block of the page, never a page.
    return render_block("backlog/index.html", "selection", selection=chosen,
                        everything=everything)


@bp.post("/backlog/mark")
def mark():
    """Mark the selection ready (or not ready) to invoice, all or nothing, and go back."""
    ids, everything = _chosen()
    ready = request.form.get("action") == "ready"
    if everything:
        flt = _filter(request.form)[1]
        ids = matching_ids(flt)
    if not any(ids.values()):
        flash(_("Nothing was selected. Tick the items to mark first."), "warning")
    else:
        try:
            marked = mark_selection(ids["actual"], ids["milestone"], ids["product"], ready=ready)
            flash(ngettext("%(num)s item marked ready to invoice.",
                           "%(num)s items marked ready to invoice.", marked.count) if ready
                  else ngettext("%(num)s item marked not ready to invoice.",
                                "%(num)s items marked not ready to invoice.", marked.count),
                  "success")
        except BacklogRefused as error:
            flash(_("Nothing was marked: %(reason)s", reason=str(error)), "error")
    kept = {name: request.form[name] for name in FILTER_FIELDS + ("page",)
            if request.form.get(name)}
    return redirect(url_for("backlog.index", **kept))
