"""A database that went away answers 503 "try again in a moment", never a 500.

PostgreSQL drops connections on a restart, a failover or an idle timeout. The pool tests
each connection before use (pool_pre_ping, app.config.engine_options), so a connection
that died while idle is replaced unnoticed; this module handles one that dies while a
request uses it, and a database that cannot be reached at all
(app.services.connection.database_unreachable):

- a read (GET, HEAD) runs once more, on a fresh request context, session and connection
  (RetryReads, around the WSGI app), so a single dropped connection costs nothing;
- anything else — a write may have committed before its connection went, so it is never
  run twice — and a read that fails again answer 503 with Retry-After: a page, the
  message alone for htmx (app.js shows it among the page's messages), or JSON.

Lock timeouts, integrity errors and version conflicts are refusals, mapped to 409 by
app.services; this module leaves every other database error alone.
"""

import logging

from flask import Flask, current_app, jsonify, make_response, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from jinja2_fragments import render_block
from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeout
from werkzeug.exceptions import InternalServerError

from app.extensions import db
from app.htmx import wants_fragment
from app.services.connection import database_unreachable
from app.web.access import _wants_json

log = logging.getLogger(__name__)

READS = frozenset({"GET", "HEAD"})
RETRY_AFTER_SECONDS = 5
# environ keys: the first attempt asks RetryReads for a second one; the second is marked.
_RETRY = "invoicing.retry_read"
_RETRIED = "invoicing.read_retried"


def init_app(app: Flask) -> None:
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(PoolTimeout, _database_error)
    # What went wrong outside the view and its error handlers (an after_request hook).
    app.register_error_handler(InternalServerError, _server_error)
    # Teardowns run last registered first: this one before Flask-SQLAlchemy's own.
    app.teardown_appcontext(_forget_session)
    app.wsgi_app = RetryReads(app.wsgi_app)


def _database_error(error: Exception):
    if not database_unreachable(error):
        raise error  # a bug or a refusal of another kind: not this module's to answer
    return unavailable(error)


def _server_error(error: InternalServerError):
    original = error.original_exception
    if original is not None and database_unreachable(original):
        return unavailable(original)
    return error


def unavailable(error: Exception):
    """The 503 answer; a read not yet retried is marked for RetryReads to run again."""
    retry = request.method in READS and not request.environ.get(_RETRIED)
    log.warning("database unreachable during %s %s%s: %s", request.method, request.path,
                " (retrying once)" if retry else "",
                str(getattr(error, "orig", None) or error).splitlines()[0])
    # The session's connection is dead: the next use (the retry, the next request on this
    # thread) takes a fresh one from the pool, which tests it first.
    _forget_session()
    if retry:
        request.environ[_RETRY] = True
    message = _("The database is not reachable right now; try again in a moment.")
    if _wants_json():
        response = jsonify(error=message)
    else:
        response = make_response(_render(message))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _forget_session(_error: BaseException | None = None) -> None:
    """Remove the session. A connection dropped after the answer was made (between its last
    statement and the end of the request) fails the closing rollback: the answer stands, and
    the second removal finds the dead connection discarded."""
    try:
        db.session.remove()
    except Exception as error:
        if not database_unreachable(error):
            raise
        log.warning("database connection lost at the end of a request: %s",
                    str(getattr(error, "orig", None) or error).splitlines()[0])
        db.session.remove()


def _render(message: str) -> str:
    """The page, or its notice alone for htmx. Rendered by the Jinja environment itself:
    Flask's context processors (Flask-Login's current_user among them) would ask the
    database who is signed in."""
    again = request.full_path.rstrip("?") if request.method in READS else url_for("main.index")
    context = {"message": message, "again": again, "language": getattr(get_locale(), "language", "en")}
    environment = current_app.jinja_env
    if wants_fragment():
        return render_block(environment, "unavailable.html", "notice", **context)
    return environment.get_template("unavailable.html").render(**context)


class RetryReads:
    """WSGI middleware: a read whose first attempt lost its database connection runs once
    more, as a new request (its own app context, session and connection); its first answer
    is dropped unseen. Flask calls start_response before it returns the body, so the
    decision is made before anything is sent."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in READS or environ.get(_RETRIED):
            return self.wsgi_app(environ, start_response)
        started: list = []
        written: list[bytes] = []

        def keep(status, headers, exc_info=None):
            started[:] = [status, headers, exc_info]
            return written.append

        body = self.wsgi_app(environ, keep)
        if environ.pop(_RETRY, False):
            if hasattr(body, "close"):
                body.close()
            environ[_RETRIED] = True
            return self.wsgi_app(environ, start_response)
        write = start_response(*started)
        for chunk in written:
            write(chunk)
        return body
