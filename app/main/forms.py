"""What the filter forms of the list pages share."""

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.models import Project


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
