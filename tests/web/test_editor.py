"""The inline invoice editor through the test client, as htmx drives it."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from flask_babel import refresh
from flask_sqlalchemy.record_queries import get_recorded_queries
from sqlalchemy import insert, select

from app.extensions import db
from app.models import Actual, Invoice, InvoiceLine, InvoiceLineDetail
from app.services.editing import update_detail, update_header
from app.services.invoicing import recalculate
from app.services.lifecycle import confirm_invoice, mark_paid, submit_for_review
from tests.factories import HOUR, make_project
from tests.worlds import World

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    return World()


def post(client, url, data, htmx=True):
    return client.post(url, data=data, headers=HX if htmx else {})


def detail_url(world, detail):
    return f"/invoices/{world.code}/details/{detail.id}"


def money(html, testid):
    """The data-value of every element with this test id, in page order."""
    return re.findall(rf'data-testid="{testid}" data-value="([^"]*)"', html)


# ---------------------------------------------------------------- editing a row

def test_an_edit_answers_the_row_with_line_and_header_totals_out_of_band(client, world):
    response = post(client, detail_url(world, world.actual_detail),
                    {"version": 1, "tax": "100.00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # The answer starts with the edited row itself (htmx swaps it in), before the
    # out-of-band totals; only whitespace may come first.
    assert html.lstrip().startswith(
        f'<tr data-testid="detail-row" id="detail-{world.actual_detail.id}"'), html[:200]
    assert money(html, "detail-tax") == ["100.00"]
    assert money(html, "detail-extended-amount") == ["7225.00"]
    assert f'id="invoice-line-{world.tm_line.id}-totals" hx-swap-oob="true"' in html
    assert money(html, "line-tax") == ["100.00"]
    assert 'id="invoice-totals" aria-label="Totals" hx-swap-oob="true"' in html
    assert money(html, "invoice-total-tax") == ["400.00"]  # 100 + 250 milestone + 50 product
    # The versions other forms of the page carry follow, so they do not go stale.
    invoice = world.invoice()
    assert f'id="invoice-version" value="{invoice.version}" hx-swap-oob="true"' in html
    line = db.session.get(InvoiceLine, world.tm_line.id)
    assert f'id="invoice-line-{line.id}-version" value="{line.version}" hx-swap-oob="true"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_a_billing_type_change_moves_the_row_to_its_group(client, world):
    detail = world.actual_detail
    response = post(client, detail_url(world, detail),
                    {"version": 1, "billing_type": "complimentary", "description": "Free"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    line = world.tm_line.id
    # The row goes after the complimentary group's heading, and leaves its old place.
    assert response.headers["HX-Retarget"] == f"#line-{line}-complimentary-head"
    assert response.headers["HX-Reswap"] == "afterend"
    assert f'<tr id="detail-{detail.id}" hx-swap-oob="delete">' in html
    assert f'<span class="count" id="line-{line}-chargeable-count" hx-swap-oob="true">(0)</span>' in html
    assert f'<span class="count" id="line-{line}-complimentary-count" hx-swap-oob="true">(1)</span>' in html
    assert money(html, "line-amount") == ["0.00"]
    # …and a reload shows it there.
    page = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    group = page[page.index(f'id="line-{line}-complimentary"'):]
    assert f'id="detail-{detail.id}"' in group[:group.index("</tbody>")]


def test_an_invalid_value_comes_back_next_to_its_field_and_changes_nothing(client, world):
    detail = world.actual_detail
    response = post(client, detail_url(world, detail),
                    {"version": 1, "tax": "12.345", "description": "Not saved"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    p = f"d{detail.id}"
    tax_input = re.search(rf'<input [^>]*id="{p}-tax"[^>]*>', html).group(0)
    assert 'value="12.345"' in tax_input and 'aria-invalid="true"' in tax_input  # as typed
    assert f'aria-describedby="{p}-tax-error"' in tax_input
    assert f'<span class="field-error" id="{p}-tax-error" role="alert">At most 2 decimals.</span>' in html
    assert 'value="Not saved"' in html  # what was typed stays, to be corrected…
    saved = world.detail(detail.id)
    assert (saved.version, saved.tax, saved.description) != (1, Decimal("12.345"), "Not saved")
    assert saved.version == 1 and saved.description != "Not saved"  # …and nothing was saved


@pytest.mark.parametrize("typed, message", [("abc", "“abc” is not a number."),
                                            ("", "Enter a number."),
                                            ("1000000000000", "This number is too large."),
                                            # one parser for every number: no exponents
                                            ("1e20", "“1e20” is not a number.")])
def test_numbers_are_checked(client, world, typed, message):
    detail = world.add_time()
    response = post(client, detail_url(world, detail), {"version": 1, "quantity": typed})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_numbers_typed_the_danish_way(client, world):
    detail = world.add_time()
    client.post("/language", data={"language": "da"})
    refresh()  # the test shares one app context between requests; Babel caches the locale there
    response = post(client, detail_url(world, detail), {"version": 1, "quantity": "1,5"})
    assert response.status_code == 200
    assert world.detail(detail.id).quantity == Decimal("1.5")
    # Inputs show numbers the Danish way too, and posting them back changes nothing.
    html = response.get_data(as_text=True)
    assert 'value="1,5"' in html and 'value="1000,00"' in html and 'value="375,00"' in html
    response = post(client, detail_url(world, detail), {
        "version": 2, "quantity": "1,5", "price": "1000,00", "tax": "375,00"})
    assert response.status_code == 200
    assert world.detail(detail.id).version == 2


def test_a_locked_field_forced_into_the_page_is_refused(client, world):
    detail = world.actual_detail
    response = post(client, detail_url(world, detail),
                    {"version": 1, "quantity": "1", "description": "Sneaky"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Quantity cannot be changed: it is taken from the actual." in html
    detail = world.detail(detail.id)
    assert (detail.quantity, detail.description, detail.version) == (
        Decimal("7.5"), world.actual_detail.description, 1)


def test_an_edit_on_an_older_version_shows_the_current_row(client, world):
    detail = world.actual_detail
    update_detail(world.code, detail.id, 1, {"description": "Changed by someone else"})
    response = post(client, detail_url(world, detail), {"version": 1, "description": "Mine"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this detail" in html
    assert 'value="Changed by someone else"' in html and 'name="version" value="2"' in html
    assert world.detail(detail.id).description == "Changed by someone else"


def test_a_row_removed_by_someone_else(client, world):
    detail = world.actual_detail
    client.post(f"{detail_url(world, detail)}/delete", data={"version": 1}, headers=HX)
    response = post(client, detail_url(world, detail), {"version": 1, "description": "x"})
    assert response.status_code == 404  # gone from the invoice


def test_an_edit_of_an_invoice_confirmed_meanwhile_is_refused(client, world):
    confirm_invoice(world.code)
    response = post(client, detail_url(world, world.actual_detail),
                    {"version": 1, "description": "Too late"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Only draft or in-review invoices can be edited (PRO-000001, number 2026-0001: Confirmed)." in html
    row = html[:html.index("</tr>")]
    assert "<input" not in row and "<select" not in row  # the row comes back read-only


def test_without_htmx_an_edit_redirects_back_to_the_page(client, world):
    response = post(client, detail_url(world, world.actual_detail),
                    {"version": 1, "description": "Plain form"}, htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/invoices/{world.code}")


def test_delete_a_detail(client, world):
    response = post(client, f"{detail_url(world, world.actual_detail)}/delete", {"version": 1})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="detail-row"' not in html  # the row is replaced by nothing
    assert money(html, "line-amount") == ["0.00"]
    assert db.session.scalar(select(Actual.status)) == "ready"


def test_delete_on_an_older_version_is_refused(client, world):
    update_detail(world.code, world.actual_detail.id, 1, {"description": "Changed"})
    response = post(client, f"{detail_url(world, world.actual_detail)}/delete", {"version": 1})
    assert response.status_code == 409
    assert world.detail(world.actual_detail.id) is not None


# ---------------------------------------------------------------- new details

def test_new_detail_offers_only_the_classes_of_the_contract_line(client, world):
    html = client.get(f"/invoices/{world.code}/lines/{world.tm_line.id}/details/new",
                      headers=HX).get_data(as_text=True)
    classes = re.findall(r'<option value="(\w+)"', html[html.index('name="transaction_class"'):
                                                         html.index("</select>")])
    assert classes == ["time", "expense"]
    assert "Choose the transaction class first." in html


def test_new_detail_row_for_a_class_lists_only_the_tasks_of_the_project(client, world):
    other = make_project(tasks=("Elsewhere",))
    db.session.commit()
    html = client.get(f"/invoices/{world.code}/lines/{world.tm_line.id}/details/new"
                      "?transaction_class=time", headers=HX).get_data(as_text=True)
    tasks = html[html.index('name="task"'):]
    tasks = tasks[:tasks.index("</select>")]
    assert "Build" in tasks and "Test" in tasks and other.tasks[0].name not in tasks
    assert 'name="role"' in html and 'name="category"' not in html
    assert 'name="quantity"' in html and 'name="price"' in html


def test_create_a_detail_with_the_price_list_price(client, world):
    response = post(client, f"/invoices/{world.code}/lines/{world.tm_line.id}/details", {
        "transaction_class": "time", "description": "Workshop", "role": world.role.id,
        "unit": HOUR, "quantity": "2", "price": "", "tax": "", "billing_type": "chargeable",
        "start_date": "2026-03-30", "task": "", "resource": "", "external_description": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert response.headers["HX-Retarget"] == f"#line-{world.tm_line.id}-chargeable-head"
    assert f'id="line-{world.tm_line.id}-new" hx-swap-oob="innerHTML"' in html  # the form closes
    assert money(html, "detail-amount") == ["2000.00"]
    assert money(html, "detail-tax") == ["500.00"]
    assert money(html, "line-amount") == ["9125.00"]
    detail = db.session.scalars(select(InvoiceLineDetail).where(
        InvoiceLineDetail.actual_id.is_(None), InvoiceLineDetail.milestone_id.is_(None))).one()
    assert (detail.price, detail.start_date) == (Decimal("1000.00"), dt.date(2026, 3, 30))


def test_create_refusals_keep_what_was_typed(client, world):
    response = post(client, f"/invoices/{world.code}/lines/{world.tm_line.id}/details", {
        "transaction_class": "time", "description": "Workshop", "unit": HOUR, "quantity": "2",
        "price": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The price list has no price for this role and unit: enter a price." in html
    assert 'value="Workshop"' in html and 'data-testid="new-detail-row"' in html


def test_no_new_detail_on_a_fixed_price_line(client, world):
    response = post(client, f"/invoices/{world.code}/lines/{world.fp_line.id}/details",
                    {"transaction_class": "time", "description": "x", "quantity": "1"})
    assert response.status_code == 404


# ---------------------------------------------------------------- header and line names

def test_a_header_edit_answers_the_header_and_the_totals(client, world):
    version = world.invoice().version
    response = post(client, f"/invoices/{world.code}/header",
                    {"version": version, "discount_percent": "10", "name": "Spring"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card header-card" id="invoice-header"')
    assert money(html, "invoice-discount-amount") == ["832.50"]
    assert "Computed from the percent" in html and 'value="Spring"' in html
    assert f'id="invoice-version" value="{world.invoice().version}"' in html


def test_header_errors_and_conflicts(client, world):
    version = world.invoice().version
    response = post(client, f"/invoices/{world.code}/header",
                    {"version": version, "due_date": "2026-01-01"})
    assert response.status_code == 422
    assert 'id="h-due_date-error" role="alert">The due date cannot be before the invoice date.' \
        in response.get_data(as_text=True)

    # Another reviewer's detail edit leaves the header form current (issue 17); their
    # header edit makes it stale.
    update_detail(world.code, world.actual_detail.id, 1, {"tax": Decimal("0.00")})
    update_header(world.code, version, {"name": "Renamed by someone else"})
    response = post(client, f"/invoices/{world.code}/header",
                    {"version": version, "freight_amount": "10.00"})
    assert response.status_code == 409
    assert "Someone else changed this invoice" in response.get_data(as_text=True)
    assert world.invoice().freight_amount == Decimal("0.00")


def test_rename_a_line(client, world):
    line, version = world.tm_line, world.tm_line.version
    response = post(client, f"/invoices/{world.code}/lines/{line.id}",
                    {"version": version, "name": "Build, March"})
    assert response.status_code == 200
    assert 'value="Build, March"' in response.get_data(as_text=True)
    response = post(client, f"/invoices/{world.code}/lines/{line.id}",
                    {"version": version, "name": "Stale"})
    assert response.status_code == 409


# ---------------------------------------------------------------- actions

ACTIONS = ("action-recalculate", "action-refresh", "action-submit-review", "action-back-to-draft",
           "action-confirm", "action-mark-paid", "action-delete", "action-new-detail")


@pytest.mark.parametrize("state, shown", [
    ("draft", {"action-recalculate", "action-refresh", "action-submit-review", "action-confirm",
               "action-delete", "action-new-detail"}),
    ("in_review", {"action-recalculate", "action-back-to-draft", "action-confirm",
                   "action-delete", "action-new-detail"}),
    ("confirmed", {"action-mark-paid"}),
    ("paid", set()),
])
def test_actions_are_shown_only_when_allowed(client, world, state, shown):
    if state == "in_review":
        submit_for_review(world.code)
    if state in ("confirmed", "paid"):
        confirm_invoice(world.code)
    if state == "paid":
        mark_paid(world.code, dt.date(2026, 4, 15))
    html = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert {a for a in ACTIONS if f'data-testid="{a}"' in html} == shown
    assert 'hx-confirm="Confirm invoice' in html if "action-confirm" in shown else True


def test_confirm_reloads_the_page_locked(client, world):
    response = post(client, f"/invoices/{world.code}/confirm", {})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/invoices/{world.code}"
    html = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert "Confirmed with invoice number 2026-0001. The invoice is now locked." in html
    assert 'id="invoice-header-form"' not in html


def test_a_refused_action_says_why(client, world):
    confirm_invoice(world.code)
    response = post(client, f"/invoices/{world.code}/confirm", {})
    assert response.status_code == 409
    assert "Only draft or in-review invoices can be confirmed" in response.get_data(as_text=True)
    response = post(client, f"/invoices/{world.code}/delete", {}, htmx=False)
    assert response.status_code == 409
    assert "Only draft or in-review invoices can be deleted" in response.get_data(as_text=True)


def test_review_round_trip_and_refresh(client, world):
    assert post(client, f"/invoices/{world.code}/submit-review", {}).status_code == 204
    assert world.invoice().project_invoice_status == "in_review"
    assert post(client, f"/invoices/{world.code}/refresh", {}).status_code == 409
    assert post(client, f"/invoices/{world.code}/back-to-draft", {}).status_code == 204
    response = post(client, f"/invoices/{world.code}/refresh", {}, htmx=False)
    assert response.status_code == 303
    html = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert "Refreshed: nothing new was ready to invoice." in html


def test_recalculate_shows_the_result_in_place(client, world):
    db.session.execute(db.update(Invoice).values(total_amount=Decimal("1.00")))
    db.session.commit()
    response = post(client, f"/invoices/{world.code}/recalculate", {})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Recalculated: the totals have been corrected." in html
    assert money(html, "invoice-total-amount") == ["10406.25"]
    html = post(client, f"/invoices/{world.code}/recalculate", {}).get_data(as_text=True)
    assert "Recalculated: the totals were already correct." in html


def test_mark_as_paid_asks_for_the_payment_date(client, world):
    confirm_invoice(world.code)
    html = client.get(f"/invoices/{world.code}/mark-paid", headers=HX).get_data(as_text=True)
    assert re.search(rf'name="paid_on"[^>]*value="{dt.date.today().isoformat()}"', html)
    response = post(client, f"/invoices/{world.code}/mark-paid", {"paid_on": "2026-03-01"})
    assert response.status_code == 422  # before the invoice date: next to the field
    response = post(client, f"/invoices/{world.code}/mark-paid", {"paid_on": "nope"})
    assert response.status_code == 422
    response = post(client, f"/invoices/{world.code}/mark-paid",
                    {"paid_on": "2026-04-20", "reference": "Bank 42"})
    assert response.status_code == 204
    invoice = world.invoice()
    assert (invoice.status, invoice.paid_on, invoice.payment_reference) == (
        "paid", dt.date(2026, 4, 20), "Bank 42")


def test_delete_goes_back_to_the_list(client, world):
    response = post(client, f"/invoices/{world.code}/delete", {})
    assert response.headers["HX-Redirect"] == "/invoices"
    assert client.get(f"/invoices/{world.code}").status_code == 404
    assert db.session.scalar(select(Actual.status)) == "ready"


# ---------------------------------------------------------------- large invoices

def _many_details(world, count):
    """`count` more chargeable details on the T&M line, inserted in one statement."""
    db.session.execute(insert(InvoiceLineDetail), [
        {"invoice_id": world.tm_line.invoice_id, "invoice_line_id": world.tm_line.id,
         "transaction_class": "fee", "billing_type": "chargeable", "description": f"Fee {i}",
         # Dated out of the order they were added in, as refreshed rows are.
         "start_date": dt.date(2026, 3, 1) + dt.timedelta(days=(count - i) % 28),
         "quantity": Decimal(1), "price": Decimal(10), "amount": Decimal("10.00"),
         "tax": Decimal("2.50"), "extended_amount": Decimal("12.50")} for i in range(count)])
    recalculate(world.invoice())
    db.session.commit()


def test_details_load_a_page_at_a_time(client, world):
    _many_details(world, 119)  # 120 chargeable with the actual's
    html = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    line = world.tm_line.id
    chargeable = html[html.index(f'id="line-{line}-chargeable"'):]
    chargeable = chargeable[:chargeable.index("</tbody>")]
    assert chargeable.count('data-testid="detail-row"') == 50
    assert "(120)" in chargeable and "70 details not shown yet" in chargeable
    more = re.search(r'hx-get="([^"]+)"', chargeable[chargeable.index('data-testid="details-more"'):])
    page2 = client.get(more.group(1).replace("&amp;", "&"), headers=HX).get_data(as_text=True)
    assert page2.count('data-testid="detail-row"') == 50 and "20 details not shown yet" in page2
    more = re.search(r'hx-get="([^"]+)"', page2[page2.index('data-testid="details-more"'):])
    page3 = client.get(more.group(1).replace("&amp;", "&"), headers=HX).get_data(as_text=True)
    assert page3.count('data-testid="detail-row"') == 20 and "details-more" not in page3
    ids = [int(i) for i in re.findall(r'id="detail-(\d+)"', chargeable + page2 + page3)]
    # Paged in the order shown: by date, then as added — every row once.
    shown = db.session.execute(select(InvoiceLineDetail.id).where(
        InvoiceLineDetail.invoice_line_id == line, InvoiceLineDetail.billing_type == "chargeable")
        .order_by(InvoiceLineDetail.start_date, InvoiceLineDetail.id)).scalars().all()
    assert len(set(ids)) == 120 and ids == shown


def test_a_large_invoice_opens_in_a_fixed_number_of_queries(client, world):
    _many_details(world, 300)
    code = world.code
    db.session.remove()
    before = len(get_recorded_queries())
    assert client.get(f"/invoices/{code}").status_code == 200
    # Invoice, lines, invoiced to date, every group's first page with its count (one window
    # query), and — since some rows are backed by nothing — six lists for their selects.
    assert len(get_recorded_queries()) - before <= 11  # …and one for the history


def test_an_edit_needs_a_fixed_number_of_queries(client, world):
    _many_details(world, 300)
    url = detail_url(world, world.actual_detail)
    db.session.remove()
    before = len(get_recorded_queries())
    assert post(client, url, {"version": 1, "tax": "1.00"}).status_code == 200
    assert len(get_recorded_queries()) - before <= 20


# ---------------------------------------------------------------- roles

@pytest.mark.parametrize("role, offered", [
    ("viewer", set()),
    ("reviewer", {"action-recalculate", "action-refresh", "action-submit-review",
                  "action-new-detail"}),
    ("billing_manager", {"action-recalculate", "action-refresh", "action-submit-review",
                         "action-confirm", "action-delete", "action-new-detail"}),
])
def test_the_page_offers_what_the_role_may_do(app, client, world, role, offered):
    from app.services.users import create_user
    app.config["LOGIN_DISABLED"] = False
    create_user(f"{role}@example.com", "a long enough password", role)
    client.post("/login", data={"email": f"{role}@example.com",
                                "password": "a long enough password"})

    html = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert {a for a in ACTIONS if f'data-testid="{a}"' in html} == offered
    content = html[html.index('id="invoice-header"'):]
    assert ("<input" in content) is (role != "viewer")
