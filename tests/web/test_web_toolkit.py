"""The shared web toolkit (app/web): one pagination, one decimal field, every template
filter and global registered once."""

from decimal import Decimal

import pytest
from flask_babel import refresh
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from app.web import templating
from app.web.forms import DecimalField
from app.web.pages import safe_next


@pytest.mark.parametrize("url", ["/invoices", "/contracts", "/entries", "/setup/roles", "/backlog"])
@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999999999999999"])
def test_a_page_number_out_of_range_shows_a_page_not_an_error(client, url, page):
    response = client.get(f"{url}?page={page}")
    assert response.status_code == 200


def test_a_page_past_the_end_shows_the_last_page(client):
    from tests.factories import make_contract
    for _ in range(3):
        make_contract()
    client.application.config["PAGE_SIZE"] = 2
    html = client.get("/contracts?page=99999999999").get_data(as_text=True)
    assert html.count('data-testid="contract-row"') == 1
    assert "Showing 3–3 of 3" in html


def test_every_filter_and_global_is_registered_by_the_factory(app):
    assert app.jinja_env.filters["unit_price"] is templating.unit_price
    for name, function in templating.FILTERS.items():
        assert app.jinja_env.filters[name] is function
    for name, function in templating.GLOBALS.items():
        assert app.jinja_env.globals[name] is function


class _Form(FlaskForm):
    class Meta:
        csrf = False

    amount = DecimalField(places=2)
    cell = DecimalField(quote=True, required=True)


def _form(**data) -> _Form:
    return _Form(formdata=MultiDict(data))


def test_the_decimal_field_reads_the_language_s_decimal_sign(app):
    with app.test_request_context():
        form = _form(amount="1781.25", cell="7")
        assert form.validate() and form.amount.data == Decimal("1781.25")
        form = _form(amount="1,5", cell="7")
        assert not form.validate()
        assert "without thousands separators, e.g. 1234.50" in form.amount.errors[0]
    with app.test_request_context(headers={"Accept-Language": "da"}):
        refresh()
        form = _form(amount="1781,25", cell="7")
        assert form.validate() and form.amount.data == Decimal("1781.25")
        form = _form(amount="1.781,25", cell="1.781,25")
        assert not form.validate()
        assert "1234,50" in form.amount.errors[0]  # the example in the language's notation
        assert "1.781,25" in form.cell.errors[0]  # a cell quotes what was typed


def test_the_decimal_field_checks_places_blank_and_the_bound(app):
    with app.test_request_context():
        form = _form(amount="1.234", cell="")
        assert not form.validate()
        assert form.amount.errors == ["At most 2 decimals."]
        assert form.cell.errors == ["Enter a number."]
        form = _form(amount="1000000000000", cell="1")
        assert not form.validate() and form.amount.errors == ["This number is too large."]
        form = _form(amount="12x", cell="1")
        assert not form.validate() and form.amount._value() == "12x"  # kept as typed


@pytest.mark.parametrize("target, safe", [("/invoices?page=2", True), ("//evil.example", False),
                                          ("https://evil.example/", False), ("/\\evil", False),
                                          ("", False), (None, False)])
def test_safe_next_keeps_only_paths_of_this_site(target, safe):
    assert safe_next(target) == (target if safe else None)
