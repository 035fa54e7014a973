"""A customer's e-invoice settings (issue 16): the profile, the electronic address with its
scheme (checked by python-stdnum where it knows the scheme), the legal registration (a CVR
number in Denmark) and the VAT treatment — the same checks on the setup page and in the
import."""

import pytest

from app.billing.identifiers import (INCOMPLETE, INVALID, UNKNOWN_SCHEME, endpoint_problem,
                                     registration_problem)
from app.extensions import db
from app.models import Customer
from app.services import ServiceError
from app.services.importer import ImportRejected, import_data
from app.services.reference import CustomerValues, create_customer

BASE = dict(name="Nordisk Byg A/S", email="faktura@nordiskbyg.example", street="Havnegade 1",
            postal_code="1058", city="København K", country="DK")


@pytest.mark.parametrize("scheme, identifier, problem", [
    ("", "", None), ("0184", "13585628", None), ("0184", "13585627", INVALID),
    ("0184", "", INCOMPLETE), ("", "13585628", INCOMPLETE), ("1234", "x", UNKNOWN_SCHEME),
    ("0088", "5790000436057", None), ("0088", "5790000436058", INVALID),
    ("0198", "DK13585627", INVALID), ("0198", "13585628", None),
    ("0230", "C2584563200", None),  # a scheme stdnum does not check: taken as given
])
def test_an_electronic_address_is_checked_by_its_scheme(scheme, identifier, problem):
    assert endpoint_problem(scheme, identifier) == problem


def test_a_danish_registration_is_a_cvr_number():
    assert registration_problem("DK", "13585628") is None
    assert registration_problem("DK", "12345678") == INVALID
    assert registration_problem("MY", "201901234567") is None
    assert registration_problem("DK", "") is None


def test_the_setup_refuses_each_bad_setting_next_to_its_field(app):
    cases = [({"endpoint_scheme": "0184", "endpoint_id": "13585627"}, "endpoint_id",
              "not a valid DK CVR"),
             ({"endpoint_scheme": "0184"}, "endpoint_id", "give both"),
             ({"endpoint_scheme": "12", "endpoint_id": "x"}, "endpoint_scheme", "scheme we know"),
             ({"einvoice_profile": "peppol"}, "endpoint_id", "needs an electronic address"),
             ({"registration_id": "12345678"}, "registration_id", "CVR number"),
             ({"vat_treatment": "exempt"}, "vat_exemption_reason", "exempt from VAT"),
             ({"einvoice_profile": "pdf"}, "einvoice_profile", "Choose one")]
    for extra, field, text in cases:
        with pytest.raises(ServiceError, match=text) as refused:
            create_customer(CustomerValues(**BASE, **extra))
        assert refused.value.field == field
    assert db.session.query(Customer).count() == 0
    customer = create_customer(CustomerValues(
        **BASE, einvoice_profile="peppol", endpoint_scheme="0184", endpoint_id="13585628",
        registration_id="13585628", vat_treatment="exempt",
        vat_exemption_reason="Momsfritaget efter momslovens § 13"))
    assert (customer.einvoice_profile, customer.endpoint_scheme, customer.endpoint_id,
            customer.registration_id, customer.vat_treatment) == (
        "peppol", "0184", "13585628", "13585628", "exempt")


def _file(**customer):
    return {"format": "project-invoicing/1", "customers": [{
        "key": "nb", "name": "Nordisk Byg A/S", "email": "faktura@nordiskbyg.example",
        "bill_to": {"street": "Havnegade 1", "postal_code": "1058", "city": "København K",
                    "country": "DK"}, **customer}]}


def test_the_import_takes_the_settings_and_refuses_bad_ones_by_path(app):
    with pytest.raises(ImportRejected) as rejected:
        import_data(_file(einvoice_profile="peppol", endpoint_scheme="0184",
                          endpoint_id="13585627", registration_id="12345678",
                          vat_treatment="exempt"))
    assert rejected.value.errors == [
        "customers[0].endpoint_id: '13585627' is not a valid identifier of scheme 0184",
        "customers[0].registration_id: a Danish registration number is a CVR number: 8 digits "
        "with a valid check digit",
        "customers[0].vat_exemption_reason: required when vat_treatment is 'exempt'"]
    with pytest.raises(ImportRejected) as rejected:
        import_data(_file(einvoice_profile="oioubl"))
    assert rejected.value.errors == [
        "customers[0].endpoint_id: required when einvoice_profile is 'oioubl'"]
    import_data(_file(einvoice_profile="peppol", endpoint_scheme="0184", endpoint_id="13585628",
                      registration_id="13585628"))
    customer = db.session.query(Customer).one()
    assert (customer.einvoice_profile, customer.endpoint_id, customer.vat_treatment) == (
        "peppol", "13585628", "standard")


def test_status_names_what_e_invoices_miss_and_a_seller_address_that_is_wrong(app, runner):
    app.config.update(EINVOICE_RULES_DIR="")
    assert "EINVOICE_RULES_DIR unset" in runner.invoke(args=["status"]).output
    app.config.update(EINVOICE_RULES_DIR="/srv/einvoice", COMPANY_ENDPOINT_SCHEME="0184",
                      COMPANY_ENDPOINT_ID="12345678", COMPANY_COUNTRY="DK",
                      COMPANY_REGISTRATION_ID="12345678")
    output = runner.invoke(args=["status"]).output
    assert "E-invoices: rules from /srv/einvoice; COMPANY_STREET" in output
    assert "COMPANY_ENDPOINT_ID 12345678 is not a valid electronic address" in output
    assert "COMPANY_REGISTRATION_ID is not a valid CVR number" in output
    app.config.update(COMPANY_ENDPOINT_ID="13585628", COMPANY_REGISTRATION_ID="13585628")
    output = runner.invoke(args=["status"]).output
    assert "not a valid" not in output
