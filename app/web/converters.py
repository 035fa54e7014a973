"""The route converters of every blueprint: `<id:…>` is a row id, a number the database's
integer primary keys can hold (app.billing.values.ID_MAX)."""

from flask import Flask
from werkzeug.routing import IntegerConverter

from app.billing.values import ID_MAX


class IdConverter(IntegerConverter):
    """`<id:…>`: 1 to ID_MAX, digits only. A larger number is no row at all, so the route
    does not match and the answer is 404, instead of a query that overflows PostgreSQL's
    `integer` (a 500)."""

    regex = r"[0-9]+"  # ASCII digits only: `\d` takes every script's digits

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Register the converters; before any blueprint, since a rule is compiled with the
    converters known when it is added."""
    app.url_map.converters["id"] = IdConverter
