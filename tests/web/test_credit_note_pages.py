"""Credit notes (issue 14) through the test client, as htmx drives them: Correct, the
credit-note editor, the original's corrections, the list and the history."""

import re
from decimal import Decimal

import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceLineDetail
from app.services.editing import update_header
from app.services.lifecycle import confirm_invoice
from tests.worlds import World

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    """World's invoice (actual 7.5 h × 950.00, a 1,000.00 milestone, 2 × 100.00 licences,
    25 % tax) with 100.00 freight, confirmed."""
    world = World()
    update_header(world.code, world.invoice().version, {"freight_amount": Decimal("100.00")})
    confirm_invoice(world.code)
    world.number = world.invoice().number
    return world


def post(client, url, data=None, htmx=True):
    return client.post(url, data=data or {}, headers=HX if htmx else {})


def money(html, testid):
    """The data-value of every element with this test id, in page order."""
    return re.findall(rf'data-testid="{testid}" data-value="([^"]*)"', html)


def correct(client, world) -> str:
    """Correct the world's confirmed invoice; the credit note's Invoice ID."""
    response = post(client, f"/invoices/{world.code}/correct")
    assert response.status_code == 204, response.get_data(as_text=True)
    return response.headers["HX-Redirect"].rsplit("/", 1)[1]


def credit_note(code: str) -> Invoice:
    db.session.expire_all()
    return db.session.scalars(select(Invoice).where(Invoice.code == code)).one()


def corrective(code: str, backing: str) -> InvoiceLineDetail:
    """The credit note's corrective detail of this backing (the world has one of each)."""
    return next(d for d in db.session.scalars(select(InvoiceLineDetail).where(
        InvoiceLineDetail.invoice_id == credit_note(code).id)) if d.backing == backing)


def product_line(code: str) -> InvoiceLine:
    return next(line for line in credit_note(code).lines if line.billing_method == "product")


def error_next_to(html: str, prefix: str, field: str) -> str:
    """The message shown next to an input (the span the input's aria-describedby names)."""
    found = re.search(rf'id="{prefix}-{field}-error" role="alert">([^<]*)<', html)
    assert found, html[:3000]
    assert f'aria-describedby="{prefix}-{field}-error"' in html
    return found.group(1)


# ---------------------------------------------------------------- Correct

def test_correct_makes_a_draft_credit_note_and_opens_it(client, world):
    page = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert 'data-testid="action-correct"' in page
    assert "hx-confirm=" in page.split('data-testid="action-correct"')[0].rsplit("<form", 1)[1]

    response = post(client, f"/invoices/{world.code}/correct", htmx=False)
    assert response.status_code == 303
    code = response.location.rsplit("/", 1)[1]
    note = credit_note(code)
    assert note.is_credit_note and note.state == "draft"
    assert note.corrects.code == world.code

    html = client.get(response.location).get_data(as_text=True)
    assert "created as a correction of invoice " + world.number in html  # the flash
    assert 'data-testid="invoice-type" data-value="credit_note"' in html
    assert f"Corrects invoice <a href=\"/invoices/{world.code}\" data-testid=\"credit-note-original\">{world.number}</a> of Apr 1, 2026" in html
    # Everything is credited until the reviewer says otherwise: 8,325.00 + 100.00 freight.
    assert money(html, "invoice-detail-amount") == ["-8325.00"]
    assert money(html, "invoice-freight-amount") == ["-100.00"]
    assert money(html, "invoice-total-amount") == ["-10531.25"]
    # A credit note takes no new details and is not refreshed; Confirm and Delete it may.
    for absent in ("action-new-detail", "action-refresh", "action-correct", "action-mark-paid"):
        assert f'data-testid="{absent}"' not in html
    for present in ("action-confirm", "action-delete", "action-submit-review"):
        assert f'data-testid="{present}"' in html


def test_a_second_correct_is_refused_while_a_draft_correction_exists(client, world):
    code = correct(client, world)
    response = post(client, f"/invoices/{world.code}/correct")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert f"already has a draft correction, {code}" in html
    assert 'class="notice' in html
    assert db.session.scalar(select(func.count()).select_from(Invoice).where(
        Invoice.corrects_invoice_id == world.invoice().id)) == 1
    # The page links to the draft correction instead of offering the button.
    page = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert 'data-testid="action-correct"' not in page
    assert f'data-testid="open-correction" href="/invoices/{code}"' in page


def test_a_draft_invoice_is_not_offered_correct_and_refuses_it(client, app):
    world = World()
    page = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert 'data-testid="action-correct"' not in page
    response = post(client, f"/invoices/{world.code}/correct")
    assert response.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1


# ---------------------------------------------------------------- the corrective rows

def test_a_corrected_quantity_answers_the_row_with_its_difference_and_the_totals(client, world):
    code = correct(client, world)
    detail = corrective(code, "actual")
    response = post(client, f"/invoices/{code}/corrections/{detail.id}",
                    {"version": detail.version, "corrected_quantity": "5", "description":
                     detail.description, "corrected_price": "950.00", "corrected_tax": "0.00",
                     "corrected_billing_type": "chargeable"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert html.lstrip().startswith(f'<tr data-testid="detail-row" id="detail-{detail.id}"')
    # 5 h of 7.5 h stay billed: the row credits 2.5 h × 950.00 and its tax.
    assert money(html, "detail-billed-quantity") == ["7.5"]
    assert money(html, "detail-billed-amount") == ["7125.00"]
    assert money(html, "detail-amount") == ["-2375.00"]
    assert money(html, "detail-tax") == ["-593.75"]
    assert money(html, "detail-extended-amount") == ["-2968.75"]
    assert f'name="corrected_quantity" id="d{detail.id}-corrected_quantity"\n       value="5"' in html
    assert f'id="invoice-line-{detail.invoice_line_id}-totals" hx-swap-oob="true"' in html
    assert money(html, "line-amount") == ["-2375.00"]
    assert 'id="invoice-totals" aria-label="Totals" hx-swap-oob="true"' in html
    # 8,325.00 − 4,750.00 still credited on the header: −(2,375 + 1,000 + 200).
    assert money(html, "invoice-detail-amount") == ["-3575.00"]
    saved = corrective(code, "actual")
    assert saved.corrected_quantity == Decimal("5") and saved.amount == Decimal("-2375.00")
    # A reload shows the same.
    page = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert money(page, "invoice-detail-amount") == ["-3575.00"]


def test_a_corrected_quantity_in_danish_reads_the_decimal_comma(client, world):
    code = correct(client, world)
    detail = corrective(code, "actual")
    client.post("/language", data={"language": "da"})
    refresh()  # the test shares one app context between requests; Babel caches the locale there
    url = f"/invoices/{code}/corrections/{detail.id}"
    response = post(client, url, {"version": detail.version, "corrected_quantity": "2,5"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    saved = corrective(code, "actual")
    assert saved.corrected_quantity == Decimal("2.5")
    # The inputs show the Danish way; posting them back as they are changes nothing.
    assert 'value="2,5"' in html and 'value="950,00"' in html
    values = dict(re.findall(r'name="(corrected_[a-z_]+)" id="d\d+-corrected_[a-z_]+"\s+value="([^"]*)"', html))
    assert set(values) == {"corrected_quantity", "corrected_price", "corrected_tax"}
    response = post(client, url, {"version": saved.version, **values,
                                  "corrected_billing_type": "chargeable"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert corrective(code, "actual").version == saved.version


@pytest.mark.parametrize("backing, field, typed, message", [
    ("actual", "corrected_quantity", "8", "Between 0 and the billed quantity (7.5)"),
    ("milestone", "corrected_quantity", "0.5", "A milestone is credited whole"),
    ("actual", "corrected_price", "1000", "Between 0 and the billed price (950)"),
    ("actual", "corrected_quantity", "abc", "is not a number"),
])
def test_a_correction_that_would_bill_more_is_refused_next_to_the_field(
        client, world, backing, field, typed, message):
    code = correct(client, world)
    detail = corrective(code, backing)
    before, version = credit_note(code).total_amount, detail.version
    response = post(client, f"/invoices/{code}/corrections/{detail.id}",
                    {"version": version, field: typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert message in error_next_to(html, f"d{detail.id}", field)
    assert f'value="{typed}"' in html  # kept as typed, to be corrected
    saved = corrective(code, backing)
    assert saved.version == version and saved.corrected_quantity == 0
    assert credit_note(code).total_amount == before


@pytest.mark.parametrize("field, value", [("quantity", "0.5"), ("price", "10"),
                                          ("corrected_price", "10"), ("corrected_tax", "1")])
def test_a_locked_field_of_a_milestone_row_is_refused(client, world, field, value):
    code = correct(client, world)
    detail = corrective(code, "milestone")
    version = detail.version
    response = post(client, f"/invoices/{code}/corrections/{detail.id}",
                    {"version": version, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert "cannot be changed" in html
    assert corrective(code, "milestone").version == version


def test_a_milestone_row_offers_only_its_corrected_quantity(client, world):
    code = correct(client, world)
    detail = corrective(code, "milestone")
    page = client.get(f"/invoices/{code}").get_data(as_text=True)
    row = page.split(f'id="detail-{detail.id}"')[1].split("</tr>")[0]
    assert 'name="corrected_quantity"' in row
    for locked in ("corrected_price", "corrected_tax", "corrected_billing_type", 'name="quantity"'):
        assert locked not in row
    actual = corrective(code, "actual")
    row = page.split(f'id="detail-{actual.id}"')[1].split("</tr>")[0]
    for editable in ("corrected_quantity", "corrected_price", "corrected_tax",
                     "corrected_billing_type"):
        assert f'name="{editable}"' in row


def test_a_milestone_credited_whole_or_kept(client, world):
    code = correct(client, world)
    detail = corrective(code, "milestone")
    response = post(client, f"/invoices/{code}/corrections/{detail.id}",
                    {"version": detail.version, "corrected_quantity": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert money(html, "detail-amount") == ["0.00"]
    assert money(html, "invoice-detail-amount") == ["-7325.00"]


def test_complimentary_credits_a_chargeable_row(client, world):
    code = correct(client, world)
    detail = corrective(code, "actual")
    response = post(client, f"/invoices/{code}/corrections/{detail.id}",
                    {"version": detail.version, "corrected_quantity": "7.5",
                     "corrected_billing_type": "complimentary"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert money(html, "detail-amount") == ["-7125.00"]
    assert 'value="complimentary" selected' in html


def test_a_stale_row_is_refused_with_409(client, world):
    code = correct(client, world)
    detail = corrective(code, "actual")
    url, version = f"/invoices/{code}/corrections/{detail.id}", detail.version
    assert post(client, url, {"version": version, "corrected_quantity": "5"}).status_code == 200
    response = post(client, url, {"version": version, "corrected_quantity": "4"})
    assert response.status_code == 409
    assert "Someone else changed this detail" in response.get_data(as_text=True)
    assert corrective(code, "actual").corrected_quantity == Decimal("5")


def test_removing_a_row_keeps_it_billed_as_it_was(client, world):
    code = correct(client, world)
    detail = corrective(code, "milestone")
    page = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert "It stays billed as it was." in page
    response = post(client, f"/invoices/{code}/details/{detail.id}/delete",
                    {"version": detail.version})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert money(response.get_data(as_text=True), "invoice-detail-amount") == ["-7325.00"]
    assert db.session.get(InvoiceLineDetail, detail.id) is None


def test_a_credit_note_row_refuses_the_invoice_detail_route(client, world):
    code = correct(client, world)
    detail = corrective(code, "actual")
    response = post(client, f"/invoices/{code}/details/{detail.id}",
                    {"version": detail.version, "quantity": "1"})
    assert response.status_code in (409, 422)
    assert corrective(code, "actual").quantity == Decimal("-7.5")


# ---------------------------------------------------------------- product lines and header

def test_a_product_line_correction_answers_the_line_and_the_totals(client, world):
    code = correct(client, world)
    line = product_line(code)
    url = f"/invoices/{code}/lines/{line.id}/correction"
    response = post(client, url, {"version": line.version, "corrected_quantity": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert html.lstrip().startswith(f'<tr data-testid="product-row" id="product-line-{line.id}"')
    assert money(html, "product-amount") == ["-100.00"]
    assert money(html, "line-amount") == ["-100.00"]
    assert money(html, "invoice-detail-amount") == ["-8225.00"]
    assert product_line(code).corrected_quantity == Decimal("1")

    refused = post(client, url, {"version": product_line(code).version, "corrected_quantity": "3"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422, text
    assert "Between 0 and the billed quantity (2)" in error_next_to(text, f"l{line.id}", "corrected_quantity")
    assert 'value="3"' in text
    assert product_line(code).corrected_quantity == Decimal("1")


def test_the_header_takes_the_corrected_freight_and_refuses_the_bill_to(client, world):
    code = correct(client, world)
    note = credit_note(code)
    page = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert 'name="corrected_freight_amount"' in page
    assert money(page, "invoice-billed-freight-amount") == ["100.00"]
    assert 'name="bill_to_name"' not in page and 'name="discount_percent"' not in page

    response = post(client, f"/invoices/{code}/header",
                    {"version": note.version, "corrected_freight_amount": "40.00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert money(html, "invoice-freight-amount") == ["-60.00"]
    assert credit_note(code).corrected_freight_amount == Decimal("40.00")

    refused = post(client, f"/invoices/{code}/header",
                   {"version": credit_note(code).version, "corrected_freight_amount": "150"})
    assert refused.status_code == 422
    assert "billed freight" in error_next_to(refused.get_data(as_text=True), "h",
                                             "corrected_freight_amount")
    locked = post(client, f"/invoices/{code}/header",
                  {"version": credit_note(code).version, "bill_to_name": "Someone else"})
    assert locked.status_code == 422
    assert "cannot be changed" in locked.get_data(as_text=True)
    assert credit_note(code).bill_to_name == note.bill_to_name


# ---------------------------------------------------------------- the original, the list, the history

def test_the_original_shows_its_corrections_and_the_net_total(client, world):
    code = correct(client, world)
    detail = corrective(code, "actual")
    post(client, f"/invoices/{code}/corrections/{detail.id}",
         {"version": detail.version, "corrected_quantity": "7.5"})  # only the rest credited
    page = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert 'data-testid="invoice-corrections"' in page
    assert f'href="/invoices/{code}"' in page
    assert money(page, "invoice-net-total") == ["10531.25"]  # a draft does not count yet

    response = post(client, f"/invoices/{code}/confirm")
    assert response.status_code == 204, response.get_data(as_text=True)
    note = credit_note(code)
    assert note.number and note.number != world.number
    page = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    row = page.split('data-testid="correction-row"')[1].split("</tr>")[0]
    assert note.number in row
    # 10,531.25 less the milestone, licences and freight: 1,250.00 + 250.00 + 125.00.
    assert money(page, "invoice-net-total") == ["8906.25"]
    # The original may be corrected again.
    assert 'data-testid="action-correct"' in page


def test_the_list_shows_the_type_and_filters_by_it(client, world):
    code = correct(client, world)
    page = client.get("/invoices").get_data(as_text=True)
    assert sorted(money(page, "invoice-type")) == ["credit_note", "invoice"]
    only = client.get("/invoices?invoice_type=credit_note").get_data(as_text=True)
    assert money(only, "invoice-type") == ["credit_note"]
    assert code in only and f">{world.code}<" not in only
    invoices = client.get("/invoices?invoice_type=invoice").get_data(as_text=True)
    assert money(invoices, "invoice-type") == ["invoice"]
    assert client.get("/invoices?invoice_type=bogus").status_code in (200, 400)


def test_the_history_tells_the_correction_on_both_invoices(client, world):
    code = correct(client, world)
    post(client, f"/invoices/{code}/confirm")
    number = credit_note(code).number
    original = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert f"Corrected by credit note {code}" in original
    assert f"Correction {code} confirmed as {number}" in original
    note = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert f"Created as a correction of invoice {world.number}" in note


def test_the_history_names_corrected_fields(client, world):
    code = correct(client, world)
    detail = corrective(code, "actual")
    post(client, f"/invoices/{code}/corrections/{detail.id}",
         {"version": detail.version, "corrected_quantity": "5"})
    note = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert "Corrected quantity" in note


# ---------------------------------------------------------------- roles

def _sign_in(app, client, role):
    from app.services.users import create_user
    app.config["LOGIN_DISABLED"] = False
    create_user(f"{role}@example.com", "correct horse battery", role)
    response = client.post("/login", data={"email": f"{role}@example.com",
                                           "password": "correct horse battery"})
    assert response.status_code == 302, response.text


def test_a_reviewer_edits_a_credit_note_but_may_not_correct(app, client, world):
    code = correct(client, world)
    _sign_in(app, client, "reviewer")
    page = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert 'data-testid="action-correct"' not in page
    assert post(client, f"/invoices/{world.code}/correct").status_code == 403
    detail = corrective(code, "actual")
    response = post(client, f"/invoices/{code}/corrections/{detail.id}",
                    {"version": detail.version, "corrected_quantity": "5"})
    assert response.status_code == 200, response.get_data(as_text=True)
    line = product_line(code)
    response = post(client, f"/invoices/{code}/lines/{line.id}/correction",
                    {"version": line.version, "corrected_quantity": "1"})
    assert response.status_code == 200


def test_a_viewer_may_not_edit_a_credit_note(app, client, world):
    code = correct(client, world)
    _sign_in(app, client, "viewer")
    detail = corrective(code, "actual")
    page = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert 'name="corrected_quantity"' not in page
    assert post(client, f"/invoices/{code}/corrections/{detail.id}",
                {"version": detail.version, "corrected_quantity": "5"}).status_code == 403
    assert corrective(code, "actual").corrected_quantity == 0
