"""Sign-in, sign-out, own password, and the admin's user list."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from app.auth import bp
from app.auth.forms import InviteForm, LoginForm, PasswordForm, UserForm
from app.extensions import db
from app.models.users import User
from app.services import ServiceError
from app.services.users import (SignInRefused, authenticate, change_password,
                                create_user, update_user)
from app.web.pages import safe_next


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except SignInRefused as refused:
            form.password.errors.append(str(refused))
        else:
            login_user(user)
            session.permanent = True
            if user.language:
                session["language"] = user.language
            return redirect(safe_next(form.next.data) or url_for("main.index"))
    status = 401 if form.password.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out."""
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    """Change one's own password; other sessions of the account end."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = change_password(current_user.id, form.current_password.data,
                                   form.new_password.data)
        except ServiceError as error:
            getattr(form, error.field or "new_password").errors.append(str(error))
        else:
            login_user(user)  # this session continues with the new session version
            flash(_("Your password is changed."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/admin/users", methods=["GET", "POST"])
def users():
    """Admins invite users, set their roles and deactivate them."""
    invite = InviteForm()
    if invite.validate_on_submit():
        try:
            user = create_user(invite.email.data, invite.password.data, invite.role.data,
                               invite.name.data or "")
        except ServiceError as error:
            getattr(invite, error.field or "email").errors.append(str(error))
        else:
            flash(_("%(email)s can now sign in.", email=user.email), "success")
            return redirect(url_for("auth.users"))
    people = db.session.scalars(select(User).order_by(User.email)).all()
    forms = {u.id: UserForm(formdata=None, prefix=f"u{u.id}", role=u.role, active=u.active)
             for u in people}
    return render_template("auth/users.html", invite=invite, people=people, forms=forms)


@bp.post("/admin/users/<int:user_id>")
def update(user_id: int):
    """Change one user's role or active flag."""
    form = UserForm(prefix=f"u{user_id}")
    if form.validate_on_submit():
        try:
            update_user(user_id, role=form.role.data, active=form.active.data)
        except ServiceError as error:
            flash(str(error), "error")
        else:
            flash(_("The user is updated."), "success")
    return redirect(url_for("auth.users"))
