"""What the views of every blueprint share: a page of a list, a refusal put next to its
field, the status of a form page, the default unit, a safe "next" target, and the URLs
of this page with another page number or sort order."""

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from sqlalchemy import Select, select
from werkzeug.urls import iri_to_uri

from app.billing.values import parse_id
from app.extensions import db
from app.htmx import wants_fragment
from app.models import Unit
from app.services import ServiceError

# Far beyond any real list; a larger number would overflow the database's OFFSET.
LAST_PAGE = 1_000_000


def posted_id(values, name: str) -> int | None:
    """The row id `name` of a query string or a form (request.args, request.form): None
    when missing, not a number or beyond any row's id (app.billing.values.parse_id), so
    what reaches a query is always a number the database's integer holds."""
    try:
        return parse_id(values.get(name) or "")
    except ValueError:
        return None


def posted_ids(values, name: str) -> list[int]:
    """Every row id posted as `name` (ticked boxes), sorted, once each; what is no row id
    is left out."""
    found = set()
    for value in values.getlist(name):
        try:
            found.add(parse_id(value))
        except ValueError:
            continue
    return sorted(found)


def page_number() -> int:
    """The `page` of the query string: 1 when missing, not a number or below 1."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), LAST_PAGE)


def page_of(fetch: Callable[[int, int], Pagination]) -> Pagination:
    """This request's page, `fetch(page, per_page)` with PAGE_SIZE rows; a page past the
    end shows the last page (a stale bookmark after rows went away), never an error."""
    per_page = current_app.config["PAGE_SIZE"]
    pagination = fetch(page_number(), per_page)
    if pagination.page > 1 and pagination.page > pagination.pages:
        pagination = fetch(max(pagination.pages, 1), per_page)
    return pagination


def paginate(query: Select) -> Pagination:
    """This request's page of the query (`page_of`)."""
    return page_of(lambda page, per_page: db.paginate(query, page=page, per_page=per_page,
                                                      error_out=False))


def form_status(failed: bool) -> int:
    """422 for an htmx request whose form has errors (htmx swaps it as configured); a whole
    page with its errors is an ordinary 200."""
    return 422 if failed and wants_fragment() else 200


def refused(form: FlaskForm, error: ServiceError) -> None:
    """Put a service's refusal next to the field it names, else at the top of the form."""
    target = form._fields.get(error.field or "")
    if target is not None:
        target.errors = [*target.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def unit_id(key: str) -> int | None:
    """The id of the unit with this key ("hour", "each")."""
    return db.session.scalar(select(Unit.id).where(Unit.key == key))


def default_unit_id(transaction_class: str) -> int | None:
    """What a new entry, price or detail of the class is counted in: hours for time, each
    for the others (the built-in units)."""
    return unit_id("hour" if transaction_class == "time" else "each")


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


def current_path() -> str:
    """This page's path and query, for forms that come back here."""
    path = request.full_path
    return iri_to_uri(path[:-1] if path.endswith("?") else path)


def _this_url(drop: tuple[str, ...], **changed) -> str:
    """This page's URL with its filters kept, the `drop` arguments left out and `changed` set."""
    args = {key: value for key, value in request.args.items()
            if key not in drop and value != ""}
    return url_for(request.endpoint, **(request.view_args or {}), **args, **changed)


def page_url(page: int) -> str:
    """This page's URL with its filters (and sort) kept and another page number."""
    return _this_url(("page",), page=page)


def sort_url(sort: str) -> str:
    """This list's URL with its filters kept, sorted otherwise, from the first page."""
    return _this_url(("page", "sort"), sort=sort)
