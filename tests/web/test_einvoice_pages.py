"""E-invoices where users get them (issue 16): the invoice page's card (valid with its
download, or each failed rule with what to do, or how to configure the rules), the UBL
download, the CLI, and the e-invoice attached to "Send to customer"."""

import pytest
from lxml import etree

from app.extensions import db
from app.models import Customer, InvoiceSend
from app.services import ServiceError
from app.services.mailing import send_invoice
from tests.einvoice_worlds import configure_seller, einvoice_invoice
from tests.web.helpers import error_next_to

HX = {"HX-Request": "true"}
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"


def test_a_valid_invoice_offers_its_e_invoice_and_the_download_is_the_xml(app, client):
    configure_seller(app)
    invoice = einvoice_invoice()
    page = client.get(f"/invoices/{invoice.code}").get_data(as_text=True)
    assert 'id="invoice-einvoice"' in page and "hx-trigger=\"load\"" in page
    card = client.get(f"/invoices/{invoice.code}/einvoice", headers=HX).get_data(as_text=True)
    assert 'data-valid="true"' in card and 'data-profile="peppol"' in card
    assert 'data-testid="action-einvoice-download"' in card
    answer = client.get(f"/invoices/{invoice.code}.xml")
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    assert f"invoice-{invoice.number}-peppol.xml" in answer.headers["Content-Disposition"]
    root = etree.fromstring(answer.data)
    assert root.tag == f"{{{UBL_INVOICE}}}Invoice"
    assert root.findtext("{*}ID") == invoice.number
    oioubl = client.get(f"/invoices/{invoice.code}/einvoice?profile=oioubl", headers=HX)
    assert 'data-profile="oioubl"' in oioubl.get_data(as_text=True)


def test_a_customer_without_an_electronic_address_sees_the_rule_and_the_fix(app, client):
    configure_seller(app)
    invoice = einvoice_invoice(endpoint=False)
    card = client.get(f"/invoices/{invoice.code}/einvoice", headers=HX).get_data(as_text=True)
    assert 'data-valid="false"' in card
    assert 'data-rule="PEPPOL-EN16931-R010"' in card
    assert "set it on the customer" in card
    assert "action-einvoice-download" not in card
    answer = client.get(f"/invoices/{invoice.code}.xml")
    assert answer.status_code == 422
    assert "PEPPOL-EN16931-R010" in answer.get_data(as_text=True)


def test_without_the_rules_directory_the_page_says_how_to_configure_it(app, client):
    configure_seller(app)
    invoice = einvoice_invoice()
    app.config["EINVOICE_RULES_DIR"] = ""
    card = client.get(f"/invoices/{invoice.code}/einvoice", headers=HX).get_data(as_text=True)
    assert 'data-testid="einvoice-unavailable"' in card and "EINVOICE_RULES_DIR" in card
    assert client.get(f"/invoices/{invoice.code}.xml").status_code == 503


def test_a_draft_has_no_e_invoice(app, client, runner):
    configure_seller(app)
    draft = einvoice_invoice(confirm=False)
    result = runner.invoke(args=["invoices", "export", draft.code, "--format", "ubl"])
    assert result.exit_code == 1 and "draft" in result.stderr
    assert 'id="invoice-einvoice"' not in client.get(f"/invoices/{draft.code}").get_data(
        as_text=True)
    assert client.get(f"/invoices/{draft.code}.xml").status_code == 404
    assert client.get(f"/invoices/{draft.code}/einvoice").status_code == 404


def test_the_cli_writes_the_valid_xml_or_names_each_failed_rule(app, runner):
    configure_seller(app)
    invoice = einvoice_invoice()
    result = runner.invoke(args=["invoices", "export", invoice.number, "--format", "ubl"])
    assert result.exit_code == 0, result.output
    assert etree.fromstring(result.stdout_bytes).findtext("{*}ID") == invoice.number
    result = runner.invoke(args=["invoices", "export", invoice.code, "--format", "oioubl"])
    assert result.exit_code == 0, result.output
    db.session.get(Customer, invoice.customer_id).endpoint_id = None
    db.session.get(Customer, invoice.customer_id).endpoint_scheme = None
    db.session.commit()
    result = runner.invoke(args=["invoices", "export", invoice.code, "--format", "ubl"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "PEPPOL-EN16931-R010" in result.stderr and "not valid" in result.stderr
    app.config["EINVOICE_RULES_DIR"] = ""
    result = runner.invoke(args=["invoices", "export", invoice.code, "--format", "ubl"])
    assert result.exit_code == 1 and "EINVOICE_RULES_DIR" in result.stderr


def test_send_to_customer_attaches_the_e_invoice_or_is_refused_when_it_is_not_valid(
        app, inbox):
    configure_seller(app)
    invoice = einvoice_invoice()
    send_invoice(invoice.code)
    [message] = inbox.messages
    kinds = sorted(a.get_content_type() for a in message.iter_attachments())
    assert kinds == ["application/pdf", "application/xml"]
    xml = next(a for a in message.iter_attachments() if a.get_content_type() == "application/xml")
    assert etree.fromstring(xml.get_content()).findtext("{*}ID") == invoice.number

    customer = db.session.get(Customer, invoice.customer_id)
    customer.endpoint_id = customer.endpoint_scheme = None
    db.session.commit()
    with pytest.raises(ServiceError, match="PEPPOL-EN16931-R010"):
        send_invoice(invoice.code)
    assert len(inbox.envelopes) == 1
    assert db.session.query(InvoiceSend).count() == 1  # the refusal sent and recorded nothing
    customer.einvoice_profile = "none"
    db.session.commit()
    send_invoice(invoice.code)
    assert [a.get_content_type() for a in inbox.messages[-1].iter_attachments()] == [
        "application/pdf"]


CUSTOMER = {"name": "Nordisk Byg A/S", "email": "faktura@nordiskbyg.example",
            "street": "Havnegade 1", "postal_code": "1058", "city": "København K",
            "country": "DK", "language": "da"}


def test_the_customer_page_takes_the_e_invoice_settings_and_refuses_next_to_the_field(
        app, client):
    answer = client.post("/setup/customers/new", data={
        **CUSTOMER, "einvoice_profile": "peppol", "endpoint_scheme": "0184",
        "endpoint_id": "13585627"})
    assert answer.status_code == 200  # the page again, with the error (422 for htmx)
    html = answer.get_data(as_text=True)
    assert "is not a valid DK CVR" in error_next_to(html, "endpoint_id")
    assert 'value="13585627"' in html  # what was typed stays
    answer = client.post("/setup/customers/new", data={
        **CUSTOMER, "einvoice_profile": "oioubl", "endpoint_scheme": "0184",
        "endpoint_id": "13585628", "registration_id": "13585628"})
    assert answer.status_code == 302
    customer = db.session.query(Customer).one()
    assert (customer.einvoice_profile, customer.endpoint_scheme, customer.endpoint_id) == (
        "oioubl", "0184", "13585628")
    page = client.get(f"/setup/customers/{customer.id}").get_data(as_text=True)
    assert '<option selected value="0184">' in page or 'value="0184" selected' in page
