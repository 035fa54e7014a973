"""Error pages: every 4xx and 5xx answers a page in the user's language, the notice alone
for htmx (the invoice editor then says "not saved" at the cell, app/static/editor.js), or
JSON for JSON clients. Never a traceback: a 500 is logged with its traceback and a short
request id, and the user sees the id (also sent as X-Request-ID) to quote.

A database that went away is app/web/failures.py's (503): its answer comes first.
"""

import logging
import secrets

from flask import Flask, current_app, has_request_context, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.htmx import wants_fragment
from app.services import concurrent_refusal
from app.web.access import _wants_json

log = logging.getLogger(__name__)

# htmx swaps 409 and 422 answers (base.html's responseHandling: they are a row with its
# messages). A notice of this module's goes among the page's messages instead.
_SWAPPED = frozenset({409, 422})
# Where a request keeps its id (the environ is the request's own; `g` may outlive it).
_REQUEST_ID = "invoicing.request_id"


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _http_error)
    # What the database refused (a race, a value it cannot hold) outside a use case.
    for refused in (StaleDataError, IntegrityError, DataError, UnicodeEncodeError, OverflowError):
        app.register_error_handler(refused, _refused_by_the_database)
    # A 500 goes to failures.py's handler first (a database that went away answers 503).
    database_away = app.error_handler_spec[None].get(500, {}).get(InternalServerError)

    def server_error(error: InternalServerError):
        if database_away is not None:
            answer = database_away(error)
            if answer is not error:
                return answer
        return _server_error(error)

    app.register_error_handler(InternalServerError, server_error)
    app.logger.addFilter(_with_request_id)


def request_id() -> str:
    """This request's id, made on first use: the log line of a failure and its page share it."""
    return request.environ.setdefault(_REQUEST_ID, secrets.token_hex(4))


def _with_request_id(record: logging.LogRecord) -> bool:
    """Flask logs an unhandled exception (with its traceback) before the 500 page is made:
    the line names the request id the page shows."""
    if record.exc_info and has_request_context():
        record.msg = f"{record.msg} (request id {request_id()})"
    return True


def _text(code: int, error: HTTPException | None) -> tuple[str, str]:
    """The heading and the sentence of an error page."""
    if isinstance(error, CSRFError):
        return _("Not saved"), _("The form has expired. Reload the page and try again.")
    if code == 400:
        return _("Bad request"), _("The request could not be read. Reload the page and try again.")
    if code == 401:
        return _("Sign in required"), _("Sign in to see this page.")
    if code == 403:
        return _("Not allowed"), _("Your role does not allow this. Ask an administrator if you need it.")
    if code == 404:
        return _("Not found"), _("There is nothing at this address. It may have been mistyped, or the record does not exist.")
    if code == 405:
        return _("Not allowed here"), _("This address does not take this kind of request.")
    if code == 409:
        return _("Not saved"), _("Someone changed this meanwhile. Reload the page and try again.")
    if code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        # Also a form of too many fields or one huge field (MAX_FORM_PARTS, _MEMORY_SIZE).
        return _("Too large"), _("What was sent is too large; the limit is %(size)s MB. Split a "
                                 "large file into smaller ones.", size=limit // (1024 * 1024))
    if code == 422:
        return _("Not saved"), _("The values sent could not be used. Reload the page and try again.")
    if code == 429:
        return _("Too many requests"), _("Too many requests at once. Wait a moment and try again.")
    if code >= 500:
        return _("Something went wrong"), _("The server could not answer this request. Try again later.")
    return _("Error"), _("The server could not answer this request.")


def error_answer(code: int, error: HTTPException | None = None, message: str | None = None,
                 reference: str | None = None):
    """The page, its notice for htmx, or JSON; `message` (already translated) replaces the
    sentence, `reference` is the request id of a 500."""
    title, text = _text(code, error)
    text = message or text
    headers = {}
    if error is not None:
        headers.update(error.get_headers())  # Allow of a 405, Retry-After of a 429…
        headers.pop("Content-Type", None)
    if reference is not None:
        headers["X-Request-ID"] = reference
    if _wants_json():
        body = {"error": text, **({"request_id": reference} if reference else {})}
        return jsonify(body), code, headers
    context = {"code": code, "title": title, "message": text, "reference": reference}
    if wants_fragment():
        if code in _SWAPPED:
            headers.update({"HX-Retarget": "#flashes", "HX-Reswap": "innerHTML"})
        return render_block("error.html", "notice", **context), code, headers
    return render_template("error.html", **context), code, headers


def _http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error  # a redirect, not an error
    if error.code >= 500:
        db.session.rollback()
    return error_answer(error.code, error)


def _server_error(error: InternalServerError):
    """A bug: the traceback is in the log (Flask logged it, with the request id)."""
    reference = request_id()
    try:
        db.session.rollback()  # the page asks who is signed in: not in a failed transaction
    except Exception:  # noqa: BLE001 - the answer must not fail too
        log.warning("rollback failed after an error (request id %s)", reference, exc_info=True)
    message = _("Something went wrong on our side. If it happens again, give an administrator "
                "this error code:")
    try:
        return error_answer(500, error, message, reference)
    except Exception:  # noqa: BLE001 - the page itself failed: a plain one, still no traceback
        log.exception("the error page failed (request id %s)", reference)
        return (f"500 · {reference}", 500,
                {"Content-Type": "text/plain; charset=utf-8", "X-Request-ID": reference})


def _refused_by_the_database(error: Exception):
    """A write or lookup outside a use case that the database refused — it lost a race, or
    a value slipped past the checks (too long, a NUL, out of range): the same answer a use
    case gives (app.services.concurrent_refusal, 409 or 422), never a traceback. Any other
    such error stays an error."""
    refusal = concurrent_refusal(error)
    if refusal is None:
        raise error
    db.session.rollback()
    log.warning("%s %s: the database refused it: %s", request.method, request.path,
                str(getattr(error, "orig", None) or error).splitlines()[0])
    return error_answer(refusal.status, message=str(refusal))
