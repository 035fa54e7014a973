"""Shared data setups ("worlds") of the service and page tests: each writes a small,
known company or invoice and returns what the tests look at. Test modules import from
here (and from tests/factories.py), never from each other."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert, select

from app.extensions import db
from app.models import Actual, ContractLineClass, Invoice, InvoiceLineDetail, Role
from app.services.editing import add_detail
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import confirm_invoice
from tests.factories import (EACH, HOUR, make_actual, make_category, make_contract, make_customer,
                             make_fixed_price_line, make_price_list, make_product_line,
                             make_project, make_resource, make_role, make_tm_line)

# ---------------------------------------------------------------- an import file

def company() -> dict:
    """A small company that imports cleanly: one DKK contract with a T&M line (time and
    expense, at its own 20 % tax rate), a fixed-price line and a product line."""
    return {
        "format": "project-invoicing/1",
        "customers": [{"key": "acme", "name": "Acme ApS", "email": "ap@acme.example",
                       "bill_to": {"street": "Vestergade 1", "postal_code": "8000",
                                   "city": "Aarhus", "country": "dk"}}],
        "roles": [{"key": "dev", "name": "Developer", "chargeable": True},
                  {"key": "trainee", "name": "Trainee", "chargeable": False}],
        "resources": [{"key": "ana", "name": "Ana"}],
        "categories": [{"key": "hotel", "name": "Hotel"}],
        "products": [{"key": "lic", "name": "Licence", "price": "100.00"}],
        "price_lists": [{"key": "dkk", "name": "DKK 2026", "currency": "DKK",
                         "role_prices": [{"role": "dev", "unit": "hour", "price": "950.00"},
                                         {"role": "trainee", "unit": "hour", "price": "400.00"}],
                         "category_prices": [{"category": "hotel", "unit": "each",
                                              "price": "1200.00"}]}],
        "projects": [{"key": "web", "name": "Website", "customer": "acme",
                      "tasks": [{"key": "design", "name": "Design"}]}],
        "contracts": [{
            "key": "c1", "name": "Website 2026", "customer": "acme", "currency": "DKK",
            "price_list": "dkk", "opportunity": "OPP-1", "tax_rate": "25",
            "lines": [
                {"key": "l1", "name": "Build", "billing_method": "time_and_material",
                 "project": "web", "classes": ["time", "expense"], "amount": "100000.00",
                 "tax_rate": "20",
                 "schedule": {"frequency": "monthly", "days": [31], "start": "2026-01-01"}},
                {"key": "l2", "name": "Design phase", "billing_method": "fixed_price",
                 "project": "web", "amount": "50000.00",
                 "milestones": [
                     {"key": "m1", "name": "Sign-off", "date": "2026-03-01",
                      "amount": "25000.00", "status": "ready"},
                     {"key": "m2", "name": "Launch", "date": "2026-06-01",
                      "amount": "25000.00", "tax": "6250.00"}]},
                {"key": "l3", "billing_method": "product", "product": "lic", "quantity": "2",
                 "status": "ready"}]}],
        "actuals": [
            {"key": "a1", "project": "web", "task": "design", "class": "time",
             "date": "2026-02-03", "role": "dev", "resource": "ana", "quantity": "7.5",
             "unit": "hour", "internal_comment": "Wireframes", "external_comment": "Design",
             "status": "ready"},
            {"key": "a2", "project": "web", "class": "time", "date": "2026-02-04",
             "role": "trainee", "resource": "ana", "quantity": "2", "unit": "hour"},
            {"key": "a3", "project": "web", "class": "expense", "date": "2026-02-06",
             "category": "hotel", "quantity": "2", "unit": "each", "tax": "300.00",
             "description": "Hotel, two nights", "status": "ready"},
            {"key": "a4", "project": "web", "class": "fee", "date": "2026-02-07",
             "quantity": "1", "unit": "each", "price": "250.00"}],
    }


# ---------------------------------------------------------------- an invoice to edit

EDIT_CUTOFF = dt.date(2026, 3, 31)


class World:
    """A DKK contract (25 % tax) with a T&M line for time and expense, a fixed-price line
    with a milestone and a product line, invoiced once."""

    def __init__(self, currency="DKK"):
        self.role = make_role(name=f"Developer {currency}")
        self.hotel = make_category(name=f"Hotel {currency}")
        price_list = make_price_list(currency, role_prices=[(self.role, Decimal("1000.00"))],
                                     category_prices=[(self.hotel, Decimal("1200.00"))])
        contract = make_contract(key=f"c-{currency}", currency=currency, price_list=price_list)
        self.project = make_project(customer=contract.customer, tasks=("Build", "Test"))
        self.other_project = make_project(tasks=("Elsewhere",))
        tm = make_tm_line(contract, self.project, classes=("time", "expense"), key=f"tm-{currency}")
        make_fixed_price_line(contract, self.project, key=f"fp-{currency}",
                              milestones=[(dt.date(2026, 3, 1), Decimal("1000"))])
        make_product_line(contract, key=f"p-{currency}")
        price = Decimal("950.00") if currency != "JPY" else Decimal("950")
        make_actual(tm, key=f"a1-{currency}", price=price)
        db.session.commit()
        invoice = create_invoice(f"c-{currency}", InvoiceParameters(cutoff=EDIT_CUTOFF),
                                 today=dt.date(2026, 4, 1))
        self.code = invoice.code
        lines = {line.billing_method: line for line in invoice.lines}
        self.tm_line, self.fp_line, self.product_line = (
            lines["time_and_material"], lines["fixed_price"], lines["product"])
        details = {d.backing: d for d in db.session.scalars(select(InvoiceLineDetail))}
        self.actual_detail, self.milestone_detail = details["actual"], details["milestone"]

    def invoice(self) -> Invoice:
        db.session.expire_all()
        return db.session.scalars(select(Invoice).where(Invoice.code == self.code)).one()

    def detail(self, detail_id: int) -> InvoiceLineDetail:
        db.session.expire_all()
        return db.session.get(InvoiceLineDetail, detail_id)

    def add_time(self, **values) -> InvoiceLineDetail:
        values = {"description": "Extra workshop", "quantity": Decimal("2"), "unit": HOUR,
                  "role": self.role.id, **values}
        return self.detail(add_detail(self.code, self.tm_line.id, "time", values).detail_id)

    def add_material(self, **values) -> InvoiceLineDetail:
        """A material detail: the T&M line includes material from now on."""
        db.session.add(ContractLineClass(contract_line_id=self.tm_line.contract_line_id,
                                         project_id=self.project.id, transaction_class="material"))
        db.session.commit()
        values = {"description": "Cables", "quantity": Decimal("2"), "unit": EACH,
                  "price": Decimal("10.00"), **values}
        return self.detail(add_detail(self.code, self.tm_line.id, "material", values).detail_id)


# ---------------------------------------------------------------- the invoice document

DOCUMENT_TODAY = dt.date(2026, 4, 1)
EXTERNAL = ["Development of the order API", "Hotel, one night", "Design sign-off"]


def document_invoice(language: str = "en", currency: str = "DKK", tax_rate: Decimal = Decimal("25"),
                     *, confirm: bool = True, hide_non_chargeable: bool = False,
                     time_annex: bool = False, email: str = "ap@customer.example") -> Invoice:
    """An invoice with a T&M line (time chargeable, non-chargeable and complimentary, an
    expense), a fixed-price line with a milestone and a product line.

    Chargeable: 7.5 h × 950 = 7,125 · expense 1,200 · milestone 5,000 · product 2 × 100 = 200.
    """
    customer = make_customer(name=f"Kunde {language}", language=language, email=email,
                             hide_non_chargeable=hide_non_chargeable, time_annex=time_annex,
                             tax_registration_id="DK12345678")
    contract = make_contract(customer=customer, currency=currency, tax_rate=tax_rate,
                             price_list=make_price_list(currency), name="Website 2026",
                             opportunity="OPP-0042")
    project = make_project(customer=customer, name="Website")
    tm = make_tm_line(contract, project, name="Build")
    fixed = make_fixed_price_line(contract, project, name="Design",
                                  milestones=[(dt.date(2026, 3, 1), Decimal("5000.00"))])
    fixed.milestones[0].external_description = "Design sign-off"
    make_product_line(contract, quantity=Decimal("2"), price=Decimal("100.00"))
    developer = (db.session.scalar(select(Role).where(Role.name == "Developer"))
                 or make_role(name="Developer"))
    ana = make_resource(name="Ana Hansen")
    make_actual(tm, date=dt.date(2026, 3, 2), role=developer, resource=ana,
                internal_comment="Internal: refactor the legacy mess",
                external_comment="Development of the order API")
    make_actual(tm, date=dt.date(2026, 3, 3), quantity=Decimal("1"), role=developer, resource=ana,
                billing_type="non_chargeable", internal_comment="Onboarding (internal)",
                external_comment="Onboarding call")
    make_actual(tm, date=dt.date(2026, 3, 4), quantity=Decimal("2"), role=developer, resource=ana,
                billing_type="complimentary", internal_comment="Goodwill (internal)",
                external_comment="Extra design review")
    make_actual(tm, transaction_class="expense", date=dt.date(2026, 3, 5), quantity=Decimal("1"),
                price=Decimal("1200.00"), description="Hotel, one night")
    db.session.commit()
    invoice = create_invoice(contract.number, InvoiceParameters(cutoff=dt.date(2026, 3, 31)),
                             today=DOCUMENT_TODAY)
    if confirm:
        invoice = confirm_invoice(invoice.code)
    return invoice


# About 35 one-line rows fit on an A4 page: this many make a document of 40-odd pages.
LONG_INVOICE_ROWS = 1450


def long_invoice(rows: int = LONG_INVOICE_ROWS, language: str = "en", *, confirm: bool = True,
                 customer_name: str = "Long Invoice Ltd", days_per_date: int = 17) -> Invoice:
    """A confirmed invoice (a draft with `confirm=False`) with `rows` time details on one T&M
    line, `days_per_date` details a day (actuals bulk-inserted); also used by
    bench/document.py and the long-PDF tests."""
    customer = make_customer(name=customer_name, language=language)
    contract = make_contract(customer=customer, name="Maintenance 2026")
    project = make_project(customer=customer, name="Platform")
    line = make_tm_line(contract, project, name="Maintenance", classes=("time",))
    role, resource = make_role(), make_resource()
    start = dt.date(2026, 1, 1)
    db.session.execute(insert(Actual), [
        {"project_id": project.id, "contract_line_id": line.id, "transaction_class": "time",
         "date": start + dt.timedelta(days=i // days_per_date), "role_id": role.id,
         "resource_id": resource.id, "unit_id": 1, "quantity": Decimal("1.5"),
         "price": Decimal("800.00"), "currency": "DKK", "amount": Decimal("1200.00"),
         "tax": Decimal("300.00"), "billing_type": "chargeable",
         "internal_comment": f"Ticket {i}", "external_comment": f"Work package {i + 1:04d}",
         "status": "ready"} for i in range(rows)])
    db.session.commit()
    invoice = create_invoice(contract.number, InvoiceParameters(cutoff=dt.date(2026, 3, 31)),
                             today=dt.date(2026, 4, 1))
    return confirm_invoice(invoice.code) if confirm else invoice
