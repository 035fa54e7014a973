"""Setup screens (SPEC 2): list, create, change and archive the reference data.

Most kinds share one list page and one form page, described by a Kind; price lists and
projects add their prices and tasks on the edit page.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import (Category, CategoryPrice, Customer, PriceList, Product, Project, Resource,
                        Role, RolePrice, Task, Unit, UnitSchedule)
from app.services import ServiceError
from app.services import reference as services
from app.services import reminders
from app.setup import bp
from app.setup.forms import (CategoryForm, CategoryPriceForm, CustomerForm, PriceForm,
                             PriceListForm, ProductForm, ProjectForm, ResourceForm, RoleForm,
                             RolePriceForm, TaskForm, UnitForm, UnitNameForm, UnitScheduleForm)
from app.terms import unit_term
from app.web.forms import AppForm, active, choose, currency_choices, unit_choices
from app.web.pages import default_unit_id, form_status, paginate, refused


@dataclass(frozen=True)
class Kind:
    """One kind of reference data and how its pages handle it."""

    slug: str
    model: type
    form: type
    title: object
    noun: object
    create: Callable
    update: Callable | None
    columns: list[tuple[object, Callable]]
    archivable: str | None = None  # its name in services.reference.ARCHIVABLE
    prepare: Callable | None = None  # fills a form's choices: prepare(form, row or None)
    edit_form: type | None = None
    options: list = field(default_factory=list)  # eager loads of the list


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def _customer_values(form) -> services.CustomerValues:
    return services.CustomerValues(
        name=form.name.data, email=form.email.data, street=form.street.data,
        postal_code=form.postal_code.data, city=form.city.data, country=form.country.data,
        tax_registration_id=form.tax_registration_id.data, language=form.language.data,
        einvoice_profile=form.einvoice_profile.data, endpoint_scheme=form.endpoint_scheme.data,
        endpoint_id=form.endpoint_id.data, registration_id=form.registration_id.data,
        vat_treatment=form.vat_treatment.data,
        vat_exemption_reason=form.vat_exemption_reason.data)


def _product_values(form) -> services.ProductValues:
    return services.ProductValues(name=form.name.data, price=form.price.data,
                                  unit_id=form.unit_id.data, description=form.description.data)


def _prepare_product(form, row) -> None:
    form.unit_id.choices = unit_choices()


def _prepare_unit(form, row) -> None:
    if hasattr(form, "schedule_id"):
        form.schedule_id.choices = choose(
            db.session.scalars(select(UnitSchedule).order_by(UnitSchedule.id)).all())


def _prepare_price_list(form, row) -> None:
    form.currency.choices = currency_choices()
    if row is not None and services.price_list_used_by(row.id) is not None:
        # Shown but not sent; a posted currency is still checked (and refused) by the service.
        form.currency.render_kw = {"disabled": True}


def _prepare_project(form, row) -> None:
    form.customer_id.choices = choose(active(Customer, row.customer_id if row else None),
                                      row.customer_id if row else None)
    if row is not None:
        del form.tasks  # tasks are added and renamed one by one on the edit page


def _create_project(form):
    return services.create_project(form.name.data, form.customer_id.data,
                                   (form.tasks.data or "").splitlines())


KINDS = {kind.slug: kind for kind in [
    Kind("customers", Customer, CustomerForm, _l("Customers"), _l("Customer"),
         create=lambda f: services.create_customer(_customer_values(f)),
         update=lambda id_, f: services.update_customer(id_, _customer_values(f)),
         columns=[(_l("E-mail for invoices"), lambda c: c.email),
                  (_l("City"), lambda c: f"{c.postal_code} {c.city}"),
                  (_l("Country"), lambda c: c.country)],
         archivable="customers"),
    Kind("roles", Role, RoleForm, _l("Roles"), _l("Role"),
         create=lambda f: services.create_role(f.name.data, f.chargeable.data),
         update=lambda id_, f: services.update_role(id_, f.name.data, f.chargeable.data),
         columns=[(_l("Chargeable"), lambda r: _yes(r.chargeable))], archivable="roles"),
    Kind("resources", Resource, ResourceForm, _l("Bookable resources"), _l("Bookable resource"),
         create=lambda f: services.create_resource(f.name.data),
         update=lambda id_, f: services.update_resource(id_, f.name.data),
         columns=[], archivable="resources"),
    Kind("categories", Category, CategoryForm, _l("Transaction categories"),
         _l("Transaction category"),
         create=lambda f: services.create_category(f.name.data, f.chargeable.data),
         update=lambda id_, f: services.update_category(id_, f.name.data, f.chargeable.data),
         columns=[(_l("Chargeable"), lambda c: _yes(c.chargeable))], archivable="categories"),
    Kind("units", Unit, UnitForm, _l("Units"), _l("Unit"),
         create=lambda f: services.create_unit(f.key.data, f.name.data, f.schedule_id.data),
         update=lambda id_, f: services.update_unit(id_, f.name.data),
         columns=[(_l("Key"), lambda u: u.key), (_l("Unit schedule"), lambda u: u.schedule.name)],
         prepare=_prepare_unit, edit_form=UnitNameForm, options=[joinedload(Unit.schedule)]),
    Kind("unit-schedules", UnitSchedule, UnitScheduleForm, _l("Unit schedules"),
         _l("Unit schedule"),
         create=lambda f: services.create_unit_schedule(f.key.data, f.name.data), update=None,
         columns=[(_l("Key"), lambda s: s.key),
                  (_l("Units"), lambda s: ", ".join(unit_term(u) for u in s.units))],
         options=[selectinload(UnitSchedule.units)]),
    Kind("products", Product, ProductForm, _l("Products"), _l("Product"),
         create=lambda f: services.create_product(_product_values(f)),
         update=lambda id_, f: services.update_product(id_, _product_values(f)),
         columns=[(_l("Default price"), lambda p: p.price), (_l("Unit"), lambda p: unit_term(p.unit))],
         archivable="products", prepare=_prepare_product, options=[joinedload(Product.unit)]),
    Kind("price-lists", PriceList, PriceListForm, _l("Price lists"), _l("Price list"),
         create=lambda f: services.create_price_list(f.name.data, f.currency.data),
         update=lambda id_, f: services.update_price_list(id_, f.name.data,
                                                          f.currency.data or None),
         columns=[(_l("Currency"), lambda p: p.currency)], archivable="price_lists",
         prepare=_prepare_price_list),
    Kind("projects", Project, ProjectForm, _l("Projects"), _l("Project"),
         create=_create_project,
         update=lambda id_, f: services.update_project(id_, f.name.data, f.customer_id.data),
         columns=[(_l("Customer"), lambda p: p.customer.name)], archivable="projects",
         prepare=_prepare_project, options=[joinedload(Project.customer)]),
]}
# Kinds whose edit page goes on after saving a new one (prices, tasks to add).
STAY_ON_EDIT = {"price-lists", "projects"}


def _kind(slug: str) -> Kind:
    return KINDS.get(slug) or abort(404)


@bp.get("/setup")
def index():
    """What can be set up, with how many of each there are."""
    counts = {}
    for slug, kind in KINDS.items():
        query = select(func.count()).select_from(kind.model)
        if kind.archivable:
            query = query.where(kind.model.archived.is_(False))
        counts[slug] = db.session.scalar(query)
    return render_template("setup/index.html", kinds=KINDS, counts=counts)


@bp.get("/setup/<slug>")
def list_(slug: str):
    """One kind of reference data, by name; archived ones only when asked for."""
    kind = _kind(slug)
    show_archived = bool(kind.archivable and request.args.get("archived"))
    query = select(kind.model).options(*kind.options).order_by(kind.model.name, kind.model.id)
    if kind.archivable and not show_archived:
        query = query.where(kind.model.archived.is_(False))
    return render_template("setup/list.html", kind=kind, pagination=paginate(query),
                           show_archived=show_archived)


def _save(kind: Kind, form: AppForm, row=None):
    """Validate and call the service; the saved row, or None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    try:
        return kind.create(form) if row is None else kind.update(row.id, form)
    except ServiceError as error:
        refused(form, error)
        return None


@bp.route("/setup/<slug>/new", methods=["GET", "POST"])
def new(slug: str):
    """A new record of the kind."""
    kind = _kind(slug)
    form = kind.form()
    if kind.prepare:
        kind.prepare(form, None)
    saved = _save(kind, form) if request.method == "POST" else None
    if saved is not None:
        flash(_("%(kind)s %(name)s saved.", kind=kind.noun, name=saved.name), "success")
        if slug in STAY_ON_EDIT:
            return redirect(url_for("setup.edit", slug=slug, id_=saved.id))
        return redirect(url_for("setup.list_", slug=slug))
    return render_template("setup/form.html", kind=kind, form=form, row=None), \
        form_status(bool(form.errors or form.form_errors))


@bp.route("/setup/<slug>/<id:id_>", methods=["GET", "POST"])
def edit(slug: str, id_: int):
    """Change a record; price lists and projects also show their prices and tasks."""
    kind = _kind(slug)
    if kind.update is None:
        abort(404)
    row = db.session.get(kind.model, id_) or abort(404)
    form = (kind.edit_form or kind.form)(obj=row)
    if kind.prepare:
        kind.prepare(form, row)
    if request.method == "POST":
        saved = _save(kind, form, row)
        if saved is not None:
            flash(_("%(kind)s %(name)s saved.", kind=kind.noun, name=saved.name), "success")
            return redirect(url_for("setup.edit", slug=slug, id_=id_) if slug in STAY_ON_EDIT
                            else url_for("setup.list_", slug=slug))
    return _edit_page(kind, row, form)


def _edit_page(kind: Kind, row, form, **forms):
    """The edit page, with the price or task sections of price lists and projects."""
    context = {"kind": kind, "form": form, "row": row}
    if kind.slug == "price-lists":
        context.update(_price_sections(row, **forms))
    elif kind.slug == "projects":
        context["task_form"] = forms.get("task_form") or TaskForm(formdata=None)
        context["tasks"] = db.session.scalars(select(Task).where(Task.project_id == row.id)
                                              .order_by(Task.id)).all()
    failed = any(f.errors or f.form_errors for f in [form, *forms.values()])
    return render_template("setup/form.html", **context), form_status(failed)


@bp.post("/setup/<slug>/<id:id_>/archive")
def archive(slug: str, id_: int):
    """Archive a record: no longer offered for new work, kept everywhere it is used."""
    return _set_archived(slug, id_, True)


@bp.post("/setup/<slug>/<id:id_>/restore")
def restore(slug: str, id_: int):
    """Offer an archived record for new work again."""
    return _set_archived(slug, id_, False)


def _set_archived(slug: str, id_: int, archived: bool):
    kind = _kind(slug)
    if not kind.archivable:
        abort(404)
    row = db.session.get(kind.model, id_) or abort(404)
    services.set_archived(kind.archivable, row.id, archived)
    flash((_("%(name)s archived.", name=row.name) if archived
           else _("%(name)s restored.", name=row.name)), "success")
    return redirect(url_for("setup.list_", slug=slug, **({"archived": 1} if not archived else {})))


# --- price list prices ---------------------------------------------------------------------


def _price_sections(price_list: PriceList, role_form=None, category_form=None) -> dict:
    role_prices = db.session.scalars(
        select(RolePrice).where(RolePrice.price_list_id == price_list.id)
        .options(joinedload(RolePrice.role), joinedload(RolePrice.unit))
        .join(Role).order_by(Role.name, RolePrice.unit_id)).all()
    category_prices = db.session.scalars(
        select(CategoryPrice).where(CategoryPrice.price_list_id == price_list.id)
        .options(joinedload(CategoryPrice.category), joinedload(CategoryPrice.unit))
        .join(Category).order_by(Category.name, CategoryPrice.unit_id)).all()
    role_form = role_form or RolePriceForm(formdata=None)
    category_form = category_form or CategoryPriceForm(formdata=None)
    _price_choices(role_form, category_form)
    return {"role_prices": role_prices, "category_prices": category_prices,
            "role_form": role_form, "category_form": category_form,
            "used_by": services.price_list_used_by(price_list.id)}


def _price_choices(role_form, category_form) -> None:
    role_form.role_id.choices = choose(active(Role))
    category_form.category_id.choices = choose(active(Category))
    role_form.unit_id.choices = unit_choices("time")
    category_form.unit_id.choices = unit_choices()
    # Role prices are prices of time; category prices of expenses, materials and fees.
    if role_form.unit_id.data is None:
        role_form.unit_id.data = default_unit_id("time")
    if category_form.unit_id.data is None:
        category_form.unit_id.data = default_unit_id("expense")


def _price_list(id_: int) -> PriceList:
    return db.session.get(PriceList, id_) or abort(404)


@bp.post("/setup/price-lists/<id:id_>/role-prices")
def add_role_price(id_: int):
    """Add a role's price per unit to the price list."""
    price_list = _price_list(id_)
    form = RolePriceForm()
    return _add_price(price_list, form, "role_form", lambda: services.add_role_price(
        price_list.id, form.role_id.data, form.unit_id.data, form.price.data))


@bp.post("/setup/price-lists/<id:id_>/category-prices")
def add_category_price(id_: int):
    """Add a transaction category's price per unit to the price list."""
    price_list = _price_list(id_)
    form = CategoryPriceForm()
    return _add_price(price_list, form, "category_form", lambda: services.add_category_price(
        price_list.id, form.category_id.data, form.unit_id.data, form.price.data))


def _add_price(price_list: PriceList, form: AppForm, name: str, add: Callable):
    if form.validate_on_submit():
        try:
            add()
            flash(_("Price added."), "success")
            return redirect(url_for("setup.edit", slug="price-lists", id_=price_list.id,
                                    _anchor="prices"))
        except ServiceError as error:
            refused(form, error)
    header = PriceListForm(formdata=None, obj=price_list)
    _prepare_price_list(header, price_list)
    return _edit_page(KINDS["price-lists"], price_list, header, **{name: form})


@bp.post("/setup/price-lists/<id:id_>/<any(role,category):which>-prices/<id:row_id>")
def change_price(id_: int, which: str, row_id: int):
    """A new price on one row, or the row removed (the button pressed says which)."""
    price_list = _price_list(id_)
    model = RolePrice if which == "role" else CategoryPrice
    row = db.session.get(model, row_id)
    if row is None or row.price_list_id != price_list.id:
        abort(404)
    try:
        if request.form.get("action") == "remove":
            services.remove_price(which, row.id)
            flash(_("Price removed."), "success")
        else:
            form = PriceForm()
            if not form.validate_on_submit():
                raise ServiceError(" ".join(map(str, form.price.errors)) or _("Not valid."),
                                   field="price")
            services.change_price(which, row.id, form.price.data)
            flash(_("Price saved."), "success")
    except ServiceError as error:
        flash(_("The price was not saved: %(reason)s", reason=str(error)), "error")
    return redirect(url_for("setup.edit", slug="price-lists", id_=price_list.id, _anchor="prices"))


# --- project tasks -------------------------------------------------------------------------


@bp.post("/setup/projects/<id:id_>/tasks")
def add_task(id_: int):
    """Add a task to the project."""
    project = db.session.get(Project, id_) or abort(404)
    form = TaskForm()
    if form.validate_on_submit():
        try:
            services.add_task(project.id, form.name.data)
            flash(_("Task %(name)s added.", name=form.name.data.strip()), "success")
            return redirect(url_for("setup.edit", slug="projects", id_=project.id,
                                    _anchor="tasks"))
        except ServiceError as error:
            refused(form, error)
    header = ProjectForm(formdata=None, obj=project)
    _prepare_project(header, project)
    return _edit_page(KINDS["projects"], project, header, task_form=form)


@bp.post("/setup/projects/<id:id_>/tasks/<id:task_id>")
def rename_task(id_: int, task_id: int):
    """Rename one of the project's tasks."""
    task = db.session.get(Task, task_id)
    if task is None or task.project_id != id_:
        abort(404)
    form = TaskForm()
    try:
        if not form.validate_on_submit():
            raise ServiceError(" ".join(map(str, form.name.errors)) or _("Not valid."),
                               field="name")
        services.rename_task(task.id, form.name.data)
        flash(_("Task renamed."), "success")
    except ServiceError as error:
        flash(_("The task was not renamed: %(reason)s", reason=str(error)), "error")
    return redirect(url_for("setup.edit", slug="projects", id_=id_, _anchor="tasks"))


# ---------------------------------------------------------------- payment reminders (issue 15)

REMINDER_LANGUAGES = (("en", "English"), ("ms", "Bahasa Melayu"), ("da", "Dansk"))


def _posted_levels() -> list[reminders.LevelInput]:
    """The levels of the posted form, in order: rows marked for removal and blank rows (no
    days, no text) left out."""
    rows, index = [], 0
    form = request.form
    while f"levels-{index}-days" in form and index < 50:
        prefix = f"levels-{index}-"
        texts = {f"{kind}_{code}": form.get(f"{prefix}{kind}_{code}", "")
                 for kind in ("subject", "body") for code, _name in REMINDER_LANGUAGES}
        typed_days = form.get(prefix + "days", "").strip()
        index += 1
        if form.get(prefix + "remove") or (not typed_days and not any(
                value.strip() for value in texts.values())):
            continue
        # Not a whole number: None, which the rule refuses next to the field.
        days = int(typed_days) if typed_days.isdigit() and len(typed_days) < 6 else None
        rows.append(reminders.LevelInput(
            days, {code: texts[f"subject_{code}"] for code, _name in REMINDER_LANGUAGES},
            {code: texts[f"body_{code}"] for code, _name in REMINDER_LANGUAGES}))
    return rows


def _level_rows(rows: list[reminders.LevelInput]) -> list[dict]:
    """What the page shows per level (and one blank row to add a level): the values, and
    the shipped texts as each field's placeholder."""
    shown = []
    for number, row in enumerate([*rows, reminders.LevelInput(None, {}, {})], start=1):
        defaults = {code: reminders.default_texts(number, code) for code, _name in REMINDER_LANGUAGES}
        shown.append({"number": number, "days": "" if row.days is None else row.days,
                      "subjects": row.subjects, "bodies": row.bodies, "defaults": defaults,
                      "new": number == len(rows) + 1})
    return shown


@bp.route("/setup/reminders", methods=["GET", "POST"])
def reminders_page():
    """The payment reminder levels: when each is sent (days overdue) and what it says in
    each language (blank: the shipped text)."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        rows = _posted_levels()
        try:
            reminders.save_levels(rows)
        except ServiceError as error:
            errors = error.errors or {error.field or "levels": str(error)}
        else:
            flash(_("Reminder levels saved."), "success")
            return redirect(url_for("setup.reminders_page"))
    else:
        rows = [reminders.LevelInput(level.days,
                                     {code: getattr(level, f"subject_{code}")
                                      for code, _name in REMINDER_LANGUAGES},
                                     {code: getattr(level, f"body_{code}")
                                      for code, _name in REMINDER_LANGUAGES})
                for level in reminders.levels()]
    return render_template("setup/reminders.html", rows=_level_rows(rows), errors=errors,
                           reminder_languages=REMINDER_LANGUAGES,
                           placeholders=reminders.REMINDER_PLACEHOLDERS), (422 if errors else 200)
