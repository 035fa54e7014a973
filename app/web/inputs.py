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
once (app.services.value_refusal) and answered 422 by app.web.errors, like a refusal of a
use case.
"""

import logging
from functools import lru_cache

from flask import Flask, abort, request
from flask_babel import gettext as _
from wtforms.fields.core import UnboundField

from app.billing.values import NUL, SURROGATE, text_problem
from app.web.errors import error_answer
from app.web.forms import app_forms

log = logging.getLogger(__name__)

# What the net refuses everywhere; the other control characters are the forms' to refuse.
_UNSTORABLE = frozenset({NUL, SURROGATE})


def init_app(app: Flask) -> None:
    app.before_request(refuse_unstorable_text)


def unstorable(text: str) -> bool:
    """Whether the text holds what no database column can (a NUL, a lone surrogate)."""
    return text_problem(text) in _UNSTORABLE


@lru_cache(maxsize=1)
def form_field_names() -> frozenset[str]:
    """The names of every field of every form of the app: their values are checked by the
    form, whose message goes next to the field."""
    return frozenset(name for form in app_forms() for name in dir(form)
                     if isinstance(getattr(form, name, None), UnboundField))


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
            kind = text_problem(value)
            if unstorable(key) or kind == SURROGATE or (kind == NUL and key not in fields):
                problem = True
                break
    if problem:
        log.info("refused %s %s: a NUL or lone surrogate in what was sent", request.method,
                 request.path)
        return error_answer(400, message=_("What was sent holds characters that cannot be "
                                           "stored (such as NUL); nothing was saved. Remove "
                                           "them and try again."))
    return None
