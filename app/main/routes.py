"""Home and the language switch."""

from flask import redirect, request, session, url_for
from flask_login import current_user

from app.formatting import LANGUAGES
from app.main import bp
from app.services.users import set_language as set_user_language
from app.web.pages import safe_next


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
