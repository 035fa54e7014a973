"""The schema: migrations agree with the models, and money stays exact in the database."""

from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Counter, Product, Unit
from app.services.numbering import next_legal_number, next_value


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_builtin_units_exist_after_migration(app):
    keys = db.session.scalars(select(Unit.key).order_by(Unit.id)).all()
    assert keys == ["hour", "day", "each", "km"]


def test_money_round_trips_and_sums_exactly(app):
    prices = [Decimal("0.1"), Decimal("0.2"), Decimal("1234.5678"), Decimal("-0.0001")]
    db.session.add_all(Product(name=f"P{i}", price=p, unit_id=3) for i, p in enumerate(prices))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalars(select(Product.price).order_by(Product.id)).all()
    assert stored == prices
    assert all(isinstance(p, Decimal) for p in stored)
    total = db.session.scalar(select(func.sum(Product.price)))
    assert total == Decimal("1234.8677") and isinstance(total, Decimal)


@pytest.mark.parametrize("bad", [0.1, "0.1"])
def test_money_column_refuses_floats_and_strings(app, bad):
    db.session.add(Product(name="Float", price=bad, unit_id=3))
    with pytest.raises(Exception) as raised:
        db.session.flush()
    assert "ExactDecimal takes Decimal or int" in str(raised.value)
    db.session.rollback()


def test_money_column_refuses_more_than_four_decimals(app):
    db.session.add(Product(name="Too fine", price=Decimal("1.00001"), unit_id=3))
    with pytest.raises(Exception, match="more than 4 decimals"):
        db.session.flush()
    db.session.rollback()


def test_counters_count_up_per_name(app):
    assert [next_value("x"), next_value("x"), next_value("y")] == [1, 2, 1]
    assert next_legal_number(2026) == "2026-0001"
    db.session.commit()
    assert db.session.get(Counter, "x").value == 2


def test_database_enforces_foreign_keys(app):
    db.session.add(Unit(key="week", name="Week", schedule_id=999))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
