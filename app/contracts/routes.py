"""Contract pages: the list, one contract, editing it (header, lines, invoice schedules,
milestones) and the manual invoice wizard."""

import datetime as dt
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from app import labels
from app.billing.money import as_money
from app.billing.schedule import MAX_CATCH_UP, next_run_dates, run_dates_until
from app.contracts import bp
from app.contracts.forms import LINE_FORMS, ContractForm, InvoiceForm, MilestoneForm, ScheduleForm
from app.contracts.queries import (contract_by_ref, contract_classes, contract_invoices,
                                   contract_list, contract_total, invoice_preview, line_amount,
                                   milestone_totals, preview_totals)
from app.extensions import db
from app.htmx import page_or_block
from app.models import Customer, Milestone, PriceList, Product
from app.services import ServiceError
from app.services import contracts as services
from app.services.invoicing import (InvoiceParameters, MilestonesDoNotAddUp, OpenDraftExists,
                                    PreviewOutdated, create_invoice, fingerprint, milestone_gaps,
                                    open_drafts, ready_items)
from app.web.forms import active, choose, currency_choices, project_choices
from app.web.pages import form_status, paginate, refused


@bp.get("/contracts")
def index():
    """Contracts, paginated, searchable by number, key or name."""
    search = request.args.get("q", "").strip()
    pagination = paginate(contract_list(search))
    totals = {contract.id: contract_total(contract) for contract in pagination.items}
    return render_template("contracts/list.html", pagination=pagination, totals=totals,
                           search=search)


@bp.get("/contracts/<ref>")
def show(ref: str):
    """One contract, found by its number or its imported key."""
    contract = contract_by_ref(ref) or abort(404)
    line_amounts = {line.id: line_amount(line, contract.currency) for line in contract.lines}
    milestone_sums = milestone_totals(contract)
    # SPEC 3: milestones must add up to the line amount; say so on the contract when not.
    unbalanced = {line_id for line_id, total in milestone_sums.items()
                  if total != line_amounts[line_id]}
    return render_template("contracts/detail.html", contract=contract, line_amounts=line_amounts,
                           milestone_sums=milestone_sums, unbalanced=unbalanced,
                           total=sum(line_amounts.values(), Decimal(0)),
                           invoices=contract_invoices(contract))


# --- the contract header -------------------------------------------------------------------


def _contract_choices(form: ContractForm, contract=None) -> None:
    form.customer_id.choices = choose(active(Customer, contract and contract.customer_id),
                                      contract and contract.customer_id)
    current_list = contract and contract.price_list_id
    form.price_list_id.choices = choose(active(PriceList, current_list), current_list,
                                        text=lambda p: f"{p.name} ({p.currency})")
    if contract is None:
        form.currency.choices = currency_choices()
    else:
        del form.currency  # locked: shown as text, and refused by the service if posted


def _contract_values(form: ContractForm, currency: str | None) -> services.ContractValues:
    return services.ContractValues(
        name=form.name.data, customer_id=form.customer_id.data, currency=currency,
        price_list_id=form.price_list_id.data, tax_rate=form.tax_rate.data,
        opportunity=form.opportunity.data or "", description=form.description.data or "")


@bp.route("/contracts/new", methods=["GET", "POST"])
def new():
    """A new contract: its header first, then its lines."""
    form = ContractForm()
    _contract_choices(form)
    if form.validate_on_submit():
        try:
            contract = services.create_contract(_contract_values(form, form.currency.data))
            flash(_("Contract %(number)s created. Now add its lines.", number=contract.number),
                  "success")
            return redirect(url_for("contracts.edit", ref=contract.number))
        except ServiceError as error:
            refused(form, error)
    failed = request.method == "POST"
    return render_template("contracts/edit.html", form=form, contract=None), form_status(failed)


@bp.route("/contracts/<ref>/edit", methods=["GET", "POST"])
def edit(ref: str):
    """Change the contract header; its lines are listed below, each with its own page."""
    contract = contract_by_ref(ref) or abort(404)
    form = ContractForm(obj=contract)
    _contract_choices(form, contract)
    if form.validate_on_submit():
        try:
            # A posted currency is passed on, so that changing it is refused, not ignored.
            services.update_contract(contract.id, _contract_values(
                form, request.form.get("currency") or None))
            flash(_("Contract %(number)s saved.", number=contract.number), "success")
            return redirect(url_for("contracts.edit", ref=ref))
        except ServiceError as error:
            if error.field == "currency":  # shown next to the locked currency
                form.currency_error = str(error)
            else:
                refused(form, error)
    return _edit_page(contract, form)


def _edit_page(contract, form):
    failed = bool(form.errors or form.form_errors or getattr(form, "currency_error", None))
    return render_template("contracts/edit.html", form=form, contract=contract,
                           line_amounts={line.id: line_amount(line, contract.currency)
                                         for line in contract.lines},
                           gaps=milestone_gaps(contract),
                           has_invoices=services.contract_has_invoices(contract.id)), \
        form_status(failed)


# --- contract lines ------------------------------------------------------------------------


def _line_choices(form, contract, line=None) -> None:
    if hasattr(form, "project_id"):
        form.project_id.choices = project_choices(line and line.project_id)
    if hasattr(form, "product_id"):
        current = line and line.product_id
        form.product_id.choices = choose(active(Product, current), current,
                                         blank=_("— none: write one in —"))



def _line_values(method: str, form) -> services.LineValues:
    values = {name: form[name].data for name in (
        "name", "tax_rate", "project_id", "amount", "product_id", "product_name",
        "product_description", "quantity", "price", "tax") if name in form}
    if "classes" in form:
        values["classes"] = tuple(form.classes.data or ())
    return services.LineValues(billing_method=method, **values)


def _contract(ref: str):
    return contract_by_ref(ref) or abort(404)


def _line(contract, line_id: int):
    line = next((line for line in contract.lines if line.id == line_id), None)
    return line or abort(404)


@bp.route("/contracts/<ref>/lines/new/<any(time_and_material,fixed_price,product):method>",
          methods=["GET", "POST"])
def new_line(ref: str, method: str):
    """A new line of one billing method."""
    contract = _contract(ref)
    form = LINE_FORMS[method]()
    _line_choices(form, contract)
    if request.method == "GET":
        form.tax_rate.data = contract.tax_rate
        if method == "time_and_material":
            form.classes.data = ["time", "expense"]
    elif form.validate_on_submit():
        try:
            line = services.create_line(contract.id, _line_values(method, form))
            flash(_("Line %(name)s saved.", name=line.name), "success")
            if method == "product":
                return redirect(url_for("contracts.edit", ref=ref, _anchor="lines"))
            return redirect(url_for("contracts.line", ref=ref, line_id=line.id))
        except ServiceError as error:
            refused(form, error)
    return render_template("contracts/line.html", contract=contract, line=None, method=method,
                           form=form), form_status(request.method == "POST")


@bp.route("/contracts/<ref>/lines/<id:line_id>", methods=["GET", "POST"])
def line(ref: str, line_id: int):
    """A line's form, with its invoice schedule (T&M) or its milestones (fixed price)."""
    contract = _contract(ref)
    line = _line(contract, line_id)
    form = LINE_FORMS[line.billing_method](obj=line)
    _line_choices(form, contract, line)
    if request.method == "GET" and "classes" in form:
        form.classes.data = line.classes
    if form.validate_on_submit():
        try:
            services.update_line(line.id, _line_values(line.billing_method, form))
            flash(_("Line %(name)s saved.", name=form.name.data or line.name), "success")
            return redirect(url_for("contracts.line", ref=ref, line_id=line.id))
        except ServiceError as error:
            refused(form, error)
    return _line_page(contract, line, form)


def _line_page(contract, line, form=None, schedule_form=None, milestone_form=None):
    if form is None:
        form = LINE_FORMS[line.billing_method](obj=line)
        _line_choices(form, contract, line)
        if "classes" in form:
            form.classes.data = line.classes
    context = {"contract": contract, "line": line, "method": line.billing_method, "form": form}
    if line.billing_method == "time_and_material":
        schedule_form = schedule_form or ScheduleForm(obj=line.schedule)
        context.update(schedule_form=schedule_form, preview=_schedule_preview(schedule_form))
    elif line.billing_method == "fixed_price":
        context["milestone_form"] = milestone_form or MilestoneForm(formdata=None)
        context.update(gaps=milestone_gaps(contract),
                       milestone_sums=milestone_totals(contract))
    failed = any(f is not None and (f.errors or f.form_errors)
                 for f in (form, schedule_form, milestone_form))
    return render_template("contracts/line.html", **context), form_status(failed)


@bp.post("/contracts/<ref>/lines/<id:line_id>/delete")
def delete_line(ref: str, line_id: int):
    """Remove a line nothing refers to yet."""
    line = _line(_contract(ref), line_id)
    return _remove(lambda: services.delete_line(line.id),
                   _("Line %(name)s removed.", name=line.name),
                   url_for("contracts.edit", ref=ref, _anchor="lines"))


def _remove(remove, done: str, back: str):
    """Remove, and go back with what happened: `done`, or why it was refused."""
    try:
        remove()
        flash(done, "success")
    except ServiceError as error:
        flash(str(error), "error")
    return redirect(back)


# --- invoice schedules ---------------------------------------------------------------------


def _schedule_values(form: ScheduleForm) -> services.ScheduleValues | None:
    if not form.frequency.data:
        return None
    return services.ScheduleValues(
        frequency=form.frequency.data, start_date=form.start_date.data,
        end_date=form.end_date.data, weekday=form.weekday.data, days=form.days.days)


def _schedule_preview(form: ScheduleForm) -> dict:
    """The next run dates of the schedule as the form describes it, or what is wrong."""
    if form.errors or not form.frequency.data:
        return {"none": not form.frequency.data}
    try:
        schedule = services.checked_schedule(_schedule_values(form))
    except ServiceError as error:
        return {"error": str(error)}
    today = dt.date.today()
    try:
        return {"dates": next_run_dates(schedule, today, count=6), "today": today,
                "past": len(run_dates_until(schedule, today)) if schedule.start <= today else 0,
                "per_run": MAX_CATCH_UP}
    except OverflowError:  # checked_schedule keeps dates far from year 9999; never a 500
        return {"error": str(services.date_refusal("end_date"))}


@bp.get("/contracts/schedule-preview")
def schedule_preview():
    """The next run dates while a schedule is edited (htmx)."""
    form = ScheduleForm(request.args, meta={"csrf": False})
    form.validate()
    return page_or_block("contracts/_schedule_preview.html", "preview",
                         preview=_schedule_preview(form))


@bp.post("/contracts/<ref>/lines/<id:line_id>/schedule")
def save_schedule(ref: str, line_id: int):
    """Set, change or remove the invoice schedule of a T&M line."""
    contract = _contract(ref)
    line = _line(contract, line_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            values = _schedule_values(form)
            services.save_schedule(line.id, values)
            flash(_("Invoice schedule saved.") if values else _("Invoice schedule removed."),
                  "success")
            return redirect(url_for("contracts.line", ref=ref, line_id=line.id,
                                    _anchor="schedule"))
        except ServiceError as error:
            refused(form, error)
    return _line_page(contract, line, schedule_form=form)


# --- milestones ----------------------------------------------------------------------------


def _milestone_values(form: MilestoneForm) -> services.MilestoneValues:
    return services.MilestoneValues(
        name=form.name.data, date=form.date.data, amount=form.amount.data, tax=form.tax.data,
        description=form.description.data or "",
        external_description=form.external_description.data or "")


@bp.post("/contracts/<ref>/lines/<id:line_id>/milestones")
def add_milestone(ref: str, line_id: int):
    """Add a milestone to a fixed-price line."""
    contract = _contract(ref)
    line = _line(contract, line_id)
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            milestone = services.create_milestone(line.id, _milestone_values(form))
            flash(_("Milestone %(name)s added.", name=milestone.name), "success")
            return redirect(url_for("contracts.line", ref=ref, line_id=line.id,
                                    _anchor="milestones"))
        except ServiceError as error:
            refused(form, error)
    return _line_page(contract, line, milestone_form=form)


def _milestone(contract, milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.contract_line.contract_id != contract.id:
        abort(404)
    return milestone


@bp.route("/contracts/<ref>/milestones/<id:milestone_id>", methods=["GET", "POST"])
def milestone(ref: str, milestone_id: int):
    """Change a milestone that is not on an invoice."""
    contract = _contract(ref)
    milestone = _milestone(contract, milestone_id)
    form = MilestoneForm(obj=milestone)
    if form.validate_on_submit():
        try:
            services.update_milestone(milestone.id, _milestone_values(form))
            flash(_("Milestone %(name)s saved.", name=form.name.data), "success")
            return redirect(url_for("contracts.line", ref=ref, line_id=milestone.contract_line_id,
                                    _anchor="milestones"))
        except ServiceError as error:
            refused(form, error)
    return render_template("contracts/milestone.html", contract=contract, milestone=milestone,
                           form=form), form_status(bool(form.errors or form.form_errors))


@bp.post("/contracts/<ref>/milestones/<id:milestone_id>/delete")
def delete_milestone(ref: str, milestone_id: int):
    """Remove a milestone that has never been on an invoice."""
    milestone = _milestone(_contract(ref), milestone_id)
    return _remove(lambda: services.delete_milestone(milestone.id),
                   _("Milestone %(name)s removed.", name=milestone.name),
                   url_for("contracts.line", ref=ref, line_id=milestone.contract_line_id,
                           _anchor="milestones"))


# --- the manual invoice wizard (SPEC 5.1) --------------------------------------------------


def _gap_message(contract) -> str | None:
    gaps = milestone_gaps(contract)
    if not gaps:
        return None
    names = {line.id: line.name for line in contract.lines}
    return " ".join(_("Milestones of line %(line)s add up to %(total)s; the line amount is "
                      "%(amount)s.", line=names[line_id],
                      total=as_money(total, contract.currency),
                      amount=as_money(amount, contract.currency))
                    for line_id, (total, amount) in gaps.items()) + " " + _(
        "Correct the milestones, or leave milestones out of this invoice.")


def _preview(contract, params: InvoiceParameters) -> dict:
    """Step two: what an invoice with these parameters would take now, and the fingerprint
    of it that Finish posts back (app.services.invoicing.check_preview compares)."""
    from app.billing.totals import AmountTooLarge  # (helper "values": issue 13)
    from app.services.invoicing import amount_refusal

    try:
        items = ready_items(contract, params)
        preview = invoice_preview(contract, items)
        totals = preview_totals(contract, preview)
    except AmountTooLarge as error:
        # Items stored before the bounds that no invoice could hold: said, never a 500.
        return {"notice": str(amount_refusal(error))}
    except ServiceError as error:
        return {"notice": str(error)}
    return {"step": "preview", "preview": preview, "params": params,
            "totals": totals, "selection": fingerprint(items), "nothing_ready": not items}


@bp.route("/contracts/<ref>/invoice", methods=["GET", "POST"])
def invoice(ref: str):
    """Step one: the parameters; Next: what will be invoiced; Finish: the draft invoice —
    only if it takes exactly what the preview showed."""
    contract = _contract(ref)
    classes = contract_classes(contract)
    has_milestones = any(line.billing_method == "fixed_price" for line in contract.lines)
    has_products = any(line.billing_method == "product" for line in contract.lines)
    form = InvoiceForm()
    form.classes.choices = [SelectChoice(c, labels.TRANSACTION_CLASSES[c]) for c in classes]
    if not has_milestones:
        del form.milestones
    if not has_products:
        del form.products
    context = {"contract": contract, "form": form, "step": "parameters",
               "open_drafts": open_drafts(contract)}
    status = None
    if request.method == "GET":
        form.cutoff.data = dt.date.today()
        form.classes.data = classes
        for name in ("milestones", "products"):
            if name in form:
                form[name].data = True
    elif form.validate_on_submit():
        params = InvoiceParameters(
            cutoff=form.cutoff.data,
            classes=frozenset(c for c in (form.classes.data or ()) if c in classes),
            milestones="milestones" in form and form.milestones.data,
            products="products" in form and form.products.data)
        action = request.form.get("action")
        previewed = request.form.get("selection")
        gap = _gap_message(contract) if params.milestones else None
        if gap:
            form.milestones.errors = [gap]
        elif action == "finish" and previewed is not None:
            try:
                created = create_invoice(contract.number, params, previewed=previewed,
                                         despite_open_drafts=form.another_draft.data)
                flash(_("Draft invoice %(code)s created.", code=created.code), "success")
                return redirect(url_for("invoices.show", code=created.code))
            except MilestonesDoNotAddUp as error:
                form.milestones.errors = [str(error)]
            except (PreviewOutdated, OpenDraftExists) as error:
                # Nothing was created: the preview again, as it is now, to finish again.
                context.update(_preview(contract, params), open_drafts=open_drafts(contract))
                if isinstance(error, OpenDraftExists):
                    form.another_draft.errors = [str(error)]
                else:
                    context["notice"] = str(error)
                status = 409
            except ServiceError as error:
                form.form_errors.append(str(error))
        elif action != "back":
            context.update(_preview(contract, params))
            if action == "finish":  # posted without the preview it would create
                context["notice"] = _("Check what will be invoiced, then press Finish.")
    failed = bool(form.errors or form.form_errors)
    return (render_template("contracts/invoice.html", **context),
            status or form_status(failed))
