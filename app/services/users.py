"""Users: creation, sign-in, sign-out, password changes, roles (issues 7 and 12).

Sign-in throttling is the edge's (app/auth/throttle.py, per e-mail and client address):
the columns failed_logins and locked_until of the account-wide lock are no longer used."""

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.permissions import ROLES
from app.extensions import db
from app.models.users import User
from app.services import ServiceError, use_case

MIN_PASSWORD_LENGTH = 10
# Compared against when the e-mail is unknown, so that the answer takes as long either way:
# a hash of the same kind (werkzeug's default scrypt, same cost) as generate_password_hash
# makes, precomputed — hashing at import cost every process ~0.1 s and 32 MiB of scrypt
# memory at start. tests/services/test_users.py checks it still matches the default's kind.
_DUMMY_HASH = ("scrypt:32768:8:1$Qtrvdc7HVK5DGI5M$872631e34b9c13eb250baef59aa4533f424dc24d790"
               "256a6b5438e67c3cddee59e8a9608990500f85ac5edd120fbd1f57348231121126c6869e0401ea"
               "32e9ff8")


class SignInRefused(ServiceError):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(_("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
                           field="password")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ServiceError(_("Unknown role '%(role)s' (one of %(roles)s).", role=role,
                          roles=", ".join(ROLES)), field="role")


def normalise_email(email: str) -> str:
    return email.strip().lower()


@use_case
def create_user(email: str, password: str, role: str, name: str = "") -> User:
    """A new active user; the e-mail is unique, case-insensitively."""
    email = normalise_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise ServiceError(_("'%(email)s' is not an e-mail address.", email=email), field="email")
    _check_role(role)
    _check_password(password)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise ServiceError(_("A user with the e-mail %(email)s already exists.", email=email),
                           field="email")
    user = User(email=email, name=name.strip(), role=role,
                password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    return user


@use_case
def authenticate(email: str, password: str) -> User:
    """The active user with these credentials. Every refusal reads alike — unknown e-mail,
    wrong password, deactivated account — and costs one password hash check."""
    user = db.session.scalars(select(User).where(User.email == normalise_email(email))).first()
    matches = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not matches or not user.active:
        raise SignInRefused(_("Wrong e-mail or password."))
    user.last_login_at = _now()
    return user


@use_case
def end_sessions(user_id: int) -> None:
    """Sign-out: every session of the user ends, on the server — a copy of the cookie too."""
    user = db.session.get(User, user_id, with_for_update=True)
    if user is not None:
        user.session_version += 1


@use_case
def change_password(user_id: int, current: str, new: str) -> User:
    user = db.session.get(User, user_id, with_for_update=True)
    if not check_password_hash(user.password_hash, current):
        raise ServiceError(_("The current password is wrong."), field="current_password")
    _check_password(new)
    user.password_hash = generate_password_hash(new)
    user.session_version += 1
    return user


@use_case
def update_user(user_id: int, *, role: str | None = None, active: bool | None = None,
                acting_user_id: int | None = None) -> User:
    """Set a user's role or deactivate/reactivate them; the last active admin stays."""
    user = db.session.get(User, user_id, with_for_update=True)
    if user is None:
        raise ServiceError(_("Unknown user."))
    if role is not None:
        _check_role(role)
    losing_admin = user.role == "admin" and user.active and (
        (role is not None and role != "admin") or active is False)
    if losing_admin and db.session.scalar(select(func.count()).select_from(User).where(
            User.role == "admin", User.active)) <= 1:
        raise ServiceError(_("The last active admin cannot be demoted or deactivated."))
    if role is not None:
        user.role = role
    if active is not None and active != user.active:
        user.active = active
        user.session_version += 1
    return user


@use_case
def set_language(user_id: int, language: str) -> None:
    user = db.session.get(User, user_id)
    if user is not None:
        user.language = language


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: "id:session_version", so old sessions die with a new password."""
    ident, _sep, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
