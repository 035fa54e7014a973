"""The demo company (SPEC 9 seed-demo)."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual, Contract, Customer, Invoice


def test_seed_demo_creates_a_company_with_a_draft_invoice(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Draft invoice PRO-000001" in result.output

    currencies = db.session.scalars(select(Contract.currency).order_by(Contract.id)).all()
    assert currencies == ["DKK", "MYR", "JPY"]
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 3
    statuses = dict(db.session.execute(
        select(Actual.status, func.count()).group_by(Actual.status)).all())
    assert set(statuses) == {"unbilled", "ready", "invoice_created", "invoice_posted"}
    assert sum(statuses.values()) >= 300
    billing_types = set(db.session.scalars(select(Actual.billing_type).distinct()))
    assert {"chargeable", "non_chargeable", "not_available"} <= billing_types
    invoice = db.session.scalars(select(Invoice).where(Invoice.code == "PRO-000001")).one()
    assert (invoice.project_invoice_status, invoice.status) == ("draft", "active")
    assert invoice.total_amount > 0 and len(invoice.lines) == 3


def test_seed_demo_twice_leaves_the_first_demo_alone(runner):
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "already loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 3


def test_seed_demo_creates_a_user_per_role_and_says_how_to_sign_in(runner):
    from app.models import User
    from app.services.users import authenticate

    result = runner.invoke(args=["seed-demo"])
    assert "Sign in as admin@demo.example with the password 'demo-password'" in result.output
    roles = dict(db.session.execute(select(User.email, User.role)).all())
    assert roles["admin@demo.example"] == "admin" and len(roles) == 4
    assert authenticate("viewer@demo.example", "demo-password").role == "viewer"
    assert "Sign in as" in runner.invoke(args=["seed-demo"]).output
