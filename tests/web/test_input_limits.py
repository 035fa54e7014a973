"""Text inputs stop where the server's limit is (issue 11): the editor's cells and the header
carry the maxlength of their form's Length validator, so typing stops there instead of the
server refusing the text; forms without a limit of their own get one."""

import re

import pytest
from wtforms.validators import Length

from app.invoices.forms import DetailForm, HeaderForm
from app.extensions import db
from app.models import User
from tests.worlds import World


@pytest.fixture
def world(app):
    return World()


def server_limit(form_class, name: str) -> int | None:
    """The max of the Length validator of the form's field (an unbound field: its kwargs)."""
    validators = getattr(form_class, name).kwargs.get("validators") or []
    return next((v.max for v in validators if isinstance(v, Length) and v.max != -1), None)


def text_inputs(html: str, id_pattern: str) -> dict[str, str | None]:
    """name → maxlength of the text inputs and textareas whose id matches."""
    found = {}
    for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", html):
        if not re.search(rf'\bid="{id_pattern}"', tag) or re.search(r'type="(?:hidden|date)"', tag):
            continue
        name = re.search(r'\bname="([^"]+)"', tag).group(1)
        limit = re.search(r'\bmaxlength="(\d+)"', tag)
        found[name] = limit and limit.group(1)
    return found


def test_the_header_inputs_stop_at_the_servers_length(client, world):
    html = client.get(f"/invoices/{world.code}").text
    inputs = text_inputs(html, r"h-[a-z_]+")
    assert {"name", "description", "bill_to_email", "bill_to_country"} <= set(inputs)
    for name, maxlength in inputs.items():
        limit = server_limit(HeaderForm, name)
        assert maxlength == (str(limit) if limit else None), name
    assert inputs["bill_to_country"] == "2" and inputs["bill_to_email"] == "254"


def test_the_detail_cells_stop_at_the_servers_length(client, world):
    detail = world.add_material(product_choice="write_in", product_name="Cable",
                                write_in_description="Blue cable")
    html = client.get(f"/invoices/{world.code}").text
    inputs = text_inputs(html, rf"d{detail.id}-[a-z_]+")
    assert {"description", "external_description", "product_name", "write_in_description",
            "quantity"} <= set(inputs)
    for name, maxlength in inputs.items():
        limit = server_limit(DetailForm, name)
        assert maxlength == (str(limit) if limit else None), name
    assert inputs["product_name"] == "200"


def test_an_invited_users_name_and_email_have_the_columns_length(client):
    html = client.get("/admin/users").text
    name = re.search(r'<input[^>]*name="name"[^>]*>', html).group(0)
    email = re.search(r'<input[^>]*name="email"[^>]*>', html).group(0)
    assert 'maxlength="200"' in name and 'maxlength="254"' in email
    response = client.post("/admin/users", data={"email": "new@example.com", "name": "N" * 201,
                                                 "role": "viewer",
                                                 "password": "a long enough password"})
    assert response.status_code < 500
    assert db.session.query(User).filter_by(email="new@example.com").count() == 0
