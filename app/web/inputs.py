"""The safety net for what no form checks: text that cannot reach the database.

PostgreSQL stores no NUL and UTF-8 encodes no lone surrogate (app.billing.values.text_problem),
so such a value in a query string, a route, a posted value read by hand or an htmx post
must be refused before any view looks it up or writes it. Every request is checked before
its view runs:

- a query-string key or value, or a route part (`/invoices/<code>`), with a NUL or a lone
  surrogate: 400 (a route part: 404, no record has such a name);
- a posted key, or a posted value with a lone surrogate: 400;
- a posted value with a NUL: 400, unless a form of the app (app.web.forms.AppForm) has a
  field of that name — that form refuses it next to the field, with the other characters
  it refuses, which is the clearer answer.

The answer is the error page with the message, for htmx only the notice, JSON for JSON.
What slips past anyway is refused by the database or its driver; that refusal is mapped
once (app.services.value_refusal) and answered here 422, like a refusal of a use case.
"""

import logging
from functools import lru_cache

from flask import Flask, abort, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError
from wtforms.fields.core import UnboundField

from app.billing.values import NUL, SURROGATE, text_problem
from app.extensions import db
from app.services import value_refusal
from app.web.errors import error_answer
from app.web.forms import AppForm

log = logging.getLogger(__name__)

# What the net refuses everywhere; the other control characters are the forms' to refuse.
_UNSTORABLE = frozenset({NUL, SURROGATE})


def init_app(app: Flask) -> None:
    app.before_request(refuse_unstorable_text)
    for error in (DataError, UnicodeEncodeError, OverflowError):
        app.register_error_handler(error, _value_refused)


def unstorable(text: str) -> bool:
    """Whether the text holds what no database column can (a NUL, a lone surrogate)."""
    return text_problem(text) in _UNSTORABLE


@lru_cache(maxsize=1)
def form_field_names() -> frozenset[str]:
    """The names of every field of every form of the app: their values are checked by the
    form, whose message goes next to the field."""
    names = set()
    pending = list(AppForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name in dir(form) if isinstance(getattr(form, name, None), UnboundField))
    return frozenset(names)


def refuse_unstorable_text():
    """Before every view: refuse a request carrying text no column can hold."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and unstorable(value):
            abort(404)
    problem = any(unstorable(key) or unstorable(value)
                  for key, value in request.args.items(multi=True))
    if not problem and request.method not in ("GET", "HEAD", "OPTIONS"):
        fields = form_field_names()
        for key, value in request.form.items(multi=True):
            if unstorable(key) or text_problem(value) == SURROGATE or (
                    text_problem(value) == NUL and key not in fields):
                problem = True
                break
    if problem:
        log.info("refused %s %s: a NUL or lone surrogate in what was sent", request.method,
                 request.path)
        return refusal(_("What was sent holds characters that cannot be stored (such as "
                         "NUL); nothing was saved. Remove them and try again."), 400)
    return None


def refusal(message: str, status: int):
    """The answer of a refused request, as every error answers (app.web.errors): the error
    page with the message, the notice alone for htmx, JSON for JSON."""
    return error_answer(status, message=message)


def _value_refused(error: Exception):
    """A value the database or its driver refused outside a use case (a write or a lookup
    in a view): 422 like a use case's refusal; any other such error stays an error."""
    refused = value_refusal(error)
    if refused is None:
        raise error
    db.session.rollback()
    log.warning("%s %s: the database refused a value: %s", request.method, request.path,
                str(getattr(error, "orig", None) or error).splitlines()[0])
    return refusal(str(refused), refused.status)
