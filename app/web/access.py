"""Sign-in and role checks for every request, and the security headers of every answer
(no caching of anything but static files).

Every endpoint needs a signed-in user, except the sign-in page and static files. GET
pages need the "read" permission; every other method needs the permission named for its
endpoint in PERMISSIONS — an endpoint missing there is refused, so a new POST route
cannot be forgotten (a test lists them).
"""

from flask import Flask, Response, abort, current_app, g, jsonify, redirect, request, url_for
from flask_login import AnonymousUserMixin, current_user

from app.extensions import login_manager
from app.services import audit
from app.services.users import load_user

PUBLIC_ENDPOINTS = {"auth.login", "static"}

# endpoint → the permission it needs, whatever the method. Endpoints not listed are
# plain reads: GET is allowed to every signed-in user and any other method is refused.
PERMISSIONS: dict[str, str] = {
    "auth.logout": "read",
    "auth.password": "read",
    "auth.users": "manage_users",
    "auth.update": "manage_users",
    "auth.unlock": "manage_users",
    "main.set_language": "read",
    "actuals.import_csv": "manage_backlog",
    "backlog.mark": "manage_backlog",
    "backlog.selection": "read",  # a POST that only counts the selection
    **{f"contracts.{name}": "manage_setup" for name in (
        "new", "edit", "new_line", "line", "delete_line", "save_schedule", "add_milestone",
        "milestone", "delete_milestone")},
    "contracts.invoice": "create_invoice",
    "documents.send": "send",
    "entries.new": "enter_time",
    "entries.edit": "enter_time",
    "entries.submit": "enter_time",
    "entries.approve": "approve_entries",
    "entries.reject": "approve_entries",
    **{f"invoices.{name}": "edit_invoice" for name in (
        "edit_detail", "create_detail", "delete_detail", "edit_header", "rename_line",
        "recalculate", "refresh", "back_to_draft", "remove_line", "edit_correction",
        "correct_line")},
    "invoices.submit_review": "submit_review",
    "invoices.confirm": "confirm",
    "invoices.correct": "confirm",  # a credit note of a confirmed invoice (issue 14)
    "invoices.mark_paid": "mark_paid",
    # Payments (issue 15) are the billing manager's, as Mark as paid is.
    "invoices.record_payment": "mark_paid",
    "invoices.reverse_payment": "mark_paid",
    "invoices.send_reminder": "send_reminder",
    "receivables.upload_statement": "book_statements",
    "receivables.book_statement": "book_statements",
    "setup.reminders_page": "manage_reminders",
    "invoices.reopen_paid": "reopen_paid",
    "invoices.delete": "delete_invoice",
    "invoices.cancel": "delete_invoice",
    # Setup data is the admin's: even its lists.
    **{f"setup.{name}": "manage_setup" for name in (
        "index", "list_", "new", "edit", "archive", "restore", "add_role_price", "add_category_price",
        "change_price", "add_task", "rename_task")},
}


# No inline script or style anywhere: everything comes from the app's own static files.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; font-src 'self'; object-src 'none'; "
                           "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def permission_for(endpoint: str, method: str) -> str | None:
    if endpoint in PERMISSIONS:
        return PERMISSIONS[endpoint]
    return "read" if method in ("GET", "HEAD", "OPTIONS") else None


class Anonymous(AnonymousUserMixin):
    """Nobody signed in: may do nothing — unless sign-in is switched off (LOGIN_DISABLED,
    for tests that are not about access), when everything is allowed."""

    def can(self, permission: str) -> bool:
        return bool(current_app.config.get("LOGIN_DISABLED"))


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def _refuse_anonymous():
    if _wants_json():
        return jsonify(error="sign in required"), 401
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request") == "true":
        # htmx would swap the sign-in page into a table cell: send the browser there.
        return Response(status=401, headers={"HX-Redirect": target})
    return redirect(target)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.anonymous_user = Anonymous
    login_manager.login_view = "auth.login"

    @app.before_request
    def require_permission():
        endpoint = request.endpoint
        if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
            return None
        if current_app.config.get("LOGIN_DISABLED"):
            return None
        if not current_user.is_authenticated:
            return _refuse_anonymous()
        permission = permission_for(endpoint, request.method)
        if permission is None or not current_user.can(permission):
            abort(403)
        return None

    @app.before_request
    def record_actor():
        """The audit trail records the signed-in user as who acts in this request."""
        if current_user.is_authenticated:
            g.audit_token = audit.set_actor(audit.Actor(current_user.id, current_user.email))

    @app.teardown_request
    def forget_actor(_error=None):
        token = g.pop("audit_token", None)
        if token is not None:
            audit.reset_actor(token)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # Invoice pages, fragments, JSON, previews and PDFs must stay out of browser and
            # proxy caches (a shared computer, the back button after sign-out). Whatever a
            # view set, e.g. send_file's caching of a download, gives way. Answers to
            # anonymous requests (the sign-in page and its CSRF token, redirects, errors)
            # are no-store too: only static files are the same for everyone.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response
