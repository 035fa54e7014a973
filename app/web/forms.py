"""The form pieces every blueprint shares: the filter form of a list page, select choices,
the fields of data-entry forms (a record by id, several checkboxes, a decimal typed in the
language's notation).

Forms check the shape of what was typed (a number, a date, a choice); the services check
the rules and name the field a refusal belongs to.
"""

from collections.abc import Iterable

from babel.numbers import get_currency_name, get_decimal_symbol, list_currencies
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from wtforms import Field, Form, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms import validators
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.billing.values import fits, parse_id, parse_number, too_large
from app.extensions import db
from app.models import Project, Unit, UnitSchedule
from app.terms import unit_term
from app.web.templating import plain_number

REQUIRED = _l("Required.")
CHOOSE = _l("— choose —")


class Length(validators.Length):
    """WTForms' length check with the message in the user's language (WTForms' own is
    English), and the `maxlength` it sets on the input."""

    def __init__(self, min: int = -1, max: int = -1, message=None) -> None:
        if message is None:
            message = (_l("At most %(max)d characters.") if min < 0
                       else _l("At least %(min)d characters.") if max < 0
                       else _l("Between %(min)d and %(max)d characters."))
        super().__init__(min, max, message)


# ---------------------------------------------------------------- filters of list pages

class FilterForm(Form):
    """A filter form read from the query string; no CSRF, since it changes nothing.

    Invalid values (an unknown status, a bad date) are ignored rather than refused, so a
    stale bookmark still shows a page; the template marks the field.
    """

    def active(self) -> dict:
        """The filters that were given and are valid, by field name."""
        self.validate()
        for field in self:
            if not any(field.raw_data or ()):
                field.errors = []  # not given is not invalid
        return {name: field.data for name, field in self._fields.items()
                if not field.errors and field.data not in (None, "")}


def choices(options: dict | Iterable[tuple[str, object]], everything) -> list[SelectChoice]:
    """Select options (a vocabulary of app.labels, or value/label pairs) after an "all" option."""
    pairs = options.items() if isinstance(options, dict) else options
    return [SelectChoice("", everything), *(SelectChoice(value, text) for value, text in pairs)]


def project_ref(project) -> str:
    """How filters name a project: its key, else its id."""
    return project.key or str(project.id)


def fill_project_choices(field: SelectField) -> dict[str, int]:
    """Offer every project in a project filter; return project id by ref."""
    projects = db.session.execute(select(Project.id, Project.key, Project.name)
                                  .order_by(Project.name, Project.id)).all()
    field.choices = choices(((project_ref(p), p.name) for p in projects), _l("All projects"))
    return {project_ref(p): p.id for p in projects}


# ---------------------------------------------------------------- fields

def example_number() -> str:
    """A number written as the language writes it, for messages: 1234.50, 1234,50."""
    return "1234" + get_decimal_symbol(get_locale()) + "50"


class DecimalField(StringField):
    """A Decimal typed as text, read by app.billing.values.parse_number in the language's
    decimal sign ("1781,25" in Danish, "1781.25" anywhere) and checked here, since WTForms'
    DecimalField only rounds for display. Blank is None.

    What was typed is kept for the input when it is refused. `places` bounds the decimals
    (None: the use case checks them); `required` refuses a blank. `quote` names what was
    typed in the message, for inputs drawn again with the saved value (the editor's cells).
    """

    def __init__(self, label=None, validators=None, *, places: int | None = None,
                 required: bool = False, quote: bool = False, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.required = required
        self.quote = quote
        self.typed: str | None = None

    def process_formdata(self, valuelist):
        if not valuelist:
            return  # not posted: the value it was given stays
        self.typed = valuelist[0]
        self.data = None
        text = self.typed.strip()
        if text:
            try:
                self.data = parse_number(text, get_decimal_symbol(get_locale()))
            except ValueError:
                if self.quote:
                    raise ValueError(_("“%(value)s” is not a number.", value=text)) from None
                raise ValueError(_("Not a number; write it without thousands separators, e.g. "
                                   "%(example)s.", example=example_number())) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        if self.data is None:
            if self.required:
                raise StopValidation(_("Enter a number."))
            return
        if self.places is not None and not fits(self.data, self.places):
            raise ValidationError(_("At most %(places)s decimals.", places=self.places))
        if too_large(self.data):
            raise ValidationError(_("This number is too large."))

    def _value(self) -> str:
        if self.typed is not None:
            return self.typed
        return plain_number(self.data)


def optional_int(value) -> int | None:
    """A choice's value: None when blank, else a row id or a small code such as a weekday
    (0 to ID_MAX, app.billing.values.parse_id); ValueError for anything else, a number
    beyond the database's integers too, so it never reaches a query."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value  # a choice's own value, or the record's
    return parse_id(str(value), smallest=0)


class ChoiceField(SelectField):
    """A choice of a record by id; the view fills the choices, the service checks the id
    (which is always one the database's integer holds: `optional_int`)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("validate_choice", False)
        kwargs.setdefault("choices", [])
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_("Choose one of the options.")) from None


class IdField(Field):
    """The id of a chosen row (a task, a role…) posted by an htmx cell; blank is None. The
    use case checks it; a number beyond any row's id is refused here, before any query."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = parse_id(text)
            except ValueError:
                raise ValueError(_("Choose a value from the list.")) from None


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a row of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# ---------------------------------------------------------------- choices of records

def choose(rows, current=None, blank=CHOOSE, text=lambda row: row.name):
    """Select choices from rows: the archived ones only when they are the current value."""
    return [SelectChoice("", blank)] + [SelectChoice(row.id, text(row)) for row in rows
                                        if not getattr(row, "archived", False)
                                        or row.id == current]


def active(model, current: int | None = None):
    """Rows of a model for a choice, by name: active ones, and the current one."""
    query = select(model).order_by(model.name, model.id)
    if hasattr(model, "archived"):
        query = query.where(or_(model.archived.is_(False), model.id == (current or 0)))
    return db.session.scalars(query).all()


def project_choices(current: int | None = None):
    """Active projects (and the current one) as "Project · Customer", by name."""
    projects = db.session.scalars(
        select(Project).options(joinedload(Project.customer))
        .where(or_(Project.archived.is_(False), Project.id == (current or 0)))
        .order_by(Project.name, Project.id)).all()
    return choose(projects, current, text=lambda p: f"{p.name} · {p.customer.name}")


def unit_choices(schedule_key: str | None = None, blank=True):
    """Units as "Hour (Time)", optionally only those of one schedule."""
    query = (select(Unit, UnitSchedule.name).join(UnitSchedule, UnitSchedule.id == Unit.schedule_id)
             .order_by(UnitSchedule.id, Unit.id))
    if schedule_key:
        query = query.where(UnitSchedule.key == schedule_key)
    units = [SelectChoice(unit.id, f"{unit_term(unit)} ({schedule})")
             for unit, schedule in db.session.execute(query)]
    return ([SelectChoice("", CHOOSE)] if blank else []) + units


def currency_choices():
    """Every active ISO 4217 currency (app.billing.values.is_currency: legal tender today,
    no test codes), by code, named in the page's language."""
    from app.billing.values import is_currency

    locale = get_locale()
    return [SelectChoice("", CHOOSE)] + [
        SelectChoice(code, f"{code} · {get_currency_name(code, locale=locale)}")
        for code in sorted(list_currencies()) if is_currency(code)]


# ---------------------------------------------------------------- text every form refuses

from flask_wtf import FlaskForm  # noqa: E402  (this block's own imports: helper "text")
from wtforms.widgets import TextArea  # noqa: E402

from app.billing import values as _values  # noqa: E402

TEXT_PROBLEMS = {
    _values.NUL: _l("Remove the control characters (such as NUL) from this text."),
    _values.CONTROL: _l("Remove the control characters (such as NUL) from this text."),
    _values.SURROGATE: _l("This text holds characters that cannot be stored; type it again."),
    _values.LINE_BREAK: _l("Write this on one line, without line breaks."),
}


def plain_text(form, field) -> None:
    """Refuse text no column can hold or no page can show (app.billing.values.text_problem):
    a text area may hold line breaks, any other field is one line (names and addresses end
    up in mail headers)."""
    data = field.data if isinstance(field.data, (list, tuple)) else [field.data]
    multiline = isinstance(field.widget, TextArea)
    for value in data:
        problem = _values.text_problem(value, multiline) if isinstance(value, str) else None
        if problem:
            raise StopValidation(TEXT_PROBLEMS[problem])


class AppForm(FlaskForm):
    """The base of every data-entry form: besides each field's own validators, every field
    whose value is text is checked by `plain_text`, its message next to the field. Lengths
    are each field's `Length`, the column's (tests/web/test_bad_text.py proves they match)."""

    def validate(self, extra_validators=None) -> bool:
        extra = dict(extra_validators or {})
        for name in self._fields:
            extra[name] = [*extra.get(name, ()), plain_text]
        return super().validate(extra)


def app_forms() -> list[type[AppForm]]:
    """Every form class of the app (every AppForm subclass, however deep)."""
    found, pending = [], list(AppForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        found.append(form)
    return found
