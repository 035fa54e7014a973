"""The one place that decides whether a request gets a fragment or the whole page."""

from flask import Flask, Response, render_template, request
from jinja2_fragments.flask import render_block, render_blocks


def wants_fragment() -> bool:
    """A fragment only for a plain htmx request: not a boosted navigation and not a
    history restore, which both need the full page."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def page_or_block(template: str, block: str, **context) -> str:
    """The named block of a page template for htmx, the whole page otherwise."""
    if wants_fragment():
        return render_block(template, block, **context)
    return render_template(template, **context)


def blocks(template: str, names: list[str], **context) -> str:
    """Several blocks of one template, concatenated: a row plus out-of-band totals."""
    return render_blocks(template, names, **context)


def init_app(app: Flask) -> None:
    @app.after_request
    def vary_on_htmx(response: Response) -> Response:
        # The same URL answers a fragment or a page: caches must keep them apart.
        response.vary.add("HX-Request")
        return response
