"""The invoice document: preview, PDF and "Send to customer" (issue 6)."""

from flask import Blueprint

bp = Blueprint("documents", __name__)


@bp.record_once
def _register_mail(state) -> None:
    """The invoice e-mail that app.services.mailing sends, the reminder that
    app.services.reminders sends and the frozen document that app.services.issuing keeps at
    confirmation, all composed here."""
    from app.documents.document import freeze
    from app.documents.rendering import invoice_mail, reminder_mail
    state.app.extensions["invoice_mail"] = invoice_mail
    state.app.extensions["reminder_mail"] = reminder_mail
    state.app.extensions["freeze_document"] = freeze


from app.documents import routes  # noqa: E402,F401
