"""The invoice list and the invoice page (the editor's own behaviour: test_editor*.py)."""

import datetime as dt
import re
from decimal import Decimal

from app.extensions import db
from app.invoices import page as invoice_page
from app.services.invoicing import recalculate
from app.services.lifecycle import confirm_invoice, mark_paid
from tests.factories import (make_actual, make_category, make_contract, make_customer,
                             make_fixed_price_line, make_product, make_product_line, make_project,
                             make_tm_line)
from tests.web.helpers import (add_actual_detail, add_line, add_milestone_detail,
                                add_product_line, make_invoice, page)


def _invoice(currency="DKK", tax_rate=Decimal("25"), **kw):
    """A draft with a T&M line (one detail per billing type), a fixed-price line and a product."""
    customer = make_customer(name="Acme ApS")
    contract = make_contract(customer=customer, currency=currency, tax_rate=tax_rate,
                             name="Website 2026")
    tm = make_tm_line(contract, make_project(customer=customer), name="Build")
    fixed = make_fixed_price_line(contract, make_project(customer=customer), name="Design phase",
                                  milestones=[(dt.date(2026, 3, 1), Decimal("1000.00"))])
    product = make_product_line(contract, product=make_product(name="Licence"),
                                quantity=Decimal("2"), price=Decimal("100.00"))
    invoice = make_invoice(contract, **kw)
    tm_line = add_line(invoice, tm)
    add_actual_detail(tm_line, make_actual(tm, quantity=Decimal("7.5"), price=Decimal("950.00"),
                                           internal_comment="Build the checkout"))
    add_actual_detail(tm_line, make_actual(tm, transaction_class="expense", quantity=Decimal("1"),
                                           price=Decimal("300.00"), description="Train ticket",
                                           category=make_category()),
                      billing_type="non_chargeable")
    add_actual_detail(tm_line, make_actual(tm, quantity=Decimal("1"), price=Decimal("950.00"),
                                           internal_comment="Free workshop"),
                      billing_type="complimentary")
    add_milestone_detail(add_line(invoice, fixed), fixed.milestones[0])
    add_product_line(invoice, product)
    recalculate(invoice)
    return invoice


def test_invoice_page_shows_header_and_totals_with_page_hooks(client):
    invoice = _invoice()
    db.session.commit()

    html = page(client.get(f"/invoices/{invoice.code}"))
    assert invoice.code in html and "Website 2026" in html and "Acme ApS" in html
    # 7125 + 1000 + 200 = 8325.00; tax 1781.25 + 250 + 50 = 2081.25
    expected = {"invoice-detail-amount": "8325.00", "invoice-discount-amount": "0.00",
                "invoice-pre-freight-amount": "8325.00", "invoice-freight-amount": "0.00",
                "invoice-total-tax": "2081.25", "invoice-total-amount": "10406.25"}
    for testid, value in expected.items():
        assert f'data-testid="{testid}" data-value="{value}"' in html, testid
    assert "DKK10,406.25" in html
    assert re.search(r'data-testid="invoice-status"[^>]*>Active<', html)
    assert re.search(r'data-testid="invoice-project-status"[^>]*>Draft<', html)


def test_invoice_page_has_one_element_per_line_with_its_amounts(client):
    invoice = _invoice()
    db.session.commit()

    html = page(client.get(f"/invoices/{invoice.code}"))
    assert html.count('data-testid="invoice-line"') == 3
    amounts = re.findall(r'data-testid="line-amount" data-value="([^"]+)"', html)
    taxes = re.findall(r'data-testid="line-tax" data-value="([^"]+)"', html)
    extended = re.findall(r'data-testid="line-extended-amount" data-value="([^"]+)"', html)
    assert amounts == ["7125.00", "1000.00", "200.00"]
    assert taxes == ["1781.25", "250.00", "50.00"]
    assert extended == ["8906.25", "1250.00", "250.00"]
    assert "Licence" in html


def test_time_and_material_details_are_grouped_by_billing_type(client):
    invoice = _invoice()
    db.session.commit()
    details = {d.billing_type: d for d in invoice.lines[0].details}  # the T&M line

    html = page(client.get(f"/invoices/{invoice.code}"))
    assert html.count('data-testid="detail-row"') == 4
    for detail in details.values():
        assert f'<tr data-testid="detail-row" id="detail-{detail.id}"' in html
    positions = [html.index(f'id="detail-{details[t].id}"')
                 for t in ("chargeable", "non_chargeable", "complimentary")]
    assert positions == sorted(positions)
    line_id = invoice.lines[0].id
    for group, label in (("chargeable", "Chargeable"), ("non_chargeable", "Non-chargeable"),
                         ("complimentary", "Complimentary")):
        assert re.search(rf'{label}\s*<span class="count" id="line-{line_id}-{group}-count">\(1\)</span>',
                         html), group
    assert "Build the checkout" in html and "Train ticket" in html and "Free workshop" in html
    row = html[html.index(f'id="detail-{details["non_chargeable"].id}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-testid="detail-amount" data-value="300.00"' in row
    assert 'data-testid="detail-tax" data-value="75.00"' in row
    assert 'data-testid="detail-extended-amount" data-value="375.00"' in row
    assert details["non_chargeable"].category.name in row


def _invoice_content(html: str) -> str:
    """The page without its actions bar (whose buttons are forms)."""
    content = html[html.index("<main"):]
    return content[:content.index('id="invoice-actions"')] + content[content.index('id="invoice-messages"'):]


def test_a_draft_invoice_page_is_an_editor(client):
    invoice = _invoice()
    db.session.commit()

    content = _invoice_content(page(client.get(f"/invoices/{invoice.code}")))
    assert 'id="invoice-header-form"' in content
    assert re.search(r'<select class="cell" name="billing_type"', content)
    assert 'name="version"' in content


def test_confirmed_and_paid_invoices_render_read_only(client, monkeypatch):
    # Aged on its invoice date: not overdue, so the payments card offers no Send reminder.
    monkeypatch.setattr(invoice_page, "today", lambda: dt.date(2026, 4, 1))
    invoice = _invoice()
    db.session.commit()
    confirm_invoice(invoice.code, now=dt.datetime(2026, 4, 1))

    content = _invoice_content(page(client.get(f"/invoices/{invoice.code}")))
    assert not re.search(r"<(input|select|textarea|form)\b", content)
    assert content.count('data-testid="detail-row"') == 4

    mark_paid(invoice.code, dt.date(2026, 4, 15))
    content = _invoice_content(page(client.get(f"/invoices/{invoice.code}")))
    assert not re.search(r"<(input|select|textarea|form)\b", content)
    assert 'data-testid="invoice-paid-on"' in content


def test_invoice_page_in_danish_formats_money_the_danish_way(client):
    invoice = _invoice()
    db.session.commit()
    client.post("/language", data={"language": "da"})

    html = page(client.get(f"/invoices/{invoice.code}"))
    assert "10.406,25\xa0kr." in html
    assert 'data-value="10406.25"' in html
    assert "Beløb i alt" in html and "Moms i alt" in html and "Fakturerbar" in html


def test_invoiced_to_date_counts_earlier_confirmed_invoices_of_the_line(client):
    contract = make_contract()
    tm = make_tm_line(contract, make_project())
    earlier = make_invoice(contract)
    earlier_line = add_line(earlier, tm)
    add_actual_detail(earlier_line, make_actual(tm, quantity=Decimal("2"), price=Decimal("432.10")))
    add_actual_detail(earlier_line, make_actual(tm, price=Decimal("1.00")),
                      billing_type="non_chargeable")
    draft = make_invoice(contract)
    add_line(draft, tm)
    db.session.commit()
    confirm_invoice(earlier.code, now=dt.datetime(2026, 4, 1))

    html = page(client.get(f"/invoices/{draft.code}"))
    assert "DKK864.20" in html
    assert "No details on this line." in html


def test_unknown_invoice_is_not_found(client):
    assert client.get("/invoices/PRO-999999").status_code == 404


def test_invoice_list_shows_invoices_newest_first_without_a_new_button(client):
    first = _invoice(invoice_date=dt.date(2026, 1, 31))
    second = _invoice(invoice_date=dt.date(2026, 2, 28))
    db.session.commit()

    html = page(client.get("/invoices"))
    assert html.index(second.code) < html.index(first.code)
    assert first.contract.number in html and "Acme ApS" in html and "Jan 31, 2026" in html
    assert 'data-value="10406.25"' in html
    assert "New invoice" not in html and 'method="post"' not in html[html.index("<main"):]


def test_invoice_list_filters_by_status_project_status_and_customer(client):
    draft = _invoice()
    confirmed = _invoice(project_invoice_status="confirmed", number="2026-0001")
    paid = _invoice(project_invoice_status="confirmed", number="2026-0002", status="paid",
                    paid_on=dt.date(2026, 4, 1))
    db.session.commit()

    def codes(query):
        html = page(client.get(f"/invoices?{query}"))
        return {i.code for i in (draft, confirmed, paid) if f">{i.code}</a>" in html}

    assert codes("") == {draft.code, confirmed.code, paid.code}
    assert codes("status=paid") == {paid.code}
    assert codes("project_invoice_status=confirmed") == {confirmed.code, paid.code}
    assert codes("project_invoice_status=draft") == {draft.code}
    assert codes(f"customer={draft.customer_id}") == {draft.code}


def test_invoice_list_filters_by_contract(client):
    first, second = _invoice(), _invoice()
    db.session.commit()

    html = page(client.get(f"/invoices?contract={second.contract.number}"))
    assert f">{second.code}</a>" in html and f">{first.code}</a>" not in html
    assert f'<option value="{first.contract.number}">' in html  # offered in the filter


def test_invoice_list_sorts_by_date_and_amount(client):
    contract = make_contract()
    small = make_invoice(contract, invoice_date=dt.date(2026, 2, 1), total_amount=Decimal("10.00"))
    large = make_invoice(contract, invoice_date=dt.date(2026, 1, 1), total_amount=Decimal("900.00"))
    middle = make_invoice(contract, invoice_date=dt.date(2026, 3, 1), total_amount=Decimal("50.00"))
    db.session.commit()

    def order(sort):
        html = page(client.get(f"/invoices?sort={sort}"))
        return sorted((small, large, middle), key=lambda i: html.index(f">{i.code}</a>"))

    assert order("-date") == [middle, small, large]
    assert order("date") == [large, small, middle]
    assert order("-amount") == [large, middle, small]
    assert order("amount") == [small, middle, large]
    # The column headings sort, keeping the filters; a second click reverses the order.
    html = page(client.get(f"/invoices?contract={contract.number}&sort=-amount"))
    assert f'href="/invoices?contract={contract.number}&amp;sort=amount"' in html


def test_invoice_list_paginates(app, client):
    app.config["PAGE_SIZE"] = 1
    contract = make_contract()
    older = make_invoice(contract, invoice_date=dt.date(2026, 1, 1))
    newer = make_invoice(contract, invoice_date=dt.date(2026, 2, 1))
    db.session.commit()

    assert newer.code in page(client.get("/invoices")) and older.code not in page(client.get("/invoices"))
    assert older.code in page(client.get("/invoices?page=2"))


def test_contract_page_lists_its_invoices(client):
    invoice = _invoice()
    db.session.commit()
    html = page(client.get(f"/contracts/{invoice.contract.number}"))
    assert f'href="/invoices/{invoice.code}"' in html and "DKK10,406.25" in html
