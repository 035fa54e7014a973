"""The invoice document: preview, PDF and "Send to customer" (issue 6)."""

from flask import Blueprint

bp = Blueprint("documents", __name__)


@bp.record_once
def _register_mail(state) -> None:
    """The invoice e-mail that app.services.mailing sends, composed here."""
    from app.documents.rendering import invoice_mail
    state.app.extensions["invoice_mail"] = invoice_mail


from app.documents import routes  # noqa: E402,F401
