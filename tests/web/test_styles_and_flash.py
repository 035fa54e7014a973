"""Every page styles its forms, flashed messages have one place and one look, htmx copies
no style attribute, and the PDF keeps its totals with the last rows (issue 11)."""

import dataclasses
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.documents.document import build_document
from app.documents.rendering import render_pdf
from app.extensions import db
from tests.factories import make_price_list, make_project, pdf_text
from tests.worlds import document_invoice, long_invoice

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
HX = {"HX-Request": "true"}
# The elements a form is made of; a class on one of them is a piece of the form's look.
FORM_TAGS = {"form", "input", "select", "textarea", "button", "label", "fieldset", "legend"}
# Classes that name a cell for scripts and tests and have no look of their own.
HOOKS = {"desc"}


class _Page(HTMLParser):
    """The stylesheets a page links and the classes its form pieces use."""

    def __init__(self) -> None:
        super().__init__()
        self.stylesheets: list[str] = []
        self.form_classes: dict[str, str] = {}
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs["href"])
        if tag == "meta" and attrs.get("name"):
            self.meta[attrs["name"]] = attrs.get("content", "")
        classes = (attrs.get("class") or "").split()
        # A field and its error message are form pieces whatever element carries them.
        if tag in FORM_TAGS or any(c.startswith("field") for c in classes):
            for name in classes:
                self.form_classes.setdefault(name, tag)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def styled_classes(hrefs: list[str]) -> set[str]:
    """The class names the rules of these stylesheets select."""
    names = set()
    for href in hrefs:
        path = STATIC / href.split("?")[0].removeprefix("/static/")
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        selectors = re.sub(r"\{[^{}]*\}", "\n", text)
        names |= set(re.findall(r"\.(-?[A-Za-z_][\w-]*)", selectors))
    return names


def test_every_page_styles_the_classes_of_its_form_pieces(app, client):
    invoice = document_invoice(confirm=False)
    contract = invoice.contract
    project = make_project(customer=contract.customer)
    price_list = make_price_list()
    db.session.commit()
    # A refused invite shows a field with its error.
    refused_invite = client.post("/admin/users", data={"email": "", "password": "short"}).text
    pages = {
        "/login": client.get("/login").text,
        "/account/password": client.get("/account/password").text,
        "/admin/users": client.get("/admin/users").text,
        "/admin/users (refused)": refused_invite,
        "/setup/customers/new": client.get("/setup/customers/new").text,
        f"/setup/projects/{project.id}": client.get(f"/setup/projects/{project.id}").text,
        f"/setup/price-lists/{price_list.id}": client.get(f"/setup/price-lists/{price_list.id}").text,
        "/contracts/new": client.get("/contracts/new").text,
        f"/contracts/{contract.number}": client.get(f"/contracts/{contract.number}").text,
        f"/contracts/{contract.number}/invoice": client.get(f"/contracts/{contract.number}/invoice").text,
        "/entries/new/time": client.get("/entries/new/time").text,
        "/actuals/import": client.get("/actuals/import").text,
        "/backlog": client.get("/backlog").text,
        "/invoices": client.get("/invoices").text,
        f"/invoices/{invoice.code}": client.get(f"/invoices/{invoice.code}").text,
    }
    unstyled = {}
    for url, html in pages.items():
        page = parse(html)
        assert "/static/app.css" in page.stylesheets[0], url
        missing = sorted(set(page.form_classes) - styled_classes(page.stylesheets) - HOOKS)
        if missing:
            unstyled[url] = missing
    assert unstyled == {}


def test_the_sign_in_page_shows_a_refusal_next_to_the_field_like_every_form(app, client):
    html = client.post("/login", data={"email": "nobody@example.com", "password": "wrong"}).text
    assert re.search(r'<div class="field\s+has-error" data-field="password"', html)
    assert 'class="field-error"' in html and "Wrong e-mail or password." in html
    assert 'class="button primary"' in html


def test_flashed_messages_show_in_the_one_region_marked_for_clearing(app, client):
    client.post("/logout")  # flashes "You are signed out on every device."
    page = client.get("/login").text
    region = re.search(r'<div id="flashes" class="flashes" aria-live="polite">(.*?)</div>', page, re.S)
    assert region, "the page has the flash region"
    assert re.fullmatch(r'<p class="notice success" role="status" data-flash>You are signed out on every device\.</p>',
                        region.group(1))
    assert '/static/app.js' in page
    # Shown once: the next page has an empty region.
    assert re.search(r'<div id="flashes" class="flashes" aria-live="polite"></div>',
                     client.get("/login").text)


def test_an_htmx_answer_message_has_the_look_and_clearing_of_a_flash(app, client):
    invoice = document_invoice(confirm=False)
    answer = client.post(f"/invoices/{invoice.code}/recalculate", headers=HX).text
    assert re.search(r'<p class="notice success" role="status" data-flash>Recalculated: ', answer)


def test_htmx_settles_no_style_attribute_so_a_swap_breaks_no_csp_rule(app, client):
    config = json.loads(parse(client.get("/contracts").text).meta["htmx-config"])
    assert config["includeIndicatorStyles"] is False
    assert "style" not in config["attributesToSettle"]
    assert "class" in config["attributesToSettle"]  # htmx's swap classes still settle


def _rows_per_page(pages: list[str]) -> list[int]:
    return [len(re.findall(r"Work package \d{4}", text)) for text in pages]


@pytest.mark.slow  # four PDFs of a few pages: about 10 s of WeasyPrint
def test_the_totals_never_stand_alone_on_the_last_page(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("paging is WeasyPrint's work, whatever the database: rendered on SQLite")
    document = build_document(long_invoice(rows=110))
    full = _rows_per_page(pdf_text(render_pdf(document)))
    assert len(full) >= 3 and full[1] > full[0] > 0  # page 1 also holds the head
    (section,) = document.sections
    # The rows that exactly fill two pages, and one or two fewer: the totals (and the
    # subtotal) no longer fit under them.
    for count in range(full[0] + full[1] - 2, full[0] + full[1] + 1):
        rows = dataclasses.replace(section, rows=section.rows[:count])
        pages = pdf_text(render_pdf(dataclasses.replace(document, sections=(rows,))))
        last = pages[-1]
        assert "Total amount" in last, count
        assert _rows_per_page(pages)[-1] >= 2, (count, last)
        assert sum(_rows_per_page(pages)) == count
        # The date and the description extract as two words, not "Jan 7, 2026Work".
        assert re.search(r"\d{4} Work package", last), last
