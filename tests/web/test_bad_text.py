"""Text no column can hold — a NUL byte, another control character, a lone surrogate, a line
break in a one-line field, more characters than the column has — is refused next to its
field with a message, never a 500, and nothing is written; on both databases (issue 13)."""

import datetime as dt

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import String, func, inspect as inspect_model, select
from sqlalchemy.exc import DataError
from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.fields.core import UnboundField

from app.extensions import db
from app.models import Customer, Entry, InvoiceLineDetail
from app.services import ServiceError, use_case, value_refusal
from app.web import errors, inputs
from app.web.forms import DecimalField, Length, app_forms
from tests.web.helpers import error_next_to, page
from tests.worlds import World

HX = {"HX-Request": "true"}
CONTROL = "Remove the control characters (such as NUL) from this text."
ONE_LINE = "Write this on one line, without line breaks."
NOT_STORABLE = "cannot be stored (such as NUL)"
CUSTOMER = {"name": "Kunde ApS", "email": "ap@kunde.example", "street": "Vej 1",
            "postal_code": "8000", "city": "Aarhus", "country": "DK", "language": "en"}


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- forms: next to the field

@pytest.mark.parametrize("field", ["name", "email", "street", "city"])
def test_a_nul_in_a_customer_field_is_refused_next_to_it_and_nothing_is_saved(client, field):
    html = page(client.post("/setup/customers/new", data={**CUSTOMER, field: "Kunde\x00ApS"}))
    assert error_next_to(html, field) == CONTROL
    response = client.post("/setup/customers/new", data={**CUSTOMER, field: "a\x00"}, headers=HX)
    assert response.status_code == 422
    assert count(Customer) == 0


@pytest.mark.parametrize("value", ["Evil\r\nBcc: x@example.com", "two\nlines", "ap@kunde.example\r"])
def test_a_line_break_in_a_customer_name_or_e_mail_is_refused(client, value):
    for field in ("name", "email"):
        html = page(client.post("/setup/customers/new", data={**CUSTOMER, field: value}))
        assert error_next_to(html, field) == ONE_LINE
    assert count(Customer) == 0


def test_ten_thousand_characters_get_the_length_of_the_column(client):
    html = page(client.post("/setup/customers/new", data={**CUSTOMER, "name": "x" * 10_000,
                                                          "city": "y" * 10_000}))
    assert error_next_to(html, "name") == "At most 200 characters."
    assert error_next_to(html, "city") == "At most 100 characters."
    assert 'maxlength="200"' in html
    assert count(Customer) == 0


def test_a_good_customer_is_still_saved(client):
    assert client.post("/setup/customers/new", data=CUSTOMER).status_code == 302
    assert count(Customer) == 1


@pytest.fixture
def world(app):
    return World()


def test_a_nul_in_a_contract_line_name_is_refused_next_to_it(client, world):
    line = world.tm_line.contract_line
    ref = line.contract.key
    html = page(client.post(f"/contracts/{ref}/lines/{line.id}", data={
        "name": "Build\x00", "project_id": line.project_id, "classes": ["time", "expense"],
        "amount": "1000"}))
    assert error_next_to(html, "name") == CONTROL
    db.session.expire_all()
    assert line.name != "Build\x00"


def test_a_nul_in_an_invoice_line_name_is_refused_at_the_cell(client, world):
    response = client.post(f"/invoices/{world.code}/lines/{world.tm_line.id}", headers=HX,
                           data={"version": world.tm_line.version, "name": "T&M\x00"})
    assert response.status_code == 422
    assert CONTROL in response.get_data(as_text=True)
    assert "\x00" not in world.invoice().lines[0].name


@pytest.mark.parametrize("value, message", [("Workshop\x00", CONTROL), ("bell\x07", CONTROL),
                                            ("two\nlines", ONE_LINE)])
def test_bad_text_in_a_detail_description_cell_is_refused_at_the_cell(client, world, value,
                                                                        message):
    detail = world.add_time()
    response = client.post(f"/invoices/{world.code}/details/{detail.id}", headers=HX,
                           data={"version": detail.version, "description": value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="detail-{detail.id}"' in html and message in html
    saved = world.detail(detail.id)
    assert (saved.description, saved.version) == ("Extra workshop", detail.version)


def test_ten_thousand_characters_in_a_bill_to_name_are_refused_at_the_cell(client, world):
    invoice = world.invoice()
    response = client.post(f"/invoices/{world.code}/header", headers=HX,
                           data={"version": invoice.version, "bill_to_name": "x" * 10_000})
    assert response.status_code == 422
    assert "At most 200 characters." in response.get_data(as_text=True)
    assert world.invoice().bill_to_name == invoice.bill_to_name


def test_a_nul_in_a_new_detail_is_refused_and_nothing_is_added(client, world):
    before = count(InvoiceLineDetail)
    response = client.post(f"/invoices/{world.code}/lines/{world.tm_line.id}/details",
                           headers=HX, data={"transaction_class": "time", "description": "x\x00",
                                             "quantity": "1", "role": world.role.id})
    assert response.status_code == 422
    assert CONTROL in response.get_data(as_text=True)
    assert count(InvoiceLineDetail) == before


@pytest.mark.parametrize("field", ["internal_comment", "external_comment"])
def test_a_nul_in_a_time_entry_comment_is_refused_next_to_it(client, world, field):
    data = {"project_id": world.project.id, "date": dt.date(2026, 3, 2).isoformat(),
            "role_id": world.role.id, "quantity": "2", "internal_comment": "fine",
            "external_comment": "fine\non two lines", field: "Work\x00shop"}
    html = client.post("/entries/new/time", data=data).get_data(as_text=True)
    assert error_next_to(html, field) == CONTROL
    assert count(Entry) == 0


def test_text_areas_keep_their_line_breaks(client, world):
    data = {"name": "Website", "customer_id": world.project.customer_id,
            "tasks": "Design\nBuild\r\nTest"}
    assert client.post("/setup/projects/new", data=data).status_code == 302


# ---------------------------------------------------------------- the safety net (app.web.inputs)

@pytest.mark.parametrize("url", ["/contracts?q=%00", "/contracts?q=a%00b", "/invoices?status=%00",
                                 "/entries?project=%00", "/backlog?contract=%00",
                                 "/setup/customers?archived=%00", "/contracts?%00=1"])
def test_a_nul_in_a_query_string_is_a_400_with_a_message(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert NOT_STORABLE in response.get_data(as_text=True)
    htmx = client.get(url, headers=HX)
    assert htmx.status_code == 400
    assert htmx.get_data(as_text=True).startswith('<p class="notice error"')


def test_a_nul_in_a_route_part_is_no_record(client, world):
    for url in ("/contracts/%00", f"/invoices/{world.code}%00", "/contracts/a%00/edit"):
        assert client.get(url).status_code == 404


def test_a_nul_in_a_hand_read_posted_value_is_a_400(client, world):
    for data in ({"all_matching": "1", "contract": "\x00"}, {"all_matching": "1\x00"},
                 {"actual": "1\x00"}):
        response = client.post("/backlog/mark", data=data)
        assert response.status_code == 400
        assert NOT_STORABLE in response.get_data(as_text=True)


def test_a_lone_surrogate_never_reaches_a_view(app):
    """Werkzeug decodes what is sent over HTTP (an encoded surrogate stays its %-escapes),
    so the net is shown with the values already in the request."""
    for where in ("args", "form"):
        with app.test_request_context("/contracts", method="POST" if where == "form" else "GET"):
            from flask import request
            request.__dict__[where] = MultiDict({"q" if where == "args" else "name": "a\ud800"})
            answer = inputs.refuse_unstorable_text()
            assert answer is not None
            response = app.make_response(answer)
            assert response.status_code == 400
            assert NOT_STORABLE in response.get_data(as_text=True)


def test_an_encoded_lone_surrogate_over_http_is_stored_as_harmless_text(client):
    assert client.get("/contracts?q=%ED%A0%80").status_code == 200
    response = client.post("/setup/customers/new",
                           data="name=%ED%A0%80&email=a%40b.example&street=s&postal_code=1"
                                "&city=c&country=DK&language=en",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    assert all("\ud800" not in name for name in db.session.scalars(select(Customer.name)))


def test_a_nul_in_a_form_field_gets_the_forms_message_not_the_net(client):
    # "name" is a field of a form: the form answers, next to the field.
    html = page(client.post("/setup/customers/new", data={**CUSTOMER, "name": "\x00"}))
    assert error_next_to(html, "name") == CONTROL


# ---------------------------------------------------------------- what slips past: 422, not 500

def _data_error(sqlstate: str | None, text: str) -> DataError:
    orig = pg_errors.lookup(sqlstate)(text) if sqlstate else pg_errors.DataError(text)
    return DataError("INSERT …", {}, orig)


@pytest.mark.parametrize("sqlstate, text", [
    ("22001", "value too long for type character varying(200)"),
    ("22021", "invalid byte sequence for encoding \"UTF8\": 0x00"),
    ("22003", "numeric field overflow"),
    ("22008", "date/time field value out of range"),
    ("22P05", "unsupported Unicode escape sequence"),
    (None, "PostgreSQL text fields cannot contain NUL (0x00) bytes")])
def test_a_value_the_database_refuses_is_a_422_refusal(app, sqlstate, text):
    refused = value_refusal(_data_error(sqlstate, text))
    assert isinstance(refused, ServiceError) and refused.status == 422
    assert str(refused) == "A value is too long or not valid; nothing was saved."


def test_driver_errors_before_the_server_are_the_same_refusal(app):
    try:
        "a\ud800".encode()
    except UnicodeEncodeError as error:
        surrogate = error
    for error in (ValueError("A string literal cannot contain NUL (0x00) characters."),
                  surrogate, OverflowError("Python int too large to convert to SQLite INTEGER")):
        assert value_refusal(error).status == 422
    assert value_refusal(ValueError("something else")) is None
    assert value_refusal(DataError("SELECT 1/0", {}, pg_errors.DivisionByZero("division"))) is None


def test_a_use_case_writing_what_the_driver_cannot_encode_is_refused_and_writes_nothing(app):
    @use_case
    def write():
        db.session.add(Customer(name="a\ud800", email="a@b.example", street="s",
                                postal_code="1", city="c", country="DK"))

    with pytest.raises(ServiceError) as refused:
        write()
    assert refused.value.status == 422
    assert count(Customer) == 0


def test_a_too_long_value_written_past_the_forms_is_a_422_on_postgresql_and_stored_on_sqlite(app):
    @use_case
    def write():
        db.session.add(Customer(name="x" * 300, email="a@b.example", street="s", postal_code="1",
                                city="c", country="DK"))

    if db.engine.dialect.name == "postgresql":
        with pytest.raises(ServiceError, match="too long or not valid"):
            write()
        assert count(Customer) == 0
    else:  # SQLite keeps any length: the forms' Length is what holds it there
        write()
        assert count(Customer) == 1


def test_a_database_refusal_outside_a_use_case_is_answered_422(app):
    with app.test_request_context("/setup/customers/new", method="POST", headers=HX):
        response = app.make_response(errors._refused_by_the_database(_data_error("22001", "value too long")))
        assert response.status_code == 422
        assert "too long or not valid" in response.get_data(as_text=True)


# ---------------------------------------------------------------- every text field has its column's length



def _text_fields(form: type) -> dict[str, UnboundField]:
    fields = {}
    for name in dir(form):
        field = getattr(form, name, None)
        if (isinstance(field, UnboundField) and issubclass(field.field_class, StringField)
                and not issubclass(field.field_class, DecimalField)):
            fields[name] = field
    return fields


from app import models as m  # noqa: E402
# Each form and the model its fields are saved to; a field named otherwise is renamed,
# None for a field saved to no column (a password is hashed, "next" is a redirect, "tasks"
# are split into task names checked by the use case).
COLUMNS = {
    "LoginForm": (m.User, {"password": None, "next": None}),
    "PasswordForm": (m.User, {"current_password": None, "new_password": None, "confirm": None}),
    "InviteForm": (m.User, {"password": None}),
    "UserForm": (m.User, {}), "EmptyForm": (m.User, {}), "ImportForm": (m.Actual, {}),
    "CorrectionForm": (m.InvoiceLineDetail, {}), "CorrectionHeaderForm": (m.Invoice, {}),
    "PaymentForm": (m.Payment, {}), "ReversePaymentForm": (m.Payment, {"reason": "reversal_reason"}),
    "CustomerForm": (m.Customer, {}), "RoleForm": (m.Role, {}), "ResourceForm": (m.Resource, {}),
    "CategoryForm": (m.Category, {}), "UnitNameForm": (m.Unit, {}),
    "UnitScheduleForm": (m.UnitSchedule, {}), "UnitForm": (m.Unit, {}),
    "ProductForm": (m.Product, {}), "PriceListForm": (m.PriceList, {}),
    "RolePriceForm": (m.RolePrice, {}), "CategoryPriceForm": (m.CategoryPrice, {}),
    "PriceForm": (m.RolePrice, {}), "ProjectForm": (m.Project, {"tasks": None}),
    "TaskForm": (m.Task, {}),
    "ContractForm": (m.Contract, {}), "_LineForm": (m.ContractLine, {}),
    "TimeAndMaterialLineForm": (m.ContractLine, {}), "FixedPriceLineForm": (m.ContractLine, {}),
    "ProductLineForm": (m.ContractLine, {}), "ScheduleForm": (m.InvoiceSchedule, {}),
    "MilestoneForm": (m.Milestone, {}), "InvoiceForm": (m.Invoice, {}),
    "EntryForm": (m.Entry, {}),
    "_PartialForm": (m.Invoice, {}),
    "DetailForm": (m.InvoiceLineDetail, {"write_in_description": "write_in_description"}),
    "NewDetailForm": (m.InvoiceLineDetail, {}),
    "HeaderForm": (m.Invoice, {}), "LineForm": (m.InvoiceLine, {}),
    "ReopenPaidForm": (m.AuditEntry, {"reason": "new_value"}),
    "MarkPaidForm": (m.Invoice, {"reference": "payment_reference"}),
}


def test_every_text_field_of_every_form_fits_its_column():
    unknown = sorted(form.__name__ for form in app_forms()
                     if form.__name__ not in COLUMNS and _text_fields(form))
    assert unknown == [], "add these forms to COLUMNS"
    too_long, unbound = [], []
    for form in app_forms():
        if form.__name__ not in COLUMNS:
            continue
        model, renamed = COLUMNS[form.__name__]
        for name, field in _text_fields(form).items():
            column_name = renamed.get(name, name)
            if column_name is None:
                continue
            if column_name not in inspect_model(model).columns:
                if issubclass(field.field_class, StringField) and name == "days":
                    continue  # the schedule's days: a list of numbers, parsed by its field
                unbound.append(f"{form.__name__}.{name}")
                continue
            column = inspect_model(model).columns[column_name]
            if not isinstance(column.type, String) or column.type.length is None:
                continue  # Text: no length to exceed
            limits = [v.max for v in (field.kwargs.get("validators") or
                                      (field.args[1] if len(field.args) > 1 else []))
                      if isinstance(v, Length) and v.max >= 0]
            if not limits or min(limits) > column.type.length:
                too_long.append(f"{form.__name__}.{name} ({column.type.length})")
    assert unbound == [] and too_long == []
