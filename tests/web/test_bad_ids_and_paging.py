"""Ids beyond the database's integers, page numbers and `after=` out of any range, and
choices of rows no database can hold (issue 13): a 404, the last page or a field error —
never a 5xx, and nothing written."""

import re
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from app.billing.values import ID_MAX, parse_id
from app.extensions import db
from app.models import (Actual, AuditEntry, Contract, Entry, Invoice, InvoiceLineDetail,
                        PriceList, Project, RolePrice)
from app.services.users import create_user
from app.setup.routes import KINDS
from app.web.converters import IdConverter
from tests.factories import make_actual, make_contract, make_project, make_tm_line
from tests.web.helpers import make_invoice
from tests.worlds import World

HX = {"HX-Request": "true"}
# Beyond PostgreSQL's `integer` (2147483647): once just, once far.
BEYOND = ["2147483648", "99999999999"]
# What a page number or an `after=` can be typed as: huge, negative, zero, words,
# exponents, other scripts' digits, a superscript (str.isdigit says yes, int() says no).
PAGES = ["99999999999999999999", "2147483648", "-1", "0", "abc", "1e3", "", " 2", "+1",
         "\u0663", "\u00b2", "9" * 5000]
PASSWORD = "a long enough password"


@pytest.fixture
def world(app, client):
    """An invoice with T&M, fixed-price and product lines, an entry, and an admin signed in."""
    world = World()
    entry_project = make_project(tasks=("Build",))
    db.session.add(Entry(project_id=entry_project.id, transaction_class="time",
                         date=world.invoice().invoice_date, unit_id=1, quantity=Decimal("1"),
                         role_id=world.role.id, resource_id=world.actual_detail.resource_id,
                         status="draft"))
    db.session.commit()
    app.config["LOGIN_DISABLED"] = False
    create_user("admin@example.com", PASSWORD, "admin")
    assert client.post("/login", data={"email": "admin@example.com",
                                       "password": PASSWORD}).status_code == 302
    return world


def written() -> tuple:
    """How many rows of what a refused post could write there are."""
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (
        Contract, Project, PriceList, RolePrice, Entry, Invoice, InvoiceLineDetail, AuditEntry))


# ---------------------------------------------------------------- ids in routes

def test_every_id_in_a_route_is_bounded_by_the_id_converter(app):
    """A route written with `<int:…>` would take any number to the database again."""
    ids = [(rule.rule, name, converter) for rule in app.url_map.iter_rules()
           for name, converter in rule._converters.items()
           if isinstance(converter, IntegerConverter)]
    assert len(ids) > 25
    assert [(rule, name) for rule, name, converter in ids
            if not isinstance(converter, IdConverter)
            or (converter.min, converter.max) != (1, ID_MAX)] == []


def _values(world, rule) -> list[dict]:
    """The arguments of a rule with real rows for its words (a setup rule: every kind)."""
    contract_line = world.tm_line.contract_line_id
    words = {"code": [world.code], "ref": [f"c-{world.invoice().currency}"]}
    found = [{}]
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            options = [contract_line if name == "line_id" and "contracts" in rule.rule else 1]
        elif getattr(converter, "items", None):
            options = sorted(converter.items)
        elif name == "slug":
            options = sorted(KINDS)
        else:
            options = words[name]
        found = [{**values, name: option} for values in found for option in options]
    return found


def test_an_id_beyond_the_database_is_404_on_every_route_and_method(client, world):
    before, tried, failures = written(), 0, []
    for rule in client.application.url_map.iter_rules():
        ids = [name for name, converter in rule._converters.items()
               if isinstance(converter, IntegerConverter)]
        for values in (_values(world, rule) if ids else ()):
            for name in ids:
                for number in BEYOND:
                    url = rule.build({**values, name: number}, append_unknown=False)[1]
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                        for headers in ({}, HX):
                            tried += 1
                            status = client.open(url, method=method, headers=headers,
                                                 data={"version": "1"}).status_code
                            # 405: the same path with a GET-only rule (werkzeug checks
                            # the method before the converter)
                            if status not in (404, 405):
                                failures.append((method, url, status))
    print(f"{tried} requests with an id beyond the database's integers")
    assert tried > 200
    assert failures == []
    assert written() == before


def test_an_id_just_inside_the_range_is_looked_up_and_not_found(client, world):
    """2147483647 reaches the database (the largest id it can hold) and names no row."""
    code = world.code
    for url in ("/entries/2147483647", "/setup/customers/2147483647",
                f"/contracts/c-DKK/lines/{ID_MAX}", f"/contracts/c-DKK/milestones/{ID_MAX}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/invoices/{code}/details/{ID_MAX}", f"/invoices/{code}/lines/{ID_MAX}",
                f"/invoices/{code}/details/{ID_MAX}/delete", f"/setup/projects/{ID_MAX}/tasks",
                f"/admin/users/{ID_MAX}/unlock"):
        assert client.post(url, headers=HX, data={"version": "1"}).status_code == 404, url
    # A product line that is not (or no longer) on the invoice: "this line is gone".
    assert client.post(f"/invoices/{code}/lines/{ID_MAX}/remove", headers=HX).status_code == 409


def test_a_route_id_in_other_digits_or_with_a_sign_is_404(client, world):
    entry = db.session.scalar(select(Entry.id))
    assert client.get(f"/entries/{entry}").status_code == 200
    for text in (f"-{entry}", f"+{entry}", "\u0663", "0", f"{entry}.0", "1e3", "0" * 5000 + "1"):
        assert client.get(f"/entries/{text}").status_code == 404, text


def test_links_to_rows_are_still_built(app, world):
    with app.test_request_context():
        assert url_for("entries.edit", entry_id=7) == "/entries/7"
        assert url_for("setup.edit", slug="customers", id_=ID_MAX) == f"/setup/customers/{ID_MAX}"


# ---------------------------------------------------------------- page= and after=

def _list_pages() -> list[str]:
    return (["/invoices", "/contracts", "/entries", "/actuals", "/backlog"]
            + [f"/setup/{slug}" for slug in sorted(KINDS)])


def test_a_page_number_out_of_any_range_shows_a_page_on_every_list(client, world):
    failures = []
    for url in _list_pages():
        for page in PAGES:
            status = client.get(url, query_string={"page": page}).status_code
            if status != 200:
                failures.append((url, page[:20], status))
    assert failures == []


def _shown(html: str) -> str:
    return re.search(r"Showing [^<]*", html).group(0).strip()


@pytest.mark.parametrize("url", ["/invoices", "/contracts", "/entries", "/actuals", "/backlog",
                                 "/setup/units"])
def test_a_page_beyond_the_last_shows_the_last_page(client, world, url):
    contract = make_contract()  # a second row in every list
    line = make_tm_line(contract, make_project())
    make_actual(line), make_actual(line)
    make_invoice(contract)
    entry = db.session.scalars(select(Entry)).first()
    db.session.add(Entry(project_id=entry.project_id, transaction_class="time", date=entry.date,
                         unit_id=1, quantity=Decimal("2"), role_id=entry.role_id,
                         resource_id=entry.resource_id, status="draft"))
    db.session.commit()
    client.application.config["PAGE_SIZE"] = 1
    total = int(re.search(r"of (\d+)", _shown(client.get(url).text)).group(1))
    assert total >= 2
    for page in ("99999999999999999999", "2147483648", str(total + 1)):
        html = client.get(url, query_string={"page": page}).text
        assert _shown(html) == f"Showing {total}–{total} of {total}", (url, page)
    for page in ("-1", "0", "abc"):
        assert _shown(client.get(url, query_string={"page": page}).text) == \
            f"Showing 1–1 of {total}"


def test_more_details_after_no_detail_is_empty_or_404(client, world):
    url = f"/invoices/{world.code}/lines/{world.tm_line.id}/details"
    last = db.session.scalar(select(func.max(InvoiceLineDetail.id)))
    first = client.get(url, headers=HX)
    assert first.status_code == 200 and "detail-" in first.text
    after_last = client.get(url, headers=HX, query_string={"after": str(ID_MAX)})
    assert after_last.status_code == 200 and f'id="detail-{last}"' not in after_last.text
    for after in BEYOND + ["-1", "abc", "1e3", "\u00b2", "9" * 5000]:
        response = client.get(url, headers=HX, query_string={"after": after})
        assert response.status_code == 404, after


def test_ids_in_query_strings_beyond_the_range_are_ignored(client, world):
    for after in BEYOND + ["-1", "abc", "\u00b2"]:
        response = client.get("/entries/new/time", query_string={"project": after})
        assert response.status_code == 200
        chosen = re.findall(r'<option selected value="([^"]*)"', re.search(
            r'<select[^>]*name="project_id".*?</select>', response.text, re.S).group(0))
        assert chosen == [""]
        response = client.get("/entries/tasks", headers=HX, query_string={"project_id": after})
        assert response.status_code == 200 and "no task" in response.text


# ---------------------------------------------------------------- choices of rows

def _error(html: str) -> bool:
    return "Choose one of the options." in html


@pytest.mark.parametrize("number", BEYOND)
def test_a_contract_choosing_a_customer_or_price_list_beyond_the_range_is_refused(
        client, world, number):
    customer = db.session.scalar(select(Contract.customer_id))
    price_list = db.session.scalar(select(PriceList.id))
    before = written()
    for fields in ({"customer_id": number, "price_list_id": str(price_list)},
                   {"customer_id": str(customer), "price_list_id": number}):
        response = client.post("/contracts/new", data={
            "name": "Overflow", "currency": "DKK", "tax_rate": "25", **fields})
        assert response.status_code == 200 and _error(response.text)
        response = client.post("/contracts/new", headers=HX, data={
            "name": "Overflow", "currency": "DKK", "tax_rate": "25", **fields})
        assert response.status_code == 422 and _error(response.text)
    assert written() == before


@pytest.mark.parametrize("number", BEYOND)
def test_setup_choices_beyond_the_range_are_field_errors(client, world, number):
    price_list = db.session.scalar(select(PriceList.id))
    before = written()
    response = client.post("/setup/projects/new", data={"name": "P", "customer_id": number})
    assert response.status_code == 200 and _error(response.text)
    for url, data in ((f"/setup/price-lists/{price_list}/role-prices",
                       {"role_id": number, "unit_id": "1", "price": "10"}),
                      (f"/setup/price-lists/{price_list}/role-prices",
                       {"role_id": str(world.role.id), "unit_id": number, "price": "10"}),
                      (f"/setup/price-lists/{price_list}/category-prices",
                       {"category_id": number, "unit_id": "2", "price": "10"}),
                      ("/setup/products/new", {"name": "P", "price": "1", "unit_id": number}),
                      ("/setup/units/new", {"key": "k", "name": "K", "schedule_id": number})):
        response = client.post(url, data=data)
        assert response.status_code < 500 and _error(response.text), (url, data)
    assert written() == before


@pytest.mark.parametrize("field", ["project_id", "task_id", "role_id", "resource_id", "unit_id"])
def test_an_entry_choosing_a_row_beyond_the_range_is_refused(client, world, field):
    project = db.session.scalar(select(Project.id).order_by(Project.id))
    data = {"project_id": str(project), "date": "2026-03-02", "quantity": "2",
            "unit_id": "1", "role_id": str(world.role.id),
            "resource_id": str(world.actual_detail.resource_id)}
    before = written()
    for number in BEYOND:
        response = client.post("/entries/new/time", data={**data, field: number})
        assert response.status_code == 200 and _error(response.text), field
    assert written() == before


@pytest.mark.parametrize("field, cls", [("unit", "time"), ("role", "time"), ("resource", "time"),
                                        ("task", "time"), ("category", "material"),
                                        ("product", "material")])
def test_a_detail_cell_naming_a_row_beyond_the_range_is_a_field_error(client, world, field, cls):
    detail = world.add_time() if cls == "time" else world.add_material()
    before = written()
    for number in BEYOND:
        response = client.post(f"/invoices/{world.code}/details/{detail.id}", headers=HX,
                               data={"version": str(detail.version), field: number,
                                     "product_choice": "existing" if field == "product" else ""})
        assert response.status_code == 422, (field, response.status_code)
        assert "Choose a value from the list." in response.text
        response = client.post(f"/invoices/{world.code}/lines/{world.tm_line.id}/details",
                               headers=HX, data={"transaction_class": cls,
                                                 "description": "x", "quantity": "1",
                                                 "start_date": "2026-03-10", "unit": "1",
                                                 "role": str(world.role.id), field: number})
        assert response.status_code == 422, (field, response.status_code)
        assert "Choose a value from the list." in response.text
    assert written() == before
    assert world.detail(detail.id).version == detail.version


@pytest.mark.parametrize("version", BEYOND + ["-1", "abc", "\u00b2"])
def test_removing_a_detail_with_a_version_no_row_has_is_a_conflict(client, world, version):
    detail = world.add_time()
    response = client.post(f"/invoices/{world.code}/details/{detail.id}/delete", headers=HX,
                           data={"version": version})
    assert response.status_code == 409
    assert world.detail(detail.id) is not None


@pytest.mark.parametrize("value", BEYOND + ["\u00b2", "-1", "abc"])
def test_backlog_selections_of_ids_no_row_can_have_are_left_out(client, world, value):
    actual = db.session.scalar(select(Actual.id))
    response = client.post("/backlog/selection", headers=HX,
                           data={"actual": [value], "milestone": value, "product": value})
    assert response.status_code == 200
    assert "Tick items to mark them ready or not ready to invoice." in response.text
    response = client.post("/backlog/mark", data={"actual": [value], "action": "ready"},
                           follow_redirects=True)
    assert response.status_code == 200 and "Nothing was selected" in response.text
    response = client.post("/backlog/mark", data={"actual": [value, str(actual)],
                                                  "action": "not_ready"},
                           follow_redirects=True)
    assert response.status_code == 200


def test_the_schedule_preview_takes_no_weekday_beyond_the_range(client, world):
    for weekday in BEYOND + ["-1", "\u00b2"]:
        response = client.get("/contracts/schedule-preview", headers=HX,
                              query_string={"frequency": "weekly", "weekday": weekday,
                                            "start_date": "2026-01-01"})
        assert response.status_code < 500, weekday


def test_a_row_id_is_ascii_digits_within_the_integer_range():
    assert parse_id("17") == 17 and parse_id(" 0042 ") == 42 and parse_id(str(ID_MAX)) == ID_MAX
    assert parse_id("0", smallest=0) == 0
    for text in ("", "0", "-1", "+1", "2147483648", "99999999999", "1e3", "\u0663", "\u00b2",
                 "1_000", "1.0", "9" * 5000, "nul\x00"):
        with pytest.raises(ValueError):
            parse_id(text)
