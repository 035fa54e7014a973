"""The demo company of SPEC 9: three customers in three currencies and three languages,
contracts with all three billing methods, a few hundred actuals in mixed states and an
invoice in each state that matters: a draft to review, one confirmed and sent (now past
its due date), one paid.

Built as a data file in the import format, so the demo goes through the same validation,
pricing and billing-type rules as a customer's own import; the invoices go through the
same use cases as a user's (create, confirm, send, mark paid).
"""

import datetime as dt
import random
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Invoice, User
from app.services import ServiceError
from app.services.importer import import_data
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import confirm_invoice, mark_paid
from app.services.mailing import MailFailed, record_send, send_invoice
from app.services.users import create_user

DEMO_CUTOFF = dt.date(2026, 10, 31)
# The issued invoices: (contract, cut-off, invoice date). Both go out on their date;
# Sakura's is paid 19 days later, Maju's is not (overdue once its 30 days have passed).
PAID_INVOICE = ("sakura-pilot", dt.date(2026, 6, 30), dt.date(2026, 7, 1))
SENT_INVOICE = ("maju-erp", dt.date(2026, 9, 30), dt.date(2026, 10, 1))
PAID_AFTER = dt.timedelta(days=19)
DEMO_PASSWORD = "demo-password"
# One demo user per role, all with DEMO_PASSWORD.
DEMO_USERS = [("admin@demo.example", "admin", "Ada Admin"),
              ("billing@demo.example", "billing_manager", "Bo Billing"),
              ("reviewer@demo.example", "reviewer", "Rita Reviewer"),
              ("viewer@demo.example", "viewer", "Victor Viewer")]
SIGN_IN = ("Sign in as admin@demo.example with the password '" + DEMO_PASSWORD + "' "
           "(also billing@, reviewer@ and viewer@demo.example, same password).")


class DemoExists(ServiceError):
    pass


CUSTOMERS = [
    {"key": "havnefronten", "name": "Havnefronten A/S", "email": "faktura@havnefronten.example",
     "language": "da", "bill_to": {"street": "Havnegade 12", "postal_code": "1058", "city": "København K",
                 "country": "DK"},
     # Peppol through NemHandel, reached by a test CVR number (valid check digit).
     "tax_registration_id": "DK13585628", "registration_id": "13585628",
     "einvoice_profile": "peppol", "endpoint_scheme": "0184", "endpoint_id": "13585628"},
    {"key": "maju", "name": "Syarikat Maju Sdn. Bhd.", "email": "akaun@maju.example",
     "language": "ms", "bill_to": {"street": "Jalan Ampang 88", "postal_code": "50450", "city": "Kuala Lumpur",
                 "country": "MY"}},
    {"key": "sakura", "name": "Sakura Trading K.K.", "email": "ap@sakura.example",
     "bill_to": {"street": "2-1 Marunouchi", "postal_code": "100-0005", "city": "Tokyo",
                 "country": "JP"}},
]
ROLES = [("dev", "Developer", True), ("consultant", "Consultant", True),
         ("pm", "Project manager", True), ("trainee", "Trainee", False)]
RESOURCES = [("ana", "Ana Jensen"), ("mads", "Mads Nielsen"), ("siti", "Siti Rahman"),
             ("farid", "Farid Ismail"), ("yuki", "Yuki Tanaka")]
CATEGORIES = [("hotel", "Hotel", True), ("mileage", "Mileage", True), ("travel", "Travel", True),
              ("licence", "Licence", True), ("hardware", "Hardware", True),
              ("meal", "Internal meal", False)]
# Role prices per hour and category prices per unit in each currency.
PRICES = {
    "DKK": {"dev": "950.00", "consultant": "1150.00", "pm": "1250.00", "trainee": "450.00",
            "hotel": "1200.00", "mileage": "3.79", "travel": "850.00", "licence": "2400.00",
            "hardware": "5600.00", "meal": "150.00"},
    "MYR": {"dev": "320.00", "consultant": "380.00", "pm": "420.00", "trainee": "150.00",
            "hotel": "450.00", "mileage": "0.85", "travel": "300.00", "licence": "800.00",
            "hardware": "2100.00", "meal": "40.00"},
    "JPY": {"dev": "18000", "consultant": "22000", "pm": "25000", "trainee": "8000",
            "hotel": "24000", "mileage": "40", "travel": "15000", "licence": "52000",
            "hardware": "120000", "meal": "3000"},
}
CATEGORY_UNITS = {"mileage": "km"}


def _price_list(currency: str) -> dict:
    prices = PRICES[currency]
    roles = {key for key, _, _ in ROLES}
    return {"key": f"demo-{currency.lower()}", "name": f"{currency} standard rates 2026",
            "currency": currency,
            "role_prices": [{"role": k, "unit": "hour", "price": p} for k, p in prices.items()
                            if k in roles],
            "category_prices": [{"category": k, "unit": CATEGORY_UNITS.get(k, "each"), "price": p}
                                for k, p in prices.items() if k not in roles]}


CONTRACTS = [
    {"key": "havnefronten-2026", "name": "Havnefronten web platform 2026",
     "customer": "havnefronten", "currency": "DKK", "price_list": "demo-dkk",
     "opportunity": "OPP-2026-014", "tax_rate": "25",
     "description": "New booking platform and integration with the harbour's ERP.",
     "lines": [
         {"key": "hf-build", "name": "Build and integration", "billing_method": "time_and_material",
          "project": "hf-web", "classes": ["time", "expense"], "amount": "850000.00",
          "schedule": {"frequency": "monthly", "days": [31], "start": "2026-01-01"}},
         {"key": "hf-design", "name": "Design phase", "billing_method": "fixed_price",
          "project": "hf-web", "amount": "120000.00",
          "milestones": [
              {"key": "hf-m1", "name": "Concept approved", "date": "2026-02-27",
               "amount": "40000.00", "status": "ready",
               "description": "Concept and wireframes approved by steering group",
               "external_description": "Design phase, milestone 1: concept"},
              {"key": "hf-m2", "name": "Visual design delivered", "date": "2026-05-29",
               "amount": "50000.00", "status": "ready",
               "external_description": "Design phase, milestone 2: visual design"},
              {"key": "hf-m3", "name": "Design system handed over", "date": "2026-12-18",
               "amount": "30000.00", "status": "not_ready",
               "external_description": "Design phase, milestone 3: design system"}]},
         {"key": "hf-licences", "name": "CMS licences", "billing_method": "product",
          "product": "cms", "quantity": "3", "status": "ready"}]},
    {"key": "maju-erp", "name": "ERP rollout phase 2", "customer": "maju", "currency": "MYR",
     "price_list": "demo-myr", "opportunity": "MY-OPP-77", "tax_rate": "8",
     "description": "Finance and inventory modules, training and go-live support.",
     "lines": [
         {"key": "maju-tm", "name": "Implementation", "billing_method": "time_and_material",
          "project": "maju-erp", "classes": ["time", "expense", "material", "fee"],
          "amount": "400000.00", "schedule": {"frequency": "semi_monthly", "start": "2026-02-01"}},
         {"key": "maju-support", "name": "Go-live support pack", "billing_method": "product",
          "product_name": "Go-live support pack", "description": "Two weeks of on-site support",
          "quantity": "1", "price": "18000.00", "status": "not_ready"}]},
    {"key": "sakura-pilot", "name": "Warehouse analytics pilot", "customer": "sakura",
     "currency": "JPY", "price_list": "demo-jpy", "tax_rate": "10",
     "lines": [
         {"key": "sakura-tm", "name": "Pilot delivery", "billing_method": "time_and_material",
          "project": "sakura-wh", "classes": ["time"], "amount": "6000000",
          "schedule": {"frequency": "biweekly", "weekday": "friday", "start": "2026-03-06"}},
         {"key": "sakura-fp", "name": "Dashboard package", "billing_method": "fixed_price",
          "project": "sakura-wh", "amount": "1500000",
          "milestones": [{"key": "sakura-m1", "name": "Dashboards live", "date": "2026-06-30",
                          "amount": "1500000", "status": "not_ready"}]}]},
]
PROJECTS = [
    {"key": "hf-web", "name": "Booking platform", "customer": "havnefronten",
     "tasks": [{"key": "discovery", "name": "Discovery"}, {"key": "backend", "name": "Backend"},
               {"key": "frontend", "name": "Frontend"}, {"key": "pm", "name": "Project management"}]},
    {"key": "maju-erp", "name": "ERP phase 2", "customer": "maju",
     "tasks": [{"key": "finance", "name": "Finance module"}, {"key": "inventory", "name": "Inventory"},
               {"key": "training", "name": "Training"}]},
    {"key": "sakura-wh", "name": "Warehouse analytics", "customer": "sakura",
     "tasks": [{"key": "data", "name": "Data pipeline"}, {"key": "dash", "name": "Dashboards"}]},
]
# Who works where, in what role, and which expense categories the project incurs.
STAFFING = {
    "hf-web": {"people": [("ana", "dev"), ("mads", "consultant"), ("ana", "pm"), ("mads", "trainee")],
               "categories": ["hotel", "mileage", "travel", "meal"], "classes": ["time", "expense"]},
    "maju-erp": {"people": [("siti", "consultant"), ("farid", "dev"), ("siti", "pm")],
                 "categories": ["hotel", "travel", "licence", "hardware"],
                 "classes": ["time", "expense", "material", "fee"]},
    "sakura-wh": {"people": [("yuki", "dev"), ("yuki", "consultant")], "categories": ["travel"],
                  "classes": ["time", "expense"]},  # expenses here are on no line: not available
}
WORK = ["Sprint planning and backlog grooming", "API endpoints for bookings", "Payment integration",
        "Fixing review findings", "Workshop with finance team", "Data migration dry run",
        "Deployment pipeline", "User acceptance testing support", "Performance tuning",
        "Steering group meeting"]


def _actuals(rng: random.Random, count: int) -> list[dict]:
    """Deterministic actuals from January to mid-November 2026."""
    actuals = []
    start = dt.date(2026, 1, 5)
    for n in range(count):
        project = rng.choice(list(STAFFING))
        staffing = STAFFING[project]
        transaction_class = rng.choices(staffing["classes"], [8] + [2] * (len(staffing["classes"]) - 1))[0]
        day = start + dt.timedelta(days=rng.randrange(0, 315))
        while day.weekday() > 4:
            day -= dt.timedelta(days=1)
        task = rng.choice([t["key"] for p in PROJECTS if p["key"] == project for t in p["tasks"]])
        # Older work is more often marked ready; some stays unbilled for the backlog.
        status = "ready" if rng.random() < (0.85 if day <= DEMO_CUTOFF else 0.5) else "unbilled"
        actual = {"key": f"demo-a{n + 1:04d}", "project": project, "task": task,
                  "class": transaction_class, "date": day.isoformat(), "status": status}
        if transaction_class == "time":
            resource, role = rng.choice(staffing["people"])
            work = rng.choice(WORK)
            actual.update(role=role, resource=resource, unit="hour",
                          quantity=str(rng.choice([Decimal("1.5"), Decimal("3"), Decimal("4"),
                                                   Decimal("6.25"), Decimal("7.5")])),
                          internal_comment=f"{work} ({task})", external_comment=work)
        elif transaction_class == "fee":
            actual.update(unit="each", quantity="1", price="250.00",
                          description="Government e-invoicing registration fee")
        else:
            category = rng.choice(staffing["categories"])
            if transaction_class == "material":
                category = rng.choice(["licence", "hardware"])
            quantity = str(rng.randint(20, 180)) if category == "mileage" else str(rng.randint(1, 3))
            actual.update(category=category, unit=CATEGORY_UNITS.get(category, "each"),
                          quantity=quantity, description=f"{category.capitalize()}: {task}")
        actuals.append(actual)
    return actuals


def demo_data(actual_count: int = 320) -> dict:
    """The demo company as an import file (SPEC 11)."""
    return {
        "format": "project-invoicing/1",
        "customers": CUSTOMERS,
        "roles": [{"key": k, "name": n, "chargeable": c} for k, n, c in ROLES],
        "resources": [{"key": k, "name": n} for k, n in RESOURCES],
        "categories": [{"key": k, "name": n, "chargeable": c} for k, n, c in CATEGORIES],
        "products": [{"key": "cms", "name": "CMS licence (annual)", "price": "4800.00"}],
        "price_lists": [_price_list(c) for c in PRICES],
        "projects": PROJECTS,
        "contracts": CONTRACTS,
        "actuals": _actuals(random.Random(2026), actual_count),
    }


def seed_demo(*, today: dt.date | None = None) -> str:
    """Load the demo company and create its invoices; refuses to run twice."""
    if db.session.scalar(select(Customer.id).where(Customer.key == "havnefronten")):
        raise DemoExists(f"The demo company is already loaded; nothing to do.\n{SIGN_IN}")
    today = today or dt.date.today()
    summary = import_data(demo_data())
    # Created first, so that it is PRO-000001, the invoice a newcomer opens.
    draft = create_invoice("havnefronten-2026", InvoiceParameters(cutoff=DEMO_CUTOFF))
    report = [summary.describe(),
              f"Draft invoice {draft.code} for contract {draft.contract.number} ({draft.name}), "
              f"cut-off {DEMO_CUTOFF.isoformat()}."]
    paid = _issued(*PAID_INVOICE, today)
    sent_paid = _send(paid)
    # Never in the future, never before the invoice date (mark_paid refuses both).
    paid = mark_paid(paid.code, min(paid.invoice_date + PAID_AFTER, today))
    report.append(f"Paid invoice {paid.number} ({paid.code}, {paid.customer.name}): {sent_paid}, "
                  f"paid {paid.paid_on.isoformat()}.")
    sent = _issued(*SENT_INVOICE, today)
    report.append(f"Confirmed invoice {sent.number} ({sent.code}, {sent.customer.name}): "
                  f"{_send(sent)}, due {sent.due_date.isoformat()}.")
    for email, role, name in DEMO_USERS:
        if not db.session.scalar(select(User.id).where(User.email == email)):
            create_user(email, DEMO_PASSWORD, role, name)
    return "\n".join([*report, SIGN_IN])


def _issued(contract: str, cutoff: dt.date, invoice_date: dt.date, today: dt.date) -> Invoice:
    """A confirmed invoice of the contract, dated as given (today at the latest) and
    confirmed that morning."""
    day = min(invoice_date, today)
    invoice = create_invoice(contract, InvoiceParameters(cutoff=cutoff), today=day)
    return confirm_invoice(invoice.code, now=dt.datetime.combine(day, dt.time(9, 30)))


def _send(invoice: Invoice) -> str:
    """Send the invoice through the mail server when one is configured (SMTP_HOST), else
    record the send as if one had carried it, so that the demo shows sent invoices; says
    which it was."""
    if not current_app.config.get("SMTP_CONFIGURED"):
        send = record_send(invoice.code, now=dt.datetime.combine(invoice.invoice_date,
                                                                 dt.time(9, 45)))
        return (f"recorded as sent to {send.recipient} on {send.sent_at.date().isoformat()} "
                f"(no SMTP_HOST: nothing was e-mailed)")
    try:
        send = send_invoice(invoice.code)
    except MailFailed as failed:
        return f"not sent ({str(failed).rstrip('.')}; the failed attempt is on its page)"
    return f"e-mailed to {send.recipient} through {current_app.config['SMTP_HOST']}"
