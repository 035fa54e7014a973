"""Forms of sign-in, password change and user administration."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo

from app.labels import ROLE_NAMES
from app.permissions import ROLES
from app.web.forms import REQUIRED, AppForm, Length


def role_choices():
    return [(role, ROLE_NAMES[role]) for role in ROLES]


class LoginForm(AppForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    next = HiddenField()


class PasswordForm(AppForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED), Length(min=10)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(REQUIRED), EqualTo("new_password",
                                                                message=_l("The passwords differ."))])


class InviteForm(AppForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=role_choices, default="viewer")
    password = PasswordField(_l("Initial password"), validators=[DataRequired(REQUIRED), Length(min=10)])


class UserForm(AppForm):
    role = SelectField(_l("Role"), choices=role_choices)
    active = BooleanField(_l("Active"))


class EmptyForm(AppForm):
    """For button-only POSTs: just the CSRF token."""
