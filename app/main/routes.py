"""Home, language switch and helpers every page shares."""

from urllib.parse import urlsplit

from flask import redirect, request, session, url_for
from flask_login import current_user
from werkzeug.urls import iri_to_uri

from app import LANGUAGES
from app.main import bp
from app.services.users import set_language as set_user_language


def safe_next(target: str | None) -> str | None:
    """The target if it is a path on this site ("/invoices?page=2"), else None.

    Only relative paths: an absolute URL, a scheme-relative "//host" or a backslash
    trick would turn the language switch into an open redirect.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/")
def index():
    """The contracts list is the start page."""
    return redirect(url_for("contracts.index"))


@bp.post("/language")
def set_language():
    """Store the chosen language in the session and go back to the page it came from."""
    language = request.form.get("language")
    if language in LANGUAGES:
        session["language"] = language
        if current_user.is_authenticated:
            set_user_language(current_user.id, language)
    return redirect(safe_next(request.form.get("next")) or url_for("contracts.index"))


@bp.app_template_global()
def current_path() -> str:
    """This page's path and query, for forms that come back here."""
    path = request.full_path
    return iri_to_uri(path[:-1] if path.endswith("?") else path)


@bp.app_template_global()
def page_url(page: int) -> str:
    """This page's URL with its filters kept and another page number."""
    args = {key: value for key, value in request.args.items() if key != "page" and value != ""}
    return url_for(request.endpoint, **(request.view_args or {}), **args, page=page)
