"""Sign-in, sign-out, own password, and the admin's user list."""

import math

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from app.auth import bp, throttle
from app.auth.forms import EmptyForm, InviteForm, LoginForm, PasswordForm, UserForm
from app.extensions import db
from app.models.users import User
from app.services import ServiceError
from app.services.users import (SignInRefused, authenticate, change_password,
                                create_user, end_sessions, update_user)
from app.web.pages import safe_next


@bp.route("/login", methods=["GET", "POST"])
@throttle.sign_in_posts
@throttle.failed_sign_ins
def login():
    """Sign in with e-mail and password; refusals answer 401, throttled posts 429."""
    form = LoginForm(next=request.args.get("next", ""))
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except SignInRefused as refused:
            form.password.errors.append(str(refused))
            status = 401  # only this counts against the (e-mail, address) throttle
        else:
            login_user(user)
            session.permanent = True
            if user.language:
                session["language"] = user.language
            return redirect(safe_next(form.next.data) or url_for("main.index"))
    return render_template("auth/login.html", form=form), status


@bp.errorhandler(RateLimitExceeded)
def throttled(_error):
    """The sign-in page again, saying when to retry — alike for every e-mail, known or not."""
    form = LoginForm()
    seconds = throttle.retry_after()
    form.password.errors = [ngettext(  # the form was not validated: no errors list yet
        "Too many sign-in attempts: try again in %(num)d minute.",
        "Too many sign-in attempts: try again in %(num)d minutes.", math.ceil(seconds / 60))]
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(seconds)}


@bp.post("/logout")
def logout():
    """Sign out, on the server: every session of the account ends, copies of its cookie too."""
    if current_user.is_authenticated:
        end_sessions(current_user.id)
    logout_user()
    session.clear()
    flash(_("You are signed out on every device."), "success")
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
    return render_template("auth/users.html", invite=invite, people=people, forms=forms,
                           unlock=EmptyForm(formdata=None),
                           throttle={"failures": throttle.PAIR_FAILURES,
                                     "minutes": throttle.PAIR_MINUTES})


@bp.post("/admin/users/<id:user_id>")
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


@bp.post("/admin/users/<id:user_id>/unlock")
def unlock(user_id: int):
    """Clear the sign-in throttle of one account, from every address."""
    if EmptyForm().validate_on_submit():
        user = db.session.get(User, user_id)
        if user is None:
            abort(404)
        throttle.unlock(user.email)
        # The audit trail is the invoices': the log keeps who lifted whose throttle.
        current_app.logger.warning("sign-in throttle of %s cleared by %s", user.email,
                                   current_user.email if current_user.is_authenticated else "-")
        flash(_("%(email)s can sign in again from every address.", email=user.email), "success")
    return redirect(url_for("auth.users"))
