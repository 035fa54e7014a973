"""Uploading a CSV file of actuals no one should upload (issue 13): a NUL byte, a 1 MB
cell, a file that is not UTF-8, 100,000 columns, a file over the upload limit. Each is
refused with a message by row and column (or next to the file field), never a 500, and
nothing is written."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual
from tests.factories import (make_category, make_contract, make_price_list, make_project,
                             make_resource, make_role, make_tm_line)
from tests.web.helpers import page

HEADER = "key,project,class,date,role,resource,quantity,unit,external_comment\n"
GOOD = "a1,web,time,2026-03-02,dev,ana,7.5,hour,fine\n"
ERRORS = re.compile(r'<tr data-testid="import-error" data-row="(\d*)" data-column="([^"]*)">\s*'
                    r'<td>\d*</td><td><code>[^<]*</code></td><td>([^<]*)</td>')


@pytest.fixture
def company(app):
    role = make_role(key="dev")
    prices = make_price_list(role_prices=[(role, Decimal("950.00"))],
                             category_prices=[(make_category(key="hotel"), Decimal("1200.00"))])
    make_tm_line(make_contract(price_list=prices), make_project(key="web"))
    make_resource(key="ana")
    db.session.commit()


def upload(client, data: bytes, name="actuals.csv", **headers):
    # The body made here: the test client spools a large one to a file it never closes.
    boundary = "garbage-boundary-7d1f"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return client.post("/actuals/import", data=body, headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")


def actuals() -> int:
    return db.session.scalar(select(func.count()).select_from(Actual))


def rejected(response) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.status_code
    html = page(response)
    assert "Nothing was imported." in html
    return ERRORS.findall(html)


def test_a_nul_byte_in_a_cell_is_named_by_row_and_column(client, company):
    response = upload(client, (HEADER + GOOD + "a2,web,time,2026-03-03,dev,ana,1,hour,x\x00y\n")
                      .encode())
    assert rejected(response) == [("3", "external_comment", "contains a NUL byte")]
    assert actuals() == 0


def test_a_nul_byte_in_a_key_is_refused_before_any_lookup(client, company):
    response = upload(client, (HEADER + "a\x001,web\x00,time,2026-03-03,dev,ana,1,hour,\n").encode())
    assert rejected(response) == [("2", "key", "contains a NUL byte"),
                                  ("2", "project", "contains a NUL byte")]
    assert actuals() == 0


def test_a_one_megabyte_cell_is_named_by_its_row(client, company):
    response = upload(client, (HEADER + GOOD + f"a2,web,time,2026-03-03,dev,ana,1,hour,{'x' * 2**20}\n")
                      .encode())
    assert rejected(response) == [("3", "", "a cell longer than 10000 characters")]
    assert actuals() == 0


def test_a_cell_over_ten_thousand_characters_is_named_by_row_and_column(client, company):
    response = upload(client, (HEADER + f"a2,web,time,2026-03-03,dev,ana,1,hour,{'x' * 20_000}\n")
                      .encode())
    assert rejected(response) == [("2", "external_comment", "a cell longer than 10000 characters")]


def test_a_hundred_thousand_columns_are_one_message(client, company):
    header = ",".join(f"c{i}" for i in range(100_000))
    response = upload(client, (header + "\n" + ",".join("x" * 100_000) + "\n").encode())
    assert rejected(response) == [
        ("1", "", "100000 columns; a file of actuals has at most 200")]
    assert actuals() == 0


def test_a_row_of_a_hundred_thousand_cells_is_one_message(client, company):
    response = upload(client, (HEADER + GOOD.rstrip("\n") + "," * 100_000 + "x\n").encode())
    assert rejected(response) == [("2", "", "a value in a column without a name")]
    assert actuals() == 0


@pytest.mark.parametrize("data", [
    "key;projekt\nø;æ\n".encode("latin-1"),
    (HEADER + GOOD).encode("utf-16"),
    b"\xff\xfe\xfd",
    (HEADER + "a1,web,time,2026-03-02,dev,ana,7.5,hour,\xed\xa0\x80\n").encode("latin-1"),
])
def test_a_file_that_is_not_utf8_is_refused_next_to_the_field(client, company, data):
    response = upload(client, data)
    assert response.status_code == 200
    html = page(response)
    assert "The file is not UTF-8 text; save it as CSV UTF-8." in html
    assert 'data-testid="error-file"' in html
    assert actuals() == 0


def test_an_encoded_lone_surrogate_is_not_utf8(client, company):
    # UTF-8 has no encoding of U+D800; "surrogatepass" writes what some tools write anyway.
    data = (HEADER + "a1,web,time,2026-03-02,dev,ana,7.5,hour,\ud800\n").encode(
        "utf-8", "surrogatepass")
    assert "The file is not UTF-8 text" in page(upload(client, data))
    assert actuals() == 0


def test_htmx_gets_the_refusal_as_422(client, company):
    response = upload(client, (HEADER + "a2,web,time,2026-03-03,dev,ana,1,hour,x\x00y\n").encode(),
                      **{"HX-Request": "true"})
    assert response.status_code == 422
    assert "contains a NUL byte" in response.get_data(as_text=True)


def test_a_file_over_the_upload_limit_answers_413_with_a_page(app, client, company):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = upload(client, (HEADER + GOOD * 30_000).encode())
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "What was sent is too large; the limit is 1 MB." in html
    assert "Traceback" not in html
    assert actuals() == 0


def test_a_file_within_the_limit_still_imports(client, company):
    response = upload(client, (HEADER + GOOD).encode())
    assert response.status_code == 302
    assert actuals() == 1
