"""Time, expense, material and fee entries: the list with submit / approve / reject, and
the entry form (SPEC 4). Approval creates the priced actual."""

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from jinja2_fragments.flask import render_block
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.entries import bp
from app.entries.forms import EntryFilterForm, EntryForm
from app.extensions import db
from app.services import ServiceError
from app.models import Actual, Category, Entry, Project, Resource, Role, Task, Unit
from app.services.entries import (EDITABLE, EntryValues,
                                  approve_entry, create_entry, reject_entry, submit_entry,
                                  update_entry)
from app.terms import ENTRY_STATUSES
from app.web.forms import active, choices, choose, fill_project_choices, project_choices, unit_choices
from app.web.pages import default_unit_id, form_status, paginate, posted_id, refused, safe_next


def _rows(ids: list[int]) -> dict[int, object]:
    """What the list shows of each entry (names, unit, the actual's amount), in one query."""
    if not ids:
        return {}
    task, role, resource, category = (aliased(Task), aliased(Role), aliased(Resource),
                                       aliased(Category))
    query = (select(Entry.id, Project.name.label("project"), task.name.label("task"),
                    role.name.label("role"), resource.name.label("resource"),
                    category.name.label("category"), Unit, Actual.amount, Actual.currency,
                    Actual.billing_type)
             .join(Project, Project.id == Entry.project_id)
             .join(Unit, Unit.id == Entry.unit_id)
             .outerjoin(task, task.id == Entry.task_id)
             .outerjoin(role, role.id == Entry.role_id)
             .outerjoin(resource, resource.id == Entry.resource_id)
             .outerjoin(category, category.id == Entry.category_id)
             .outerjoin(Actual, Actual.id == Entry.actual_id)
             .where(Entry.id.in_(ids)))
    return {row.id: row for row in db.session.execute(query)}


@bp.get("/entries")
def index():
    """Entries, newest first, filtered by status, class, project and resource, with their
    next step (submit, approve, reject) on each row."""
    form = EntryFilterForm(request.args)
    project_ids = fill_project_choices(form.project)
    resources = db.session.execute(select(Resource.id, Resource.name)
                                   .order_by(Resource.name, Resource.id)).all()
    form.resource.choices = choices(((str(r.id), r.name) for r in resources),
                                    _("All resources"))
    filters = form.active()
    query = select(Entry).order_by(Entry.date.desc(), Entry.id.desc())
    if "status" in filters:
        query = query.where(Entry.status == filters["status"])
    if "transaction_class" in filters:
        query = query.where(Entry.transaction_class == filters["transaction_class"])
    if "project" in filters:
        query = query.where(Entry.project_id == project_ids[filters["project"]])
    if "resource" in filters:
        query = query.where(Entry.resource_id == int(filters["resource"]))
    pagination = paginate(query)
    return render_template("entries/list.html", form=form, pagination=pagination,
                           rows=_rows([entry.id for entry in pagination.items]),
                           filtered=bool(filters), statuses=ENTRY_STATUSES,
                           editable=EDITABLE)


# --- the entry form ------------------------------------------------------------------------


def _prepare(form: EntryForm, transaction_class: str, entry: Entry | None = None) -> None:
    """Choices of the form: active records (and the entry's own), tasks of its project."""
    form.keep_class_fields(transaction_class)
    current = (lambda name: getattr(entry, name) if entry is not None else None)
    form.project_id.choices = project_choices(current("project_id"))
    form.task_id.choices = _task_choices(form.project_id.data)
    if "role_id" in form:
        form.role_id.choices = choose(active(Role, current("role_id")), current("role_id"))
        form.resource_id.choices = choose(active(Resource, current("resource_id")),
                                          current("resource_id"))
    if "category_id" in form:
        form.category_id.choices = choose(active(Category, current("category_id")),
                                          current("category_id"))
    form.unit_id.choices = unit_choices("time" if transaction_class == "time" else None)



def _task_choices(project_id: int | None):
    tasks = (db.session.scalars(select(Task).where(Task.project_id == project_id)
                                .order_by(Task.id)).all() if project_id else [])
    return choose(tasks, blank=_("— no task —"))


def _values(form: EntryForm, transaction_class: str) -> EntryValues:
    data = {name: form[name].data for name in (
        "project_id", "task_id", "date", "unit_id", "quantity", "role_id", "resource_id",
        "category_id") if name in form}
    texts = {name: form[name].data or "" for name in (
        "internal_comment", "external_comment", "description") if name in form}
    return EntryValues(transaction_class=transaction_class, **data, **texts)


def _save(form: EntryForm, save):
    """Validate and save the entry — submitted when that button was pressed, else as a
    draft — then back to the list; None when refused, with the refusal on the form."""
    if not form.validate_on_submit():
        return None
    try:
        entry = save(submit=request.form.get("action") == "submit")
    except ServiceError as error:
        refused(form, error)
        return None
    flash(_("Entry saved and submitted for approval.") if entry.status == "submitted"
          else _("Entry saved as a draft. Submit it when it is complete."), "success")
    return redirect(url_for("entries.index"))


# The heading of a new entry's form.
CLASS_TITLES = {"time": lambda: _("New time entry"), "expense": lambda: _("New expense"),
                "material": lambda: _("New material"), "fee": lambda: _("New fee")}


@bp.route("/entries/new/<any(time,expense,material,fee):transaction_class>",
          methods=["GET", "POST"])
def new(transaction_class: str):
    """A new entry of one class: saved as a draft, or submitted at once."""
    form = EntryForm()
    _prepare(form, transaction_class)
    if request.method == "GET":
        form.date.data = dt.date.today()
        form.unit_id.data = default_unit_id(transaction_class)
        if posted_id(request.args, "project"):  # a number that is no row id: ignored
            form.project_id.data = posted_id(request.args, "project")
            form.task_id.choices = _task_choices(form.project_id.data)
    else:
        done = _save(form, lambda submit: create_entry(_values(form, transaction_class),
                                                       submit=submit))
        if done is not None:
            return done
    return render_template("entries/form.html", form=form, entry=None,
                           transaction_class=transaction_class,
                           title=CLASS_TITLES[transaction_class]()), \
        form_status(request.method == "POST")


@bp.route("/entries/<id:entry_id>", methods=["GET", "POST"])
def edit(entry_id: int):
    """Change an entry until it is approved; an approved one is shown read-only."""
    entry = db.session.get(Entry, entry_id) or abort(404)
    if entry.status not in EDITABLE:
        if request.method == "POST":
            flash(_("Entry %(id)s is approved; approved entries cannot be changed.",
                    id=entry.id), "error")
        return render_template("entries/approved.html", entry=entry,
                               row=_rows([entry.id])[entry.id])
    form = EntryForm(obj=entry)
    _prepare(form, entry.transaction_class, entry)
    done = _save(form, lambda submit: update_entry(
        entry.id, _values(form, entry.transaction_class), submit=submit))
    if done is not None:
        return done
    return render_template("entries/form.html", form=form, entry=entry,
                           transaction_class=entry.transaction_class,
                           status=ENTRY_STATUSES[entry.status]), \
        form_status(request.method == "POST")


@bp.get("/entries/tasks")
def tasks():
    """The task options of a project, for the entry form's task list (htmx)."""
    project_id = posted_id(request.args, "project_id")
    form = EntryForm(formdata=None, meta={"csrf": False})
    form.task_id.choices = _task_choices(project_id)
    # Only htmx asks for this: the options of the page's task list, never a page.
    return render_block("entries/form.html", "task_options", form=form)


# --- submit, approve, reject ---------------------------------------------------------------


def _step(entry_id: int, action, done: str):
    """Run one step on an entry and go back to where the button was."""
    try:
        action(entry_id)
        flash(done, "success")
    except ServiceError as error:
        flash(_("Entry %(id)s: %(reason)s", id=entry_id, reason=str(error)), "error")
    return redirect(safe_next(request.form.get("next")) or url_for("entries.index"))


@bp.post("/entries/<id:entry_id>/submit")
def submit(entry_id: int):
    """Submit a draft or rejected entry for approval."""
    return _step(entry_id, submit_entry, _("Entry %(id)s submitted for approval.", id=entry_id))


@bp.post("/entries/<id:entry_id>/approve")
def approve(entry_id: int):
    """Approve: the priced actual is created, unbilled, ready for the billing backlog."""
    return _step(entry_id, approve_entry,
                 _("Entry %(id)s approved; its actual is in the billing backlog.", id=entry_id))


@bp.post("/entries/<id:entry_id>/reject")
def reject(entry_id: int):
    """Send a submitted entry back to be changed."""
    return _step(entry_id, reject_entry,
                 _("Entry %(id)s rejected; it can be changed and submitted again.", id=entry_id))
