"""Uploading a CSV file of actuals: the CLI import's rules, on a page (SPEC 11)."""

import io
import re
from decimal import Decimal

from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual
from app.services.importing import problems
from app.services.importing.problems import Problem
from tests.factories import (make_category, make_contract, make_price_list, make_project,
                             make_resource, make_role, make_tm_line)
from tests.web.helpers import page

HEADER = "key,project,class,date,role,resource,category,quantity,unit\n"


def _company():
    role = make_role(key="dev")
    category = make_category(key="hotel")
    prices = make_price_list(role_prices=[(role, Decimal("950.00"))],
                             category_prices=[(category, Decimal("1200.00"))])
    make_tm_line(make_contract(price_list=prices), make_project(key="web"))
    make_resource(key="ana")
    db.session.commit()


def upload(client, text: str | bytes, name="actuals.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/actuals/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Actual))


def test_the_import_page_has_a_file_field(client):
    html = page(client.get("/actuals/import"))
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
    assert 'href="/actuals/import"' in page(client.get("/actuals"))


def test_a_good_file_is_imported(client):
    _company()
    response = upload(client, HEADER + "a1,web,time,2026-03-02,dev,ana,,7.5,hour\n"
                                       "a2,web,expense,2026-03-03,,,hotel,2,each\n")
    assert response.status_code == 302 and response.location == "/actuals"
    assert count() == 2
    assert "Imported 2 actuals." in page(client.get("/actuals"))


def test_a_file_with_errors_is_rejected_whole_with_every_error_by_row_and_column(client):
    _company()
    html = page(upload(client, HEADER + "a1,web,time,2026-03-02,dev,ana,,7.5,hour\n"
                                        "a2,web,time,2026-03-02,nobody,ana,,seven,hour\n"
                                        "a3,nowhere,expense,2026-13-01,,,hotel,1,each\n"))
    assert "Nothing was imported." in html and "actuals.csv has" in html
    errors = re.findall(r'data-testid="import-error" data-row="(\d+)" data-column="([^"]*)"', html)
    assert ("3", "role") in errors and ("3", "quantity") in errors
    assert ("4", "project") in errors and ("4", "date") in errors
    assert "unknown role &#39;nobody&#39;" in html or "unknown role 'nobody'" in html
    assert count() == 0


# A problem's row, column and message, each in its own cell of the table.
CELLS = re.compile(r'<tr data-testid="import-error" data-row="(\d*)" data-column="([^"]*)">\s*'
                   r'<td>(\d*)</td><td><code>([^<]*)</code></td><td>([^<]*)</td>')
BAD_ROW = HEADER + "a1,nowhere,time,2026-03-02,dev,ana,,seven,hour\n"


def test_problems_are_shown_in_the_language_of_the_session(app, client):
    _company()
    client.post("/language", data={"language": "da"})
    html = page(upload(client, BAD_ROW))
    assert "Intet blev importeret." in html and "<th>Række</th><th>Kolonne</th>" in html
    with app.test_request_context(), force_locale("da"):
        expected = [Problem((2, "project"), "unknown_reference",
                            {"kind": "project", "key": "nowhere"}).translated(),
                    Problem((2, "quantity"), "not_a_number").translated()]
    assert CELLS.findall(html) == [("2", "project", "2", "project", str(escape(expected[0]))),
                                   ("2", "quantity", "2", "quantity", str(escape(expected[1])))]


def test_problem_messages_are_rendered_from_their_code_through_gettext(client, monkeypatch):
    _company()
    monkeypatch.setattr(problems, "gettext", lambda message: f"«{message}»")
    html = page(upload(client, BAD_ROW))
    assert CELLS.findall(html) == [
        ("2", "project", "2", "project", str(escape("«unknown «project» 'nowhere'»"))),
        ("2", "quantity", "2", "quantity", "«not a number»")]


def test_a_bad_header_row_is_reported_as_row_one(client):
    html = page(upload(client, "key,project,colour\nx,y,z\n"))
    errors = re.findall(r'data-testid="import-error" data-row="(\d+)" data-column="([^"]*)"', html)
    assert ("1", "colour") in errors and ("1", "") in errors
    assert count() == 0


def test_a_file_that_is_not_utf8_is_refused_next_to_the_field(client):
    html = page(upload(client, "key;projekt\nø;æ\n".encode("latin-1")))
    assert "not UTF-8" in html and 'data-testid="error-file"' in html


def test_no_file_is_refused(client):
    html = page(client.post("/actuals/import", data={}, content_type="multipart/form-data"))
    assert "Choose a CSV file." in html
